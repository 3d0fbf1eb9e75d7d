from . import sale_portal
from . import statement
from . import payment
from . import stripe_webhook
from . import magic_link
from . import portal
from . import language
from . import passkey

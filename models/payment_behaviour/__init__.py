from . import client_hub_payment_partial
from . import client_hub_payment_bucket
from . import client_hub_figures_bucket


from . import mail_compose_message
from . import account_move_send_wizard

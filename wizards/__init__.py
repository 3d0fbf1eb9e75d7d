from . import mail_compose_message
from . import account_move_send_wizard
from . import base_partner_merge_automatic_wizard
from . import mail_compose_message_statement
from . import client_hub_template_compare
from . import res_users_identitycheck
from . import auth_passkey_key_create
from . import client_hub_archive_search

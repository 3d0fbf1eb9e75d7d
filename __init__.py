from . import controllers
from . import models
from . import reports
from . import wizards


def uninstall_hook(env):
    """Drop what lives outside the ORM: the triggers that fill the dashboard's figures
    and payment behaviour, and their functions (the ORM drops the models' tables)."""
    env["client_hub.figures.bucket"]._drop_trigger()
    env["client_hub.payment.bucket"]._drop_triggers()

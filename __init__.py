from . import controllers
from . import models
from . import reports
from . import wizards


def uninstall_hook(env):
    """Drop what lives outside the ORM: the trigger on account_move that fills the
    dashboard's figures, and its function (the ORM drops the table of the model)."""
    env["client_hub.figures.bucket"]._drop_trigger()

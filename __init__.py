from . import controllers
from . import models
from . import wizards


def uninstall_hook(env):
    """Drop what lives outside the ORM: the dashboard's figures trigger (issue 3)."""
    env["account.move"]._client_hub_drop_figures_buckets()

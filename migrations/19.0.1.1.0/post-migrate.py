import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    """Disable the Demo payment provider that earlier versions brought in.

    Up to 19.0.1.0.0 client_hub depended on `payment_demo`, whose installation publishes
    Odoo's Demo provider in test mode: any client could then "pay" invoices with no money.
    `payment_demo` stays installed on upgrade (an administrator may uninstall it), so its
    provider is disabled and unpublished here. `make run` publishes it again in the demo
    database only (tools/demo_payment_provider.py).
    """
    env = api.Environment(cr, SUPERUSER_ID, {})
    demo_providers = env["payment.provider"].search(
        [("code", "=", "demo"), ("state", "!=", "disabled")]
    )
    if demo_providers:
        demo_providers.write({"state": "disabled", "is_published": False})
        _logger.warning(
            "client_hub: disabled the Demo payment provider(s) %s, which let clients settle "
            "invoices without paying. Uninstall payment_demo if nothing else needs it.",
            demo_providers.ids,
        )

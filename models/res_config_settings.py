from odoo import fields, models

from ..const import (
    DEFAULT_MAGIC_LINK_DOCUMENT_TTL_DAYS,
    DEFAULT_MAGIC_LINK_LOGIN_TTL_MINUTES,
    DEFAULT_RATE_LIMITS,
    PARAM_MAGIC_LINK_DOCUMENT_TTL_DAYS,
    PARAM_MAGIC_LINK_LOGIN_TTL_MINUTES,
    PARAM_RATE_LIMIT_PREFIX,
)


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # Settings choose global templates: clients' own copies are not offered there.
    invoice_mail_template_id = fields.Many2one(
        domain=[("model", "=", "account.move"), ("client_hub_partner_id", "=", False)],
    )

    # magic link
    client_hub_magic_link_document_ttl_days = fields.Integer(
        string="Document Link Validity (days)",
        config_parameter=PARAM_MAGIC_LINK_DOCUMENT_TTL_DAYS,
        default=DEFAULT_MAGIC_LINK_DOCUMENT_TTL_DAYS,
        help="How long the sign-in links in document e-mails (invoices, quotations, "
        "receipts, statements) stay valid.",
    )
    client_hub_magic_link_login_ttl_minutes = fields.Integer(
        string="Sign-in Link Validity (minutes)",
        config_parameter=PARAM_MAGIC_LINK_LOGIN_TTL_MINUTES,
        default=DEFAULT_MAGIC_LINK_LOGIN_TTL_MINUTES,
        help="How long a link asked for on the portal sign-in page stays valid. "
        "It can be used only once.",
    )

    # statement ZIP downloads
    client_hub_zip_render_limit = fields.Integer(
        string="ZIP Downloads with Generated PDFs",
        config_parameter=PARAM_RATE_LIMIT_PREFIX + "zip_render",
        default=DEFAULT_RATE_LIMITS["zip_render"],
        help="How many statement ZIP downloads whose PDFs must be generated a client may "
        "start per rate-limit window (15 minutes unless set otherwise). Downloads of PDFs "
        "already stored are not counted; a client generates one ZIP at a time.",
    )

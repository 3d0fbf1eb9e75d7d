from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # Settings choose global templates: clients' own copies are not offered there.
    invoice_mail_template_id = fields.Many2one(
        domain=[("model", "=", "account.move"), ("client_hub_partner_id", "=", False)],
    )

    # ---- magic link (issue 5) ----
    client_hub_magic_link_document_ttl_days = fields.Integer(
        string="Document Link Validity (days)",
        config_parameter="client_hub.magic_link_document_ttl_days",
        default=30,
        help="How long the sign-in links in document e-mails (invoices, quotations, "
        "receipts, statements) stay valid.",
    )
    client_hub_magic_link_login_ttl_minutes = fields.Integer(
        string="Sign-in Link Validity (minutes)",
        config_parameter="client_hub.magic_link_login_ttl_minutes",
        default=15,
        help="How long a link asked for on the portal sign-in page stays valid. "
        "It can be used only once.",
    )

    # ---- statement ZIP downloads ----
    client_hub_zip_render_limit = fields.Integer(
        string="ZIP Downloads with Generated PDFs",
        config_parameter="client_hub.rate_limit_zip_render",
        default=10,
        help="How many statement ZIP downloads whose PDFs must be generated a client may "
        "start per rate-limit window (15 minutes unless set otherwise). Downloads of PDFs "
        "already stored are not counted; a client generates one ZIP at a time.",
    )

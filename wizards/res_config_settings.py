from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # Settings choose global templates: clients' own copies are not offered there.
    invoice_mail_template_id = fields.Many2one(
        domain=[("model", "=", "account.move"), ("client_hub_partner_id", "=", False)],
    )

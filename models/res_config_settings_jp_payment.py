from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    client_hub_transfer_fee_max = fields.Float(
        related="company_id.client_hub_transfer_fee_max", readonly=False
    )
    client_hub_transfer_fee_account_id = fields.Many2one(
        related="company_id.client_hub_transfer_fee_account_id", readonly=False
    )

from odoo import fields, models


class AccountMoveSendWizard(models.TransientModel):
    _inherit = "account.move.send.wizard"

    # the client's own template is filled in by default; other clients' copies are not offered
    template_id = fields.Many2one(
        domain="[('model', '=', 'account.move'), ('client_hub_partner_id', '=', False)]"
    )

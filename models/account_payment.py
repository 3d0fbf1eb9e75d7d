from odoo import models


class AccountPayment(models.Model):
    _inherit = "account.payment"

    def _client_hub_magic_link_redirect(self):
        """Override of `client_hub` (mail.thread): the receipts of customer payments carry
        a magic link that opens the client's statement (a payment has no portal page)."""
        self.ensure_one()
        if self.partner_type != "customer":
            return super()._client_hub_magic_link_redirect()
        return "/my/statement"

from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _client_hub_magic_link_redirect(self):
        """Override of `client_hub` (mail.thread): the e-mails of customer invoices, credit
        notes and receipts carry a magic link that opens the document's portal page."""
        self.ensure_one()
        if not self.is_sale_document(include_receipts=True):
            return super()._client_hub_magic_link_redirect()
        # sudo: the document's recipients get its tokened portal URL in their e-mail, as the stock button does
        return self.sudo().get_portal_url()

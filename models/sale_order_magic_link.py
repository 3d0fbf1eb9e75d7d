from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _client_hub_magic_link_redirect(self):
        """Override of `client_hub` (mail.thread): the e-mails of quotations and orders carry
        a magic link that opens the document's portal page."""
        self.ensure_one()
        # sudo: the document's recipients get its tokened portal URL in their e-mail, as the stock button does
        return self.sudo().get_portal_url()

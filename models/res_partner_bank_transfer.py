from odoo import models


class ResPartner(models.Model):
    """The company's bank account a client of a company in Japan transfers to (振込先), printed
    on the client's statement, and the code the client writes as the transfer's sender name
    (振込依頼人名) so that the payment is recognised."""

    _inherit = "res.partner"

    def _client_hub_jp_bank_transfer(self, company=None):
        """Return what the client's statement prints under 振込先, when ``company`` is in
        Japan and has a trusted receiving account (the one Odoo picks for its invoices).

        :param company: the statement's company, the environment's by default
        :return: ``{'bank': res.partner.bank, 'sender_note': str}``, empty when none prints
        :rtype: dict
        """
        self.ensure_one()
        company = company or self.env.company
        if company.country_code != "JP":
            return {}
        client = self.commercial_partner_id
        Move = self.env["account.move"]
        bank = Move._client_hub_receiving_bank_account(
            company, client, company.currency_id
        )
        if not bank.allow_out_payment:
            return {}
        return {
            "bank": bank,
            "sender_note": Move._client_hub_jp_sender_note(
                client._client_hub_transfer_code()
            ),
        }

    def _client_hub_transfer_code(self):
        """Return the code that tells the client's transfers apart: its reference when it
        has one, else its number (C and six digits)."""
        self.ensure_one()
        client = self.commercial_partner_id
        return client.ref or f"C{client.id:06d}"

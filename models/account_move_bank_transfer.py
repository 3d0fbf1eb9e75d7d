from odoo import api, models


class AccountMove(models.Model):
    """The bank account a client of a company in Japan transfers to (振込先), printed on the
    qualified invoice, and what the client writes as the transfer's sender name (振込依頼人名)
    so that the payment is recognised. See `reports/report_bank_transfer_jp.xml`."""

    _inherit = "account.move"

    def _client_hub_jp_bank_transfer(self):
        """Return what the invoice prints under 振込先: a customer invoice of a company in
        Japan, with a trusted receiving account of the company (the invoice's own while it is
        active and trusted, else the one Odoo would pick for it now).

        :return: ``{'bank': res.partner.bank, 'sender_note': str}``, empty when none prints
        :rtype: dict
        """
        self.ensure_one()
        if not (
            self._client_hub_is_qualified_invoice() and self.move_type == "out_invoice"
        ):
            return {}
        bank = self.partner_bank_id
        if not (bank.active and bank.allow_out_payment):
            # none, archived since, or not trusted (Odoo posts customer invoices only with a
            # trusted account): the account Odoo picks now
            bank = self._client_hub_receiving_bank_account(
                self.company_id, self.partner_id, self.currency_id
            )
        if not bank.allow_out_payment:
            return {}
        return {
            "bank": bank,
            "sender_note": self._client_hub_jp_sender_note(
                self.payment_reference or self.name
            ),
        }

    @api.model
    def _client_hub_receiving_bank_account(self, company, partner, currency):
        """Return the company's bank account Odoo puts on a new invoice of ``company`` to
        ``partner`` in ``currency`` (`_compute_partner_bank_id`: the inbound payment method's
        journal account, else the company's accounts, trusted and in that currency first).

        :rtype: res.partner.bank
        """
        invoice = self.with_company(company).new(
            {
                "move_type": "out_invoice",
                "company_id": company.id,
                "partner_id": partner.id,
                "currency_id": currency.id,
            }
        )
        return invoice.partner_bank_id._origin

    @api.model
    def _client_hub_jp_sender_note(self, code):
        """Return the line asking the client to write ``code`` in the transfer's sender
        name (振込依頼人名), in the language of the environment."""
        return self.env._(
            "Write %(code)s before your name as the transfer's sender name (振込依頼人名).",
            code=code,
        )

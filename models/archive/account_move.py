from odoo import models


class AccountMove(models.Model):
    """What the Electronic Bookkeeping archive records of an invoice or credit note."""

    _inherit = "account.move"

    def _client_hub_prepare_archive_vals(self, attachment, content=None):
        """Return the archive row of the document's PDF ``attachment``.

        :param bytes content: the bytes just stored, when the caller has them
        """
        self.ensure_one()
        return self.env["client_hub.issued.document"]._prepare_archive_vals(
            self,
            attachment,
            content,
            document_type="credit_note"
            if self.move_type == "out_refund"
            else "invoice",
            date=self.invoice_date or self.date,
            amount=self.amount_total,
            currency_id=self.currency_id.id,
            partner_id=self.commercial_partner_id.id,
            company_id=self.company_id.id,
            name=self.name,
        )

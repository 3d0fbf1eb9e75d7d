from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    """Sending of the documents whose PDF was stored ahead (see `account_move_invoice_pdf`)."""

    _inherit = "account.move.send"

    @api.model
    def _link_invoice_documents(self, invoices_data):
        """Override of `account`. Stock marks a document as sent when it links the PDF it has
        just generated for Send or Print. A PDF stored ahead is linked without that mark, as
        nobody sent it yet; Send or Print then marks the document when it uses that PDF
        instead of generating one."""
        sent_before = {invoice: invoice.is_move_sent for invoice in invoices_data}
        res = super()._link_invoice_documents(invoices_data)
        ahead = self.env.context.get("client_hub_pdf_ahead")
        for invoice, was_sent in sent_before.items():
            if ahead:
                if invoice.is_move_sent != was_sent:
                    invoice.is_move_sent = was_sent
            elif (
                not invoice.is_move_sent
                and invoice.invoice_pdf_report_id
                and not invoices_data[invoice].get("error")
            ):
                invoice.is_move_sent = True
        return res

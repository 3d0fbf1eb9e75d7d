from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    """Each invoice PDF stored is archived, whoever stores it: Send & Print, or the
    background rendering (`client_hub.invoice.pdf.job`), which both end in
    `_link_invoice_documents`. Neither replaces a stored PDF (stock reuses
    `invoice_pdf_report_id`), so an archived PDF is reused, never rendered again."""

    _inherit = "account.move.send"

    @api.model
    def _link_invoice_documents(self, invoices_data):
        """Override of `account` to archive the invoice PDFs just stored."""
        res = super()._link_invoice_documents(invoices_data)
        stored = {
            invoice: data["pdf_attachment_values"]
            for invoice, data in invoices_data.items()
            if data.get("pdf_attachment_values")
            and invoice.move_type in ("out_invoice", "out_refund")
        }
        if not stored:
            return res
        # sudo: the PDFs were just created with elevated rights by stock
        attachments = (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "account.move"),
                    ("res_id", "in", [invoice.id for invoice in stored]),
                    ("res_field", "=", "invoice_pdf_report_file"),
                ]
            )
        )
        by_move = {attachment.res_id: attachment for attachment in attachments}
        ahead = self.env.context.get("client_hub_pdf_ahead")
        vals_list = [
            invoice._client_hub_prepare_archive_vals(
                by_move[invoice.id], values.get("raw")
            )
            for invoice, values in stored.items()
            if invoice.id in by_move
        ]
        if ahead:  # rendered in the background: nobody sent it
            for vals in vals_list:
                vals["issued_by"] = False
        self.env["client_hub.issued.document"]._archive(vals_list)
        return res

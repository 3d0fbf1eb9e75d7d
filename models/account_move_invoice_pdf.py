from odoo import api, models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    """Invoice PDFs rendered in the background when customer documents are posted, and
    stored as the PDF Odoo's Send attaches (`invoice_pdf_report_id`), which Send, the portal
    download and the statement ZIP then reuse. See `client_hub.invoice.pdf.job`."""

    _inherit = "account.move"

    @api.depends("is_move_sent")
    def _compute_highlight_send_button(self):
        """Override of `account`: a PDF stored ahead does not make a document sent; the Send
        button stays highlighted until it is."""
        res = super()._compute_highlight_send_button()
        for move in self:
            if not move.is_being_sent and not move.is_move_sent:
                move.highlight_send_button = True
        return res

    def _post(self, soft=True):
        """Override of `account` to queue the PDFs of the customer documents posted; the queue
        only records them, so posting never waits on a rendering."""
        posted = super()._post(soft=soft)
        self.env["client_hub.invoice.pdf.job"]._enqueue(posted)
        return posted

    def button_draft(self):
        """Override of `account`: the queued PDFs are dropped first (a rendering under way is
        waited for), then stock detaches the stored PDFs, this one included."""
        self.env["client_hub.invoice.pdf.job"]._drop(self)
        return super().button_draft()

    def _client_hub_pdf_to_store(self):
        """Return whether the document's PDF is to be rendered ahead and stored: a posted
        customer invoice or credit note without a stored PDF, sent without electronic
        formats (Send may embed those in the PDF: it then renders the PDF itself)."""
        self.ensure_one()
        if self.state != "posted" or self.move_type not in (
            "out_invoice",
            "out_refund",
        ):
            return False
        if self.invoice_pdf_report_id:
            return False
        Send = self.env["account.move.send"]
        return not Send._get_default_invoice_edi_format(
            self
        ) and not Send._get_default_extra_edis(self)

    def _client_hub_store_pdfs(self):
        """Generate and store the invoice PDFs of the documents, all of one company, with the
        step of Odoo's Send that generates documents (`_generate_invoice_documents`): the
        template Send picks, one wkhtmltopdf run per template split per document, the hooks
        that complete the PDF (e.g. the Factur-X XML `account_edi_ubl_cii` embeds), then
        `_link_invoice_documents`. Nothing is sent, and the documents are not marked as sent.

        :raise UserError: if the PDF of a document could not be generated
        """
        # force_report_rendering: a stored PDF must be a PDF, tests included (stock renders HTML there)
        Send = self.env["account.move.send"].with_context(
            force_report_rendering=True, client_hub_pdf_ahead=True
        )
        invoices_data = {
            move: {
                "pdf_report": Send._get_default_pdf_report_id(move),
                "invoice_edi_format": False,  # none, see `_client_hub_pdf_to_store`
                "extra_edis": set(),
                "sending_methods": set(),  # generated, not sent: no web service is called
            }
            for move in self
        }
        Send._generate_invoice_documents(invoices_data)
        if errors := [
            data["error"] for data in invoices_data.values() if data.get("error")
        ]:
            raise UserError(
                "\n".join(
                    " ".join(
                        [
                            error.get("error_title", ""),
                            *map(str, error.get("errors", [])),
                        ]
                    )
                    for error in errors
                )
            )

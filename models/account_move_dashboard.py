from odoo import api, fields, models


class AccountMove(models.Model):
    """Customer documents as the client dashboard lists them."""

    _inherit = "account.move"

    client_invoice_status = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("posted", "Posted"),
            ("sent", "Sent"),
            ("partial", "Partially paid"),
            ("paid", "Paid"),
            ("cancel", "Cancelled"),
            ("credit_note", "Credit note"),
        ],
        string="Client Status",
        compute="_compute_client_invoice_status",
        store=True,
        help="Status of the document as the client dashboard shows it.",
    )

    # Serves the client dashboard: a client's documents, and its figures when they are
    # computed live (users with restrictive record rules), read from the index alone.
    _client_hub_customer_docs_idx = models.Index(
        "(commercial_partner_id, company_id) INCLUDE (state, amount_total_signed,"
        " amount_residual_signed, invoice_date_due)"
        " WHERE move_type IN ('out_invoice', 'out_refund')"
    )

    # Stock's DSO of a client (res.partner `_compute_days_sales_outstanding`): the date of
    # its first sale, and the total of its receipts (the figures engine holds the rest)
    _client_hub_first_sale_idx = models.Index(
        "(commercial_partner_id, company_id, invoice_date)"
        " WHERE state = 'posted' AND move_type IN ('out_invoice', 'out_refund', 'out_receipt')"
    )
    _client_hub_receipts_idx = models.Index(
        "(commercial_partner_id, company_id) INCLUDE (amount_total_signed)"
        " WHERE state = 'posted' AND move_type = 'out_receipt'"
    )
    # the clients with cash-rounded documents, whose rounding line stock's Invoiced leaves
    # out (res.partner `_client_hub_engine_invoiced`)
    _client_hub_cash_rounding_idx = models.Index(
        "(commercial_partner_id) WHERE invoice_cash_rounding_id IS NOT NULL"
    )

    @api.depends("state", "move_type", "payment_state", "is_move_sent")
    def _compute_client_invoice_status(self):
        for move in self:
            move.client_invoice_status = move._get_client_invoice_status()

    def _get_client_invoice_status(self):
        """Dashboard status of one customer document; False for other moves."""
        self.ensure_one()
        if not self.is_sale_document():
            return False
        if self.state in ("draft", "cancel"):
            return self.state
        if self.move_type == "out_refund":
            return "credit_note"
        # 'reversed': settled in full by a credit note, nothing left to collect
        if self.payment_state in ("paid", "in_payment", "reversed"):
            return "paid"
        if self.payment_state == "partial":
            return "partial"
        return "sent" if self.is_move_sent else "posted"

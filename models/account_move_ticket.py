from odoo import api, fields, models


class AccountMove(models.Model):
    """Support tickets about an invoice: their number on the invoice, and "in question"
    while one of them is open."""

    _inherit = "account.move"

    client_ticket_ids = fields.One2many(
        "client_hub.ticket",
        "invoice_id",
        string="Tickets",
        groups="base.group_user",
    )
    client_ticket_count = fields.Integer(
        string="Tickets",
        compute="_compute_client_ticket_count",
        groups="base.group_user",
    )
    client_in_question = fields.Boolean(
        string="In Question",
        compute="_compute_client_in_question",
        help="A support ticket about this document is open.",
    )

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends("client_ticket_ids")
    def _compute_client_ticket_count(self):
        counts = {
            invoice.id: count
            for invoice, count in self.env["client_hub.ticket"]._read_group(
                [("invoice_id", "in", self._origin.ids)], ["invoice_id"], ["__count"]
            )
        }
        for move in self:
            move.client_ticket_count = counts.get(move._origin.id, 0)

    @api.depends("client_ticket_ids.is_closed")
    def _compute_client_in_question(self):
        """One query for the whole recordset: statements list many documents."""
        # sudo: only whether an open ticket exists is read, for documents the caller already
        # reads (a client's statement, its PDF); the tickets themselves are not returned.
        open_tickets_sudo = self.env["client_hub.ticket"].sudo()
        in_question = {
            invoice.id
            for [invoice] in open_tickets_sudo._read_group(
                [("invoice_id", "in", self._origin.ids), ("is_closed", "=", False)],
                ["invoice_id"],
            )
        }
        for move in self:
            move.client_in_question = move._origin.id in in_question

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_client_open_tickets(self):
        """Smart button: the support tickets about this document."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "client_hub.client_hub_ticket_action"
        )
        action.update(
            {
                "domain": [("invoice_id", "=", self.id)],
                "context": {
                    "default_invoice_id": self.id,
                    "default_partner_id": self.partner_id.id,
                },
                "view_mode": "list,kanban,form",
                "views": [(False, "list"), (False, "kanban"), (False, "form")],
            }
        )
        return action

from odoo import fields, models


class ResPartner(models.Model):
    """Support tickets of a client: their number and the list they open."""

    _inherit = "res.partner"

    client_ticket_count = fields.Integer(
        string="Tickets",
        compute="_compute_client_ticket_count",
        groups="base.group_user",
    )

    def _compute_client_ticket_count(self):
        counts = dict(
            self.env["client_hub.ticket"]._read_group(
                [("commercial_partner_id", "in", self.commercial_partner_id.ids)],
                ["commercial_partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.client_ticket_count = counts.get(partner.commercial_partner_id, 0)

    def action_client_open_tickets(self):
        """Open the client's support tickets."""
        self.ensure_one()
        client = self.commercial_partner_id
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "client_hub.client_hub_ticket_action"
        )
        action.update(
            {
                "domain": [("commercial_partner_id", "=", client.id)],
                "context": {"default_partner_id": self.id},
                "view_mode": "list,kanban,form",
                "views": [(False, "list"), (False, "kanban"), (False, "form")],
            }
        )
        return action

from odoo import fields, models


class ClientHubTicketStage(models.Model):
    _name = "client_hub.ticket.stage"
    _description = "Support Ticket Stage"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True)
    fold = fields.Boolean(
        string="Folded in Kanban",
        help="Fold this stage's column in the kanban view.",
    )
    is_closed = fields.Boolean(
        string="Closing Stage",
        help="Tickets in this stage are finished: they no longer count as open and "
        "the client can no longer close them.",
    )
    active = fields.Boolean(default=True)

from odoo import api, fields, models
from odoo.exceptions import UserError


class SaleOrder(models.Model):
    """Quotations on the client dashboard: the client's status of each, and the
    rejections clients make from the portal."""

    _inherit = "sale.order"

    client_rejected_date = fields.Datetime(
        string="Rejected by Client On",
        readonly=True,
        copy=False,
        help="Set when the client declined the quotation from the portal. "
        "A quotation cancelled by staff has none.",
    )
    client_reject_reason = fields.Text(
        string="Rejection Reason", readonly=True, copy=False
    )
    client_quotation_status = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("sent", "Sent"),
            ("accepted", "Accepted"),
            ("rejected", "Rejected"),
            ("cancel", "Cancelled"),
        ],
        string="Client Status",
        compute="_compute_client_quotation_status",
        store=True,
        help="Rejected: the client declined it in the portal. Cancelled: staff cancelled it.",
    )

    @api.depends("state", "client_rejected_date")
    def _compute_client_quotation_status(self):
        status_by_state = {
            "draft": "draft",
            "sent": "sent",
            "sale": "accepted",
            "cancel": "cancel",
        }
        for order in self:
            if order.state == "cancel" and order.client_rejected_date:
                order.client_quotation_status = "rejected"
            else:
                order.client_quotation_status = status_by_state.get(order.state, False)

    def action_draft(self):
        """Override of `sale`: a quotation set back to draft is no longer rejected."""
        res = super().action_draft()
        self.filtered(lambda o: o.state == "draft" and o.client_rejected_date).write(
            {
                "client_rejected_date": False,
                "client_reject_reason": False,
            }
        )
        return res

    def _client_hub_reject(self, reason, author=None):
        """Record that the client declined these quotations, and cancel them.

        Unlike `action_cancel` (staff), this marks the orders as rejected by the client.

        :param str reason: the client's message, posted in the chatter
        :param author: res.partner authoring the message (default: the order's customer)
        :return: True
        """
        if any(order.state not in ("draft", "sent") for order in self):
            raise UserError(self.env._("Only a quotation can be rejected."))
        self._action_cancel()
        self._client_hub_stamp_rejection(reason)
        for order in self:
            order.message_post(
                author_id=(author or order.partner_id).id,
                body=reason,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        return True

    def _client_hub_stamp_rejection(self, reason):
        """Mark these cancelled quotations as rejected by the client, with the client's reason
        (what tells a client's decline from a cancellation by staff).

        :param str reason: the client's message
        """
        self.write(
            {
                "client_rejected_date": fields.Datetime.now(),
                "client_reject_reason": reason,
            }
        )

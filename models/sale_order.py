from odoo import api, fields, models
from odoo.exceptions import UserError


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # ---- per-client e-mail templates (issue 4) ----
    def _find_mail_template(self):
        """Override of `sale` to send quotations with the client's own template."""
        template = super()._find_mail_template()
        if self.env.context.get("proforma") or self.state == "sale":
            return template  # pro-forma keeps the global one; confirmed: see below
        return self._get_client_hub_template("quotation", template)

    def _get_confirmation_template(self):
        """Override of `sale` to confirm orders (Send button and automatic confirmation
        e-mail) with the client's own template: it wins over the quotation template's and
        the one chosen in Settings."""
        return self._get_client_hub_template("order", super()._get_confirmation_template())

    def _get_client_hub_template(self, kind, template):
        self.ensure_one()
        client = self.partner_id.commercial_partner_id
        if not client:
            return template
        return self.env["mail.template"]._client_hub_pick(client._get_client_mail_template(kind), template, self)

    # ---- dashboard (issue 3) ----
    client_rejected_date = fields.Datetime(
        string="Rejected by Client On",
        readonly=True,
        copy=False,
        help="Set when the client declined the quotation from the portal. "
        "A quotation cancelled by staff has none.",
    )
    client_reject_reason = fields.Text(string="Rejection Reason", readonly=True, copy=False)
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
        status_by_state = {"draft": "draft", "sent": "sent", "sale": "accepted", "cancel": "cancel"}
        for order in self:
            if order.state == "cancel" and order.client_rejected_date:
                order.client_quotation_status = "rejected"
            else:
                order.client_quotation_status = status_by_state.get(order.state, False)

    def action_draft(self):
        """Override of `sale`: a quotation set back to draft is no longer rejected."""
        res = super().action_draft()
        self.filtered(lambda o: o.state == "draft" and o.client_rejected_date).write({
            "client_rejected_date": False,
            "client_reject_reason": False,
        })
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
        self.write({"client_rejected_date": fields.Datetime.now(), "client_reject_reason": reason})
        for order in self:
            order.message_post(
                author_id=(author or order.partner_id).id,
                body=reason,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        return True

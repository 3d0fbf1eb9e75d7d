from odoo import models


class SaleOrder(models.Model):
    """Quotations and order confirmations sent with the client's own e-mail template."""

    _inherit = "sale.order"

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
        return self._get_client_hub_template(
            "order", super()._get_confirmation_template()
        )

    def _get_client_hub_template(self, kind, template):
        self.ensure_one()
        client = self.partner_id.commercial_partner_id
        if not client:
            return template
        return self.env["mail.template"]._client_hub_pick(
            client._get_client_mail_template(kind), template, self
        )

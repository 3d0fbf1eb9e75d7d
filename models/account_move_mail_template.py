from odoo import models


class AccountMove(models.Model):
    """Invoices and credit notes sent with the client's own e-mail template."""

    _inherit = "account.move"

    def _get_mail_template(self):
        """Override of `account` to send a client's invoices and credit notes with the
        client's own template (contacts of a company use the company's). This is the one
        place the Send wizard, batch sending and automatic sending pick the template."""
        template = super()._get_mail_template()
        client = self.commercial_partner_id
        move_types = set(self.mapped("move_type"))
        if (
            len(client) != 1
            or len(move_types) != 1
            or not move_types <= {"out_invoice", "out_refund"}
        ):
            return template
        kind = "credit_note" if move_types == {"out_refund"} else "invoice"
        return self.env["mail.template"]._client_hub_pick(
            client._get_client_mail_template(kind), template, self
        )

from odoo import api, fields, models


class ResPartner(models.Model):
    """Client profile: billing e-mail and phone, tax-ID label, New Invoice/Quotation.

    The other features of a client each extend `res.partner` in their own file:
    ``res_partner_dashboard.py``, ``res_partner_mail_template.py``,
    ``res_partner_magic_link.py``, ``res_partner_statement.py``, ``res_partner_ticket.py``.
    """

    _inherit = "res.partner"

    client_billing_email = fields.Char(
        string="Billing E-mail",
        compute="_compute_client_billing_email",
        store=True,
        readonly=False,
        help="Address that receives quotations, invoices and payment receipts. "
        "Defaults to the contact's e-mail.",
    )
    client_billing_phone = fields.Char(
        string="Direct Phone",
        help="Direct phone number of the client's billing contact.",
    )

    @api.depends("email")
    def _compute_client_billing_email(self):
        for partner in self:
            # Set from the e-mail when empty; `write` keeps them in step while they are equal.
            if not partner.client_billing_email:
                partner.client_billing_email = partner.email

    @api.depends("country_id", "commercial_partner_id.country_id")
    @api.depends_context("company", "lang")
    def _compute_vat_label(self):
        """Override of `base`: label the tax ID after the client's own country (VAT, TIN,
        GSTIN...), falling back on the company's country, as stock does. Base gives Japan no
        label: a client in Japan's Tax ID is its qualified invoice issuer's registration
        number (登録番号, "T" + 13 digits, checked by `base_vat`), labelled so."""
        company_label = self.env.company.country_id.vat_label
        for partner in self:
            country = partner.commercial_partner_id.country_id or partner.country_id
            partner.vat_label = (
                country.vat_label
                or (country.code == "JP" and self.env._("Registration Number"))
                or company_label
                or self.env._("Tax ID")
            )

    def write(self, vals):
        """Override to keep the billing e-mail in step with the e-mail while they are equal."""
        billing_follows = self._client_hub_billing_email_followers(vals)
        res = super().write(vals)
        if billing_follows:
            billing_follows.client_billing_email = vals["email"]
        return res

    def action_client_new_invoice(self):
        """Open a new customer invoice pre-filled for this client."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action.update(
            {
                "views": [(False, "form")],
                "view_mode": "form",
                "res_id": False,
                "context": {
                    "default_move_type": "out_invoice",
                    "default_partner_id": self.id,
                },
            }
        )
        return action

    def action_client_new_quotation(self):
        """Open a new quotation pre-filled for this client."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sale.action_quotations_with_onboarding"
        )
        action.update(
            {
                "views": [(False, "form")],
                "view_mode": "form",
                "res_id": False,
                "context": {"default_partner_id": self.id},
            }
        )
        return action

    def _client_hub_billing_email_followers(self, vals):
        """Return the partners whose billing e-mail is still their e-mail: it follows the
        e-mail ``vals`` sets, while a billing e-mail set on purpose is kept."""
        if "email" not in vals or "client_billing_email" in vals:
            return self.browse()
        return self.filtered(
            lambda p: not p.client_billing_email or p.client_billing_email == p.email
        )

    def _get_client_billing_email(self):
        """Address document e-mails go to: the commercial partner's billing e-mail
        when the contact has none of its own."""
        self.ensure_one()
        return (
            self.client_billing_email
            or self.commercial_partner_id.client_billing_email
            or self.email
        )

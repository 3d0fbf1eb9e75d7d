from urllib.parse import urlencode

from odoo import Command, api, fields, models
from odoo.addons.auth_signup.models.res_partner import SignupError
from odoo.exceptions import AccessDenied, AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, Query, email_normalize

from .mail_template import CLIENT_TEMPLATE_KINDS


class ResPartner(models.Model):
    _inherit = "res.partner"

    # ------------------------------------------------------------------
    # Client profile (issue 2)
    # ------------------------------------------------------------------
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
    @api.depends_context("company")
    def _compute_vat_label(self):
        """Override of `base`: label the tax ID after the client's own country (VAT, TIN,
        GSTIN...), falling back on the company's country, as stock does."""
        company_label = self.env.company.country_id.vat_label
        for partner in self:
            country = partner.commercial_partner_id.country_id or partner.country_id
            partner.vat_label = country.vat_label or company_label or self.env._("Tax ID")

    def _get_client_billing_email(self):
        """Address document e-mails go to: the commercial partner's billing e-mail
        when the contact has none of its own."""
        self.ensure_one()
        return (
            self.client_billing_email
            or self.commercial_partner_id.client_billing_email
            or self.email
        )

    # ------------------------------------------------------------------
    # Actions (issue 2)
    # ------------------------------------------------------------------
    def action_client_new_invoice(self):
        """Open a new customer invoice pre-filled for this client."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action.update({
            "views": [(False, "form")],
            "view_mode": "form",
            "res_id": False,
            "context": {
                "default_move_type": "out_invoice",
                "default_partner_id": self.id,
            },
        })
        return action

    def action_client_new_quotation(self):
        """Open a new quotation pre-filled for this client."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_quotations_with_onboarding")
        action.update({
            "views": [(False, "form")],
            "view_mode": "form",
            "res_id": False,
            "context": {"default_partner_id": self.id},
        })
        return action

    # ---- magic link (issue 5) ----
    def _get_client_magic_link_url(self, redirect=None, purpose="document"):
        """Return a fresh magic-link URL for this client (a new token each call).

        :param str redirect: local path to open after sign-in (e.g. a document's
            ``access_url``); defaults to the client's statement
        :param str purpose: ``document`` (long expiry, reusable) or ``login`` (short
            expiry, single use)
        :return: absolute URL ``<base url>/client/magic/<token>[?redirect=...]``
        :rtype: str
        """
        self.ensure_one()
        token = self.env["client_hub.magic.link"]._generate(self, purpose=purpose)
        url = f"{self.get_base_url()}/client/magic/{token}"
        if redirect:
            url += "?" + urlencode({"redirect": redirect})
        return url

    def write(self, vals):
        """Override to revoke the magic links of contacts whose e-mail or billing e-mail
        changes, or that are archived.

        The class's only ``write`` override: other areas should add their hook here
        rather than define a second ``write`` (it would silently replace this one).
        """
        links_to_revoke = self._client_hub_magic_link_write(vals)
        billing_follows = self._client_hub_billing_email_followers(vals)
        res = super().write(vals)
        if links_to_revoke:
            self.env["client_hub.magic.link"]._revoke_for_partners(links_to_revoke)
        if billing_follows:
            billing_follows.client_billing_email = vals["email"]
        return res

    def _client_hub_billing_email_followers(self, vals):
        """Return the partners whose billing e-mail is still their e-mail: it follows the
        e-mail ``vals`` sets, while a billing e-mail set on purpose is kept."""
        if "email" not in vals or "client_billing_email" in vals:
            return self.browse()
        return self.filtered(lambda p: not p.client_billing_email or p.client_billing_email == p.email)

    def _client_hub_magic_link_write(self, vals):
        """Return the contacts whose links ``vals`` revokes: those whose e-mail or billing
        e-mail changes (links are sent to both, and the old mailbox may no longer belong
        to the client) and those being archived (revoked for good, so that restoring the
        contact does not bring old links back)."""
        def changes(field, partner):
            old, new = partner[field] or "", vals[field] or ""
            return (email_normalize(old) or old) != (email_normalize(new) or new)

        partners = self.browse()
        for field in ("email", "client_billing_email"):
            if field in vals:
                partners |= self.filtered(lambda p, field=field: changes(field, p))
        if "active" in vals and not vals["active"]:
            partners |= self.filtered("active")
        return partners

    @api.model
    def _client_hub_find_client_by_email(self, email):
        """Return the client contact a sign-in link typed at /client/login goes to.

        Known clients are contacts with a portal user or customers; contacts of staff
        users are never returned (staff are never signed in by a magic link).
        """
        normalized = email_normalize(email)
        if not normalized:
            return self.browse()
        # sudo: called by a public page; only the matching contact is returned.
        partners = self.sudo().with_context(active_test=True).search(
            [("email_normalized", "=", normalized)], order="id")
        partners = partners.filtered(lambda p: not any(u._is_internal() for u in p.user_ids))
        with_portal = partners.filtered(lambda p: any(u._is_portal() for u in p.user_ids))
        customers = partners.filtered(lambda p: p.commercial_partner_id.customer_rank > 0)
        return (with_portal or customers)[:1]

    def _send_client_magic_link(self, purpose="document", ip=None):
        """E-mail this contact a fresh magic link (a sign-in link for ``login``)."""
        self.ensure_one()
        xmlid = ("client_hub.mail_template_magic_link_login" if purpose == "login"
                 else "client_hub.mail_template_magic_link_invite")
        url = self.env["client_hub.magic.link"]._get_placeholder_url(self, purpose=purpose)
        # sudo: the e-mail goes only to the contact (the template's partner_to). Its stored
        # body holds a stand-in: the live link is made when the copy to the contact is sent,
        # right away so that the link records the requester's IP.
        self.env.ref(xmlid).sudo().with_context(magic_link_url=url, client_hub_request_ip=ip).send_mail(
            self.id, force_send=True, email_layout_xmlid="mail.mail_notification_light",
            email_values={"model": False, "res_id": False},
        )

    def _get_client_portal_user(self):
        """Return the portal user this contact signs in as, creating it on first use.

        Called only once a valid magic link for this contact has been checked.

        :raise AccessDenied: with the reason to show, for staff, archived or
            impossible accounts
        """
        self.ensure_one()
        # sudo: the caller validated a magic link for this very contact; a portal
        # user with no password is what the client is entitled to.
        partner_sudo = self.sudo()
        users = partner_sudo.with_context(active_test=False).user_ids
        if any(user._is_internal() for user in users):
            raise AccessDenied(self.env._(
                "Staff accounts cannot sign in with a link. Please use the usual sign-in page."))
        portal_user = users.filtered(lambda u: u.active and u._is_portal())[:1]
        if portal_user:
            return portal_user
        if users:
            raise AccessDenied(self.env._(
                "Your portal access has been disabled. Please contact us."))
        login = email_normalize(partner_sudo.email)
        if not login:
            raise AccessDenied(self.env._(
                "We could not open your account. Please contact us."))
        company = partner_sudo.company_id or self.env.company
        try:
            # sudo: portal users cannot create users: the caller validated a magic link for this very contact
            user_sudo = self.env["res.users"].sudo().with_company(company).with_context(
                no_reset_password=True)._create_user_from_template({
                    "email": login,
                    "login": login,
                    "partner_id": partner_sudo.id,
                    "company_id": company.id,
                    "company_ids": [Command.set(company.ids)],
                })
        except SignupError:
            raise AccessDenied(self.env._(
                "We could not open your account. Please contact us.")) from None
        user_sudo.write({"group_ids": [
            Command.link(self.env.ref("base.group_portal").id),
            Command.unlink(self.env.ref("base.group_public").id),
        ]})
        return user_sudo

    def _check_client_hub_staff(self):
        """The portal link buttons are for staff who can see the client (they are public
        methods, so a portal user could otherwise call them over RPC)."""
        if not self.env.user._is_internal():
            raise AccessError(self.env._("Only staff can manage a client's portal links."))
        self.check_access("read")

    def action_client_send_magic_link(self):
        """Button: e-mail the client a portal link (document-purpose expiry)."""
        self.ensure_one()
        self._check_client_hub_staff()
        if not self.email:
            raise UserError(self.env._("Set an e-mail address on %s first.", self.display_name))
        self._send_client_magic_link(purpose="document")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("Portal link sent to %s.", self.email),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_client_revoke_magic_links(self):
        """Button: revoke every magic link sent to the client and its contacts, and sign
        their portal users out of the sessions those links opened."""
        self._check_client_hub_staff()
        partners = self.with_context(active_test=False).search(
            [("id", "child_of", self.commercial_partner_id.ids)])
        self.env["client_hub.magic.link"]._revoke_for_partners(partners)
        # sudo: staff may end the sessions of their client's portal users (never staff's).
        portal_users = partners.sudo().user_ids.filtered(lambda u: u.share)
        for user in portal_users:
            user._action_revoke_all_devices()
        for partner in self:
            partner._message_log(body=self.env._("All portal links revoked by %s.", self.env.user.name))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": "success", "message": self.env._("All portal links revoked.")},
        }

    # ---- per-client e-mail templates (issue 4) ----
    # Public contract: empty means "use the global template". The tab edits these
    # templates through the *_subject / *_body fields below; the first edit creates the
    # client's own copy of the global template, so the global one is never written.
    client_invoice_template_id = fields.Many2one(
        "mail.template", string="Invoice E-mail Template", copy=False,
        domain=[("model", "=", "account.move")],
        help="Template of this client's invoice e-mails. Empty: the global template.",
    )
    client_credit_note_template_id = fields.Many2one(
        "mail.template", string="Credit Note E-mail Template", copy=False,
        domain=[("model", "=", "account.move")],
        help="Template of this client's credit note e-mails. Empty: the global template.",
    )
    client_quotation_template_id = fields.Many2one(
        "mail.template", string="Quotation E-mail Template", copy=False,
        domain=[("model", "=", "sale.order")],
        help="Template of this client's quotation e-mails. Empty: the global template.",
    )
    client_order_template_id = fields.Many2one(
        "mail.template", string="Order Confirmation E-mail Template", copy=False,
        domain=[("model", "=", "sale.order")],
        help="Template of this client's order confirmations. Empty: the global template.",
    )
    client_receipt_template_id = fields.Many2one(
        "mail.template", string="Payment Receipt E-mail Template", copy=False,
        domain=[("model", "=", "account.payment")],
        help="Template of this client's payment receipts. Empty: the global template.",
    )
    client_invoice_template_subject = fields.Char(
        string="Invoice Subject", groups="base.group_user",
        compute="_compute_client_template_content", inverse="_inverse_client_invoice_template")
    client_invoice_template_body = fields.Html(
        string="Invoice Body", groups="base.group_user", sanitize=False,
        compute="_compute_client_template_content", inverse="_inverse_client_invoice_template")
    client_credit_note_template_subject = fields.Char(
        string="Credit Note Subject", groups="base.group_user",
        compute="_compute_client_template_content", inverse="_inverse_client_credit_note_template")
    client_credit_note_template_body = fields.Html(
        string="Credit Note Body", groups="base.group_user", sanitize=False,
        compute="_compute_client_template_content", inverse="_inverse_client_credit_note_template")
    client_quotation_template_subject = fields.Char(
        string="Quotation Subject", groups="base.group_user",
        compute="_compute_client_template_content", inverse="_inverse_client_quotation_template")
    client_quotation_template_body = fields.Html(
        string="Quotation Body", groups="base.group_user", sanitize=False,
        compute="_compute_client_template_content", inverse="_inverse_client_quotation_template")
    client_order_template_subject = fields.Char(
        string="Order Confirmation Subject", groups="base.group_user",
        compute="_compute_client_template_content", inverse="_inverse_client_order_template")
    client_order_template_body = fields.Html(
        string="Order Confirmation Body", groups="base.group_user", sanitize=False,
        compute="_compute_client_template_content", inverse="_inverse_client_order_template")
    client_receipt_template_subject = fields.Char(
        string="Payment Receipt Subject", groups="base.group_user",
        compute="_compute_client_template_content", inverse="_inverse_client_receipt_template")
    client_receipt_template_body = fields.Html(
        string="Payment Receipt Body", groups="base.group_user", sanitize=False,
        compute="_compute_client_template_content", inverse="_inverse_client_receipt_template")
    # Templates run expressions: like Odoo's template form, only Mail Template Editors change them.
    client_template_editable = fields.Boolean(compute="_compute_client_template_editable")
    # model names the editors' dynamic placeholders ("/field", "{{") are offered on
    client_template_move_model = fields.Char(compute="_compute_client_template_models")
    client_template_order_model = fields.Char(compute="_compute_client_template_models")
    client_template_payment_model = fields.Char(compute="_compute_client_template_models")

    @api.depends(
        "client_invoice_template_id.subject", "client_invoice_template_id.body_html",
        "client_credit_note_template_id.subject", "client_credit_note_template_id.body_html",
        "client_quotation_template_id.subject", "client_quotation_template_id.body_html",
        "client_order_template_id.subject", "client_order_template_id.body_html",
        "client_receipt_template_id.subject", "client_receipt_template_id.body_html",
    )
    @api.depends_context("lang")
    def _compute_client_template_content(self):
        """Show the client's own template, or the global one it would start from."""
        defaults = {kind: self._get_client_template_default(kind) for kind in CLIENT_TEMPLATE_KINDS}
        for partner in self:
            for kind in CLIENT_TEMPLATE_KINDS:
                template = partner[f"client_{kind}_template_id"] or defaults[kind]
                partner[f"client_{kind}_template_subject"] = template.subject
                partner[f"client_{kind}_template_body"] = template.body_html

    @api.depends_context("uid")
    def _compute_client_template_editable(self):
        self.client_template_editable = self.env.user.has_group("mail.group_mail_template_editor")

    def _compute_client_template_models(self):
        self.client_template_move_model = "account.move"
        self.client_template_order_model = "sale.order"
        self.client_template_payment_model = "account.payment"

    @api.constrains(
        "client_invoice_template_id", "client_credit_note_template_id", "client_quotation_template_id",
        "client_order_template_id", "client_receipt_template_id",
    )
    def _check_client_templates_model(self):
        for partner in self:
            for kind, (model, _xmlid) in CLIENT_TEMPLATE_KINDS.items():
                template = partner[f"client_{kind}_template_id"]
                if template and template.model != model:
                    raise ValidationError(self.env._(
                        "The template %(template)s cannot be used for %(field)s: it is not made for %(model)s.",
                        template=template.display_name,
                        field=partner._fields[f"client_{kind}_template_id"]._description_string(self.env),
                        model=self.env["ir.model"]._get(model).name,
                    ))

    def _inverse_client_invoice_template(self):
        self._write_client_template("invoice")

    def _inverse_client_credit_note_template(self):
        self._write_client_template("credit_note")

    def _inverse_client_quotation_template(self):
        self._write_client_template("quotation")

    def _inverse_client_order_template(self):
        self._write_client_template("order")

    def _inverse_client_receipt_template(self):
        self._write_client_template("receipt")

    def action_client_template_preview(self):
        """Open the mail template preview on the template this client receives for the
        kind of document given in the context (`client_template_kind`)."""
        self.ensure_one()
        kind = self._get_client_template_kind_from_context()
        template = self[f"client_{kind}_template_id"] or self._get_client_template_default(kind)
        if not template:
            raise UserError(self.env._("There is no global template for this kind of document."))
        Document = self.env[template.model]
        sample = Document.has_access("read") and Document.search(
            [("partner_id", "child_of", self.commercial_partner_id.id)], limit=1,
        )
        preview = self.env["mail.template.preview"].create({
            "mail_template_id": template.id,
            "lang": self.lang if self.lang in dict(self.env["res.lang"].get_installed()) else False,
            **({"resource_ref": f"{sample._name},{sample.id}"} if sample else {}),
        })
        action = self.env["ir.actions.act_window"]._for_xml_id("mail.mail_template_preview_action")
        action.update({
            "name": self.env._("Preview: %(template)s", template=template.name),
            "res_id": preview.id,
            "context": {},
        })
        return action

    def action_client_template_reset(self):
        """Drop this client's own template for the kind given in the context
        (`client_template_kind`): the client gets the global template again."""
        kind = self._get_client_template_kind_from_context()
        fname = f"client_{kind}_template_id"
        own_templates = self.mapped(fname).filtered(lambda t: t.client_hub_partner_id in self)
        self.write({fname: False})
        own_templates.unlink()
        return True

    @api.model
    def _get_client_template_default(self, kind):
        """Global template of a kind of document: the one Odoo sends when the client has
        none of its own (order confirmations follow the template chosen in Settings).

        :param str kind: one of `CLIENT_TEMPLATE_KINDS`
        :return: mail.template record, possibly empty
        """
        if kind == "order":
            # sudo: system parameters are not readable by all users; only the order confirmation template id is read
            template_id = self.env["ir.config_parameter"].sudo().get_param("sale.default_confirmation_template")
            template = self.env["mail.template"].browse(int(template_id or 0)).exists()
            if template:
                return template
        xmlid = CLIENT_TEMPLATE_KINDS[kind][1]
        return self.env.ref(xmlid, raise_if_not_found=False) or self.env["mail.template"]

    def _get_client_mail_template(self, kind):
        """The client's own template of `kind`: contacts of a company use the company's.

        :param str kind: one of `CLIENT_TEMPLATE_KINDS`
        :return: mail.template record, empty when the global template applies
        """
        self.ensure_one()
        return self.commercial_partner_id[f"client_{kind}_template_id"].filtered("active")

    def _get_client_template_kind_from_context(self):
        kind = self.env.context.get("client_template_kind")
        if kind not in CLIENT_TEMPLATE_KINDS:
            raise UserError(self.env._("Unknown kind of e-mail template."))
        return kind

    def _write_client_template(self, kind):
        """Store the subject and body edited in the tab into the client's own template,
        copying the template currently in use first when the client has none (or shares
        one with other clients): editing one client never changes another's e-mails."""
        fname = f"client_{kind}_template_id"
        for partner in self:
            subject = partner[f"client_{kind}_template_subject"]
            body = partner[f"client_{kind}_template_body"]
            template = partner[fname]
            if template and template.client_hub_partner_id == partner:
                changes = {"subject": subject} if template.subject != subject else {}
                if template.body_html != body:
                    changes["body_html"] = body
                if changes:
                    template.write(changes)
                continue
            source = template or partner._get_client_template_default(kind)
            if not source or (source.subject == subject and source.body_html == body):
                continue
            partner[fname] = source.copy({
                "name": self.env._(
                    "%(kind)s – %(client)s",
                    kind=self.env["mail.template"]._get_client_hub_kind_label(kind),
                    client=partner.display_name,
                ),
                "email_layout_xmlid": source.email_layout_xmlid,
                "subject": subject,
                "body_html": body,
                "client_hub_partner_id": partner.id,
                "client_hub_kind": kind,
            })

    # ---- dashboard (issue 3) ----
    # The figures add up the current company's posted customer invoices and credit notes
    # per commercial partner (`_client_figures_base_query`): one query for a whole
    # recordset, and a correlated subquery to sort and filter the Clients list in SQL.
    _CLIENT_FIGURE_COLUMNS = {
        "client_total_invoiced": "invoiced",
        "client_total_paid": "paid",
        "client_balance_due": "due",
        "client_overdue_amount": "overdue",
    }
    _CLIENT_DOCUMENT_LIMIT = 80
    # whoever may read customer invoices (stock access rights of account.move)
    _CLIENT_FIGURE_GROUPS = (
        "account.group_account_invoice,account.group_account_readonly,sales_team.group_sale_salesman"
    )

    client_currency_id = fields.Many2one("res.currency", compute="_compute_client_currency_id")
    client_total_invoiced = fields.Monetary(
        string="Client Total Invoiced", currency_field="client_currency_id",
        compute="_compute_client_figures", search="_search_client_total_invoiced",
        groups=_CLIENT_FIGURE_GROUPS,
        help="Posted customer invoices minus credit notes, taxes included, in company currency.")
    client_total_paid = fields.Monetary(
        string="Client Total Paid", currency_field="client_currency_id",
        compute="_compute_client_figures", search="_search_client_total_paid",
        groups=_CLIENT_FIGURE_GROUPS,
        help="Money collected: total invoiced minus what is still open.")
    client_balance_due = fields.Monetary(
        string="Client Balance Due", currency_field="client_currency_id",
        compute="_compute_client_figures", search="_search_client_balance_due",
        groups=_CLIENT_FIGURE_GROUPS,
        help="Amount still open on posted invoices, net of open credit notes.")
    client_overdue_amount = fields.Monetary(
        string="Client Overdue Amount", currency_field="client_currency_id",
        compute="_compute_client_figures", search="_search_client_overdue_amount",
        groups=_CLIENT_FIGURE_GROUPS,
        help="Amount still open on documents past their due date.")
    client_is_overdue = fields.Boolean(
        string="Is Overdue", compute="_compute_client_figures", search="_search_client_is_overdue",
        groups=_CLIENT_FIGURE_GROUPS)
    client_invoice_ids = fields.Many2many(
        "account.move", string="Client Invoices", compute="_compute_client_invoices",
        groups=_CLIENT_FIGURE_GROUPS)
    client_invoice_count = fields.Integer(
        compute="_compute_client_invoices", groups=_CLIENT_FIGURE_GROUPS)
    client_order_ids = fields.Many2many(
        "sale.order", string="Client Quotations", compute="_compute_client_orders",
        groups="sales_team.group_sale_salesman")
    client_order_count = fields.Integer(
        compute="_compute_client_orders", groups="sales_team.group_sale_salesman")

    @api.depends_context("company")
    def _compute_client_currency_id(self):
        self.client_currency_id = self.env.company.currency_id

    @api.depends("commercial_partner_id")
    @api.depends_context("company", "uid")
    def _compute_client_figures(self):
        figures = self._get_client_figures()
        for partner in self:
            row = figures.get(partner.commercial_partner_id._origin.id, {})
            for fname, column in self._CLIENT_FIGURE_COLUMNS.items():
                partner[fname] = row.get(column, 0.0)
            partner.client_is_overdue = row.get("overdue", 0.0) > 0

    def _search_client_total_invoiced(self, operator, value):
        return self._search_client_figure("client_total_invoiced", operator, value)

    def _search_client_total_paid(self, operator, value):
        return self._search_client_figure("client_total_paid", operator, value)

    def _search_client_balance_due(self, operator, value):
        return self._search_client_figure("client_balance_due", operator, value)

    def _search_client_overdue_amount(self, operator, value):
        return self._search_client_figure("client_overdue_amount", operator, value)

    def _search_client_is_overdue(self, operator, value):
        if operator != "in":
            return NotImplemented
        if set(value) == {True}:
            return Domain("client_overdue_amount", ">", 0)
        if not any(value):
            return Domain("client_overdue_amount", "<=", 0)
        return Domain.TRUE

    @api.depends("commercial_partner_id")
    @api.depends_context("company", "uid")
    def _compute_client_invoices(self):
        # the field's groups grant read access; record rules still apply
        self._compute_client_latest("account.move", "_get_client_invoice_domain",
                                    "client_invoice_ids", "client_invoice_count")

    @api.depends("commercial_partner_id")
    @api.depends_context("company", "uid")
    def _compute_client_orders(self):
        self._compute_client_latest("sale.order", "_get_client_order_domain",
                                    "client_order_ids", "client_order_count")

    def _compute_client_latest(self, model_name, domain_method, list_fname, count_fname):
        """Assign the latest documents of each client to `list_fname` (a page of them,
        so the form stays fast for a client with thousands) and their number."""
        Model = self.env[model_name]
        for partner in self:
            commercial = partner.commercial_partner_id._origin
            domain = getattr(commercial, domain_method)() if commercial else Domain.FALSE
            partner[list_fname] = Model.search(domain, limit=self._CLIENT_DOCUMENT_LIMIT)
            partner[count_fname] = Model.search_count(domain)

    def _field_to_sql(self, alias, field_expr, query=None):
        """Override of `base`: express the dashboard figures in SQL, as a subquery on the
        client's commercial partner, so that the Clients list sorts and filters on them
        in the same query as its search."""
        column = self._CLIENT_FIGURE_COLUMNS.get(field_expr)
        if field_expr == "client_is_overdue":
            return SQL("(%s > 0)", self._field_to_sql(alias, "client_overdue_amount", query))
        if column is None or query is None:
            return super()._field_to_sql(alias, field_expr, query)
        self._check_field_access(self._fields[field_expr], "read")
        figures, cols = self._client_figures_base_query()
        figures.add_where(SQL("%s = %s", cols["partner"],
                              self._field_to_sql(alias, "commercial_partner_id", query)))
        aggregate = self._client_figure_aggregates(cols)[column]
        return SQL("COALESCE((%s), 0)", figures.select(aggregate))

    def _get_client_invoice_domain(self):
        """Customer invoices and credit notes of this commercial partner in the current
        company, any state."""
        self.ensure_one()
        return [
            ("commercial_partner_id", "=", self.id),
            ("company_id", "=", self.env.company.id),
            ("move_type", "in", ["out_invoice", "out_refund"]),
        ]

    def _get_client_order_domain(self):
        """Quotations and orders of this commercial partner and its contacts in the
        current company."""
        self.ensure_one()
        return [
            ("partner_id", "child_of", self.id),
            ("company_id", "=", self.env.company.id),
        ]

    def _get_client_figures(self):
        """Read the dashboard figures of the commercial partners of `self` in one query.

        :return: {commercial partner id: {"invoiced", "paid", "due", "overdue": amount}}
        """
        # read just that column, not every prefetchable field of res.partner
        self._origin.fetch(["commercial_partner_id"])
        partner_ids = [pid for pid in self.commercial_partner_id._origin.ids if pid]
        if not partner_ids or not self.env["account.move"].has_access("read"):
            return {}
        query, cols = self._client_figures_base_query()
        query.add_where(SQL("%s IN %s", cols["partner"], tuple(partner_ids)))
        query.groupby = cols["partner"]
        aggregates = self._client_figure_aggregates(cols)
        rows = self.env.execute_query_dict(query.select(
            SQL("%s AS partner_id", cols["partner"]),
            *(SQL("%s AS %s", sql, SQL.identifier(name)) for name, sql in aggregates.items()),
        ))
        return {row["partner_id"]: row for row in rows}

    @api.model
    def _client_figures_base_query(self):
        """Query over what the figures add up, for the current company, and the SQL of
        its columns: partner (commercial), total and residual (signed, company currency:
        credit notes count negative, residuals net payments and reconciliations), due date.

        Two sources, same figures:

        * the pre-aggregated buckets that a trigger keeps in step with account_move
          (see `account.move.init`), when the user's record rules on invoices only
          restrict the company (accountants): constant time whatever the number of
          invoices;
        * otherwise account.move itself through `_search`, so that rules such as sale's
          "own documents only" apply: a salesperson gets the figures of what they may see.

        :return: (Query, {"partner", "total", "residual", "due_date": SQL})
        """
        Move = self.env["account.move"]
        if self._client_figures_use_buckets():
            query = Query(self.env, "client_hub_figures_bucket")
            table = query.table
            # the trigger fills the buckets when account_move is written: flush it first
            flush = SQL(to_flush=[Move._fields[fname] for fname in Move._CLIENT_FIGURES_TRIGGER_FIELDS])
            query.add_where(SQL("%s%s = %s", flush, SQL.identifier(table, "company_id"),
                                self.env.company.id))
            return query, {
                "partner": SQL.identifier(table, "commercial_partner_id"),
                "total": SQL.identifier(table, "amount_total"),
                "residual": SQL.identifier(table, "amount_residual"),
                "due_date": SQL.identifier(table, "due_date"),
            }
        query = Move._search([
            ("company_id", "=", self.env.company.id),
            ("state", "=", "posted"),
            ("move_type", "in", ("out_invoice", "out_refund")),
        ])
        return query, {
            key: Move._field_to_sql(query.table, fname, query) for key, fname in (
                ("partner", "commercial_partner_id"), ("total", "amount_total_signed"),
                ("residual", "amount_residual_signed"), ("due_date", "invoice_date_due"),
            )
        }

    @api.model
    def _client_figures_use_buckets(self):
        """Whether the user's record rules on account.move restrict nothing but the
        company (the figures are always read for the current company)."""
        rules = self.env["ir.rule"]._compute_domain("account.move", "read")
        return all(condition.field_expr == "company_id" for condition in rules.iter_conditions())

    @api.model
    def _client_figure_aggregates(self, cols):
        """SQL aggregates of the figures over the rows of `_client_figures_base_query`."""
        total, residual = cols["total"], cols["residual"]
        return {
            "invoiced": SQL("SUM(%s)", total),
            "paid": SQL("SUM(%s - %s)", total, residual),
            "due": SQL("SUM(%s)", residual),
            # open credit notes (due on their date) offset what is late; never below zero
            "overdue": SQL("GREATEST(SUM(%s) FILTER (WHERE %s < %s), 0)",
                           residual, cols["due_date"], fields.Date.context_today(self)),
        }

    @api.model
    def _search_client_figure(self, fname, operator, value):
        """Search method of the figures: a condition on their SQL expression."""
        if operator not in ("in", "<", "<=", ">", ">="):
            return NotImplemented
        if operator == "in":
            amounts = [amount or 0.0 for amount in value]

            def to_sql(model, alias, query):
                return SQL("%s = ANY(%s)", model._field_to_sql(alias, fname, query), amounts)
        else:
            def to_sql(model, alias, query):
                return SQL("%s %s %s", model._field_to_sql(alias, fname, query), SQL(operator),
                           value or 0.0)
        return Domain.custom(to_sql=to_sql)

    def action_client_open_invoices(self):
        """Open this client's invoices and credit notes in a full, filterable list."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action.update({
            "domain": self.commercial_partner_id._get_client_invoice_domain(),
            "context": {"default_move_type": "out_invoice",
                        "default_partner_id": self.commercial_partner_id.id},
        })
        return action

    def action_client_open_orders(self):
        """Open this client's quotations and orders in a full, filterable list."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_quotations_with_onboarding")
        action.update({
            "domain": self.commercial_partner_id._get_client_order_domain(),
            "context": {"default_partner_id": self.commercial_partner_id.id},
        })
        return action

    # ---- statement (issue 6) ----
    def _get_client_statement_domain(self, open_only=False):
        """Domain of the client's statement: the posted customer invoices and credit notes of
        the whole commercial entity, in the current companies.

        :param bool open_only: Keep only the documents that still have a balance.
        :rtype: list
        """
        self.ensure_one()
        domain = [
            ("commercial_partner_id", "=", self.commercial_partner_id.id),
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("state", "=", "posted"),
            ("company_id", "in", self.env.companies.ids),
        ]
        if open_only:
            domain += [("payment_state", "in", ("not_paid", "partial")), ("amount_residual", "!=", 0)]
        return domain

    def _get_client_statement_moves(self, offset=0, limit=None):
        """Return one page of the statement: open documents first (oldest due date first),
        then the settled ones (newest first).

        :rtype: account.move
        """
        Move = self.env["account.move"]
        open_domain = self._get_client_statement_domain(open_only=True)
        settled_domain = [
            *self._get_client_statement_domain(),
            "|", ("payment_state", "not in", ("not_paid", "partial")), ("amount_residual", "=", 0),
        ]
        open_count = Move.search_count(open_domain)
        moves = Move.search(open_domain, order="invoice_date_due, id", offset=offset, limit=limit)
        if limit is None or len(moves) < limit:
            moves |= Move.search(
                settled_domain,
                order="invoice_date desc, id desc",
                offset=max(offset - open_count, 0),
                limit=None if limit is None else limit - len(moves),
            )
        return moves

    def _get_client_statement_totals(self):
        """Return what the client owes, per currency: total due (credit notes deducted) and
        overdue (invoices past their due date).

        :return: ``[{'currency': res.currency, 'due': float, 'overdue': float}]`` by currency
        :rtype: list
        """
        Move = self.env["account.move"]
        open_domain = self._get_client_statement_domain(open_only=True)
        totals = {}
        for currency, move_type, residual in Move._read_group(
            open_domain, ["currency_id", "move_type"], ["amount_residual:sum"],
        ):
            sign = -1 if move_type == "out_refund" else 1
            totals.setdefault(currency, {"currency": currency, "due": 0.0, "overdue": 0.0})
            totals[currency]["due"] += sign * residual
        overdue_domain = [
            *open_domain,
            ("move_type", "=", "out_invoice"),
            ("invoice_date_due", "<", fields.Date.context_today(self)),
        ]
        for currency, residual in Move._read_group(overdue_domain, ["currency_id"], ["amount_residual:sum"]):
            totals[currency]["overdue"] += residual
        return sorted(totals.values(), key=lambda total: total["currency"].name)

    def _get_client_statement_aging(self, today=None):
        """Return the open documents with their aging bucket, and the totals per currency.

        :return: ``{'lines': [{'move', 'bucket', 'days', 'residual'}],
            'totals': [{'currency', 'total', <bucket key>: float, ...}]}``
        :rtype: dict
        """
        today = today or fields.Date.context_today(self)
        moves = self.env["account.move"].search(
            self._get_client_statement_domain(open_only=True), order="invoice_date_due, id",
        )
        lines, totals = [], {}
        for move in moves:
            bucket = move._client_hub_aging_bucket(today)
            residual = move._client_hub_residual_signed()
            lines.append({
                "move": move,
                "bucket": bucket,
                "days": max(move._client_hub_days_past_due(today), 0),
                "residual": residual,
            })
            total = totals.setdefault(move.currency_id, dict.fromkeys(
                ["total", *moves._client_hub_aging_bucket_keys()], 0.0,
            ) | {"currency": move.currency_id})
            total[bucket] += residual
            total["total"] += residual
        return {
            "lines": lines,
            "totals": sorted(totals.values(), key=lambda total: total["currency"].name),
            "today": today,
        }

    def _get_client_statement_url(self):
        """Return the link of the statement e-mail: a stand-in that becomes a magic link
        (no password needed) only in the copy sent to the client, so that the composer,
        the chatter and the copies to followers never hold a live link."""
        self.ensure_one()
        return self.env["client_hub.magic.link"]._get_placeholder_url(
            self.commercial_partner_id, redirect="/my/statement")

    def action_client_print_statement(self):
        """Download the client's statement PDF."""
        self.ensure_one()
        return self.env.ref("client_hub.action_report_client_statement").report_action(
            self.commercial_partner_id,
        )

    def action_client_send_statement(self):
        """Open the e-mail composer with the client's statement PDF and a link to pay online."""
        self.ensure_one()
        template = self.env.ref("client_hub.mail_template_client_statement")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send Statement"),
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": "res.partner",
                "default_res_ids": self.commercial_partner_id.ids,
                "default_template_id": template.id,
                "default_composition_mode": "comment",
                "default_email_layout_xmlid": "mail.mail_notification_light",
            },
        }

    # ---- tickets (issue 7) ----
    client_ticket_count = fields.Integer(
        string="Tickets", compute="_compute_client_ticket_count", groups="base.group_user")

    def _compute_client_ticket_count(self):
        counts = dict(self.env["client_hub.ticket"]._read_group(
            [("commercial_partner_id", "in", self.commercial_partner_id.ids)],
            ["commercial_partner_id"], ["__count"],
        ))
        for partner in self:
            partner.client_ticket_count = counts.get(partner.commercial_partner_id, 0)

    def action_client_open_tickets(self):
        """Open the client's support tickets."""
        self.ensure_one()
        client = self.commercial_partner_id
        action = self.env["ir.actions.act_window"]._for_xml_id("client_hub.client_hub_ticket_action")
        action.update({
            "domain": [("commercial_partner_id", "=", client.id)],
            "context": {"default_partner_id": self.id},
            "view_mode": "list,kanban,form",
            "views": [(False, "list"), (False, "kanban"), (False, "form")],
        })
        return action

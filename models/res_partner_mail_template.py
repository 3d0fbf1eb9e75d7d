from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..const import CLIENT_TEMPLATE_KINDS


class ResPartner(models.Model):
    """Per-client e-mail templates: the client's own template of each kind of document,
    edited in the contact's tab. Copy-on-write of the templates lives on `mail.template`."""

    _inherit = "res.partner"

    # Public contract: empty means "use the global template". The tab edits these
    # templates through the *_subject / *_body fields below; the first edit creates the
    # client's own copy of the global template, so the global one is never written.
    client_invoice_template_id = fields.Many2one(
        "mail.template",
        string="Invoice E-mail Template",
        copy=False,
        domain=[("model", "=", "account.move")],
        help="Template of this client's invoice e-mails. Empty: the global template.",
    )
    client_credit_note_template_id = fields.Many2one(
        "mail.template",
        string="Credit Note E-mail Template",
        copy=False,
        domain=[("model", "=", "account.move")],
        help="Template of this client's credit note e-mails. Empty: the global template.",
    )
    client_quotation_template_id = fields.Many2one(
        "mail.template",
        string="Quotation E-mail Template",
        copy=False,
        domain=[("model", "=", "sale.order")],
        help="Template of this client's quotation e-mails. Empty: the global template.",
    )
    client_order_template_id = fields.Many2one(
        "mail.template",
        string="Order Confirmation E-mail Template",
        copy=False,
        domain=[("model", "=", "sale.order")],
        help="Template of this client's order confirmations. Empty: the global template.",
    )
    client_receipt_template_id = fields.Many2one(
        "mail.template",
        string="Payment Receipt E-mail Template",
        copy=False,
        domain=[("model", "=", "account.payment")],
        help="Template of this client's payment receipts. Empty: the global template.",
    )
    client_statement_template_id = fields.Many2one(
        "mail.template",
        string="Statement E-mail Template",
        copy=False,
        domain=[("model", "=", "res.partner")],
        help="Template of this client's statements, sent by hand or on schedule. Empty: "
        "the global template.",
    )
    client_invoice_template_subject = fields.Char(
        string="Invoice Subject",
        groups="base.group_user",
        compute="_compute_client_template_content",
        inverse="_inverse_client_invoice_template",
    )
    client_invoice_template_body = fields.Html(
        string="Invoice Body",
        groups="base.group_user",
        sanitize=False,
        compute="_compute_client_template_content",
        inverse="_inverse_client_invoice_template",
    )
    client_credit_note_template_subject = fields.Char(
        string="Credit Note Subject",
        groups="base.group_user",
        compute="_compute_client_template_content",
        inverse="_inverse_client_credit_note_template",
    )
    client_credit_note_template_body = fields.Html(
        string="Credit Note Body",
        groups="base.group_user",
        sanitize=False,
        compute="_compute_client_template_content",
        inverse="_inverse_client_credit_note_template",
    )
    client_quotation_template_subject = fields.Char(
        string="Quotation Subject",
        groups="base.group_user",
        compute="_compute_client_template_content",
        inverse="_inverse_client_quotation_template",
    )
    client_quotation_template_body = fields.Html(
        string="Quotation Body",
        groups="base.group_user",
        sanitize=False,
        compute="_compute_client_template_content",
        inverse="_inverse_client_quotation_template",
    )
    client_order_template_subject = fields.Char(
        string="Order Confirmation Subject",
        groups="base.group_user",
        compute="_compute_client_template_content",
        inverse="_inverse_client_order_template",
    )
    client_order_template_body = fields.Html(
        string="Order Confirmation Body",
        groups="base.group_user",
        sanitize=False,
        compute="_compute_client_template_content",
        inverse="_inverse_client_order_template",
    )
    client_receipt_template_subject = fields.Char(
        string="Payment Receipt Subject",
        groups="base.group_user",
        compute="_compute_client_template_content",
        inverse="_inverse_client_receipt_template",
    )
    client_receipt_template_body = fields.Html(
        string="Payment Receipt Body",
        groups="base.group_user",
        sanitize=False,
        compute="_compute_client_template_content",
        inverse="_inverse_client_receipt_template",
    )
    client_statement_template_subject = fields.Char(
        string="Statement Subject",
        groups="base.group_user",
        compute="_compute_client_template_content",
        inverse="_inverse_client_statement_template",
    )
    client_statement_template_body = fields.Html(
        string="Statement Body",
        groups="base.group_user",
        sanitize=False,
        compute="_compute_client_template_content",
        inverse="_inverse_client_statement_template",
    )
    # Templates run expressions: like Odoo's template form, only Mail Template Editors change them.
    client_template_editable = fields.Boolean(
        compute="_compute_client_template_editable"
    )
    # model names the editors' dynamic placeholders ("/field", "{{") are offered on
    client_template_move_model = fields.Char(compute="_compute_client_template_models")
    client_template_order_model = fields.Char(compute="_compute_client_template_models")
    client_template_payment_model = fields.Char(
        compute="_compute_client_template_models"
    )
    client_template_partner_model = fields.Char(
        compute="_compute_client_template_models"
    )

    @api.depends(
        "client_invoice_template_id.subject",
        "client_invoice_template_id.body_html",
        "client_credit_note_template_id.subject",
        "client_credit_note_template_id.body_html",
        "client_quotation_template_id.subject",
        "client_quotation_template_id.body_html",
        "client_order_template_id.subject",
        "client_order_template_id.body_html",
        "client_receipt_template_id.subject",
        "client_receipt_template_id.body_html",
        "client_statement_template_id.subject",
        "client_statement_template_id.body_html",
    )
    @api.depends_context("lang")
    def _compute_client_template_content(self):
        """Show the client's own template, or the global one it would start from."""
        MailTemplate = self.env["mail.template"]
        defaults = {
            kind: MailTemplate._client_hub_get_global_template(kind)
            for kind in CLIENT_TEMPLATE_KINDS
        }
        for partner in self:
            for kind in CLIENT_TEMPLATE_KINDS:
                template = partner[f"client_{kind}_template_id"] or defaults[kind]
                partner[f"client_{kind}_template_subject"] = template.subject
                partner[f"client_{kind}_template_body"] = template.body_html

    def _inverse_client_invoice_template(self):
        self._inverse_client_template("invoice")

    def _inverse_client_credit_note_template(self):
        self._inverse_client_template("credit_note")

    def _inverse_client_quotation_template(self):
        self._inverse_client_template("quotation")

    def _inverse_client_order_template(self):
        self._inverse_client_template("order")

    def _inverse_client_receipt_template(self):
        self._inverse_client_template("receipt")

    def _inverse_client_statement_template(self):
        self._inverse_client_template("statement")

    def _inverse_client_template(self, kind):
        """Store the subject and body edited in the tab into the client's own template of
        ``kind`` (see `mail.template._client_hub_write_for_client`)."""
        fname = f"client_{kind}_template_id"
        for partner in self:
            template = partner[fname]._client_hub_write_for_client(
                partner,
                kind,
                partner[f"client_{kind}_template_subject"],
                partner[f"client_{kind}_template_body"],
            )
            if template != partner[fname]:
                partner[fname] = template

    @api.depends_context("uid")
    def _compute_client_template_editable(self):
        self.client_template_editable = self.env.user.has_group(
            "mail.group_mail_template_editor"
        )

    def _compute_client_template_models(self):
        self.client_template_move_model = "account.move"
        self.client_template_order_model = "sale.order"
        self.client_template_payment_model = "account.payment"
        self.client_template_partner_model = "res.partner"

    @api.constrains(
        "client_invoice_template_id",
        "client_credit_note_template_id",
        "client_quotation_template_id",
        "client_order_template_id",
        "client_receipt_template_id",
        "client_statement_template_id",
    )
    def _check_client_templates_model(self):
        for partner in self:
            for kind, (model, _xmlid) in CLIENT_TEMPLATE_KINDS.items():
                template = partner[f"client_{kind}_template_id"]
                if template and template.model != model:
                    raise ValidationError(
                        self.env._(
                            "The template %(template)s cannot be used for %(field)s: it is not made for %(model)s.",
                            template=template.display_name,
                            field=partner._fields[
                                f"client_{kind}_template_id"
                            ]._description_string(self.env),
                            model=self.env["ir.model"]._get(model).name,
                        )
                    )

    def action_client_template_preview(self):
        """Open the mail template preview on the template this client receives for the
        kind of document given in the context (`client_template_kind`)."""
        self.ensure_one()
        kind = self._get_client_template_kind_from_context()
        template = self[f"client_{kind}_template_id"] or self.env[
            "mail.template"
        ]._client_hub_get_global_template(kind)
        if not template:
            raise UserError(
                self.env._("There is no global template for this kind of document.")
            )
        Document = self.env[template.model]
        if template.model == "res.partner":
            sample = self.commercial_partner_id  # a statement: the client itself
        else:
            sample = Document.has_access("read") and Document.search(
                [("partner_id", "child_of", self.commercial_partner_id.id)],
                limit=1,
            )
        preview = self.env["mail.template.preview"].create(
            {
                "mail_template_id": template.id,
                "lang": self.lang
                if self.lang in dict(self.env["res.lang"].get_installed())
                else False,
                **({"resource_ref": f"{sample._name},{sample.id}"} if sample else {}),
            }
        )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mail.mail_template_preview_action"
        )
        action.update(
            {
                "name": self.env._("Preview: %(template)s", template=template.name),
                "res_id": preview.id,
                "context": {},
            }
        )
        return action

    def action_client_template_reset(self):
        """Drop this client's own template for the kind given in the context
        (`client_template_kind`): the client gets the global template again."""
        kind = self._get_client_template_kind_from_context()
        fname = f"client_{kind}_template_id"
        own_templates = self.mapped(fname).filtered(
            lambda t: t.client_hub_partner_id in self
        )
        self.write({fname: False})
        own_templates.unlink()
        return True

    def _get_client_mail_template(self, kind):
        """The client's own template of `kind`: contacts of a company use the company's.

        :param str kind: one of `CLIENT_TEMPLATE_KINDS`
        :return: mail.template record, empty when the global template applies
        """
        self.ensure_one()
        return self.commercial_partner_id[f"client_{kind}_template_id"].filtered(
            "active"
        )

    def _get_client_template_kind_from_context(self):
        kind = self.env.context.get("client_template_kind")
        if kind not in CLIENT_TEMPLATE_KINDS:
            raise UserError(self.env._("Unknown kind of e-mail template."))
        return kind

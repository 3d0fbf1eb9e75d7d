import logging

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain

from ..const import (
    CLIENT_TEMPLATE_KINDS,
    CLIENT_TEMPLATE_SAMPLE_VALUES,
    PARAM_SALE_CONFIRMATION_TEMPLATE,
)

_logger = logging.getLogger(__name__)


def _get_render_error_reason(error):
    """:return: the short reason of a rendering error, as `mail` words it in its QWeb
    errors ("ZeroDivisionError: division by zero"): the first error of the chain, without
    the template dump, the generated code or the traceback `_render_field` wraps it in"""
    while error.__cause__ is not None:
        error = error.__cause__
    reason = error.args[0] if isinstance(error, UserError) else str(error)
    return f"{type(error).__name__}: {reason}"


def _get_kind_domain(kind):
    """:return: the domain of the documents a kind of client template is meant for"""
    return Domain(
        [
            (fname, "=", value)
            for fname, value in CLIENT_TEMPLATE_SAMPLE_VALUES.get(kind, {}).items()
        ]
    )


class MailTemplate(models.Model):
    _inherit = "mail.template"

    client_hub_partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        index="btree_not_null",
        ondelete="cascade",
        readonly=True,
        help="Client this template belongs to. Client templates replace the global template "
        "of the same kind for that client only.",
    )
    client_hub_kind = fields.Selection(
        [
            ("invoice", "Invoice"),
            ("credit_note", "Credit Note"),
            ("quotation", "Quotation"),
            ("order", "Order Confirmation"),
            ("receipt", "Payment Receipt"),
            ("statement", "Statement"),
        ],
        string="Client Template Kind",
        readonly=True,
    )

    def _check_can_be_rendered(self, fnames=None, render_options=None):
        """Override of `mail` to check client templates against one of the client's own
        documents (or, when it has none yet, a blank document of the model), so that a
        template that cannot render is refused when saved even on a fresh database.

        The check renders as the user saving the template, on a record they may read (see
        `_client_hub_get_sample_record`): the error shown to them says why it failed, in
        one line, and holds nothing their rights do not let them read."""
        client_templates = self.filtered("client_hub_partner_id")
        result = super(MailTemplate, self - client_templates)._check_can_be_rendered(
            fnames=fnames,
            render_options=render_options,
        )
        dynamic_fnames = self._get_dynamic_field_names()
        fnames = dynamic_fnames & set(fnames) if fnames else dynamic_fnames
        for template in client_templates:
            record = template._client_hub_get_sample_record()
            for fname in sorted(fnames):  # the same field reported first every time
                try:
                    # _ids, not ids: the sample may be a new record
                    template._render_field(
                        fname, list(record._ids), options=render_options
                    )
                except Exception as error:  # any rendering error refuses the template
                    raise ValidationError(
                        self.env._(
                            "The %(kind)s e-mail template of %(client)s cannot be rendered, "
                            "please correct its %(field)s.\n\nError: %(error)s",
                            kind=template._get_client_hub_kind_label(
                                template.client_hub_kind
                            ),
                            client=template.client_hub_partner_id.display_name,
                            field=template._fields[fname]._description_string(self.env),
                            error=_get_render_error_reason(error),
                        )
                    ) from error
        return result

    @api.model
    def _client_hub_get_global_template(self, kind):
        """Global template of a kind of document: the one Odoo sends when the client has
        none of its own (order confirmations follow the template chosen in Settings).

        :param str kind: one of `CLIENT_TEMPLATE_KINDS`
        :return: mail.template record, possibly empty
        """
        if kind == "order":
            template_id = self.env["ir.config_parameter"]._client_hub_get_number(
                PARAM_SALE_CONFIRMATION_TEMPLATE, 0
            )
            template = self.browse(template_id).exists()
            if template:
                return template
        return (
            self.env.ref(CLIENT_TEMPLATE_KINDS[kind][1], raise_if_not_found=False)
            or self.browse()
        )

    def _client_hub_write_for_client(self, partner, kind, subject, body):
        """Store ``subject`` and ``body`` in ``partner``'s own template of ``kind``, ``self``
        being the template the client uses now (empty: the global one).

        Copy-on-write: the client's own template is written in place; any other (the
        global template, or one shared with other clients) is copied first, so that
        editing one client never changes another's e-mails.

        :param partner: res.partner record, the client
        :param str kind: one of `CLIENT_TEMPLATE_KINDS`
        :return: the template the client uses from now on (``self`` when nothing changed)
        """
        partner.ensure_one()
        if self and self.client_hub_partner_id == partner:
            changes = {"subject": subject} if self.subject != subject else {}
            if self.body_html != body:
                changes["body_html"] = body
            if changes:
                self.write(changes)
            return self
        source = self or self._client_hub_get_global_template(kind)
        if not source or (source.subject == subject and source.body_html == body):
            return self
        return source.copy(
            {
                "name": self.env._(
                    "%(kind)s – %(client)s",
                    kind=self._get_client_hub_kind_label(kind),
                    client=partner.display_name,
                ),
                "email_layout_xmlid": source.email_layout_xmlid,
                "subject": subject,
                "body_html": body,
                "client_hub_partner_id": partner.id,
                "client_hub_kind": kind,
            }
        )

    @api.model
    def _get_client_hub_kind_label(self, kind):
        """:return: the translated label of a kind of client template"""
        return dict(
            self._fields["client_hub_kind"]._description_selection(self.env)
        ).get(kind, kind)

    def _client_hub_get_sample_record(self):
        """Record the client template is checked against, with the current user's rights:
        the client itself for a statement, else the client's latest document of its kind
        that the user may read, else a blank one (a fresh database, or staff who may not
        read such documents).

        :return: a single record of the template's model (possibly a new record)
        """
        self.ensure_one()
        client = self.client_hub_partner_id
        Model = self.env[self.model]
        if self.model == "res.partner":
            return client._filtered_access("read") or Model.new({})  # a statement
        kind_values = CLIENT_TEMPLATE_SAMPLE_VALUES.get(self.client_hub_kind, {})
        domain = _get_kind_domain(self.client_hub_kind) & Domain(
            "partner_id", "child_of", client.id
        )
        return (
            Model.has_access("read") and Model.search(domain, limit=1)
        ) or Model.new({**kind_values, "partner_id": client.id})

    def _client_hub_renders_for(self, records):
        """Whether the subject and body of this template render for `records`, in their
        own languages. A failure is logged: callers fall back on the global template.

        :param records: records of the template's model
        :return: True when both fields rendered
        """
        self.ensure_one()
        try:
            for fname in ("subject", "body_html"):
                self._render_field(fname, records.ids, compute_lang=True)
        except Exception:  # sending must never break on a client template
            _logger.warning(
                "Client template %s (%s) cannot render for %s %s; using the global template.",
                self.id,
                self.name,
                records._name,
                records.ids,
                exc_info=True,
            )
            return False
        return True

    def _client_hub_get_client_replacement(self, records):
        """The template replacing this global template for the client of `records`.

        :param records: documents of this template's model, all of one client
        :return: the client's own template of the same kind when it renders for
            `records`, else an empty recordset
        """
        self.ensure_one()
        no_template = self.browse()
        if records._name == "res.partner":
            client = records.commercial_partner_id  # statements: the client itself
        elif "partner_id" in records._fields:
            client = records.partner_id.commercial_partner_id
        else:
            return no_template
        if len(client) != 1:
            return no_template
        for kind, (model, _xmlid) in CLIENT_TEMPLATE_KINDS.items():
            if (
                model == self.model
                and self._client_hub_get_global_template(kind) == self
                and records.filtered_domain(_get_kind_domain(kind))
                == records  # e.g. not a vendor payment
            ):
                return self._client_hub_pick(
                    client._get_client_mail_template(kind), no_template, records
                )
        return no_template

    def _client_hub_sends_kind(self, kind):
        """Whether this template sends documents of ``kind``: the global template of the
        kind or a client's own.

        :param str kind: one of `CLIENT_TEMPLATE_KINDS`
        """
        self.ensure_one()
        return (
            self.client_hub_kind == kind
            or self == self._client_hub_get_global_template(kind)
        )

    @api.model
    def _client_hub_pick(self, client_template, global_template, records):
        """Template to send `records` with: the client's own template when it renders for
        them, else the global one.

        :param client_template: the client's template (may be empty)
        :param global_template: the template Odoo would use
        :param records: documents about to be sent
        :return: mail.template record
        """
        if (
            client_template
            and records
            and client_template._client_hub_renders_for(records)
        ):
            return client_template
        return global_template

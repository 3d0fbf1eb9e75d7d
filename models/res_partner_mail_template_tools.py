import re

from markupsafe import Markup

from odoo import models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import email_normalize

from ..const import CLIENT_TEMPLATE_KINDS, CLIENT_TEMPLATE_TEST_DOMAINS
from .client_hub_magic_link_placeholder import PLACEHOLDER_PATH
from .mail_template import _get_kind_domain

# a live magic link's path, as `client_hub.magic.link._get_url` builds it
LIVE_LINK_PATH_RE = re.compile(r"/client/magic/[A-Za-z0-9_\-]+")


class ResPartner(models.Model):
    """Tools next to each client template of the E-mail Templates tab: compare it with the
    global template, and e-mail a test of it to oneself."""

    _inherit = "res.partner"

    def action_client_template_compare(self):
        """Open the differences between this client's own template of the kind given in
        the context (`client_template_kind`) and the global template of that kind."""
        self.ensure_one()
        self._check_client_template_tools_access()
        kind = self._get_client_template_kind_from_context()
        self._get_client_own_template(kind)
        wizard = self.env["client_hub.template.compare"].create(
            {"partner_id": self.id, "kind": kind}
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Compare with default"),
            "res_model": wizard._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }

    def action_client_template_send_test(self):
        """E-mail the current user, and nobody else, this client's own template of the kind
        given in the context (`client_template_kind`), rendered on the client's latest
        document of that kind.

        The e-mail is made directly (no `send_mail`, no `message_post`): none of the
        template's recipients is rendered, no follower is notified and the document's
        chatter is left alone.
        """
        self.ensure_one()
        self._check_client_template_tools_access()
        kind = self._get_client_template_kind_from_context()
        template = self._get_client_own_template(kind)
        user = self.env.user
        if not email_normalize(user.email):
            raise UserError(
                self.env._(
                    "Your user has no valid e-mail address to send the test to: set one in "
                    "your preferences."
                )
            )
        record = self._get_client_template_test_record(kind)
        if not record:
            raise UserError(
                self.env._(
                    "%(client)s has no %(kind)s to try the template on yet.",
                    client=self.commercial_partner_id.display_name,
                    kind=template._get_client_hub_kind_label(kind),
                )
            )
        # sudo: only administrators create outgoing mails; this one goes to the current
        # user's own address only, built from a template they may edit
        mail_sudo = (
            self.env["mail.mail"]
            .sudo()
            .create(
                self._prepare_client_template_test_mail_vals(template, kind, record)
            )
        )
        mail_sudo.send()
        if mail_sudo.exists() and mail_sudo.state == "exception":
            return self._client_template_notification(
                "warning",
                self.env._(
                    "The test could not be sent: %(reason)s",
                    reason=mail_sudo.failure_reason,
                ),
            )
        return self._client_template_notification(
            "success",
            self.env._(
                "A test of the %(kind)s e-mail was sent to %(email)s.",
                kind=template._get_client_hub_kind_label(kind),
                email=user.email,
            ),
        )

    def _prepare_client_template_test_mail_vals(self, template, kind, record):
        """:return: the values of the test e-mail of ``template`` rendered on ``record``,
        addressed to the current user only, a note on top saying what it is"""
        user = self.env.user
        values = self._render_client_template_test(template, record)
        banner = Markup(
            '<p style="padding: 8px; background-color: #fff3cd; font-size: 13px;">%s</p>'
        ) % self.env._(
            "Test of the %(kind)s e-mail of %(client)s, rendered on %(document)s and sent "
            "to you only. Attachments are not included.",
            kind=template._get_client_hub_kind_label(kind),
            client=self.commercial_partner_id.display_name,
            document=record.display_name,
        )
        return {
            "subject": self.env._("[Test] %(subject)s", subject=values["subject"]),
            "body_html": banner + values["body"],
            "email_from": values["email_from"] or user.email_formatted,
            "email_to": user.email_formatted,
            "author_id": user.partner_id.id,
            "auto_delete": True,
        }

    def _check_client_template_tools_access(self):
        """Compare and test-send are for the staff who may edit this client's templates:
        members of the Mail Template Editor group (see `client_template_editable`) who may
        write the client."""
        user = self.env.user
        if not user._is_internal() or not user.has_group(
            "mail.group_mail_template_editor"
        ):
            raise AccessError(
                self.env._(
                    "Only staff who may edit e-mail templates can compare or test a "
                    "client's templates."
                )
            )
        self.check_access("write")

    def _get_client_own_template(self, kind):
        """:return: this client's own template of ``kind``; raises when it has none"""
        template = self[f"client_{kind}_template_id"]
        if not template:
            raise UserError(
                self.env._(
                    "%(client)s has no %(kind)s template of its own: it receives the global one.",
                    client=self.display_name,
                    kind=self.env["mail.template"]._get_client_hub_kind_label(kind),
                )
            )
        return template

    def _get_client_template_test_record(self, kind):
        """The document a test of the client's template of ``kind`` is rendered on: the
        client's latest document of that kind the user can read (statements: the client).

        :param str kind: one of `CLIENT_TEMPLATE_KINDS`
        :return: a record, empty when the client has no such document
        """
        self.ensure_one()
        client = self.commercial_partner_id
        model = CLIENT_TEMPLATE_KINDS[kind][0]
        if model == "res.partner":
            return client  # a statement is about the client itself
        domain = (
            Domain("partner_id", "child_of", client.id)
            & _get_kind_domain(kind)
            & Domain(CLIENT_TEMPLATE_TEST_DOMAINS.get(kind, []))
        )
        return self.env[model].search(domain, limit=1)

    def _render_client_template_test(self, template, record):
        """Render the subject, body and sender of ``template`` on ``record``, in the
        language the client gets it in, with no usable sign-in link in the body: magic-link
        stand-ins become the plain sign-in page, and any live link the template made itself
        (`_get_client_magic_link_url`) is revoked and taken out.

        :return: dict with ``subject``, ``body`` (Markup) and ``email_from``
        """
        Link = self.env["client_hub.magic.link"]
        # sudo: staff cannot read links; only the newest id is read, to find the links
        # made by this rendering
        last_link_id = Link.sudo().search([], order="id desc", limit=1).id or 0
        values = template._generate_template(
            record.ids, ("subject", "body_html", "email_from")
        )[record.id]
        # sudo: revoking removes access only, and only to links this rendering just made
        Link.sudo().search([("id", ">", last_link_id)])._revoke()
        body = Link._render_placeholders(
            values.get("body_html") or "", self.env["res.partner"]
        )
        body = LIVE_LINK_PATH_RE.sub(PLACEHOLDER_PATH, body)
        return {
            "subject": values.get("subject") or "",
            # the body is the output of a template the user may edit, not user input
            "body": Markup(body),
            "email_from": values.get("email_from"),
        }

    def _client_template_notification(self, notification_type, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": notification_type, "message": message, "sticky": False},
        }

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..const import (
    DEFAULT_TICKET_ATTACHMENT_MAX_SIZE_MB,
    PARAM_TICKET_ATTACHMENT_MAX_SIZE_MB,
)


class ClientHubTicket(models.Model):
    """Files on tickets: what the client sees of them, and the size limit on theirs."""

    _inherit = "client_hub.ticket"

    client_attachment_ids = fields.Many2many(
        "ir.attachment",
        string="Files Shared with the Client",
        # computed as superuser: clients may not read attachments, and the domain is what
        # decides which of the ticket's files they get (readers of the ticket only)
        compute="_compute_client_attachment_ids",
        compute_sudo=True,
        help="The files the client sees: those of the messages they can read, and the ones "
        "they attached themselves.",
    )

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    def _compute_client_attachment_ids(self):
        attachments = self.env["ir.attachment"].search(
            Domain("res_model", "=", self._name)
            & Domain("res_id", "in", self.ids)
            & self._get_client_attachment_domain(),
            order="id",
        )
        per_ticket = attachments.grouped("res_id")
        for ticket in self:
            ticket.client_attachment_ids = per_ticket.get(
                ticket.id, attachments.browse()
            )

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------
    @api.model
    def _get_attachment_max_size(self):
        """Largest file a client may attach to a ticket, in bytes."""
        megabytes = self.env["ir.config_parameter"]._client_hub_get_number(
            PARAM_TICKET_ATTACHMENT_MAX_SIZE_MB, DEFAULT_TICKET_ATTACHMENT_MAX_SIZE_MB
        )
        return int(megabytes * 1024 * 1024)

    @api.model
    def _get_client_attachment_domain(self):
        """Domain of ``ir.attachment``: the files a client may see, i.e. every file that is
        not on a ticket, and on a ticket the files of the messages its client can read (not
        internal, with a public subtype: mail's rule for non-employees) and the files
        attached outside any message by a client's user (the ticket form, a direct upload).
        Files of internal notes, and files staff attach to the ticket itself, stay with staff.
        """

        def to_sql(model, alias, query):
            return SQL(
                """(
                    %(res_model)s IS DISTINCT FROM %(ticket)s
                    OR EXISTS (
                        SELECT 1
                          FROM message_attachment_rel rel
                          JOIN mail_message message ON message.id = rel.message_id
                          JOIN mail_message_subtype subtype ON subtype.id = message.subtype_id
                         WHERE rel.attachment_id = %(id)s
                           AND message.model = %(ticket)s AND message.res_id = %(res_id)s
                           AND message.message_type != 'user_notification'
                           AND message.is_internal IS NOT TRUE AND subtype.internal IS NOT TRUE
                    )
                    OR (
                        NOT EXISTS (SELECT 1 FROM message_attachment_rel rel WHERE rel.attachment_id = %(id)s)
                        AND EXISTS (SELECT 1 FROM res_users author WHERE author.id = %(create_uid)s AND author.share)
                    )
                )""",
                ticket=self._name,
                res_model=model._field_to_sql(alias, "res_model", query),
                id=model._field_to_sql(alias, "id", query),
                res_id=model._field_to_sql(alias, "res_id", query),
                create_uid=model._field_to_sql(alias, "create_uid", query),
            )

        return Domain.custom(to_sql=to_sql)

    @api.model
    def _get_mail_attachment_size(self, content):
        """Size in bytes of an e-mail attachment's content as the mail gateway gives it."""
        if content is None:
            return 0
        if isinstance(content, str):
            return len(content.encode())
        if isinstance(content, bytes):
            return len(content)
        return len(content.as_bytes())  # an attached e-mail (EmailMessage)

    @api.model
    def _get_dropped_files_note(self, dropped):
        """:param list dropped: ``(file name, size in bytes)`` of the files not kept
        :return: the paragraph added to an e-mail's message about them"""
        max_mb = round(self._get_attachment_max_size() / 1024 / 1024, 1)
        files = ", ".join(
            self.env._(
                "“%(name)s” (%(size)s MB)", name=name, size=round(size / 1024 / 1024, 1)
            )
            for name, size in dropped
        )
        return Markup(
            '<p class="o_client_ticket_dropped_files"><em>%s</em></p>'
        ) % self.env._(
            "Not kept, as each file can be at most %(max)s MB: %(files)s.",
            max=max_mb,
            files=files,
        )

    @api.model
    def _check_attachment_size(self, filename, size):
        """:raise UserError: with a message for the client when a file is too large."""
        max_size = self._get_attachment_max_size()
        if size > max_size:
            raise UserError(
                self.env._(
                    "The file “%(name)s” is too large (%(size)s MB). Each file can be at most %(max)s MB.",
                    name=filename,
                    size=round(size / 1024 / 1024, 1),
                    max=round(max_size / 1024 / 1024, 1),
                )
            )

    # ------------------------------------------------------------------
    # Mail
    # ------------------------------------------------------------------
    def _process_attachments_for_post(
        self, attachments, attachment_ids, message_values
    ):
        """Override of `mail`: the files of an incoming e-mail that are over the size limit
        are not kept; the rest of the e-mail is, and its message says which files were
        dropped. Files from clients on other routes are refused outright, see
        `ir.attachment._check_client_hub_ticket_file_size`."""
        dropped = []
        if attachments and message_values.get("message_type") == "email":
            max_size = self._get_attachment_max_size()
            kept = []
            for attachment in attachments:
                size = self._get_mail_attachment_size(attachment[1])
                if size > max_size:
                    dropped.append((attachment[0], size))
                else:
                    kept.append(attachment)
            attachments = kept
        result = super()._process_attachments_for_post(
            attachments, attachment_ids, message_values
        )
        if dropped:
            body = result.get("body", message_values.get("body")) or Markup()
            result["body"] = body + self._get_dropped_files_note(dropped)
        return result

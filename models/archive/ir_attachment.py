import base64

from odoo import api, models
from odoo.exceptions import UserError

from .client_hub_issued_document import sha256_hex

# Writes that would change an archived file's bytes, or move it off its document.
CONTENT_FIELDS = ("raw", "datas")
LOCATION_FIELDS = ("db_datas", "store_fname", "res_model", "res_id", "type", "url")
# who may read it, and what it is: an archived PDF is not made public or retyped
ACCESS_FIELDS = ("public", "mimetype", "checksum")


class IrAttachment(models.Model):
    """The PDFs of the Electronic Bookkeeping archive (`client_hub.issued.document`) cannot
    be deleted or overwritten while their row exists, by anyone, the superuser included.

    Renaming and detaching stay allowed: Odoo's reset to draft detaches the invoice PDF
    from `invoice_pdf_report_file` (`account.move._detach_attachments`) and renames it; it
    stays on the invoice, archived, and the next posting stores and archives a new one.
    Writing the very bytes already stored is allowed too (`force_storage` moves files
    between the database and the filestore that way).
    """

    _inherit = "ir.attachment"

    def write(self, vals):
        """Override to refuse changing the content or the location of an archived PDF."""
        if vals.keys() & {*CONTENT_FIELDS, *LOCATION_FIELDS, *ACCESS_FIELDS}:
            self._check_client_hub_archive_write(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_client_hub_archived(self):
        if archived := self._get_client_hub_archived():
            raise UserError(self._client_hub_archived_message(archived))

    def _get_client_hub_archived(self):
        """:return: the archive rows of the attachments of ``self`` (elevated)"""
        if not self.ids:
            return self.env["client_hub.issued.document"]
        # sudo: the protection holds for everyone, whatever they may read of the archive
        return (
            self.env["client_hub.issued.document"]
            .sudo()
            .search([("attachment_id", "in", self.ids)])
        )

    def _check_client_hub_archive_write(self, vals):
        """:raise UserError: if ``vals`` change an archived file's bytes, location, who may
        read it (`public`) or its type"""
        archived = self._get_client_hub_archived()
        if not archived:
            return
        content = self._client_hub_new_content(vals)
        # sudo: the current location is compared, nothing is returned
        by_attachment = {row.attachment_id.sudo(): row for row in archived}
        for attachment, row in by_attachment.items():
            changed = any(
                field in vals and vals[field] != attachment[field]
                for field in (*LOCATION_FIELDS, *ACCESS_FIELDS)
                if field not in ("db_datas", "store_fname", "checksum")
                or content is None
            )
            if content is not None and sha256_hex(content) != row.sha256:
                changed = True
            if changed:
                raise UserError(self._client_hub_archived_message(row))

    @api.model
    def _client_hub_new_content(self, vals):
        """:return: the bytes ``vals`` would store, or None when they write no content"""
        if "raw" in vals:
            raw = vals["raw"] or b""
            return raw.encode() if isinstance(raw, str) else raw
        if "datas" in vals:
            return base64.b64decode(vals["datas"] or b"")
        return None

    def _client_hub_archived_message(self, rows):
        row = rows[:1]
        return self.env._(
            "“%(file)s” is the archived copy of %(document)s, kept as the Electronic "
            "Bookkeeping Act (電子帳簿保存法) asks: it cannot be deleted or overwritten, by "
            "anyone. Reset the document to draft and post it again to issue a new version; "
            "the archived copy stays.",
            file=row.attachment_id.sudo().name,
            document=row.name,
        )

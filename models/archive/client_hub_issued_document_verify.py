import hashlib
import os
from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import split_every

from ...const import ARCHIVE_VERIFY_BATCH
from .client_hub_issued_document import ARCHIVE_WRITE, sha256_hex

FAILED_STATES = ("altered", "missing")
# A row verified less than this long ago is left for the next daily run.
REVERIFY_AFTER = timedelta(hours=20)


class ClientHubIssuedDocument(models.Model):
    """ "Verify" and its daily cron: every archived PDF hashed again and compared with the
    SHA-256 recorded when it was issued."""

    _inherit = "client_hub.issued.document"

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_verify(self):
        """Button "Verify" of the list (and the server action on a selection): hash the
        selected documents again, all those the user may read when none is selected, and
        list those whose bytes no longer match or whose file is missing."""
        # all of them, on purpose: `_verify` reads them a batch at a time
        rows = self or self.search([])  # pylint: disable=no-search-all
        rows._verify()
        failed = rows.filtered(lambda row: row.integrity_state in FAILED_STATES)
        if not failed:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "success",
                    "message": self.env._(
                        "%(count)s documents verified: each matches its SHA-256.",
                        count=len(rows),
                    ),
                    "next": {"type": "ir.actions.act_window_close"},
                },
            }
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "client_hub.client_hub_issued_document_action"
        )
        action.update(
            name=self.env._("Documents Failing Verification"),
            domain=[("id", "in", failed.ids)],
            context={},
        )
        return action

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------
    @api.model
    def _cron_verify_integrity(self):
        """Cron: verify every row once a day, in batches committed one by one, so that a
        large archive is hashed over as many runs as it takes, never read at once."""
        # sudo: the cron checks the whole archive, all companies
        Docs = self.sudo()
        while True:
            domain = Docs._get_due_for_verification_domain()
            batch = Docs.search(
                domain,
                order="verified_at asc nulls first, id",
                limit=ARCHIVE_VERIFY_BATCH,
            )
            if not batch:
                self.env["ir.cron"]._commit_progress(remaining=0)
                return
            batch._verify()
            remaining = Docs.search_count(Docs._get_due_for_verification_domain())
            if not self.env["ir.cron"]._commit_progress(
                len(batch), remaining=remaining
            ):
                return  # out of time: the next run goes on

    @api.model
    def _get_due_for_verification_domain(self):
        return Domain("verified_at", "=", False) | Domain(
            "verified_at", "<", fields.Datetime.now() - REVERIFY_AFTER
        )

    def _verify(self):
        """Hash the stored bytes of each row again, in batches, and record the result in
        `integrity_state`; the cache is emptied after each batch, so that memory holds one
        batch of files at most.

        :return: the rows that fail (altered or missing)
        """
        # sudo: verifying reads the archived files; the rows are read-only for everyone
        Docs = self.sudo().with_context(bin_size=False, **{ARCHIVE_WRITE: True})
        failed_ids = []
        for batch in split_every(ARCHIVE_VERIFY_BATCH, self.ids, Docs.browse):
            by_state = {}
            for row in batch:
                by_state.setdefault(row._compute_integrity_state(), []).append(row.id)
            now = fields.Datetime.now()
            for state, ids in by_state.items():
                Docs.browse(ids).write({"integrity_state": state, "verified_at": now})
                if state in FAILED_STATES:
                    failed_ids += ids
            batch.flush_recordset()
            batch.attachment_id.invalidate_recordset(["raw", "datas", "db_datas"])
        return self.browse(failed_ids)

    def _compute_integrity_state(self):
        """Return ``ok``, ``altered`` or ``missing`` for the row's stored bytes. A file of
        the filestore is hashed in chunks, never loaded whole."""
        self.ensure_one()
        attachment = self.attachment_id
        if not attachment.exists():
            return "missing"
        if attachment.store_fname:
            path = attachment._full_path(attachment.store_fname)
            if not os.path.isfile(path):
                return "missing"
            digest = hashlib.sha256()
            with open(path, "rb") as file:
                for chunk in iter(lambda: file.read(1 << 20), b""):
                    digest.update(chunk)
            actual = digest.hexdigest()
        else:
            content = attachment.db_datas
            if not content:
                return "missing"
            actual = sha256_hex(content)
        return "ok" if actual == self.sha256 else "altered"

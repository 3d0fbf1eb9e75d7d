"""The Electronic Bookkeeping archive (電子帳簿保存法): a row per document issued, written when
its PDF is stored, and the PDF protected against every path that could delete or change it."""

import base64
import os
from unittest.mock import patch

import psycopg2

from odoo import SUPERUSER_ID
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.base.tests.common import BaseCommon
from odoo.addons.client_hub.models.archive import (
    client_hub_issued_document_verify as verify,
)

from .common_archive import DOCS, ArchiveFixtures, sha256

ARCHIVED = "archived copy"


@tagged("post_install", "-at_install")
class TestArchiveInvoices(ArchiveFixtures, BaseCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_archive()

    def test_send_and_print_archives_the_pdf(self):
        invoice = self._invoice(1100.0)
        refund = self._invoice(300.0, move_type="out_refund")
        self.assertFalse(self._rows(invoice | refund), "posting alone archives nothing")
        self._send_and_print(invoice | refund)
        row, refund_row = self._rows(invoice), self._rows(refund)
        self.assertEqual(len(row), 1)
        attachment = invoice.invoice_pdf_report_id
        self.assertTrue(attachment)
        self.assertRecordValues(
            row,
            [
                {
                    "document_type": "invoice",
                    "date": invoice.invoice_date,
                    "amount": 1100.0,
                    "currency_id": invoice.currency_id.id,
                    "partner_id": self.client.id,  # the commercial partner
                    "company_id": invoice.company_id.id,
                    "name": invoice.name,
                    "attachment_id": attachment.id,
                    "sha256": sha256(attachment.raw),
                    "issued_by": self.staff.id,
                    "integrity_state": "unverified",
                }
            ],
        )
        self.assertTrue(row.issued_at)
        self.assertEqual(refund_row.document_type, "credit_note")
        self.assertEqual(refund_row.amount, 300.0)

    def test_send_again_reuses_the_archived_pdf(self):
        invoice = self._invoice()
        self._send_and_print(invoice)
        attachment, raw = (
            invoice.invoice_pdf_report_id,
            invoice.invoice_pdf_report_id.raw,
        )
        self._send_and_print(invoice)
        self.assertEqual(invoice.invoice_pdf_report_id, attachment)
        self.assertEqual(attachment.raw, raw)
        self.assertEqual(len(self._rows(invoice)), 1)

    def test_background_rendering_archives_and_send_reuses(self):
        runs = self._patch_wkhtmltopdf()
        invoice = self._invoice()
        Jobs = self.env["client_hub.invoice.pdf.job"]
        Jobs.search([("move_id", "=", invoice.id)])._process()
        self.assertEqual(runs, [1])
        attachment = invoice.invoice_pdf_report_id
        row = self._rows(invoice)
        self.assertEqual(row.attachment_id, attachment)
        self.assertTrue(attachment.raw.startswith(b"%PDF-1.4 fake"))
        self.assertEqual(row.sha256, sha256(attachment.raw))
        self.assertFalse(row.issued_by, "rendered in the background: nobody sent it")
        # Send & Print and a new run of the queue reuse it
        self._send_and_print(invoice)
        Jobs._enqueue(invoice)
        Jobs.search([("move_id", "=", invoice.id)])._process()
        self.assertEqual(runs, [1], "nothing rendered again")
        self.assertEqual(invoice.invoice_pdf_report_id, attachment)
        self.assertEqual(len(self._rows(invoice)), 1)

    def _assert_refused(self, action, what):
        with self.assertRaisesRegex(UserError, ARCHIVED, msg=what):
            action()
        self.env.invalidate_all()  # a refused write leaves its value in the cache

    @mute_logger("odoo.sql_db")
    def test_archived_pdf_cannot_be_deleted_or_overwritten(self):
        invoice = self._invoice()
        self._send_and_print(invoice)
        attachment = invoice.invoice_pdf_report_id
        raw, store_fname = attachment.raw, attachment.store_fname
        other = self._invoice()
        for user in (self.admin, self.env["res.users"].browse(SUPERUSER_ID)):
            for sudo in (False, True):
                att = attachment.with_user(user).sudo(sudo)
                who = f"{user.login} sudo={sudo}"
                self._assert_refused(att.unlink, f"unlink as {who}")
                for vals in (
                    {"datas": base64.b64encode(b"%PDF forged")},
                    {"raw": b"%PDF forged"},
                    {"db_datas": b"%PDF forged"},
                    {"store_fname": "ab/forged"},
                    {"res_id": other.id},
                    {"res_model": "res.partner"},
                    {"type": "url", "url": "https://example.com/x.pdf"},
                    # nor made readable by anyone, nor retyped (attack finding)
                    {"public": True},
                    {"mimetype": "text/html"},
                ):
                    self._assert_refused(
                        lambda a=att, v=vals: a.write(v), f"{vals} {who}"
                    )
        # through the invoice's binary field
        self._assert_refused(
            lambda: invoice.write({"invoice_pdf_report_file": False}), "field emptied"
        )
        self._assert_refused(
            lambda: invoice.write(
                {"invoice_pdf_report_file": base64.b64encode(b"%PDF forged")}
            ),
            "field overwritten",
        )
        # and by SQL: the row stands for the file
        with (
            self.assertRaises(psycopg2.errors.ForeignKeyViolation),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute(
                "DELETE FROM ir_attachment WHERE id = %s", [attachment.id]
            )
        attachment.invalidate_recordset()
        self.assertEqual(attachment.raw, raw)
        self.assertEqual(attachment.store_fname, store_fname)
        # what changes neither the bytes nor their place is allowed
        attachment.sudo().write(
            {"raw": raw, "name": "renamed.pdf", "description": "ok"}
        )
        self.assertEqual(attachment.name, "renamed.pdf")
        # a file that is not archived is not protected
        loose = self.env["ir.attachment"].create({"name": "loose.txt", "raw": b"x"})
        loose.write({"raw": b"y"})
        loose.unlink()

    def test_reset_to_draft_keeps_the_pdf_and_its_row(self):
        invoice = self._invoice(500.0)
        self._send_and_print(invoice)
        first = invoice.invoice_pdf_report_id
        first_raw = first.raw
        invoice.button_draft()
        self.assertTrue(first.exists())
        self.assertFalse(first.res_field, "detached, as stock does")
        self.assertEqual((first.res_model, first.res_id), ("account.move", invoice.id))
        self.assertEqual(first.raw, first_raw)
        self.assertEqual(self._rows(invoice).attachment_id, first)
        invoice.invoice_line_ids.price_unit = 700.0
        invoice.action_post()
        self._send_and_print(invoice)
        second = invoice.invoice_pdf_report_id
        self.assertNotEqual(second, first)
        rows = self._rows(invoice)
        self.assertEqual(rows.attachment_id, first | second)
        self.assertEqual(rows.mapped("amount"), [500.0, 700.0])
        self._assert_refused(first.unlink, "the first version after reposting")

    def test_rows_cannot_be_made_changed_or_deleted_by_hand(self):
        invoice = self._invoice()
        self._send_and_print(invoice)
        row = self._rows(invoice)
        vals = {
            "document_type": "invoice",
            "date": "2024-01-01",
            "amount": 1.0,
            "currency_id": row.currency_id.id,
            "partner_id": self.client.id,
            "company_id": row.company_id.id,
            "name": "FORGED",
            "attachment_id": self.env["ir.attachment"]
            .create({"name": "f", "raw": b"f"})
            .id,
            "sha256": "0" * 64,
            "issued_at": "2024-01-01 00:00:00",
        }
        Docs = self.env[DOCS]
        # the model refuses create and write to everyone (before the access rights); the
        # access rights refuse unlink to users, the model to the superuser
        for who, docs, unlink_error in (
            ("admin", Docs.with_user(self.admin), AccessError),
            ("staff", Docs.with_user(self.staff), AccessError),
            ("superuser", Docs.sudo(), UserError),
        ):
            with self.subTest(who=who):
                with self.assertRaisesRegex(UserError, "by hand"):
                    docs.create(vals)
                for values in ({"amount": 1.0}, {"integrity_state": "ok"}):
                    with self.assertRaisesRegex(UserError, "by hand"):
                        docs.browse(row.id).write(values)
                with self.assertRaises(unlink_error):
                    docs.browse(row.id).unlink()
        self.assertEqual(row.amount, invoice.amount_total)
        self.assertEqual(row.with_user(self.staff).name, invoice.name, "staff read it")


@tagged("post_install", "-at_install")
class TestArchiveVerify(ArchiveFixtures, BaseCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_archive()

    def _restore_file_after(self, attachment):
        path = attachment._full_path(attachment.store_fname)
        with open(path, "rb") as file:
            original = file.read()

        def restore():
            with open(path, "wb") as file:
                file.write(original)

        self.addCleanup(restore)
        return path

    def test_verify_lists_altered_and_missing_files(self):
        rows = self._issue(self.client, "2024-04-01", 100.0)
        for index in range(4):
            rows |= self._issue(self.client, "2024-04-02", 200.0 + index)
        _intact, on_disk, in_db, deleted, emptied = rows
        self.assertTrue(on_disk.attachment_id.store_fname, "the filestore is used")
        # tamper the file on disk
        with open(self._restore_file_after(on_disk.attachment_id), "wb") as file:
            file.write(b"%PDF tampered on disk")
        # tamper db_datas by SQL
        self.env.cr.execute(
            "UPDATE ir_attachment SET store_fname = NULL, db_datas = %s WHERE id = %s",
            [b"%PDF tampered in db", in_db.attachment_id.id],
        )
        # delete the file
        path = self._restore_file_after(deleted.attachment_id)
        os.rename(path, path + ".away")
        self.addCleanup(
            lambda: os.path.exists(path + ".away") and os.rename(path + ".away", path)
        )
        # empty the db copy
        self.env.cr.execute(
            "UPDATE ir_attachment SET store_fname = NULL, db_datas = NULL WHERE id = %s",
            [emptied.attachment_id.id],
        )
        self.env.invalidate_all()

        action = rows.with_user(self.staff).action_verify()
        self.assertEqual(
            sorted(action["domain"][0][2]),
            sorted((on_disk | in_db | deleted | emptied).ids),
        )
        self.assertEqual(
            rows.mapped("integrity_state"),
            ["ok", "altered", "altered", "missing", "missing"],
        )
        self.assertTrue(all(rows.mapped("verified_at")))

    def test_verify_all_and_the_daily_cron(self):
        rows = self._issue(self.client, "2024-05-01", 10.0) | self._issue(
            self.client, "2024-05-02", 20.0
        )
        action = self.env[DOCS].with_user(self.staff).action_verify()
        self.assertEqual(action["tag"], "display_notification", "all intact")
        self.assertEqual(set(rows.mapped("integrity_state")), {"ok"})
        with open(self._restore_file_after(rows[1].attachment_id), "wb") as file:
            file.write(b"changed")
        self.env.cr.execute(
            "UPDATE client_hub_issued_document SET verified_at = NULL WHERE id IN %s",
            [tuple(rows.ids)],
        )
        self.env.invalidate_all()
        # the cron's code, in batches of 1; the test's transaction is not committed
        progress = []
        with (
            patch.object(verify, "ARCHIVE_VERIFY_BATCH", 1),
            patch.object(
                self.registry["ir.cron"],
                "_commit_progress",
                lambda cron, processed=0, remaining=None: (
                    progress.append(remaining) or 60.0
                ),
            ),
        ):
            self.env[DOCS]._cron_verify_integrity()
        self.assertEqual(progress, [1, 0, 0], "a batch at a time, with what remains")
        self.env.invalidate_all()
        self.assertEqual(rows.mapped("integrity_state"), ["ok", "altered"])

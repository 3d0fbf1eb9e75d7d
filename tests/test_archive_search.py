"""The archive searched as the law lists it (date range, amount range, counterparty,
combined), exported as CSV with the hashes and as a ZIP with a manifest for a tax audit, read
by the staff of its company only; statements and quotations sent are archived too."""

import csv
import io
import zipfile

from odoo.exceptions import AccessError, RedirectWarning, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.base.tests.common import BaseCommon

from .common_archive import DOCS, ArchiveFixtures, sha256


@tagged("post_install", "-at_install")
class TestArchiveSearch(ArchiveFixtures, BaseCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_archive()
        cls.other = cls.env["res.partner"].create(
            {"name": "Other KK", "is_company": True}
        )
        cls.rows = {}
        for key, partner, day, amount in (
            ("in", cls.client, "2024-04-15", 50_000.0),
            ("in_edge", cls.client, "2024-04-30", 10_000.0),
            ("too_cheap", cls.client, "2024-04-15", 9_999.0),
            ("too_late", cls.client, "2024-05-01", 50_000.0),
            ("too_early", cls.client, "2024-03-31", 50_000.0),
            ("other", cls.other, "2024-04-15", 50_000.0),
        ):
            cls.rows[key] = cls._issue(cls, partner, day, amount)
        cls.foreign = cls._issue(
            cls,
            cls.client,
            "2024-04-15",
            50_000.0,
            company=cls.company_2,
            name="FOREIGN",
        )

    def _search(self, user=None, **params):
        Docs = self.env[DOCS].with_user(user or self.staff)
        return Docs.search(Docs._get_archive_search_domain(**params))

    def test_ranges_and_counterparty_combined(self):
        found = self._search(
            date_from="2024-04-01",
            date_to="2024-04-30",
            amount_min="10000",
            amount_max=60_000,
            partner_id=str(self.client.id),
        )
        self.assertEqual(found, self.rows["in"] | self.rows["in_edge"])
        self.assertEqual(
            self._search(amount_min=50_000, date_to="2024-04-30"),
            self.rows["in"] | self.rows["too_early"] | self.rows["other"],
        )
        wizard = (
            self.env["client_hub.archive.search"]
            .with_user(self.staff)
            .create(
                {
                    "date_from": "2024-04-01",
                    "date_to": "2024-04-30",
                    "partner_id": self.client_contact.id,  # a contact: its company is searched
                }
            )
        )
        action = wizard.action_search()
        self.assertEqual(
            self.env[DOCS].with_user(self.staff).search(action["domain"]),
            self.rows["in"] | self.rows["in_edge"] | self.rows["too_cheap"],
        )

    def test_bad_input_gets_a_clear_message(self):
        for params, message in (
            ({"amount_min": 100, "amount_max": 10}, "amount range is reversed"),
            (
                {"date_from": "2024-05-01", "date_to": "2024-04-01"},
                "date range is reversed",
            ),
            ({"date_from": "2024-13-45"}, "is not a date"),
            ({"date_to": "31/03/2024"}, "is not a date"),
            ({"amount_max": "abc"}, "is not an amount"),
            ({"amount_max": "nan"}, "is not an amount"),
            ({"partner_id": "1;2"}, "counterparty is not a valid"),
            ({"document_type": "receipt"}, "Unknown document type"),
        ):
            with (
                self.subTest(params=params),
                self.assertRaisesRegex(UserError, message),
            ):
                self._search(**params)
        wizard = (
            self.env["client_hub.archive.search"]
            .with_user(self.staff)
            .create(
                {
                    "use_amount_min": True,
                    "amount_min": 5,
                    "use_amount_max": True,
                    "amount_max": 1,
                }
            )
        )
        with self.assertRaisesRegex(UserError, "amount range is reversed"):
            wizard.action_download_csv()
        self.assertTrue(wizard.exists(), "the dialog keeps what was typed")

    def test_csv_has_the_hashes(self):
        Docs = self.env[DOCS].with_user(self.staff)
        domain = Docs._get_archive_search_domain(partner_id=self.client.id)
        content = b"".join(Docs._iter_csv(domain)).decode("utf-8-sig")
        lines = list(csv.reader(io.StringIO(content)))
        self.assertEqual(lines[0][10], "SHA-256")
        self.assertEqual(len(lines), 1 + 5)
        by_number = {line[1]: line for line in lines[1:]}
        row = self.rows["in"]
        self.assertEqual(by_number[row.name][10], row.sha256)
        self.assertEqual(by_number[row.name][2], "2024-04-15")
        self.assertEqual(by_number[row.name][5], "Kaisha Archive")
        self.assertNotIn("FOREIGN", content)

    def test_zip_with_manifest_and_its_limit(self):
        Docs = self.env[DOCS].with_user(self.staff)
        rows = self._search(
            partner_id=self.client.id, date_from="2024-04-01", date_to="2024-04-30"
        )
        with zipfile.ZipFile(io.BytesIO(rows._build_audit_zip())) as archive:
            names = archive.namelist()
            manifest = list(
                csv.reader(
                    io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))
                )
            )
            self.assertEqual(len(names), len(rows) + 1)
            for line in manifest[1:]:
                self.assertEqual(sha256(archive.read(line[11])), line[10], line)
        self.env["ir.config_parameter"].set_param("client_hub.archive_zip_max", 2)
        wizard = (
            self.env["client_hub.archive.search"]
            .with_user(self.staff)
            .create({"partner_id": self.client.id})
        )
        with self.assertRaisesRegex(RedirectWarning, "at most 2") as caught:
            wizard.action_download_zip()
        self.assertIn("/client_hub/archive/csv?", caught.exception.args[1]["url"])
        wizard.partner_id = self.other
        self.assertIn("/client_hub/archive/zip?", wizard.action_download_zip()["url"])
        self.assertEqual(Docs._get_zip_max(), 2)

    def test_record_rules(self):
        mine = self.env[DOCS].with_user(self.staff).search([])
        self.assertIn(self.rows["in"], mine)
        self.assertNotIn(self.foreign, mine)
        theirs = self.env[DOCS].with_user(self.staff_2).search([])
        self.assertEqual(
            theirs, self.foreign, "staff of company 2 see only company 2's"
        )
        with self.assertRaises(AccessError):
            self.env[DOCS].with_user(self.portal_a).search([])
        public = self.env.ref("base.public_user")
        with self.assertRaises(AccessError):
            self.env[DOCS].with_user(public).search([])


@tagged("post_install", "-at_install")
class TestArchiveStatementsAndQuotations(ArchiveFixtures, BaseCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_archive()
        cls.invoice = cls._make_invoice(cls.client, 1234.0)

    def test_statement_sent_by_hand_is_archived(self):
        self._send_with_composer(
            self.client.with_user(self.staff).action_client_send_statement()
        )
        message = self.client.message_ids[0]
        row = self._rows(self.client)
        self.assertEqual(len(row), 1)
        self.assertIn(row.attachment_id, message.attachment_ids)
        self.assertRecordValues(
            row,
            [
                {
                    "document_type": "statement",
                    "amount": 1234.0,
                    "partner_id": self.client.id,
                    "issued_by": self.staff.id,
                    "sha256": sha256(row.attachment_id.raw),
                }
            ],
        )
        with self.assertRaisesRegex(UserError, "archived copy"):
            row.attachment_id.sudo().unlink()

    def test_scheduled_statement_is_archived(self):
        self.client.write(
            {
                "client_statement_frequency": "weekly",
                "client_statement_weekday": str(self.today.weekday()),
            }
        )
        log = self.client._client_hub_send_scheduled_statement()
        self.assertEqual(log.state, "sent")
        row = self._rows(self.client)
        self.assertEqual(row.attachment_id, log.message_id.attachment_ids)
        self.assertFalse(row.issued_by, "nobody sent it by hand")

    def test_quotation_sent_is_archived(self):
        order = self._quotation()
        self._send_with_composer(order.with_user(self.staff).action_quotation_send())
        self.assertEqual(order.state, "sent")
        row = self._rows(order)
        self.assertEqual(len(row), 1)
        self.assertRecordValues(
            row,
            [
                {
                    "document_type": "quotation",
                    "name": order.name,
                    "amount": order.amount_total,
                    "partner_id": self.client.id,
                    "date": order.date_order.date(),
                    "issued_by": self.staff.id,
                }
            ],
        )
        self.assertIn(row.attachment_id, order.message_ids[0].attachment_ids)
        # sent again: a second issued document
        self._send_with_composer(order.with_user(self.staff).action_quotation_send())
        self.assertEqual(len(self._rows(order)), 2)
        self.assertTrue(new_test_user)  # imported for the fixtures' users

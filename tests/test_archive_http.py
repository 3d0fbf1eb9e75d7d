"""The archive through the web: the attachment's form (``web_save``) and delete over
JSON-RPC, and the CSV and ZIP downloads, for staff of the company only."""

import base64
import csv
import io
import zipfile

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common_archive import DOCS, ArchiveFixtures, sha256

CSV_URL = "/client_hub/archive/csv"
ZIP_URL = "/client_hub/archive/zip"


@tagged("post_install", "-at_install")
class TestArchiveHttp(ArchiveFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_archive()
        cls.admin.partner_id.email = "admin@archive.example"
        cls.row_in = cls._issue(cls, cls.client, "2024-04-15", 50_000.0, name="INV-A-1")
        cls.row_out = cls._issue(
            cls, cls.client, "2024-06-15", 70_000.0, name="INV-A-2"
        )
        cls.foreign = cls._issue(
            cls,
            cls.client,
            "2024-04-15",
            50_000.0,
            company=cls.company_2,
            name="INV-B-1",
        )

    def _call_kw(self, model, method, args, kwargs=None):
        return self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "id": 1,
                "params": {
                    "model": model,
                    "method": method,
                    "args": args,
                    "kwargs": kwargs or {},
                },
            },
        ).json()

    @mute_logger("odoo.http")
    def test_attachment_form_cannot_overwrite_or_delete(self):
        self.authenticate("admin", "admin")
        attachment = self.row_in.attachment_id
        raw = attachment.raw
        answer = self._call_kw(
            "ir.attachment",
            "web_save",
            [[attachment.id], {"datas": base64.b64encode(b"%PDF forged").decode()}],
            {"specification": {"name": {}}},
        )
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.UserError")
        self.assertIn("archived copy", answer["error"]["data"]["message"])
        answer = self._call_kw("ir.attachment", "unlink", [[attachment.id]])
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.UserError")
        answer = self._call_kw(
            "ir.attachment",
            "web_save",
            [[attachment.id], {"name": "renamed.pdf"}],
            {"specification": {"name": {}}},
        )
        self.assertEqual(
            answer["result"][0]["name"], "renamed.pdf", "renaming is allowed"
        )
        attachment.invalidate_recordset()
        self.assertEqual(attachment.raw, raw)

    def test_csv_and_zip_for_staff(self):
        self.authenticate(self.staff.login, self.staff.login)
        response = self.url_open(
            f"{CSV_URL}?partner_id={self.client.id}&date_from=2024-04-01&date_to=2024-04-30"
            "&amount_min=10000&amount_max=60000"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("text/csv", response.headers["Content-Type"])
        lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual([line[1] for line in lines[1:]], ["INV-A-1"])
        self.assertEqual(lines[1][10], self.row_in.sha256)
        response = self.url_open(f"{ZIP_URL}?partner_id={self.client.id}")
        self.assertEqual(response.headers["Content-Type"], "application/zip")
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            manifest = list(
                csv.reader(
                    io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))
                )
            )
            self.assertEqual(
                sorted(line[1] for line in manifest[1:]), ["INV-A-1", "INV-A-2"]
            )
            for line in manifest[1:]:
                self.assertEqual(sha256(archive.read(line[11])), line[10])

    def test_staff_of_another_company_get_nothing_of_this_one(self):
        self.authenticate(self.staff_2.login, self.staff_2.login)
        text = self.url_open(f"{CSV_URL}?partner_id={self.client.id}").content.decode()
        self.assertIn("INV-B-1", text)
        self.assertNotIn("INV-A-1", text)
        response = self.url_open(f"{ZIP_URL}?partner_id={self.client.id}")
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            self.assertNotIn(
                "INV-A-1", archive.read("manifest.csv").decode("utf-8-sig")
            )
            self.assertEqual(len(archive.namelist()), 2)

    @mute_logger("odoo.http")
    def test_employee_without_invoice_rights_gets_nothing(self):
        """The archive holds every document's amount and PDF: an employee who may not
        read invoices reads none of it (attack finding: the ZIP read every PDF)."""
        employee = new_test_user(
            self.env, login="ch_archive_employee", groups="base.group_user"
        )
        with self.assertRaises(AccessError):
            self.env[DOCS].with_user(employee).search([])
        self.authenticate(employee.login, employee.login)
        for url in (CSV_URL, ZIP_URL):
            with self.subTest(url=url):
                response = self.url_open(f"{url}?partner_id={self.client.id}")
                self.assertEqual(response.status_code, 404)
                self.assertNotIn(b"INV-A-1", response.content)

    def test_zip_and_csv_hold_only_the_documents_the_user_may_read(self):
        """The user's record rules on the source document apply: a rule hiding the
        client from this user hides its archived PDFs and rows."""
        self.env["ir.rule"].create(
            {
                "name": "CH archive test: not this client",
                "model_id": self.env.ref("base.model_res_partner").id,
                "domain_force": f"[('id', '!=', {self.client.id})]",
                "perm_read": True,
            }
        )
        self.authenticate(self.staff.login, self.staff.login)
        text = self.url_open(f"{CSV_URL}?partner_id={self.client.id}").content.decode()
        self.assertNotIn("INV-A-1", text)
        response = self.url_open(f"{ZIP_URL}?partner_id={self.client.id}")
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            self.assertEqual(archive.namelist(), ["manifest.csv"])

    @mute_logger("odoo.http")
    def test_portal_and_public_get_nothing(self):
        for login in ("ch_alice", None):
            self.authenticate(login, login)
            for url in (CSV_URL, ZIP_URL):
                with self.subTest(login=login, url=url):
                    response = self.url_open(url, allow_redirects=False)
                    self.assertIn(response.status_code, (303, 404))
                    self.assertNotIn(b"INV-A-1", response.content)
                    if login is None:
                        self.assertIn("/web/login", response.headers["Location"])

    def test_bad_input_gets_a_clear_message(self):
        self.authenticate(self.staff.login, self.staff.login)
        self.env["ir.config_parameter"].set_param("client_hub.archive_zip_max", 1)
        for url, message in (
            (f"{CSV_URL}?amount_min=100&amount_max=10", "amount range is reversed"),
            (f"{CSV_URL}?date_from=2024-02-30", "is not a date"),
            (f"{ZIP_URL}?date_to=yesterday", "is not a date"),
            (f"{ZIP_URL}?partner_id={self.client.id}", "download the CSV"),
        ):
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.text)

import io
import posixpath
import re
import subprocess
import threading
import unicodedata
import zipfile
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest.mock import patch

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.sql_db import db_connect
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.base.models.ir_actions_report import _wkhtml

from .common_statement import StatementFixtures, StatementHttpMixin

JOB_LOGGER = "odoo.addons.client_hub.models.client_hub_invoice_pdf_job"


def pdf_text(content):
    """Return the text layer of a PDF, whitespace removed (wkhtmltopdf places words and CJK
    characters one by one: the text is compared without its spacing)."""
    assert content.startswith(b"%PDF"), content[:80]
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=content, capture_output=True, check=True
    ).stdout
    # NFKC: the CJK fonts map some glyphs to compatibility characters (⽥ U+2F65 for 田)
    return "".join(unicodedata.normalize("NFKC", text.decode()).split())


class AssetServer(ThreadingHTTPServer):
    """Serves the report's style sheets, scripts and fonts to wkhtmltopdf, as Odoo's web server
    does in production. The test server cannot while a PDF is rendered: during a test, its
    requests wait for the test's database cursor, which the rendering holds while wkhtmltopdf
    runs. The files are fetched from the test server beforehand (`files`: path -> content
    and content type)."""

    def __init__(self):
        self.files = {}
        files = self.files

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                content, content_type = files.get(self.path.split("?")[0], (None, None))
                self.send_response(200 if content is not None else 404)
                self.send_header("Content-Type", content_type or "text/plain")
                self.send_header("Content-Length", str(len(content or b"")))
                # cacheable, as Odoo serves them: else wkhtmltopdf fetches them again for the header and
                # footer, and may paint those before their fonts arrive (blank header and footer)
                self.send_header("Cache-Control", "public, max-age=604800")
                self.end_headers()
                self.wfile.write(content or b"")

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


class PdfRenderingMixin:
    """Real PDFs, rendered by the wkhtmltopdf found on PATH, which must be built with Odoo's
    patched Qt, with wkhtmltopdf runs counted."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.asset_server = AssetServer()
        cls.addClassCleanup(cls.asset_server.server_close)
        cls.addClassCleanup(cls.asset_server.shutdown)

    def setUp(self):
        super().setUp()
        wkhtml = _wkhtml()
        self.assertTrue(
            wkhtml.is_patched_qt,
            (
                f"The wkhtmltopdf found on PATH ({wkhtml.bin}, version {wkhtml.version or 'unknown'}) is not "
                "built with Odoo's patched Qt: it drops the header and footer of the PDFs and cannot render "
                "several documents in one run. tools/harness.sh installs one and puts it first on the PATH "
                "of `make test`; running pytest by hand, put it first on PATH yourself."
            ),
        )
        self._serve_report_assets()
        ReportClass = self.registry["ir.actions.report"]
        render_qweb_pdf, run_wkhtmltopdf = (
            ReportClass._pre_render_qweb_pdf,
            ReportClass._run_wkhtmltopdf,
        )
        self.wkhtmltopdf_runs = []

        def pre_render_qweb_pdf(report, *args, **kwargs):
            # Odoo renders HTML instead of PDFs in tests unless asked, as `web`'s tests do.
            return render_qweb_pdf(
                report.with_context(force_report_rendering=True), *args, **kwargs
            )

        def count_runs(report, bodies, *args, **kwargs):
            self.wkhtmltopdf_runs.append(len(bodies))
            return run_wkhtmltopdf(report, bodies, *args, **kwargs)

        self.startPatcher(
            patch.object(ReportClass, "_pre_render_qweb_pdf", pre_render_qweb_pdf)
        )
        self.startPatcher(patch.object(ReportClass, "_run_wkhtmltopdf", count_runs))

    def _serve_report_assets(self):
        """Fetch the files of the report layouts from the test server for the asset server
        (before any rendering holds the cursor), and have reports link to it."""
        html = "".join(
            str(
                self.env["ir.qweb"]._render(
                    template, {"report_type": "pdf", "subst": True, "base_url": ""}
                )
            )
            for template in ("web.report_layout", "web.minimal_layout")
        )
        for path in re.findall(r'(?:href|src)="(/web/assets/[^"]+)"', html):
            content = self._fetch_asset(path)
            for url in re.findall(rb"""url\(["']?(/[^"')?#]+)""", content):
                self._fetch_asset(
                    posixpath.normpath(url.decode())
                )  # as wkhtmltopdf asks: /./ removed
        self.env["ir.config_parameter"].set_param("report.url", self.asset_server.url)

    def _fetch_asset(self, path):
        if path not in self.asset_server.files:
            response = self.url_open(path)
            if not response.ok:  # e.g. an image of a style the reports do not use
                return b""
            self.asset_server.files[path] = (
                response.content,
                response.headers["Content-Type"],
            )
        return self.asset_server.files[path][0]

    def _run_queue(self):
        """Run the rendering cron as the scheduler does (in its own transaction, batch after
        batch until the queue is empty)."""
        self.env.ref(
            "client_hub.ir_cron_client_hub_invoice_pdf"
        ).method_direct_trigger()
        self.env.invalidate_all()

    def _jobs(self, moves):
        return self.env["client_hub.invoice.pdf.job"].search(
            [("move_id", "in", moves.ids)]
        )


@tagged("post_install", "-at_install")
class TestInvoicePdfContent(PdfRenderingMixin, HttpCase):
    """The invoice, quotation and statement PDFs, downloaded by a Japanese client through the
    portal, say who issued them, carry page numbers and a searchable text layer, and print
    Japanese text."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.write(
            {
                "name": "Hub Issuer Ltd",
                "street": "42 Issuer Avenue",
                "city": "Springfield",
                "zip": "4242",
            }
        )
        cls.sakura = cls.env["res.partner"].create(
            {
                "name": "株式会社さくら商事",
                "is_company": True,
                "vat": "T7000012050002",
                "country_id": cls.env.ref("base.jp").id,
                "state_id": cls.env.ref("base.state_jp_jp-13").id,
                "zip": "100-0005",
                "city": "千代田区",
                "street": "丸の内1-1-1",
            }
        )
        cls.hanako = new_test_user(
            cls.env, login="ch_hanako", groups="base.group_portal", name="Hanako Sato"
        )
        cls.hanako.partner_id.parent_id = cls.sakura
        cls.invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.sakura.id,
                "invoice_date": fields.Date.today(),
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Consulting", "quantity": 1, "price_unit": 1000.0}
                    )
                ],
            }
        )
        cls.invoice.action_post()
        product = cls.env["product.product"].create(
            {"name": "Consulting", "type": "service", "list_price": 500.0}
        )
        cls.quotation = cls.env["sale.order"].create(
            {
                "partner_id": cls.sakura.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": 2})
                ],
            }
        )

    def assertPdfShowsIssuerAndClient(self, content):
        text = pdf_text(content)
        for expected, where in (
            ("HubIssuerLtd", "issuing company's name (header)"),
            ("42IssuerAvenue", "issuing company's address (header)"),
            ("Springfield", "issuing company's city (header)"),
            ("Page1/1", "page number (footer)"),
            ("T7000012050002", "client's tax ID"),
            ("株式会社さくら商事", "client's Japanese name"),
            ("東京都", "client's prefecture"),
            ("千代田区", "client's city"),
        ):
            self.assertIn(expected, text, f"the PDF lacks the {where}")

    def test_portal_invoice_pdf_is_the_stored_one_and_complete(self):
        self._run_queue()
        stored = self.invoice.invoice_pdf_report_id
        self.assertTrue(stored, "the queue stored the invoice's PDF")
        self.authenticate("ch_hanako", "ch_hanako")
        response = self.url_open(
            f"/my/invoices/{self.invoice.id}?report_type=pdf&download=true"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertEqual(
            response.content,
            stored.raw,
            "the client downloads the stored PDF, not a pro forma",
        )
        self.assertPdfShowsIssuerAndClient(response.content)

    def test_portal_quotation_pdf(self):
        self.authenticate("ch_hanako", "ch_hanako")
        response = self.url_open(
            f"/my/orders/{self.quotation.id}?report_type=pdf&access_token={self.quotation._portal_ensure_token()}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertPdfShowsIssuerAndClient(response.content)
        self.assertIn(self.quotation.name, pdf_text(response.content))

    def test_portal_statement_pdf(self):
        self.authenticate("ch_hanako", "ch_hanako")
        response = self.url_open("/my/statement/pdf")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertPdfShowsIssuerAndClient(response.content)
        self.assertIn(self.invoice.name, pdf_text(response.content))


@tagged("post_install", "-at_install")
class TestInvoicePdfQueue(PdfRenderingMixin, HttpCase):
    """Posting queues the customer documents; the cron renders and stores their PDFs in
    batches, one wkhtmltopdf run per batch, as the PDF Odoo's Send attaches."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = cls.env["res.partner"].create(
            {"name": "Queue Client", "is_company": True}
        )

    def _make_invoices(self, count, post=True, move_type="out_invoice"):
        moves = self.env["account.move"].create(
            [
                {
                    "move_type": move_type,
                    "partner_id": self.client.id,
                    "invoice_date": fields.Date.today(),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": f"Line {i}",
                                "quantity": 1,
                                "price_unit": 100.0 + i,
                            }
                        )
                    ],
                }
                for i in range(count)
            ]
        )
        if post:
            moves.action_post()
        return moves

    def test_posting_queues_and_the_cron_stores_pdfs_in_batches(self):
        self.env["ir.config_parameter"].set_param(
            "client_hub.invoice_pdf_batch_size", 8
        )
        cron = self.env.ref("client_hub.ir_cron_client_hub_invoice_pdf")
        triggers_before = self.env["ir.cron.trigger"].search_count(
            [("cron_id", "=", cron.id)]
        )
        invoices = self._make_invoices(19) | self._make_invoices(
            1, move_type="out_refund"
        )
        self.assertEqual(
            len(self._jobs(invoices)), 20, "each posted document is queued"
        )
        self.assertGreater(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
            triggers_before,
            "posting wakes the cron up",
        )
        self.assertFalse(
            invoices.invoice_pdf_report_id, "posting renders nothing itself"
        )
        self.assertEqual(self.wkhtmltopdf_runs, [])

        self._run_queue()
        self.assertEqual(
            self.wkhtmltopdf_runs, [8, 8, 4], "one wkhtmltopdf run per batch of 8"
        )
        self.assertFalse(self._jobs(invoices))
        for invoice in invoices:
            attachment = invoice.invoice_pdf_report_id
            self.assertTrue(attachment, invoice.name)
            self.assertEqual(attachment.res_field, "invoice_pdf_report_file")
            self.assertEqual(attachment.mimetype, "application/pdf")
            self.assertEqual(attachment.name, invoice._get_invoice_report_filename())
            self.assertEqual(invoice.message_main_attachment_id, attachment)
            self.assertIn(
                invoice.name,
                pdf_text(attachment.raw),
                "each document got its own pages",
            )
            self.assertFalse(
                invoice.is_move_sent,
                "a PDF rendered ahead does not make the invoice sent",
            )
            self.assertTrue(invoice.highlight_send_button)

    def test_send_reuses_the_stored_pdf(self):
        invoice = self._make_invoices(1)
        self._run_queue()
        stored = invoice.invoice_pdf_report_id
        self.assertEqual(self.wkhtmltopdf_runs, [1])
        self.env["account.move.send"]._generate_and_send_invoices(
            invoice, sending_methods={"manual"}
        )
        self.assertEqual(self.wkhtmltopdf_runs, [1], "Send rendered nothing again")
        self.assertEqual(invoice.invoice_pdf_report_id, stored)
        self.assertTrue(
            invoice.is_move_sent,
            "sent once Send used the stored PDF, as stock marks it",
        )
        self.assertFalse(invoice.highlight_send_button)

    def test_reset_to_draft_drops_the_stored_pdf_and_the_job(self):
        rendered, queued = self._make_invoices(2)
        self._jobs(queued).unlink()
        self._run_queue()
        stored = rendered.invoice_pdf_report_id
        self.assertTrue(stored)
        self.env["client_hub.invoice.pdf.job"]._enqueue(queued)
        (rendered | queued).button_draft()
        self.assertFalse(
            rendered.invoice_pdf_report_id, "detached as stock does on reset to draft"
        )
        self.assertFalse(stored.res_field)
        self.assertIn("detached by", stored.name)
        self.assertFalse(
            self._jobs(rendered | queued), "the queued rendering is dropped"
        )
        # posted again: queued again, rendered anew
        rendered.action_post()
        self.assertEqual(len(self._jobs(rendered)), 1)
        self._run_queue()
        self.assertTrue(rendered.invoice_pdf_report_id)
        self.assertNotEqual(rendered.invoice_pdf_report_id, stored)

    def test_draft_cancelled_and_vendor_documents_are_not_rendered(self):
        draft = self._make_invoices(1, post=False)
        cancelled = self._make_invoices(1, post=False)
        cancelled.button_cancel()
        bill = self.env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": self.client.id,
                "invoice_date": fields.Date.today(),
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Supplies", "quantity": 1, "price_unit": 10.0}
                    )
                ],
            }
        )
        bill.action_post()
        self.assertFalse(
            self._jobs(draft | cancelled | bill),
            "only posted customer documents are queued",
        )
        # queued while posted, cancelled before the cron ran: dropped without rendering
        posted = self._make_invoices(1)
        self.env.cr.execute(
            "UPDATE account_move SET state = 'cancel' WHERE id = %s", posted.ids
        )
        self.env.invalidate_all()
        self._run_queue()
        self.assertEqual(self.wkhtmltopdf_runs, [])
        self.assertFalse(self._jobs(posted))
        self.assertFalse(posted.invoice_pdf_report_id)

    @mute_logger(JOB_LOGGER)
    def test_failures_are_retried_a_few_times_without_holding_the_batch(self):
        invoices = self._make_invoices(3)
        faulty = invoices[1]
        ReportClass = self.registry["ir.actions.report"]
        run_wkhtmltopdf = ReportClass._run_wkhtmltopdf

        def fail_on_faulty(report, bodies, *args, **kwargs):
            if any(faulty.name in body for body in bodies):
                # the message wkhtmltopdf's failure gives in stock Odoo, not shown to anyone
                raise UserError("Wkhtmltopdf failed (error code: -11).")  # pylint: disable=translation-required
            return run_wkhtmltopdf(report, bodies, *args, **kwargs)

        with patch.object(ReportClass, "_run_wkhtmltopdf", fail_on_faulty):
            self._run_queue()
            self.assertTrue(
                (invoices - faulty).invoice_pdf_report_id, "the others are stored"
            )
            self.assertEqual(len((invoices - faulty).invoice_pdf_report_id), 2)
            job = self._jobs(invoices)
            self.assertEqual(job.move_id, faulty)
            self.assertEqual(job.attempt_count, 1)
            self.assertIn("error code: -11", job.last_error)
            self.assertGreater(
                job.retry_after, fields.Datetime.now(), "retried later, not at once"
            )
            self._run_queue()
            self.assertEqual(job.attempt_count, 1, "not before its time")
            for attempt in (2, 3):
                job.retry_after = fields.Datetime.now() - timedelta(seconds=1)
                self._run_queue()
                self.assertEqual(job.attempt_count, attempt)
            job.retry_after = fields.Datetime.now() - timedelta(seconds=1)
            self._run_queue()
            self.assertEqual(job.attempt_count, 3, "given up after three attempts")
        self.assertFalse(faulty.invoice_pdf_report_id)
        self.assertEqual(
            faulty.state, "posted", "posting is never undone by a rendering"
        )


@tagged("post_install", "-at_install")
class TestInvoicePdfZip(
    PdfRenderingMixin, StatementFixtures, StatementHttpMixin, HttpCase
):
    """The statement ZIP reads the stored PDFs and renders the missing ones in one run, up
    to a cap."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_statement_documents()

    def test_zip_renders_never_rendered_documents_in_one_run(self):
        moves = self.inv_overdue | self.inv_current | self.inv_old | self.refund
        self.assertFalse(moves.invoice_pdf_report_id)
        content = moves._client_hub_zip_pdfs()
        self.assertEqual(
            self.wkhtmltopdf_runs, [4], "the four PDFs in one wkhtmltopdf run"
        )
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for move in moves:
                self.assertIn(
                    move.name, pdf_text(archive.read(move._client_hub_zip_entry_name()))
                )
        self.assertFalse(
            moves.invoice_pdf_report_id, "a download stores nothing: the queue does"
        )
        self.assertEqual(len(self._jobs(moves)), 4)

        # once the queue has run, the ZIP reads the stored PDFs only
        self._run_queue()
        runs = len(self.wkhtmltopdf_runs)
        content = moves._client_hub_zip_pdfs()
        self.assertEqual(len(self.wkhtmltopdf_runs), runs)
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for move in moves:
                self.assertEqual(
                    archive.read(move._client_hub_zip_entry_name()),
                    move.invoice_pdf_report_id.raw,
                )

    def test_zip_past_the_render_cap_is_refused_and_queued(self):
        self.env["ir.config_parameter"].set_param(
            "client_hub.statement_zip_render_max", 2
        )
        moves = self.inv_overdue | self.inv_current | self.refund
        self._jobs(self.refund).unlink()  # e.g. posted before the queue existed
        self.authenticate("ch_alice", "ch_alice")
        response = self._post("/my/statement/download", moves.ids)
        self.assertEqual(response.status_code, 303)
        page = self.url_open(response.headers["Location"]).text
        self.assertIn("The PDFs of 3 of the selected documents are not ready yet", page)
        self.assertIn("at most 2", page)
        self.assertEqual(self.wkhtmltopdf_runs, [], "nothing rendered past the cap")
        self.assertEqual(
            len(self._jobs(moves)), 3, "all queued, to be ready a few minutes later"
        )
        # within the cap: downloaded, rendered in one run
        response = self._post(
            "/my/statement/download", (self.inv_overdue | self.inv_current).ids
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.wkhtmltopdf_runs, [2])


@tagged("post_install", "-at_install")
class TestInvoicePdfConcurrentRunners(PdfRenderingMixin, HttpCase):
    """Two runners of the queue (cron workers of two servers) in two transactions at once:
    a job one of them claimed is skipped by the other, so no document is rendered twice.
    The documents are committed by their own connection (and removed at the end), as a
    concurrent transaction sees committed rows only."""

    def _committed_invoices(self, count):
        with db_connect(self.env.cr.dbname).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            income = env["account.account"].search(
                [
                    ("account_type", "=", "income"),
                    ("company_ids", "in", env.company.id),
                ],
                limit=1,
            )
            journal = env["account.journal"].create(
                {
                    "name": "Queue runners",
                    "code": "CHQR",
                    "type": "sale",
                    "default_account_id": income.id,
                }
            )
            partner = env["res.partner"].create({"name": "Runner Client"})
            moves = env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "journal_id": journal.id,
                        "invoice_date": fields.Date.today(),
                        "invoice_line_ids": [
                            Command.create(
                                {"name": "Line", "quantity": 1, "price_unit": 10.0 + i}
                            )
                        ],
                    }
                    for i in range(count)
                ]
            )
            moves.action_post()
            ids = (moves.ids, journal.id, partner.id)
        self.addCleanup(self._remove_committed, *ids)
        return ids[0]

    def _remove_committed(self, move_ids, journal_id, partner_id):
        with db_connect(self.env.cr.dbname).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            moves = env["account.move"].browse(move_ids)
            moves.button_draft()
            # the PDFs stored were archived: nobody deletes those rows but by SQL, and
            # their files stay protected while they exist
            cr.execute(
                "DELETE FROM client_hub_issued_document"
                " WHERE res_model = 'account.move' AND res_id IN %s",
                [tuple(move_ids)],
            )
            env["ir.attachment"].search(
                [("res_model", "=", "account.move"), ("res_id", "in", move_ids)]
            ).unlink()
            moves.with_context(force_delete=True).unlink()
            env["account.journal"].browse(journal_id).unlink()
            env["res.partner"].browse(partner_id).unlink()

    def test_two_runners_never_render_the_same_invoice(self):
        move_ids = self._committed_invoices(3)
        rendered = []
        Move = self.registry["account.move"]
        store_pdfs = Move._client_hub_store_pdfs

        def record_rendering(moves):
            rendered.extend(moves.ids)
            return store_pdfs(moves)

        dbname = self.env.cr.dbname
        with (
            patch.object(Move, "_client_hub_store_pdfs", record_rendering),
            db_connect(dbname).cursor() as cr_a,
            db_connect(dbname).cursor() as cr_b,
        ):
            runner_a = api.Environment(cr_a, SUPERUSER_ID, {})[
                "client_hub.invoice.pdf.job"
            ]
            runner_b = api.Environment(cr_b, SUPERUSER_ID, {})[
                "client_hub.invoice.pdf.job"
            ]
            claimed_a = runner_a._claim(2)
            self.assertEqual(claimed_a.move_id.ids, move_ids[:2])
            # B runs the cron method meanwhile: it takes the third only, renders and commits it
            runner_b._cron_render_pending()
            self.assertNotIn(move_ids[0], rendered)
            self.assertNotIn(move_ids[1], rendered)
            self.assertIn(move_ids[2], rendered)
            self.assertFalse(
                runner_b._claim(10).move_id & claimed_a.move_id, "still held by A"
            )
            claimed_a._process()
            cr_a.commit()
        for move_id in move_ids:
            self.assertEqual(
                rendered.count(move_id), 1, "each invoice rendered exactly once"
            )
        with db_connect(dbname).cursor() as cr:
            cr.execute(
                "SELECT COUNT(*) FROM ir_attachment WHERE res_model = 'account.move' AND res_id IN %s"
                " AND res_field = 'invoice_pdf_report_file'",
                [tuple(move_ids)],
            )
            self.assertEqual(cr.fetchone()[0], 3)
            cr.execute(
                "SELECT COUNT(*) FROM client_hub_invoice_pdf_job WHERE move_id IN %s",
                [tuple(move_ids)],
            )
            self.assertEqual(cr.fetchone()[0], 0)

import base64
import io
import re
import zipfile
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import urlsplit

from odoo.exceptions import UserError, ValidationError
from odoo.sql_db import Cursor
from odoo.tests import tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import SQL

from odoo.addons.account_payment.controllers.payment import PaymentPortal
from odoo.addons.base.models.ir_actions_report import _wkhtml
from odoo.addons.client_hub.controllers.statement import ClientHubStatementPortal

from .common import (
    StatementCommon,
    StatementHttpCommon,
    StripeMockMixin,
    stripe_event,
    stripe_intent_id,
)

FAKE_STORED_PDF = b"%PDF-1.4 stored invoice pdf"
FAKE_STORED_PDF_B64 = base64.b64encode(FAKE_STORED_PDF)


@tagged("post_install", "-at_install")
class TestStatementModel(StatementCommon):
    def test_totals_per_currency(self):
        totals = {
            t["currency"]: t for t in self.client_a._get_client_statement_totals()
        }
        self.assertEqual(set(totals), {self.usd, self.eur})
        # 100 + 200 + 50 - 30 (credit note); the paid and the draft invoices do not count.
        self.assertAlmostEqual(totals[self.usd]["due"], 320.0)
        self.assertAlmostEqual(totals[self.usd]["overdue"], 150.0)
        self.assertAlmostEqual(totals[self.eur]["due"], 80.0)
        self.assertAlmostEqual(totals[self.eur]["overdue"], 0.0)

    def test_moves_open_first_and_paged(self):
        all_moves = self.client_a._get_client_statement_moves()
        self.assertEqual(
            all_moves.ids,
            [
                self.inv_old.id,
                self.inv_overdue.id,
                self.refund.id,
                self.inv_current.id,
                self.inv_eur.id,
                self.inv_paid.id,
            ],
        )
        self.assertNotIn(self.inv_bravo, all_moves)
        self.assertNotIn(self.inv_draft, all_moves)
        # A page that straddles the open and the settled documents.
        self.assertEqual(
            self.client_a._get_client_statement_moves(offset=4, limit=2).ids,
            [self.inv_eur.id, self.inv_paid.id],
        )
        self.assertEqual(
            self.client_a._get_client_statement_moves(offset=5, limit=2).ids,
            [self.inv_paid.id],
        )
        # Any contact of the company sees the company's statement.
        self.assertEqual(
            self.portal_a.partner_id._get_client_statement_moves(), all_moves
        )

    def test_statement_reads_its_indexes_only(self):
        """Every query of the statement page on a client's documents (the pager's count,
        the open and settled pages, the totals) can be answered from one of the
        statement's indexes alone (an index-only scan): a client with 50,000 documents
        does not read their rows, scattered over the table (bench/bench_scale.py).

        Each query is planned with no other index on account_move than one of the
        statement's (dropped in savepoints), so that the planner's choice between
        indexes of these tiny test tables does not matter."""
        cr = self.env.cr
        cr.execute(
            """SELECT i.relname, i.relname LIKE 'account_move_client_hub_statement%'
                 FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                WHERE x.indrelid = 'account_move'::regclass
                  AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = x.indexrelid)"""
        )
        indexes = dict(cr.fetchall())
        statement_indexes = [name for name, ours in indexes.items() if ours]
        self.assertEqual(len(statement_indexes), 2)
        # as the route runs them: the count with the portal user's rights, the page and
        # the totals on its partner (`env.user.partner_id`)
        portal_env = self.env(user=self.portal_a)
        partner = portal_env.user.partner_id
        self.env.flush_all()
        queries = []
        execute = Cursor.execute

        def spy(cursor, query, params=None, log_exceptions=True):
            queries.append(cursor.mogrify(query, params).decode())
            return execute(cursor, query, params, log_exceptions)

        with patch.object(Cursor, "execute", spy):
            portal_env["account.move"].search_count(
                partner._get_client_statement_domain()
            )
            partner._get_client_statement_moves(offset=0, limit=2)
            partner._get_client_statement_moves(offset=4, limit=2)  # settled ones too
            partner._get_client_statement_totals()
        statement_queries = [
            query
            for query in queries
            if 'FROM "account_move"' in query and "commercial_partner_id" in query
        ]
        self.assertGreaterEqual(len(statement_queries), 6)

        def scans_with_only(index, query):
            """The scans of account_move in the plan of ``query`` when ``index`` is the
            only index of the table besides those of its constraints."""
            cr.execute("SAVEPOINT statement_plan")
            for name in indexes:
                if name != index:
                    cr.execute(SQL("DROP INDEX %s", SQL.identifier(name)))
            cr.execute(
                "SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off"
            )
            cr.execute(SQL("EXPLAIN %s", SQL(query.replace("%", "%%"))))
            plan = [line for (line,) in cr.fetchall()]
            cr.execute("ROLLBACK TO SAVEPOINT statement_plan")
            return [
                line.strip()
                for line in plan
                if " on account_move " in line
                or line.rstrip().endswith(" on account_move")
            ]

        for query in statement_queries:
            with self.subTest(query=query):
                self.assertTrue(
                    any(
                        (scans := scans_with_only(index, query))
                        and all(
                            re.match(rf"(->\s+)?Index Only Scan using {index} ", scan)
                            for scan in scans
                        )
                        for index in statement_indexes
                    ),
                    "answered from no statement index alone",
                )

    def test_aging_buckets(self):
        values = self.env[
            "report.client_hub.report_client_statement"
        ]._get_report_values(self.client_a.ids)
        aging = values["statements"][self.client_a.id]
        buckets = {line["move"]: line["bucket"] for line in aging["lines"]}
        self.assertEqual(
            buckets,
            {
                self.inv_old: "90_plus",
                self.inv_overdue: "31_60",
                self.refund: "current",
                self.inv_current: "current",
                self.inv_eur: "current",
            },
        )
        usd = next(t for t in aging["totals"] if t["currency"] == self.usd)
        self.assertAlmostEqual(usd["90_plus"], 50.0)
        self.assertAlmostEqual(usd["31_60"], 100.0)
        self.assertAlmostEqual(usd["current"], 170.0)
        self.assertAlmostEqual(usd["total"], 320.0)
        for days, bucket in [
            (0, "current"),
            (1, "1_30"),
            (30, "1_30"),
            (31, "31_60"),
            (60, "31_60"),
            (61, "61_90"),
            (90, "61_90"),
            (91, "90_plus"),
        ]:
            with self.subTest(days=days):
                today = self.inv_current.invoice_date_due + timedelta(days=days)
                self.assertEqual(
                    self.inv_current._client_hub_aging_bucket(today), bucket
                )

    def test_report_values_per_client(self):
        """A contact prints its company's statement; labels come with the lines and totals."""
        Report = self.env["report.client_hub.report_client_statement"]
        values = Report._get_report_values(
            [self.portal_a.partner_id.id, self.client_b.id]
        )
        self.assertEqual(values["docs"], self.portal_a.partner_id | self.client_b)
        alpha = values["statements"][self.portal_a.partner_id.id]
        self.assertEqual(alpha["partner"], self.client_a)
        self.assertEqual(
            alpha["bucket_labels"],
            [
                ("current", "Current"),
                ("1_30", "1–30 days"),
                ("31_60", "31–60 days"),
                ("61_90", "61–90 days"),
                ("90_plus", "Over 90 days"),
            ],
        )
        self.assertEqual(
            {line["move"]: line["bucket_label"] for line in alpha["lines"]}[
                self.inv_old
            ],
            "Over 90 days",
        )
        beta = values["statements"][self.client_b.id]
        self.assertEqual([line["move"] for line in beta["lines"]], [self.inv_bravo])

    def test_bucket_labels_follow_the_bucket_definition(self):
        """The buckets are defined once (`account.move`): other bounds, other labels and totals."""
        buckets = (
            ("current", None, 0),
            ("1_60", 1, 60),
            ("61_120", 61, 120),
            ("120_plus", 121, None),
        )
        with patch.object(
            self.env.registry["account.move"], "_client_hub_aging_buckets", buckets
        ):
            statement = self.env[
                "report.client_hub.report_client_statement"
            ]._get_statement(self.client_a)
            html = (
                self.env["ir.actions.report"]
                ._render_qweb_html(
                    "client_hub.action_report_client_statement",
                    self.client_a.ids,
                )[0]
                .decode()
            )
        self.assertEqual(
            [label for _key, label in statement["bucket_labels"]],
            ["Current", "1–60 days", "61–120 days", "Over 120 days"],
        )
        usd = next(t for t in statement["totals"] if t["currency"] == self.usd)
        self.assertAlmostEqual(usd["1_60"], 100.0)
        self.assertAlmostEqual(usd["61_120"], 50.0)
        for label in ("1–60 days", "Over 120 days"):
            self.assertIn(label, html)
        self.assertNotIn("Over 90 days", html)

    def test_statement_payment_checks(self):
        """The business rules of a statement payment, on the documents."""
        moves = self.inv_overdue | self.inv_current
        prepare = moves._client_hub_prepare_statement_payment
        values = prepare(
            self.portal_a.partner_id,
            300.0,
            self.provider_stripe.id,
            "direct",
            self.pm_card.id,
        )
        self.assertEqual(values["amount"], 300.0)
        self.assertEqual(values["currency_id"], self.usd.id)
        self.assertEqual(
            (values["provider_id"], values["flow"]), (self.provider_stripe.id, "direct")
        )
        self.assertEqual(
            (values["payment_method_id"], values["token_id"]), (self.pm_card.id, None)
        )
        # several documents: one batch communication, as stock's overdue payment; one: its number
        self.assertNotIn(values["reference_prefix"], moves.mapped("name"))
        self.assertEqual(
            self.inv_overdue._client_hub_get_payment_reference(), self.inv_overdue.name
        )
        refused = {
            "amount": (
                (
                    self.portal_a.partner_id,
                    299.0,
                    self.provider_stripe.id,
                    "direct",
                    self.pm_card.id,
                ),
                "amount due has changed",
            ),
            "provider": (
                (self.portal_a.partner_id, 300.0, 99999999, "direct", self.pm_card.id),
                "payment method is not available",
            ),
            "flow": (
                (
                    self.portal_a.partner_id,
                    300.0,
                    self.provider_stripe.id,
                    "validation",
                    self.pm_card.id,
                ),
                "flow is not supported",
            ),
            "token": (
                (
                    self.portal_a.partner_id,
                    300.0,
                    self.provider_stripe.id,
                    "token",
                    None,
                    99999999,
                ),
                "saved payment method is not available",
            ),
        }
        for label, (args, message) in refused.items():
            with self.subTest(label), self.assertRaisesRegex(ValidationError, message):
                prepare(*args)

    def test_statement_selection_and_pay_all(self):
        Move = self.env["account.move"]
        ids = [self.inv_current.id, self.inv_overdue.id]
        self.assertEqual(
            Move._client_hub_get_statement_selection(self.portal_a.partner_id, ids).ids,
            ids,
        )
        with self.assertRaisesRegex(UserError, "not available"):
            Move._client_hub_get_statement_selection(
                self.portal_a.partner_id, [*ids, self.inv_bravo.id]
            )
        self.assertEqual(
            Move._client_hub_get_statement_open_moves(
                self.portal_a.partner_id, self.usd.id
            ),
            (self.inv_old | self.inv_overdue | self.refund | self.inv_current).sorted(
                lambda m: (m.invoice_date_due, m.id)
            ),
        )

    def test_check_payable(self):
        amount, currency, _company = (
            self.inv_overdue | self.inv_current | self.refund
        )._client_hub_check_payable()
        self.assertAlmostEqual(amount, 270.0)
        self.assertEqual(currency, self.usd)
        with self.assertRaisesRegex(UserError, "different currencies"):
            (self.inv_overdue | self.inv_eur)._client_hub_check_payable()
        with self.assertRaisesRegex(UserError, "no balance left"):
            (self.inv_overdue | self.inv_paid)._client_hub_check_payable()
        with self.assertRaisesRegex(UserError, "nothing to pay"):
            self.refund._client_hub_check_payable()

    def test_statement_report_content(self):
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "client_hub.action_report_client_statement",
                self.portal_a.partner_id.ids,
            )[0]
            .decode()
        )
        for expected in (
            "Alpha Corp",
            "1 Alpha Street",
            "BE0477472701",
            self.inv_old.name,
            self.inv_eur.name,
            "Over 90 days",
            "31–60 days",
            "EUR",
            "USD",
        ):
            self.assertIn(expected, html)
        self.assertNotIn(self.inv_paid.name, html)
        self.assertNotIn(self.inv_bravo.name, html)

    def test_send_statement_with_magic_link(self):
        action = self.client_a.action_client_send_statement()
        composer = (
            self.env["mail.compose.message"]
            .with_context(**action["context"])
            .create({})
        )
        composer.action_send_mail()
        message = self.client_a.message_ids[0]
        # the chatter keeps a stand-in: the live link is made in the client's copy only
        self.assertIn("/client/login?client_hub_link=", message.body)
        self.assertNotIn("/client/magic/", message.body)
        self.assertEqual(len(message.attachment_ids), 1)
        self.assertTrue(message.attachment_ids.name.startswith("Statement"))
        self.assertIn("billing@alpha.example.com", message.partner_ids.mapped("email"))

    def test_print_statement_action(self):
        action = self.client_a.action_client_print_statement()
        # Without a configured document layout, stock first opens the layout wizard.
        report_action = action.get("context", {}).get("report_action", action)
        self.assertEqual(
            report_action["report_name"], "client_hub.report_client_statement"
        )
        self.assertEqual(report_action["context"]["active_ids"], self.client_a.ids)

    def test_zip_reuses_stored_pdfs_and_renders_missing_in_one_call(self):
        self.inv_overdue.invoice_pdf_report_file = FAKE_STORED_PDF_B64
        moves = self.inv_overdue | self.inv_current | self.inv_old | self.refund
        ReportClass = self.env.registry["ir.actions.report"]
        original = ReportClass._pre_render_qweb_pdf
        with patch.object(
            ReportClass, "_pre_render_qweb_pdf", autospec=True, side_effect=original
        ) as render:
            content = moves._client_hub_zip_pdfs()
        missing = moves - self.inv_overdue
        if _wkhtml().is_patched_qt:
            self.assertEqual(render.call_count, 1)
            self.assertEqual(sorted(render.call_args.args[2]), sorted(missing.ids))
        else:  # stock cannot print several documents in one run with this wkhtmltopdf
            self.assertEqual(render.call_count, len(missing))
            self.assertEqual(
                sorted(c.args[2][0] for c in render.call_args_list), sorted(missing.ids)
            )
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
            self.assertEqual(names, [m._client_hub_zip_entry_name() for m in moves])
            self.assertEqual(
                archive.read(self.inv_overdue._client_hub_zip_entry_name()),
                FAKE_STORED_PDF,
            )
            for name in names:
                self.assertTrue(archive.read(name).startswith(b"%PDF"), name)
        self.assertEqual(
            self.inv_overdue._client_hub_zip_entry_name(),
            self.inv_overdue.name.replace("/", "_") + ".pdf",
        )


class StatementPortalCase(StatementHttpCommon, StripeMockMixin):
    """The statement fixtures, browsed as Alice (client Alpha), paying with a mocked Stripe."""

    def setUp(self):
        super().setUp()
        self._start_stripe_mock()


@tagged("post_install", "-at_install")
class TestStatementPortal(StatementPortalCase):
    def test_home_tile_and_counter(self):
        response = self.url_open("/my")
        self.assertEqual(response.status_code, 200)
        self.assertIn("/my/statement", response.text)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["client_statement_count"]}
        )
        self.assertEqual(
            counters["client_statement_count"], 1
        )  # counted with limit=1, as stock

    def test_statement_page(self):
        response = self.url_open("/my/statement")
        self.assertEqual(response.status_code, 200)
        page = response.text
        for move in (
            self.inv_old,
            self.inv_overdue,
            self.inv_current,
            self.refund,
            self.inv_eur,
            self.inv_paid,
        ):
            self.assertIn(move.name, page)
        self.assertNotIn(self.inv_bravo.name, page)
        self.assertLess(page.index(self.inv_old.name), page.index(self.inv_paid.name))
        self.assertIn("o_client_statement_pay_selected", page)
        self.assertIn("o_client_statement_download", page)
        self.assertIn("Pay all due (USD)", page)
        self.assertIn("320.00", page)  # total due in USD
        self.assertIn("150.00", page)  # overdue in USD
        # the credit note's amount and balance are shown negative: it reduces what is owed
        refund_row = page[page.index(self.refund.name) :]
        refund_row = refund_row[: refund_row.index("</tr>")]
        self.assertEqual(len(re.findall(r"-\W?30\.00", refund_row)), 2, refund_row)

    def test_statement_pagination(self):
        with patch.object(ClientHubStatementPortal, "_items_per_page", 2):
            first = self.url_open("/my/statement").text
            second = self.url_open("/my/statement/page/2").text
        self.assertIn(self.inv_old.name, first)
        self.assertNotIn(self.refund.name, first)
        self.assertIn(self.refund.name, second)
        self.assertIn("/my/statement/page/3", second)

    def test_public_user_is_sent_to_login(self):
        self._login(None)
        response = self.url_open("/my/statement", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])

    def test_pay_selected_with_stripe(self):
        invoices = self.inv_overdue | self.inv_current
        response = self._post("/my/statement/pay", invoices.ids, allow_redirects=True)
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_payment_form", response.text)
        route = f"/my/statement/transaction/{self.inv_overdue.id}-{self.inv_current.id}"
        self.assertIn(route, response.text)
        self.assertIn('data-amount="300.0"', response.text)

        tx = self._start_stripe_payment(invoices, 300.0)
        self.assertEqual(tx.invoice_ids, invoices)
        self.assertEqual(tx.amount, 300.0)
        self.assertEqual(tx.landing_route, "/my/statement")
        # The client pays on Stripe and comes back to the return URL.
        intent_id = stripe_intent_id(tx.reference)
        self._stripe_pay(intent_id)
        response = self._stripe_return(tx, intent_id)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/payment/status"))
        # Paid straight away: no status page poll, no cron.
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.provider_reference, intent_id)
        self.assertTrue(tx.is_post_processed)
        self.assertEqual(invoices.mapped("payment_state"), ["paid", "paid"])
        self.assertEqual(tx.payment_id.amount, 300.0)

    def test_pay_all_due_includes_credit_notes(self):
        response = self._post(
            "/my/statement/pay", [], allow_redirects=True, pay_all=self.usd.id
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn('data-amount="320.0"', response.text)
        open_usd = self.inv_old | self.inv_overdue | self.refund | self.inv_current
        route = "/my/statement/transaction/" + "-".join(
            str(i) for i in open_usd.sorted(lambda m: (m.invoice_date_due, m.id)).ids
        )
        self.assertIn(route, response.text)
        tx = self._start_stripe_payment(
            open_usd.sorted(lambda m: (m.invoice_date_due, m.id)), 320.0
        )
        # Stripe tells the server through the signed webhook: paid at once.
        self.assertEqual(self._send_webhook(stripe_event(tx)).status_code, 200)
        self.assertEqual(tx.state, "done")
        self.assertEqual(set(open_usd.mapped("payment_state")), {"paid"})
        self.assertEqual(self.inv_eur.payment_state, "not_paid")

    def test_pay_mixed_currencies_refused_with_message(self):
        response = self._post(
            "/my/statement/pay", (self.inv_overdue | self.inv_eur).ids
        )
        self.assertEqual(response.status_code, 303)
        self.assertIn("selected=", response.headers["Location"])
        page = self.url_open(response.headers["Location"]).text
        self.assertIn("different currencies", page)
        self.assertIn(f'value="{self.inv_eur.id}" checked', page)
        self.assertFalse(self._transactions_of(self.inv_overdue | self.inv_eur))

    def test_transaction_goes_through_process_transaction(self):
        """The transaction is made by `account_payment`'s hook, with server-side values."""
        invoices = self.inv_overdue | self.inv_current
        original = PaymentPortal._process_transaction
        with patch.object(
            PaymentPortal, "_process_transaction", autospec=True, side_effect=original
        ) as hook:
            tx = self._start_stripe_payment(invoices, 300.0)
        self.assertEqual(hook.call_count, 1)
        _controller, partner_id, currency_id, invoice_ids, reference = (
            hook.call_args.args
        )
        self.assertEqual(
            (partner_id, currency_id, invoice_ids),
            (self.portal_a.partner_id.id, self.usd.id, invoices.ids),
        )
        self.assertTrue(tx.reference.startswith(reference))
        self.assertEqual(hook.call_args.kwargs["amount"], 300.0)
        self.assertEqual(hook.call_args.kwargs["landing_route"], "/my/statement")

    def test_transaction_amount_must_match(self):
        route = f"/my/statement/transaction/{self.inv_overdue.id}"
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request(
                route, self._transaction_params(self.provider_stripe, self.pm_card, 1.0)
            )
        self.assertFalse(self._transactions_of(self.inv_overdue))
        self.assertNotIn(("POST", "payment_intents"), self.api_calls)

    def test_failed_and_cancelled_payments_leave_invoices_untouched(self):
        invoices = self.inv_overdue | self.inv_current
        before = [(m.payment_state, m.amount_residual) for m in invoices]
        for status, state in (
            ("requires_payment_method", "error"),
            ("canceled", "cancel"),
        ):
            with self.subTest(status=status):
                tx = self._start_stripe_payment(invoices, 300.0)
                intent_id = stripe_intent_id(tx.reference)
                self._stripe_pay(intent_id, status=status)
                self.assertEqual(self._stripe_return(tx, intent_id).status_code, 303)
                self.assertEqual(tx.state, state)
                self.assertEqual(
                    [(m.payment_state, m.amount_residual) for m in invoices], before
                )
                self.assertFalse(self._transactions_of(invoices).payment_id)

    def test_download_selected_zip(self):
        self.inv_overdue.sudo().invoice_pdf_report_file = FAKE_STORED_PDF_B64
        moves = self.inv_overdue | self.inv_current | self.refund
        response = self._post("/my/statement/download", moves.ids)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/zip")
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            self.assertEqual(
                archive.namelist(), [m._client_hub_zip_entry_name() for m in moves]
            )
            self.assertEqual(
                archive.read(self.inv_overdue._client_hub_zip_entry_name()),
                FAKE_STORED_PDF,
            )
            for name in archive.namelist():
                self.assertTrue(archive.read(name).startswith(b"%PDF"), name)

    def test_download_cap(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "client_hub.statement_zip_max", "2"
        )
        moves = self.inv_overdue | self.inv_current | self.refund
        response = self._post("/my/statement/download", moves.ids)
        self.assertEqual(response.status_code, 303)
        location = response.headers["Location"]
        self.assertIn(
            "selected=" + "%2C".join(str(i) for i in moves.ids),
            location.replace(",", "%2C"),
        )
        page = self.url_open(location).text
        self.assertIn("at most 2", page)
        for move in moves:
            self.assertIn(f'value="{move.id}" checked', page)

    def test_statement_pdf(self):
        response = self.url_open("/my/statement/pdf")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertIn("attachment;", response.headers["Content-Disposition"])
        self.assertIn(
            "Statement_Alpha_Corp.pdf", response.headers["Content-Disposition"]
        )
        # Tests render reports as HTML (no wkhtmltopdf run): check what is in it.
        self.assertIn(self.inv_old.name, response.text)
        self.assertNotIn(self.inv_bravo.name, response.text)


@tagged("post_install", "-at_install")
class TestStatementIsolation(StatementPortalCase):
    """Alice (Alpha) against Bob's (Bravo) documents, forged and malformed ids, on every route.
    Each route runs Alice's own selection (the control) beside the refused ones, and a refusal
    must be the route's own answer (back to the statement with its message), not any error."""

    NOT_AVAILABLE = "Some of the selected documents are not available."
    INVALID = "The selection is invalid."

    def setUp(self):
        super().setUp()
        self.own = self.inv_overdue | self.inv_current
        # label: (ids, None when accepted, else the message the statement then shows)
        self.selections = {
            "own": (self.own.ids, None),
            "other client": ([self.inv_bravo.id], self.NOT_AVAILABLE),
            "own + other client": (
                [self.inv_overdue.id, self.inv_bravo.id],
                self.NOT_AVAILABLE,
            ),
            "draft of own": ([self.inv_draft.id], self.NOT_AVAILABLE),
            "forged": ([99999999], self.NOT_AVAILABLE),
            "letters": (["abc"], self.INVALID),
            "injection": (["1;2"], self.INVALID),
            "negative": (["-1"], self.INVALID),
            "huge": (["99999999999999999999"], self.INVALID),
            "zero": (["0"], self.INVALID),
        }

    def assertRefused(self, response, message):
        """Back to the statement, which shows `message` and nothing of Bravo's."""
        self.assertEqual(response.status_code, 303)
        self.assertEqual(urlsplit(response.headers["Location"]).path, "/my/statement")
        page = self.url_open(response.headers["Location"]).text
        self.assertIn(message, page)
        self.assertNotIn(self.inv_bravo.name, page)

    def test_statement_page_per_client(self):
        alpha = self.inv_overdue | self.inv_old | self.inv_eur
        for user, own, other in (
            (self.portal_a, alpha, self.inv_bravo),
            (self.portal_b, self.inv_bravo, alpha),
        ):
            with self.subTest(user=user.name):
                self._login(user)
                response = self.url_open("/my/statement")
                self.assertEqual(response.status_code, 200)
                for move in own:
                    self.assertIn(move.name, response.text)
                for move in other:
                    self.assertNotIn(move.name, response.text)

    def test_statement_page_malformed_selected(self):
        for selected in (
            str(self.inv_overdue.id),
            "abc",
            "1;2",
            "-1",
            "99999999999999999999",
            f"{self.inv_bravo.id}",
        ):
            with self.subTest(selected=selected):
                response = self.url_open(f"/my/statement?selected={selected}")
                self.assertEqual(response.status_code, 200)
                self.assertNotIn(self.inv_bravo.name, response.text)
                # only an own document is ticked (the control)
                self.assertEqual(
                    f'value="{self.inv_overdue.id}" checked' in response.text,
                    selected == str(self.inv_overdue.id),
                )
        self.assertEqual(self.url_open("/my/statement/page/abc").status_code, 404)
        for url in (
            "/my/statement?page=abc",
            "/my/statement/page/99999999",
            "/my/statement?page=-1",
        ):
            with self.subTest(url=url):
                self.assertEqual(self.url_open(url).status_code, 200)

    def test_pay_selections(self):
        for label, (ids, refusal) in self.selections.items():
            with self.subTest(label, allowed=refusal is None):
                response = self._post("/my/statement/pay", ids)
                if refusal:
                    self.assertRefused(response, refusal)
                else:
                    self.assertEqual(response.status_code, 200)
                    self.assertIn('data-amount="300.0"', response.text)
        self.assertFalse(self._transactions_of(self.inv_bravo | self.inv_overdue))

    def test_pay_all_currencies(self):
        for value in (
            str(self.usd.id),
            "abc",
            "1;2",
            "-1",
            "99999999999999999999",
            "99999999",
        ):
            with self.subTest(value, allowed=value == str(self.usd.id)):
                response = self._post("/my/statement/pay", [], pay_all=value)
                if value == str(self.usd.id):
                    self.assertEqual(response.status_code, 200)
                    self.assertIn('data-amount="320.0"', response.text)
                else:
                    self.assertEqual(response.status_code, 303)
                    self.assertEqual(
                        urlsplit(response.headers["Location"]).path, "/my/statement"
                    )
                    self.assertIn(
                        "o_client_statement_error",
                        self.url_open(response.headers["Location"]).text,
                    )

    def test_transaction_route_selections(self):
        selections = {
            "own": (f"{self.inv_overdue.id}-{self.inv_current.id}", None),
            "other client": (str(self.inv_bravo.id), self.NOT_AVAILABLE),
            "own + other client": (
                f"{self.inv_overdue.id}-{self.inv_bravo.id}",
                self.NOT_AVAILABLE,
            ),
            "forged": ("99999999", self.NOT_AVAILABLE),
            "letters": ("abc", self.INVALID),
            "injection": ("1;2", self.INVALID),
            "negative": ("-1", self.INVALID),
            "huge": ("99999999999999999999", self.INVALID),
            "empty part": (f"{self.inv_overdue.id}--", self.INVALID),
        }
        params = self._transaction_params(self.provider_stripe, self.pm_card, 300.0)
        for label, (selection, refusal) in selections.items():
            with self.subTest(label, allowed=refusal is None):
                answer = self._jsonrpc(f"/my/statement/transaction/{selection}", params)
                if refusal:
                    self.assertEqual(
                        self._rpc_error(answer), "odoo.exceptions.ValidationError"
                    )
                    self.assertIn(refusal, answer["error"]["data"]["message"])
                else:
                    tx = (
                        self.env["payment.transaction"]
                        .sudo()
                        .search([("reference", "=", answer["result"]["reference"])])
                    )
                    self.assertEqual(tx.invoice_ids, self.own)
                    self.assertEqual(tx.partner_id, self.portal_a.partner_id)
        self.assertFalse(self._transactions_of(self.inv_bravo))

    def test_transaction_route_refuses_forged_provider_and_validation(self):
        route = f"/my/statement/transaction/{self.inv_overdue.id}"
        params = self._transaction_params(self.provider_stripe, self.pm_card, 100.0)
        cases = {
            "as sent by the payment form": ({}, None),
            "forged provider": (
                {"provider_id": 99999999},
                "odoo.exceptions.ValidationError",
            ),
            "another partner": (
                {"partner_id": self.portal_b.partner_id.id},
                "werkzeug.exceptions.BadRequest",
            ),
            # accepted, but neither a validation nor a landing elsewhere
            "validation elsewhere": (
                {"is_validation": True, "landing_route": "https://evil.example.com"},
                None,
            ),
        }
        for label, (extra, error) in cases.items():
            with self.subTest(label, allowed=error is None):
                answer = self._jsonrpc(route, dict(params, **extra))
                self.assertEqual(self._rpc_error(answer), error)
                if not error:
                    tx = (
                        self.env["payment.transaction"]
                        .sudo()
                        .search([("reference", "=", answer["result"]["reference"])])
                    )
                    self.assertEqual(tx.operation, "online_direct")
                    self.assertEqual(tx.partner_id, self.portal_a.partner_id)
                    self.assertEqual(tx.landing_route.split("?")[0], "/my/statement")
        # the second accepted post is the same payment: it carries on with the first one
        self.assertEqual(len(self._transactions_of(self.inv_overdue)), 1)

    def test_download_selections(self):
        for label, (ids, refusal) in self.selections.items():
            with self.subTest(label, allowed=refusal is None):
                response = self._post("/my/statement/download", ids)
                if refusal:
                    self.assertRefused(response, refusal)
                else:
                    self.assertEqual(response.status_code, 200)
                    self.assertEqual(
                        response.headers["Content-Type"], "application/zip"
                    )
                    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
                        self.assertEqual(
                            archive.namelist(),
                            [m._client_hub_zip_entry_name() for m in self.own],
                        )

    def test_statement_pdf_is_own_only(self):
        for user, own, other in (
            (self.portal_a, self.inv_overdue, self.inv_bravo),
            (self.portal_b, self.inv_bravo, self.inv_overdue),
        ):
            with self.subTest(user=user.name):
                self._login(user)
                response = self.url_open("/my/statement/pdf")
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.headers["Content-Type"], "application/pdf")
                self.assertIn(own.name, response.text)
                self.assertNotIn(other.name, response.text)
                self.assertEqual("Alpha Corp" in response.text, user == self.portal_a)

    def test_forms_need_csrf(self):
        for route in ("/my/statement/download", "/my/statement/pay"):
            for with_csrf in (True, False):
                with self.subTest(route=route, csrf=with_csrf):
                    data = (
                        self._form(self.inv_overdue.ids)
                        if with_csrf
                        else {"invoice_ids": str(self.inv_overdue.id)}
                    )
                    response = self.url_open(route, data=data, allow_redirects=False)
                    self.assertEqual(response.status_code, 200 if with_csrf else 400)

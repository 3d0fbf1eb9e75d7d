from datetime import timedelta
from unittest.mock import patch
from urllib.parse import urlsplit

from psycopg2 import IntegrityError

from odoo import SUPERUSER_ID, api, sql_db
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.http import Request
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from .common import FIGURES, ClientHubHttpCommon, DashboardCommon


@tagged("post_install", "-at_install")
class TestDashboardFigures(DashboardCommon):
    def test_partial_payment_credit_notes_draft_and_cancelled(self):
        late = self._invoice(1000, due_in=-10)  # 1100, 400 paid -> 700 late
        self._pay(late, 400)
        self._invoice(500)  # 550 open, not due yet
        self._invoice(100, move_type="out_refund", due_in=0)  # 110 open credit
        reversed_inv = self._invoice(200)  # 220 fully credited
        self.env["account.move.reversal"].with_context(
            active_model="account.move",
            active_ids=reversed_inv.ids,
        ).create(
            {"journal_id": reversed_inv.journal_id.id, "date": self.today}
        ).refund_moves()
        reversed_inv.reversal_move_ids.action_post()
        self._invoice(2000, post=False)  # draft: nowhere
        cancelled = self._invoice(300)
        cancelled.button_draft()
        cancelled.button_cancel()  # cancelled: nowhere

        # 1100 + 550 - 110 + 220 - 220; credit notes are not money collected
        self.assertFigures(
            self.client_a, invoiced=1540.0, paid=400.0, due=1140.0, overdue=700.0
        )
        self.assertTrue(self.client_a.client_is_overdue)
        self.assertFigures(self.client_b, 0.0, 0.0, 0.0, 0.0)
        self.assertFalse(self.client_b.client_is_overdue)

        statuses = {
            move.amount_total_signed: move.client_invoice_status
            for move in self.client_a.client_invoice_ids
        }
        self.assertEqual(
            statuses,
            {
                1100.0: "partial",
                550.0: "posted",
                -110.0: "credit_note",
                220.0: "paid",
                -220.0: "credit_note",
                2200.0: "draft",
                330.0: "cancel",
            },
        )
        self.assertEqual(self.client_a.client_invoice_count, 7)

    def test_buckets_agree_with_the_documents(self):
        """The trigger-maintained buckets (accountants) give the same figures as the
        live query on account.move (users with restrictive record rules)."""
        Figures = self.env["client_hub.figures.bucket"]
        self.assertTrue(Figures._use_buckets())
        late = self._invoice(1000, due_in=-10)
        self._pay(late, 400)
        self._invoice(500, partner=self.contact_a)
        self._invoice(100, move_type="out_refund", due_in=-2)
        self._invoice(
            80, partner=self.client_b
        ).button_draft()  # posted, then back to draft
        late.invoice_date_due = self.today - timedelta(days=20)  # due date moved
        partners = self.client_a | self.client_b
        from_buckets = Figures._read_figures(partners.ids)
        with patch.object(type(Figures), "_use_buckets", return_value=False):
            from_documents = Figures._read_figures(partners.ids)
        keys = ("invoiced", "paid", "due", "overdue")
        for partner in partners:
            self.assertEqual(
                {key: from_buckets.get(partner.id, {}).get(key, 0.0) for key in keys},
                {key: from_documents.get(partner.id, {}).get(key, 0.0) for key in keys},
            )
        self.assertEqual(from_buckets[self.client_a.id]["due"], 700.0 + 550.0 - 110.0)
        self.assertEqual(from_buckets[self.client_a.id]["overdue"], 700.0 - 110.0)

    def test_paid_and_sent_statuses(self):
        invoice = self._invoice(100)
        invoice.is_move_sent = True
        self.assertEqual(invoice.client_invoice_status, "sent")
        self._pay(invoice, 110)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(invoice.client_invoice_status, "paid")
        self.assertFigures(
            self.client_a, invoiced=110.0, paid=110.0, due=0.0, overdue=0.0
        )

    def test_foreign_currency_in_company_currency(self):
        # 2017+ rate of the test currency: 1 company unit = 2 foreign units
        foreign = self.setup_other_currency(
            "EUR" if self.env.company.currency_id.name != "EUR" else "USD"
        )
        invoice = self._invoice(
            200, currency=foreign, due_in=-1
        )  # 220 foreign = 110 company
        self.env["account.payment.register"].with_context(
            active_model="account.move",
            active_ids=invoice.ids,
        ).create(
            {"amount": 110, "currency_id": foreign.id, "payment_date": self.today}
        )._create_payments()
        self.assertFigures(
            self.client_a, invoiced=110.0, paid=55.0, due=55.0, overdue=55.0
        )

    def test_contacts_roll_up_into_their_company(self):
        self._invoice(100, partner=self.contact_a)
        self._invoice(200, partner=self.client_a, due_in=-1)
        second_contact = self.env["res.partner"].create(
            {"name": "Ken", "parent_id": self.client_a.id}
        )
        self._invoice(300, partner=second_contact)
        for partner in (self.client_a, self.contact_a, second_contact):
            self.assertFigures(
                partner, invoiced=660.0, paid=0.0, due=660.0, overdue=220.0
            )
        self.assertEqual(len(self.contact_a.client_invoice_ids), 3)

    def test_two_companies(self):
        company_2 = self.setup_other_company()["company"]
        self.env.user.company_ids |= company_2
        self._invoice(100)
        self._invoice(1000, company=company_2, due_in=-5)
        self.assertFigures(
            self.client_a, invoiced=110.0, paid=0.0, due=110.0, overdue=0.0
        )
        self.assertEqual(len(self.client_a.client_invoice_ids), 1)
        client_2 = self.client_a.with_company(company_2)
        self.assertFigures(
            client_2, invoiced=1100.0, paid=0.0, due=1100.0, overdue=1100.0
        )
        self.assertEqual(client_2.client_currency_id, company_2.currency_id)

    def test_figures_in_a_constant_number_of_queries(self):
        partners = self.env["res.partner"].create(
            [{"name": f"Client {i}", "customer_rank": 1} for i in range(20)]
        )
        for partner in partners[:10]:
            self._invoice(100, partner=partner)

        def count_queries(records):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            records.mapped("client_balance_due")
            return self.env.cr.sql_log_count - before

        count_queries(partners)  # warm the ormcaches (access rules, groups)
        self.assertEqual(count_queries(partners[:1]), count_queries(partners))
        # the aggregate (the partners' commercial partners looked up in it), then company
        # and currency for the monetary values
        self.assertLessEqual(count_queries(partners), 3)


@tagged("post_install", "-at_install")
class TestFiguresBuckets(DashboardCommon):
    """The figures engine as an ORM model: rows kept by the trigger, their key, who reads them."""

    BUCKET_FIELDS = ["due_date", "amount_total", "amount_residual", "move_count"]

    def _rows(self, partner, pending=None):
        self.env.flush_all()
        Figures = self.env["client_hub.figures.bucket"]
        Figures.invalidate_model()  # written by the trigger, behind the ORM's back
        domain = [
            ("commercial_partner_id", "=", partner.id),
            ("company_id", "=", self.env.company.id),
        ]
        if pending is not None:
            domain.append(("pending", "=", pending))
        return Figures.search_read(
            domain, ["id", *self.BUCKET_FIELDS], order="due_date, id"
        )

    def _values(self, rows):
        return [[row[f] for f in self.BUCKET_FIELDS] for row in rows]

    def _last_bucket_id(self):
        self.env.cr.execute("SELECT last_value FROM client_hub_figures_bucket_id_seq")
        return self.env.cr.fetchone()[0]

    def _compact(self):
        self.env.flush_all()
        return self.env["client_hub.figures.bucket"]._compact()

    def test_trigger_only_adds_rows(self):
        """Each change of a counted document adds a pending row with the difference; no
        row is ever updated in place (no two postings write the same row)."""
        self._compact()
        late = self._invoice(1000, due_in=-10)
        self._invoice(500, due_in=-10)
        draft = self._invoice(200, due_in=-10, post=False)
        due = late.invoice_date_due
        first = self._rows(self.client_a, pending=True)
        self.assertEqual(
            self._values(first), [[due, 1100.0, 1100.0, 1], [due, 550.0, 550.0, 1]]
        )
        self._pay(late, 400)
        draft.action_post()
        rows = self._rows(self.client_a, pending=True)
        self.assertEqual(rows[:2], first, "rows already written are left as they are")
        self.assertCountEqual(
            self._values(rows[2:]), [[due, 0.0, -400.0, 0], [due, 220.0, 220.0, 1]]
        )
        self.assertFigures(
            self.client_a, invoiced=1870.0, paid=400.0, due=1470.0, overdue=1470.0
        )

    def test_compaction_folds_rows_and_keeps_the_figures(self):
        late = self._invoice(1000, due_in=-10)
        other = self._invoice(500, due_in=-10)
        paid = self._invoice(300, due_in=5)
        self._pay(paid, 330)
        self._pay(late, 400)
        self.assertFigures(
            self.client_a, invoiced=1980.0, paid=730.0, due=1250.0, overdue=1250.0
        )
        self.assertGreaterEqual(self._compact(), 5)
        self.assertFalse(self._rows(self.client_a, pending=True))
        # a lifetime row, and only the due date with an open amount (paid one: no row)
        self.assertEqual(
            self._values(self._rows(self.client_a)),
            [[late.invoice_date_due, 0.0, 1250.0, 0], [False, 1980.0, 0.0, 3]],
        )
        self.assertFigures(
            self.client_a, invoiced=1980.0, paid=730.0, due=1250.0, overdue=1250.0
        )
        # later changes fold into the same rows, without spending ids on them
        compact_ids = [row["id"] for row in self._rows(self.client_a)]
        self._pay(late, 100)
        self._compact()
        last_id = self._last_bucket_id()
        self._pay(late, 100)
        self._compact()
        self.assertEqual([row["id"] for row in self._rows(self.client_a)], compact_ids)
        self.assertEqual(self._last_bucket_id(), last_id + 1, "only the pending row")
        self._pay(late, 500)
        self._pay(other, 550)
        self._compact()
        self.assertEqual(
            self._values(self._rows(self.client_a)), [[False, 1980.0, 0.0, 3]]
        )
        self.assertFigures(
            self.client_a, invoiced=1980.0, paid=1980.0, due=0.0, overdue=0.0
        )

    def test_rebuild_gives_the_rows_of_the_compaction(self):
        late = self._invoice(1000, due_in=-10)
        self._pay(late, 400)
        self._invoice(100, move_type="out_refund", due_in=0)
        self._invoice(300, due_in=5).button_draft()
        self._pay(self._invoice(80, due_in=7), 88)
        late.invoice_date_due = self.today - timedelta(days=20)
        self._compact()
        by_compaction = self._values(self._rows(self.client_a))
        self.env["client_hub.figures.bucket"]._rebuild()
        self.assertEqual(self._values(self._rows(self.client_a)), by_compaction)
        self.assertEqual(len(by_compaction), 3)

    def _from_documents(self, partner):
        """invoiced, paid, due, overdue added up from the documents, in SQL."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT COALESCE(SUM(amount_total_signed), 0),
                   COALESCE(SUM(amount_total_signed - amount_residual_signed), 0),
                   COALESCE(SUM(amount_residual_signed), 0),
                   GREATEST(COALESCE(SUM(amount_residual_signed) FILTER (
                       WHERE COALESCE(invoice_date_due, date) < %s), 0), 0)
              FROM account_move
             WHERE commercial_partner_id = %s AND company_id = %s AND state = 'posted'
               AND move_type IN ('out_invoice', 'out_refund')""",
            [self.today, partner.id, self.env.company.id],
        )
        return [float(amount) for amount in self.env.cr.fetchone()]

    def assertExact(self, step):
        """The figures equal the documents' sums: from the rows as the trigger left
        them, live (record rules path), and after a compaction."""
        expected = self._from_documents(self.client_a)
        Figures = type(self.env["client_hub.figures.bucket"])
        with patch.object(Figures, "_use_buckets", return_value=False):
            self.assertFigures(self.client_a, *expected)
        self.assertFigures(self.client_a, *expected)
        self._compact()
        self.assertFigures(self.client_a, *expected)
        self.assertFalse(self._rows(self.client_a, pending=True), step)
        return expected

    def test_exact_through_the_documents_lifecycle(self):
        foreign = self.setup_other_currency(
            "EUR" if self.env.company.currency_id.name != "EUR" else "USD",
            rates=[("2017-01-01", 2.0), (self.today - timedelta(days=10), 4.0)],
        )
        late = self._invoice(1000, due_in=-5)
        later = self._invoice(500, due_in=10)
        credit = self._invoice(100, move_type="out_refund", due_in=0)
        self.assertEqual(self.assertExact("posting"), [1540.0, 0.0, 1540.0, 1100.0])
        payment = self._register_payment(late, 400)
        self.assertEqual(self.assertExact("payment")[1:3], [400.0, 1140.0])
        # unreconcile the payment: the invoice is open again
        late.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).remove_move_reconcile()
        self.assertEqual(self.assertExact("unreconciliation")[1:3], [0.0, 1540.0])
        self.assertTrue(payment)
        # reconcile the credit note with the later invoice
        (later | credit).line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).reconcile()
        self.assertEqual(self.assertExact("reconciliation")[2], 1100.0 + 440.0)
        # reset to draft, then delete: the credit note leaves the figures
        credit.button_draft()
        self.assertExact("reset to draft")
        credit.unlink()
        self.assertEqual(self.assertExact("deletion")[:3], [1650.0, 0.0, 1650.0])
        later.button_draft()
        later.button_cancel()
        self.assertEqual(self.assertExact("cancellation")[:3], [1100.0, 0.0, 1100.0])
        # foreign currency invoiced at 2, paid in full at 4: the exchange difference is
        # another entry; the invoice is settled in company currency too
        abroad = self._invoice(200, currency=foreign, due_in=-1)
        self._register_payment(abroad, currency_id=foreign.id)
        self.assertEqual(abroad.payment_state, "paid")
        self.assertEqual(
            self.assertExact("currency rates")[:3], [1210.0, 110.0, 1100.0]
        )

    def test_compaction_runs_once_at_a_time(self):
        """A second compaction (another worker or server) returns at once."""
        self._invoice(100)
        self.env.flush_all()
        with sql_db.db_connect(self.env.cr.dbname).cursor() as other:
            other.execute(
                "SELECT pg_advisory_lock(hashtext('client_hub_figures_bucket'))"
            )
            try:
                self.assertIsNone(self._compact())
                self.assertTrue(self._rows(self.client_a, pending=True))
            finally:
                other.execute(
                    "SELECT pg_advisory_unlock(hashtext('client_hub_figures_bucket'))"
                )
        self.assertTrue(self._compact())
        self.assertFalse(self._rows(self.client_a, pending=True))

    def test_compaction_after_another_one_committed_does_nothing(self):
        """A compaction whose snapshot predates another one's commit (it got the lock
        once the other finished) leaves the rows as the other left them, without error."""
        dbname = self.env.cr.dbname
        with sql_db.db_connect(dbname).cursor() as setup:
            env = api.Environment(setup, SUPERUSER_ID, {})
            partner = env["res.partner"].create({"name": "Compaction race"})
            for amount in (100.0, 50.0):
                env["client_hub.figures.bucket"].create(
                    {
                        "commercial_partner_id": partner.id,
                        "company_id": env.company.id,
                        "due_date": self.today,
                        "amount_total": amount,
                        "amount_residual": amount,
                        "move_count": 1,
                        "pending": True,
                    }
                )
            setup.commit()
        query = (
            "SELECT due_date, amount_total, amount_residual, move_count, pending"
            " FROM client_hub_figures_bucket WHERE commercial_partner_id = %s"
            " ORDER BY due_date"
        )
        try:
            with (
                sql_db.db_connect(dbname).cursor() as cr_a,
                sql_db.db_connect(dbname).cursor() as cr_b,
            ):
                # B's snapshot: both rows pending
                cr_b.execute(query, [partner.id])
                self.assertEqual(len(cr_b.fetchall()), 2)
                env_a = api.Environment(cr_a, SUPERUSER_ID, {})
                self.assertGreaterEqual(
                    env_a["client_hub.figures.bucket"]._compact(), 2
                )
                cr_a.commit()
                env_b = api.Environment(cr_b, SUPERUSER_ID, {})
                self.assertIsNone(env_b["client_hub.figures.bucket"]._compact())
                cr_b.commit()
            with sql_db.db_connect(dbname).cursor() as check:
                check.execute(query, [partner.id])
                self.assertEqual(
                    check.fetchall(),
                    [
                        (self.today, 0.0, 150.0, 0, False),
                        (None, 150.0, 0.0, 2, False),
                    ],
                )
        finally:
            with sql_db.db_connect(dbname).cursor() as cleanup:
                cleanup.execute(
                    "DELETE FROM client_hub_figures_bucket WHERE commercial_partner_id = %s;"
                    "DELETE FROM res_partner WHERE id = %s",
                    [partner.id, partner.id],
                )

    def test_compact_key_is_unique(self):
        """Pending rows share keys (that is the point); compact rows never do."""
        invoice = self._invoice(100)
        self._invoice(100)
        self.assertEqual(len(self._rows(self.client_a, pending=True)), 2)
        self._compact()
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.env.cr.savepoint(),
        ):
            self.env["client_hub.figures.bucket"].sudo().create(
                {
                    "commercial_partner_id": self.client_a.id,
                    "company_id": self.env.company.id,
                    "due_date": invoice.invoice_date_due,
                    "amount_total": 0.0,
                    "amount_residual": 1.0,
                    "move_count": 0,
                    "pending": False,
                }
            )
            self.env.flush_all()

    def test_only_the_engine_reads_the_buckets(self):
        """Accountants see the figures the buckets hold, but cannot read the buckets."""
        self._invoice(1000, due_in=-10)
        accountant = new_test_user(
            self.env,
            login="ch_bucket_accountant",
            groups="account.group_account_invoice",
            company_id=self.env.company.id,
        )
        client = self.client_a.with_user(accountant)
        self.assertTrue(client.env["client_hub.figures.bucket"]._use_buckets())
        self.assertFigures(
            client, invoiced=1100.0, paid=0.0, due=1100.0, overdue=1100.0
        )
        with self.assertRaises(AccessError):
            client.env["client_hub.figures.bucket"].search([])
        self.assertTrue(
            self.env["client_hub.figures.bucket"].search([]), "administrators may look"
        )


@tagged("post_install", "-at_install")
class TestDashboardListSortAndFilters(DashboardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.owes_300 = Partner.create({"name": "Owes 300", "customer_rank": 1})
        cls.owes_100_late = Partner.create(
            {"name": "Owes 100 late", "customer_rank": 1}
        )
        cls.settled = Partner.create({"name": "Settled", "customer_rank": 1})
        cls.no_invoice = Partner.create({"name": "No invoice", "customer_rank": 1})
        cls._invoice(300, partner=cls.owes_300, taxed=False)
        cls._invoice(100, partner=cls.owes_100_late, taxed=False, due_in=-3)
        cls._pay(cls._invoice(50, partner=cls.settled, taxed=False), 50)
        cls.partners = cls.owes_300 | cls.owes_100_late | cls.settled | cls.no_invoice

    def _search(self, domain, order=None):
        return self.env["res.partner"].search(
            [("id", "in", self.partners.ids), *domain], order=order
        )

    def test_sort_by_balance_due(self):
        self.assertEqual(
            self._search([], order="client_balance_due desc, id").ids,
            (self.owes_300 | self.owes_100_late | self.settled | self.no_invoice).ids,
        )
        self.assertEqual(
            self._search([], order="client_balance_due asc, id")[-2:].ids,
            (self.owes_100_late | self.owes_300).ids,
        )
        self.assertEqual(
            self._search([], order="client_overdue_amount desc, id")[0],
            self.owes_100_late,
        )
        fields_info = self.env["res.partner"].fields_get(
            FIGURES, ["sortable", "searchable"]
        )
        self.assertTrue(
            all(
                info["sortable"] and info["searchable"] for info in fields_info.values()
            )
        )

    def test_filters_owes_money_and_overdue(self):
        self.assertEqual(
            self._search([("client_balance_due", ">", 0)]),
            self.owes_300 | self.owes_100_late,
        )
        self.assertEqual(
            self._search([("client_is_overdue", "=", True)]), self.owes_100_late
        )
        self.assertEqual(
            self._search([("client_is_overdue", "=", False)]),
            self.owes_300 | self.settled | self.no_invoice,
        )
        self.assertEqual(
            self._search([("client_balance_due", "=", 0)]),
            self.settled | self.no_invoice,
        )
        self.assertEqual(self._search([("client_total_paid", ">=", 50)]), self.settled)
        self.assertEqual(
            self._search([("client_balance_due", "!=", 300)]),
            self.owes_100_late | self.settled | self.no_invoice,
        )

    def test_filter_and_sort_together_as_the_list_does(self):
        result = self.env["res.partner"].web_search_read(
            [("id", "in", self.partners.ids), ("client_balance_due", ">", 0)],
            {"client_balance_due": {}, "client_overdue_amount": {}},
            order="client_balance_due desc",
            limit=80,
        )
        self.assertEqual(
            [(r["id"], r["client_balance_due"]) for r in result["records"]],
            [(self.owes_300.id, 300.0), (self.owes_100_late.id, 100.0)],
        )

    def test_group_totals(self):
        [(total,)] = self.env["res.partner"]._read_group(
            [("id", "in", self.partners.ids)], [], ["client_balance_due:sum"]
        )
        self.assertEqual(total, 400.0)

    def test_list_and_search_views_expose_figures(self):
        views = self.env["res.partner"].get_views(
            [
                (self.env.ref("client_hub.res_partner_view_list_client").id, "list"),
                (
                    self.env.ref("client_hub.res_partner_view_search_client").id,
                    "search",
                ),
            ]
        )["views"]
        self.assertIn('name="client_balance_due"', views["list"]["arch"])
        self.assertIn('name="client_owes_money"', views["search"]["arch"])
        self.assertIn('name="client_overdue"', views["search"]["arch"])


@tagged("post_install", "-at_install")
class TestDashboardAccess(DashboardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env,
            login="ch_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=cls.env.company.id,
        )
        cls.colleague = new_test_user(
            cls.env,
            login="ch_colleague",
            groups="sales_team.group_sale_salesman",
            company_id=cls.env.company.id,
        )
        cls.employee = new_test_user(
            cls.env,
            login="ch_employee",
            groups="base.group_user",
            company_id=cls.env.company.id,
        )
        cls.own_invoice = cls._invoice(100, user=cls.salesman, taxed=False)
        cls.colleague_invoice = cls._invoice(
            1000, user=cls.colleague, taxed=False, due_in=-1
        )
        cls.own_order = cls.env["sale.order"].create(
            {"partner_id": cls.client_a.id, "user_id": cls.salesman.id}
        )
        cls.colleague_order = cls.env["sale.order"].create(
            {"partner_id": cls.client_a.id, "user_id": cls.colleague.id}
        )

    def test_accountant_sees_everything(self):
        self.assertFigures(
            self.client_a, invoiced=1100.0, paid=0.0, due=1100.0, overdue=1000.0
        )

    def test_salesperson_opens_dashboard_and_sees_own_documents(self):
        self.assertFalse(self.salesman.has_group("account.group_account_invoice"))
        client = self.client_a.with_user(self.salesman)
        self.assertFalse(
            client.env["client_hub.figures.bucket"]._use_buckets(),
            "personal-document rules apply",
        )
        with Form(client, view="client_hub.res_partner_view_form_client") as form:
            self.assertEqual(form.client_balance_due, 100.0)
            self.assertEqual(len(form.client_invoice_ids), 1)
            self.assertEqual(form.client_invoice_ids[0], self.own_invoice)
        # the "Personal documents" rules of sale apply: the colleague's invoice is not counted
        self.assertFigures(client, invoiced=100.0, paid=0.0, due=100.0, overdue=0.0)
        self.assertEqual(client.client_invoice_ids, self.own_invoice)
        self.assertEqual(client.client_order_ids, self.own_order)
        self.assertEqual(
            client.search(
                [("id", "=", self.client_a.id), ("client_is_overdue", "=", True)]
            ).ids,
            [],
        )
        client.action_client_open_invoices()
        client.action_client_open_orders()

    def test_employee_without_sales_or_accounting(self):
        """Like stock `total_invoiced`, the figures need the right to read invoices: the
        form opens without them, the list cannot sort or filter on them."""
        client = self.client_a.with_user(self.employee)
        with Form(client, view="client_hub.res_partner_view_form_client") as form:
            self.assertNotIn("client_balance_due", form._view["fields"])
            self.assertNotIn("client_invoice_ids", form._view["fields"])
        with self.assertRaises(AccessError):
            client.read(["client_balance_due"])
        with self.assertRaises(AccessError):
            client.search(
                [("id", "=", self.client_a.id)], order="client_balance_due desc"
            )
        with self.assertRaises(AccessError):
            client.search([("client_balance_due", ">", 0)])
        self.assertFalse(client.fields_get(["client_balance_due"]))


@tagged("post_install", "-at_install")
class TestQuotationRejection(DashboardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls.env["product.product"].create(
            {"name": "Audit", "list_price": 100}
        )

    def _quotation(self, partner=None):
        order = self.env["sale.order"].create(
            {
                "partner_id": (partner or self.client_a).id,
                "require_signature": True,
                "order_line": [Command.create({"product_id": self.product.id})],
            }
        )
        order.action_quotation_sent()
        return order

    def test_staff_cancel_is_not_a_rejection(self):
        order = self._quotation()
        self.assertEqual(order.client_quotation_status, "sent")
        order.action_cancel()
        self.assertEqual(order.state, "cancel")
        self.assertEqual(order.client_quotation_status, "cancel")
        self.assertFalse(order.client_rejected_date)

    def test_client_reject_then_back_to_draft(self):
        order = self._quotation()
        order._client_hub_reject("Too expensive")
        self.assertEqual(order.state, "cancel")
        self.assertEqual(order.client_quotation_status, "rejected")
        self.assertTrue(order.client_rejected_date)
        self.assertEqual(order.client_reject_reason, "Too expensive")
        self.assertIn("Too expensive", order.message_ids[0].body)
        self.assertEqual(
            self.client_a.client_order_ids.client_quotation_status, "rejected"
        )
        order.action_draft()
        self.assertEqual(order.client_quotation_status, "draft")
        self.assertFalse(order.client_rejected_date)

    def test_accepted(self):
        order = self._quotation()
        order.action_confirm()
        self.assertEqual(order.client_quotation_status, "accepted")


@tagged("post_install", "-at_install")
class TestQuotationDeclineRoute(DashboardCommon, ClientHubHttpCommon):
    """Alice declines Alpha's quotation in the portal, or anyone with the e-mailed link's
    token; Bob, or a forged token, cannot."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls.env["product.product"].create(
            {"name": "Audit", "list_price": 100}
        )

    def _quotation(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.portal_a.partner_id.id,
                "require_signature": True,
                "order_line": [Command.create({"product_id": self.product.id})],
            }
        )
        order.action_quotation_sent()
        order._portal_ensure_token()
        return order

    def _decline(self, order, user, token=None):
        self._login(user)  # None: a public visitor following the e-mailed link
        data = {
            "csrf_token": Request.csrf_token(self),
            "decline_message": "We went elsewhere",
        }
        if token:
            data["access_token"] = token
        return self.url_open(
            f"/my/orders/{order.id}/decline", data=data, allow_redirects=False
        )

    def test_decline_allowed_and_denied(self):
        cases = [
            # (who, token, declined: the order's page; refused: back to /my)
            ("Alice", "order", True),
            ("public", "order", True),
            ("Bob", None, False),
            ("Bob", "forged", False),
            ("public", "forged", False),
        ]
        users = {"Alice": self.portal_a, "Bob": self.portal_b, "public": None}
        for who, token, allowed in cases:
            with self.subTest(user=who, token=token, allowed=allowed):
                order = self._quotation()
                access_token = {
                    "order": order.access_token,
                    "forged": "forged-token",
                }.get(token)
                response = self._decline(order, users[who], token=access_token)
                self.assertEqual(response.status_code, 303)
                order.invalidate_recordset()
                if allowed:
                    self.assertEqual(
                        urlsplit(response.headers["Location"]).path,
                        f"/my/orders/{order.id}",
                    )
                    self.assertEqual(order.client_quotation_status, "rejected")
                    self.assertEqual(order.client_reject_reason, "We went elsewhere")
                    message = order.message_ids.filtered(
                        lambda m: "We went elsewhere" in m.body
                    )
                    self.assertEqual(
                        message.author_id,
                        self.portal_a.partner_id,
                        "the order's customer",
                    )
                else:
                    self.assertEqual(urlsplit(response.headers["Location"]).path, "/my")
                    self.assertEqual(order.state, "sent")
                    self.assertFalse(order.client_rejected_date)


@tagged("post_install", "-at_install")
class TestDashboardTour(DashboardCommon, ClientHubHttpCommon):
    def test_dashboard_tour(self):
        client = self.env["res.partner"].create(
            {"name": "Tour Client", "is_company": True, "customer_rank": 1}
        )
        late = self._invoice(1000, partner=client, due_in=-5, taxed=False)
        self._pay(late, 300)
        product = self.env["product.product"].create(
            {"name": "Audit", "list_price": 100}
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": client.id,
                "order_line": [Command.create({"product_id": product.id})],
            }
        )
        order._client_hub_reject("No budget")
        self.start_tour(
            f"/odoo/clients/{client.id}",
            "client_hub_dashboard_tour",
            login=self.env.user.login,
        )

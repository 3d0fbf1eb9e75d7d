from datetime import timedelta
from unittest.mock import patch

from odoo import SUPERUSER_ID, api, sql_db
from odoo.tests import tagged

from .common import FIGURES, DashboardCommon


@tagged("post_install", "-at_install")
class TestFiguresLifetimeRows(DashboardCommon):
    """The Clients list sorted by a figure, or filtered on one, reads each client's
    figures from `client_hub.figures.client` (one row per client, indexed in the order of
    each figure) and adds up the clients whose rows are pending or of another day: the
    same clients, in the same order, as adding up every client's figure."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"].with_context(
            res_partner_search_mode="customer"
        )
        cls.clients = Partner.create(
            [{"name": f"Lifetime {i:02}", "customer_rank": 1} for i in range(12)]
        )
        # a contact of the first client: listed with its company's figures
        cls.contact = Partner.create(
            {"name": "Lifetime contact", "parent_id": cls.clients[0].id}
        )
        for i, client in enumerate(cls.clients[:10]):
            invoice = cls._invoice(100 * (i + 1), partner=client, due_in=-5 + i)
            if i % 3 == 0:
                cls._pay(invoice, 30 * (i + 1))
        # two clients owe the same: the rest of the order decides between them
        cls._invoice(400, partner=cls.clients[10], due_in=-1)
        # an open credit note exceeding what is late: overdue 0, not below
        cls._invoice(100, partner=cls.clients[1], move_type="out_refund", due_in=-20)
        cls._invoice(500, partner=cls.clients[1], move_type="out_refund", due_in=-20)
        cls.listed = cls.clients | cls.contact

    def setUp(self):
        super().setUp()
        self.Figures = self.env["client_hub.figures.bucket"]
        self.Clients = self.env["client_hub.figures.client"]
        # the rows themselves, which no user reads (derived data)
        self.Rows = self.Figures.sudo()
        self.ClientRows = self.Clients.sudo()
        self.Partner = self.env["res.partner"].with_context(
            res_partner_search_mode="customer"
        )
        self._compact()

    def _compact(self):
        self.env.flush_all()
        self.Figures._compact()
        self.env.invalidate_all()

    def _domain(self):
        return [("id", "in", self.listed.ids), ("customer_rank", ">", 0)]

    def _documents(self):
        """invoiced, paid, due, overdue of each listed partner, from its documents."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT p.id,
                   COALESCE(SUM(m.amount_total_signed), 0),
                   COALESCE(SUM(m.amount_total_signed - m.amount_residual_signed), 0),
                   COALESCE(SUM(m.amount_residual_signed), 0),
                   GREATEST(COALESCE(SUM(m.amount_residual_signed) FILTER (
                       WHERE COALESCE(m.invoice_date_due, m.date) < %s), 0), 0)
              FROM res_partner p
         LEFT JOIN account_move m
                ON m.commercial_partner_id = p.commercial_partner_id AND m.state = 'posted'
               AND m.move_type IN ('out_invoice', 'out_refund') AND m.company_id = %s
             WHERE p.id IN %s
          GROUP BY p.id""",
            [self.today, self.env.company.id, tuple(self.listed.ids)],
        )
        return {
            row[0]: dict(zip(FIGURES, map(float, row[1:])))
            for row in self.env.cr.fetchall()
        }

    def _page(self, fname, offset, limit, direction="desc"):
        """The page, and whether it was read from client_hub.figures.client."""
        Partner = type(self.Partner)
        original = Partner._client_figure_page
        pages = []

        def spy(partner, *args, **kwargs):
            pages.append(original(partner, *args, **kwargs))
            return pages[-1]

        with patch.object(Partner, "_client_figure_page", spy):
            ids = self.Partner.search(
                self._domain(),
                order=f"{fname} {direction}",
                offset=offset,
                limit=limit,
            ).ids
        return ids, bool(pages) and pages[-1] is not None

    def _every_figure_sorted(self, fname, direction="desc"):
        """The order the Clients list gets by adding up every client's figure."""
        with patch.object(type(self.Clients), "_unfit_clients", return_value=None):
            return self.Partner.search(self._domain(), order=f"{fname} {direction}").ids

    def assertPagesExact(
        self,
        fname,
        direction="desc",
        pages=((0, 3), (2, 4), (0, 6), (5, 5), (9, 4), (0, 13), (10, 5)),
    ):
        documents = self._documents()
        expected = self._every_figure_sorted(fname, direction)
        self.assertEqual(len(expected), 13)
        values = [documents[pid][fname] for pid in expected]
        self.assertEqual(values, sorted(values, reverse=direction == "desc"), fname)
        # every page comes from the indexes, across the bands (first sign, zero, other
        # sign), up to the end of the list
        for offset, limit in pages:
            ids, from_index = self._page(fname, offset, limit, direction)
            label = f"{fname} {direction} {offset}+{limit}"
            self.assertEqual(ids, expected[offset : offset + limit], label)
            self.assertTrue(from_index, label)

    def test_sorted_pages_are_those_of_every_figure_sorted(self):
        for fname in FIGURES:
            for direction in ("desc", "asc"):
                self.assertPagesExact(fname, direction)

    def test_pending_rows_count_before_the_compaction(self):
        # after the compaction: a client pays everything, another one owes the most
        first = self._every_figure_sorted("client_balance_due")[0]
        self._pay(
            self.env["account.move"].search(
                [
                    ("commercial_partner_id", "=", first),
                    ("move_type", "=", "out_invoice"),
                ]
            ),
            None,
        )
        self._invoice(5000, partner=self.clients[11], due_in=-2)
        self.env.flush_all()
        self.assertTrue(self.Rows.search_count([("pending", "=", True)]))
        for fname in FIGURES:
            for direction in ("desc", "asc"):
                self.assertPagesExact(fname, direction)
        ids, _from_lifetime = self._page("client_balance_due", 0, 2)
        self.assertEqual(ids[0], self.clients[11].id)
        self.assertNotIn(first, ids)

    def test_overdue_filter_and_count(self):
        self._invoice(70, partner=self.clients[11], due_in=-3)  # pending, overdue
        self._pay(
            self.env["account.move"].search(
                [("commercial_partner_id", "=", self.clients[0].id)]
            ),
            None,
        )  # pending, no longer overdue
        documents = self._documents()
        overdue = [
            pid
            for pid, figures in documents.items()
            if figures["client_overdue_amount"] > 0
        ]
        domain = [*self._domain(), ("client_is_overdue", "=", True)]
        self.assertCountEqual(self.Partner.search(domain).ids, overdue)
        self.assertEqual(self.Partner.search_count(domain), len(overdue))
        self.assertNotIn(self.clients[0].id, overdue)
        self.assertIn(self.clients[11].id, overdue)
        self.assertNotIn(self.clients[1].id, overdue, "credit notes exceed it")
        # the lifetime rows serve it: the clients added up are the two pending ones
        self.assertCountEqual(
            self.Clients._unfit_clients("overdue"),
            (self.clients[0] | self.clients[11]).ids,
        )
        other = [pid for pid in self.listed.ids if pid not in overdue]
        not_overdue = [*self._domain(), ("client_is_overdue", "=", False)]
        self.assertCountEqual(self.Partner.search(not_overdue).ids, other)

    def test_a_new_day_before_its_compaction(self):
        """The amount past due of the rows is of the day they were folded: on the next
        day, a client whose invoice fell due meanwhile is overdue at once; the clients
        added up are those with an amount due that day, not every client."""
        client = self.clients[11]
        self._invoice(9000, partner=client, due_in=0)  # due today: not late yet
        self._compact()
        row = self._lifetime_row(client)
        self.assertEqual((row["amount_due"], row["amount_past_due"]), (9900.0, 0.0))
        self.assertEqual(row["past_due_on"], self.today)
        domain = [*self._domain(), ("client_is_overdue", "=", True)]
        self.assertNotIn(client, self.Partner.search(domain))
        tomorrow = self.today + timedelta(days=1)
        with patch("odoo.fields.Date.context_today", return_value=tomorrow):
            self.assertIn(client, self.Partner.search(domain))
            self.assertCountEqual(
                self._overdue_from_documents(tomorrow), self.Partner.search(domain).ids
            )
            unfit = self.Clients._unfit_clients("overdue")
            # due today: this client and clients[5]; not those due earlier or later
            self.assertIn(client.id, unfit)
            self.assertIn(self.clients[5].id, unfit)
            self.assertFalse(
                {*self.clients[:5].ids, *self.clients[6:10].ids} & {*unfit}
            )
            self.assertEqual(self._page("client_overdue_amount", 0, 3)[0][0], client.id)
            # its first compaction of the day brings every row to that day
            self._compact()
            self.assertFalse(self.Clients._unfit_clients("overdue"))
            self.assertEqual(self._lifetime_row(client)["amount_past_due"], 9900.0)
            self.assertIn(client, self.Partner.search(domain))

    def test_a_user_a_day_behind_the_compaction(self):
        """A user whose today is the compaction's yesterday (another time zone): an
        invoice due yesterday is not late for them yet."""
        late_yesterday = self.clients[
            4
        ]  # its only invoice is due yesterday... for them, today
        yesterday = self.today - timedelta(days=1)
        domain = [*self._domain(), ("client_is_overdue", "=", True)]
        self.assertIn(late_yesterday, self.Partner.search(domain))
        with patch("odoo.fields.Date.context_today", return_value=yesterday):
            overdue = self.Partner.search(domain)
            self.assertNotIn(late_yesterday, overdue)
            self.assertCountEqual(self._overdue_from_documents(yesterday), overdue.ids)
            self.assertIn(late_yesterday.id, self.Clients._unfit_clients("overdue"))

    def _overdue_from_documents(self, day):
        """The listed partners overdue on ``day``, from their documents."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT p.id
              FROM res_partner p
              JOIN account_move m
                ON m.commercial_partner_id = p.commercial_partner_id AND m.state = 'posted'
               AND m.move_type IN ('out_invoice', 'out_refund') AND m.company_id = %s
             WHERE p.id IN %s
          GROUP BY p.id
            HAVING SUM(m.amount_residual_signed) FILTER (
                       WHERE COALESCE(m.invoice_date_due, m.date) < %s) > 0""",
            [self.env.company.id, tuple(self.listed.ids), day],
        )
        return [pid for (pid,) in self.env.cr.fetchall()]

    def test_too_many_clients_to_add_up_sorts_every_figure(self):
        self._invoice(10, partner=self.clients[10])
        self._invoice(10, partner=self.clients[11])
        with patch.object(type(self.Clients), "_UNFIT_LIMIT", 1):
            self.assertIsNone(self.Clients._unfit_clients("due"))
            ids, from_lifetime = self._page("client_balance_due", 0, 3)
            self.assertFalse(from_lifetime)
            domain = [*self._domain(), ("client_balance_due", ">", 500)]
            over_500 = self.Partner.search(domain)
        self.assertEqual(ids, self._every_figure_sorted("client_balance_due")[:3])
        self.assertEqual(over_500, self.Partner.search(domain))

    def test_client_rows_are_those_of_a_rebuild(self):
        self._pay(
            self.env["account.move"].search(
                [("commercial_partner_id", "=", self.clients[4].id)]
            ),
            100,
        )
        self._invoice(90, partner=self.clients[2], move_type="out_refund", due_in=-1)
        self._compact()
        columns = [
            "amount_invoiced",
            "amount_due",
            "amount_paid",
            "amount_past_due",
            "past_due_on",
        ]
        compacted = {
            row["commercial_partner_id"][0]: [row[c] for c in columns]
            for row in self._lifetime_rows(columns)
        }
        self.Figures._rebuild()
        rebuilt = {
            row["commercial_partner_id"][0]: [row[c] for c in columns]
            for row in self._lifetime_rows(columns)
        }
        self.assertEqual(compacted, rebuilt)
        documents = self._documents()
        for client in self.clients[:11]:
            invoiced, paid, due, _overdue = documents[client.id].values()
            self.assertEqual(compacted[client.id][:3], [invoiced, due, paid])

    def _lifetime_rows(self, columns):
        return self.ClientRows.search_read(
            [("commercial_partner_id", "in", self.clients.ids)],
            ["commercial_partner_id", *columns],
        )

    def _lifetime_row(self, client):
        self.ClientRows.invalidate_model()
        [row] = self.ClientRows.search_read(
            [("commercial_partner_id", "=", client.id)],
            ["amount_due", "amount_past_due", "past_due_on"],
        )
        return row


@tagged("post_install", "-at_install")
class TestFiguresClientConcurrentCompactions(DashboardCommon):
    """Real cursors, committed data (no compaction in this test's transaction, which
    would hold the compaction's lock)."""

    def test_compaction_after_another_ones_new_day_does_nothing(self):
        """A compaction whose snapshot predates another one that brought the clients to
        a new day (nothing pending for either) returns without error and without
        writing: all of its run is undone, the other's figures stay."""
        dbname = self.env.cr.dbname
        yesterday = self.today - timedelta(days=1)
        with sql_db.db_connect(dbname).cursor() as setup:
            env = api.Environment(setup, SUPERUSER_ID, {})
            partner = env["res.partner"].create({"name": "New day race"})
            rows = {
                "commercial_partner_id": partner.id,
                "company_id": env.company.id,
                "move_count": 0,
                "pending": False,
            }
            env["client_hub.figures.bucket"].create(
                [
                    {
                        **rows,
                        "amount_total": 100.0,
                        "amount_residual": 0.0,
                        "move_count": 1,
                    },
                    {
                        **rows,
                        "due_date": yesterday,
                        "amount_total": 0.0,
                        "amount_residual": 100.0,
                    },
                ]
            )
            # its figures as of two days ago: the invoice was not due yet
            env["client_hub.figures.client"].create(
                {
                    "commercial_partner_id": partner.id,
                    "company_id": env.company.id,
                    "amount_invoiced": 100.0,
                    "amount_paid": 0.0,
                    "amount_due": 100.0,
                    "amount_past_due": 0.0,
                    "past_due_on": yesterday - timedelta(days=1),
                }
            )
            setup.commit()
        query = (
            "SELECT amount_past_due, past_due_on FROM client_hub_figures_client"
            " WHERE commercial_partner_id = %s"
        )
        try:
            with (
                sql_db.db_connect(dbname).cursor() as cr_a,
                sql_db.db_connect(dbname).cursor() as cr_b,
            ):
                cr_b.execute(query, [partner.id])  # B's snapshot: of another day
                self.assertEqual(cr_b.fetchall()[0][0], 0.0)
                env_a = api.Environment(cr_a, SUPERUSER_ID, {})
                self.assertEqual(env_a["client_hub.figures.bucket"]._compact(), 0)
                cr_a.commit()
                env_b = api.Environment(cr_b, SUPERUSER_ID, {})
                self.assertIsNone(env_b["client_hub.figures.bucket"]._compact())
                cr_b.commit()
            with sql_db.db_connect(dbname).cursor() as check:
                check.execute(query, [partner.id])
                self.assertEqual(check.fetchall(), [(100.0, self.today)])
        finally:
            with sql_db.db_connect(dbname).cursor() as cleanup:
                cleanup.execute(
                    "DELETE FROM client_hub_figures_client WHERE commercial_partner_id = %s;"
                    "DELETE FROM client_hub_figures_bucket WHERE commercial_partner_id = %s;"
                    "DELETE FROM res_partner WHERE id = %s",
                    [partner.id, partner.id, partner.id],
                )

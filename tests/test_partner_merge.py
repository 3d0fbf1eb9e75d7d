from unittest.mock import patch

from odoo.tests import tagged

from .common import FIGURES, DashboardCommon


@tagged("post_install", "-at_install")
class TestPartnerMergeFigures(DashboardCommon):
    """Odoo's contact merge wizard on invoiced customers: the dashboard figures of the
    survivor are those of the documents both had, and the merged partner leaves no
    figures behind."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # duplicates of one customer: the same e-mail, as the merge wizard wants
        cls.client_a.email = cls.client_b.email = "accounts@sakura.example.com"

    def _figures_from_documents(self, partner):
        """The figures of `partner`, added up from its posted invoices and credit notes
        (independently of the buckets and of `client_hub.figures.bucket._figures_query`)."""
        moves = self.env["account.move"].search(
            [
                ("commercial_partner_id", "=", partner.id),
                ("company_id", "=", self.env.company.id),
                ("state", "=", "posted"),
                ("move_type", "in", ("out_invoice", "out_refund")),
            ]
        )
        invoiced = sum(moves.mapped("amount_total_signed"))
        due = sum(moves.mapped("amount_residual_signed"))
        late = moves.filtered(lambda move: move.invoice_date_due < self.today)
        overdue = max(sum(late.mapped("amount_residual_signed")), 0.0)
        return [invoiced, invoiced - due, due, overdue]

    def _figures(self, partner):
        partner.invalidate_recordset(FIGURES)
        return [partner[fname] for fname in FIGURES]

    def _bucket_rows(self, partner):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT due_date, amount_total, amount_residual, move_count FROM client_hub_figures_bucket"
            " WHERE commercial_partner_id = %s ORDER BY due_date",
            [partner.id],
        )
        return self.env.cr.fetchall()

    def _merge(self, survivor, merged):
        wizard = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_context(
                active_model="res.partner",
                active_ids=(survivor | merged).ids,
            )
            .create({"dst_partner_id": survivor.id})
        )
        wizard.action_merge()
        self.assertFalse(merged.exists())

    def _invoice_both(self):
        """Both customers: partly paid, open, late invoices and credit notes, and
        documents due on the same dates (the key of the buckets)."""
        for partner, amount in ((self.client_a, 1000), (self.client_b, 400)):
            late = self._invoice(amount, partner=partner, due_in=-10)
            self._pay(late, amount / 4)
            self._invoice(amount / 2, partner=partner, due_in=30)
            self._invoice(
                amount / 10, partner=partner, move_type="out_refund", due_in=0
            )
        self._invoice(70, partner=self.contact_a, due_in=-3)  # only the survivor
        paid = self._invoice(90, partner=self.client_b, due_in=5)  # only the merged one
        self._pay(paid, 99)

    def assertFiguresExact(self, survivor, merged_id):
        expected = self._figures_from_documents(survivor)
        self.assertEqual(self._figures(survivor), expected)
        self.assertEqual(
            self._figures(self.contact_a),
            expected,
            "contacts show their company's figures",
        )
        # the same as the live path (users whose record rules restrict more than the company)
        with patch.object(
            type(self.env["client_hub.figures.bucket"]),
            "_use_buckets",
            return_value=False,
        ):
            self.assertEqual(self._figures(survivor), expected)
        self.env.cr.execute(
            "SELECT COUNT(*) FROM client_hub_figures_bucket WHERE commercial_partner_id = %s",
            [merged_id],
        )
        self.assertEqual(
            self.env.cr.fetchone()[0], 0, "no figures left for the merged partner"
        )

    def test_merge_invoiced_customers_due_on_the_same_dates(self):
        self._invoice_both()
        before = [
            a + b
            for a, b in zip(self._figures(self.client_a), self._figures(self.client_b))
        ]
        merged_id = self.client_b.id
        self._merge(self.client_a, self.client_b)
        self.assertEqual(
            self._figures(self.client_a), before, "the survivor's figures add up both"
        )
        self.assertFiguresExact(self.client_a, merged_id)

    def test_merge_into_a_customer_without_invoices_on_those_dates(self):
        """No due date in common: moving the documents already gives the survivor rows on
        the merged partner's dates (trigger), so that a generic UPDATE of the buckets
        would collide with them or, run first, count the documents twice."""
        self._invoice(300, partner=self.client_a, due_in=-40)
        late = self._invoice(500, partner=self.client_b, due_in=-8)
        self._pay(late, 120)
        self._invoice(50, partner=self.client_b, move_type="out_refund", due_in=2)
        before = [
            a + b
            for a, b in zip(self._figures(self.client_a), self._figures(self.client_b))
        ]
        merged_id = self.client_b.id
        self._merge(self.client_a, self.client_b)
        self.assertEqual(self._figures(self.client_a), before)
        self.assertFiguresExact(self.client_a, merged_id)

    def test_buckets_after_merge_are_those_of_a_rebuild(self):
        """The survivor's rows are row for row what a rebuild from the documents gives,
        in the compact shape (a lifetime row, a row per due date still open; no zero
        rows, no doubled counts)."""
        self._invoice_both()
        self._merge(self.client_a, self.client_b)
        self.env.flush_all()
        self.env.cr.execute(
            """
            WITH moves AS (
                SELECT COALESCE(invoice_date_due, date) AS due, amount_total_signed AS total,
                       amount_residual_signed AS residual
                  FROM account_move
                 WHERE commercial_partner_id = %s AND state = 'posted'
                   AND move_type IN ('out_invoice', 'out_refund'))
            SELECT due, 0.0, SUM(residual), 0 FROM moves GROUP BY due HAVING SUM(residual) <> 0
             UNION ALL
            SELECT NULL, SUM(total), 0.0, COUNT(*) FROM moves
          ORDER BY 1""",
            [self.client_a.id],
        )
        from_documents = self.env.cr.fetchall()
        self.assertEqual(self._bucket_rows(self.client_a), from_documents)
        self.assertEqual(from_documents[-1][3], 8)
        self.assertGreater(len(from_documents), 3)

    def test_merge_moves_figures_of_other_customers_untouched(self):
        self._invoice_both()
        third = self.env["res.partner"].create({"name": "Third", "customer_rank": 1})
        self._invoice(250, partner=third, due_in=-10)
        before = self._figures(third)
        self._merge(self.client_a, self.client_b)
        self.assertEqual(self._figures(third), before)
        self.assertEqual(self._figures(third), self._figures_from_documents(third))

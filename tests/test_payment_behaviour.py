from datetime import timedelta

from odoo.tests import tagged

from .common import DashboardCommon


@tagged("post_install", "-at_install")
class TestPaymentBehaviour(DashboardCommon):
    """How a client pays: average days to pay (weighted by amount, last 12 months), last
    payment date, share paid on time."""

    BEHAVIOUR = [
        "client_avg_days_to_pay",
        "client_on_time_share",
        "client_last_payment_date",
    ]

    def _behaviour(self, partner):
        partner.invalidate_recordset(self.BEHAVIOUR)
        return [partner[fname] for fname in self.BEHAVIOUR]

    def test_weighted_days_on_time_share_and_last_payment(self):
        # dated 30 days before their due date (see _make_invoice)
        late = self._invoice(1000, due_in=-10)  # 1100, paid today: 40 days, late
        early = self._invoice(500, due_in=20)  # 550, paid today: 10 days, on time
        self._pay(late, 1100)
        self._pay(early, 550)
        self.assertEqual(
            self._behaviour(self.client_a),
            [(1100 * 40 + 550 * 10) / 1650, 33.0, self.today],
        )
        # a contact shows its company's
        self.assertEqual(self._behaviour(self.contact_a)[:2], [30.0, 33.0])

    def test_credit_notes_and_old_payments_are_not_payments(self):
        paid = self._invoice(100, due_in=5)  # 110, paid today: 25 days, on time
        self._pay(paid, 110)
        credited = self._invoice(300, due_in=-50)
        credit = self._invoice(300, move_type="out_refund", due_in=0)
        (credited | credit).line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).reconcile()
        self.assertIn(credited.payment_state, ("paid", "reversed"))
        # paid 400 days ago: the last payment only if nothing later, not in the averages
        old = self._invoice(200, due_in=-420)
        self._register_payment(old, payment_date=self.today - timedelta(days=400))
        self.assertEqual(self._behaviour(self.client_a), [25.0, 100.0, self.today])
        self.assertEqual(
            self._behaviour(self.client_b), [0.0, 0.0, False], "no payment: no figure"
        )
        other = self._invoice(50, partner=self.client_b, due_in=-420)
        self._register_payment(other, payment_date=self.today - timedelta(days=400))
        self.assertEqual(
            self._behaviour(self.client_b),
            [0.0, 0.0, self.today - timedelta(days=400)],
        )

    def test_partial_payments_weigh_by_amount(self):
        invoice = self._invoice(1000, due_in=-10)  # 1100, dated 40 days ago
        self._register_payment(
            invoice, 440, payment_date=self.today - timedelta(days=20)
        )  # 20 days, on time
        self._register_payment(invoice, 660)  # 40 days, late
        self.assertEqual(self._behaviour(self.client_a), [32.0, 40.0, self.today])

    def test_sort_and_filter_in_the_clients_list(self):
        self._pay(self._invoice(100, due_in=-20), 110)  # 50 days
        self._pay(self._invoice(100, partner=self.client_b, due_in=25), 110)  # 5 days
        partners = self.client_a | self.client_b
        Partner = self.env["res.partner"]
        domain = [("id", "in", partners.ids)]
        self.assertEqual(
            Partner.search(domain, order="client_avg_days_to_pay").ids,
            (self.client_b | self.client_a).ids,
        )
        self.assertEqual(
            Partner.search(domain, order="client_on_time_share desc, id").ids,
            (self.client_b | self.client_a).ids,
        )
        self.assertEqual(
            Partner.search(domain, order="client_last_payment_date desc, id").ids,
            partners.ids,
        )
        self.assertEqual(
            Partner.search([*domain, ("client_avg_days_to_pay", ">", 30)]),
            self.client_a,
        )
        fields_info = Partner.fields_get(self.BEHAVIOUR, ["sortable"])
        self.assertTrue(all(info["sortable"] for info in fields_info.values()))

    def test_one_query_for_a_page_of_clients(self):
        self._pay(self._invoice(100), 110)
        self._pay(self._invoice(100, partner=self.client_b), 110)
        partners = self.env["res.partner"].search(
            [("id", "in", (self.client_a | self.client_b | self.contact_a).ids)]
        )
        partners.fetch(["commercial_partner_id"])
        partners.invalidate_recordset(self.BEHAVIOUR)
        with self.assertQueryCount(1):
            partners.mapped("client_avg_days_to_pay")
            partners.mapped("client_on_time_share")
            partners.mapped("client_last_payment_date")

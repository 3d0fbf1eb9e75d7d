from datetime import timedelta
from unittest.mock import patch

from odoo.tests import tagged

from .common import DashboardCommon


@tagged("post_install", "-at_install")
class TestPaymentEngine(DashboardCommon):
    """The payment engine (trigger-kept rows per client and payment date) gives the
    payment behaviour that the live query over the reconciliations gives, through
    payments, unreconciliation, reversals and merges."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Partner = cls.env["res.partner"]
        cls.late = cls._invoice(1000, due_in=-10)
        cls.early = cls._invoice(500, due_in=20)
        cls._register_payment(cls.late, 400, payment_date=cls.today - timedelta(5))
        cls._register_payment(cls.early)
        cls._pay(cls._invoice(300, partner=cls.client_b, due_in=-3), 330)

    def _live(self, partners):
        Figures = type(self.env["client_hub.figures.bucket"])
        with patch.object(Figures, "_use_buckets", lambda self: False):
            return self.Partner._client_payment_rows(partners.ids)

    def assertAsLive(self, msg):
        partners = self.client_a | self.client_b
        engine = self.Partner._client_payment_rows(partners.ids)
        live = self._live(partners)
        self.assertEqual(engine, live, msg)
        Payments = self.env["client_hub.payment.bucket"]
        Payments._compact()
        self.assertEqual(
            self.Partner._client_payment_rows(partners.ids), live, f"{msg}, compacted"
        )
        return live

    def test_payments(self):
        live = self.assertAsLive("payments")
        self.assertEqual(live[self.client_a.id]["last_payment"], self.today)
        self.assertTrue(live[self.client_b.id]["avg_days"])
        self._register_payment(self.late, 200)
        self.assertAsLive("a second payment")

    def test_unreconcile_and_reverse(self):
        payment_line = self.late.line_ids.matched_credit_ids.credit_move_id
        payment_line.remove_move_reconcile()
        self.assertAsLive("unreconciled")
        (
            payment_line
            | self.late.line_ids.filtered(
                lambda line: line.account_id.account_type == "asset_receivable"
            )
        ).reconcile()
        self.assertAsLive("reconciled again")
        self.early._reverse_moves(cancel=True)
        self.assertAsLive("invoice reversed")
        payment = self.late.line_ids.matched_credit_ids.credit_move_id.move_id
        payment._reverse_moves(cancel=True)
        self.assertAsLive("payment reversed")
        self.assertEqual(self.late.payment_state, "not_paid")

    def test_invoice_back_to_draft_and_credit_notes(self):
        self.early.button_draft()
        self.assertAsLive("paid invoice back to draft")
        credit = self._invoice(100, move_type="out_refund", due_in=0)
        (credit | self.late).line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).reconcile()
        self.assertAsLive("credit note matched")

    def test_merge(self):
        wizard = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_context(
                active_model="res.partner",
                active_ids=(self.client_a | self.client_b).ids,
            )
            .create({"dst_partner_id": self.client_a.id})
        )
        self.client_b.email = self.client_a.email
        wizard.partner_ids = self.client_a | self.client_b
        wizard.action_merge()
        self.assertFalse(self.client_b.exists())
        engine = self.Partner._client_payment_rows(self.client_a.ids)
        self.assertEqual(engine, self._live(self.client_a))
        self.env["client_hub.payment.bucket"]._compact()
        self.assertEqual(
            self.Partner._client_payment_rows(self.client_a.ids),
            self._live(self.client_a),
        )

    def test_rebuild_is_the_same(self):
        live = self._live(self.client_a | self.client_b)
        self.env["client_hub.payment.bucket"]._rebuild()
        self.assertEqual(
            self.Partner._client_payment_rows((self.client_a | self.client_b).ids), live
        )

    def test_sort_from_the_engine(self):
        Partner = self.env["res.partner"]
        domain = [("id", "in", (self.client_a | self.client_b).ids)]
        Partner.search(domain, order="client_avg_days_to_pay desc, id")  # ormcaches
        self.env.flush_all()
        with self.assertQueryCount(1):
            ids = Partner.search(domain, order="client_avg_days_to_pay desc, id").ids
        Figures = type(self.env["client_hub.figures.bucket"])
        with patch.object(Figures, "_use_buckets", lambda self: False):
            self.assertEqual(
                Partner.search(domain, order="client_avg_days_to_pay desc, id").ids, ids
            )

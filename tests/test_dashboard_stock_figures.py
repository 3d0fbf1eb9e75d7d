from datetime import timedelta

from odoo.tests import tagged

from .common import DashboardCommon

STOCK = ["total_invoiced", "credit", "debit", "days_sales_outstanding"]


@tagged("post_install", "-at_install")
class TestStockFiguresFromEngine(DashboardCommon):
    """Stock's Invoiced, Total Receivable/Payable and DSO of a contact, read from the
    figures engine and indexes: the values of stock's own compute."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.setup_other_company()["company"]
        cls.env.user.company_ids |= cls.company_2
        cls.foreign = cls.setup_other_currency(
            "EUR" if cls.env.company.currency_id.name != "EUR" else "USD"
        )
        # several clients: credit notes, partial and foreign-currency payments, a payment
        # not matched to any invoice, a vendor bill, a contact's own invoices
        first = cls._invoice(1000, due_in=-400)
        cls._invoice(300, move_type="out_refund", due_in=-10)
        cls._register_payment(first, 500)
        cls._invoice(200, partner=cls.contact_a, due_in=-5)
        cls._invoice(400, currency=cls.foreign)  # 440 foreign = 220 company
        cls._invoice(70, partner=cls.client_b, company=cls.company_2)
        paid = cls._invoice(90, partner=cls.client_b)
        cls._register_payment(paid)
        cls.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": cls.client_b.id,
                "amount": 55,
                "journal_id": cls.bank_journal.id,
            }
        ).action_post()
        cls._invoice(50, partner=cls.client_b, move_type="in_invoice", taxed=False)
        cls._invoice(25, partner=cls.client_b, post=False)
        cls.partners = cls.client_a | cls.contact_a | cls.client_b | cls.contact_b

    def _stock_and_ours(self, partners):
        """[(partner, field, ours, stock's)] for the stock fields of ``partners``."""
        partners.invalidate_recordset(STOCK)
        ours = {(p, f): p[f] for p in partners for f in STOCK}
        stock = partners.with_context(client_hub_stock_figures=True)
        stock.invalidate_recordset(STOCK)
        return [(p, f, ours[p, f], p.with_env(stock.env)[f]) for p, f in ours]

    def assertAsStock(self, partners):
        for partner, fname, ours, stock in self._stock_and_ours(partners):
            self.assertAlmostEqual(
                ours, stock, places=6, msg=f"{fname} of {partner.display_name}"
            )

    def test_values_of_stock_in_each_company_selection(self):
        self.assertAsStock(self.partners)
        both = self.partners.with_context(
            allowed_company_ids=[self.env.company.id, self.company_2.id]
        )
        self.assertAsStock(both)
        self.assertAsStock(self.partners.with_company(self.company_2))
        # the figures are not all zero: the comparison compares something
        self.client_a.invalidate_recordset(STOCK)
        self.assertEqual(self.client_a.total_invoiced, 1000 - 300 + 200 + 200)
        # (stock's Invoiced does not depend on the companies in its cache)
        self.client_b.invalidate_recordset(STOCK)
        self.assertEqual(self.client_b.with_env(both.env).total_invoiced, 70 + 90)
        self.assertEqual(self.client_b.credit, -55)
        self.assertEqual(self.client_b.debit, 50)
        self.assertGreater(self.client_a.days_sales_outstanding, 0)

    def test_the_engine_serves_the_commercial_partners(self):
        served = self.partners._client_hub_engine_invoiced()
        self.assertEqual(set(served), {self.client_a.id, self.client_b.id})
        # a company under the client: stock counts its invoices in the client's too
        sub = self.env["res.partner"].create(
            {"name": "Alpha branch", "is_company": True, "parent_id": self.client_a.id}
        )
        self._invoice(600, partner=sub)
        self.assertNotIn(self.client_a.id, self.partners._client_hub_engine_invoiced())
        self.assertAsStock(self.partners | sub)

    def test_after_payments_reversals_and_reparenting(self):
        invoice = self._invoice(800, due_in=-40)
        self._register_payment(invoice, 330, payment_date=self.today - timedelta(3))
        invoice._reverse_moves(cancel=True)
        other = self._invoice(120, partner=self.contact_a)
        self.contact_a.parent_id = self.client_b
        self.assertFalse(self.partners._client_hub_engine_invoiced())
        self.assertAsStock(self.partners)
        other.button_draft()
        other.button_cancel()
        self.assertAsStock(self.partners)

    def test_cash_rounding_lines_leave_stock_its_compute(self):
        rounding = self.env["account.cash.rounding"].create(
            {
                "name": "5",
                "rounding": 5,
                "strategy": "add_invoice_line",
                "profit_account_id": self.company_data["default_account_revenue"].id,
                "loss_account_id": self.company_data["default_account_expense"].id,
            }
        )
        invoice = self._invoice(101, partner=self.client_b, post=False, taxed=False)
        invoice.invoice_cash_rounding_id = rounding
        invoice.action_post()
        self.assertEqual(invoice.amount_untaxed_signed, 100)
        self.assertEqual(
            set(self.partners._client_hub_engine_invoiced()), {self.client_a.id}
        )
        self.assertAsStock(self.partners)

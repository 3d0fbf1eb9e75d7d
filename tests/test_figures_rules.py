"""The figures' fast path (the buckets, every invoice of the current company) is taken only
when the user's record rules on invoices allow what stock Odoo's multi-company rule allows;
a rule that names nothing but `company_id` may still allow less (issue 23, finding 9), and
then the figures add up what the user may read, live."""

from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common import FIGURES, DashboardCommon

MOVE_TYPES = ("out_invoice", "out_refund")


@tagged("post_install", "-at_install")
class TestFiguresRules(DashboardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.main = cls.env.company
        cls.company_2 = cls.setup_other_company()["company"]
        cls.accountant = new_test_user(
            cls.env,
            login="ch_rules_accountant",
            groups="base.group_user,account.group_account_invoice",
            company_id=cls.main.id,
            company_ids=[Command.set((cls.main | cls.company_2).ids)],
        )
        cls.late = cls._invoice(1000, due_in=-10)  # 1100, late
        cls._pay(cls.late, 400)
        cls._invoice(500)  # 550, not due
        cls._invoice(100, move_type="out_refund", due_in=0)  # -110
        cls._invoice(700, company=cls.company_2, due_in=-5)  # another company's

    def _client(self, user=None):
        """Alpha as ``user`` (the accountant) working in the main company, both of its
        companies allowed (the switcher's two boxes ticked)."""
        return self.client_a.with_user(user or self.accountant).with_context(
            allowed_company_ids=(self.main | self.company_2).ids
        )

    def _add_rule(self, domain):
        """A global rule on invoices, as an administrator may add."""
        return self.env["ir.rule"].create(
            {
                "name": "Client Hub test: invoices of some companies",
                "model_id": self.env["ir.model"]._get_id("account.move"),
                "domain_force": domain,
            }
        )

    def _summed_under_rules(self, client):
        """The client's figures added up from the invoices the user may read."""
        moves = client.env["account.move"].search(
            [
                ("commercial_partner_id", "=", client.id),
                ("company_id", "=", client.env.company.id),
                ("state", "=", "posted"),
                ("move_type", "in", MOVE_TYPES),
            ]
        )
        invoiced = sum(moves.mapped("amount_total_signed"))
        due = sum(moves.mapped("amount_residual_signed"))
        return [invoiced, invoiced - due, due]

    def _figures(self, client):
        client.invalidate_recordset(FIGURES)
        return [client[fname] for fname in FIGURES]

    def test_stock_rules_take_the_buckets(self):
        client = self._client()
        self.assertEqual(client.env.company, self.main)
        Buckets = client.env["client_hub.figures.bucket"]
        self.assertTrue(Buckets._use_buckets(), "two companies allowed")
        self.assertTrue(
            Buckets.with_context(allowed_company_ids=self.main.ids)._use_buckets(),
            "one company allowed",
        )
        self.assertEqual(
            self._figures(client), [1540.0, 400.0, 1140.0, 700.0], "from the buckets"
        )
        # salespeople under sale's "own documents" rules stay on the live path
        salesman = new_test_user(
            self.env,
            login="ch_rules_salesman",
            groups="base.group_user,sales_team.group_sale_salesman",
        )
        self.assertFalse(
            self.client_a.with_user(salesman)
            .env["client_hub.figures.bucket"]
            ._use_buckets()
        )

    def test_rule_on_one_company_adds_up_what_it_allows(self):
        """``company_id = <the other company>``: nothing of the main company is readable,
        whatever the switcher allows; the figures are not the buckets' totals."""
        self._add_rule(f"[('company_id', '=', {self.company_2.id})]")
        client = self._client()
        self.assertFalse(client.env["client_hub.figures.bucket"]._use_buckets())
        self.assertEqual(self._summed_under_rules(client), [0, 0, 0])
        self.assertEqual(self._figures(client), [0.0, 0.0, 0.0, 0.0])

    def test_rule_excluding_companies_adds_up_what_it_allows(self):
        self._add_rule(f"[('company_id', 'not in', [{self.main.id}])]")
        client = self._client()
        self.assertFalse(client.env["client_hub.figures.bucket"]._use_buckets())
        self.assertEqual(self._figures(client), [0.0, 0.0, 0.0, 0.0])

    def test_rule_allowing_the_same_takes_the_buckets(self):
        """A rule that allows what the multi-company rule allows (the same domain
        again) keeps the fast path: the decision is on what is allowed."""
        self._add_rule("[('company_id', 'in', company_ids)]")
        client = self._client()
        self.assertTrue(client.env["client_hub.figures.bucket"]._use_buckets())
        self.assertEqual(self._figures(client)[:3], self._summed_under_rules(client))

    def test_rule_on_company_and_amount_adds_up_what_it_allows(self):
        self._add_rule(
            "[('company_id', 'in', company_ids), ('amount_total', '<', 1000)]"
        )
        client = self._client()
        self.assertFalse(client.env["client_hub.figures.bucket"]._use_buckets())
        self.assertEqual(self._summed_under_rules(client), [440.0, 0.0, 440.0])
        self.assertEqual(self._figures(client), [440.0, 0.0, 440.0, 0.0])

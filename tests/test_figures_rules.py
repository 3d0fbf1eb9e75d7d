"""The figures' fast path (the trigger-kept buckets) is taken only when the user's record
rules on invoices allow every invoice of the current company (finding 9): decided from what
the rules allow, not from their shape."""

from odoo.tests import new_test_user, tagged

from .common import DashboardCommon


@tagged("post_install", "-at_install")
class TestFiguresRules(DashboardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.other_company = cls.env["res.company"].create({"name": "CH Rules Other Co"})
        cls.accountant = new_test_user(
            cls.env,
            login="ch_rules_accountant",
            groups="account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[cls.company.id, cls.other_company.id],
        )
        cls._invoice(1000, due_in=-10)  # 1100 open and late
        cls._invoice(500)  # 550 open

    def _restrict(self, domain):
        """A custom global read rule on invoices (global rules restrict every user; group
        rules would be or-ed with the accountants' own "all invoices" rule)."""
        self.env["ir.rule"].create(
            {
                "name": "CH rules: custom",
                "model_id": self.env.ref("account.model_account_move").id,
                "domain_force": domain,
                "perm_read": True,
            }
        )

    def _figures_as_accountant(self):
        client = self.client_a.with_user(self.accountant).with_company(self.company)
        Buckets = client.env["client_hub.figures.bucket"]
        return client, Buckets

    def _expected(self, client):
        """What the user's own rules let them add up: SUM over the invoices they read."""
        moves = client.env["account.move"].search(
            [
                ("commercial_partner_id", "=", self.client_a.id),
                ("company_id", "=", self.company.id),
                ("state", "=", "posted"),
                ("move_type", "in", ("out_invoice", "out_refund")),
            ]
        )
        return sum(moves.mapped("amount_total_signed"))

    def test_stock_multi_company_rule_takes_the_fast_path(self):
        client, Buckets = self._figures_as_accountant()
        self.assertTrue(Buckets._use_buckets())
        self.assertFigures(
            client, invoiced=1650.0, paid=0.0, due=1650.0, overdue=1100.0
        )

    def test_rule_on_the_company_that_allows_nothing_here(self):
        """Only the other company's invoices: shaped like the stock rule, it hides every
        invoice of the current company, so the figures are zero, not the buckets'."""
        self._restrict(f"[('company_id', '=', {self.other_company.id})]")
        client, Buckets = self._figures_as_accountant()
        self.assertFalse(Buckets._use_buckets())
        self.assertEqual(self._expected(client), 0.0)
        self.assertFigures(client, invoiced=0.0, paid=0.0, due=0.0, overdue=0.0)

    def test_rule_excluding_the_current_company(self):
        self._restrict(f"[('company_id', 'not in', [{self.company.id}])]")
        client, Buckets = self._figures_as_accountant()
        self.assertFalse(Buckets._use_buckets())
        self.assertFigures(client, invoiced=0.0, paid=0.0, due=0.0, overdue=0.0)

    def test_rule_allowing_the_current_company_keeps_the_fast_path(self):
        """Another shape that allows every invoice of the current company: still fast."""
        self._restrict(
            f"['|', ('company_id', '=', {self.company.id}), "
            f"('company_id', 'child_of', [{self.other_company.id}])]"
        )
        client, Buckets = self._figures_as_accountant()
        self.assertTrue(Buckets._use_buckets())
        self.assertEqual(self._expected(client), 1650.0)
        self.assertFigures(
            client, invoiced=1650.0, paid=0.0, due=1650.0, overdue=1100.0
        )

    def test_rule_on_another_field_takes_the_live_path(self):
        self._restrict("[('amount_total', '<', 1000)]")
        client, Buckets = self._figures_as_accountant()
        self.assertFalse(Buckets._use_buckets())
        self.assertEqual(self._expected(client), 550.0)
        self.assertFigures(client, invoiced=550.0, paid=0.0, due=550.0, overdue=0.0)

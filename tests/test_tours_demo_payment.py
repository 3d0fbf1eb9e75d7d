"""The pay tour, paid with Odoo's Demo provider: it runs only where `payment_demo` is installed.

client_hub does not depend on `payment_demo` (a published demo provider settles invoices for
free), so this file is not imported by `tests/__init__.py`: `make test` runs it in a second
pytest run against its lifecycle database, which is installed like `make run`'s demo
(`-i client_hub,payment_demo --with-demo`, then `tools/demo_payment_provider.py`). The class
creates everything it pays for itself, so any database with `payment_demo` will do, e.g.
``EXTRA_MODULES=payment_demo chtest <db> client_hub/tests/test_tours_demo_payment.py``;
elsewhere it is skipped with the reason.
"""

import unittest

from odoo.modules.registry import Registry
from odoo.tests import tagged
from odoo.tests.common import get_db_name

from .common import ClientHubAccountingCommon, ClientHubHttpCommon


def payment_demo_installed():
    """Tell whether `payment_demo` is installed in the database under test."""
    with Registry(get_db_name()).cursor() as cr:
        cr.execute("SELECT state FROM ir_module_module WHERE name = 'payment_demo'")
        row = cr.fetchone()
    return bool(row) and row[0] == "installed"


@tagged("post_install", "-at_install")
class TestDemoPaymentTour(ClientHubAccountingCommon, ClientHubHttpCommon):
    """Statement -> tick two invoices -> pay them with the Demo provider, in a browser."""

    @classmethod
    def setUpClass(cls):
        if not payment_demo_installed():
            raise unittest.SkipTest(
                "payment_demo is not installed in this database: the demo payment tour runs on a "
                "database installed like make run's (client_hub,payment_demo), see tools/harness.sh"
            )
        super().setUpClass()
        # The tour tells the invoices apart by their amounts: 120 overdue, 250 and 400 due later.
        cls.inv_overdue = cls._make_invoice(cls.client_a, 120.0, due_in=-10)
        cls.inv_current = cls._make_invoice(cls.client_a, 250.0, due_in=20)
        cls.inv_later = cls._make_invoice(cls.client_a, 400.0, due_in=40)
        cls.inv_other = cls._make_invoice(cls.client_b, 900.0, due_in=-10)

        # The demo provider of the test company alone, paying into its bank journal.
        providers = (
            cls.env["payment.provider"]
            .sudo()
            .search([("company_id", "=", cls.env.company.id)])
        )
        providers.filtered(lambda p: p.code != "demo").state = "disabled"
        cls.provider = providers.filtered(lambda p: p.code == "demo")
        cls.provider.write(
            {"state": "test", "is_published": True, "journal_id": cls.bank_journal.id}
        )

    def test_portal_pay_selected_invoices(self):
        """Statement -> tick two invoices -> demo provider -> both paid, nothing else."""
        self.assertEqual(len(self.provider), 1, "the test company has no Demo provider")
        self.start_tour(
            "/my/statement", "client_hub_portal_pay_tour", login=self.portal_a.login
        )
        self.assertEqual(
            (self.inv_overdue | self.inv_current).mapped("payment_state"),
            ["paid", "paid"],
        )
        self.assertEqual(self.inv_later.payment_state, "not_paid")
        self.assertEqual(self.inv_other.payment_state, "not_paid")
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .search([("invoice_ids", "in", self.inv_overdue.ids)])
        )
        self.assertRecordValues(
            tx,
            [
                {
                    "state": "done",
                    "amount": 370.0,
                    "provider_id": self.provider.id,
                    "partner_id": self.portal_a.partner_id.id,
                }
            ],
        )
        self.assertEqual(tx.invoice_ids, self.inv_overdue | self.inv_current)

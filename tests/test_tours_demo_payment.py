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
from datetime import timedelta

from odoo import fields
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import get_db_name

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


def payment_demo_installed():
    """Tell whether `payment_demo` is installed in the database under test."""
    with Registry(get_db_name()).cursor() as cr:
        cr.execute("SELECT state FROM ir_module_module WHERE name = 'payment_demo'")
        row = cr.fetchone()
    return bool(row) and row[0] == "installed"


@tagged("post_install", "-at_install")
class TestDemoPaymentTour(AccountTestInvoicingCommon, HttpCase):
    """Statement -> tick two invoices -> pay them with the Demo provider, in a browser."""

    @classmethod
    def setUpClass(cls):
        if not payment_demo_installed():
            raise unittest.SkipTest(
                "payment_demo is not installed in this database: the demo payment tour runs on a "
                "database installed like make run's (client_hub,payment_demo), see tools/harness.sh"
            )
        super().setUpClass()
        env = cls.env
        cls.today = fields.Date.context_today(env.user)
        company = env.company
        cls.client = env["res.partner"].create({
            "name": "Sakura Tour Co", "is_company": True, "customer_rank": 1,
            "email": "billing@sakura-tour.example.com",
        })
        cls.hana = new_test_user(
            env, login="ch_tour_hana", groups="base.group_portal", name="Hana Sakura",
            email="hana@sakura-tour.example.com", company_id=company.id, company_ids=[Command.set(company.ids)],
        )
        cls.hana.partner_id.parent_id = cls.client
        cls.other = env["res.partner"].create({"name": "Other Tour Co", "is_company": True, "customer_rank": 1})

        # The tour tells the invoices apart by their amounts: 120 overdue, 250 and 400 due later.
        cls.inv_overdue = cls._tour_invoice(cls.client, 120.0, due_in=-10)
        cls.inv_current = cls._tour_invoice(cls.client, 250.0, due_in=20)
        cls.inv_later = cls._tour_invoice(cls.client, 400.0, due_in=40)
        cls.inv_other = cls._tour_invoice(cls.other, 900.0, due_in=-10)

        # The demo provider of the test company alone, paying into its bank journal.
        providers = env["payment.provider"].sudo().search([("company_id", "=", company.id)])
        providers.filtered(lambda p: p.code != "demo").state = "disabled"
        cls.provider = providers.filtered(lambda p: p.code == "demo")
        cls.provider.write({
            "state": "test", "is_published": True, "journal_id": cls.company_data["default_journal_bank"].id,
        })

    @classmethod
    def _tour_invoice(cls, partner, amount, due_in):
        due = cls.today + timedelta(days=due_in)
        invoice = cls.env["account.move"].create({
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": due - timedelta(days=30),
            "invoice_payment_term_id": False,
            "invoice_date_due": due,
            "invoice_line_ids": [Command.create({
                "name": "Consulting", "quantity": 1, "price_unit": amount, "tax_ids": [Command.clear()],
            })],
        })
        invoice.action_post()
        invoice.invoice_date_due = due
        return invoice

    def test_portal_pay_selected_invoices(self):
        """Statement -> tick two invoices -> demo provider -> both paid, nothing else."""
        self.assertEqual(len(self.provider), 1, "the test company has no Demo provider")
        self.start_tour("/my/statement", "client_hub_portal_pay_tour", login=self.hana.login)
        self.assertEqual((self.inv_overdue | self.inv_current).mapped("payment_state"), ["paid", "paid"])
        self.assertEqual(self.inv_later.payment_state, "not_paid")
        self.assertEqual(self.inv_other.payment_state, "not_paid")
        tx = self.env["payment.transaction"].sudo().search([("invoice_ids", "in", self.inv_overdue.ids)])
        self.assertRecordValues(tx, [{
            "state": "done", "amount": 370.0, "provider_id": self.provider.id, "partner_id": self.hana.partner_id.id,
        }])
        self.assertEqual(tx.invoice_ids, self.inv_overdue | self.inv_current)

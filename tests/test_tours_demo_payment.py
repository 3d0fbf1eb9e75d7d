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
from urllib.parse import urlsplit

from odoo.modules.registry import Registry
from odoo.tests import tagged
from odoo.tests.common import get_db_name

from odoo.addons.mail.tests.common import MailCase

from .common import MAGIC_RE, ClientHubAccountingCommon, ClientHubHttpCommon


def payment_demo_installed():
    """Tell whether `payment_demo` is installed in the database under test."""
    with Registry(get_db_name()).cursor() as cr:
        cr.execute("SELECT state FROM ir_module_module WHERE name = 'payment_demo'")
        row = cr.fetchone()
    return bool(row) and row[0] == "installed"


def skip_without_payment_demo():
    if not payment_demo_installed():
        raise unittest.SkipTest(
            "payment_demo is not installed in this database: the demo payment tour runs on a "
            "database installed like make run's (client_hub,payment_demo), see tools/harness.sh"
        )


def publish_demo_provider(env, journal):
    """Make the Demo provider of the test company the only one, paying into ``journal``.

    :return: payment.provider record (empty when the company has none)
    """
    providers = (
        env["payment.provider"].sudo().search([("company_id", "=", env.company.id)])
    )
    providers.filtered(lambda p: p.code != "demo").state = "disabled"
    provider = providers.filtered(lambda p: p.code == "demo")
    provider.write({"state": "test", "is_published": True, "journal_id": journal.id})
    return provider


@tagged("post_install", "-at_install")
class TestDemoPaymentTour(ClientHubAccountingCommon, ClientHubHttpCommon):
    """Statement -> tick two invoices -> pay them with the Demo provider, in a browser."""

    @classmethod
    def setUpClass(cls):
        skip_without_payment_demo()
        super().setUpClass()
        # The tour tells the invoices apart by their amounts: 120 overdue, 250 and 400 due later.
        cls.inv_overdue = cls._make_invoice(cls.client_a, 120.0, due_in=-10)
        cls.inv_current = cls._make_invoice(cls.client_a, 250.0, due_in=20)
        cls.inv_later = cls._make_invoice(cls.client_a, 400.0, due_in=40)
        cls.inv_other = cls._make_invoice(cls.client_b, 900.0, due_in=-10)

        # The demo provider of the test company alone, paying into its bank journal.
        cls.provider = publish_demo_provider(cls.env, cls.bank_journal)

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


@tagged("post_install", "-at_install")
class TestDemoStatementEmailTour(
    ClientHubAccountingCommon, ClientHubHttpCommon, MailCase
):
    """Statement e-mail link -> the overdue invoices ticked -> pay with the Demo provider ->
    Paid, in a browser that starts signed out."""

    @classmethod
    def default_env_context(cls):
        return {}  # the statement is e-mailed

    @classmethod
    def setUpClass(cls):
        skip_without_payment_demo()
        super().setUpClass()
        # the client signs in with the link: its portal user is made in the test company
        cls.client_a.company_id = cls.env.company
        # The tour tells the invoices apart by their amounts: 120 and 75 overdue, 250 not yet.
        cls.inv_overdue = cls._make_invoice(cls.client_a, 120.0, due_in=-10)
        cls.inv_overdue_old = cls._make_invoice(cls.client_a, 75.0, due_in=-40)
        cls.inv_current = cls._make_invoice(cls.client_a, 250.0, due_in=20)
        cls.provider = publish_demo_provider(cls.env, cls.bank_journal)

    def test_statement_email_link_to_paid(self):
        self.assertEqual(len(self.provider), 1, "the test company has no Demo provider")
        action = self.client_a.action_client_send_statement()
        composer = (
            self.env["mail.compose.message"]
            .with_context(**action["context"])
            .create({})
        )
        with self.mock_mail_gateway():
            composer.action_send_mail()
        [body] = [
            mail["body"]
            for mail in self._mails
            if self.client_a.email_normalized in mail["email_to"][0]
        ]
        link = urlsplit(MAGIC_RE.search(body).group(0).replace("&amp;", "&"))
        self.start_tour(
            f"{link.path}?{link.query}",
            "client_hub_statement_email_pay_tour",
            login=None,
        )
        overdue = self.inv_overdue | self.inv_overdue_old
        self.assertEqual(overdue.mapped("payment_state"), ["paid", "paid"])
        self.assertEqual(self.inv_current.payment_state, "not_paid")
        log = self.env["client_hub.statement.log"].search(
            [("partner_id", "=", self.client_a.id)]
        )
        self.assertTrue(log.opened_date, "the statement reads opened")
        self.assertEqual(log.amount_paid, 195.0, "and paid from")

import re

from odoo.tests import tagged

from .common import ClientHubHttpCommon, StatementFixtures, StatementHttpMixin


@tagged("post_install", "-at_install")
class TestStatementProviders(
    StatementFixtures, StatementHttpMixin, ClientHubHttpCommon
):
    """In a database where client_hub is installed as shipped (here: without demo data), a
    client is offered no payment provider that an administrator did not publish: no demo
    provider, nothing in test mode."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_statement_documents()  # The documents only: the providers stay as installed.

    def setUp(self):
        super().setUp()
        self._login(self.portal_a)

    def _offered_providers(self):
        """Open the payment page of an open invoice and return the providers it offers."""
        response = self._post(
            "/my/statement/pay", self.inv_overdue.ids, allow_redirects=True
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            "o_client_statement_pay_amount", response.text
        )  # The statement's payment page.
        ids = {
            int(provider_id)
            for provider_id in re.findall(r'data-provider-id="(\d+)"', response.text)
        }
        return self.env["payment.provider"].sudo().browse(ids)

    def test_payment_demo_is_not_installed_nor_a_dependency(self):
        Module = self.env["ir.module.module"].sudo()
        client_hub = Module.search([("name", "=", "client_hub")])
        self.assertNotIn("payment_demo", client_hub.dependencies_id.mapped("name"))
        self.assertNotEqual(
            Module.search([("name", "=", "payment_demo")]).state, "installed"
        )

    def test_no_demo_or_test_mode_provider_offered(self):
        offered = self._offered_providers()
        self.assertFalse(
            offered.filtered(
                lambda provider: provider.state == "test" or provider.code == "demo"
            ),
            "a provider the administrator did not publish is offered to the client",
        )
        # Control: a provider the administrator enables and publishes is offered.
        stripe_sudo = self.env.ref("payment.payment_provider_stripe").sudo()
        stripe_sudo.write(
            {
                "state": "enabled",
                "is_published": True,
                "journal_id": self.bank_journal.id,
                "stripe_secret_key": "sk_live_client_hub",
                "stripe_publishable_key": "pk_live_client_hub",
            }
        )
        self.assertIn(stripe_sudo, self._offered_providers())

    def test_transaction_route_refuses_the_demo_provider(self):
        demo_sudo = self.env.ref("payment.payment_provider_demo").sudo()
        payment_method = self.env.ref(
            "payment_demo.payment_method_demo", raise_if_not_found=False
        ) or self.env.ref("payment.payment_method_card")
        params = self._transaction_params(demo_sudo, payment_method, 100.0)
        response = self.url_open(
            f"/my/statement/transaction/{self.inv_overdue.id}",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "id": 1,
                "params": params,
            },
        )
        error = response.json().get("error", {}).get("data", {})
        self.assertEqual(error.get("name"), "odoo.exceptions.ValidationError")
        self.assertIn("This payment method is not available.", error.get("message"))
        self.assertFalse(self._transactions_of(self.inv_overdue))

"""Bank transfer and konbini are offered wherever a client pays, not only on the statement:
the invoice page (stock `account_payment`'s `/invoice/transaction/<id>`) books them the same
way, and another client gets nothing of the client's through it."""

from odoo.tests import JsonRpcException, tagged
from odoo.tools import mute_logger

from .common import STRIPE_LOGGERS
from .test_jp_payment_methods import JpPaymentCase


@tagged("post_install", "-at_install")
class TestJpPaymentEverywhere(JpPaymentCase):
    def _methods_offered(self, html):
        return {
            code
            for code in ("jp_bank_transfer", "konbini", "card")
            if f'data-payment-method-code="{code}"' in html
        }

    def test_invoice_page_offers_bank_transfer_and_konbini(self):
        page = self.url_open(f"/my/invoices/{self.inv_first.id}").text
        self.assertEqual(
            self._methods_offered(page), {"jp_bank_transfer", "konbini", "card"}
        )
        # A euro invoice offers neither: both are JPY only.
        page = self.url_open(f"/my/invoices/{self.inv_overdue.id}").text
        self.assertNotIn('data-payment-method-code="jp_bank_transfer"', page)
        self.assertNotIn('data-payment-method-code="konbini"', page)

    def test_invoice_page_above_the_konbini_limit(self):
        big = self._make_invoice(self.client_a, 300001, currency=self.jpy)
        page = self.url_open(f"/my/invoices/{big.id}").text
        self.assertIn('data-payment-method-code="jp_bank_transfer"', page)
        self.assertNotIn('data-payment-method-code="konbini"', page)

    def _pay_invoice(self, invoice, payment_method, access_token=None):
        params = self._transaction_params(
            self.provider_stripe, payment_method, invoice.amount_residual
        )
        params["access_token"] = access_token or invoice._portal_ensure_token()
        del params["payment_reference"]  # the statement's; stock's route refuses it
        params["landing_route"] = invoice.get_portal_url()
        return self.make_jsonrpc_request(f"/invoice/transaction/{invoice.id}", params)

    def test_bank_transfer_from_the_invoice_page_is_booked_exactly(self):
        processing = self._pay_invoice(self.inv_second, self.pm_bank)
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .search([("reference", "=", processing["reference"])])
        )
        self.assertEqual(tx.invoice_ids, self.inv_second)
        self.assertEqual(tx.state, "pending")
        payload = self.intent_payloads[-1]
        self.assertEqual(payload["payment_method_types[]"], "customer_balance")
        self.assertEqual(payload["amount"], 70000)
        self.assertEqual(
            payload["customer"], self.client_a.client_hub_stripe_customer_id
        )
        # Its account number is the client's, shown on the statement.
        self.assertIn("1234567", self.url_open("/my/statement").text)
        self._send_webhook(self._funded(tx, 20000))
        self._send_webhook(self._funded(tx, 20000))  # the same transfer again
        self.assertEqual(self._booked(tx), [20000])
        self.assertEqual(self.inv_second.payment_state, "partial")
        self._send_webhook(self._succeeded(tx))
        self.assertEqual(sum(self._booked(tx)), 70000)
        self.assertEqual(self.inv_second.payment_state, "paid")

    @mute_logger(*STRIPE_LOGGERS, "odoo.http")
    def test_another_client_cannot_pay_or_see_through_the_invoice_page(self):
        processing = self._pay_invoice(self.inv_first, self.pm_konbini)
        self.assertTrue(processing["reference"])
        self._login(self.portal_b)
        # Alpha's invoice page is refused to Bravo without its token.
        response = self.url_open(
            f"/my/invoices/{self.inv_first.id}", allow_redirects=False
        )
        self.assertIn(response.status_code, (302, 303))
        page = self.url_open(f"/my/invoices/{self.inv_b_jpy.id}").text
        self.assertNotIn("LW-123456", page)
        self.assertNotIn("1234567", page)
        # A forged access token pays nothing.
        before = self._transactions_of(self.inv_first)
        with self.assertRaises(JsonRpcException):
            self._pay_invoice(self.inv_first, self.pm_bank, access_token="forged")
        self.assertEqual(self._transactions_of(self.inv_first), before)

import time
from unittest.mock import patch

from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from odoo.addons.payment_stripe.controllers.main import StripeController

from .common_statement import (
    STRIPE_WEBHOOK_SECRET,
    StatementFixtures,
    StatementHttpMixin,
    stripe_event,
    stripe_signature,
)

WEBHOOK_LOGGERS = (
    "odoo.addons.client_hub.controllers.stripe_webhook",
    "odoo.addons.payment_stripe.controllers.main",
    "odoo.addons.payment.models.payment_transaction",
    "odoo.addons.payment_stripe.models.payment_transaction",
)


@tagged("post_install", "-at_install")
class TestStripeSignature(StatementFixtures, TransactionCase):
    """The signature check itself, against Stripe's documented scheme."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_statement_fixtures()
        cls.payload = b'{"id": "evt_1", "type": "payment_intent.succeeded"}'

    def _check(self, header, payload=None, now=None):
        return self.provider_stripe._client_hub_stripe_check_signature(payload or self.payload, header, now=now)

    def test_valid_signature(self):
        t, sig = stripe_signature(self.payload)
        self.assertTrue(self._check(f"t={t},v1={sig}"))

    def test_rotation_accepts_any_v1(self):
        t, sig = stripe_signature(self.payload)
        _t, old = stripe_signature(self.payload, secret="whsec_old", timestamp=t)
        self.assertTrue(self._check(f"t={t},v1={old},v1={sig},v0=deadbeef"))
        self.assertTrue(self._check(f"t={t},v1={sig},v1={old}"))
        self.assertFalse(self._check(f"t={t},v1={old}"))

    def test_refusals(self):
        t, sig = stripe_signature(self.payload)
        _t, forged = stripe_signature(self.payload, secret="whsec_forged", timestamp=t)
        cases = {
            "no header": "",
            "no timestamp": f"v1={sig}",
            "no v1": f"t={t},v0={sig}",
            "forged secret": f"t={t},v1={forged}",
            "garbage": "nonsense",
            "bad timestamp": f"t=abc,v1={sig}",
            "two timestamps": f"t={t},t={t + 1},v1={sig}",
        }
        for label, header in cases.items():
            with self.subTest(label):
                self.assertFalse(self._check(header))
        # The body is signed byte for byte: one more space and it is another body.
        self.assertFalse(self._check(f"t={t},v1={sig}", payload=self.payload + b" "))

    def test_timestamp_tolerance(self):
        t, sig = stripe_signature(self.payload, timestamp=int(time.time()) - 600)
        self.assertFalse(self._check(f"t={t},v1={sig}"))  # a replay ten minutes later
        self.assertTrue(self._check(f"t={t},v1={sig}", now=t + 299))
        self.assertFalse(self._check(f"t={t},v1={sig}", now=t - 301))  # from the future

    def test_no_secret_no_signature(self):
        t, sig = stripe_signature(self.payload)
        self.provider_stripe.stripe_webhook_secret = False
        self.assertFalse(self._check(f"t={t},v1={sig}"))


@tagged("post_install", "-at_install")
class TestStripeStatementPayment(StatementFixtures, StatementHttpMixin, HttpCase):
    """Pay from the statement with Stripe, its HTTP API mocked at `_send_api_request`."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_statement_fixtures()
        cls.invoices = cls.inv_overdue | cls.inv_current

    def setUp(self):
        super().setUp()
        self.authenticate("ch_alice", "ch_alice")
        self.api_calls = []
        patcher = patch.object(
            self.env.registry["payment.provider"], "_send_api_request", autospec=True,
            side_effect=self._fake_stripe_api,
        )
        patcher.start()
        self.addCleanup(patcher.stop)

    def _fake_stripe_api(self, provider, method, endpoint, **kwargs):
        self.api_calls.append((method, endpoint))
        if endpoint == "customers":
            return {"id": "cus_client_hub"}
        if endpoint == "payment_intents":
            return {
                "id": "pi_client_hub",
                "client_secret": "pi_client_hub_secret_x",
                "status": "requires_payment_method",
                "amount": kwargs["data"]["amount"],
                "currency": kwargs["data"]["currency"],
            }
        raise AssertionError(f"unexpected Stripe call {method} {endpoint}")

    def _start_payment(self):
        route = f"/my/statement/transaction/{self.inv_overdue.id}-{self.inv_current.id}"
        params = self._transaction_params(self.provider_stripe, self.pm_card, 300.0)
        processing = self.make_jsonrpc_request(route, params)
        self.assertEqual(processing["client_secret"], "pi_client_hub_secret_x")
        self.assertIn(("POST", "payment_intents"), self.api_calls)
        return self.env["payment.transaction"].sudo().search([("reference", "=", processing["reference"])])

    def _send_webhook(self, payload, header=None, secret=STRIPE_WEBHOOK_SECRET, timestamp=None):
        if header is None:
            t, sig = stripe_signature(payload, secret=secret, timestamp=timestamp)
            header = f"t={t},v1={sig}"
        headers = {"Content-Type": "application/json"}
        if header:
            headers["Stripe-Signature"] = header
        with mute_logger(*WEBHOOK_LOGGERS):
            response = self.url_open(StripeController._webhook_url, data=payload, headers=headers)
        self.env.invalidate_all()
        return response

    def _assert_untouched(self, tx):
        self.assertEqual(tx.state, "draft")
        self.assertFalse(tx.payment_id)
        self.assertEqual(self.invoices.mapped("payment_state"), ["not_paid", "not_paid"])
        self.assertEqual(self.invoices.mapped("amount_residual"), [100.0, 200.0])

    def _payments_of(self, tx):
        return self.env["account.payment"].sudo().search([("payment_transaction_id", "=", tx.id)])

    def test_signed_webhook_pays_at_once(self):
        tx = self._start_payment()
        self.assertEqual(tx.amount, 300.0)
        response = self._send_webhook(stripe_event(tx))
        self.assertEqual(response.status_code, 200)
        # Paid straight after the webhook: no status page poll, no cron run.
        self.assertEqual(tx.state, "done")
        self.assertTrue(tx.is_post_processed)
        self.assertEqual(self.invoices.mapped("payment_state"), ["paid", "paid"])
        self.assertEqual(self._payments_of(tx).amount, 300.0)

    def test_duplicate_replayed_and_out_of_order_events_pay_once(self):
        tx = self._start_payment()
        succeeded = stripe_event(tx)
        t, sig = stripe_signature(succeeded)
        header = f"t={t},v1={sig}"
        self.assertEqual(self._send_webhook(succeeded, header=header).status_code, 200)
        payment = tx.payment_id
        # The very same delivery again (Stripe retries), and a fresh re-sign of it.
        self.assertEqual(self._send_webhook(succeeded, header=header).status_code, 200)
        self.assertEqual(self._send_webhook(succeeded).status_code, 200)
        # Late events of an earlier stage arrive after the success.
        for event_type, status in (("payment_intent.processing", "processing"),
                                   ("payment_intent.payment_failed", "requires_payment_method"),
                                   ("payment_intent.canceled", "canceled")):
            self.assertEqual(self._send_webhook(stripe_event(tx, event_type, status)).status_code, 200)
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.payment_id, payment)
        self.assertEqual(len(self._payments_of(tx)), 1)
        self.assertEqual(self.invoices.mapped("payment_state"), ["paid", "paid"])
        self.assertEqual(sum(self.invoices.mapped("amount_residual")), 0.0)

    def test_processing_the_same_event_twice_in_one_transaction(self):
        """What a second worker does after the first one committed: the row lock serialises
        them, the second sees a done and post-processed transaction and does nothing."""
        tx = self._start_payment()
        data = {
            "reference": tx.reference,
            "payment_intent": {"id": "pi_client_hub", "status": "succeeded", "amount": 30000, "currency": "usd"},
            "payment_method": {"type": "card", "card": {"brand": "visa"}},
        }
        with mute_logger(*WEBHOOK_LOGGERS):
            tx._process("stripe", dict(data))
            tx._process("stripe", dict(data))
            self.env["payment.transaction"]._process("stripe", dict(data))
        self.assertEqual(len(self._payments_of(tx)), 1)
        self.assertEqual(self.invoices.mapped("payment_state"), ["paid", "paid"])
        # The cron and the status page only pick transactions not post-processed yet.
        self.assertTrue(tx.is_post_processed)

    def test_unsigned_and_forged_webhooks_refused(self):
        tx = self._start_payment()
        payload = stripe_event(tx)
        t, _sig = stripe_signature(payload)
        cases = {
            "unsigned": "",
            "forged secret": None,
            "signature of another body": f"t={t},v1={stripe_signature(payload + b' ', timestamp=t)[1]}",
            "replayed after tolerance": "old",
            "malformed header": "t=abc;v1=zzz",
        }
        for label, header in cases.items():
            with self.subTest(label):
                if header is None:
                    response = self._send_webhook(payload, secret="whsec_forged")
                elif header == "old":
                    response = self._send_webhook(payload, timestamp=int(time.time()) - 3600)
                else:
                    response = self._send_webhook(payload, header=header)
                self.assertEqual(response.status_code, 403)
                self._assert_untouched(tx)

    def test_webhook_refused_without_secret(self):
        tx = self._start_payment()
        self.provider_stripe.stripe_webhook_secret = False
        payload = stripe_event(tx)
        self.assertEqual(self._send_webhook(payload).status_code, 403)
        self.assertEqual(self._send_webhook(payload, header="").status_code, 403)
        self._assert_untouched(tx)

    def test_secret_rotation(self):
        tx = self._start_payment()
        payload = stripe_event(tx)
        t, sig = stripe_signature(payload)
        _t, old = stripe_signature(payload, secret="whsec_previous", timestamp=t)
        self.assertEqual(self._send_webhook(payload, header=f"t={t},v1={old},v1={sig}").status_code, 200)
        self.assertEqual(self.invoices.mapped("payment_state"), ["paid", "paid"])

    def test_failed_or_cancelled_payment_leaves_invoices_as_they_were(self):
        for event_type, status, state in (
            ("payment_intent.payment_failed", "requires_payment_method", "error"),
            ("payment_intent.canceled", "canceled", "cancel"),
        ):
            with self.subTest(event_type):
                before = [(m.payment_state, m.amount_residual, m.state) for m in self.invoices]
                tx = self._start_payment()
                self.assertEqual(self._send_webhook(stripe_event(tx, event_type, status)).status_code, 200)
                self.assertEqual(tx.state, state)
                self.assertFalse(self._payments_of(tx))
                self.assertEqual([(m.payment_state, m.amount_residual, m.state) for m in self.invoices], before)

    def test_post_processing_failure_keeps_the_confirmation_for_the_cron(self):
        tx = self._start_payment()
        with patch.object(self.env.registry["payment.transaction"], "_create_payment",
                          side_effect=RuntimeError("period locked")), \
                mute_logger("odoo.addons.client_hub.models.payment_transaction"):
            self.assertEqual(self._send_webhook(stripe_event(tx)).status_code, 200)
        self.assertEqual(tx.state, "done")  # Stripe's confirmation is kept...
        self.assertFalse(tx.is_post_processed)  # ...and the stock cron will retry the accounting
        self.assertFalse(self._payments_of(tx))
        self.assertEqual(self.invoices.mapped("payment_state"), ["not_paid", "not_paid"])

    def test_amount_mismatch_is_not_paid(self):
        tx = self._start_payment()
        tx.amount = 300.0
        payload = stripe_event(tx).replace(b'"amount": 30000', b'"amount": 100')
        self.assertEqual(self._send_webhook(payload).status_code, 200)
        self.assertEqual(tx.state, "error")
        self.assertEqual(self.invoices.mapped("payment_state"), ["not_paid", "not_paid"])

    def test_another_clients_transaction_cannot_be_started(self):
        self.authenticate("ch_bob", "ch_bob")
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request(
                f"/my/statement/transaction/{self.inv_overdue.id}",
                self._transaction_params(self.provider_stripe, self.pm_card, 100.0),
            )
        self.assertNotIn(("POST", "payment_intents"), self.api_calls)

import time
from unittest.mock import patch

from odoo.fields import Command
from odoo.tests import tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import (
    STRIPE_LOGGERS,
    StatementCommon,
    StatementHttpCommon,
    StripeMockMixin,
    stripe_event,
    stripe_intent_id,
    stripe_signature,
)

FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


@tagged("post_install", "-at_install")
class TestStripeSignature(StatementCommon):
    """The signature check itself, against Stripe's documented scheme."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.payload = b'{"id": "evt_1", "type": "payment_intent.succeeded"}'

    def _check(self, header, payload=None, now=None):
        return self.provider_stripe._client_hub_stripe_check_signature(
            payload or self.payload, header, now=now
        )

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
            # Unicode digits: str.isdigit() accepts them, int() refuses "²" and reads "１２３".
            "superscript timestamp": f"t=²,v1={sig}",
            "full-width timestamp": f"t={str(t).translate(FULL_WIDTH_DIGITS)},v1={sig}",
            "non-ASCII signature": f"t={t},v1=é{sig[1:]}",
            "empty values": "t=,v1=",
            "only commas": ",,,",
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


class StripeStatementCase(StatementHttpCommon, StripeMockMixin):
    """Alice (client Alpha) pays from the statement with Stripe, its API mocked."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoices = cls.inv_overdue | cls.inv_current

    def setUp(self):
        super().setUp()
        self._start_stripe_mock()

    def _start_payment(self):
        tx = self._start_stripe_payment(self.invoices, 300.0)
        self.assertIn(("POST", "payment_intents"), self.api_calls)
        return tx

    def _assert_untouched(self, tx):
        self.assertEqual(tx.state, "draft")
        self.assertFalse(tx.payment_id)
        self.assertEqual(
            self.invoices.mapped("payment_state"), ["not_paid", "not_paid"]
        )
        self.assertEqual(self.invoices.mapped("amount_residual"), [100.0, 200.0])

    def _payments_of(self, tx):
        return (
            self.env["account.payment"]
            .sudo()
            .search([("payment_transaction_id", "=", tx.id)])
        )


@tagged("post_install", "-at_install")
class TestStripeStatementPayment(StripeStatementCase):
    """Pay from the statement with Stripe, its HTTP API mocked at `_send_api_request`."""

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
        for event_type, status in (
            ("payment_intent.processing", "processing"),
            ("payment_intent.payment_failed", "requires_payment_method"),
            ("payment_intent.canceled", "canceled"),
        ):
            self.assertEqual(
                self._send_webhook(stripe_event(tx, event_type, status)).status_code,
                200,
            )
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
            "payment_intent": {
                "id": stripe_intent_id(tx.reference),
                "description": tx.reference,
                "status": "succeeded",
                "amount": 30000,
                "currency": "usd",
            },
            "payment_method": {"type": "card", "card": {"brand": "visa"}},
        }
        with mute_logger(*STRIPE_LOGGERS):
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
                    response = self._send_webhook(
                        payload, timestamp=int(time.time()) - 3600
                    )
                else:
                    response = self._send_webhook(payload, header=header)
                self.assertEqual(response.status_code, 403)
                self._assert_untouched(tx)

    def test_malformed_signature_headers_refused_not_crashing(self):
        """Whatever the Stripe-Signature header holds, the answer is 403, never a 500."""
        tx = self._start_payment()
        payload = stripe_event(tx)
        now = int(time.time())
        # Header values travel as bytes, read as Latin-1 by the server: each header is sent both
        # as Latin-1 (the server reads back "²", "é") and as UTF-8 (it reads other characters).
        headers = [
            "t=²,v1=zz",
            "t=1,v1=é",
            f"t={now},v1=é",  # a fresh timestamp: the signature comparison is reached
            f"t={now},v1={'é' * 64}",
            "t=１２３,v1=ab",
            f"t={str(now).translate(FULL_WIDTH_DIGITS)},v1=ab",
            ",,,",
            "t=,v1=",
            f"t={now},v1=",
        ]
        for header in headers:
            for encoding in ("latin-1", "utf-8"):
                try:
                    raw = header.encode(encoding)
                except UnicodeEncodeError:
                    continue
                with self.subTest(header=header, encoding=encoding):
                    response = self._send_webhook(payload, header=raw)
                    self.assertEqual(response.status_code, 403)
                    self._assert_untouched(tx)
        with self.subTest(header="empty"):
            response = self._send_webhook(payload, header="")
            self.assertEqual(response.status_code, 403)
            self._assert_untouched(tx)

    def test_malformed_bodies_refused_not_crashing(self):
        """A body that is not a Stripe event is a 400, never a 500, and pays nothing."""
        tx = self._start_payment()
        bodies = [
            b"not json",
            b"\xff\xfe",
            b"",
            b"[]",
            b"null",
            b"42",
            b"{}",
            b'{"type": "payment_intent.succeeded"}',
            b'{"type": "payment_intent.succeeded", "data": []}',
            b'{"type": "payment_intent.succeeded", "data": {"object": "pi_1"}}',
            b'{"type": "payment_intent.succeeded", "data": {"object": {"description": "x"}}}',
            b'{"type": 1, "data": {"object": {"id": "pi_1"}}}',
        ]
        for body in bodies:
            with self.subTest(body=body):
                response = self._send_webhook(body)
                self.assertEqual(response.status_code, 400)
                self._assert_untouched(tx)
        # Control: the genuine event still pays.
        self.assertEqual(self._send_webhook(stripe_event(tx)).status_code, 200)
        self.assertEqual(tx.state, "done")

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
        self.assertEqual(
            self._send_webhook(payload, header=f"t={t},v1={old},v1={sig}").status_code,
            200,
        )
        self.assertEqual(self.invoices.mapped("payment_state"), ["paid", "paid"])

    def test_failed_or_cancelled_payment_leaves_invoices_as_they_were(self):
        for event_type, status, state in (
            ("payment_intent.payment_failed", "requires_payment_method", "error"),
            ("payment_intent.canceled", "canceled", "cancel"),
        ):
            with self.subTest(event_type):
                before = [
                    (m.payment_state, m.amount_residual, m.state) for m in self.invoices
                ]
                tx = self._start_payment()
                self.assertEqual(
                    self._send_webhook(
                        stripe_event(tx, event_type, status)
                    ).status_code,
                    200,
                )
                self.assertEqual(tx.state, state)
                self.assertFalse(self._payments_of(tx))
                self.assertEqual(
                    [
                        (m.payment_state, m.amount_residual, m.state)
                        for m in self.invoices
                    ],
                    before,
                )

    def test_post_processing_failure_keeps_the_confirmation_for_the_cron(self):
        tx = self._start_payment()
        with (
            patch.object(
                self.env.registry["payment.transaction"],
                "_create_payment",
                side_effect=RuntimeError("period locked"),
            ),
            mute_logger("odoo.addons.client_hub.models.payment_transaction"),
        ):
            self.assertEqual(self._send_webhook(stripe_event(tx)).status_code, 200)
        self.assertEqual(tx.state, "done")  # Stripe's confirmation is kept...
        self.assertFalse(
            tx.is_post_processed
        )  # ...and the stock cron will retry the accounting
        self.assertFalse(self._payments_of(tx))
        self.assertEqual(
            self.invoices.mapped("payment_state"), ["not_paid", "not_paid"]
        )

    def test_amount_mismatch_is_not_paid(self):
        tx = self._start_payment()
        tx.amount = 300.0
        payload = stripe_event(tx).replace(b'"amount": 30000', b'"amount": 100')
        self.assertEqual(self._send_webhook(payload).status_code, 200)
        self.assertEqual(tx.state, "error")
        self.assertEqual(
            self.invoices.mapped("payment_state"), ["not_paid", "not_paid"]
        )

    def test_another_clients_transaction_cannot_be_started(self):
        self._login(self.portal_b)
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request(
                f"/my/statement/transaction/{self.inv_overdue.id}",
                self._transaction_params(self.provider_stripe, self.pm_card, 100.0),
            )
        self.assertNotIn(("POST", "payment_intents"), self.api_calls)


@tagged("post_install", "-at_install")
class TestStripeIntentOwnership(StripeStatementCase):
    """A PaymentIntent pays the one transaction it was created for.

    Alice paid the selection `invoices` (300.00) once; her second selection `others` (a
    330.00 invoice and the 30.00 credit note) has the same total. Replaying the first
    intent on the second transaction, by the return URL or by a webhook, must pay nothing.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inv_match = cls._make_invoice(cls.client_a, 330.0, due_in=15)
        cls.others = cls.inv_match | cls.refund

    def _state_of(self, moves):
        return [(m.state, m.payment_state, m.amount_residual) for m in moves]

    def _pay_first_selection(self):
        tx = self._start_payment()
        intent_id = stripe_intent_id(tx.reference)
        self._stripe_pay(intent_id)
        self.assertEqual(self._stripe_return(tx, intent_id).status_code, 303)
        self.assertEqual(tx.state, "done")
        self.assertEqual(self.invoices.mapped("payment_state"), ["paid", "paid"])
        return tx, intent_id

    def _assert_unpaid(self, tx, before):
        self.assertNotEqual(tx.state, "done")
        self.assertFalse(tx.payment_id)
        self.assertFalse(self._payments_of(tx))
        self.assertEqual(self._state_of(self.others), before)

    def test_used_intent_replayed_on_another_selection_pays_nothing(self):
        _tx, used_intent = self._pay_first_selection()
        tx = self._start_stripe_payment(self.others, 300.0)
        before = self._state_of(self.others)
        with self.assertLogs(
            "odoo.addons.client_hub.models.payment_transaction", "WARNING"
        ) as logs:
            # The return URL names the paid intent: the server fetches it from Stripe.
            self.assertEqual(self._stripe_return(tx, used_intent).status_code, 303)
            self._assert_unpaid(tx, before)
            # A signed event for this transaction carrying the paid intent.
            payload = stripe_event(tx, intent_id=used_intent)
            self.assertEqual(self._send_webhook(payload).status_code, 200)
            self._assert_unpaid(tx, before)
        self.assertEqual(len(logs.records), 2)
        self.assertIn(used_intent, logs.output[0])
        self.assertNotEqual(tx.provider_reference, used_intent)

    def test_intent_of_another_reference_pays_nothing(self):
        tx = self._start_stripe_payment(self.others, 300.0)
        before = self._state_of(self.others)
        for label, description in (
            ("another reference", "INV/2099/99999"),
            ("no description", None),
        ):
            with self.subTest(label):
                intent_id = f"pi_foreign_{len(self.stripe_intents)}"
                self._stripe_add_intent(
                    intent_id, description, 30000, status="succeeded"
                )
                self._stripe_pay(intent_id)
                with self.assertLogs(
                    "odoo.addons.client_hub.models.payment_transaction", "WARNING"
                ):
                    self.assertEqual(
                        self._stripe_return(tx, intent_id).status_code, 303
                    )
                    self._assert_unpaid(tx, before)

    def test_own_intent_still_pays(self):
        _tx, _used_intent = self._pay_first_selection()
        tx = self._start_stripe_payment(self.others, 300.0)
        intent_id = stripe_intent_id(tx.reference)
        self._stripe_pay(intent_id)
        self.assertEqual(self._stripe_return(tx, intent_id).status_code, 303)
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.provider_reference, intent_id)
        # Stripe's own event about the same intent arrives afterwards: accepted, paid once.
        self.assertEqual(self._send_webhook(stripe_event(tx)).status_code, 200)
        self.assertEqual(len(self._payments_of(tx)), 1)
        self.assertEqual(self.others.mapped("payment_state"), ["paid", "paid"])

    def test_capture_of_an_authorized_payment_still_pays(self):
        """A capture is made by a child transaction with its source's intent: still accepted."""
        self.provider_stripe.write(
            {
                "payment_method_ids": [Command.set(self.pm_card.ids)],
                "capture_manually": True,
            }
        )
        tx = self._start_payment()
        intent_id = stripe_intent_id(tx.reference)
        self._stripe_pay(intent_id, status="requires_capture")
        self.assertEqual(self._stripe_return(tx, intent_id).status_code, 303)
        self.assertEqual(tx.state, "authorized")
        capture_tx = tx._capture()
        self.assertEqual(capture_tx.source_transaction_id, tx)
        self.assertEqual(capture_tx.state, "done")
        self.assertEqual(capture_tx.provider_reference, intent_id)

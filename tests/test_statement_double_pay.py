"""Pay posted twice for the same statement documents makes one transaction: over HTTP (a
double click, one request after the other) and with real cursors (two workers at once).
Stripe's API is mocked at `payment.provider._send_api_request`, idempotency keys included."""

import threading

from odoo import SUPERUSER_ID, api
from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import mute_logger

from .common import StatementHttpCommon, StripeMockMixin, stripe_intent_id
from .test_jp_payment_methods import JpPaymentCase

IDEMPOTENCY_ERROR = (
    "Keys for idempotent requests can only be used with the same parameters they were "
    "first used with."
)


class IdempotentStripeMixin(StripeMockMixin):
    """The fake Stripe honours idempotency keys as Stripe does: a request with a key it
    saw is answered the first response again when it is the same, refused otherwise; a
    Customer is created on every POST without a key."""

    def _start_stripe_mock(self):
        result = super()._start_stripe_mock()
        self.stripe_created = []
        self.stripe_replies = {}
        return result

    def _fake_stripe_api(
        self, provider, method, endpoint, data=None, idempotency_key=None, **kwargs
    ):
        if idempotency_key in self.stripe_replies:
            request, response = self.stripe_replies[idempotency_key]
            if request != (method, endpoint, data):
                raise ValidationError(IDEMPOTENCY_ERROR)
            return dict(response)
        if (method, endpoint) == ("POST", "customers"):
            response = {"id": f"cus_{len(self.stripe_created)}"}
        else:
            response = super()._fake_stripe_api(
                provider, method, endpoint, data=data, **kwargs
            )
        if method == "POST":
            self.stripe_created.append(endpoint)
        if idempotency_key:
            self.stripe_replies[idempotency_key] = ((method, endpoint, data), response)
        return response


@tagged("post_install", "-at_install")
class TestStatementDoublePay(StatementHttpCommon, IdempotentStripeMixin):
    def setUp(self):
        super().setUp()
        self._start_stripe_mock()
        self.moves = self.inv_overdue | self.inv_current
        self.route = "/my/statement/transaction/" + "-".join(map(str, self.moves.ids))
        self.params = self._transaction_params(
            self.provider_stripe, self.pm_card, 300.0
        )

    def _pay(self, route=None, params=None):
        return self.make_jsonrpc_request(route or self.route, params or self.params)

    def _tx(self, processing):
        return (
            self.env["payment.transaction"]
            .sudo()
            .search([("reference", "=", processing["reference"])])
        )

    def test_double_submit_carries_on_with_one_transaction(self):
        """The second Pay answers the same transaction's payment flow: same reference,
        same PaymentIntent; paying it pays the documents once."""
        first = self._pay()
        second = self._pay()
        tx = self._transactions_of(self.moves)
        self.assertEqual(len(tx), 1)
        self.assertEqual(tx.state, "draft")
        self.assertEqual(second["reference"], tx.reference)
        self.assertEqual(first["reference"], tx.reference)
        intent_id = stripe_intent_id(tx.reference)
        self.assertEqual(first["client_secret"], f"{intent_id}_secret_x")
        self.assertEqual(second["client_secret"], first["client_secret"])
        # one Customer and one PaymentIntent at Stripe: the second time was answered again
        self.assertEqual(self.stripe_created, ["customers", "payment_intents"])
        self._stripe_pay(intent_id)
        self._stripe_return(tx, intent_id)
        self.assertEqual(tx.state, "done")
        self.assertLessEqual(
            set(self.moves.mapped("payment_state")), {"in_payment", "paid"}
        )
        self.assertEqual(len(self._transactions_of(self.moves)), 1)

    def test_failed_or_cancelled_attempt_does_not_block(self):
        self._tx(self._pay())._set_error("Declined")
        retry = self._tx(self._pay())
        self.assertEqual(retry.state, "draft")
        retry._set_canceled()
        again = self._tx(self._pay())
        self.assertEqual(again.state, "draft")
        self.assertEqual(
            sorted(self._transactions_of(self.moves).mapped("state")),
            ["cancel", "draft", "error"],
        )
        self.assertEqual(self._tx(self._pay()), again)

    def test_another_payment_starts_another_transaction(self):
        """Only the same documents, amount and payment option carry on."""
        both = self._tx(self._pay())
        alone = self._tx(
            self._pay(
                route=f"/my/statement/transaction/{self.inv_overdue.id}",
                params=dict(self.params, amount=100.0),
            )
        )
        self.assertNotEqual(alone, both)
        self.assertEqual(alone.invoice_ids, self.inv_overdue)
        self.assertEqual(both.invoice_ids, self.moves)
        # the amount must still be the balance: a stale page is told so, nothing created
        with mute_logger("odoo.http"):
            answer = self._jsonrpc(self.route, dict(self.params, amount=250.0))
        self.assertIn("amount due has changed", answer["error"]["data"]["message"])
        self.assertEqual(self._transactions_of(self.moves), both | alone)

    def test_pay_page_twice_creates_nothing(self):
        for _attempt in range(2):
            response = self._post("/my/statement/pay", self.moves.ids)
            self.assertEqual(response.status_code, 200)
        self.assertFalse(self._transactions_of(self.moves))


@tagged("post_install", "-at_install")
class TestJpDoubleSubmit(JpPaymentCase):
    def test_pay_twice_shows_the_same_account_number_or_voucher(self):
        """A pending bank transfer or konbini payment is shown again, Stripe is not asked
        again, and no second transaction competes for the invoice."""
        for payment_method, invoice in (
            (self.pm_bank, self.inv_first),
            (self.pm_konbini, self.inv_second),
        ):
            first = self._pay(invoice, payment_method, invoice.amount_residual)
            self.assertEqual(first.state, "pending")
            calls = len(self.api_calls)
            second = self._pay(invoice, payment_method, invoice.amount_residual)
            self.assertEqual(second, first, payment_method.code)
            self.assertEqual(second.state, "pending")
            self.assertEqual(len(self.api_calls), calls)
            self.assertEqual(self._transactions_of(invoice), first)
        self.assertEqual(self.api_calls.count(("POST", "payment_intents")), 2)


@tagged("post_install", "-at_install")
class TestStatementPayConcurrency(BaseCase):
    """Two workers pay the same invoice at the same time, each with its own cursor,
    retried as the HTTP layer retries a request; the setup is committed, removed after.
    One invoice: its number is the reference (several share a batch communication, whose
    sequence would serialise the workers by itself)."""

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            provider = env.ref("payment.payment_provider_stripe")
            fields = ["state", "is_published", "stripe_secret_key", "journal_id"]
            self.provider_was = provider.read(fields, load=None)[0]
            provider.write(
                {
                    "state": "test",
                    "is_published": True,
                    "stripe_secret_key": "sk_test_client_hub",
                    "stripe_publishable_key": "pk_test_client_hub",
                    "journal_id": env["account.journal"]
                    .search(
                        [
                            ("type", "=", "bank"),
                            ("company_id", "=", provider.company_id.id),
                        ],
                        limit=1,
                    )
                    .id,
                }
            )
            partner = env["res.partner"].create(
                {"name": "Double Click Client", "is_company": True}
            )
            invoice = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Consulting", "quantity": 1, "price_unit": 100}
                        )
                    ],
                }
            )
            invoice.action_post()
            self.ids = {
                "partner": partner.id,
                "invoice": invoice.id,
                "provider": provider.id,
                "method": env.ref("payment.payment_method_card").id,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoice = env["account.move"].browse(self.ids["invoice"])
            invoice.transaction_ids.unlink()
            invoice.button_draft()
            invoice.with_context(force_delete=True).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()
            provider = env["payment.provider"].browse(self.ids["provider"])
            provider.write({k: v for k, v in self.provider_was.items() if k != "id"})

    def _pay(self, env):
        """What the transaction route does: the checks, then the ongoing transaction or
        a new one (as stock `_create_transaction` makes it)."""
        invoice = env["account.move"].browse(self.ids["invoice"])
        partner = env["res.partner"].browse(self.ids["partner"])
        values = invoice._client_hub_prepare_statement_payment(
            partner,
            invoice.amount_residual,
            self.ids["provider"],
            "direct",
            self.ids["method"],
        )
        if values["transaction"]:
            return values["transaction"].id
        Transaction = env["payment.transaction"]
        return Transaction.create(
            {
                "provider_id": values["provider_id"],
                "payment_method_id": values["payment_method_id"],
                "reference": Transaction._compute_reference(
                    "stripe", prefix=values["reference_prefix"]
                ),
                "amount": values["amount"],
                "currency_id": values["currency_id"],
                "partner_id": partner.id,
                "operation": "online_direct",
                "invoice_ids": [Command.set(invoice.ids)],
            }
        ).id

    def _worker(self, results, before=None, after=None, attempts=None):
        """Pay in a cursor of its own; ``before(cr)`` runs first in that cursor,
        ``after()`` once the first attempt is over (made or refused)."""
        try:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                if before:
                    before(cr)

                def attempt():
                    if attempts is not None:
                        attempts.append(1)
                    try:
                        return self._pay(env)
                    finally:
                        if after:
                            after()

                with mute_logger("odoo.service.model"):
                    results.append(retrying(attempt, env))
        except Exception as error:  # reported by the test
            results.append(error)

    def _run(self, *workers):
        threads = [threading.Thread(target=w) for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    def _transactions(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            return env["account.move"].browse(self.ids["invoice"]).transaction_ids.ids

    def test_second_worker_waits_for_the_lock_then_carries_on(self):
        """The first worker holds the invoice: the second is refused the lock, retried,
        and carries on with the first one's transaction."""
        first, second, attempts = [], [], []
        made, refused = threading.Event(), threading.Event()

        def hold():  # the first worker commits once the second was refused the lock
            made.set()
            refused.wait(timeout=20)

        self._run(
            lambda: self._worker(first, after=hold),
            lambda: self._worker(
                second,
                before=lambda cr: made.wait(timeout=20),
                after=refused.set,
                attempts=attempts,
            ),
        )
        self.assertIsInstance(first[0], int, first)
        self.assertEqual(second, first)
        self.assertGreater(len(attempts), 1, "the second worker was retried")
        self.assertEqual(self._transactions(), first)

    def test_worker_started_before_the_other_committed(self):
        """The second worker's snapshot predates the first one's commit: it gets the lock
        only after that commit, and still carries on with the first transaction."""
        first, second, attempts = [], [], []
        started, committed = threading.Event(), threading.Event()

        def start(cr):
            cr.execute("SELECT 1")  # the snapshot of repeatable read is taken now
            started.set()
            committed.wait(timeout=20)

        def first_worker():
            started.wait(timeout=20)
            self._worker(first)
            committed.set()

        self._run(
            first_worker,
            lambda: self._worker(second, before=start, attempts=attempts),
        )
        self.assertIsInstance(first[0], int, first)
        self.assertEqual(second, first)
        self.assertGreater(len(attempts), 1, "the second worker was retried")
        self.assertEqual(self._transactions(), first)

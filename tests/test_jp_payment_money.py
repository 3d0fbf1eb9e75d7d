"""Money booked from Stripe's bank transfers adds up to what arrived, whatever the client
sends or Stripe reports: what an outside attack on a running server found (the accepted
transfer fee split over small payments, two cash balance events at once, funds of a
cancelled intent booked twice, events shaped to raise)."""

import json
import threading

from odoo import SUPERUSER_ID, api
from odoo.service.model import retrying
from odoo.tests import JsonRpcException, tagged
from odoo.tools import mute_logger

from .common import STRIPE_LOGGERS
from .test_jp_payment_methods import JpPaymentCase, JpRealCursorCase


def cash_balance_event(event_id, customer, jpy):
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": "cash_balance.funds_available",
            "data": {
                "object": {
                    "object": "cash_balance",
                    "available": {"jpy": jpy} if isinstance(jpy, int) else jpy,
                    "customer": customer,
                }
            },
        }
    ).encode()


@tagged("post_install", "-at_install")
class TestJpPaymentMoney(JpPaymentCase):
    def _pay_invoice(self, invoice, amount):
        params = self._transaction_params(self.provider_stripe, self.pm_bank, amount)
        params["access_token"] = invoice._portal_ensure_token()
        params["landing_route"] = invoice.get_portal_url()
        del params["payment_reference"]
        processing = self.make_jsonrpc_request(
            f"/invoice/transaction/{invoice.id}", params
        )
        return (
            self.env["payment.transaction"]
            .sudo()
            .search([("reference", "=", processing["reference"])])
        )

    def _credits(self):
        return (
            self.env["account.payment"]
            .search(
                [
                    ("partner_id", "=", self.client_a.id),
                    ("payment_transaction_id", "=", False),
                    ("currency_id", "=", self.jpy.id),
                ]
            )
            .mapped("amount")
        )

    def test_fee_not_written_off_on_a_part_of_an_invoice(self):
        """¥881 asked on a ¥70,000 invoice, ¥1 sent: no ¥880 fee written off (before the
        fix, each such payment settled ¥881 of the invoice for ¥1)."""
        for _attempt in range(2):
            tx = self._pay_invoice(self.inv_second, 881)
            self._send_webhook(self._funded(tx, 1))
            self.assertNotIn(
                ("POST", f"payment_intents/{tx.provider_reference}"),
                self.api_calls,
                "the intent is not lowered to what arrived",
            )
            self._send_webhook(self._succeeded(tx, received=1))
            self.assertEqual(self._booked(tx), [1])
            self.assertEqual(tx.state, "pending")
            self.assertFalse(
                tx._client_hub_written_off(tx._client_hub_booked_payments())
            )
        self.assertEqual(self.inv_second.amount_residual, 70000 - 2)

    def test_fee_never_more_than_what_arrived(self):
        small = self._make_invoice(self.client_a, 881, currency=self.jpy)
        tx = self._pay_invoice(small, 881)
        self._send_webhook(self._funded(tx, 1))
        self._send_webhook(self._succeeded(tx, received=1))
        self.assertEqual(small.amount_residual, 880)
        self.assertEqual(small.payment_state, "partial")

    def test_fee_on_the_whole_invoice_still_written_off(self):
        tx = self._pay_invoice(self.inv_second, 70000)
        self._send_webhook(self._funded(tx, 69560))
        self.assertIn(
            ("POST", f"payment_intents/{tx.provider_reference}"), self.api_calls
        )
        self._send_webhook(self._succeeded(tx, received=69560))
        self.assertEqual(tx.state, "done")
        self.assertEqual(self.inv_second.payment_state, "paid")
        self.assertEqual(sum(self._booked(tx)), 69560)

    def test_cancelled_after_partial_funding_books_the_money_once(self):
        tx = self._pay(self.jp_invoices, self.pm_bank, 100000)
        before = self.jp_invoices.mapped(lambda m: (m.payment_state, m.amount_residual))
        self._send_webhook(self._funded(tx, 30000))
        self.assertEqual(self.inv_first.payment_state, "paid")
        self._send_webhook(self._event(tx, "payment_intent.canceled", "canceled"))
        self.assertEqual(tx.state, "cancel")
        # The invoices are as they were; the ¥30,000 that arrived is the client's credit.
        self.assertEqual(
            self.jp_invoices.mapped(lambda m: (m.payment_state, m.amount_residual)),
            before,
        )
        released = tx._client_hub_booked_payments()
        self.assertEqual(released.mapped("amount"), [30000])
        self.assertFalse(any(released.mapped("is_reconciled")))
        widget = self.inv_first.invoice_outstanding_credits_debits_widget
        self.assertIn(30000, [line["amount"] for line in widget["content"]])
        # Stripe returns the funds to the cash balance: nothing more is booked.
        self._send_webhook(cash_balance_event("evt_cash_back", "cus_1", 30000))
        self.assertEqual(self._credits(), [])
        # A real overpayment on top of it is booked, once.
        self._send_webhook(cash_balance_event("evt_cash_more", "cus_1", 45000))
        self.assertEqual(self._credits(), [15000])

    def test_credit_applied_by_stripe_to_the_next_transfer_is_booked_once(self):
        tx = self._pay(self.jp_invoices, self.pm_bank, 100000)
        self._send_webhook(self._succeeded(tx))
        self._send_webhook(cash_balance_event("evt_over", "cus_1", 20000))
        self.assertEqual(self._credits(), [20000])
        invoice = self._make_invoice(self.client_a, 50000, currency=self.jpy)
        again = self._pay(invoice, self.pm_bank, 50000)
        # Stripe applies the cash balance to the new intent first.
        self._send_webhook(self._funded(again, 20000))
        self.assertEqual(self._booked(again), [])
        self.assertEqual(again.client_hub_credit_applied, 20000)
        self.assertEqual(invoice.amount_residual, 30000)
        self._send_webhook(self._funded(again, 20000))  # the same event again
        self.assertEqual(invoice.amount_residual, 30000)
        # The client transfers the rest.
        self._send_webhook(self._succeeded(again))
        self.assertEqual(self._booked(again), [30000])
        self.assertEqual(invoice.payment_state, "paid")
        # The balance is spent: a new overpayment is booked in full.
        self._send_webhook(cash_balance_event("evt_over_2", "cus_1", 7000))
        self.assertEqual(sorted(self._credits()), [7000, 20000])

    @mute_logger(*STRIPE_LOGGERS, "odoo.http")
    def test_konbini_in_error_is_not_paid_in_another_currency(self):
        tx = self._pay(self.jp_invoices, self.pm_konbini, 100000)
        self._send_webhook(
            self._event(
                tx, "payment_intent.succeeded", "succeeded", amount_received=1, amount=1
            )
        )
        self.assertEqual(tx.state, "error")
        self._send_webhook(
            self._event(tx, "payment_intent.succeeded", "succeeded", currency="usd")
        )
        self.assertEqual(tx.state, "error")
        self.assertEqual(
            self.jp_invoices.mapped("payment_state"), ["not_paid", "not_paid"]
        )

    @mute_logger(*STRIPE_LOGGERS, "odoo.http")
    def test_stock_invoice_route_refuses_a_negative_amount(self):
        count = self.env["payment.transaction"].sudo().search_count([])
        with self.assertRaises(JsonRpcException):
            self._pay_invoice(self.inv_second, -5)
        self.assertEqual(self.env["payment.transaction"].sudo().search_count([]), count)

    @mute_logger(*STRIPE_LOGGERS, "odoo.http")
    def test_unsigned_event_with_an_odd_description_is_a_bad_request(self):
        body = json.dumps(
            {
                "type": "payment_intent.succeeded",
                "data": {"object": {"id": "pi", "description": {"a": 1}}},
            }
        ).encode()
        self.assertEqual(self._send_webhook(body, header="t=1,v1=0").status_code, 400)

    @mute_logger(*STRIPE_LOGGERS, "odoo.http")
    def test_events_shaped_to_raise_answer_without_a_server_error(self):
        tx = self._pay(self.jp_invoices, self.pm_bank, 100000)
        response = self._send_webhook(
            self._event(
                tx,
                "payment_intent.partially_funded",
                "requires_action",
                currency=None,
                amount_remaining=70000,
            )
        )
        self.assertLess(response.status_code, 500)
        self.assertEqual(self._booked(tx), [])
        for available in (["jpy", 5000], "5000", {"jpy": "5000"}, {"jpy": None}):
            response = self._send_webhook(
                cash_balance_event(f"evt_odd_{available!r}", "cus_1", available)
            )
            self.assertLess(response.status_code, 500, available)
        self.assertEqual(self._credits(), [])


@tagged("post_install", "-at_install")
class TestJpCreditConcurrency(JpRealCursorCase):
    """Two transfers beyond what is due reported at the same instant on two workers, with
    real cursors: the credit is the cash balance Stripe reports last, never the sum."""

    def _prepare(self, env, provider):
        partner = env["res.partner"].create(
            {"name": "Credit Client", "is_company": True}
        )
        partner.client_hub_stripe_customer_id = f"cus_credit_{partner.id}"
        self.partner_id, self.provider_id = partner.id, provider.id

    def _remove(self, env):
        events = env["client_hub.stripe.event"].search(
            [("partner_id", "=", self.partner_id)]
        )
        payments = events.payment_id
        events.unlink()
        payments.action_draft()
        payments.move_id.with_context(force_delete=True).unlink()
        payments.unlink()
        env["res.partner"].browse(self.partner_id).unlink()

    def _deliver(self, barrier, results, event_id, jpy):
        try:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                partner = env["res.partner"].browse(self.partner_id)
                provider = env["payment.provider"].browse(self.provider_id)
                balance = {"available": {"jpy": jpy}, "customer": "cus_x"}
                barrier.wait(timeout=10)
                with mute_logger(*STRIPE_LOGGERS, "odoo.sql_db"):
                    retrying(
                        lambda: partner._client_hub_book_stripe_credit(
                            provider, event_id, balance
                        ),
                        env,
                    )
                results.append("ok")
        except Exception as error:
            results.append(error)

    def test_two_events_at_once_book_the_balance_once(self):
        barrier = threading.Barrier(2)
        results = []
        threads = [
            threading.Thread(
                target=self._deliver,
                args=(barrier, results, f"evt_credit_{self.partner_id}_{jpy}", jpy),
            )
            for jpy in (5000, 10000)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        self.assertEqual(results, ["ok", "ok"])
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            credits = (
                env["client_hub.stripe.event"]
                .search([("partner_id", "=", self.partner_id)])
                .payment_id
            )
            # Whichever came last: a balance of 10,000 is 10,000 of credit; the 5,000
            # event, after it, books nothing (or before it, 5,000 and then 5,000 more).
            self.assertEqual(sum(credits.mapped("amount")), 10000)

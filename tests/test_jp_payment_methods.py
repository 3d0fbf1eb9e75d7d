"""Bank transfer (振込, Stripe `customer_balance`) and konbini through Stripe, its API mocked
at `payment.provider._send_api_request`, its webhook events signed."""

import json
import threading
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import mute_logger

from odoo.addons.payment_stripe import const as stripe_const

from .common import (
    STRIPE_LOGGERS,
    StatementHttpCommon,
    StripeMockMixin,
    stripe_intent_id,
)

ZENGIN = {
    "account_holder_name": "ｽﾄﾗｲﾌﾟｼﾞｬﾊﾟﾝ(ｶ",
    "account_number": "1234567",
    "account_type": "futsu",
    "bank_code": "0001",
    "bank_name": "みずほ銀行",
    "branch_code": "101",
    "branch_name": "東京営業部",
}
# What payment_stripe's `_send_api_request` raises when Stripe cannot be reached.
STRIPE_DOWN = "Stripe: Could not establish the connection to the API."
STORES = {
    "lawson": {"confirmation_number": "55555", "payment_code": "LW-123456"},
    "familymart": {"confirmation_number": "66666", "payment_code": "FM-654321"},
}


class JpPaymentCase(StatementHttpCommon, StripeMockMixin):
    """Alpha owes two JPY invoices (30,000 due first, then 70,000); Bravo one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.jpy = cls.env.ref("base.JPY")
        cls.jpy.active = True
        cls.env["res.currency.rate"].create(
            {"currency_id": cls.jpy.id, "rate": 150.0, "name": "2000-01-01"}
        )
        cls.pm_bank = cls.env.ref("client_hub.payment_method_jp_bank_transfer")
        cls.pm_konbini = cls.env.ref("client_hub.payment_method_konbini")
        (cls.pm_bank | cls.pm_konbini).write({"active": True})
        cls.inv_first = cls._make_invoice(
            cls.client_a, 30000, due_in=-10, currency=cls.jpy
        )
        cls.inv_second = cls._make_invoice(
            cls.client_a, 70000, due_in=20, currency=cls.jpy
        )
        cls.jp_invoices = cls.inv_first | cls.inv_second
        cls.inv_b_jpy = cls._make_invoice(
            cls.client_b, 50000, due_in=5, currency=cls.jpy
        )
        cls.fee_account = cls.env["account.account"].create(
            {"name": "支払手数料", "code": "512400", "account_type": "expense"}
        )
        cls.env.company.client_hub_transfer_fee_account_id = cls.fee_account

    def setUp(self):
        super().setUp()
        self._start_stripe_mock()
        self.intent_payloads = []
        self.stripe_down = False

    def _fake_stripe_api(self, provider, method, endpoint, data=None, **kwargs):
        if (method, endpoint) == ("POST", "customers"):
            self.api_calls.append((method, endpoint))
            return {"id": f"cus_{len(self.api_calls)}"}
        if (method, endpoint) == ("POST", "payment_intents"):
            self.api_calls.append((method, endpoint))
            self.intent_payloads.append(data)
            intent = self._stripe_add_intent(
                stripe_intent_id(data["description"]),
                data["description"],
                data["amount"],
                data["currency"],
                status="requires_action",
            )
            intent["customer"] = data.get("customer")
            if data.get("payment_method_types[]") == "customer_balance":
                intent["next_action"] = {
                    "type": "display_bank_transfer_instructions",
                    "display_bank_transfer_instructions": {
                        "amount_remaining": data["amount"],
                        "currency": "jpy",
                        "type": "jp_bank_transfer",
                        "financial_addresses": [
                            {
                                "type": "zengin",
                                "zengin": ZENGIN,
                                "supported_networks": ["zengin"],
                            }
                        ],
                    },
                }
            else:
                intent["next_action"] = {
                    "type": "konbini_display_details",
                    "konbini_display_details": {
                        "expires_at": 1893456000,
                        "hosted_voucher_url": "https://payments.stripe.com/konbini/voucher/x",
                        "stores": STORES,
                    },
                }
            return dict(intent, client_secret=f"{intent['id']}_secret_x")
        if method == "POST" and endpoint.startswith("payment_intents/"):
            self.api_calls.append((method, endpoint))
            if self.stripe_down:
                raise ValidationError(STRIPE_DOWN)
            intent = self.stripe_intents[endpoint.removeprefix("payment_intents/")]
            intent["amount"] = data["amount"]
            return dict(intent)
        return super()._fake_stripe_api(provider, method, endpoint, data=data, **kwargs)

    def _pay(self, moves, payment_method, amount):
        """Start paying `moves` from the statement with `payment_method`; return the tx."""
        route = "/my/statement/transaction/" + "-".join(map(str, moves.ids))
        params = self._transaction_params(self.provider_stripe, payment_method, amount)
        processing = self.make_jsonrpc_request(route, params)
        self.assertEqual(processing["client_hub_redirect_url"], "/payment/status")
        self.env.invalidate_all()
        return (
            self.env["payment.transaction"]
            .sudo()
            .search([("reference", "=", processing["reference"])])
        )

    def _event(self, tx, event_type, status, event_id=None, **values):
        intent = {
            "id": stripe_intent_id(tx.reference),
            "object": "payment_intent",
            "description": tx.reference,
            "status": status,
            "amount": int(tx.amount),
            "currency": "jpy",
            "customer": "cus_1",
            "payment_method": "pm_x",
            **values,
        }
        return json.dumps(
            {
                "id": event_id or f"evt_{event_type}_{status}_{values}",
                "object": "event",
                "type": event_type,
                "data": {"object": intent},
            }
        ).encode()

    def _funded(self, tx, arrived):
        return self._event(
            tx,
            "payment_intent.partially_funded",
            "requires_action",
            amount_remaining=int(tx.amount) - arrived,
        )

    def _succeeded(self, tx, received=None):
        return self._event(
            tx,
            "payment_intent.succeeded",
            "succeeded",
            amount_received=int(tx.amount) if received is None else received,
        )

    def _booked(self, tx):
        return tx._client_hub_booked_payments().sorted("id").mapped("amount")


@tagged("post_install", "-at_install")
class TestJpPaymentMethods(JpPaymentCase):
    def test_mapping_and_data(self):
        self.assertEqual(
            stripe_const.PAYMENT_METHODS_MAPPING["jp_bank_transfer"], "customer_balance"
        )
        self.assertIn(
            "payment_intent.partially_funded", stripe_const.HANDLED_WEBHOOK_EVENTS
        )
        self.assertEqual(self.pm_bank.supported_currency_ids, self.jpy)
        self.assertIn(self.provider_stripe, self.pm_bank.provider_ids)
        self.assertIn(self.provider_stripe, self.pm_konbini.provider_ids)

    def test_bank_transfer_payload_and_customer_once(self):
        tx = self._pay(self.jp_invoices, self.pm_bank, 100000)
        payload = self.intent_payloads[0]
        self.assertEqual(payload["amount"], 100000)  # yen have no minor unit
        self.assertEqual(payload["currency"], "jpy")
        self.assertEqual(payload["payment_method_types[]"], "customer_balance")
        self.assertEqual(payload["payment_method_data[type]"], "customer_balance")
        self.assertEqual(
            payload["payment_method_options[customer_balance][funding_type]"],
            "bank_transfer",
        )
        self.assertEqual(
            payload["payment_method_options[customer_balance][bank_transfer][type]"],
            "jp_bank_transfer",
        )
        self.assertTrue(payload["confirm"])
        self.assertEqual(payload["customer"], "cus_1")
        self.assertEqual(self.client_a.client_hub_stripe_customer_id, "cus_1")
        self.assertEqual(tx.state, "pending")
        # Stock's konbini too, with the same customer: created once and kept.
        tx._set_canceled()
        self._pay(self.jp_invoices, self.pm_konbini, 100000)
        self.assertEqual(self.api_calls.count(("POST", "customers")), 1)
        payload = self.intent_payloads[1]
        self.assertEqual(payload["customer"], "cus_1")
        self.assertEqual(payload["payment_method_types[]"], "konbini")
        self.assertEqual(payload["payment_method_data[type]"], "konbini")
        self.assertEqual(
            payload["payment_method_data[billing_details][name]"], "Alice Alpha"
        )

    def test_account_number_shown_to_the_client_only(self):
        self._pay(self.jp_invoices, self.pm_bank, 100000)
        account = self.env["client_hub.bank.transfer.account"].search(
            [("partner_id", "=", self.client_a.id)]
        )
        self.assertEqual(account.account_number, "1234567")
        self.assertEqual(account.bank_name, "みずほ銀行")
        page = self.url_open("/my/statement").text
        self.assertIn("振込先", page)
        self.assertIn("1234567", page)
        self.assertIn("東京営業部", page)
        # Bravo's session never sees it; nor through the model.
        self._login(self.portal_b)
        page = self.url_open("/my/statement").text
        self.assertNotIn("1234567", page)
        Account = self.env["client_hub.bank.transfer.account"].with_user(self.portal_b)
        self.assertFalse(Account.search([]))
        self.assertFalse(Account.browse(account.id)._filtered_access("read"))
        # Staff read it.
        self.assertTrue(
            self.env["client_hub.bank.transfer.account"]
            .with_user(self.agent)
            .search([])
        )

    def test_account_number_on_pdfs_and_email(self):
        self._pay(self.jp_invoices, self.pm_bank, 100000)
        Report = self.env["ir.actions.report"]
        statement = Report._render_qweb_html(
            "client_hub.action_report_client_statement", self.client_a.ids
        )[0].decode()
        self.assertIn("振込先", statement)
        self.assertIn("1234567", statement)
        invoice = Report._render_qweb_html(
            "account.account_invoices", self.inv_first.ids
        )[0].decode()
        self.assertIn("1234567", invoice)
        template = self.env.ref("client_hub.mail_template_client_statement")
        body = template._render_field("body_html", self.client_a.ids)[self.client_a.id]
        self.assertIn("1234567", body)
        # Bravo's documents never carry Alpha's account.
        for html in (
            Report._render_qweb_html(
                "client_hub.action_report_client_statement", self.client_b.ids
            )[0].decode(),
            Report._render_qweb_html("account.account_invoices", self.inv_b_jpy.ids)[
                0
            ].decode(),
            template._render_field("body_html", self.client_b.ids)[self.client_b.id],
        ):
            self.assertNotIn("1234567", html)

    def test_partial_funding_then_success(self):
        tx = self._pay(self.jp_invoices, self.pm_bank, 100000)
        self.assertEqual(self._send_webhook(self._funded(tx, 30000)).status_code, 200)
        self.assertEqual(self._booked(tx), [30000])
        self.assertEqual(
            self.jp_invoices.mapped("payment_state"), ["paid", "not_paid"]
        )  # oldest due first
        funded_70 = self._funded(tx, 70000)
        self._send_webhook(funded_70)
        self.assertEqual(self._booked(tx), [30000, 40000])
        self.assertEqual(self.inv_second.payment_state, "partial")
        self.assertEqual(self.inv_second.amount_residual, 30000)
        # The same event again books nothing.
        self._send_webhook(funded_70)
        self.assertEqual(self._booked(tx), [30000, 40000])
        self._send_webhook(self._succeeded(tx))
        self.assertEqual(tx.state, "done")
        self.assertEqual(self._booked(tx), [30000, 40000, 30000])
        self.assertEqual(sum(self._booked(tx)), 100000)
        self.assertEqual(self.jp_invoices.mapped("payment_state"), ["paid", "paid"])
        # Late and repeated events book nothing more.
        self._send_webhook(self._funded(tx, 30000))
        self._send_webhook(self._succeeded(tx))
        self.assertEqual(sum(self._booked(tx)), 100000)
        self.assertEqual(tx.state, "done")

    def test_partial_30000_then_70000_of_100000(self):
        tx = self._pay(self.jp_invoices, self.pm_bank, 100000)
        self._send_webhook(self._funded(tx, 30000))
        self._send_webhook(self._succeeded(tx))
        self.assertEqual(self._booked(tx), [30000, 70000])
        self.assertEqual(self.jp_invoices.mapped("payment_state"), ["paid", "paid"])

    def test_out_of_order_books_nothing_extra(self):
        tx = self._pay(self.jp_invoices, self.pm_bank, 100000)
        self._send_webhook(self._succeeded(tx))
        self._send_webhook(self._funded(tx, 30000))
        self._send_webhook(self._funded(tx, 70000))
        self.assertEqual(self._booked(tx), [100000])
        self.assertEqual(tx.state, "done")

    def test_transfer_fee_deducted_is_written_off(self):
        tx = self._pay(self.jp_invoices, self.pm_bank, 100000)
        intent_id = stripe_intent_id(tx.reference)
        self._send_webhook(self._funded(tx, 99560))
        self.assertEqual(self._booked(tx), [99560])
        # 440 missing ≤ 880: the intent is lowered to what arrived.
        self.assertIn(("POST", f"payment_intents/{intent_id}"), self.api_calls)
        self.assertEqual(self.stripe_intents[intent_id]["amount"], 99560)
        self.assertFalse(tx.client_hub_amount_update_pending)
        self._send_webhook(self._succeeded(tx, received=99560))
        self.assertEqual(tx.state, "done")
        self.assertEqual(sum(self._booked(tx)), 99560)
        self.assertEqual(self.jp_invoices.mapped("payment_state"), ["paid", "paid"])
        fee_lines = tx._client_hub_booked_payments().move_id.line_ids.filtered(
            lambda line: line.account_id == self.fee_account
        )
        self.assertEqual(fee_lines.amount_currency, 440)
        self.assertEqual(fee_lines.name, "Bank transfer fee")
        # Succeeded again: no second write-off.
        self._send_webhook(self._succeeded(tx, received=99560))
        fee_lines = tx._client_hub_booked_payments().move_id.line_ids.filtered(
            lambda line: line.account_id == self.fee_account
        )
        self.assertEqual(len(fee_lines), 1)

    def test_fee_above_the_accepted_one_stays_partial(self):
        tx = self._pay(self.jp_invoices, self.pm_bank, 100000)
        self._send_webhook(self._funded(tx, 99000))
        self.assertEqual(self._booked(tx), [99000])
        self.assertNotIn(
            ("POST", f"payment_intents/{stripe_intent_id(tx.reference)}"),
            self.api_calls,
        )
        self.assertEqual(tx.state, "pending")
        self.assertEqual(self.inv_second.payment_state, "partial")
        self.assertEqual(self.inv_second.amount_residual, 1000)

    def test_fee_zero_turns_it_off(self):
        self.env.company.client_hub_transfer_fee_max = 0
        tx = self._pay(self.jp_invoices, self.pm_bank, 100000)
        self._send_webhook(self._funded(tx, 99560))
        self.assertEqual(len(self.api_calls), 2)  # the customer and the intent only
        self.assertEqual(self.inv_second.amount_residual, 440)

    def test_stripe_unreachable_webhook_processed_and_cron_retries(self):
        tx = self._pay(self.jp_invoices, self.pm_bank, 100000)
        self.stripe_down = True
        response = self._send_webhook(self._funded(tx, 99560))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self._booked(tx), [99560])
        self.assertTrue(tx.client_hub_amount_update_pending)
        self.assertEqual(tx.state, "pending")
        self.stripe_down = False
        self.env["payment.transaction"]._cron_client_hub_update_intent_amounts()
        self.assertFalse(tx.client_hub_amount_update_pending)
        self.assertEqual(
            self.stripe_intents[stripe_intent_id(tx.reference)]["amount"], 99560
        )

    def test_overfunding_becomes_credit(self):
        tx = self._pay(self.jp_invoices, self.pm_bank, 100000)
        self._send_webhook(self._succeeded(tx))
        event = json.dumps(
            {
                "id": "evt_cash_1",
                "object": "event",
                "type": "cash_balance.funds_available",
                "data": {
                    "object": {
                        "object": "cash_balance",
                        "available": {"jpy": 20000},
                        "customer": "cus_1",
                    }
                },
            }
        ).encode()
        self.assertEqual(self._send_webhook(event).status_code, 200)
        self.assertEqual(
            self._send_webhook(event).status_code, 200
        )  # the same event again
        credit = self.env["account.payment"].search(
            [
                ("partner_id", "=", self.client_a.id),
                ("payment_transaction_id", "=", False),
                ("currency_id", "=", self.jpy.id),
            ]
        )
        self.assertEqual(credit.mapped("amount"), [20000])
        self.assertEqual(sum(self._booked(tx)), 100000)
        # Odoo's outstanding credits offer it on the next invoice.
        invoice = self._make_invoice(self.client_a, 50000, currency=self.jpy)
        widget = invoice.invoice_outstanding_credits_debits_widget
        self.assertTrue(widget and widget["content"])
        self.assertEqual(widget["content"][0]["amount"], 20000)
        # The statement shows it to Alpha, not to Bravo.
        self.assertIn("Your credit", self.url_open("/my/statement").text)
        self._login(self.portal_b)
        self.assertNotIn("Your credit", self.url_open("/my/statement").text)
        # A forged cash balance event (bad signature) books nothing.
        forged = event.replace(b"evt_cash_1", b"evt_cash_2").replace(b"20000", b"90000")
        self.assertEqual(
            self._send_webhook(forged, secret="whsec_forged").status_code, 403
        )
        self.assertEqual(
            len(
                self.env["account.payment"].search(
                    [
                        ("partner_id", "=", self.client_a.id),
                        ("payment_transaction_id", "=", False),
                        ("currency_id", "=", self.jpy.id),
                    ]
                )
            ),
            1,
        )

    def test_konbini_voucher_shown_and_mailed(self):
        with patch.object(
            type(self.env["mail.template"]), "send_mail", autospec=True
        ) as send_mail:
            tx = self._pay(self.jp_invoices, self.pm_konbini, 100000)
        self.assertEqual(tx.state, "pending")
        self.assertEqual(
            tx.client_hub_konbini_voucher_url,
            "https://payments.stripe.com/konbini/voucher/x",
        )
        self.assertEqual(send_mail.call_count, 1)
        template = self.env.ref("client_hub.mail_template_konbini_voucher")
        self.assertEqual(send_mail.call_args.args[:2], (template, tx.id))
        body = template._render_field("body_html", tx.ids)[tx.id]
        self.assertIn("LW-123456", body)
        page = self.url_open("/my/statement").text
        self.assertIn("LW-123456", page)
        self.assertIn("55555", page)
        self._login(self.portal_b)
        self.assertNotIn("LW-123456", self.url_open("/my/statement").text)

    def test_konbini_canceled_leaves_invoices_and_can_retry(self):
        tx = self._pay(self.jp_invoices, self.pm_konbini, 100000)
        before = self.jp_invoices.mapped(lambda m: (m.payment_state, m.amount_residual))
        self._send_webhook(self._event(tx, "payment_intent.canceled", "canceled"))
        self.assertEqual(tx.state, "cancel")
        self.assertEqual(
            self.jp_invoices.mapped(lambda m: (m.payment_state, m.amount_residual)),
            before,
        )
        self.assertFalse(tx.payment_id)
        again = self._pay(self.jp_invoices, self.pm_konbini, 100000)
        self._send_webhook(
            self._event(
                again, "payment_intent.payment_failed", "requires_payment_method"
            )
        )
        self.assertEqual(again.state, "error")
        self.assertEqual(
            self.jp_invoices.mapped(lambda m: (m.payment_state, m.amount_residual)),
            before,
        )
        self.assertTrue(self._pay(self.jp_invoices, self.pm_konbini, 100000))

    def test_konbini_succeeded_pays(self):
        tx = self._pay(self.jp_invoices, self.pm_konbini, 100000)
        self._send_webhook(self._succeeded(tx))
        self.assertEqual(tx.state, "done")
        self.assertEqual(self.jp_invoices.mapped("payment_state"), ["paid", "paid"])

    def test_konbini_above_the_limit_not_offered_nor_created(self):
        big = self._make_invoice(self.client_a, 300001, currency=self.jpy)
        Method = self.env["payment.method"].sudo()
        offered = Method._get_compatible_payment_methods(
            [self.provider_stripe.id],
            self.contact_a.id,
            currency_id=self.jpy.id,
            amount=300001,
        )
        self.assertIn(self.pm_bank, offered)
        self.assertNotIn(self.pm_konbini, offered)
        self.assertIn(
            self.pm_konbini,
            Method._get_compatible_payment_methods(
                [self.provider_stripe.id],
                self.contact_a.id,
                currency_id=self.jpy.id,
                amount=300000,
            ),
        )
        # The pay page of the selection does not offer it.
        response = self._post("/my/statement/pay", big.ids)
        self.assertEqual(response.status_code, 200)
        self.assertIn(f'data-payment-option-id="{self.pm_bank.id}"', response.text)
        self.assertNotIn(
            f'data-payment-option-id="{self.pm_konbini.id}"', response.text
        )
        # A forged request gets a clear message; nothing is created.
        count = self.env["payment.transaction"].sudo().search_count([])
        route = f"/my/statement/transaction/{big.id}"
        params = self._transaction_params(self.provider_stripe, self.pm_konbini, 300001)
        with mute_logger("odoo.http"):
            answer = self._jsonrpc(route, params)
        self.assertEqual(self._rpc_error(answer), "odoo.exceptions.ValidationError")
        self.assertIn("not available", answer["error"]["data"]["message"])
        self.assertEqual(self.env["payment.transaction"].sudo().search_count([]), count)
        self.assertNotIn(("POST", "payment_intents"), self.api_calls)
        # Any other way in is refused by the model.
        with self.assertRaises(ValidationError):
            self.env["payment.transaction"].create(
                {
                    "provider_id": self.provider_stripe.id,
                    "payment_method_id": self.pm_konbini.id,
                    "amount": 300001,
                    "currency_id": self.jpy.id,
                    "partner_id": self.contact_a.id,
                    "reference": "forged-konbini",
                }
            )


class JpRealCursorCase(BaseCase):
    """Real cursors for concurrency tests: yen and the Stripe provider (paying into the
    company's bank journal) are set up committed, `_prepare(env, provider)` makes the
    test's records, and `_remove(env)` deletes them before the setup is undone."""

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            jpy = env.ref("base.JPY")
            self.jpy_was_active = jpy.active
            jpy.active = True
            provider = env.ref("payment.payment_provider_stripe")
            self.provider_journal = provider.journal_id
            provider.journal_id = env["account.journal"].search(
                [("type", "=", "bank"), ("company_id", "=", provider.company_id.id)],
                limit=1,
            )
            self._prepare(env, provider)
        self.addCleanup(self._cleanup)

    def _prepare(self, env, provider):
        raise NotImplementedError

    def _remove(self, env):
        raise NotImplementedError

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self._remove(env)
            provider = env.ref("payment.payment_provider_stripe")
            provider.journal_id = self.provider_journal
            env.ref("base.JPY").active = self.jpy_was_active


@tagged("post_install", "-at_install")
class TestJpFundingConcurrency(JpRealCursorCase):
    """The same event on two workers at the same instant, with real cursors: the setup is
    committed (and removed after), each worker has its own cursor, and a worker that loses
    the race is retried as the HTTP layer retries it."""

    def _prepare(self, env, provider):
        jpy = env.ref("base.JPY")
        partner = env["res.partner"].create(
            {"name": "Concurrent Client", "is_company": True}
        )
        invoice = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "currency_id": jpy.id,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Consulting", "quantity": 1, "price_unit": 100000}
                    )
                ],
            }
        )
        invoice.action_post()
        tx = env["payment.transaction"].create(
            {
                "provider_id": provider.id,
                "payment_method_id": env.ref(
                    "client_hub.payment_method_jp_bank_transfer"
                ).id,
                "amount": 100000,
                "currency_id": jpy.id,
                "partner_id": partner.id,
                "reference": f"CONCURRENT-{partner.id}",
                "operation": "online_direct",
                "invoice_ids": [Command.set(invoice.ids)],
            }
        )
        tx._set_pending()
        self.ids = {"partner": partner.id, "invoice": invoice.id, "tx": tx.id}

    def _remove(self, env):
        tx = env["payment.transaction"].browse(self.ids["tx"])
        payments = env["account.payment"].search(
            [("payment_transaction_id", "=", tx.id)]
        )
        payments.move_id.line_ids.remove_move_reconcile()
        payments.action_draft()
        payments.move_id.with_context(force_delete=True).unlink()
        payments.unlink()
        tx.unlink()
        invoice = env["account.move"].browse(self.ids["invoice"])
        invoice.button_draft()
        invoice.with_context(force_delete=True).unlink()
        env["res.partner"].browse(self.ids["partner"]).unlink()

    def _deliver(self, barrier, results, arrived):
        tx_id = self.ids["tx"]
        try:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                tx = env["payment.transaction"].browse(tx_id)
                payment_data = {
                    "reference": tx.reference,
                    "payment_intent": {
                        "id": "pi_concurrent",
                        "description": tx.reference,
                        "status": "requires_action",
                        "amount": 100000,
                        "amount_remaining": 100000 - arrived,
                        "currency": "jpy",
                        "payment_method": "pm_x",
                    },
                    "payment_method": "pm_x",
                }
                barrier.wait(timeout=10)
                with mute_logger(*STRIPE_LOGGERS):
                    retrying(lambda: tx._process("stripe", dict(payment_data)), env)
                results.append("ok")
        except Exception as error:
            results.append(error)

    def test_two_cursors_book_once(self):
        barrier = threading.Barrier(2)
        results = []
        threads = [
            threading.Thread(target=self._deliver, args=(barrier, results, 30000))
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        self.assertEqual(results, ["ok", "ok"])
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            tx = env["payment.transaction"].browse(self.ids["tx"])
            self.assertEqual(tx._client_hub_booked_payments().mapped("amount"), [30000])
            invoice = env["account.move"].browse(self.ids["invoice"])
            self.assertEqual(invoice.amount_residual, 70000)
            self.assertEqual(invoice.payment_state, "partial")

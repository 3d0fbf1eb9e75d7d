import hashlib
import hmac
import json
import re
import time
from datetime import timedelta
from unittest.mock import patch

from werkzeug.urls import url_encode

from odoo import fields
from odoo.fields import Command
from odoo.http import Request
from odoo.tests import new_test_user
from odoo.tools import mute_logger

from odoo.addons.payment_stripe.controllers.main import StripeController

STRIPE_WEBHOOK_SECRET = "whsec_client_hub_test_secret"
STRIPE_LOGGERS = (
    "odoo.addons.client_hub.controllers.stripe_webhook",
    "odoo.addons.payment_stripe.controllers.main",
    "odoo.addons.payment.models.payment_transaction",
    "odoo.addons.payment_stripe.models.payment_transaction",
)


class StatementFixtures:
    """Two clients, each a company with a portal user, with open, overdue, paid and foreign
    currency documents (fixtures for the statement, payment and ZIP tests)."""

    @classmethod
    def _setup_statement_fixtures(cls):
        cls._setup_statement_documents()
        cls._setup_stripe_provider()

    @classmethod
    def _setup_statement_documents(cls):
        env = cls.env
        cls.today = fields.Date.context_today(env.user)
        cls.usd = env.company.currency_id
        cls.eur = env.ref("base.EUR")
        cls.eur.active = True
        cls.bank_journal = env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", env.company.id)], limit=1,
        )

        cls.alpha = env["res.partner"].create({
            "name": "Alpha Corp", "is_company": True, "vat": "BE0477472701",
            "street": "1 Alpha Street", "city": "Brussels", "email": "billing@alpha.example.com",
        })
        cls.alice = new_test_user(
            env, login="ch_alice", groups="base.group_portal", name="Alice Alpha",
            email="alice@alpha.example.com",
        )
        cls.alice.partner_id.parent_id = cls.alpha
        cls.arthur = env["res.partner"].create({"name": "Arthur Alpha", "parent_id": cls.alpha.id})
        cls.beta = env["res.partner"].create({"name": "Beta Ltd", "is_company": True})
        cls.bob = new_test_user(env, login="ch_bob", groups="base.group_portal", name="Bob Beta")
        cls.bob.partner_id.parent_id = cls.beta

        cls.inv_overdue = cls._make_move(cls.alpha, 100.0, due_in=-45)
        cls.inv_current = cls._make_move(cls.alpha, 200.0, due_in=10)
        cls.inv_old = cls._make_move(cls.arthur, 50.0, due_in=-100)  # another contact of Alpha
        cls.refund = cls._make_move(cls.alpha, 30.0, due_in=0, move_type="out_refund")
        cls.inv_paid = cls._make_move(cls.alpha, 70.0, due_in=-5)
        env["account.payment.register"].with_context(
            active_model="account.move", active_ids=cls.inv_paid.ids,
        ).create({"journal_id": cls.bank_journal.id})._create_payments()
        cls.inv_eur = cls._make_move(cls.alpha, 80.0, due_in=20, currency=cls.eur)
        cls.inv_draft = cls._make_move(cls.alpha, 999.0, due_in=5, post=False)
        cls.inv_beta = cls._make_move(cls.beta, 300.0, due_in=-3)

    @classmethod
    def _setup_stripe_provider(cls):
        """Stripe in test mode with fake keys, paying into the bank journal (its API is mocked
        by `StripeMockMixin`)."""
        cls.provider_stripe = cls.env.ref("payment.payment_provider_stripe").sudo()
        cls.provider_stripe.write({
            "state": "test",
            "is_published": True,
            "journal_id": cls.bank_journal.id,
            "stripe_secret_key": "sk_test_client_hub",
            "stripe_publishable_key": "pk_test_client_hub",
            "stripe_webhook_secret": STRIPE_WEBHOOK_SECRET,
        })
        cls.pm_card = cls.env.ref("payment.payment_method_card")

    @classmethod
    def _make_move(cls, partner, amount, due_in=30, move_type="out_invoice", currency=None, post=True):
        due = cls.today + timedelta(days=due_in)
        move = cls.env["account.move"].create({
            "move_type": move_type,
            "partner_id": partner.id,
            "currency_id": (currency or cls.usd).id,
            "invoice_date": due - timedelta(days=30),
            "invoice_payment_term_id": False,
            "invoice_date_due": due,
            "invoice_line_ids": [Command.create({
                "name": "Consulting", "quantity": 1, "price_unit": amount, "tax_ids": [Command.set([])],
            })],
        })
        if post:
            move.action_post()
            move.invoice_date_due = due  # The payment term computation may have moved it.
        return move


class StatementHttpMixin:
    """Helpers to drive the statement routes as a portal user."""

    def _form(self, ids, **extra):
        data = [("invoice_ids", str(i)) for i in ids]
        data += [(key, str(value)) for key, value in extra.items()]
        data.append(("csrf_token", Request.csrf_token(self)))
        return data

    def _post(self, url, ids, allow_redirects=False, **extra):
        return self.url_open(url, data=self._form(ids, **extra), allow_redirects=allow_redirects)

    def _transaction_params(self, provider, payment_method, amount):
        return {
            "provider_id": provider.id,
            "payment_method_id": payment_method.id,
            "token_id": None,
            "amount": amount,
            "flow": "direct",
            "tokenization_requested": False,
            "landing_route": "/my/statement",
            "is_validation": False,
            "access_token": None,
            "csrf_token": Request.csrf_token(self),
            "payment_reference": None,
        }

    def _transactions_of(self, moves):
        return self.env["payment.transaction"].sudo().search([("invoice_ids", "in", moves.ids)])


class StripeMockMixin:
    """Stripe's API mocked at `_send_api_request`, as `payment_stripe`'s own tests do.

    The fake Stripe keeps the PaymentIntents Odoo creates (with the description Odoo gives
    them) and answers them back when Odoo fetches one; payments are then confirmed through
    the real routes: the return URL (`_stripe_return`) and the signed webhook
    (`_send_webhook`).
    """

    def _start_stripe_mock(self):
        self.api_calls = []
        self.stripe_intents = {}
        patcher = patch.object(
            self.env.registry["payment.provider"], "_send_api_request", autospec=True,
            side_effect=self._fake_stripe_api,
        )
        patcher.start()
        self.addCleanup(patcher.stop)

    def _fake_stripe_api(self, provider, method, endpoint, data=None, **kwargs):
        self.api_calls.append((method, endpoint))
        if (method, endpoint) == ("POST", "customers"):
            return {"id": "cus_client_hub"}
        if (method, endpoint) == ("POST", "payment_intents"):
            intent = self._stripe_add_intent(
                stripe_intent_id(data["description"]), data["description"], data["amount"], data["currency"],
            )
            return dict(intent, client_secret=f"{intent['id']}_secret_x")
        if method == "POST" and endpoint.endswith("/capture"):
            intent = self.stripe_intents[endpoint.removeprefix("payment_intents/").removesuffix("/capture")]
            intent["status"] = "succeeded"
            return dict(intent)
        if method == "GET" and endpoint.removeprefix("payment_intents/") in self.stripe_intents:
            return dict(self.stripe_intents[endpoint.removeprefix("payment_intents/")])
        raise AssertionError(f"unexpected Stripe call {method} {endpoint}")

    def _start_stripe_payment(self, moves, amount):
        """Start paying the documents with Stripe from the statement, as the payment form does.

        :return: The transaction, whose PaymentIntent now exists on the fake Stripe.
        :rtype: payment.transaction
        """
        route = "/my/statement/transaction/" + "-".join(str(move_id) for move_id in moves.ids)
        params = self._transaction_params(self.provider_stripe, self.pm_card, amount)
        processing = self.make_jsonrpc_request(route, params)
        tx = self.env["payment.transaction"].sudo().search([("reference", "=", processing["reference"])])
        self.assertEqual(processing["client_secret"], f"{stripe_intent_id(tx.reference)}_secret_x")
        return tx

    def _stripe_add_intent(self, intent_id, description, amount_minor, currency="usd",
                           status="requires_payment_method"):
        """Create a PaymentIntent on the fake Stripe, as Stripe stores it."""
        self.stripe_intents[intent_id] = {
            "id": intent_id,
            "object": "payment_intent",
            "description": description,
            "status": status,
            "amount": amount_minor,
            "currency": currency,
            "customer": "cus_client_hub",
            "payment_method": None,
        }
        return self.stripe_intents[intent_id]

    def _stripe_pay(self, intent_id, status="succeeded"):
        """What the customer does on Stripe's side: confirm the PaymentIntent with a card."""
        self.stripe_intents[intent_id].update({
            "status": status,
            "payment_method": {"id": "pm_client_hub", "type": "card", "card": {"brand": "visa"}},
        })

    def _stripe_return(self, tx, intent_id):
        """Come back from Stripe to the return URL of the transaction, naming an intent."""
        query = url_encode({"reference": tx.reference, "payment_intent": intent_id})
        with mute_logger(*STRIPE_LOGGERS):
            response = self.url_open(f"{StripeController._return_url}?{query}", allow_redirects=False)
        self.env.invalidate_all()
        return response

    def _send_webhook(self, payload, header=None, secret=STRIPE_WEBHOOK_SECRET, timestamp=None):
        """Post a webhook event, signed with the secret unless a raw header is given."""
        if header is None:
            t, sig = stripe_signature(payload, secret=secret, timestamp=timestamp)
            header = f"t={t},v1={sig}"
        headers = {"Content-Type": "application/json"}
        if header:
            headers["Stripe-Signature"] = header
        with mute_logger(*STRIPE_LOGGERS):
            response = self.url_open(StripeController._webhook_url, data=payload, headers=headers, method="POST")
        self.env.invalidate_all()
        return response


def stripe_intent_id(reference):
    """The id the fake Stripe gives the PaymentIntent created for a transaction reference."""
    return "pi_" + re.sub(r"\W", "_", reference)


def stripe_signature(payload, secret=STRIPE_WEBHOOK_SECRET, timestamp=None):
    """Sign a webhook payload as Stripe does: HMAC-SHA256 of ``"{t}.{raw body}"``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return timestamp, digest


def stripe_event(tx, event_type="payment_intent.succeeded", status="succeeded", intent_id=None,
                 description=None):
    """Return the raw body of a Stripe webhook event about the transaction's PaymentIntent.

    :param str intent_id: The PaymentIntent's id; defaults to the one created for `tx`.
    :param str description: The PaymentIntent's description; defaults to `tx`'s reference.
    """
    minor = round(tx.amount * 10 ** tx.currency_id.decimal_places)
    return json.dumps({
        "id": f"evt_{event_type}_{tx.id}",
        "object": "event",
        "type": event_type,
        "data": {"object": {
            "id": intent_id or stripe_intent_id(tx.reference),
            "object": "payment_intent",
            "description": tx.reference if description is None else description,
            "status": status,
            "amount": minor,
            "currency": tx.currency_id.name.lower(),
            "customer": "cus_client_hub",
            "payment_method": {"id": "pm_client_hub", "type": "card", "card": {"brand": "visa"}},
        }},
    }).encode()

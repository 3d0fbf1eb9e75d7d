import hashlib
import hmac
import json
import time
from datetime import timedelta

from odoo import fields
from odoo.fields import Command
from odoo.http import Request
from odoo.tests import new_test_user

STRIPE_WEBHOOK_SECRET = "whsec_client_hub_test_secret"


class StatementFixtures:
    """Two clients, each a company with a portal user, with open, overdue, paid and foreign
    currency documents (fixtures for the statement, payment and ZIP tests)."""

    @classmethod
    def _setup_statement_fixtures(cls):
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

        cls.provider_demo = env.ref("payment.payment_provider_demo").sudo()
        cls.provider_demo.write({"state": "test", "is_published": True, "journal_id": cls.bank_journal.id})
        cls.provider_stripe = env.ref("payment.payment_provider_stripe").sudo()
        cls.provider_stripe.write({
            "state": "test",
            "is_published": True,
            "journal_id": cls.bank_journal.id,
            "stripe_secret_key": "sk_test_client_hub",
            "stripe_publishable_key": "pk_test_client_hub",
            "stripe_webhook_secret": STRIPE_WEBHOOK_SECRET,
        })
        cls.pm_demo = env.ref("payment_demo.payment_method_demo")
        cls.pm_card = env.ref("payment.payment_method_card")

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


def stripe_signature(payload, secret=STRIPE_WEBHOOK_SECRET, timestamp=None):
    """Sign a webhook payload as Stripe does: HMAC-SHA256 of ``"{t}.{raw body}"``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return timestamp, digest


def stripe_event(tx, event_type="payment_intent.succeeded", status="succeeded", intent_id="pi_client_hub"):
    """Return the raw body of a Stripe webhook event about the transaction's PaymentIntent."""
    minor = round(tx.amount * 10 ** tx.currency_id.decimal_places)
    return json.dumps({
        "id": f"evt_{event_type}_{tx.id}",
        "object": "event",
        "type": event_type,
        "data": {"object": {
            "id": intent_id,
            "object": "payment_intent",
            "description": tx.reference,
            "status": status,
            "amount": minor,
            "currency": tx.currency_id.name.lower(),
            "customer": "cus_client_hub",
            "payment_method": {"id": "pm_client_hub", "type": "card", "card": {"brand": "visa"}},
        }},
    }).encode()

"""Shared fixtures of the client_hub tests.

Every suite derives from `ClientHubCommon`: two client companies, Alpha and Bravo, each with
a contact and a portal user, an internal agent, the company's bank journal, and a helper
making their invoices and credit notes. The feature bases below add what a feature needs
(its documents, its e-mails, its HTTP helpers), as Odoo's `account_payment` does with
`AccountPaymentCommon` on `AccountTestInvoicingCommon`.

Mail is disabled (`DISABLED_MAIL_CONTEXT`, as in `BaseCommon`) except in the bases whose
features send e-mails (magic links, tickets), which reset `default_env_context`.
"""

import hashlib
import hmac
import json
import re
import time
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import urlsplit

from lxml import html
from werkzeug.urls import url_encode

import odoo
from odoo import fields
from odoo.fields import Command
from odoo.http import Request
from odoo.tests import HttpCase, new_test_user
from odoo.tools import email_normalize, mute_logger

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.base.tests.common import BaseCommon
from odoo.addons.payment_stripe.controllers.main import StripeController

TICKET = "client_hub.ticket"
FIGURES = (
    "client_total_invoiced",
    "client_total_paid",
    "client_balance_due",
    "client_overdue_amount",
)
MAGIC_RE = re.compile(
    r"https?://[^\"'\s<>]*/client/magic/([A-Za-z0-9_\-]+)(\?[^\"'\s<>]*)?"
)
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
STRIPE_WEBHOOK_SECRET = "whsec_client_hub_test_secret"
STRIPE_LOGGERS = (
    "odoo.addons.client_hub.controllers.stripe_webhook",
    "odoo.addons.payment_stripe.controllers.main",
    "odoo.addons.payment.models.payment_transaction",
    "odoo.addons.payment_stripe.models.payment_transaction",
)


class ClientHubFixtures:
    """The builders of the shared fixtures, usable on any test base."""

    @classmethod
    def _setup_clients(cls):
        env = cls.env
        Partner = env["res.partner"]
        cls.today = fields.Date.context_today(env.user)
        cls.bank_journal = env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", env.company.id)], limit=1
        )
        cls.client_a = Partner.create(
            {
                "name": "Alpha Corp",
                "is_company": True,
                "customer_rank": 1,
                "vat": "BE0477472701",
                "street": "1 Alpha Street",
                "zip": "1000",
                "city": "Brussels",
                "country_id": env.ref("base.be").id,
                "email": "billing@alpha.example.com",
            }
        )
        cls.contact_a = Partner.create(
            {
                "name": "Arthur Alpha",
                "parent_id": cls.client_a.id,
                "email": "arthur@alpha.example.com",
            }
        )
        cls.portal_a = cls._new_portal_user(
            cls.client_a, "ch_alice", "Alice Alpha", "alice@alpha.example.com"
        )
        cls.client_b = Partner.create(
            {
                "name": "Bravo Ltd",
                "is_company": True,
                "customer_rank": 1,
                "email": "billing@bravo.example.com",
            }
        )
        cls.contact_b = Partner.create(
            {
                "name": "Bruno Bravo",
                "parent_id": cls.client_b.id,
                "email": "bruno@bravo.example.com",
            }
        )
        cls.portal_b = cls._new_portal_user(
            cls.client_b, "ch_bob", "Bob Bravo", "bob@bravo.example.com"
        )
        cls.agent = new_test_user(
            env,
            login="ch_agent",
            name="Sam Support",
            email="sam@ourcompany.example.com",
            groups="base.group_user,client_hub.group_support,account.group_account_invoice",
        )

    @classmethod
    def _new_portal_user(cls, client, login, name, email):
        """Return a portal user whose contact works for the company `client`."""
        user = new_test_user(
            cls.env, login=login, groups="base.group_portal", name=name, email=email
        )
        user.partner_id.parent_id = client
        return user

    @classmethod
    def _make_invoice(
        cls,
        partner,
        amount,
        move_type="out_invoice",
        due_in=30,
        post=True,
        currency=None,
        taxes=None,
        company=None,
        user=None,
    ):
        """Return a one-line customer invoice of `amount` (`move_type="out_refund"`: a credit
        note), due `due_in` days from today and dated 30 days before, without payment terms.

        :param taxes: the line's taxes, none by default.
        :param company: the document's company, the environment's by default.
        :param user: the salesperson, none by default.
        """
        company = company or cls.env.company
        due = cls.today + timedelta(days=due_in)
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "currency_id": (currency or company.currency_id).id,
                    "invoice_date": due - timedelta(days=30),
                    "invoice_payment_term_id": False,
                    "invoice_date_due": due,
                    "invoice_user_id": user.id if user else False,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Consulting",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.set(taxes.ids if taxes else [])],
                            }
                        )
                    ],
                }
            )
        )
        if post:
            move.action_post()
            move.invoice_date_due = (
                due  # the payment term computation may have moved it
            )
        return move

    @classmethod
    def _register_payment(cls, moves, amount=None, **values):
        """Pay `moves` today into the bank journal, in full unless `amount` is given."""
        values = {
            "payment_date": cls.today,
            "journal_id": cls.bank_journal.id,
            **values,
        }
        if amount is not None:
            values["amount"] = amount
        return (
            cls.env["account.payment.register"]
            .with_context(
                active_model="account.move",
                active_ids=moves.ids,
            )
            .create(values)
            ._create_payments()
        )


class ClientHubCommon(ClientHubFixtures, BaseCommon):
    """The base of every suite: the shared fixtures, in the database's main company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_clients()


class ClientHubAccountingCommon(ClientHubCommon, AccountTestInvoicingCommon):
    """The shared fixtures in the fresh company of `AccountTestInvoicingCommon`, for the
    suites that use its accounting helpers (other companies and currencies, products,
    `init_invoice`, the send wizards). It costs about 1.4 s per class."""


class ClientHubHttpCommon(ClientHubCommon, HttpCase):
    """The shared fixtures, browsed: sign in, post forms, call JSON-RPC routes."""

    def _login(self, user):
        """Sign the browser in as `user` (None: a public visitor)."""
        self.authenticate(user and user.login, user and user.login)

    def _session(self):
        sid = self.opener.cookies.get("session_id")
        return sid and odoo.http.root.session_store.get(sid)

    def _post_form(self, url, data=None, files=None):
        """POST a form with the session's CSRF token; redirects are not followed."""
        data = dict(data or {}, csrf_token=Request.csrf_token(self))
        return self.url_open(url, data=data, files=files, allow_redirects=False)

    def _jsonrpc(self, route, params):
        """Call a JSON-RPC route; return its decoded answer (`result` or `error`)."""
        response = self.url_open(
            route, json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}
        )
        return response.json()

    def _rpc_error(self, answer):
        """The name of the exception a JSON-RPC answer reports, None when it has a result."""
        return answer.get("error", {}).get("data", {}).get("name")

    def _page(self, url):
        """GET a page that must answer 200; return its parsed HTML."""
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, url)
        return html.fromstring(response.content)

    def _upload(self, record, content=b"hello", filename="note.txt", **extra):
        """Upload a file to `record` through the chatter's upload route."""
        data = {
            "thread_id": str(record.id),
            "thread_model": record._name,
            "is_pending": "true",
            "csrf_token": Request.csrf_token(self),
            **extra,
        }
        return self.url_open(
            "/mail/attachment/upload",
            data=data,
            files={"ufile": (filename, content, "text/plain")},
        )


# ----------------------------------------------------------------------
# Statement
# ----------------------------------------------------------------------
class StatementFixtures:
    """Open, overdue, paid, draft and foreign-currency documents of Alpha, one of Bravo,
    and Stripe in test mode."""

    @classmethod
    def _setup_statement_documents(cls):
        cls.usd = cls.env.company.currency_id
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.inv_overdue = cls._make_invoice(cls.client_a, 100.0, due_in=-45)
        cls.inv_current = cls._make_invoice(cls.client_a, 200.0, due_in=10)
        cls.inv_old = cls._make_invoice(
            cls.contact_a, 50.0, due_in=-100
        )  # another contact of Alpha
        cls.refund = cls._make_invoice(
            cls.client_a, 30.0, due_in=0, move_type="out_refund"
        )
        cls.inv_paid = cls._make_invoice(cls.client_a, 70.0, due_in=-5)
        cls._register_payment(cls.inv_paid)
        cls.inv_eur = cls._make_invoice(cls.client_a, 80.0, due_in=20, currency=cls.eur)
        cls.inv_draft = cls._make_invoice(cls.client_a, 999.0, due_in=5, post=False)
        cls.inv_bravo = cls._make_invoice(cls.client_b, 300.0, due_in=-3)

    @classmethod
    def _setup_stripe_provider(cls):
        """Stripe in test mode with fake keys, paying into the bank journal (its API is
        mocked by `StripeMockMixin`)."""
        cls.provider_stripe = cls.env.ref("payment.payment_provider_stripe").sudo()
        cls.provider_stripe.write(
            {
                "state": "test",
                "is_published": True,
                "journal_id": cls.bank_journal.id,
                "stripe_secret_key": "sk_test_client_hub",
                "stripe_publishable_key": "pk_test_client_hub",
                "stripe_webhook_secret": STRIPE_WEBHOOK_SECRET,
            }
        )
        cls.pm_card = cls.env.ref("payment.payment_method_card")


class StatementCommon(StatementFixtures, ClientHubCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_statement_documents()
        cls._setup_stripe_provider()


class StatementHttpMixin:
    """Helpers to drive the statement routes as a portal user."""

    def _form(self, ids, **extra):
        data = [("invoice_ids", str(i)) for i in ids]
        data += [(key, str(value)) for key, value in extra.items()]
        data.append(("csrf_token", Request.csrf_token(self)))
        return data

    def _post(self, url, ids, allow_redirects=False, **extra):
        return self.url_open(
            url, data=self._form(ids, **extra), allow_redirects=allow_redirects
        )

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
        return (
            self.env["payment.transaction"]
            .sudo()
            .search([("invoice_ids", "in", moves.ids)])
        )


class StatementHttpCommon(StatementCommon, StatementHttpMixin, ClientHubHttpCommon):
    """The statement fixtures, browsed as Alice (client Alpha)."""

    def setUp(self):
        super().setUp()
        self._login(self.portal_a)


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
        self.startPatcher(
            patch.object(
                self.env.registry["payment.provider"],
                "_send_api_request",
                autospec=True,
                side_effect=self._fake_stripe_api,
            )
        )

    def _fake_stripe_api(self, provider, method, endpoint, data=None, **kwargs):
        self.api_calls.append((method, endpoint))
        intent_id = endpoint.removeprefix("payment_intents/")
        if (method, endpoint) == ("POST", "customers"):
            return {"id": "cus_client_hub"}
        if (method, endpoint) == ("POST", "payment_intents"):
            intent = self._stripe_add_intent(
                stripe_intent_id(data["description"]),
                data["description"],
                data["amount"],
                data["currency"],
            )
            return dict(intent, client_secret=f"{intent['id']}_secret_x")
        if method == "POST" and endpoint.endswith("/capture"):
            intent = self.stripe_intents[intent_id.removesuffix("/capture")]
            intent["status"] = "succeeded"
            return dict(intent)
        if method == "GET" and intent_id in self.stripe_intents:
            return dict(self.stripe_intents[intent_id])
        raise AssertionError(f"unexpected Stripe call {method} {endpoint}")

    def _start_stripe_payment(self, moves, amount):
        """Start paying the documents with Stripe from the statement, as the payment form does.

        :return: The transaction, whose PaymentIntent now exists on the fake Stripe.
        :rtype: payment.transaction
        """
        route = "/my/statement/transaction/" + "-".join(
            str(move_id) for move_id in moves.ids
        )
        params = self._transaction_params(self.provider_stripe, self.pm_card, amount)
        processing = self.make_jsonrpc_request(route, params)
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .search([("reference", "=", processing["reference"])])
        )
        self.assertEqual(
            processing["client_secret"], f"{stripe_intent_id(tx.reference)}_secret_x"
        )
        return tx

    def _stripe_add_intent(
        self,
        intent_id,
        description,
        amount_minor,
        currency="usd",
        status="requires_payment_method",
    ):
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
        self.stripe_intents[intent_id].update(
            {
                "status": status,
                "payment_method": {
                    "id": "pm_client_hub",
                    "type": "card",
                    "card": {"brand": "visa"},
                },
            }
        )

    def _stripe_return(self, tx, intent_id):
        """Come back from Stripe to the return URL of the transaction, naming an intent."""
        query = url_encode({"reference": tx.reference, "payment_intent": intent_id})
        with mute_logger(*STRIPE_LOGGERS):
            response = self.url_open(
                f"{StripeController._return_url}?{query}", allow_redirects=False
            )
        self.env.invalidate_all()
        return response

    def _send_webhook(
        self, payload, header=None, secret=STRIPE_WEBHOOK_SECRET, timestamp=None
    ):
        """Post a webhook event, signed with the secret unless a raw header is given."""
        if header is None:
            t, sig = stripe_signature(payload, secret=secret, timestamp=timestamp)
            header = f"t={t},v1={sig}"
        headers = {"Content-Type": "application/json"}
        if header:
            headers["Stripe-Signature"] = header
        with mute_logger(*STRIPE_LOGGERS):
            response = self.url_open(
                StripeController._webhook_url,
                data=payload,
                headers=headers,
                method="POST",
            )
        self.env.invalidate_all()
        return response


def stripe_intent_id(reference):
    """The id the fake Stripe gives the PaymentIntent created for a transaction reference."""
    return "pi_" + re.sub(r"\W", "_", reference)


def stripe_signature(payload, secret=STRIPE_WEBHOOK_SECRET, timestamp=None):
    """Sign a webhook payload as Stripe does: HMAC-SHA256 of ``"{t}.{raw body}"``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256
    ).hexdigest()
    return timestamp, digest


def stripe_event(
    tx,
    event_type="payment_intent.succeeded",
    status="succeeded",
    intent_id=None,
    description=None,
):
    """Return the raw body of a Stripe webhook event about the transaction's PaymentIntent.

    :param str intent_id: The PaymentIntent's id; defaults to the one created for `tx`.
    :param str description: The PaymentIntent's description; defaults to `tx`'s reference.
    """
    minor = round(tx.amount * 10**tx.currency_id.decimal_places)
    return json.dumps(
        {
            "id": f"evt_{event_type}_{tx.id}",
            "object": "event",
            "type": event_type,
            "data": {
                "object": {
                    "id": intent_id or stripe_intent_id(tx.reference),
                    "object": "payment_intent",
                    "description": tx.reference if description is None else description,
                    "status": status,
                    "amount": minor,
                    "currency": tx.currency_id.name.lower(),
                    "customer": "cus_client_hub",
                    "payment_method": {
                        "id": "pm_client_hub",
                        "type": "card",
                        "card": {"brand": "visa"},
                    },
                }
            },
        }
    ).encode()


# ----------------------------------------------------------------------
# Magic link
# ----------------------------------------------------------------------
class MagicLinkCommon(ClientHubCommon):
    """A posted invoice of each client; the links travel in e-mails, so mail stays on."""

    @classmethod
    def default_env_context(cls):
        return {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice_a = cls._make_invoice(cls.client_a, 100.0)
        cls.invoice_b = cls._make_invoice(cls.client_b, 100.0)

    def _link(self, partner, purpose="document", redirect=None):
        """Return (path, raw token) of a fresh link for `partner`."""
        url = partner._get_client_magic_link_url(redirect=redirect, purpose=purpose)
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return path, parts.path.rsplit("/", 1)[1]

    def _sent_bodies(self, partner, model=None):
        """Bodies of the e-mails sent to `partner`'s address (as built for SMTP, under
        `mock_mail_gateway`), optionally only those of documents of `model`."""
        address = partner.email_normalized
        return [
            mail["body"]
            for mail in self._mails
            if address in [email_normalize(email) for email in mail["email_to"]]
            and (not model or (mail.get("object_id") or "").endswith(f"-{model}"))
        ]


class MagicLinkHttpCommon(MagicLinkCommon, ClientHubHttpCommon):
    """Follow links and their one-click forms the way a client's browser does."""

    def _session_uid(self):
        session = self._session()
        return session and session.uid

    def _get(self, path):
        return self.url_open(path, allow_redirects=False)

    def _post(self, path, data=None, csrf_from=None):
        """POST `path` with the CSRF token of the form on page `csrf_from` (default: path)."""
        page = self._get(csrf_from or path)
        match = CSRF_RE.search(page.text)
        self.assertTrue(match, f"{csrf_from or path} must show a form")
        return self.url_open(
            path,
            data={"csrf_token": match.group(1), **(data or {})},
            allow_redirects=False,
        )

    def _sign_in(self, path, **data):
        return self._post(path, data=data)

    def _sign_in_with(self, match):
        """Open a magic link found in an e-mail (`MAGIC_RE` match) in a fresh browser: the
        one-click page, then its button. Return the final redirect."""
        self.opener.cookies.clear()
        path = f"/client/magic/{match.group(1)}{(match.group(2) or '').replace('&amp;', '&')}"
        page = self._get(path)
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_client_hub_magic_link_continue", page.text, "the link works")
        redirect = (
            page.text.split('name="redirect" value="')[1]
            .split('"')[0]
            .replace("&amp;", "&")
        )
        response = self._post(path, data={"redirect": redirect})
        self.assertEqual(response.status_code, 303)
        return response


# ----------------------------------------------------------------------
# Tickets
# ----------------------------------------------------------------------
class TicketCommon(ClientHubCommon):
    """A second portal user of Alpha and the ticket stages; tickets notify by e-mail, so
    mail stays on."""

    @classmethod
    def default_env_context(cls):
        return {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_a2 = cls._new_portal_user(
            cls.client_a, "ch_andy", "Andy Alpha", "andy@alpha.example.com"
        )
        cls.stage_new = cls.env.ref("client_hub.ticket_stage_new")
        cls.stage_in_progress = cls.env.ref("client_hub.ticket_stage_in_progress")
        cls.stage_waiting = cls.env.ref("client_hub.ticket_stage_waiting")
        cls.stage_closed = cls.env.ref("client_hub.ticket_stage_closed")

    @classmethod
    def _new_ticket(cls, user, name="Question", **values):
        """Open a ticket as the portal `user` would (through the portal's model method)."""
        ticket = (
            cls.env[TICKET]
            .with_user(user)
            ._create_from_portal(user.partner_id, {"name": name, **values})
        )
        return cls.env[TICKET].browse(ticket.id)


class TicketHttpCommon(TicketCommon, ClientHubHttpCommon):
    """The ticket fixtures, browsed."""


# ----------------------------------------------------------------------
# Dashboard
# ----------------------------------------------------------------------
class DashboardCommon(ClientHubAccountingCommon):
    """Taxed invoices and the figures of the client dashboard; the accounting test user
    also sells."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.group_ids |= cls.env.ref(
            "sales_team.group_sale_salesman_all_leads"
        )
        cls.tax10 = cls.env["account.tax"].create(
            {
                "name": "VAT 10%",
                "amount": 10,
                "amount_type": "percent",
                "type_tax_use": "sale",
            }
        )

    @classmethod
    def _invoice(
        cls,
        amount,
        partner=None,
        move_type="out_invoice",
        post=True,
        due_in=30,
        currency=None,
        company=None,
        user=None,
        taxed=True,
    ):
        """An invoice of Alpha (by default) of `amount` + 10% tax, due `due_in` days from today."""
        return cls._make_invoice(
            partner or cls.client_a,
            amount,
            move_type=move_type,
            due_in=due_in,
            post=post,
            currency=currency,
            taxes=cls._sale_tax(company) if taxed else None,
            company=company,
            user=user,
        )

    @classmethod
    def _sale_tax(cls, company):
        if not company or company == cls.env.company:
            return cls.tax10
        return (
            cls.env["account.tax"]
            .with_company(company)
            .create(
                {
                    "name": "VAT 10%",
                    "amount": 10,
                    "type_tax_use": "sale",
                    "company_id": company.id,
                }
            )
        )

    @classmethod
    def _pay(cls, invoice, amount):
        cls._register_payment(invoice, amount)

    def assertFigures(self, partner, invoiced, paid, due, overdue):
        partner.invalidate_recordset(FIGURES)
        self.assertEqual(
            [partner[fname] for fname in FIGURES],
            [invoiced, paid, due, overdue],
            f"invoiced, paid, due, overdue of {partner.display_name}",
        )


# Redirect parameters an attacker hands a signed-in client (a crafted form or link): none may
# send the browser to another host.
HOSTILE_REDIRECTS = (
    "https://evil.example/my",
    "//evil.example/my",
    "///evil.example/my",
    "/\\evil.example/my",
    "\\\\evil.example/my",
    "https:evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/\t/evil.example",
    "/ja//evil.example/my",
    "/ja/%2F%2Fevil.example",
    "/my?next=https://evil.example",
    "x" * 3000,
)


def assert_local_redirect(case, response):
    """``response`` is a redirect to this very site, never to another host."""
    case.assertIn(response.status_code, (302, 303))
    location = response.headers["Location"]
    parts = urlsplit(location)
    base = urlsplit(case.base_url())
    case.assertIn(parts.netloc, ("", base.netloc), location)
    case.assertTrue(parts.path.startswith("/"), location)
    case.assertFalse(parts.path.startswith(("//", "/\\")), location)

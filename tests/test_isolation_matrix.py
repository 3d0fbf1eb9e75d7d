"""The isolation matrix: every route the module adds or overrides, crossed with every kind
of caller, each cell aimed at client A's documents, tickets, account and links.

The table below (`MATRIX`) gives the expected answer of each cell. A route of the module
without a row fails the test, and so does a row whose route no longer exists: a new route
is not served until somebody has written down who may do what with it.
"""

import json
import secrets
import threading
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import urlsplit

from odoo import fields
from odoo.fields import Command
from odoo.http import Request
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.client_hub.const import DEFAULT_RATE_LIMITS
from odoo.addons.mail.tests.common import MailCase
from odoo.addons.payment_stripe.controllers.main import StripeController

from .common import (
    MAGIC_RE,
    ClientHubHttpCommon,
    StatementCommon,
    StatementHttpMixin,
)

MODULE_PREFIX = "odoo.addons.client_hub."

# The callers, in the order of the table's columns.
CALLERS = (
    "client",  # Alice, a contact of client A with a portal user
    "colleague",  # Carol, another contact of client A with a portal user
    "other_client",  # Bob, a contact of client B
    "other_company",  # Chloe, a client of another company of the database
    "public",  # nobody signed in
    "expired_link",  # a browser that tried one of A's expired links
    "revoked_link",  # ... one of A's revoked links
    "used_link",  # ... one of A's sign-in links already used
)
DEAD_LINKS = ("expired_link", "revoked_link", "used_link")

# The answers. Every answer but A and AS_A also requires that nothing of A's changed.
A = "A"  # served with A's data (and A's changes made, where the route makes any)
OWN = "own"  # served, with the caller's own data and nothing of A's
DENIED = "denied"  # refused (a redirect elsewhere, 4xx, or an error): nothing of A's
LOGIN = "login"  # sent to the sign-in page (JSON-RPC: session expired): nothing of A's
SELF = "self"  # acts on the caller's own account only: nothing of A's
AS_A = "as A"  # the link signs the browser in as Alice (the link's own contact)
NO_LINK = "no link"  # the link page refuses the token: nobody is signed in
SENT = "sent"  # the sign-in request page's "sent" answer, a link e-mailed to A only

# fmt: off
MATRIX = {
    # route                                        client  colleague  other   other_co  public  expired  revoked  used
    "/my/statement":                               (A,      A,         OWN,    OWN,      LOGIN,  LOGIN,   LOGIN,   LOGIN),  # noqa: E501
    "/my/statement/page/<int:page>":               (A,      A,         OWN,    OWN,      LOGIN,  LOGIN,   LOGIN,   LOGIN),  # noqa: E501
    "/my/statement/overdue":                       (A,      A,         OWN,    OWN,      LOGIN,  LOGIN,   LOGIN,   LOGIN),  # noqa: E501
    "/my/statement/pdf":                           (A,      A,         OWN,    OWN,      LOGIN,  LOGIN,   LOGIN,   LOGIN),  # noqa: E501
    "/my/statement/download":                      (A,      A,         DENIED, DENIED,   LOGIN,  LOGIN,   LOGIN,   LOGIN),  # noqa: E501
    "/my/statement/pay":                           (A,      A,         DENIED, DENIED,   LOGIN,  LOGIN,   LOGIN,   LOGIN),  # noqa: E501
    "/my/statement/transaction/<string:selection>": (A,     A,         DENIED, DENIED,   LOGIN,  LOGIN,   LOGIN,   LOGIN),  # noqa: E501
    "/my/tickets":                                 (A,      A,         OWN,    OWN,      LOGIN,  LOGIN,   LOGIN,   LOGIN),  # noqa: E501
    "/my/tickets/page/<int:page>":                 (A,      A,         OWN,    OWN,      LOGIN,  LOGIN,   LOGIN,   LOGIN),  # noqa: E501
    "/my/tickets/new":                             (A,      A,         DENIED, DENIED,   LOGIN,  LOGIN,   LOGIN,   LOGIN),  # noqa: E501
    "/my/tickets/<int:ticket_id>":                 (A,      A,         DENIED, DENIED,   LOGIN,  LOGIN,   LOGIN,   LOGIN),  # noqa: E501
    "/my/tickets/<int:ticket_id>/close":           (A,      A,         DENIED, DENIED,   LOGIN,  LOGIN,   LOGIN,   LOGIN),  # noqa: E501
    "/my/orders/<int:order_id>/decline":           (A,      A,         DENIED, DENIED,   DENIED, DENIED,  DENIED,  DENIED),  # noqa: E501
    "/my/language":                                (A,      SELF,      SELF,   SELF,     LOGIN,  LOGIN,   LOGIN,   LOGIN),  # noqa: E501
    "/my/passkey/add":                             (A,      SELF,      SELF,   SELF,     LOGIN,  LOGIN,   LOGIN,   LOGIN),  # noqa: E501
    "/my/passkey/dismiss":                         (A,      SELF,      SELF,   SELF,     LOGIN,  LOGIN,   LOGIN,   LOGIN),  # noqa: E501
    "/client/magic/<string:token>":                (AS_A,   NO_LINK,   NO_LINK, NO_LINK, NO_LINK, NO_LINK, NO_LINK, NO_LINK),  # noqa: E501
    "/client/login":                               (SENT,   SENT,      SENT,   SENT,     SENT,   SENT,    SENT,    SENT),  # noqa: E501
    "/client/email/confirm/<string:token>":        (A,      DENIED,    DENIED, DENIED,   DENIED, DENIED,  DENIED,  DENIED),  # noqa: E501
    "/payment/stripe/webhook":                     (DENIED, DENIED,    DENIED, DENIED,   DENIED, DENIED,  DENIED,  DENIED),  # noqa: E501
    # staff only: the archive of the documents issued (staff of another company: test_archive_http)
    "/client_hub/archive/csv":                     (DENIED, DENIED,    DENIED, DENIED,   LOGIN,  LOGIN,   LOGIN,   LOGIN),  # noqa: E501
    "/client_hub/archive/zip":                     (DENIED, DENIED,    DENIED, DENIED,   LOGIN,  LOGIN,   LOGIN,   LOGIN),  # noqa: E501
}
# Stock routes that serve the module's documents to clients (not discovered: the module
# does not define them), held to the same table.
STOCK_ROWS = {
    "/my/invoices/<int:invoice_id>":               (A,      A,         DENIED, DENIED,   DENIED, DENIED,  DENIED,  DENIED),  # noqa: E501
    "/mail/message/post (ticket)":                 (A,      A,         DENIED, DENIED,   DENIED, DENIED,  DENIED,  DENIED),  # noqa: E501
}
# fmt: on


@tagged("post_install", "-at_install")
class TestIsolationMatrix(
    StatementCommon, StatementHttpMixin, ClientHubHttpCommon, MailCase
):
    """Each cell: a fresh browser signed in as the caller, the row's requests aimed at
    client A (A's ids, A's ticket, A's order; for the link routes, what the caller may hold:
    A's own link for Alice, a forged token for the others, the dead link for the dead-link
    callers), then the answer checked against the table and A's data compared."""

    @classmethod
    def default_env_context(cls):
        return {}  # sign-in links travel by e-mail: mail stays on

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.colleague = cls._new_portal_user(
            cls.client_a, "ch_carol", "Carol Alpha", "carol@alpha.example.com"
        )
        cls.company_2 = env["res.company"].create({"name": "Other Company"})
        cls.client_c = env["res.partner"].create(
            {
                "name": "Charlie SA",
                "is_company": True,
                "customer_rank": 1,
                "company_id": cls.company_2.id,
                "email": "billing@charlie.example.com",
            }
        )
        cls.portal_c = new_test_user(
            env,
            login="ch_chloe",
            name="Chloe Charlie",
            email="chloe@charlie.example.com",
            groups="base.group_portal",
            company_id=cls.company_2.id,
            company_ids=[Command.set(cls.company_2.ids)],
        )
        cls.portal_c.partner_id.write(
            {"parent_id": cls.client_c.id, "company_id": cls.company_2.id}
        )
        cls.users = {
            "client": cls.portal_a,
            "colleague": cls.colleague,
            "other_client": cls.portal_b,
            "other_company": cls.portal_c,
        }
        cls.product = env["product.product"].create(
            {"name": "Audit", "list_price": 100.0}
        )
        # A's markers: texts that only a page about A's documents holds.
        cls.a_invoices = cls.inv_overdue | cls.inv_current
        cls.a_marker = cls.inv_overdue.name
        # A transaction of A's, for the forged webhook.
        cls.a_tx = (
            env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": cls.provider_stripe.id,
                    "payment_method_id": cls.pm_card.id,
                    "amount": cls.inv_overdue.amount_residual,
                    "currency_id": cls.inv_overdue.currency_id.id,
                    "partner_id": cls.client_a.id,
                    "reference": "CH-MATRIX-A",
                    "invoice_ids": [Command.set(cls.inv_overdue.ids)],
                }
            )
        )
        for kind in DEFAULT_RATE_LIMITS:
            env["ir.config_parameter"].set_param(f"client_hub.rate_limit_{kind}", 10**9)

    def setUp(self):
        super().setUp()
        self.startPatcher(
            patch.object(
                self.env.registry["payment.provider"],
                "_send_api_request",
                autospec=True,
                side_effect=lambda *args, **kwargs: {
                    "id": "pi_matrix",
                    "client_secret": "pi_matrix_secret",
                    "status": "requires_payment_method",
                },
            )
        )

    # ------------------------------------------------------------------
    # The routes of the module
    # ------------------------------------------------------------------
    def _module_routes(self):
        """The rules of the routing map whose endpoint the module defines or overrides."""
        with patch.object(
            threading.current_thread(), "dbname", self.env.cr.dbname, create=True
        ):
            routing_map = self.env["ir.http"].routing_map()
        routes = set()
        for rule in routing_map.iter_rules():
            method = getattr(rule.endpoint, "func", None)
            controller = getattr(method, "__self__", None)
            if controller is None:
                continue
            if any(
                method.__name__ in vars(cls)
                and cls.__module__.startswith(MODULE_PREFIX)
                for cls in type(controller).__mro__
            ):
                routes.add(rule.rule)
        return routes

    # ------------------------------------------------------------------
    # Callers
    # ------------------------------------------------------------------
    def _dead_link_token(self, kind):
        """A token of one of Alice's links that can no longer sign anyone in."""
        url = self.portal_a.partner_id._get_client_magic_link_url(
            purpose="login" if kind == "used_link" else "document"
        )
        token = urlsplit(url).path.rsplit("/", 1)[1]
        Link = self.env["client_hub.magic.link"].sudo()
        link = Link.search([], limit=1, order="id desc")
        if kind == "expired_link":
            link.expiration_date = fields.Datetime.now() - timedelta(minutes=1)
        elif kind == "revoked_link":
            link._revoke()
        else:
            link.consumed_date = fields.Datetime.now()
        self.env.flush_all()
        return token

    def _become(self, caller):
        """A fresh browser, signed in as ``caller``; the dead-link callers have tried their
        link first (and must have stayed anonymous)."""
        self.opener.cookies.clear()
        if caller in self.users:
            self._login(self.users[caller])
            return
        self._login(None)
        if caller in DEAD_LINKS:
            token = self._dead_link_token(caller)
            response = self.url_open(
                f"/client/magic/{token}",
                data={"csrf_token": Request.csrf_token(self)},
                allow_redirects=False,
            )
            self.assertNotEqual(response.status_code, 303, f"{caller} signs nobody in")
            self.assertFalse(self._session().uid, f"{caller} signs nobody in")

    # ------------------------------------------------------------------
    # A's data, before and after each cell
    # ------------------------------------------------------------------
    def _a_state(self, caller=None):
        """Everything of A's a route could change, read from the database (but the
        caller's own account, which the caller may change)."""
        self.env.flush_all()
        self.env.invalidate_all()
        cr = self.env.cr
        a_partners = tuple(
            self.env["res.partner"]
            .with_context(active_test=False)
            .search([("id", "child_of", self.client_a.id)])
            .ids
        )
        a_moves = tuple(
            self.env["account.move"]
            .sudo()
            .search([("commercial_partner_id", "=", self.client_a.id)])
            .ids
        )
        cr.execute(
            """
            SELECT
              (SELECT json_agg(json_build_array(id, stage_id, invoice_id, sale_order_id)
                               ORDER BY id)
                 FROM client_hub_ticket
                WHERE commercial_partner_id = %(a)s OR invoice_id IN %(moves)s),
              (SELECT json_agg(json_build_array(m.id, m.model, m.res_id) ORDER BY m.id)
                 FROM mail_message m
                WHERE (m.model = 'client_hub.ticket' AND m.res_id IN
                        (SELECT id FROM client_hub_ticket WHERE commercial_partner_id = %(a)s))
                   OR (m.model = 'account.move' AND m.res_id IN %(moves)s)
                   OR (m.model = 'sale.order' AND m.res_id IN
                        (SELECT id FROM sale_order WHERE partner_id IN %(partners)s))),
              (SELECT json_agg(json_build_array(t.id, t.state, t.amount) ORDER BY t.id)
                 FROM payment_transaction t
                WHERE t.partner_id IN %(partners)s
                   OR t.id IN (SELECT transaction_id FROM account_invoice_transaction_rel
                                WHERE invoice_id IN %(moves)s)),
              (SELECT json_agg(json_build_array(id, state) ORDER BY id)
                 FROM sale_order WHERE partner_id IN %(partners)s),
              (SELECT json_agg(json_build_array(id, payment_state, amount_residual)
                               ORDER BY id)
                 FROM account_move WHERE id IN %(moves)s),
              (SELECT json_agg(json_build_array(u.id, u.client_hub_passkey_offer_dismissed,
                                                u.active, u.login,
                                                (SELECT count(*) FROM res_users_apikeys k
                                                  WHERE k.user_id = u.id)) ORDER BY u.id)
                 FROM res_users u WHERE u.partner_id IN %(partners)s AND u.id != %(me)s),
              (SELECT json_agg(json_build_array(id, email, lang, client_hub_pending_email)
                               ORDER BY id)
                 FROM res_partner WHERE id IN %(partners)s)
            """,
            {
                "a": self.client_a.id,
                "moves": a_moves,
                "partners": a_partners,
                "me": self.users[caller].id if caller in self.users else 0,
            },
        )
        return json.dumps(cr.fetchone(), default=str)

    # ------------------------------------------------------------------
    # The rows: the requests each cell sends
    # ------------------------------------------------------------------
    def _ticket_of_a(self):
        ticket = (
            self.env["client_hub.ticket"]
            .with_user(self.portal_a)
            ._create_from_portal(
                self.portal_a.partner_id, {"name": "Alpha private question"}
            )
        )
        self.env.flush_all()
        return self.env["client_hub.ticket"].browse(ticket.id)

    def _quotation_of_a(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.client_a.id,
                "require_signature": True,
                "order_line": [Command.create({"product_id": self.product.id})],
            }
        )
        order.action_quotation_sent()
        self.env.flush_all()
        return order

    def _archive_of_a(self):
        """An issued document of A's in the archive, named by A's marker."""
        invoice = self.inv_overdue
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"{invoice.name}.pdf",
                "raw": f"%PDF {invoice.name}".encode(),
                "res_model": "account.move",
                "res_id": invoice.id,
            }
        )
        self.env["client_hub.issued.document"]._archive(
            [invoice._client_hub_prepare_archive_vals(attachment)]
        )
        self.env.flush_all()

    def _post(self, path, data=None, **kwargs):
        pairs = list(data or [])
        pairs.append(("csrf_token", Request.csrf_token(self)))
        return self.url_open(path, data=pairs, allow_redirects=False, **kwargs)

    def _get(self, path):
        return self.url_open(path, allow_redirects=False)

    def _rpc(self, path, params):
        return self.url_open(
            path,
            json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params},
            allow_redirects=False,
        )

    def _prepare(self, route, caller):
        """Make what the row's requests aim at, before A's data is read: a ticket or a
        quotation of A's, the link token the caller holds."""
        if route in (
            "/my/tickets",
            "/my/tickets/page/<int:page>",
            "/my/tickets/<int:ticket_id>",
            "/my/tickets/<int:ticket_id>/close",
            "/mail/message/post (ticket)",
        ):
            return {"ticket": self._ticket_of_a()}
        if route == "/my/orders/<int:order_id>/decline":
            return {"order": self._quotation_of_a()}
        if route.startswith("/client_hub/archive/"):
            self._archive_of_a()
            return {}
        if route == "/client/magic/<string:token>":
            if caller == "client":
                url = self.portal_a.partner_id._get_client_magic_link_url(
                    purpose="login"
                )
                self.env.flush_all()
                return {"token": urlsplit(url).path.rsplit("/", 1)[1]}
            if caller in DEAD_LINKS:
                return {"token": self._dead_link_token(caller)}
            return {"token": secrets.token_urlsafe(32)}  # forged, a real one's shape
        if route == "/client/email/confirm/<string:token>":
            # Alice holds the link of her own pending change; the dead-link callers one
            # that a newer request replaced; the others a forged one
            alice = self.portal_a.partner_id
            alice._client_hub_request_email_change("alice.new@alpha.example.com")
            token = alice._client_hub_get_email_change_token()
            if caller in DEAD_LINKS:
                alice.client_hub_pending_email_date -= timedelta(seconds=1)
                alice._client_hub_request_email_change("alice.newer@alpha.example.com")
            elif caller != "client":
                token = secrets.token_urlsafe(48)
            self.env.flush_all()
            return {"token": token, "marker": "alice.new"}
        return {}

    def _requests(self, route, caller, prepared):
        """Send the row's requests for ``caller``; return [(response, context)], where
        context holds what the answer is checked with (the ticket, the order...)."""
        ticket, order = prepared.get("ticket"), prepared.get("order")
        ids = [("invoice_ids", str(move.id)) for move in self.a_invoices]
        selection = "-".join(str(move.id) for move in self.a_invoices)
        marker = {"marker": ticket.name} if ticket else {}
        simple_pages = {
            "/my/statement": ("/my/statement", {}),
            "/my/statement/page/<int:page>": ("/my/statement/page/1", {}),
            "/my/statement/overdue": ("/my/statement/overdue", {"follow": True}),
            "/my/statement/pdf": ("/my/statement/pdf", {}),
            "/my/tickets": ("/my/tickets", marker),
            "/my/tickets/page/<int:page>": ("/my/tickets/page/1", marker),
        }
        if route in simple_pages:
            path, context = simple_pages[route]
            return [(self._get(path), context)]
        if route == "/my/statement/download":
            return [(self._post("/my/statement/download", ids), {"zip": True})]
        if route == "/my/statement/pay":
            return [(self._post("/my/statement/pay", ids), {})]
        if route == "/my/statement/transaction/<string:selection>":
            params = self._transaction_params(
                self.provider_stripe,
                self.pm_card,
                sum(self.a_invoices.mapped("amount_residual")),
            )
            path = f"/my/statement/transaction/{selection}"
            return [(self._rpc(path, params), {"rpc": 1})]
        if route == "/my/tickets/new":
            invoice = self.inv_overdue
            form = [("name", "About A's invoice"), ("invoice_id", str(invoice.id))]
            return [
                (
                    self._get(f"/my/tickets/new?invoice_id={invoice.id}"),
                    {"marker": invoice.name, "form": True},
                ),
                (
                    self._post("/my/tickets/new", form),
                    {"created": True, "form": True},
                ),
            ]
        if route == "/my/tickets/<int:ticket_id>":
            return [
                (self._get(f"/my/tickets/{ticket.id}"), marker),
                (self._post(f"/my/tickets/{ticket.id}"), marker),
            ]
        if route == "/my/tickets/<int:ticket_id>/close":
            return [(self._post(f"/my/tickets/{ticket.id}/close"), {"closed": ticket})]
        if route == "/my/orders/<int:order_id>/decline":
            form = [("decline_message", "Too expensive")]
            response = self._post(f"/my/orders/{order.id}/decline", form)
            return [(response, {"declined": order})]
        if route == "/my/language":
            form = [("lang", "en_US"), ("redirect", "/my")]
            return [(self._post("/my/language", form), {})]
        if route in ("/my/passkey/add", "/my/passkey/dismiss"):
            return [(self._post(route, [("redirect", "/my")]), {})]
        if route.startswith("/client/"):
            return self._link_requests(route, prepared)
        if route == "/payment/stripe/webhook":
            event = {
                "id": "evt_forged",
                "type": "payment_intent.succeeded",
                "data": {
                    "object": {
                        "id": "pi_forged",
                        "object": "payment_intent",
                        "description": self.a_tx.reference,
                        "status": "succeeded",
                        "amount": int(self.a_tx.amount * 100),
                        "currency": self.a_tx.currency_id.name.lower(),
                    }
                },
            }
            response = self.url_open(
                StripeController._webhook_url,
                data=json.dumps(event),
                headers={
                    "Content-Type": "application/json",
                    "Stripe-Signature": "t=1,v1=" + "0" * 64,
                },
                allow_redirects=False,
            )
            return [(response, {"webhook": True})]
        if route.startswith("/client_hub/archive/"):
            context = {"zip": True} if route.endswith("zip") else {}
            return [(self._get(f"{route}?partner_id={self.client_a.id}"), context)]
        if route == "/my/invoices/<int:invoice_id>":
            return [
                (self._get(f"/my/invoices/{self.inv_overdue.id}"), {"follow": True})
            ]
        if route == "/mail/message/post (ticket)":
            response = self._rpc(
                "/mail/message/post",
                {
                    "thread_model": "client_hub.ticket",
                    "thread_id": ticket.id,
                    "post_data": {
                        "body": "Posted into A's ticket",
                        "message_type": "comment",
                    },
                },
            )
            return [(response, {"rpc": 1, "posted": ticket})]
        raise AssertionError(f"no requests written for {route}")

    def _link_requests(self, route, prepared):
        """The requests of the routes a link or the sign-in form leads to."""
        if route == "/client/magic/<string:token>":
            token = prepared["token"]
            return [
                (self._get(f"/client/magic/{token}"), {"link_page": True}),
                (self._post(f"/client/magic/{token}"), {"link_post": True}),
            ]
        if route == "/client/email/confirm/<string:token>":
            path = f"/client/email/confirm/{prepared['token']}"
            context = {"form": True, "marker": prepared["marker"]}
            return [
                (self._get(path), context),
                (self._post(path), dict(context, email_confirmed=True)),
            ]
        if route == "/client/login":
            return [
                (
                    self._post(
                        "/client/login", [("email", self.portal_a.partner_id.email)]
                    ),
                    {"sign_in_request": True},
                )
            ]
        raise AssertionError(f"no requests written for {route}")

    # ------------------------------------------------------------------
    # Checking an answer
    # ------------------------------------------------------------------
    def _body_text(self, response, context):
        """The text of an answer a person would read (tests render reports as HTML: no
        wkhtmltopdf run, the PDF's content is the answer's text)."""
        if context.get("follow") and response.status_code in (301, 302, 303):
            location = response.headers["Location"]
            followed = self.url_open(location)
            return f"{location}\n{followed.text}"
        return (
            response.text
            if "zip" not in response.headers.get("Content-Type", "")
            else ""
        )

    def _is_login_answer(self, response, context):
        if context.get("rpc"):
            error = response.json().get("error") or {}
            return (
                error.get("data", {}).get("name") == "odoo.http.SessionExpiredException"
            )
        return response.status_code in (302, 303) and urlsplit(
            response.headers.get("Location", "")
        ).path in ("/web/login", "/client/login")

    def _is_refusal(self, response, context):
        if context.get("rpc"):
            body = response.json()
            return "error" in body and "result" not in body
        if response.status_code in (302, 303):
            return True
        # a form shown again with its error
        return 400 <= response.status_code < 500 or (
            response.status_code == 200 and context.get("form")
        )

    def _check_cell(self, route, caller, expected, answers, before):
        where = f"{route} as {caller} (expected {expected})"
        marker = self.a_marker
        for response, context in answers:
            self.assertLess(response.status_code, 500, where)
            marker = context.get("marker", self.a_marker)
            text = self._body_text(response, context)
            if expected == A:
                self._check_served_to_a(where, response, context, text, marker)
                continue
            if expected in (AS_A, NO_LINK):
                self._check_link(where, caller, expected, response, context)
                continue
            if expected == SENT:
                self.assertEqual(response.status_code, 200, where)
                self.assertNotIn("/client/magic/", response.text, where)
                continue
            self.assertNotIn(marker, text, f"{where}: A's data served")
            if expected == LOGIN:
                self.assertTrue(self._is_login_answer(response, context), where)
            elif expected == DENIED:
                self.assertTrue(self._is_refusal(response, context), where)
                if context.get("zip"):
                    self.assertNotIn("zip", response.headers.get("Content-Type", ""))
            elif expected in (OWN, SELF):
                self.assertLess(response.status_code, 400, where)
        if expected == SENT:
            self._check_sign_in_request_mailed_to_a_only(where)
        if expected not in (A, AS_A):
            self.assertEqual(
                before, self._a_state(caller), f"{where}: A's data changed"
            )

    def _check_served_to_a(self, where, response, context, text, marker):
        if context.get("rpc"):
            body = response.json()
            self.assertIn("result", body, f"{where}: {body.get('error')}")
            if posted := context.get("posted"):
                self.assertIn(
                    "Posted into A's ticket",
                    "".join(posted.sudo().message_ids.mapped("body")),
                    where,
                )
            return
        if context.get("zip"):
            self.assertEqual(response.headers["Content-Type"], "application/zip", where)
            return
        if ticket := context.get("closed"):
            ticket.invalidate_recordset()
            self.assertTrue(ticket.is_closed, where)
            return
        if order := context.get("declined"):
            order.invalidate_recordset()
            self.assertEqual(order.state, "cancel", where)
            return
        if context.get("created"):
            self.assertEqual(response.status_code, 303, where)
            return
        if context.get("webhook"):
            return
        if context.get("email_confirmed"):
            self.assertEqual(response.status_code, 200, where)
            self.assertEqual(
                self.portal_a.partner_id.email, "alice.new@alpha.example.com", where
            )
            return
        self.assertLess(response.status_code, 400, where)
        if response.status_code == 200 and "/my/" in where and "language" not in where:
            if "passkey" not in where:
                self.assertIn(marker, text, f"{where}: A's own data is shown to A")

    def _check_link(self, where, caller, expected, response, context):
        session = self._session()
        if expected == AS_A:
            if context.get("link_post"):
                self.assertEqual(response.status_code, 303, where)
                self.assertEqual(session.uid, self.portal_a.id, where)
            else:  # the one-click page; already signed in as Alice: straight through
                self.assertIn(response.status_code, (200, 303), where)
            return
        self.assertNotEqual(response.status_code, 303, where)
        self.assertNotIn("o_client_hub_magic_link_continue", response.text, where)
        expected_uid = self.users[caller].id if caller in self.users else None
        self.assertEqual(session.uid or None, expected_uid, f"{where}: session changed")

    def _check_sign_in_request_mailed_to_a_only(self, where):
        """The queued request is e-mailed to Alice only, whoever asked for it."""
        with self.mock_mail_gateway():
            self.env["client_hub.magic.link.request"]._cron_process_requests()
        recipients = {email for mail in self._mails for email in mail["email_to"]}
        self.assertTrue(recipients, f"{where}: the link is e-mailed")
        for mail in self._mails:
            for email in mail["email_to"]:
                self.assertIn(self.portal_a.partner_id.email, email, where)
            self.assertTrue(MAGIC_RE.search(mail["body"]), where)

    # ------------------------------------------------------------------
    # The test
    # ------------------------------------------------------------------
    def test_every_route_has_a_row(self):
        routes = self._module_routes()
        self.assertFalse(
            routes - set(MATRIX),
            "routes of the module without a row in the isolation matrix",
        )
        self.assertFalse(
            set(MATRIX) - routes, "rows of the isolation matrix without a route"
        )
        for row in (*MATRIX.values(), *STOCK_ROWS.values()):
            self.assertEqual(len(row), len(CALLERS))

    @mute_logger(
        "odoo.http",
        "odoo.addons.client_hub.controllers.stripe_webhook",
        "odoo.addons.payment_stripe.controllers.main",
    )
    def test_isolation_matrix(self):
        failures, cells = [], 0
        for route, row in (*MATRIX.items(), *STOCK_ROWS.items()):
            for caller, expected in zip(CALLERS, row, strict=True):
                cells += 1
                self._become(caller)
                try:
                    prepared = self._prepare(route, caller)
                    before = self._a_state(caller)
                    answers = self._requests(route, caller, prepared)
                    self._check_cell(route, caller, expected, answers, before)
                except AssertionError as error:
                    message = str(error).splitlines()[0][:200]
                    failures.append(f"{route} as {caller} ({expected}): {message}")
        self.assertEqual(cells, (len(MATRIX) + len(STOCK_ROWS)) * len(CALLERS))
        if failures:
            self.fail(
                f"{len(failures)} of {cells} cells of the isolation matrix:\n"
                + "\n".join(failures)
            )

"""Malformed values that made the module's routes fail with a 500, each checked for the
precise answer it now gets (`test_route_fuzz` only checks that no value gives a 500)."""

import functools
from unittest.mock import patch
from urllib.parse import quote

from odoo.fields import Command
from odoo.http import Request
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.sale.controllers.portal import CustomerPortal as SalePortal

from .common import StatementHttpCommon, StripeMockMixin

HUGE = "1" * 5000  # beyond the 4300 digits Python's int() accepts


@tagged("post_install", "-at_install")
class TestMalformedInput(StatementHttpCommon, StripeMockMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        product = cls.env["product.product"].create(
            {"name": "Audit", "list_price": 100.0}
        )
        cls.quotation = cls.env["sale.order"].create(
            {
                "partner_id": cls.client_a.id,
                "require_signature": True,
                "order_line": [Command.create({"product_id": product.id})],
            }
        )
        cls.quotation.action_quotation_sent()
        cls.quotation._portal_ensure_token()
        cls.ticket = (
            cls.env["client_hub.ticket"]
            .with_user(cls.portal_a)
            ._create_from_portal(cls.portal_a.partner_id, {"name": "Printer jammed"})
        )

    def setUp(self):
        super().setUp()
        self._start_stripe_mock()

    # ------------------------------------------------------------------
    # URL segments and query strings
    # ------------------------------------------------------------------
    def test_statement_page_number_not_in_ascii_digits(self):
        """`'²'.isdigit()` is True: the stock pager handed it to `int()`."""
        for value in ("²", "１２３", "abc", HUGE):
            with self.subTest(page=value[:10]):
                response = self.url_open(f"/my/statement?page={quote(value)}")
                self.assertEqual(response.status_code, 200)
                self.assertIn(self.inv_overdue.name, response.text)

    def test_int_segment_beyond_python_int_is_not_found(self):
        """Our `<int:…>` routes and stock's: a 404, not a ValueError in the URL converter."""
        for url in (
            f"/my/tickets/{HUGE}",
            f"/my/tickets/page/{HUGE}",
            f"/my/statement/page/{HUGE}",
            f"/my/invoices/{HUGE}",
        ):
            with self.subTest(url=url[:20]):
                self.assertEqual(
                    self.url_open(url, allow_redirects=False).status_code, 404
                )
        for url in (f"/my/tickets/{HUGE}/close", f"/my/orders/{HUGE}/decline"):
            with self.subTest(url=url[:20]):
                response = self.url_open(
                    url,
                    data={"csrf_token": Request.csrf_token(self)},
                    allow_redirects=False,
                )
                self.assertEqual(response.status_code, 404)
        # the converter still converts what int() reads
        self.assertEqual(
            self.url_open(f"/my/tickets/{self.ticket.id}").status_code, 200
        )

    def test_nul_in_path_is_not_found(self):
        """No route matches; the attachment lookup of the 404 fallback used to fail on NUL."""
        for url in ("/my/tickets/%00", "/my/tickets/1%00/close", "/client_hub%00.png"):
            with self.subTest(url=url):
                self.assertEqual(
                    self.url_open(url, allow_redirects=False).status_code, 404
                )

    # ------------------------------------------------------------------
    # Statement transaction route
    # ------------------------------------------------------------------
    def _transaction_error(self, **params):
        """Post to the transaction route with the valid parameters overridden by ``params``.

        :return: The JSON-RPC error's data (empty when the call succeeded).
        """
        payload = dict(
            self._transaction_params(self.provider_stripe, self.pm_card, 100.0),
            **params,
        )
        response = self.url_open(
            f"/my/statement/transaction/{self.inv_overdue.id}",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "id": 1,
                "params": payload,
            },
        )
        return response.json().get("error", {}).get("data", {})

    def assertRefused(self, error, message):
        self.assertEqual(
            error.get("name"), "odoo.exceptions.ValidationError", error.get("debug")
        )
        self.assertIn(message, error.get("message"))
        self.assertFalse(self._transactions_of(self.inv_overdue))

    @mute_logger("odoo.http")
    def test_transaction_refuses_absurd_amounts(self):
        for amount in (HUGE, "nan", "inf", "-inf", 1e300, [100.0]):
            with self.subTest(amount=str(amount)[:10]):
                self.assertRefused(
                    self._transaction_error(amount=amount),
                    "The amount to pay is invalid.",
                )

    @mute_logger("odoo.http")
    def test_transaction_refuses_payment_methods_not_offered(self):
        offered = self.env["payment.method"]._get_compatible_payment_methods(
            self.provider_stripe.ids,
            self.portal_a.partner_id.id,
            currency_id=self.usd.id,
        )
        self.assertIn(self.pm_card, offered)
        not_offered = (
            self.env["payment.method"]
            .with_context(active_test=False)
            .search([("id", "not in", offered.ids)], limit=1)
        )
        self.assertTrue(not_offered)
        values = [
            "²",
            "1e5",
            "abc",
            "-1",
            0,
            "9" * 30,
            HUGE,
            True,
            None,
            [self.pm_card.id],
            {"id": self.pm_card.id},
            99999999,
            not_offered.id,
        ]
        for value in values:
            with self.subTest(payment_method_id=str(value)[:10]):
                self.assertRefused(
                    self._transaction_error(payment_method_id=value),
                    "This payment method is not available.",
                )

    @mute_logger("odoo.http")
    def test_transaction_refuses_unknown_flows(self):
        for flow in (
            "²",
            "",
            None,
            "online_direct",
            "validation",
            ["direct"],
            {"flow": "direct"},
        ):
            with self.subTest(flow=flow):
                self.assertRefused(
                    self._transaction_error(flow=flow),
                    "This payment flow is not supported.",
                )

    @mute_logger("odoo.http")
    def test_transaction_token_flow_takes_only_the_clients_own_tokens(self):
        def token(user):
            return self.env["payment.token"].create(
                {
                    "provider_id": self.provider_stripe.id,
                    "payment_method_id": self.pm_card.id,
                    "partner_id": user.partner_id.id,
                    "provider_ref": f"cus_{user.login}",
                    "stripe_payment_method": f"pm_{user.login}",
                    "payment_details": "4242",
                }
            )

        bob_token = token(self.portal_b)
        for value in (bob_token.id, "²", HUGE, True, None, [bob_token.id]):
            with self.subTest(token_id=str(value)[:10]):
                self.assertRefused(
                    self._transaction_error(flow="token", token_id=value),
                    "This saved payment method is not available.",
                )
        # control: the client's own saved card is accepted
        alice_token = token(self.portal_a)
        self._transaction_error(
            flow="token", token_id=alice_token.id, payment_method_id=None
        )
        self.assertEqual(self._transactions_of(self.inv_overdue).token_id, alice_token)

    # ------------------------------------------------------------------
    # Quotation decline
    # ------------------------------------------------------------------
    def _decline(self, access_token, message="No thanks"):
        data = {"csrf_token": Request.csrf_token(self), "decline_message": message}
        if access_token is not None:
            data["access_token"] = access_token
        return self.url_open(
            f"/my/orders/{self.quotation.id}/decline", data=data, allow_redirects=False
        )

    def test_decline_with_a_non_ascii_token_is_a_wrong_token(self):
        self._login(None)
        for token in ("²", "é", "１２３"):
            with self.subTest(token=token):
                response = self._decline(token)
                self.assertEqual(response.status_code, 303)
                self.assertTrue(response.headers["Location"].endswith("/my"))
        self.quotation.invalidate_recordset()
        self.assertEqual(self.quotation.state, "sent")
        # the same check guards stock's document routes (portal controllers are merged)
        response = self.url_open(
            f"/my/invoices/{self.inv_overdue.id}?access_token=%C2%B2",
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/my"))

    def test_decline_goes_through_the_stock_route(self):
        """Stock declines (cancel + message); the override passes it the cleaned message and
        only stamps the rejection."""
        stock = SalePortal.portal_quote_decline
        messages = []

        @functools.wraps(
            stock
        )  # keeps the route's routing, should the routing map be rebuilt
        def stock_spy(controller, *args, **kwargs):
            messages.append(kwargs.get("decline_message"))
            return stock(controller, *args, **kwargs)

        with patch.object(SalePortal, "portal_quote_decline", stock_spy):
            response = self._decline(self.quotation.access_token, "Too\x00 late")
        self.assertEqual(response.status_code, 303)
        self.assertEqual(messages, ["Too late"])
        self.quotation.invalidate_recordset()
        self.assertEqual(self.quotation.state, "cancel")
        self.assertEqual(self.quotation.client_quotation_status, "rejected")
        self.assertEqual(self.quotation.client_reject_reason, "Too late")
        self.assertEqual(
            len(
                self.quotation.message_ids.filtered(
                    lambda m: m.body and "Too late" in m.body
                )
            ),
            1,
        )

    def test_decline_of_a_cancelled_order_is_not_a_rejection(self):
        """Stock refuses to decline an order that is no longer a quotation: nothing is stamped."""
        self.quotation._action_cancel()
        response = self._decline(self.quotation.access_token)
        self.assertEqual(response.status_code, 303)
        self.assertIn("message=cant_reject", response.headers["Location"])
        self.quotation.invalidate_recordset()
        self.assertFalse(self.quotation.client_rejected_date)

    def test_decline_message_without_control_characters(self):
        for message in ("\x00", " \x01\x00 "):
            with self.subTest(message=repr(message)):
                response = self._decline(self.quotation.access_token, message)
                self.assertEqual(response.status_code, 303)
                self.assertIn("message=cant_reject", response.headers["Location"])
        self.quotation.invalidate_recordset()
        self.assertEqual(self.quotation.state, "sent")
        response = self._decline(
            self.quotation.access_token, "No\x00 thanks,\x01\nwe went elsewhere"
        )
        self.assertEqual(response.status_code, 303)
        self.quotation.invalidate_recordset()
        self.assertEqual(self.quotation.client_quotation_status, "rejected")
        self.assertEqual(
            self.quotation.client_reject_reason, "No thanks,\nwe went elsewhere"
        )

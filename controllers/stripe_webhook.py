import logging

from werkzeug.exceptions import BadRequest, Forbidden

from odoo import http
from odoo.http import request

from odoo.addons.payment_stripe.controllers.main import StripeController

_logger = logging.getLogger(__name__)

# Funds left in a Stripe Customer's cash balance: what a client sent beyond the amount due.
CASH_BALANCE_EVENT = "cash_balance.funds_available"


class ClientHubStripeController(StripeController):
    @http.route()
    def stripe_webhook(self):
        """Override of `payment_stripe` to answer 400, not 500, to a body that is not a
        Stripe event: stock reads ``event['type']`` and ``event['data']['object']['id']``
        from whatever JSON arrives, before any signature is checked.

        :raise BadRequest: If the body is not a JSON object shaped like a Stripe event.
        """
        try:
            event = request.get_json_data()
        except ValueError:
            raise BadRequest("The body is not JSON.") from None
        if isinstance(event, dict) and event.get("type") == CASH_BALANCE_EVENT:
            return self._client_hub_cash_balance_webhook(event)
        stripe_object = (
            event.get("data", {}).get("object")
            if isinstance(event, dict) and isinstance(event.get("data"), dict)
            else None
        )
        if (
            not isinstance(event, dict)
            or not isinstance(event.get("type"), str)
            or not isinstance(stripe_object, dict)
            or not isinstance(stripe_object.get("id"), str)
            or not isinstance(stripe_object.get("description") or "", str)
        ):
            raise BadRequest("The body is not a Stripe event.")
        return super().stripe_webhook()

    def _client_hub_cash_balance_webhook(self, event):
        """Book the cash balance of a client's Stripe Customer as the client's credit.

        The event names no transaction: the client is found by its Stripe Customer, and the
        event is authenticated with the secret of the provider that client paid through.

        :raise Forbidden: If the event cannot be authenticated.
        """
        cash_balance = (event.get("data") or {}).get("object")
        customer = isinstance(cash_balance, dict) and cash_balance.get("customer")
        if (
            not isinstance(customer, str)
            or not customer
            or not isinstance(event.get("id"), str)
        ):
            raise BadRequest("The body is not a Stripe event.")
        # sudo: the webhook is public; what it reads is checked against the signature below.
        partner_sudo = (
            request.env["res.partner"]
            .sudo()
            .search([("client_hub_stripe_customer_id", "=", customer)], limit=1)
        )
        tx_sudo = (
            request.env["payment.transaction"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", partner_sudo.id),
                    ("provider_code", "=", "stripe"),
                ],
                order="id desc",
                limit=1,
            )
            if partner_sudo
            else request.env["payment.transaction"]
        )
        if not tx_sudo:
            return request.make_json_response("")
        self._verify_signature(tx_sudo)
        partner_sudo._client_hub_book_stripe_credit(
            tx_sudo.provider_id, event["id"], cash_balance
        )
        return request.make_json_response("")

    def _verify_signature(self, tx_sudo):
        """Override of `payment_stripe` to refuse every event that is not provably from Stripe.

        Stock Odoo processes webhook events unverified when no signing secret is set, reads
        a single ``v1`` signature (so a secret rotation breaks it) and answers 500 when the
        header is missing. Here: no secret, no processing; the signature is checked on the
        raw body against every ``v1`` entry, within a timestamp tolerance.

        :param payment.transaction tx_sudo: The sudoed transaction referenced by the event.
        :raise Forbidden: If the event cannot be authenticated.
        """
        provider_sudo = tx_sudo.provider_id
        if not provider_sudo.stripe_webhook_secret:
            _logger.warning(
                "Refused a Stripe webhook event for %s: no webhook signing secret is set on "
                "provider %s.",
                tx_sudo.reference,
                provider_sudo.id,
            )
            raise Forbidden()
        if not provider_sudo._client_hub_stripe_check_signature(
            request.httprequest.get_data(),
            request.httprequest.headers.get("Stripe-Signature", ""),
        ):
            _logger.warning(
                "Refused a Stripe webhook event for %s: bad signature.",
                tx_sudo.reference,
            )
            raise Forbidden()

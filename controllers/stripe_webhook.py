import logging

from werkzeug.exceptions import Forbidden

from odoo.http import request

from odoo.addons.payment_stripe.controllers.main import StripeController

_logger = logging.getLogger(__name__)


class ClientHubStripeController(StripeController):

    # ---- statement, payment (issue 6) ----

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
                "provider %s.", tx_sudo.reference, provider_sudo.id,
            )
            raise Forbidden()
        if not provider_sudo._client_hub_stripe_check_signature(
            request.httprequest.get_data(),
            request.httprequest.headers.get("Stripe-Signature", ""),
        ):
            _logger.warning("Refused a Stripe webhook event for %s: bad signature.", tx_sudo.reference)
            raise Forbidden()

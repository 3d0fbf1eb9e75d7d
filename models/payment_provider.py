import hashlib
import hmac
import re
import time

from odoo import models

# Stripe's own libraries refuse events signed more than five minutes away from now.
STRIPE_SIGNATURE_TOLERANCE = 300  # seconds


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    def _client_hub_stripe_check_signature(
        self, payload, signature_header, now=None, tolerance=STRIPE_SIGNATURE_TOLERANCE
    ):
        """Tell whether a Stripe webhook payload carries a valid signature.

        See https://docs.stripe.com/webhooks#verify-manually. The signature is the
        HMAC-SHA256 of ``"{t}.{raw body}"`` keyed with the endpoint's signing secret. While a
        secret is being rolled, Stripe sends one ``v1`` entry per active secret: any match is
        accepted. Without a configured secret nothing is accepted.

        :param bytes payload: The raw request body, exactly as received.
        :param str signature_header: The ``Stripe-Signature`` header (``t=...,v1=...,v1=...``).
        :param float now: The current UNIX time (for tests); defaults to the clock.
        :param int tolerance: Maximal distance, in seconds, between ``t`` and now.
        :return: Whether the payload is authentic and fresh.
        :rtype: bool
        """
        self.ensure_one()
        secret = (
            self.sudo().stripe_webhook_secret
        )  # The secret is restricted to system users.
        if not secret or not signature_header:
            return False
        timestamps, signatures = [], []
        for entry in signature_header.split(","):
            key, sep, value = entry.strip().partition("=")
            if not sep:
                continue
            if key == "t":
                timestamps.append(value)
            elif key == "v1":
                signatures.append(value)
        # ASCII digits only: str.isdigit() also accepts "²" (which int() refuses) and "１２３".
        if (
            len(timestamps) != 1
            or not re.fullmatch(r"[0-9]{1,12}", timestamps[0])
            or not signatures
        ):
            return False
        timestamp = int(timestamps[0])
        now = time.time() if now is None else now
        if abs(now - timestamp) > tolerance:
            return False
        signed_payload = b"%d." % timestamp + payload
        expected = (
            hmac.new(secret.encode(), signed_payload, hashlib.sha256)
            .hexdigest()
            .encode()
        )
        # Compare against every entry (no early exit) so timing reveals nothing; as bytes, since
        # compare_digest refuses str with non-ASCII characters.
        matches = [
            hmac.compare_digest(expected, signature.encode("utf-8", "replace"))
            for signature in signatures
        ]
        return any(matches)

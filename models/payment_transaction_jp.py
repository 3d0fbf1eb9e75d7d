import logging
from datetime import UTC, datetime

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment_stripe import const as stripe_const

from ..const import (
    KONBINI_MAX_AMOUNT,
    STRIPE_JP_BANK_TRANSFER,
    STRIPE_JP_METHOD_CODES,
    STRIPE_KONBINI,
)

_logger = logging.getLogger(__name__)

# Mapped as `payment_stripe` maps its own methods whose Stripe name differs (konbini does not).
stripe_const.PAYMENT_METHODS_MAPPING[STRIPE_JP_BANK_TRANSFER] = "customer_balance"
# Stripe reports each transfer that funds a bank transfer PaymentIntent only in part.
if "payment_intent.partially_funded" not in stripe_const.HANDLED_WEBHOOK_EVENTS:
    stripe_const.HANDLED_WEBHOOK_EVENTS.append("payment_intent.partially_funded")


class PaymentTransaction(models.Model):
    """Bank transfer (振込) and konbini payments through Stripe: the server confirms the
    PaymentIntent, and the client pays later from its bank or at a store."""

    _inherit = "payment.transaction"

    client_hub_amount_update_pending = fields.Boolean(
        readonly=True,
        copy=False,
        help="The PaymentIntent's amount must still be lowered to what arrived (the client "
        "deducted the transfer fee) and Stripe could not be reached: a cron retries.",
    )
    client_hub_konbini_voucher_url = fields.Char(readonly=True, copy=False)
    client_hub_konbini_expires_at = fields.Datetime(readonly=True, copy=False)
    client_hub_konbini_stores = fields.Json(readonly=True, copy=False)

    # === CRUD === #

    @api.constrains("amount", "payment_method_id", "currency_id")
    def _check_client_hub_konbini_amount(self):
        for tx in self:
            if (
                tx._client_hub_is_jp_stripe()
                and tx.operation not in ("refund", "validation")
                and tx.currency_id.compare_amounts(tx.amount, 0) <= 0
            ):
                raise ValidationError(
                    self.env._("The amount to pay must be more than zero.")
                )
            if tx._client_hub_konbini_over_limit():
                raise ValidationError(
                    self.env._(
                        "Konbini payments are limited to ¥%(limit)s per payment. Choose "
                        "another payment method.",
                        limit=f"{KONBINI_MAX_AMOUNT:,}",
                    )
                )

    # === BUSINESS METHODS - PAYMENT FLOW === #

    def _client_hub_is_jp_stripe(self, code=None):
        """Tell whether the transaction is a Japanese Stripe payment (of method `code`)."""
        self.ensure_one()
        codes = (code,) if code else STRIPE_JP_METHOD_CODES
        return self.provider_code == "stripe" and self.payment_method_code in codes

    def _client_hub_konbini_over_limit(self):
        self.ensure_one()
        return (
            self.payment_method_code == STRIPE_KONBINI
            and self.operation != "refund"
            and self.currency_id.compare_amounts(self.amount, KONBINI_MAX_AMOUNT) > 0
        )

    def _client_hub_can_carry_on(self):
        """Override of `client_hub` to carry on with a pending bank transfer or konbini
        payment: its PaymentIntent was confirmed and the account number or the voucher is
        kept; showing it again asks nothing of Stripe (see `_stripe_create_intent`)."""
        if self.state == "pending" and self.operation == "online_direct":
            return self._client_hub_is_jp_stripe()
        return super()._client_hub_can_carry_on()

    def _get_specific_processing_values(self, processing_values):
        """Override of `payment_stripe` to confirm the PaymentIntent of a bank transfer or
        konbini payment on the server (there is nothing for Stripe.js to collect) and send
        the client to the status page, which lands on the statement showing the account
        number or the voucher."""
        values = super()._get_specific_processing_values(processing_values)
        if self._client_hub_is_jp_stripe() and self.state != "error":
            values["client_hub_redirect_url"] = "/payment/status"
        return values

    def _stripe_create_intent(self):
        """Override of `payment_stripe` to process at once the PaymentIntent of a bank
        transfer or konbini payment: the server confirmed it, and its next action holds the
        account number or the voucher.

        A pending one carried on with (`_client_hub_can_carry_on`) already has its intent,
        confirmed: Stripe is not asked again (after a day it would create another)."""
        if self._client_hub_is_jp_stripe() and self.state == "pending":
            return None
        intent = super()._stripe_create_intent()
        if intent and self._client_hub_is_jp_stripe():
            self._process(
                "stripe",
                {
                    "reference": self.reference,
                    "payment_intent": intent,
                    "payment_method": intent.get("payment_method"),
                },
            )
        return intent

    def _stripe_prepare_payment_intent_payload(self):
        """Override of `payment_stripe` to confirm bank transfer and konbini PaymentIntents
        on the server, for the client's own Stripe Customer (created once: its account
        number stays the same)."""
        payload = super()._stripe_prepare_payment_intent_payload()
        if not self._client_hub_is_jp_stripe() or self.operation != "online_direct":
            return payload
        payload["confirm"] = True  # stock set the `customer`: the client's own
        payload.pop("setup_future_usage", None)
        if self._client_hub_is_jp_stripe(STRIPE_JP_BANK_TRANSFER):
            option = "payment_method_options[customer_balance]"
            payload.update(
                {
                    "payment_method_data[type]": "customer_balance",
                    f"{option}[funding_type]": "bank_transfer",
                    f"{option}[bank_transfer][type]": "jp_bank_transfer",
                }
            )
        else:
            payload.update(
                {
                    "payment_method_data[type]": "konbini",
                    "payment_method_data[billing_details][name]": self.partner_name,
                    "payment_method_data[billing_details][email]": self.partner_email
                    or None,
                }
            )
        return payload

    def _stripe_create_customer(self):
        """Override of `payment_stripe` to give bank transfers and konbini the client's own
        Stripe Customer, created once and kept (stock creates one per payment)."""
        if self._client_hub_is_jp_stripe() and not self.env.context.get(
            "client_hub_new_stripe_customer"
        ):
            partner = self.partner_id.commercial_partner_id
            return {"id": partner._client_hub_get_stripe_customer(self)}
        return super()._stripe_create_customer()

    def _extract_amount_data(self, payment_data):
        """Override of `payment_stripe` to skip stock's amount check for bank transfers: a
        transfer arrives in parts and may lack the fee the client deducted (its intent is
        then lowered). What is booked never exceeds what arrived nor the transaction."""
        if (
            self._client_hub_is_jp_stripe(STRIPE_JP_BANK_TRANSFER)
            and self.operation != "refund"
        ):
            return None
        return super()._extract_amount_data(payment_data)

    def _apply_updates(self, payment_data):
        """Override of `payment_stripe` for bank transfer and konbini PaymentIntents: keep
        the account number or the voucher of the next action, keep the transaction pending
        while the client has to pay, and book each transfer as it arrives."""
        if not self._client_hub_is_jp_stripe() or self.operation == "refund":
            return super()._apply_updates(payment_data)
        intent = payment_data.get("payment_intent") or {}
        self._client_hub_store_next_action(intent)
        status = intent.get("status")
        bank_transfer = self._client_hub_is_jp_stripe(STRIPE_JP_BANK_TRANSFER)
        if str(intent.get("currency") or "").upper() != self.currency_id.name or (
            # a konbini payment is paid whole: stock checks its amount only when the
            # transaction is not already in error
            not bank_transfer
            and status == "succeeded"
            and intent.get("amount_received", intent.get("amount"))
            != self._client_hub_major_to_minor(self.amount)
        ):
            _logger.warning(
                "Ignored a Stripe intent in another currency or for another amount: %s.",
                self.reference,
            )
            return None
        if status in ("requires_action", "processing"):
            self.provider_reference = intent.get("id")
            if self.state == "draft":
                self._set_pending()
            if bank_transfer:
                self._client_hub_book_funding(self._client_hub_intent_arrived(intent))
                self._client_hub_accept_transfer_fee()
            return None
        if bank_transfer and status in (
            *stripe_const.STATUS_MAPPING["cancel"],
            *stripe_const.STATUS_MAPPING["error"],
        ):
            self._client_hub_release_funding()
        if status == "succeeded" and bank_transfer:
            arrived = self._client_hub_minor_to_major(intent.get("amount_received", 0))
            self._client_hub_book_funding(arrived, final=True)
            if not self._client_hub_is_funded(arrived):
                _logger.warning(
                    "Stripe succeeded %s with %s of %s: left pending.",
                    self.reference,
                    arrived,
                    self.amount,
                )
                return None
        return super()._apply_updates(payment_data)

    def _client_hub_minor_to_major(self, minor):
        if not isinstance(minor, int):
            return 0.0
        return payment_utils.to_major_currency_units(
            minor,
            self.currency_id,
            arbitrary_decimal_number=stripe_const.CURRENCY_DECIMALS.get(
                self.currency_id.name
            ),
        )

    def _client_hub_major_to_minor(self, amount):
        return payment_utils.to_minor_currency_units(
            amount,
            self.currency_id,
            arbitrary_decimal_number=stripe_const.CURRENCY_DECIMALS.get(
                self.currency_id.name
            ),
        )

    def _client_hub_intent_arrived(self, intent):
        """Return what arrived on a bank transfer PaymentIntent: its amount less what
        remains (given on the intent or in its transfer instructions)."""
        remaining = intent.get("amount_remaining")
        if remaining is None:
            instructions = (intent.get("next_action") or {}).get(
                "display_bank_transfer_instructions"
            ) or {}
            remaining = instructions.get("amount_remaining")
        amount = intent.get("amount")
        if not isinstance(amount, int) or not isinstance(remaining, int):
            return 0.0
        return self._client_hub_minor_to_major(max(amount - remaining, 0))

    def _client_hub_store_next_action(self, intent):
        """Keep what the client needs to pay: its account number (one per Stripe Customer,
        stored on the client) or its konbini voucher (stored on the transaction and sent by
        e-mail the first time)."""
        next_action = intent.get("next_action") or {}
        instructions = next_action.get("display_bank_transfer_instructions") or {}
        for address in instructions.get("financial_addresses") or []:
            if address.get("type") == "zengin" and isinstance(
                address.get("zengin"), dict
            ):
                self.env["client_hub.bank.transfer.account"].sudo()._client_hub_store(
                    self.partner_id.commercial_partner_id,
                    self.provider_id,
                    address["zengin"],
                )
        voucher = next_action.get("konbini_display_details") or {}
        if voucher and not self.client_hub_konbini_voucher_url:
            stores = [
                {
                    "store": store,
                    "payment_code": details.get("payment_code"),
                    "confirmation_number": details.get("confirmation_number"),
                }
                for store, details in (voucher.get("stores") or {}).items()
                if isinstance(details, dict)
            ]
            expires_at = voucher.get("expires_at")
            self.write(
                {
                    "client_hub_konbini_voucher_url": voucher.get("hosted_voucher_url"),
                    "client_hub_konbini_expires_at": isinstance(expires_at, int)
                    and datetime.fromtimestamp(expires_at, UTC).replace(tzinfo=None),
                    "client_hub_konbini_stores": stores,
                }
            )
            self._client_hub_send_konbini_voucher()

    def _client_hub_send_konbini_voucher(self):
        template = self.env.ref(
            "client_hub.mail_template_konbini_voucher", raise_if_not_found=False
        )
        if template and self.partner_email:
            template.sudo().send_mail(self.id, force_send=False)

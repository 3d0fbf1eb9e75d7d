import logging

from odoo import api, fields, models

from ..const import STRIPE_JP_BANK_TRANSFER

_logger = logging.getLogger(__name__)

BOOKED_PAYMENT_STATES = ("in_process", "paid")


class PaymentTransaction(models.Model):
    """Bank transfers arriving in parts: the Odoo payments of a transaction always add up to
    what arrived, and a transfer short of at most the accepted bank fee pays in full."""

    _inherit = "payment.transaction"

    def _client_hub_booked_payments(self):
        self.ensure_one()
        return (
            self.env["account.payment"]
            .sudo()
            .search(
                [
                    ("payment_transaction_id", "=", self.id),
                    ("state", "in", BOOKED_PAYMENT_STATES),
                ]
            )
        )

    def _client_hub_booked_amount(self):
        """Return what the transaction's posted payments add up to."""
        return sum(self._client_hub_booked_payments().mapped("amount"))

    def _client_hub_book_funding(self, arrived, final=False):
        """Book what arrived and is not booked yet, as one more payment of the transaction,
        reconciled with its invoices oldest due first (as stock `_create_payment` does).

        Under the transaction's row lock the payments already booked are summed and only
        the difference is booked: the same event twice, or events out of order, book nothing
        more; never more than the transaction's amount. With `final` (Stripe succeeded the
        intent), a shortfall of at most the accepted transfer fee is written off.

        :param float arrived: What arrived on the PaymentIntent, in major units.
        :param bool final: Whether the PaymentIntent succeeded.
        :return: The payment booked, if any.
        :rtype: account.payment
        """
        self.ensure_one()
        self._client_hub_lock()
        currency = self.currency_id
        payments = self._client_hub_booked_payments()
        booked = sum(payments.mapped("amount"))
        to_book = currency.round(min(arrived, self.amount) - booked)
        write_off = 0.0
        if final and not self._client_hub_written_off(payments):
            shortfall = currency.round(self.amount - max(arrived, booked))
            if currency.compare_amounts(
                shortfall, 0
            ) > 0 and self._client_hub_fee_accepted(shortfall):
                write_off = shortfall
        if currency.compare_amounts(to_book, 0) <= 0 and not write_off:
            return self.env["account.payment"]
        extra = {"amount": max(to_book, 0.0)}
        if write_off:
            extra["write_off_line_vals"] = [
                self._client_hub_fee_write_off_vals(write_off)
            ]
        payment = self.with_company(self.company_id)._create_payment(**extra)
        _logger.info(
            "Booked %s (written off: %s) on transaction %s.",
            extra["amount"],
            write_off,
            self.reference,
        )
        return payment

    def _client_hub_fee_accepted(self, missing):
        """Tell whether `missing` is a transfer fee the client may deduct."""
        self.ensure_one()
        company = self.company_id
        fee_max = company.client_hub_transfer_fee_max
        return bool(
            fee_max > 0
            and self.currency_id.compare_amounts(missing, fee_max) <= 0
            and company._client_hub_get_transfer_fee_account()
        )

    def _client_hub_is_funded(self, arrived):
        """Tell whether what arrived pays the transaction, the accepted fee deducted."""
        self.ensure_one()
        missing = self.currency_id.round(self.amount - arrived)
        return self.currency_id.compare_amounts(
            missing, 0
        ) <= 0 or self._client_hub_fee_accepted(missing)

    def _client_hub_written_off(self, payments):
        account = self.company_id._client_hub_get_transfer_fee_account()
        return bool(account) and bool(
            payments.move_id.line_ids.filtered(lambda line: line.account_id == account)
        )

    def _client_hub_fee_write_off_vals(self, amount):
        """Return the write-off line of a deducted transfer fee (as the payment register
        writes off a payment difference)."""
        company = self.company_id
        return {
            "name": self.env._("Bank transfer fee"),
            "account_id": company._client_hub_get_transfer_fee_account().id,
            "partner_id": self.partner_id.commercial_partner_id.id,
            "currency_id": self.currency_id.id,
            "amount_currency": amount,
            "balance": self.currency_id._convert(
                amount, company.currency_id, company, fields.Date.context_today(self)
            ),
        }

    def _client_hub_accept_transfer_fee(self):
        """When what is still missing is an accepted transfer fee, lower the PaymentIntent
        to what arrived so that Stripe succeeds it."""
        self.ensure_one()
        booked = self._client_hub_booked_amount()
        missing = self.currency_id.round(self.amount - booked)
        if self.currency_id.compare_amounts(
            missing, 0
        ) > 0 and self._client_hub_fee_accepted(missing):
            self._client_hub_lower_intent_amount(booked)

    def _client_hub_lower_intent_amount(self, amount):
        """Lower the PaymentIntent's amount to `amount`; if Stripe cannot be reached, leave it
        to the cron (the webhook is answered and processed all the same).

        :return: Whether Stripe accepted it.
        :rtype: bool
        """
        self.ensure_one()
        try:
            self._send_api_request(
                "POST",
                f"payment_intents/{self.provider_reference}",
                data={"amount": self._client_hub_major_to_minor(amount)},
            )
        except Exception:
            _logger.warning(
                "Could not lower the Stripe intent of %s; the cron retries.",
                self.reference,
                exc_info=True,
            )
            self.client_hub_amount_update_pending = True
            return False
        self.client_hub_amount_update_pending = False
        return True

    @api.model
    def _cron_client_hub_update_intent_amounts(self):
        """Retry lowering the PaymentIntents Stripe could not be told about."""
        for tx in self.search(
            [
                ("client_hub_amount_update_pending", "=", True),
                ("state", "=", "pending"),
                ("payment_method_code", "=", STRIPE_JP_BANK_TRANSFER),
            ]
        ):
            tx._client_hub_lower_intent_amount(tx._client_hub_booked_amount())

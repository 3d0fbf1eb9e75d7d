import logging

from odoo import api, fields, models

from ..const import STRIPE_JP_BANK_TRANSFER

_logger = logging.getLogger(__name__)

BOOKED_PAYMENT_STATES = ("in_process", "paid")


class PaymentTransaction(models.Model):
    """Bank transfers arriving in parts: the Odoo payments of a transaction always add up to
    what arrived, and a transfer short of at most the accepted bank fee pays in full."""

    _inherit = "payment.transaction"

    client_hub_credit_applied = fields.Monetary(
        string="Credit Applied",
        currency_field="currency_id",
        readonly=True,
        copy=False,
        help="What Stripe took from the client's cash balance for this bank transfer, "
        "booked by matching the client's Stripe credit with the invoices.",
    )

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
        """Return what is booked on the transaction: its posted payments and the credit
        applied to it."""
        return (
            sum(self._client_hub_booked_payments().mapped("amount"))
            + self.client_hub_credit_applied
        )

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
        booked = sum(payments.mapped("amount")) + self.client_hub_credit_applied
        to_book = currency.round(min(arrived, self.amount) - booked)
        if currency.compare_amounts(to_book, 0) > 0:
            applied = self._client_hub_apply_stripe_credit(to_book)
            booked = currency.round(booked + applied)
            to_book = currency.round(to_book - applied)
        write_off = 0.0
        if final and not self._client_hub_written_off(payments):
            write_off = self._client_hub_fee_to_write_off(arrived, booked)
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

    def _client_hub_apply_stripe_credit(self, to_book):
        """Book what Stripe took from the client's cash balance: the client's Stripe credit
        in Odoo (`res.partner._client_hub_stripe_credit_lines`) is that balance, and Stripe
        applies it to a new bank transfer intent before any transfer. Match it with the
        invoices, up to `to_book`, rather than book the same money a second time.

        :param float to_book: What arrived and is not booked yet.
        :return: The credit applied.
        :rtype: float
        """
        self.ensure_one()
        currency = self.currency_id
        partner = self.partner_id.commercial_partner_id
        credit_lines = partner._client_hub_stripe_credit_lines(currency)
        invoice_lines = self.invoice_ids.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).sorted(lambda line: (line.date_maturity or line.date, line.id))
        applied = 0.0
        for credit_line in credit_lines:
            for invoice_line in invoice_lines.filtered(
                lambda line: not line.reconciled
            ):
                left = currency.round(to_book - applied)
                if currency.compare_amounts(left, 0) <= 0 or credit_line.reconciled:
                    break
                amount = min(
                    -credit_line.amount_residual_currency,
                    invoice_line.amount_residual_currency,
                )
                if currency.compare_amounts(amount, left) > 0:
                    continue  # matching would apply more than Stripe took
                (credit_line | invoice_line).reconcile()
                applied = currency.round(applied + amount)
        if applied:
            self.client_hub_credit_applied = currency.round(
                self.client_hub_credit_applied + applied
            )
            _logger.info(
                "Applied %s of the client's Stripe credit on transaction %s.",
                applied,
                self.reference,
            )
        return applied

    def _client_hub_release_funding(self):
        """Stripe cancelled or failed a bank transfer intent that transfers had partly
        funded: Stripe keeps those funds in the client's cash balance. The invoices go back
        to what they were (the payments are unreconciled from them) and the payments stay
        booked, as the client's credit: the money did arrive. A later cash balance event
        counts them as already booked (`res.partner._client_hub_stripe_credit_booked`).
        """
        self.ensure_one()
        self._client_hub_lock()
        payments = self._client_hub_booked_payments()
        if not payments and not self.client_hub_credit_applied:
            return
        invoice_lines = self.invoice_ids.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        # the transaction's payments, and the credit it applied, come off the invoices
        credit_moves = payments.move_id
        if self.client_hub_credit_applied:
            partner = self.partner_id.commercial_partner_id
            credit_moves |= partner._client_hub_stripe_credit_payments(
                self.currency_id
            ).move_id
        partials = (
            invoice_lines.matched_debit_ids | invoice_lines.matched_credit_ids
        ).filtered(
            lambda partial: (
                partial.debit_move_id.move_id in credit_moves
                or partial.credit_move_id.move_id in credit_moves
            )
        )
        partials.unlink()
        self.client_hub_credit_applied = 0.0
        _logger.info(
            "Released %s booked on cancelled transaction %s as the client's credit.",
            sum(payments.mapped("amount")),
            self.reference,
        )

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

    def _client_hub_fee_to_write_off(self, arrived, booked=None):
        """Return the transfer fee to write off once `arrived` is booked, or 0.

        A fee is what the client's bank kept from a transfer that pays the invoices: it is
        written off only when, what arrived booked, the transaction's invoices are left
        owing at most the accepted fee, no more than the transaction itself is short of, and
        no more than what arrived (a transfer of ¥1 deducts no ¥880 fee). A transaction for
        a part of an invoice, however small, is never topped up by a fee: a client cannot
        split an invoice into small payments to have a fee written off on each.

        :param float arrived: What arrived on the PaymentIntent, in major units.
        :param float booked: What the transaction's payments add up to, if known.
        :rtype: float
        """
        self.ensure_one()
        currency = self.currency_id
        if booked is None:
            booked = self._client_hub_booked_amount()
        arrived = min(arrived, self.amount)
        to_book = max(currency.round(arrived - booked), 0.0)
        invoices = self.invoice_ids.filtered(lambda move: move.state == "posted")
        left = currency.round(sum(invoices.mapped("amount_residual")) - to_book)
        shortfall = currency.round(self.amount - arrived)
        if (
            not invoices
            or currency.compare_amounts(left, 0) <= 0
            or currency.compare_amounts(left, shortfall) > 0
            or currency.compare_amounts(left, arrived) > 0
            or not self._client_hub_fee_accepted(left)
        ):
            return 0.0
        return left

    def _client_hub_is_funded(self, arrived):
        """Tell whether what arrived pays the transaction, the accepted fee deducted."""
        self.ensure_one()
        missing = self.currency_id.round(self.amount - arrived)
        payments = self._client_hub_booked_payments()
        return (
            self.currency_id.compare_amounts(missing, 0) <= 0
            or self._client_hub_written_off(payments)
            or bool(self._client_hub_fee_to_write_off(arrived))
        )

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
        if self._client_hub_fee_to_write_off(booked, booked):
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

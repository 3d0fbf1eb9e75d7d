import math

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

# Far beyond any amount due; keeps the rounding arithmetic of `compare_amounts` finite.
MAX_PAYMENT_AMOUNT = 1e15
PAYMENT_FLOWS = ("direct", "redirect", "token")


class AccountMove(models.Model):
    """Statement documents as the client selects and pays them from the portal."""

    _inherit = "account.move"

    # Aging buckets of the statement: (key, first day past due, last day past due).
    _client_hub_aging_buckets = (
        ("current", None, 0),
        ("1_30", 1, 30),
        ("31_60", 31, 60),
        ("61_90", 61, 90),
        ("90_plus", 91, None),
    )

    # The statement of a client with tens of thousands of documents reads these index
    # entries only (index-only scans), not its documents' rows scattered over the table:
    # its open documents (page, count, totals, overdue), oldest due date first...
    _client_hub_statement_open_idx = models.Index(
        "(commercial_partner_id, invoice_date_due, id)"
        " INCLUDE (company_id, partner_id, move_type, currency_id, amount_residual)"
        " WHERE state = 'posted' AND move_type IN ('out_invoice', 'out_refund')"
        " AND payment_state IN ('not_paid', 'partial')"
    )
    # ...and all of them (the pager's count, the settled documents, newest first)
    _client_hub_statement_idx = models.Index(
        "(commercial_partner_id, invoice_date DESC, id DESC)"
        " INCLUDE (company_id, partner_id, payment_state, amount_residual)"
        " WHERE state = 'posted' AND move_type IN ('out_invoice', 'out_refund')"
    )

    def _client_hub_residual_signed(self):
        """Return what the client owes on this document, in its currency: positive for an
        invoice, negative for a credit note."""
        self.ensure_one()
        sign = -1 if self.move_type == "out_refund" else 1
        return sign * self.amount_residual

    def _client_hub_is_open(self):
        self.ensure_one()
        return (
            self.state == "posted"
            and self.payment_state in ("not_paid", "partial")
            and not self.currency_id.is_zero(self.amount_residual)
        )

    def _client_hub_days_past_due(self, today=None):
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        due = self.invoice_date_due or self.invoice_date or self.date
        return (today - due).days

    def _client_hub_aging_bucket(self, today=None):
        """Return the key of the document's aging bucket (see `_client_hub_aging_buckets`)."""
        days = self._client_hub_days_past_due(today)
        for key, low, high in self._client_hub_aging_buckets:
            if (low is None or days >= low) and (high is None or days <= high):
                return key
        return "current"

    def _client_hub_check_payable(self, ongoing_tx=None):
        """Check that the documents can be paid together in one online payment.

        :param ongoing_tx: The transaction of these documents being carried on (see
            `_client_hub_get_ongoing_transaction`), which is not another payment in progress.
        :return: The amount to pay (sum of the balances, credit notes deducted), the currency
            and the company of the payment.
        :rtype: tuple(float, res.currency, res.company)
        :raise UserError: With a message for the client when they cannot.
        """
        if not self:
            raise UserError(self.env._("Select at least one open invoice to pay."))
        closed = self.filtered(lambda move: not move._client_hub_is_open())
        if closed:
            raise UserError(
                self.env._(
                    "Only open invoices can be paid; %(names)s has no balance left.",
                    names=", ".join(closed.mapped("name")),
                )
            )
        if len(self.currency_id) > 1:
            raise UserError(
                self.env._(
                    "The selected invoices are in different currencies (%(currencies)s). "
                    "Select invoices of one currency at a time.",
                    currencies=", ".join(self.currency_id.mapped("name")),
                )
            )
        if len(self.company_id) > 1:
            raise UserError(
                self.env._(
                    "The selected invoices were issued by different companies. "
                    "Select invoices of one company at a time."
                )
            )
        ongoing_tx = ongoing_tx or self.env["payment.transaction"]
        # sudo: only the states of the payments of documents the caller was given.
        busy = self.filtered(
            lambda move: move.sudo().transaction_ids.filtered(
                lambda tx: (
                    tx.state in ("pending", "authorized")
                    and tx.provider_code not in ("none", "custom")
                    and tx not in ongoing_tx
                )
            )
        )
        if busy:
            raise UserError(
                self.env._(
                    "A payment is already being processed for %(names)s.",
                    names=", ".join(busy.mapped("name")),
                )
            )
        amount = self.currency_id.round(
            sum(move._client_hub_residual_signed() for move in self)
        )
        if self.currency_id.compare_amounts(amount, 0.0) <= 0:
            raise UserError(
                self.env._(
                    "The selected credit notes cover the selected invoices: there is nothing to pay."
                )
            )
        return amount, self.currency_id, self.company_id

    @api.model
    def _client_hub_get_statement_selection(self, partner, ids):
        """Return the client's own statement documents among ``ids``, in the order given.

        The search runs with the caller's rights, restricted to the partner's statement: an
        id of another client, or one that does not exist, refuses the whole selection
        without telling which.

        :param partner: The client or one of its contacts, as a `res.partner` record.
        :param list ids: Database ids, without duplicates.
        :rtype: account.move
        :raise UserError: If ``ids`` is empty or not entirely the client's.
        """
        if not ids:
            raise UserError(self.env._("Select at least one document first."))
        moves = self.search(
            [*partner._get_client_statement_domain(), ("id", "in", ids)]
        )
        if len(moves) != len(ids):
            raise UserError(
                self.env._("Some of the selected documents are not available.")
            )
        return moves.sorted(key=lambda move: ids.index(move.id))

    @api.model
    def _client_hub_get_statement_open_moves(self, partner, currency_id):
        """Return what "Pay all due" pays: the open documents of the client's statement in
        one currency, credit notes included, oldest due date first.

        :param partner: The client or one of its contacts, as a `res.partner` record.
        :param int currency_id: The currency, as a `res.currency` id.
        :rtype: account.move
        """
        return self.search(
            [
                *partner._get_client_statement_domain(open_only=True),
                ("currency_id", "=", currency_id),
            ],
            order="invoice_date_due, id",
        )

    def _client_hub_prepare_statement_payment(
        self, partner, amount, provider_id, flow, payment_method_id=None, token_id=None
    ):
        """Check a statement payment of these documents as the payment form posts it, and
        return the values of its transaction. Everything is decided again here: the amount
        is their balance, which the amount shown to the client must still equal, and the
        payment option must be one the form offers (stock `_create_transaction` trusts it).

        The documents are locked first (`_client_hub_lock_for_payment`), and the
        transaction already started for the same payment, if any, is returned to carry on
        with instead of creating a second one (`_client_hub_get_ongoing_transaction`).

        :param partner: The paying partner (the client's contact), as a `res.partner` record.
        :param float|None amount: The amount the page showed, or None if it was not a number.
        :param int|None provider_id: The chosen provider, as a `payment.provider` id.
        :param str flow: The payment flow: 'direct', 'redirect' or 'token'.
        :param int|None payment_method_id: The payment method (direct and redirect flows).
        :param int|None token_id: The saved payment method (token flow).
        :return: The `amount`, `currency_id`, `reference_prefix`, `provider_id`, `flow`,
            `payment_method_id` and `token_id` of a new transaction, and `transaction`: the
            ongoing one to carry on with (with elevated rights), or an empty recordset.
        :rtype: dict
        :raise UserError: If the documents cannot be paid together.
        :raise ValidationError: If the payment option or the amount is not the expected one.
        """
        self._client_hub_lock_for_payment()
        ongoing_tx = self._client_hub_get_ongoing_transaction(
            partner, amount, provider_id, flow, payment_method_id
        )
        due, currency, company = self._client_hub_check_payable(ongoing_tx)
        option = self._client_hub_check_payment_option(
            partner,
            company,
            due,
            currency,
            provider_id,
            flow,
            payment_method_id,
            token_id,
        )
        if (
            amount is None
            or not math.isfinite(amount)
            or abs(amount) >= MAX_PAYMENT_AMOUNT
        ):
            raise ValidationError(
                self.env._(
                    "The amount to pay is invalid. Reload the page and try again."
                )
            )
        if currency.compare_amounts(amount, due) != 0:
            raise ValidationError(
                self.env._(
                    "The amount due has changed since this page was loaded. Reload the page and try again."
                )
            )
        return {
            **option,
            "amount": due,
            "currency_id": currency.id,
            "reference_prefix": not ongoing_tx
            and self._client_hub_get_payment_reference(),
            "transaction": ongoing_tx,
        }

    @api.model
    def _client_hub_check_payment_option(
        self,
        partner,
        company,
        amount,
        currency,
        provider_id,
        flow,
        payment_method_id,
        token_id,
    ):
        """Check a payment option against those the payment form offers: a provider compatible
        with the payment, a payment flow, and either one of the provider's compatible payment
        methods (direct and redirect flows) or one of the partner's saved tokens of that
        provider (token flow).

        :return: The checked `provider_id`, `flow`, `payment_method_id` and `token_id`.
        :rtype: dict
        :raise ValidationError: If the option is not one the form offers.
        """
        # sudo: providers are configuration the portal user cannot read; this only lists them.
        providers_sudo = (
            self.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(
                company.id,
                partner.id,
                amount,
                currency_id=currency.id,
            )
        )
        if not provider_id or provider_id not in providers_sudo.ids:
            raise ValidationError(self.env._("This payment method is not available."))
        if not isinstance(flow, str) or flow not in PAYMENT_FLOWS:
            raise ValidationError(
                self.env._(
                    "This payment flow is not supported. Reload the page and try again."
                )
            )
        if flow == "token":
            # sudo: lists the partner's own tokens of this provider, as the payment form does.
            tokens_sudo = (
                self.env["payment.token"]
                .sudo()
                ._get_available_tokens([provider_id], partner.id)
            )
            if not token_id or token_id not in tokens_sudo.ids:
                raise ValidationError(
                    self.env._("This saved payment method is not available.")
                )
            return {
                "provider_id": provider_id,
                "flow": flow,
                "token_id": token_id,
                "payment_method_id": None,
            }
        # sudo: payment methods are configuration the portal user cannot read; this only lists them.
        methods_sudo = (
            self.env["payment.method"]
            .sudo()
            ._get_compatible_payment_methods(
                [provider_id],
                partner.id,
                currency_id=currency.id,
                amount=amount,
            )
        )
        if not payment_method_id or payment_method_id not in methods_sudo.ids:
            raise ValidationError(self.env._("This payment method is not available."))
        return {
            "provider_id": provider_id,
            "flow": flow,
            "payment_method_id": payment_method_id,
            "token_id": None,
        }

    def _client_hub_get_payment_reference(self):
        """Return the reference of a payment of these documents: the number of the only one,
        or one batch communication for several, as stock's overdue invoices payment does.

        :rtype: str
        """
        if len(self) == 1:
            return self.name
        return self.company_id.get_next_batch_payment_communication()

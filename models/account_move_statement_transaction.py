import math

from odoo import models
from odoo.tools import SQL

# the payment form's flows, whose transaction waits for the client (`_client_hub_can_carry_on`)
CARRIED_ON_FLOWS = ("direct", "redirect")


class AccountMove(models.Model):
    """One transaction per statement payment: the documents being paid are locked, and Pay
    again with the same option carries on with the transaction already started."""

    _inherit = "account.move"

    def _client_hub_lock_for_payment(self):
        """Lock the documents about to be paid until the end of the database transaction.

        A concurrent request paying any of them is refused the lock at once (NOWAIT) and
        retried by the HTTP layer, as for `payment.transaction._client_hub_lock`; its retry
        then sees the transaction this request made. The rows are also touched: a request
        whose snapshot was taken before this one committed would otherwise get the lock
        without seeing that transaction (PostgreSQL's repeatable read only refuses rows
        that were changed, not merely locked), and now fails to serialise and is retried.
        """
        if not self:
            return
        ids = tuple(self.ids)
        self.env.cr.execute(
            SQL(
                "SELECT id FROM account_move WHERE id IN %s FOR NO KEY UPDATE NOWAIT",
                ids,
            ),
            log_exceptions=False,
        )
        self.env.cr.execute(
            SQL("UPDATE account_move SET write_date = write_date WHERE id IN %s", ids),
            log_exceptions=False,
        )

    def _client_hub_get_ongoing_transaction(
        self, partner, amount, provider_id, flow, payment_method_id
    ):
        """Return the transaction that pays exactly these documents, for this amount, by
        this partner, with this provider and payment method, and that the client may still
        carry on with (see `payment.transaction._client_hub_can_carry_on`): Pay clicked
        twice, or again after coming back, continues it instead of starting another. A
        failed or cancelled one is never returned: a new attempt starts a new transaction.

        :param partner: The paying partner (the client's contact), as a `res.partner` record.
        :param float|None amount: The amount the page showed.
        :param int|None provider_id: The chosen provider, as a `payment.provider` id.
        :param str flow: The payment flow the form posted.
        :param int|None payment_method_id: The chosen payment method.
        :return: The latest such transaction, if any, with elevated rights.
        :rtype: payment.transaction
        """
        # sudo: portal users cannot read transactions; only those paying these documents,
        # which the caller was established to pay, are looked at
        Transaction = self.env["payment.transaction"].sudo()
        if (
            flow not in CARRIED_ON_FLOWS  # anything else is refused later, or charged
            or not isinstance(amount, float)
            or not math.isfinite(amount)
        ):
            return Transaction
        candidates = Transaction.search(
            [
                ("invoice_ids", "in", self.ids),
                ("partner_id", "=", partner.id),
                ("provider_id", "=", provider_id),
                ("payment_method_id", "=", payment_method_id),
                ("operation", "=", f"online_{flow}"),
                ("state", "in", ("draft", "pending")),
            ],
            order="id desc",
        )
        return candidates.filtered(
            lambda tx: (
                tx.invoice_ids == self
                and tx.currency_id.compare_amounts(tx.amount, amount) == 0
                and tx._client_hub_can_carry_on()
            )
        )[:1]

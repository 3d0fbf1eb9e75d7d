import logging

import psycopg2

from odoo import models
from odoo.tools import SQL

from odoo.addons.payment import utils as payment_utils

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _process(self, provider_code, payment_data):
        """Override of `payment` to serialise the processing of one transaction, to refuse
        Stripe data about another transaction's intent, and to post-process the transaction
        as soon as it is confirmed.

        Stock Odoo leaves a confirmed transaction waiting for the customer's status page or
        for the post-processing cron: the invoices stay unpaid in the meantime. Locking the
        transaction row first makes concurrent deliveries of the same provider event queue
        up: the second one fails with a serialisation error, is retried by the HTTP layer
        and then sees a transaction that is already done and post-processed.
        """
        tx = self or self._search_by_reference(provider_code, payment_data)
        if not tx:
            return tx
        tx._client_hub_lock()
        if not tx._client_hub_stripe_intent_is_own(payment_data):
            return tx  # Refused and logged: the transaction and its invoices stay as they are.
        tx = super(PaymentTransaction, tx)._process(provider_code, payment_data)
        tx._client_hub_post_process_done()
        return tx

    def _send_api_request(self, method, endpoint, **kwargs):
        """Override of `payment` to create the Stripe Customer of a transaction once.

        Stock Stripe creates a Customer each time a transaction's processing values are
        computed, and its PaymentIntent with an idempotency key of the transaction: when a
        statement payment carries on with its transaction (`_client_hub_can_carry_on`),
        Stripe answers the same PaymentIntent again only if the request is the same, so the
        Customer must be the same too."""
        if self.provider_code == "stripe" and (method, endpoint) == (
            "POST",
            "customers",
        ):
            kwargs.setdefault(
                "idempotency_key",
                payment_utils.generate_idempotency_key(self, scope="customers"),
            )
        return super()._send_api_request(method, endpoint, **kwargs)

    def _client_hub_can_carry_on(self):
        """Tell whether Pay posted again for the same payment may carry on with this
        transaction instead of creating another: a draft of the payment form's flows,
        which the client has not completed yet (its processing values are computed again,
        with the same idempotency keys at the provider). A token payment is charged when
        created: it is never a draft waiting for the client.

        :rtype: bool
        """
        self.ensure_one()
        return self.state == "draft" and self.operation in (
            "online_direct",
            "online_redirect",
        )

    def _client_hub_stripe_intent_is_own(self, payment_data):
        """Tell whether the Stripe intent in the payment data belongs to this transaction.

        Stock Stripe accepts any intent whose amount and currency match, and its public return
        route fetches whichever intent its URL names: a customer who paid once could replay
        that intent on another transaction of the same total. Odoo creates each intent with
        the reference of its transaction as description (a capture or a void, made by a child
        transaction, receives the intent of its source), and one intent pays one transaction.
        Both the return route and the webhook come through `_process`.

        :param dict payment_data: The payment data built by the Stripe controller or request.
        :return: Whether the data may update the transaction; a refusal is logged.
        :rtype: bool
        """
        self.ensure_one()
        if self.provider_code != "stripe" or self.operation == "refund":
            return True  # Refunds carry a refund object, found by its own id.
        intent = payment_data.get(
            "setup_intent" if self.operation == "validation" else "payment_intent"
        )
        owner = self.source_transaction_id or self
        intent_id = intent.get("id") if isinstance(intent, dict) else None
        if not intent_id or intent.get("description") != owner.reference:
            reason = "it was not created for this transaction"
        # sudo: an intent used by any transaction, readable by the caller or not, is spent.
        elif self.sudo().search_count(
            [
                ("provider_reference", "=", intent_id),
                ("provider_code", "=", "stripe"),
                ("id", "not in", (owner | owner.child_transaction_ids).ids),
            ],
            limit=1,
        ):
            reason = "another transaction already uses it"
        else:
            return True
        _logger.warning(
            "Refused the Stripe intent %s for transaction %s: %s.",
            intent_id,
            self.reference,
            reason,
        )
        return False

    def _client_hub_lock(self):
        """Lock the transactions' rows until the end of the database transaction.

        When another delivery of the event committed first, PostgreSQL refuses the lock with a
        serialization failure, which the HTTP layer retries: an expected outcome, not logged
        as a failed query (as `ir.cron` does for its job locks)."""
        self.env.cr.execute(
            SQL(
                "SELECT id FROM payment_transaction WHERE id IN %s FOR UPDATE",
                tuple(self.ids),
            ),
            log_exceptions=False,
        )

    def _client_hub_post_process_done(self):
        """Post-process the confirmed transactions that are not post-processed yet.

        Each transaction is post-processed inside a savepoint: a failure (e.g. a locked
        accounting period) rolls back only the accounting side, logs it, and leaves the
        transaction to the stock cron, which retries it; the confirmation itself is kept.
        """
        for tx in self.filtered(
            lambda t: t.state == "done" and not t.is_post_processed
        ):
            try:
                with self.env.cr.savepoint():
                    tx._post_process()
            except psycopg2.OperationalError:
                raise  # Concurrent update: let the request be retried as a whole.
            except Exception:
                _logger.exception(
                    "Immediate post-processing of transaction %s failed; left to the cron.",
                    tx.reference,
                )

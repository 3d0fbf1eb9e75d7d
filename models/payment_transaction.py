import logging

import psycopg2

from odoo import models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    # ---- statement, payment (issue 6) ----

    def _process(self, provider_code, payment_data):
        """Override of `payment` to serialise the processing of one transaction and to
        post-process it as soon as it is confirmed.

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
        tx = super(PaymentTransaction, tx)._process(provider_code, payment_data)
        tx._client_hub_post_process_done()
        return tx

    def _client_hub_lock(self):
        """Lock the transactions' rows until the end of the database transaction."""
        self.env.cr.execute(SQL(
            "SELECT id FROM payment_transaction WHERE id IN %s FOR UPDATE", tuple(self.ids),
        ))

    def _client_hub_post_process_done(self):
        """Post-process the confirmed transactions that are not post-processed yet.

        Each transaction is post-processed inside a savepoint: a failure (e.g. a locked
        accounting period) rolls back only the accounting side, logs it, and leaves the
        transaction to the stock cron, which retries it; the confirmation itself is kept.
        """
        for tx in self.filtered(lambda t: t.state == "done" and not t.is_post_processed):
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

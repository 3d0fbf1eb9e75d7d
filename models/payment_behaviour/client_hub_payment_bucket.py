import psycopg2.errors

from odoo import api, fields, models
from odoo.tools import SQL


class ClientHubPaymentBucket(models.Model):
    """The payment engine of the client dashboard (how this client pays).

    Rows of payment amounts per commercial partner, company and payment date, that add
    up to the payments of the posted customer invoices (partial reconciliations of an
    invoice with a bank or payment entry, not with a credit note nor an exchange
    difference): the averages of a client are sums over at most one row per payment
    date, whatever the number of its payments.

    * Triggers on account_partial_reconcile and account_move call
      `client_hub_payment_resync` with the reconciliations a change may affect: it takes
      back what they added (`client_hub.payment.partial`) and adds what they add now, as
      pending rows. Rows are only ever inserted here: concurrent payments of one client
      never update the same row (REPEATABLE READ), as for the figures.
    * `_compact` (with the figures' compaction) folds the pending rows into one row per
      client, company and payment date.
    """

    _name = "client_hub.payment.bucket"
    _description = "Client Payment Behaviour"
    _log_access = False

    # the columns of account_move the payments are counted from
    _MOVE_FIELDS = (
        "state",
        "move_type",
        "company_id",
        "commercial_partner_id",
        "invoice_date",
        "invoice_date_due",
    )
    _PARTIAL_FIELDS = (
        "debit_move_id",
        "credit_move_id",
        "amount",
        "max_date",
        "exchange_move_id",
    )

    commercial_partner_id = fields.Many2one(
        "res.partner", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    paid_on = fields.Date(readonly=True)
    amount = fields.Monetary(required=True, readonly=True)
    amount_days = fields.Monetary(required=True, readonly=True)
    amount_on_time = fields.Monetary(required=True, readonly=True)
    payment_count = fields.Integer(required=True, readonly=True)
    pending = fields.Boolean(readonly=True)

    _client_days = models.Index(
        "(commercial_partner_id, company_id, paid_on)"
        " INCLUDE (amount, amount_days, amount_on_time, payment_count)"
    )
    _compact_key = models.UniqueIndex(
        "(commercial_partner_id, company_id, paid_on) WHERE NOT pending"
    )
    _pending_rows = models.Index("(commercial_partner_id) WHERE pending")

    def init(self):
        res = super().init()
        self._install_triggers()
        self._rebuild()
        return res

    # ---- the triggers ----

    @api.model
    def _names(self):
        return {
            "resync": SQL.identifier("client_hub_payment_resync"),
            "on_partial": SQL.identifier("client_hub_payment_sync_partial"),
            "on_move": SQL.identifier("client_hub_payment_sync_move"),
            "partial_table": SQL.identifier("account_partial_reconcile"),
            "move_table": SQL.identifier("account_move"),
            "ledger": SQL.identifier(self.env["client_hub.payment.partial"]._table),
            "table": SQL.identifier(self._table),
        }

    @api.model
    def _contributions_sql(self, partials):
        """SELECT of what the reconciliations ``partials`` (SQL condition on ``p``) add now:
        the rows of `client_hub.payment.partial` (the live path's definition:
        res.partner `_client_payments_query`)."""
        return SQL(
            """
            SELECT p.id, inv.commercial_partner_id, inv.company_id, p.max_date, p.amount,
                   p.amount * GREATEST(p.max_date - inv.invoice_date, 0),
                   CASE WHEN p.max_date <= inv.invoice_date_due THEN p.amount ELSE 0 END
              FROM account_partial_reconcile p
              JOIN account_move_line dl ON dl.id = p.debit_move_id
              JOIN account_move inv ON inv.id = dl.move_id
              JOIN account_move_line cl ON cl.id = p.credit_move_id
              JOIN account_move cm ON cm.id = cl.move_id
             WHERE %s AND inv.state = 'posted' AND inv.move_type = 'out_invoice'
               AND inv.commercial_partner_id IS NOT NULL AND cm.move_type = 'entry'
               AND NOT EXISTS (SELECT FROM account_partial_reconcile x
                                WHERE x.exchange_move_id = cm.id)
            """,
            partials,
        )

    @api.model
    def _install_triggers(self):
        names = self._names()
        columns = SQL(
            "commercial_partner_id, company_id, paid_on, amount, amount_days,"
            " amount_on_time, payment_count, pending"
        )

        def watched(row, fnames):
            return SQL(", ").join(
                SQL("%s.%s", SQL(row), SQL.identifier(fname)) for fname in fnames
            )

        self.env.cr.execute(
            SQL(
                """
            CREATE OR REPLACE FUNCTION %(resync)s(ids int[]) RETURNS void LANGUAGE plpgsql AS $$
            BEGIN
                IF ids IS NULL OR cardinality(ids) = 0 THEN
                    RETURN;
                END IF;
                -- take back what they added, then add what they add now
                INSERT INTO %(table)s (%(columns)s)
                     SELECT commercial_partner_id, company_id, paid_on, -amount, -amount_days,
                            -amount_on_time, -1, TRUE
                       FROM %(ledger)s WHERE partial_id = ANY(ids);
                DELETE FROM %(ledger)s WHERE partial_id = ANY(ids);
                INSERT INTO %(ledger)s (partial_id, commercial_partner_id, company_id, paid_on,
                                        amount, amount_days, amount_on_time)
                     %(contributions)s;
                INSERT INTO %(table)s (%(columns)s)
                     SELECT commercial_partner_id, company_id, paid_on, amount, amount_days,
                            amount_on_time, 1, TRUE
                       FROM %(ledger)s WHERE partial_id = ANY(ids);
            END $$;

            CREATE OR REPLACE FUNCTION %(on_partial)s() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                old_exchange int := CASE WHEN TG_OP <> 'INSERT' THEN OLD.exchange_move_id END;
                new_exchange int := CASE WHEN TG_OP <> 'DELETE' THEN NEW.exchange_move_id END;
            BEGIN
                PERFORM %(resync)s(ARRAY[CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END]);
                -- the payments of an exchange difference entry are no money
                IF old_exchange IS DISTINCT FROM new_exchange THEN
                    PERFORM %(resync)s(ARRAY(
                        SELECT x.id FROM account_partial_reconcile x
                          JOIN account_move_line l ON l.id = x.credit_move_id
                         WHERE l.move_id IN (old_exchange, new_exchange)));
                END IF;
                RETURN NULL;
            END $$;

            CREATE OR REPLACE FUNCTION %(on_move)s() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM %(resync)s(ARRAY(
                    SELECT p.id FROM account_move_line l
                      JOIN account_partial_reconcile p ON p.debit_move_id = l.id
                     WHERE l.move_id = NEW.id
                     UNION
                    SELECT p.id FROM account_move_line l
                      JOIN account_partial_reconcile p ON p.credit_move_id = l.id
                     WHERE l.move_id = NEW.id));
                RETURN NULL;
            END $$;

            DROP TRIGGER IF EXISTS %(on_partial)s ON %(partial_table)s;
            CREATE TRIGGER %(on_partial)s AFTER INSERT OR DELETE OR UPDATE OF %(partial_fields)s
                ON %(partial_table)s FOR EACH ROW EXECUTE FUNCTION %(on_partial)s();
            DROP TRIGGER IF EXISTS %(on_move)s ON %(move_table)s;
            CREATE TRIGGER %(on_move)s AFTER UPDATE ON %(move_table)s FOR EACH ROW
                WHEN ((%(move_old)s) IS DISTINCT FROM (%(move_new)s))
                EXECUTE FUNCTION %(on_move)s();
            """,
                **names,
                columns=columns,
                contributions=self._contributions_sql(SQL("p.id = ANY(ids)")),
                partial_fields=SQL(", ").join(
                    SQL.identifier(f) for f in self._PARTIAL_FIELDS
                ),
                move_old=watched("OLD", self._MOVE_FIELDS),
                move_new=watched("NEW", self._MOVE_FIELDS),
            )
        )

    @api.model
    def _drop_triggers(self):
        self.env.cr.execute(
            SQL(
                "DROP TRIGGER IF EXISTS %(on_partial)s ON %(partial_table)s;"
                "DROP TRIGGER IF EXISTS %(on_move)s ON %(move_table)s;"
                "DROP FUNCTION IF EXISTS %(on_partial)s();"
                "DROP FUNCTION IF EXISTS %(on_move)s();"
                "DROP FUNCTION IF EXISTS %(resync)s(int[])",
                **self._names(),
            )
        )

    @api.model
    def _flush_sources(self):
        self.env["account.move"].flush_model(self._MOVE_FIELDS)
        self.env["account.move.line"].flush_model(["move_id"])
        self.env["account.partial.reconcile"].flush_model(self._PARTIAL_FIELDS)

    @api.model
    def _rebuild(self):
        """Count every reconciliation again, in the compact shape (install, update)."""
        self._flush_sources()
        names = self._names()
        self.env.cr.execute(
            SQL(
                """
            TRUNCATE %(table)s, %(ledger)s RESTART IDENTITY;
            INSERT INTO %(ledger)s (partial_id, commercial_partner_id, company_id, paid_on,
                                    amount, amount_days, amount_on_time)
                 %(contributions)s;
            INSERT INTO %(table)s (commercial_partner_id, company_id, paid_on, amount,
                                   amount_days, amount_on_time, payment_count, pending)
                 SELECT commercial_partner_id, company_id, paid_on, SUM(amount),
                        SUM(amount_days), SUM(amount_on_time), COUNT(*), FALSE
                   FROM %(ledger)s GROUP BY 1, 2, 3
            """,
                **names,
                contributions=self._contributions_sql(SQL("TRUE")),
            )
        )
        self.invalidate_model()
        self.env["client_hub.payment.partial"].invalidate_model()

    @api.model
    def _compact(self):
        """Fold the pending rows into one row per client, company and payment date (as
        `client_hub.figures.bucket._compact`, whose rules of locking it follows).

        :return: the number of pending rows folded, or None when another compaction runs
        """
        cr = self.env.cr
        cr.execute(SQL("SELECT pg_try_advisory_xact_lock(hashtext(%s))", self._table))
        if not cr.fetchone()[0]:
            return None
        table = SQL.identifier(self._table)
        same_key = SQL(
            "b.commercial_partner_id = d.commercial_partner_id"
            " AND b.company_id = d.company_id AND b.paid_on IS NOT DISTINCT FROM d.paid_on"
            " AND NOT b.pending"
        )
        folded = SQL(
            "SELECT commercial_partner_id, company_id, paid_on, SUM(amount) AS amount,"
            " SUM(amount_days) AS amount_days, SUM(amount_on_time) AS amount_on_time,"
            " SUM(payment_count) AS payment_count FROM %s WHERE pending GROUP BY 1, 2, 3",
            table,
        )
        try:
            with cr.savepoint(flush=False):
                cr.execute(
                    SQL(
                        "SELECT COUNT(*) FROM (SELECT FROM %s WHERE pending FOR UPDATE) p",
                        table,
                    ),
                    log_exceptions=False,
                )
                [count] = cr.fetchone()
                if count:
                    cr.execute(
                        SQL(
                            """
                        UPDATE %(table)s b
                           SET amount = b.amount + d.amount,
                               amount_days = b.amount_days + d.amount_days,
                               amount_on_time = b.amount_on_time + d.amount_on_time,
                               payment_count = b.payment_count + d.payment_count
                          FROM (%(folded)s) d WHERE %(same_key)s;
                        INSERT INTO %(table)s (commercial_partner_id, company_id, paid_on,
                                               amount, amount_days, amount_on_time,
                                               payment_count, pending)
                             SELECT d.*, FALSE FROM (%(folded)s) d
                              WHERE d.payment_count <> 0
                                AND NOT EXISTS (SELECT FROM %(table)s b WHERE %(same_key)s);
                        DELETE FROM %(table)s WHERE pending OR payment_count = 0
                            """,
                            table=table,
                            folded=folded,
                            same_key=same_key,
                        ),
                        log_exceptions=False,
                    )
        except psycopg2.errors.SerializationFailure:
            self.invalidate_model()
            return None
        self.invalidate_model()
        return count

    # ---- the readers ----

    @api.model
    def _client_sql(self, aggregates, partner_ids=None):
        """SELECT of ``aggregates`` ({name: SQL over the columns ``paid_on``,
        ``amount``, ``amount_days``, ``amount_on_time`` of a client's payment dates}) per
        commercial partner (``partner_id``) of the current company; of the partners
        ``partner_ids`` only, when given."""
        self._flush_sources()
        conditions = [SQL("company_id = %s", self.env.company.id)]
        if partner_ids is not None:
            conditions.append(SQL("commercial_partner_id = ANY(%s)", list(partner_ids)))
        return SQL(
            """
            SELECT partner_id, %(aggregates)s
              FROM (SELECT commercial_partner_id AS partner_id, paid_on,
                           SUM(amount) AS amount, SUM(amount_days) AS amount_days,
                           SUM(amount_on_time) AS amount_on_time
                      FROM %(table)s WHERE %(where)s
                  GROUP BY 1, 2 HAVING SUM(payment_count) <> 0) AS days
          GROUP BY partner_id
            """,
            aggregates=SQL(", ").join(
                SQL("%s AS %s", sql, SQL.identifier(name))
                for name, sql in aggregates.items()
            ),
            table=SQL.identifier(self._table),
            where=SQL(" AND ").join(conditions),
        )

    @api.model
    def _day_columns(self):
        return {
            "amount": SQL("days.amount"),
            "amount_days": SQL("days.amount_days"),
            "on_time_amount": SQL("days.amount_on_time"),
            "paid_on": SQL("days.paid_on"),
        }

    @api.model
    def _aggregate_in_sql(self, partner_ids=None, aggregate=None):
        """SELECT of the payment aggregates of res.partner
        `_client_payment_aggregates` (all, or ``aggregate`` as ``value``) per client."""
        Partner = self.env["res.partner"]
        aggregates = Partner._client_payment_aggregates(self._day_columns())
        if aggregate:
            aggregates = {"value": aggregates[aggregate]}
        return self._client_sql(aggregates, partner_ids)

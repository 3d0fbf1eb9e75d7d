import psycopg2.errors

from odoo import api, fields, models
from odoo.tools import SQL


class ClientHubFiguresBucket(models.Model):
    """The figures engine of the client dashboard.

    Rows of signed amounts (company currency) that add up, per commercial partner and
    company, to the posted customer invoices and credit notes: the figures are the sums of
    a client's rows, whatever their number.

    * A trigger on account_move only ever INSERTs: each change of a counted document adds
      one row holding the difference (a pending row). No transaction updates a row another
      may update, so concurrent postings, payments and webhooks for the same client never
      conflict on the figures (REPEATABLE READ), as in stock Odoo.
    * `_compact` (a cron, every few minutes) folds a client's rows into the compact shape:
      one row for its lifetime totals (no due date), and one row per due date that still
      has an open amount. Paid history weighs nothing.
    * The compaction also writes each client's figures in `client_hub.figures.client`
      (one row per client), from which the Clients list sorts and filters 100,000
      clients by a figure through an index.

    The table is derived data, written by the trigger, `_compact` and `_rebuild` only, and
    read in SQL by `_read_figures` and `_figures_query` (which also serve
    `res.partner._field_to_sql`); no one is meant to browse it as records, whose cache the
    trigger would not update.
    """

    _name = "client_hub.figures.bucket"
    _description = "Client Dashboard Figures"
    _log_access = False

    # the columns of account_move the buckets are computed from: the trigger fires when
    # one of them changes, and the readers flush them first
    _SOURCE_FIELDS = (
        "state",
        "move_type",
        "company_id",
        "commercial_partner_id",
        "invoice_date_due",
        "date",
        "amount_total_signed",
        "amount_residual_signed",
        "amount_untaxed_signed",
    )
    _MOVE_TYPES = ("out_invoice", "out_refund")

    commercial_partner_id = fields.Many2one(
        "res.partner", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    due_date = fields.Date(
        readonly=True,
        help="Due date of the documents, else their date; none on a lifetime row.",
    )
    amount_total = fields.Monetary(required=True, readonly=True)
    amount_residual = fields.Monetary(required=True, readonly=True)
    amount_untaxed = fields.Monetary(
        required=True,
        readonly=True,
        default=0.0,
        help="Untaxed total (stock's Invoiced), on the lifetime rows and pending rows.",
    )
    move_count = fields.Integer(required=True, readonly=True)
    pending = fields.Boolean(
        readonly=True, help="Written by the trigger, not yet folded by the compaction."
    )

    # a client's rows (its figures), read from the index alone
    _client_figure_rows = models.Index(
        "(commercial_partner_id, company_id, due_date)"
        " INCLUDE (amount_total, amount_residual, amount_untaxed)"
    )
    # the open rows, for the balance due and overdue amounts of the whole Clients list
    _open_rows = models.Index(
        "(company_id, commercial_partner_id, due_date) INCLUDE (amount_residual)"
        " WHERE amount_residual <> 0"
    )
    # one compact row per client, company and due date (none: the lifetime row)
    _compact_key = models.UniqueIndex(
        "(commercial_partner_id, company_id, COALESCE(due_date, 'infinity'::date))"
        " WHERE NOT pending"
    )
    # the clients the compaction has to fold
    _pending_rows = models.Index("(commercial_partner_id) WHERE pending")
    # the open rows by due date: the clients whose amount past due changes between two
    # days (`client_hub.figures.client._unfit_on_another_day_sql`)
    _open_rows_by_due_date = models.Index(
        "(company_id, due_date) WHERE amount_residual <> 0 AND NOT pending"
    )

    def init(self):
        res = super().init()
        # replaced by `_client_figure_rows` (which also covers the untaxed total)
        self.env.cr.execute(
            SQL(
                "DROP INDEX IF EXISTS %s", SQL.identifier(f"{self._table}__client_rows")
            )
        )
        self._install_trigger()
        # (re)build from the documents: install, and any update of the module
        self._rebuild()
        return res

    # ---- the trigger ----

    @api.model
    def _trigger_names(self):
        """The SQL names of the trigger function, of its triggers on insert and delete,
        and on update, and of the table they watch."""
        return {
            "function": SQL.identifier(f"{self._table}_sync"),
            "insert_delete": SQL.identifier(f"{self._table}_sync"),
            "update": SQL.identifier(f"{self._table}_sync_update"),
            "move_table": SQL.identifier(self.env["account.move"]._table),
        }

    @api.model
    def _install_trigger(self):
        """Create (or replace) the function and the triggers on account_move that add a
        pending row for each change of a counted document."""
        old, new = SQL("OLD"), SQL("NEW")

        def watched(row):
            return SQL(", ").join(
                SQL("%s.%s", row, SQL.identifier(fname))
                for fname in self._SOURCE_FIELDS
            )

        self.env.cr.execute(
            SQL(
                """
            CREATE OR REPLACE FUNCTION %(function)s() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'UPDATE' AND %(counted_old)s AND %(counted_new)s
                   AND (%(key_old)s) IS NOT DISTINCT FROM (%(key_new)s) THEN
                    -- same client, company and due date: one row with the difference
                    IF %(total_new)s <> %(total_old)s OR %(residual_new)s <> %(residual_old)s
                       OR %(untaxed_new)s <> %(untaxed_old)s THEN
                        INSERT INTO %(table)s (%(columns)s)
                        VALUES (%(key_new)s, %(total_new)s - %(total_old)s,
                                %(residual_new)s - %(residual_old)s, 0, TRUE,
                                %(untaxed_new)s - %(untaxed_old)s);
                    END IF;
                    RETURN NULL;
                END IF;
                IF TG_OP <> 'INSERT' AND %(counted_old)s THEN
                    INSERT INTO %(table)s (%(columns)s)
                    VALUES (%(key_old)s, -%(total_old)s, -%(residual_old)s, -1, TRUE,
                            -%(untaxed_old)s);
                END IF;
                IF TG_OP <> 'DELETE' AND %(counted_new)s THEN
                    INSERT INTO %(table)s (%(columns)s)
                    VALUES (%(key_new)s, %(total_new)s, %(residual_new)s, 1, TRUE,
                            %(untaxed_new)s);
                END IF;
                RETURN NULL;
            END $$;
            DROP TRIGGER IF EXISTS %(insert_delete)s ON %(move_table)s;
            CREATE TRIGGER %(insert_delete)s AFTER INSERT OR DELETE ON %(move_table)s
                FOR EACH ROW EXECUTE FUNCTION %(function)s();
            DROP TRIGGER IF EXISTS %(update)s ON %(move_table)s;
            CREATE TRIGGER %(update)s AFTER UPDATE ON %(move_table)s
                FOR EACH ROW WHEN ((%(watched_old)s) IS DISTINCT FROM (%(watched_new)s))
                EXECUTE FUNCTION %(function)s();
            """,
                **self._trigger_names(),
                table=SQL.identifier(self._table),
                columns=self._columns_list(),
                counted_old=self._counted_sql(old),
                counted_new=self._counted_sql(new),
                key_old=self._key_sql(old),
                key_new=self._key_sql(new),
                total_old=SQL("COALESCE(OLD.amount_total_signed, 0)"),
                total_new=SQL("COALESCE(NEW.amount_total_signed, 0)"),
                residual_old=SQL("COALESCE(OLD.amount_residual_signed, 0)"),
                residual_new=SQL("COALESCE(NEW.amount_residual_signed, 0)"),
                untaxed_old=SQL("COALESCE(OLD.amount_untaxed_signed, 0)"),
                untaxed_new=SQL("COALESCE(NEW.amount_untaxed_signed, 0)"),
                watched_old=watched(old),
                watched_new=watched(new),
            )
        )

    @api.model
    def _columns_list(self):
        return SQL(
            "commercial_partner_id, company_id, due_date, amount_total, amount_residual,"
            " move_count, pending, amount_untaxed"
        )

    @api.model
    def _counted_sql(self, row):
        """Whether the account_move row ``row`` (OLD or NEW) counts in the figures."""
        return SQL(
            "%(row)s.state = 'posted' AND %(row)s.move_type IN %(types)s AND %(row)s.commercial_partner_id IS NOT NULL",
            row=row,
            types=self._MOVE_TYPES,
        )

    @api.model
    def _key_sql(self, row):
        """The client, company and due date of the account_move row ``row``."""
        return SQL(
            "%(row)s.commercial_partner_id, %(row)s.company_id, COALESCE(%(row)s.invoice_date_due, %(row)s.date)",
            row=row,
        )

    @api.model
    def _drop_trigger(self):
        """Remove the triggers and their function (uninstall: the ORM drops the table)."""
        self.env.cr.execute(
            SQL(
                "DROP TRIGGER IF EXISTS %(insert_delete)s ON %(move_table)s;"
                "DROP TRIGGER IF EXISTS %(update)s ON %(move_table)s;"
                "DROP FUNCTION IF EXISTS %(function)s()",
                **self._trigger_names(),
            )
        )

    @api.model
    def _rebuild(self, partner_ids=None):
        """Rebuild the rows from the documents, in the compact shape, in this transaction.

        :param list partner_ids: the commercial partners whose rows are rebuilt (their
            rows are removed when they have no posted document left); all when None
        """
        Move = self.env["account.move"]
        Move.flush_model(self._SOURCE_FIELDS)
        table = SQL.identifier(self._table)
        if partner_ids is None:
            where = SQL("TRUE")
            self.env.cr.execute(SQL("TRUNCATE %s RESTART IDENTITY", table))
        else:
            where = SQL("commercial_partner_id IN %s", tuple(partner_ids) or (None,))
            self.env.cr.execute(SQL("DELETE FROM %s WHERE %s", table, where))
        self.env.cr.execute(
            SQL(
                """
            WITH moves AS (
                SELECT commercial_partner_id, company_id, COALESCE(invoice_date_due, date) AS due_date,
                       COALESCE(amount_total_signed, 0) AS amount_total,
                       COALESCE(amount_residual_signed, 0) AS amount_residual,
                       COALESCE(amount_untaxed_signed, 0) AS amount_untaxed
                  FROM %(move_table)s
                 WHERE state = 'posted' AND move_type IN %(types)s
                   AND commercial_partner_id IS NOT NULL AND %(where)s
            )
            INSERT INTO %(table)s (%(columns)s)
                SELECT commercial_partner_id, company_id, NULL, SUM(amount_total), 0, COUNT(*), FALSE,
                       SUM(amount_untaxed)
                  FROM moves GROUP BY 1, 2
                 UNION ALL
                SELECT commercial_partner_id, company_id, due_date, 0, SUM(amount_residual), 0, FALSE, 0
                  FROM moves GROUP BY 1, 2, 3 HAVING SUM(amount_residual) <> 0
            """,
                table=table,
                columns=self._columns_list(),
                move_table=SQL.identifier(Move._table),
                types=self._MOVE_TYPES,
                where=where,
            )
        )
        self.invalidate_model()
        self.env["client_hub.figures.client"]._refresh(partner_ids, rebuild=True)

    @api.model
    def _compact(self):
        """Fold the pending rows into the compact shape: per client and company, one
        lifetime row (no due date: invoiced total and number of documents) and one row per
        due date with an open amount; rows that net to nothing are removed.

        Only the compaction updates or deletes compact rows, and it deletes only the
        pending rows its snapshot sees: rows the trigger adds meanwhile stay pending for
        the next run, and nothing the figures add up changes. One compaction at a time
        (advisory lock, across workers and servers); the others return at once.

        :return: the number of pending rows folded, or None when another compaction runs
            or ran since this transaction began
        """
        cr = self.env.cr
        cr.execute(SQL("SELECT pg_try_advisory_xact_lock(hashtext(%s))", self._table))
        if not cr.fetchone()[0]:
            return None
        table = SQL.identifier(self._table)
        # The snapshot may predate the lock: when another compaction committed meanwhile,
        # it deleted pending rows this snapshot still sees, or wrote the figures of clients
        # this one would write: locking or writing them fails (REPEATABLE READ), and all of
        # this run is undone at once; that run's work is done, return.
        try:
            with cr.savepoint(flush=False):
                cr.execute(
                    SQL(
                        "SELECT ARRAY_AGG(DISTINCT commercial_partner_id), COUNT(*)"
                        " FROM (SELECT commercial_partner_id FROM %s WHERE pending FOR UPDATE) p",
                        table,
                    ),
                    log_exceptions=False,
                )
                partner_ids, count = cr.fetchone()
                if count:
                    self._fold_pending(partner_ids)
                # the figures of the clients folded, and of the others on a new day
                self.env["client_hub.figures.client"]._refresh(partner_ids or [])
        except psycopg2.errors.SerializationFailure:
            self.invalidate_model()
            return None
        self.invalidate_model()
        return count

    @api.model
    def _fold_pending(self, partner_ids):
        """Fold the pending rows, of the clients ``partner_ids``, into the compact rows
        (`_compact`, which holds the locks)."""
        cr = self.env.cr
        table = SQL.identifier(self._table)
        clients = SQL("commercial_partner_id = ANY(%s)", partner_ids)
        folded = SQL(
            """
            SELECT commercial_partner_id, company_id, NULL::date AS due_date,
                   SUM(amount_total) AS amount_total, 0 AS amount_residual,
                   SUM(move_count) AS move_count, FALSE AS pending,
                   SUM(amount_untaxed) AS amount_untaxed
              FROM %(table)s WHERE pending
          GROUP BY 1, 2
            HAVING SUM(amount_total) <> 0 OR SUM(move_count) <> 0 OR SUM(amount_untaxed) <> 0
         UNION ALL
            SELECT commercial_partner_id, company_id, due_date,
                   0, SUM(amount_residual), 0, FALSE, 0
              FROM %(table)s WHERE pending
          GROUP BY 1, 2, 3 HAVING SUM(amount_residual) <> 0""",
            table=table,
        )
        same_key = SQL(
            "b.commercial_partner_id = d.commercial_partner_id AND b.company_id = d.company_id"
            " AND COALESCE(b.due_date, 'infinity') = COALESCE(d.due_date, 'infinity')"
            " AND NOT b.pending"
        )
        cr.execute(
            SQL(
                """
            UPDATE %(table)s b
               SET amount_total = b.amount_total + d.amount_total,
                   amount_residual = b.amount_residual + d.amount_residual,
                   move_count = b.move_count + d.move_count,
                   amount_untaxed = b.amount_untaxed + d.amount_untaxed
              FROM (%(folded)s) d
             WHERE %(same_key)s;
            INSERT INTO %(table)s (%(columns)s)
                 SELECT d.* FROM (%(folded)s) d
                  WHERE NOT EXISTS (SELECT FROM %(table)s b WHERE %(same_key)s);
            DELETE FROM %(table)s WHERE pending;
            DELETE FROM %(table)s
             WHERE NOT pending AND %(clients)s
               AND CASE WHEN due_date IS NULL
                        THEN amount_total = 0 AND move_count = 0 AND amount_untaxed = 0
                        ELSE amount_residual = 0 END
            """,
                table=table,
                columns=self._columns_list(),
                folded=folded,
                same_key=same_key,
                clients=clients,
            ),
            # a serialization failure here is `_compact`'s to handle, not a failed query
            log_exceptions=False,
        )

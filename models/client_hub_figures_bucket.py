from odoo import api, fields, models
from odoo.tools import SQL


class ClientHubFiguresBucket(models.Model):
    """The figures engine of the client dashboard.

    One row per commercial partner, company and due date, adding up the posted customer
    invoices and credit notes (signed amounts, company currency). A trigger on account_move
    keeps the rows exact on every write (ORM flushes, recomputations and raw SQL alike), so
    that the figures of a client with 20,000 invoices read a few dozen rows.

    The table is derived data, written by the trigger and `_rebuild` only, and read in SQL
    by `_read_figures` and `_figures_query` (which also serve `res.partner._field_to_sql`);
    no one is meant to browse it as records, whose cache the trigger would not update.
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
        required=True, readonly=True, help="Due date of the documents, else their date."
    )
    amount_total = fields.Monetary(required=True, readonly=True)
    amount_residual = fields.Monetary(required=True, readonly=True)
    move_count = fields.Integer(required=True, readonly=True)

    # the key of the trigger's upsert (ON CONFLICT), and the lookup of a client's rows
    _bucket_key = models.UniqueIndex("(commercial_partner_id, company_id, due_date)")

    def init(self):
        res = super().init()
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
        """Create (or replace) the function and the triggers on account_move that keep the
        buckets in step with the documents."""
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
                IF TG_OP <> 'INSERT' AND %(counted_old)s THEN
                    %(remove_old)s
                END IF;
                IF TG_OP <> 'DELETE' AND %(counted_new)s THEN
                    %(add_new)s
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
                counted_old=self._counted_sql(old),
                counted_new=self._counted_sql(new),
                remove_old=self._add_document_sql(old, -1),
                add_new=self._add_document_sql(new, 1),
                watched_old=watched(old),
                watched_new=watched(new),
            )
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
    def _add_document_sql(self, row, sign):
        """PL/pgSQL adding (``sign`` 1) or removing (-1) the account_move row ``row`` to its
        bucket. The row is updated in place when it exists, so that the id sequence only
        moves for new buckets; the upsert covers a bucket created meanwhile."""
        table = SQL.identifier(self._table)
        key = SQL(
            "%(row)s.commercial_partner_id, %(row)s.company_id, COALESCE(%(row)s.invoice_date_due, %(row)s.date)",
            row=row,
        )
        total = SQL("%s * COALESCE(%s.amount_total_signed, 0)", sign, row)
        residual = SQL("%s * COALESCE(%s.amount_residual_signed, 0)", sign, row)
        return SQL(
            """
                    UPDATE %(table)s
                       SET amount_total = amount_total + %(total)s,
                           amount_residual = amount_residual + %(residual)s,
                           move_count = move_count + %(sign)s
                     WHERE (commercial_partner_id, company_id, due_date) = (%(key)s);
                    IF NOT FOUND THEN
                        INSERT INTO %(table)s AS b
                               (commercial_partner_id, company_id, due_date, amount_total, amount_residual, move_count)
                        VALUES (%(key)s, %(total)s, %(residual)s, %(sign)s)
                        ON CONFLICT (commercial_partner_id, company_id, due_date) DO UPDATE SET
                            amount_total = b.amount_total + EXCLUDED.amount_total,
                            amount_residual = b.amount_residual + EXCLUDED.amount_residual,
                            move_count = b.move_count + EXCLUDED.move_count;
                    END IF;""",
            table=table,
            key=key,
            total=total,
            residual=residual,
            sign=sign,
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
        """Rebuild the buckets from the documents, in this transaction.

        :param list partner_ids: the commercial partners whose buckets are rebuilt (their
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
            INSERT INTO %(table)s
                   (commercial_partner_id, company_id, due_date, amount_total, amount_residual, move_count)
                SELECT commercial_partner_id, company_id, COALESCE(invoice_date_due, date),
                       COALESCE(SUM(amount_total_signed), 0), COALESCE(SUM(amount_residual_signed), 0),
                       COUNT(*)
                  FROM %(move_table)s
                 WHERE state = 'posted' AND move_type IN %(types)s
                   AND commercial_partner_id IS NOT NULL AND %(where)s
              GROUP BY 1, 2, 3
            """,
                table=table,
                move_table=SQL.identifier(Move._table),
                types=self._MOVE_TYPES,
                where=where,
            )
        )
        self.invalidate_model()

    # ---- the readers ----

    @api.model
    def _read_figures(self, partner_ids):
        """Read the figures of the commercial partners ``partner_ids`` in the current
        company, in one query.

        :return: {commercial partner id: {"invoiced", "paid", "due", "overdue": amount}};
            no entry for a partner without posted documents, none at all when the user may
            not read invoices
        """
        if not partner_ids or not self.env["account.move"].has_access("read"):
            return {}
        query, cols = self._figures_query()
        query.add_where(SQL("%s IN %s", cols["partner"], tuple(partner_ids)))
        query.groupby = cols["partner"]
        aggregates = self._figure_aggregates(cols)
        rows = self.env.execute_query_dict(
            query.select(
                SQL("%s AS partner_id", cols["partner"]),
                *(
                    SQL("%s AS %s", sql, SQL.identifier(name))
                    for name, sql in aggregates.items()
                ),
            )
        )
        return {row["partner_id"]: row for row in rows}

    @api.model
    def _figures_query(self):
        """Query over what the figures add up, for the current company, and the SQL of
        its columns: partner (commercial), total and residual (signed, company currency:
        credit notes count negative, residuals net payments and reconciliations), due date.

        Two sources, same figures:

        * the buckets, when the user's record rules on invoices only restrict the company
          (accountants): constant time whatever the number of invoices;
        * otherwise account.move itself through `_search`, so that rules such as sale's
          "own documents only" apply: a salesperson gets the figures of what they may see.

        :return: (Query, {"partner", "total", "residual", "due_date": SQL})
        """
        Move = self.env["account.move"]
        company_id = self.env.company.id
        if not self._use_buckets():
            query = Move._search(
                [
                    ("company_id", "=", company_id),
                    ("state", "=", "posted"),
                    ("move_type", "in", self._MOVE_TYPES),
                ]
            )
            return query, self._columns_sql(
                Move,
                query,
                {
                    "partner": "commercial_partner_id",
                    "total": "amount_total_signed",
                    "residual": "amount_residual_signed",
                    "due_date": "invoice_date_due",
                },
            )
        # bypass_access: the buckets grant no one access (derived data); what decides is the
        # user's rules on the invoices they add up, which `_use_buckets` has just checked
        query = self._search([], bypass_access=True)
        # the trigger fills the buckets when account_move is written: flush it first
        flush = SQL(to_flush=[Move._fields[fname] for fname in self._SOURCE_FIELDS])
        query.add_where(
            SQL(
                "%s%s = %s",
                flush,
                self._field_to_sql(query.table, "company_id", query),
                company_id,
            )
        )
        return query, self._columns_sql(
            self,
            query,
            {
                "partner": "commercial_partner_id",
                "total": "amount_total",
                "residual": "amount_residual",
                "due_date": "due_date",
            },
        )

    @api.model
    def _columns_sql(self, model, query, fnames):
        return {
            key: model._field_to_sql(query.table, fname, query)
            for key, fname in fnames.items()
        }

    @api.model
    def _use_buckets(self):
        """Whether the user's record rules on account.move restrict nothing but the
        company (the figures are always read for the current company)."""
        rules = self.env["ir.rule"]._compute_domain("account.move", "read")
        return all(
            condition.field_expr == "company_id"
            for condition in rules.iter_conditions()
        )

    @api.model
    def _figure_aggregates(self, cols):
        """SQL aggregates of the figures over the rows of `_figures_query`."""
        total, residual = cols["total"], cols["residual"]
        return {
            "invoiced": SQL("SUM(%s)", total),
            "paid": SQL("SUM(%s - %s)", total, residual),
            "due": SQL("SUM(%s)", residual),
            # open credit notes (due on their date) offset what is late; never below zero
            "overdue": SQL(
                "GREATEST(SUM(%s) FILTER (WHERE %s < %s), 0)",
                residual,
                cols["due_date"],
                fields.Date.context_today(self),
            ),
        }

from odoo import api, fields, models
from odoo.tools import SQL


class ClientHubFiguresClient(models.Model):
    """Each client's figures, one row per commercial partner and company, as the
    compaction of the figures engine (`client_hub.figures.bucket`) left them.

    Exact for every client without pending rows (for the amount past due: on the day
    ``past_due_on``), and indexed in the order of each figure: the Clients list sorts
    100,000 clients by a figure, or keeps those with one (e.g. "Overdue"), from an index,
    and adds up from their rows only the few clients these rows do not hold exactly
    (`_unfit_clients`). Written by `_refresh` only (from the compaction and the rebuild,
    under their locks), read in SQL by `res.partner`; nobody reads it as records.
    """

    _name = "client_hub.figures.client"
    _description = "Client Dashboard Figures per Client"
    _log_access = False

    # figure (a key of `client_hub.figures.bucket._figure_aggregates`) -> its column
    _FIGURE_COLUMNS = {
        "invoiced": "amount_invoiced",
        "paid": "amount_paid",
        "due": "amount_due",
        "overdue": "amount_past_due",
    }
    # beyond this many clients whose row is not up to date, add up every client's rows
    _UNFIT_LIMIT = 1000

    commercial_partner_id = fields.Many2one(
        "res.partner", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_invoiced = fields.Monetary(required=True, readonly=True)
    amount_paid = fields.Monetary(required=True, readonly=True)
    amount_due = fields.Monetary(required=True, readonly=True)
    amount_past_due = fields.Monetary(
        required=True,
        readonly=True,
        help="Open amount of the documents due before the day it was computed on.",
    )
    past_due_on = fields.Date(required=True, readonly=True)

    _client_key = models.UniqueIndex("(commercial_partner_id, company_id)")
    # the clients with a figure, in client order (filters: a merge with the partners)
    _by_client = models.Index(
        "(company_id, commercial_partner_id)"
        " INCLUDE (amount_invoiced, amount_paid, amount_due, amount_past_due, past_due_on)"
    )
    _overdue = models.Index(
        "(company_id, commercial_partner_id) WHERE amount_past_due > 0"
    )
    # the clients in the order of each figure (the Clients list sorted by it)
    _by_invoiced = models.Index("(company_id, amount_invoiced DESC)")
    _by_paid = models.Index("(company_id, amount_paid DESC)")
    _by_due = models.Index("(company_id, amount_due DESC)")
    _by_past_due = models.Index("(company_id, amount_past_due DESC)")
    # the rows of another day
    _by_day = models.Index("(past_due_on)")

    @api.model
    def _refresh(self, partner_ids=None, rebuild=False):
        """Write the figures of the clients ``partner_ids`` (all when None) from their
        compact rows in `client_hub.figures.bucket`, and, unless ``rebuild``, those of
        every client whose amount past due is of another day; remove the rows of the
        clients without documents left. Rows whose figures did not change are left as
        they are."""
        today = fields.Date.context_today(self)
        Buckets = self.env["client_hub.figures.bucket"]
        table = SQL.identifier(self._table)
        buckets = SQL.identifier(Buckets._table)
        if partner_ids is not None and not rebuild:
            stale = self.env.execute_query(
                SQL(
                    "SELECT commercial_partner_id FROM %s c WHERE %s",
                    table,
                    self._stale_sql(SQL("c"), today),
                )
            )
            partner_ids = {*partner_ids, *(partner_id for (partner_id,) in stale)}
            if not partner_ids:
                return

        def clients(alias):
            """Whether the row ``alias`` (of either table) is of a client to write."""
            if partner_ids is None:
                return SQL("TRUE")
            return SQL("%s.commercial_partner_id = ANY(%s)", alias, list(partner_ids))

        self.env.cr.execute(
            SQL(
                """
            WITH figures AS (
                SELECT b.commercial_partner_id, b.company_id,
                       SUM(b.amount_total) AS invoiced,
                       SUM(b.amount_residual) AS due,
                       COALESCE(SUM(b.amount_residual) FILTER (WHERE b.due_date < %(today)s), 0) AS past_due
                  FROM %(buckets)s b
                 WHERE NOT b.pending AND %(clients)s
              GROUP BY 1, 2
            ), written AS (
                INSERT INTO %(table)s AS c (commercial_partner_id, company_id, amount_invoiced,
                                            amount_paid, amount_due, amount_past_due, past_due_on)
                     SELECT commercial_partner_id, company_id, invoiced, invoiced - due, due,
                            past_due, %(today)s
                       FROM figures
                ON CONFLICT (commercial_partner_id, company_id) DO UPDATE
                        SET amount_invoiced = EXCLUDED.amount_invoiced,
                            amount_paid = EXCLUDED.amount_paid,
                            amount_due = EXCLUDED.amount_due,
                            amount_past_due = EXCLUDED.amount_past_due,
                            past_due_on = EXCLUDED.past_due_on
                      WHERE (c.amount_invoiced, c.amount_paid, c.amount_due, c.amount_past_due, c.past_due_on)
                            IS DISTINCT FROM (EXCLUDED.amount_invoiced, EXCLUDED.amount_paid,
                                              EXCLUDED.amount_due, EXCLUDED.amount_past_due,
                                              EXCLUDED.past_due_on)
            )
            DELETE FROM %(table)s c
             WHERE %(gone)s
               AND NOT EXISTS (SELECT FROM figures f
                                WHERE f.commercial_partner_id = c.commercial_partner_id
                                  AND f.company_id = c.company_id)
            """,
                today=today,
                buckets=buckets,
                table=table,
                clients=clients(SQL("b")),
                gone=clients(SQL("c")),
            ),
            # a serialization failure here is the compaction's to handle
            log_exceptions=False,
        )
        self.invalidate_model()

    @api.model
    def _stale_sql(self, alias, today):
        """Whether the row ``alias`` holds the amount past due of another day than
        ``today`` (written to range over the `_by_day` index)."""
        return SQL(
            "(%(on)s < %(today)s OR %(on)s > %(today)s)",
            on=SQL("%s.past_due_on", alias),
            today=today,
        )

    @api.model
    def _unfit_clients(self, figure):
        """The clients of the current company whose row does not hold ``figure`` (a key
        of `_FIGURE_COLUMNS`) exactly now: those with pending rows in the figures engine
        and, for the overdue amount, those with an open amount due between the day their
        row was computed on and the user's today (a user in another time zone than the
        compaction's, or a new day before its first compaction): for the others, the
        amount past due of that day is the amount past due today.

        :return: a list of commercial partner ids, or None when these rows cannot serve:
            the user reads the figures live (`client_hub.figures.bucket._use_buckets`),
            or there are more than `_UNFIT_LIMIT` such clients (a burst of postings
            before the compaction, days without compaction)
        """
        Buckets = self.env["client_hub.figures.bucket"]
        if figure not in self._FIGURE_COLUMNS or not Buckets._use_buckets():
            return None
        # the trigger adds the pending rows when account_move is written
        self.env["account.move"].flush_model(Buckets._SOURCE_FIELDS)
        company_id = self.env.company.id
        queries = [
            SQL(
                "SELECT commercial_partner_id FROM %s WHERE pending AND company_id = %s",
                SQL.identifier(Buckets._table),
                company_id,
            )
        ]
        if figure == "overdue":
            queries += self._unfit_on_another_day_sql()
        rows = self.env.execute_query(
            SQL("%s LIMIT %s", SQL(" UNION ").join(queries), self._UNFIT_LIMIT + 1)
        )
        if len(rows) > self._UNFIT_LIMIT:
            return None
        return [partner_id for (partner_id,) in rows]

    @api.model
    def _unfit_on_another_day_sql(self):
        """The SELECTs of the clients of the current company whose amount past due is of
        another day than the user's today and differs on that day: those with an open
        amount due between the two days (the day of each row, and today)."""
        today = fields.Date.context_today(self)
        table = SQL.identifier(self._table)
        [(first, last)] = self.env.execute_query(
            SQL("SELECT MIN(past_due_on), MAX(past_due_on) FROM %s", table)
        )
        if first is None or first == last == today:
            return []
        Buckets = self.env["client_hub.figures.bucket"]
        # the open rows due between the days, read from their index; each one against
        # the day of its client's row
        return [
            SQL(
                """
            SELECT b.commercial_partner_id
              FROM %(buckets)s b
              JOIN %(table)s c
                ON c.commercial_partner_id = b.commercial_partner_id
               AND c.company_id = b.company_id
             WHERE b.company_id = %(company_id)s AND NOT b.pending
               AND b.due_date IS NOT NULL AND b.amount_residual <> 0
               AND b.due_date >= %(first)s AND b.due_date < %(last)s
               AND b.due_date >= LEAST(c.past_due_on, %(today)s)
               AND b.due_date < GREATEST(c.past_due_on, %(today)s)""",
                buckets=SQL.identifier(Buckets._table),
                table=table,
                company_id=self.env.company.id,
                first=min(first, today),
                last=max(last, today),
                today=today,
            )
        ]

    @api.model
    def _clients_sql(self, figure, unfit):
        """SQL of a subquery giving ``figure`` (a key of `_FIGURE_COLUMNS`) of the
        clients of the current company from their rows, but for the clients ``unfit``
        (`_unfit_clients`), as columns ``partner_id``, ``value`` (the figure) and
        ``sort_value`` (equal to it where positive; the index gives the clients in its
        order). Clients without documents have no row."""
        column = SQL.identifier(self._FIGURE_COLUMNS[figure])
        conditions = [SQL("company_id = %s", self.env.company.id)]
        if unfit:
            conditions.append(SQL("commercial_partner_id <> ALL(%s)", list(unfit)))
        # open credit notes may exceed what is late: the overdue amount is never negative
        value = SQL("GREATEST(%s, 0)", column) if figure == "overdue" else column
        return SQL(
            "SELECT commercial_partner_id AS partner_id, %s AS value, %s AS sort_value"
            " FROM %s WHERE %s",
            value,
            column,
            SQL.identifier(self._table),
            SQL(" AND ").join(conditions),
        )

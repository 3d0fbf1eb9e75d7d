from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

# The domain of `account.account_move_comp_rule`, the multi-company rule of stock Odoo on
# invoices (a copy, not the record: an edited record must not widen the fast path).
STOCK_MOVE_RULE = "[('company_id', 'in', company_ids)]"


class ClientHubFiguresBucket(models.Model):
    """The readers of the figures engine: a client's figures (`_read_figures`) and the
    SQL the Clients list joins to sort and filter on them, from the buckets or, for
    users under restrictive record rules, live from the documents."""

    _inherit = "client_hub.figures.bucket"

    @api.model
    def _read_figures(self, partner_ids, contacts=False):
        """Read the figures of the commercial partners ``partner_ids`` in the current
        company, in one query.

        :param bool contacts: ``partner_ids`` are of any partners, whose figures are
            those of their commercial partner (looked up in the same query)
        :return: {partner id: {"invoiced", "paid", "due", "overdue": amount}}; no entry
            for a partner without posted documents, none at all when the user may not
            read invoices
        """
        if not partner_ids or not self.env["account.move"].has_access("read"):
            return {}
        query, cols = self._figures_query()
        partner_ids = tuple(partner_ids)
        Partner = self.env["res.partner"]
        # contacts: the access to the partners is the caller's (whose fields these are);
        # the figures add up what the user may read of the invoices (`_figures_query`)
        if contacts and len(partner_ids) == 1:
            # one partner (a client's form): joined to its commercial partner's rows
            contact = query.join(
                query.table,
                "commercial_partner_id",
                Partner._table,
                "commercial_partner_id",
                "contact",
            )
            partner = SQL(
                "%s%s",
                SQL(to_flush=Partner._fields["commercial_partner_id"]),
                SQL.identifier(contact, "id"),
            )
            query.add_where(SQL("%s = %s", partner, partner_ids[0]))
            query.groupby = partner
            contacts = False
        elif contacts:
            contacts_sql = SQL(
                "SELECT %s id, commercial_partner_id FROM %s WHERE id IN %s",
                SQL(to_flush=Partner._fields["commercial_partner_id"]),
                SQL.identifier(Partner._table),
                partner_ids,
            )
            query.add_where(
                SQL(
                    "%s IN (SELECT commercial_partner_id FROM (%s) AS contacts)",
                    cols["partner"],
                    contacts_sql,
                )
            )
            query.groupby = partner = cols["partner"]
        else:
            query.add_where(SQL("%s IN %s", cols["partner"], partner_ids))
            query.groupby = partner = cols["partner"]
        aggregates = self._figure_aggregates(cols)
        figures = query.select(
            SQL("%s AS partner_id", partner),
            *(
                SQL("%s AS %s", sql, SQL.identifier(name))
                for name, sql in aggregates.items()
            ),
        )
        if contacts:
            # each client added up once, whatever the number of its contacts
            figures = SQL(
                "SELECT contacts.id AS partner_id, %s FROM (%s) AS contacts"
                " JOIN (%s) AS figures ON figures.partner_id = contacts.commercial_partner_id",
                SQL(", ").join(SQL.identifier("figures", name) for name in aggregates),
                contacts_sql,
                figures,
            )
        rows = self.env.execute_query_dict(figures)
        return {row["partner_id"]: row for row in rows}

    @api.model
    def _figure_by_client_sql(self, figure, partner_ids=None):
        """SQL of a subquery giving one of the figures (a key of `_figure_aggregates`) of
        every client in the current company with a non-zero amount (of the commercial
        partners ``partner_ids`` only, when given), as columns ``partner_id`` and
        ``value``: the Clients list joins it to sort and filter on the figure in one
        query. The amounts still open (due, overdue) add up the open rows only, which a
        fully paid history does not weigh on."""
        query, cols = self._figures_query()
        if partner_ids is not None:
            query.add_where(SQL("%s = ANY(%s)", cols["partner"], list(partner_ids)))
        if figure in ("due", "overdue"):
            query.add_where(SQL("%s <> 0", cols["residual"]))
        if figure == "overdue":
            query.add_where(
                SQL("%s < %s", cols["due_date"], fields.Date.context_today(self))
            )
        query.groupby = cols["partner"]
        return query.select(
            SQL("%s AS partner_id", cols["partner"]),
            SQL("%s AS value", self._figure_aggregates(cols)[figure]),
        )

    @api.model
    def _figures_query(self):
        """Query over what the figures add up, for the current company, and the SQL of
        its columns: partner (commercial), total and residual (signed, company currency:
        credit notes count negative, residuals net payments and reconciliations), due date.

        Two sources, same figures:

        * the buckets, when the user's record rules on invoices allow what stock Odoo's
          multi-company rule allows (accountants, `_use_buckets`): constant time
          whatever the number of invoices;
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
        """Whether the user may read every invoice of the current company, the buckets
        adding them all up.

        Decided from what the user's record rules on account.move allow, not from the
        fields they name (``company_id = <another company>`` names only the company and
        allows less): their domain, as `ir.rule` computes it for the user, must be the
        one stock Odoo's multi-company rule gives (`STOCK_MOVE_RULE`), or no restriction
        at all (superuser). Any other rule, however it is written, takes the live path.
        """
        IrRule = self.env["ir.rule"]
        Move = self.env["account.move"]
        rules = IrRule._compute_domain("account.move", "read")
        stock = Domain(safe_eval(STOCK_MOVE_RULE, IrRule._eval_context()))
        return rules.is_true() or rules == stock.optimize(Move)

    @api.model
    def _rules_are_stock_company_rule(self, model_name):
        """Whether the user's read rules on ``model_name`` allow what stock's
        multi-company rule allows (`STOCK_MOVE_RULE`, the rule of account.move and of
        the invoice analysis), as `_use_buckets` decides for the invoices."""
        IrRule = self.env["ir.rule"]
        rules = IrRule._compute_domain(model_name, "read")
        stock = Domain(safe_eval(STOCK_MOVE_RULE, IrRule._eval_context()))
        return rules.is_true() or rules == stock.optimize(self.env[model_name])

    @api.model
    def _read_untaxed_invoiced(self, partner_ids, company_ids):
        """The untaxed total of the posted customer invoices minus credit notes of the
        commercial partners ``partner_ids`` in the companies ``company_ids`` (stock's
        Invoiced), from the lifetime and pending rows.

        :return: {commercial partner id: amount}
        """
        Move = self.env["account.move"]
        rows = self.env.execute_query(
            SQL(
                "SELECT %s commercial_partner_id, SUM(amount_untaxed) FROM %s"
                " WHERE commercial_partner_id = ANY(%s) AND company_id = ANY(%s)"
                " GROUP BY 1",
                SQL(to_flush=[Move._fields[fname] for fname in self._SOURCE_FIELDS]),
                SQL.identifier(self._table),
                list(partner_ids),
                list(company_ids),
            )
        )
        return dict(rows)

    @api.model
    def _read_sales_since(self, partner_ids):
        """What stock's DSO divides by, for the commercial partners ``partner_ids`` in
        the current company: the date of their first posted sale document and the total
        of these documents, taxes included (the engine's invoices and credit notes, plus
        the receipts, which it does not count).

        :return: {commercial partner id: (first invoice date, total)}, for the partners
            with posted sale documents
        """
        if not partner_ids:
            return {}
        Move = self.env["account.move"]
        move_fields = [
            Move._fields[fname] for fname in (*self._SOURCE_FIELDS, "invoice_date")
        ]
        moves = SQL.identifier(Move._table)
        company_id = self.env.company.id
        rows = self.env.execute_query(
            SQL(
                """
            SELECT %(flush)s p.id,
                   (SELECT MIN(m.invoice_date) FROM %(moves)s m
                     WHERE m.commercial_partner_id = p.id AND m.company_id = %(company)s
                       AND m.state = 'posted'
                       AND m.move_type IN ('out_invoice', 'out_refund', 'out_receipt')),
                   COALESCE((SELECT SUM(b.amount_total) FROM %(table)s b
                              WHERE b.commercial_partner_id = p.id
                                AND b.company_id = %(company)s), 0)
                   + COALESCE((SELECT SUM(m.amount_total_signed) FROM %(moves)s m
                                WHERE m.commercial_partner_id = p.id
                                  AND m.company_id = %(company)s
                                  AND m.state = 'posted' AND m.move_type = 'out_receipt'), 0)
              FROM unnest(%(ids)s) AS p(id)
            """,
                flush=SQL(to_flush=move_fields),
                moves=moves,
                table=SQL.identifier(self._table),
                company=company_id,
                ids=list(partner_ids),
            )
        )
        return {pid: (oldest, total) for pid, oldest, total in rows if oldest}

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

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..const import CLIENT_FIGURE_GROUPS


class ResPartner(models.Model):
    """Client dashboard: how this client pays (days to pay, last payment, on time),
    from the payment engine (`client_hub.payment.bucket`) when the user's rules on
    invoices restrict only the company, live from the reconciliations otherwise."""

    _inherit = "res.partner"

    # Field -> aggregate of `_client_payment_aggregates`.
    _CLIENT_PAYMENT_COLUMNS = {
        "client_avg_days_to_pay": "avg_days",
        "client_last_payment_date": "last_payment",
        "client_on_time_share": "on_time",
    }
    # the window of the averages, in days
    _CLIENT_PAYMENT_WINDOW = 365

    client_avg_days_to_pay = fields.Float(
        string="Average Days to Pay",
        digits=(16, 1),
        compute="_compute_client_payment_behaviour",
        search="_search_client_avg_days_to_pay",
        groups=CLIENT_FIGURE_GROUPS,
        help="Days from invoice date to payment, weighted by the amount paid, over the "
        "payments of the last 12 months.",
    )
    client_last_payment_date = fields.Date(
        string="Last Payment",
        compute="_compute_client_payment_behaviour",
        groups=CLIENT_FIGURE_GROUPS,
        help="Date of the client's latest payment of an invoice.",
    )
    client_on_time_share = fields.Float(
        string="Paid on Time (%)",
        digits=(16, 0),
        compute="_compute_client_payment_behaviour",
        search="_search_client_on_time_share",
        groups=CLIENT_FIGURE_GROUPS,
        help="Share of the amount paid in the last 12 months that was paid by the due "
        "date.",
    )

    @api.depends("commercial_partner_id")
    @api.depends_context("company", "uid")
    def _compute_client_payment_behaviour(self):
        self._origin.fetch(["commercial_partner_id"])
        partner_ids = [pid for pid in self.commercial_partner_id._origin.ids if pid]
        rows = self._client_payment_rows(partner_ids)
        for partner in self:
            row = rows.get(partner.commercial_partner_id._origin.id, {})
            partner.client_avg_days_to_pay = row.get("avg_days") or 0.0
            partner.client_last_payment_date = row.get("last_payment") or False
            partner.client_on_time_share = row.get("on_time") or 0.0

    def _search_client_avg_days_to_pay(self, operator, value):
        return self._search_client_figure("client_avg_days_to_pay", operator, value)

    def _search_client_on_time_share(self, operator, value):
        return self._search_client_figure("client_on_time_share", operator, value)

    @api.model
    def _client_payments_query(self):
        """Query over the payments of the current company's posted customer invoices, as
        the user may read these invoices (record rules apply), one row per partial
        reconciliation of an invoice with a payment (not with a credit note, nor an
        exchange difference), and the SQL of the columns the aggregates use.

        :return: (Query, {"partner", "amount", "paid_on", "amount_days",
            "on_time_amount": SQL}), as `_client_payment_aggregates` reads them
        """
        Move = self.env["account.move"]
        query = Move._search(
            [
                ("company_id", "=", self.env.company.id),
                ("state", "=", "posted"),
                ("move_type", "=", "out_invoice"),
            ]
        )
        move = query.table
        line = query.make_alias(move, "client_payment_line")
        partial = query.make_alias(move, "client_payment_partial")
        counterpart = query.make_alias(move, "client_payment_counterpart")
        counterpart_move = query.make_alias(move, "client_payment_counterpart_move")
        # invoice -> its lines -> their partial reconciliations (as debit) -> the credit
        # line -> its move: (alias, table, alias.column = other alias.column)
        for alias, table, column, other, other_column in (
            (line, "account_move_line", "move_id", move, "id"),
            (partial, "account_partial_reconcile", "debit_move_id", line, "id"),
            (counterpart, "account_move_line", "id", partial, "credit_move_id"),
            (counterpart_move, "account_move", "id", counterpart, "move_id"),
        ):
            query.add_join(
                "JOIN",
                alias,
                table,
                SQL(
                    "%s = %s",
                    SQL.identifier(alias, column),
                    SQL.identifier(other, other_column),
                ),
            )
        # money received: a payment or bank entry, not a credit note nor the entry of an
        # exchange difference (its amount is no money)
        query.add_where(
            SQL(
                "%s = 'entry' AND NOT EXISTS (SELECT FROM account_partial_reconcile x"
                " WHERE x.exchange_move_id = %s)",
                SQL.identifier(counterpart_move, "move_type"),
                SQL.identifier(counterpart_move, "id"),
            )
        )
        amount = SQL.identifier(partial, "amount")
        paid_on = SQL.identifier(partial, "max_date")
        invoice_date = Move._field_to_sql(move, "invoice_date", query)
        due_date = Move._field_to_sql(move, "invoice_date_due", query)
        return query, {
            "partner": Move._field_to_sql(move, "commercial_partner_id", query),
            "amount": amount,
            "paid_on": paid_on,
            "amount_days": SQL(
                "%s * GREATEST(%s - %s, 0)", amount, paid_on, invoice_date
            ),
            "on_time_amount": SQL(
                "CASE WHEN %s <= %s THEN %s ELSE 0 END", paid_on, due_date, amount
            ),
        }

    @api.model
    def _client_payment_aggregates(self, cols):
        """SQL aggregates of the payment figures over rows of payments (or of days of
        payments, for the payment engine) with the columns ``cols``: amount, paid_on,
        amount_days (amount times days to pay), on_time_amount (the amount paid by
        the due date)."""
        today = fields.Date.context_today(self)
        recent = SQL(
            "%s > %s",
            cols["paid_on"],
            today - timedelta(days=self._CLIENT_PAYMENT_WINDOW),
        )
        recent_amount = SQL("SUM(%s) FILTER (WHERE %s)", cols["amount"], recent)
        return {
            "avg_days": SQL(
                "ROUND(SUM(%s) FILTER (WHERE %s) / NULLIF(%s, 0), 1)",
                cols["amount_days"],
                recent,
                recent_amount,
            ),
            "last_payment": SQL("MAX(%s)", cols["paid_on"]),
            "on_time": SQL(
                "ROUND(100 * SUM(%s) FILTER (WHERE %s) / NULLIF(%s, 0))",
                cols["on_time_amount"],
                recent,
                recent_amount,
            ),
        }

    @api.model
    def _client_payment_rows(self, partner_ids):
        """The payment figures of the commercial partners ``partner_ids``, in one query.

        :return: {commercial partner id: {"avg_days", "last_payment", "on_time"}}
        """
        if not partner_ids or not self.env["account.move"].has_access("read"):
            return {}
        if self.env["client_hub.figures.bucket"]._use_buckets():
            select = self.env["client_hub.payment.bucket"]._aggregate_in_sql(
                partner_ids
            )
        else:
            query, cols = self._client_payments_query()
            query.add_where(SQL("%s IN %s", cols["partner"], tuple(partner_ids)))
            select = self._client_payment_select(query, cols)
        return {row["partner_id"]: row for row in self.env.execute_query_dict(select)}

    @api.model
    def _client_payment_select(self, query, cols, aggregate=None):
        """SELECT of the payment aggregates (all, or ``aggregate`` as ``value``) per
        commercial partner (``partner_id``) over `_client_payments_query`."""
        query.groupby = cols["partner"]
        aggregates = self._client_payment_aggregates(cols)
        if aggregate:
            selected = [SQL("%s AS value", aggregates[aggregate])]
        else:
            selected = [
                SQL("%s AS %s", sql, SQL.identifier(name))
                for name, sql in aggregates.items()
            ]
        return query.select(SQL("%s AS partner_id", cols["partner"]), *selected)

    @api.model
    def _client_figure_by_client_sql(self, fname):
        aggregate = self._CLIENT_PAYMENT_COLUMNS.get(fname)
        if aggregate is None:
            return super()._client_figure_by_client_sql(fname)
        if self.env["client_hub.figures.bucket"]._use_buckets():
            return self.env["client_hub.payment.bucket"]._aggregate_in_sql(
                aggregate=aggregate
            )
        payments, cols = self._client_payments_query()
        return self._client_payment_select(payments, cols, aggregate)

    def _field_to_sql(self, alias, field_expr, query=None):
        """Override of `base`: the payment figures in SQL, aggregated once for the whole
        Clients list and joined on the client's commercial partner, to sort and filter
        on them."""
        aggregate = self._CLIENT_PAYMENT_COLUMNS.get(field_expr)
        if aggregate is None or query is None:
            return super()._field_to_sql(alias, field_expr, query)
        self._check_field_access(self._fields[field_expr], "read")
        payments_alias = query.make_alias(alias, field_expr)
        query.add_join(
            "LEFT JOIN",
            payments_alias,
            SQL("(%s)", self._client_figure_by_client_sql(field_expr)),
            SQL(
                "%s = %s",
                SQL.identifier(payments_alias, "partner_id"),
                self._field_to_sql(alias, "commercial_partner_id", query),
            ),
        )
        value = SQL.identifier(payments_alias, "value")
        if field_expr == "client_last_payment_date":
            return value
        return SQL("COALESCE(%s, 0)", value)

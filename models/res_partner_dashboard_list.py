from odoo import api, models
from odoo.fields import Domain
from odoo.tools import SQL, Query


class ResPartner(models.Model):
    """The Clients list sorted and filtered on the dashboard figures, in SQL: from the
    per-client rows of the figures engine (`client_hub.figures.client`) when they serve,
    else from every client's figure aggregated once and joined to the list's query."""

    _inherit = "res.partner"

    # the deepest row of the Clients list sorted by a figure read from its index
    _CLIENT_FIGURE_PAGE_LIMIT = 10000

    # the order of the Clients list (stock's customer order: `res_partner_search_mode`),
    # read from an index rather than by sorting every partner for a page of 80
    _client_hub_customer_order_idx = models.Index(
        "(customer_rank DESC, complete_name, id DESC)"
    )

    # the Clients list's partners (its action's domain) by commercial partner, from the
    # index alone: its count, and its filters on the figures (merged with the rows of
    # client_hub.figures.client, in the same order)
    _client_hub_clients_idx = models.Index(
        "(commercial_partner_id) INCLUDE (company_id, partner_share)"
        " WHERE active IS TRUE AND customer_rank > 0"
    )

    def _search_client_total_invoiced(self, operator, value):
        return self._search_client_figure("client_total_invoiced", operator, value)

    def _search_client_total_paid(self, operator, value):
        return self._search_client_figure("client_total_paid", operator, value)

    def _search_client_balance_due(self, operator, value):
        return self._search_client_figure("client_balance_due", operator, value)

    def _search_client_overdue_amount(self, operator, value):
        return self._search_client_figure("client_overdue_amount", operator, value)

    def _search_client_is_overdue(self, operator, value):
        if operator != "in":
            return NotImplemented
        if set(value) == {True}:
            return Domain("client_overdue_amount", ">", 0)
        if not any(value):
            return Domain("client_overdue_amount", "<=", 0)
        return Domain.TRUE

    def _field_to_sql(self, alias, field_expr, query=None):
        """Override of `base`: express the dashboard figures in SQL, so that the Clients
        list sorts and filters on them in the same query as its search: the figure of
        every client, aggregated once and joined on the client's commercial partner."""
        column = self._CLIENT_FIGURE_COLUMNS.get(field_expr)
        if field_expr == "client_is_overdue":
            return SQL(
                "(%s > 0)", self._field_to_sql(alias, "client_overdue_amount", query)
            )
        if column is None or query is None:
            return super()._field_to_sql(alias, field_expr, query)
        self._check_field_access(self._fields[field_expr], "read")
        figures_alias = query.make_alias(alias, field_expr)
        query.add_join(
            "LEFT JOIN",
            figures_alias,
            SQL("(%s)", self._client_figure_by_client_sql(field_expr)),
            SQL(
                "%s = %s",
                SQL.identifier(figures_alias, "partner_id"),
                self._field_to_sql(alias, "commercial_partner_id", query),
            ),
        )
        return SQL("COALESCE(%s, 0)", SQL.identifier(figures_alias, "value"))

    @api.model
    def _search_client_figure(self, fname, operator, value):
        """Search method of the figures: a condition on their SQL expression.

        A condition no client without figures meets (e.g. "Overdue": more than 0) is a
        semi-join on the clients whose aggregate meets it, which the database computes
        once; the others compare the joined figure, zero when there is none."""
        if operator not in ("in", "<", "<=", ">", ">="):
            return NotImplemented
        if operator == "in":
            amounts = [amount or 0.0 for amount in value]

            def to_sql(model, alias, query):
                return SQL(
                    "%s = ANY(%s)", model._field_to_sql(alias, fname, query), amounts
                )

            return Domain.custom(to_sql=to_sql)
        value = value or 0.0
        if not self._client_figure_condition_holds_for_zero(operator, value):

            def to_sql(model, alias, query):
                model._check_field_access(model._fields[fname], "read")
                partner = model._field_to_sql(alias, "commercial_partner_id", query)
                clients = model._client_figure_clients_sql(fname, operator, value)
                return SQL(
                    "(%s)",
                    SQL(" OR ").join(
                        SQL("%s IN (%s)", partner, select) for select in clients
                    ),
                )
        else:

            def to_sql(model, alias, query):
                return SQL(
                    "%s %s %s",
                    model._field_to_sql(alias, fname, query),
                    SQL(operator),
                    value,
                )

        return Domain.custom(to_sql=to_sql)

    @api.model
    def _client_figure_clients_sql(self, fname, operator, value):
        """SQL of the subqueries selecting the clients (``partner_id``) whose figure
        ``fname`` meets ``operator`` ``value`` (a client meets the condition when it is
        in one of them): from the rows of `client_hub.figures.client`, and the few
        clients they do not hold exactly added up, when it can (one index scan, instead
        of adding up every client's rows). Separate subqueries, not a UNION: the
        planner knows the size of each, and semi-joins the first one when it is alone.
        """
        condition = SQL("value %s %s", SQL(operator), value)
        figure = self._CLIENT_FIGURE_COLUMNS.get(fname)
        unfit = (
            self.env["client_hub.figures.client"]._unfit_clients(figure)
            if figure
            else None
        )
        if unfit is None:
            return [
                self._client_figure_where_sql(
                    self._client_figure_by_client_sql(fname), condition
                )
            ]
        # above a value, the sort value equals the figure (and its index serves)
        return [
            self._client_figure_where_sql(
                source,
                SQL("sort_value %s %s", SQL(operator), value)
                if column == "sort_value" and operator in (">", ">=")
                else condition,
            )
            for source, column in self._client_figure_sources(figure, unfit)
        ]

    @api.model
    def _client_figure_sources(self, figure, unfit):
        """The subqueries giving ``figure`` per client, each with the column that sorts
        it: the rows of `client_hub.figures.client` (but the clients ``unfit``), and
        the clients ``unfit`` added up from their rows."""
        sources = [
            (
                self.env["client_hub.figures.client"]._clients_sql(figure, unfit),
                "sort_value",
            )
        ]
        if unfit:
            sources.append(
                (
                    self.env["client_hub.figures.bucket"]._figure_by_client_sql(
                        figure, unfit
                    ),
                    "value",
                )
            )
        return sources

    @api.model
    def _client_figure_where_sql(self, source, condition):
        """SELECT of the clients (``partner_id``) of ``source`` meeting ``condition``."""
        return SQL("SELECT partner_id FROM (%s) AS figures WHERE %s", source, condition)

    @api.model
    def _search(
        self,
        domain,
        offset=0,
        limit=None,
        order=None,
        *,
        active_test=True,
        bypass_access=False,
    ):
        """Override of `base`: a page of clients sorted by a dashboard figure (a column
        of the Clients list) comes from the indexes of `client_hub.figures.client`
        (`_client_figure_page`) rather than from every client's figure added up and
        sorted."""
        fname, direction = self._client_figure_first_order(order)
        if fname and limit and offset + limit <= self._CLIENT_FIGURE_PAGE_LIMIT:
            query = self._client_figure_page(
                fname,
                direction,
                domain,
                offset,
                limit,
                order,
                active_test=active_test,
                bypass_access=bypass_access,
            )
            if query is not None:
                return query
        if fname:
            # the same order as the pages read from the index, ties included
            order = f"{order},{self._order}"
        return super()._search(
            domain,
            offset,
            limit,
            order,
            active_test=active_test,
            bypass_access=bypass_access,
        )

    @api.model
    def _client_figure_first_order(self, order):
        """The dashboard figure ``order`` sorts by first, and its direction ("ASC" or
        "DESC"), if any; else (None, None)."""
        first = (order or "").split(",", 1)[0].split()
        if not first or first[0].strip('"') not in self._CLIENT_FIGURE_COLUMNS:
            return None, None
        direction = first[1].upper() if len(first) > 1 else "ASC"
        if len(first) > 2 or direction not in ("ASC", "DESC"):
            return None, None  # NULLS FIRST/LAST: the figures are never null
        return first[0].strip('"'), direction

    @api.model
    def _client_figure_page(
        self, fname, direction, domain, offset, limit, order, **kwargs
    ):
        """The partners of ``domain`` from ``offset`` to ``offset + limit`` in ``order``,
        whose first term is the dashboard figure ``fname`` in ``direction``, as a Query;
        None when the rows of `client_hub.figures.client` cannot serve (the caller then
        sorts every client's figure).

        In that order come three bands: the clients whose figure has the sign the
        direction starts with (largest first: the positive ones), then the clients at
        zero (most of them) in the rest of the order, then the others. The signed bands
        are read from the index of `client_hub.figures.client` in the figure's order
        (exact for the clients it holds up to date; the others, with pending rows, are
        added up from their rows and merged in); the zero band is the list's own order
        without the clients whose figure is not zero. Each band is read only when the
        page reaches it, and only as far as the page goes.
        """
        self._check_field_access(self._fields[fname], "read")
        figure = self._CLIENT_FIGURE_COLUMNS[fname]
        unfit = self.env["client_hub.figures.client"]._unfit_clients(figure)
        if unfit is None:
            return None
        # the terms after the figure, then the model's order: one order for all pages
        rest = ",".join([*order.split(",")[1:], self._order])
        wanted = offset + limit
        sources = self._client_figure_sources(figure, unfit)

        def partners_of(source):
            """The list's query joined to the figure of each client in ``source``."""
            query = super(ResPartner, self)._search(domain, **kwargs)
            figures = query.make_alias(self._table, "client_figure")
            query.add_join(
                "JOIN",
                figures,
                SQL("(%s)", source),
                SQL(
                    "%s = %s",
                    SQL.identifier(figures, "partner_id"),
                    self._field_to_sql(self._table, "commercial_partner_id", query),
                ),
            )
            return query, figures

        def signed_band(sign, count):
            """The first ``count`` partners whose figure is of ``sign``, in order."""
            if figure == "overdue" and sign == "<":
                return []  # the overdue amount is never negative
            rows = []
            for source, column in sources:
                query, figures = partners_of(source)
                # the sort value has the figure's sign (and its index, its order)
                sort_value = SQL.identifier(figures, column)
                query.add_where(SQL("%s %s 0", sort_value, SQL(sign)))
                query.order = SQL(
                    "%s %s, %s",
                    sort_value,
                    SQL(direction),
                    self._order_to_sql(rest, query),
                )
                query.limit = count
                rows += self.env.execute_query(
                    query.select(
                        SQL.identifier(self._table, "id"),
                        SQL.identifier(figures, "value"),
                    )
                )
            if len(sources) == 1 or not rows:
                return [partner_id for partner_id, _value in rows]
            # both sources, merged in order
            merged = Query(self.env, self._table, self._table_sql)
            values = merged.join(
                self._table,
                "id",
                SQL(
                    "(SELECT * FROM unnest(%s::int[], %s::numeric[]) AS v(id, value))",
                    [partner_id for partner_id, _value in rows],
                    [value for _partner_id, value in rows],
                ),
                "id",
                "client_figure",
            )
            merged.order = SQL(
                "%s %s, %s",
                SQL.identifier(values, "value"),
                SQL(direction),
                self._order_to_sql(rest, merged),
            )
            merged.limit = count
            return list(merged.get_result_ids())

        def zero_band(count):
            """The first ``count`` partners whose figure is zero, in the rest of the
            order: the list without the clients whose figure is not."""
            query = super(ResPartner, self)._search(domain, **kwargs)
            partner = self._field_to_sql(self._table, "commercial_partner_id", query)
            for source, column in sources:
                # the overdue amount is not zero where its sort value is positive
                nonzero = (
                    SQL("sort_value > 0")
                    if column == "sort_value" and figure == "overdue"
                    else SQL("value <> 0")
                )
                query.add_where(
                    SQL(
                        "%s NOT IN (%s)",
                        partner,
                        self._client_figure_where_sql(source, nonzero),
                    )
                )
            query.order = self._order_to_sql(rest, query)
            query.limit = count
            return list(query.get_result_ids())

        first, last = (">", "<") if direction == "DESC" else ("<", ">")
        ids = signed_band(first, wanted)
        if len(ids) < wanted:
            ids += zero_band(wanted - len(ids))
        if len(ids) < wanted:
            ids += signed_band(last, wanted - len(ids))
        page = Query(self.env, self._table, self._table_sql)
        page.set_result_ids(ids[offset:wanted])
        return page

    @api.model
    def _client_figure_condition_holds_for_zero(self, operator, value):
        return {
            "<": 0 < value,
            "<=": 0 <= value,
            ">": 0 > value,
            ">=": 0 >= value,
        }[operator]

    @api.model
    def _client_figure_by_client_sql(self, fname):
        """SQL of the subquery giving the figure ``fname`` per client (columns
        ``partner_id`` and ``value``; clients without figures have no row)."""
        return self.env["client_hub.figures.bucket"]._figure_by_client_sql(
            self._CLIENT_FIGURE_COLUMNS[fname]
        )

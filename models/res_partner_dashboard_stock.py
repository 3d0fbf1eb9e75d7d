from odoo import api, fields, models
from odoo.tools import SQL


class ResPartner(models.Model):
    """Stock's figures of a contact (Invoiced, Total Receivable/Payable, DSO) read from
    the figures engine and from indexes, in constant time whatever the number of the
    client's documents; stock's compute where these cannot give its exact value."""

    _inherit = "res.partner"

    client_hub_moved_documents = fields.Boolean(
        readonly=True,
        copy=False,
        groups="base.group_system",
        help="Technical: some contact of this commercial partner moved to another one "
        "after being invoiced, or came from another one, so that its posted documents no "
        "longer all belong to the contacts under it; stock's Invoiced is computed by "
        "stock then.",
    )

    # the companies under another partner (`_client_hub_holding_companies`)
    _client_hub_nested_companies_idx = models.Index(
        "(parent_id) WHERE is_company AND parent_id IS NOT NULL"
    )

    def _credit_debit_get(self):
        """Override of `account`: stock's query over the partner's open items only.

        Stock adds up the residual of every unreconciled receivable and payable line of
        the partner, which includes all the (never reconciled) income and tax lines of
        its invoices; those have no residual and add nothing. Leaving them out lets the
        query read the open items' partial index (`account.move.line`
        `_client_hub_open_items_idx`): same sums, without the client's history.
        """
        if not self.ids or self.env.context.get("client_hub_stock_figures"):
            return super()._credit_debit_get()
        Line = self.env["account.move.line"]
        query = Line._search(
            [
                ("parent_state", "=", "posted"),
                ("company_id", "child_of", self.env.company.root_id.id),
            ],
            bypass_access=True,  # as stock: the balance of the partner, whatever the rules
        )
        Line.flush_model(
            [
                "account_id",
                "amount_residual",
                "company_id",
                "parent_state",
                "partner_id",
                "reconciled",
            ]
        )
        self.env["account.account"].flush_model(["account_type"])
        rows = self.env.execute_query(
            SQL(
                """
            SELECT account_move_line.partner_id, a.account_type, SUM(account_move_line.amount_residual)
              FROM %s
              JOIN account_account a ON a.id = account_move_line.account_id
             WHERE a.account_type IN ('asset_receivable', 'liability_payable')
               AND account_move_line.partner_id IN %s
               AND account_move_line.reconciled IS NOT TRUE
               AND account_move_line.amount_residual <> 0
               AND %s
          GROUP BY account_move_line.partner_id, a.account_type
            """,
                query.from_clause,
                tuple(self.ids),
                query.where_clause or SQL("TRUE"),
            )
        )
        sums = {(pid, account_type): value for pid, account_type, value in rows}
        for partner in self:
            partner.credit = sums.get((partner.id, "asset_receivable"), False)
            payable = sums.get((partner.id, "liability_payable"))
            partner.debit = -payable if payable is not None else False

    def _invoice_total(self):
        """Override of `account`: stock's Invoiced (untaxed, company currency) from the
        figures engine's lifetime rows, for the commercial partners that the engine
        adds up exactly as stock's invoice analysis does (`_client_hub_engine_invoiced`);
        stock's compute for the others (contacts, a company holding other companies)."""
        engine = self._client_hub_engine_invoiced()
        for partner in self:
            if partner.id in engine:
                partner.total_invoiced = engine[partner.id]
        rest = self.filtered(lambda partner: partner.id not in engine)
        if rest or not self:
            super(ResPartner, rest)._invoice_total()
        return True

    def _compute_days_sales_outstanding(self):
        """Override of `account`: stock's DSO with the total invoiced (taxes included)
        from the figures engine and the date of the first invoice from an index, when
        the user's rules on invoices restrict only the company; stock's otherwise."""
        Figures = self.env["client_hub.figures.bucket"]
        if self.env.context.get("client_hub_stock_figures") or not (
            Figures._use_buckets() and self.env["account.move"].has_access("read")
        ):
            return super()._compute_days_sales_outstanding()
        today = fields.Date.context_today(self)
        commercial = self.filtered(lambda p: p.id and p.commercial_partner_id == p)
        figures = Figures._read_sales_since(commercial.ids)
        for partner in self:
            oldest, total = figures.get(partner.id, (today, 0))
            days = (today - oldest).days
            partner.days_sales_outstanding = (
                (partner.credit / total) * days if total else 0
            )
        return None

    @api.model
    def _client_hub_engine_companies(self):
        """The companies whose figures stock's Invoiced adds up (those of the company
        switcher, as its invoice analysis), or None when the engine cannot add them up
        as stock does: currencies to convert, record rules on the invoice analysis
        beyond the company."""
        companies = self.env.companies
        Figures = self.env["client_hub.figures.bucket"]
        if (
            self.env.context.get("client_hub_stock_figures")
            or len(companies.currency_id) != 1
            or not self.env["account.invoice.report"].has_access("read")
            or not Figures._rules_are_stock_company_rule("account.invoice.report")
        ):
            return None
        return companies

    def _client_hub_engine_invoiced(self):
        """Stock's Invoiced of the partners of ``self`` that the engine serves.

        Stock adds up the invoices addressed to the partner or any contact under it
        (inactive ones included); the engine, those of a commercial partner. They are the
        same for a commercial partner under which no other company is its own commercial
        partner, and without invoices rounded by an added line (which the untaxed total
        of an invoice counts, and stock's invoice analysis does not).

        :return: {partner id: untaxed total invoiced}
        """
        companies = self._client_hub_engine_companies()
        if companies is None:
            return {}
        candidates = self.filtered(lambda p: p.id and p.commercial_partner_id == p)
        if not candidates:
            return {}
        served = candidates.filtered(lambda p: not p.sudo().client_hub_moved_documents)
        # a company under a candidate: stock counts its invoices in each of its ancestors
        served -= self._client_hub_holding_companies(served)
        served -= self._client_hub_cash_rounded(served)
        if not served:
            return {}
        totals = self.env["client_hub.figures.bucket"]._read_untaxed_invoiced(
            served.ids, companies.ids
        )
        return {pid: totals.get(pid, 0.0) for pid in served.ids}

    def _client_hub_holding_companies(self, partners):
        """The partners of ``partners`` with a company under them (at any depth), from
        the few companies that have a parent (`_client_hub_nested_companies_idx`)."""
        if not partners:
            return partners
        rows = self.env.execute_query(
            SQL(
                """
            WITH RECURSIVE up(ancestor) AS (
                SELECT %(flush)s parent_id FROM %(table)s
                 WHERE is_company AND parent_id IS NOT NULL
                 UNION
                SELECT p.parent_id FROM up JOIN %(table)s p ON p.id = up.ancestor
                 WHERE p.parent_id IS NOT NULL
            )
            SELECT ancestor FROM up WHERE ancestor = ANY(%(ids)s)
            """,
                flush=SQL(
                    to_flush=[self._fields["parent_id"], self._fields["is_company"]]
                ),
                table=SQL.identifier(self._table),
                ids=partners.ids,
            )
        )
        return self.browse(pid for (pid,) in rows)

    def write(self, vals):
        """Override of `base` to flag the commercial partners between which invoiced
        contacts move: their posted documents keep the commercial partner they were
        posted with, stock's Invoiced follows the contacts
        (`client_hub_moved_documents`)."""
        if not {"parent_id", "is_company"} & set(vals):
            return super().write(vals)
        family = self.with_context(active_test=False).search(
            [("id", "child_of", self.ids)]
        )
        before = {partner: partner.commercial_partner_id for partner in family}
        res = super().write(vals)
        moved = family.filtered(lambda p: p.commercial_partner_id != before[p])
        if moved:
            moved._client_hub_flag_moved_documents(
                moved.commercial_partner_id
                | self.browse().union(*(before[p] for p in moved))
            )
        return res

    def _client_hub_flag_moved_documents(self, commercial_partners):
        """Flag ``commercial_partners`` when the partners of ``self`` have posted
        customer documents."""
        invoiced = (
            self.env["account.move"]
            .sudo()
            .search_count(  # existence only
                [
                    ("partner_id", "in", self.ids),
                    ("state", "=", "posted"),
                    ("move_type", "in", ("out_invoice", "out_refund")),
                ],
                limit=1,
            )
        )
        if invoiced:
            # the flag is technical, set whoever moves the contact
            commercial_partners.sudo().client_hub_moved_documents = True

    def _client_hub_cash_rounded(self, partners):
        """The commercial partners of ``partners`` with posted customer documents
        rounded by an added line."""
        Move = self.env["account.move"]
        rows = self.env.execute_query(
            SQL(
                """
            SELECT DISTINCT %s m.commercial_partner_id
              FROM %s m JOIN account_cash_rounding r ON r.id = m.invoice_cash_rounding_id
             WHERE m.invoice_cash_rounding_id IS NOT NULL
               AND m.commercial_partner_id = ANY(%s)
               AND r.strategy = 'add_invoice_line' AND m.state = 'posted'
               AND m.move_type IN ('out_invoice', 'out_refund')
            """,
                SQL(
                    to_flush=[
                        Move._fields[fname]
                        for fname in (
                            "invoice_cash_rounding_id",
                            "commercial_partner_id",
                            "state",
                            "move_type",
                        )
                    ]
                ),
                SQL.identifier(Move._table),
                partners.ids,
            )
        )
        return self.browse(pid for (pid,) in rows)

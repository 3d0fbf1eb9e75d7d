import calendar
from datetime import date, timedelta

from odoo import api, fields, models

from .account_move_qualified_invoice import JP_REDUCED_TAX_RATE

# 末日 (the month's end) as a closing day; the other closing days are "1".."28".
CLOSING_DAY_END = "end"


def _ordinal(day):
    suffix = (
        "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    )
    return f"{day}{suffix}"


CLOSING_DAYS = [(str(day), _ordinal(day)) for day in range(1, 29)] + [
    (CLOSING_DAY_END, "End of month")
]


def closing_date(closing_day, year, month):
    """Return the closing date of a month: the closing day, or its last day for 末日.

    :param str closing_day: "1".."28" or ``CLOSING_DAY_END``
    :rtype: date
    """
    if closing_day == CLOSING_DAY_END:
        return date(year, month, calendar.monthrange(year, month)[1])
    return date(year, month, int(closing_day))


def closing_period(closing_day, on):
    """Return the period of the monthly invoice (請求書) issued on ``on``: it ends on the
    latest closing date on or before ``on`` and starts the day after the closing date before.

    :param str closing_day: "1".."28" or ``CLOSING_DAY_END``
    :param date on: the statement date
    :return: (first day, closing date)
    :rtype: tuple(date, date)
    """
    end = closing_date(closing_day, on.year, on.month)
    if end > on:
        before = on.replace(day=1) - timedelta(days=1)
        end = closing_date(closing_day, before.year, before.month)
    before = end.replace(day=1) - timedelta(days=1)
    return closing_date(closing_day, before.year, before.month) + timedelta(days=1), end


def next_closing_date(closing_day, start):
    """Return the first closing date on or after ``start``."""
    candidate = closing_date(closing_day, start.year, start.month)
    if candidate < start:
        after = start.replace(day=28) + timedelta(days=4)  # a day of the next month
        candidate = closing_date(closing_day, after.year, after.month)
    return candidate


class ResPartner(models.Model):
    """The monthly invoice (請求書) of a client of a company in Japan: the statement of a
    period ending on the client's closing day (締め日), from last period's balance to this
    one's. The figures come from the statement's own documents and aggregates
    (`_get_client_statement_domain`), one query each, whatever the client's history.

    - 前回ご請求額: the balance due at the previous closing date;
    - ご入金額: what the documents were matched with in the period (payments, and money paid
      back on credit notes, negative), on the later of the two dates; credit notes matched
      with invoices are not payments: they count in 今回お買上額;
    - 繰越金額 = 前回ご請求額 − ご入金額;
    - 今回お買上額 and 消費税額: the period's invoices less its credit notes, untaxed and their
      tax, per tax rate;
    - 今回ご請求額 = 繰越金額 + 今回お買上額 + 消費税額: the balance due at the closing date.

    A balance at a past date is the balance due now (the open documents' residuals), less
    the documents dated after it, plus what they were matched with after it, as Odoo's aged
    receivable does (`account.partial.reconcile.max_date`).
    """

    _inherit = "res.partner"

    client_statement_closing_day = fields.Selection(
        CLOSING_DAYS,
        string="Closing Day",
        groups="base.group_user",
        help="For a client of a company in Japan: the statement becomes the monthly invoice "
        "(請求書) of the period ending on this day of each month (末日: the month's end), "
        "from the previous period's balance. Empty: the statement of open documents.",
    )

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------
    def _get_client_statement_jp_summary(self, company=None, on=None):
        """Return the monthly invoice (請求書) of the client's statement, or None when the
        statement is not one: the company is not in Japan, or the client has no closing day.

        :param company: the statement's company (its letterhead); by default the client's
            company, else the environment's
        :param date on: the statement date (default: today); the period ends on the latest
            closing date on or before it
        :return: ``{'closing_day': str, 'date_from': date, 'date_to': date, 'company',
            'totals': [{'currency', 'previous', 'received', 'carried', 'purchases', 'tax',
            'amount_due', 'tax_rates': [{'rate', 'reduced', 'base', 'tax'}]}],
            'moves': account.move}``: the figures per currency, and the period's documents by
            date
        :rtype: dict|None
        """
        self.ensure_one()
        client = self.commercial_partner_id
        # sudo: the client's own setting, read for the client's own statement (the portal user
        # reading it has no access to the field, which staff set)
        closing_day = client.sudo().client_statement_closing_day
        company = company or client.company_id or self.env.company
        if not closing_day or company.country_code != "JP":
            return None
        date_from, date_to = closing_period(
            closing_day, on or fields.Date.context_today(self)
        )
        return {
            "closing_day": closing_day,
            "date_from": date_from,
            "date_to": date_to,
            "company": company,
            "totals": client._client_hub_jp_totals(company, date_from, date_to),
            "moves": self.env["account.move"].search(
                client._get_client_statement_jp_domain(company, date_from, date_to),
                order="invoice_date, id",
            ),
        }

    def _get_client_statement_jp_email_summary(self):
        """Return the figures of the monthly invoice as the statement e-mail shows them, in
        the e-mail's language (the environment's), or an empty string when the statement is
        not a monthly invoice (see `_get_client_statement_jp_summary`).

        :rtype: markupsafe.Markup|str
        """
        self.ensure_one()
        summary = self._get_client_statement_jp_summary()
        if not summary:
            return ""
        return self.env["ir.qweb"]._render(
            "client_hub.statement_jp_email_summary", {"jp_summary": summary}
        )

    def _get_client_statement_jp_domain(self, company, date_from=None, date_to=None):
        """Domain of the client's statement documents issued by ``company``, dated in the
        period when one is given.

        :rtype: list
        """
        domain = [
            *self._get_client_statement_domain(),
            ("company_id", "=", company.id),
        ]
        if date_from and date_to:
            domain += [
                ("invoice_date", ">=", date_from),
                ("invoice_date", "<=", date_to),
            ]
        return domain

    def _client_hub_jp_totals(self, company, date_from, date_to):
        """Return the figures of the client's monthly invoice per currency (see
        `_get_client_statement_jp_summary`): each from one aggregate of the statement's
        documents in ``company``, so that 今回ご請求額 is both the sum of the figures above it
        and the balance due at the closing date.

        :rtype: list
        """
        self.ensure_one()
        domain = self._get_client_statement_jp_domain(company)
        period_domain = self._get_client_statement_jp_domain(
            company, date_from, date_to
        )
        (due,) = self._client_hub_jp_signed_sums(
            [
                *self._get_client_statement_domain(open_only=True),
                ("company_id", "=", company.id),
            ],
            "amount_residual",
        )
        (later,) = self._client_hub_jp_signed_sums(
            [*domain, ("invoice_date", ">", date_to)], "amount_total"
        )
        period_total, period_tax = self._client_hub_jp_signed_sums(
            period_domain, "amount_total", "amount_tax"
        )
        documents = self.env["account.move"]._search(domain)
        received = self._client_hub_jp_received(
            documents, date_from - timedelta(days=1), date_to
        )
        received_later = self._client_hub_jp_received(documents, date_to)
        tax_rates = self._client_hub_jp_tax_rates(period_domain)
        totals = []
        currencies = set(due) | set(later) | set(period_total) | set(received)
        for currency in sorted(currencies, key=lambda currency: currency.name):

            def amount(sums, currency=currency):
                return sums.get(currency, 0.0)

            # a balance at a past date: due now, less the documents dated after it, plus
            # what they were matched with after it
            previous = (
                amount(due)
                - amount(later)
                - amount(period_total)
                + amount(received)
                + amount(received_later)
            )
            carried = previous - amount(received)
            # the untaxed amount as the total less the tax: the figures add up to the balance
            purchases = amount(period_total) - amount(period_tax)
            totals.append(
                {
                    "currency": currency,
                    "previous": currency.round(previous),
                    "received": currency.round(amount(received)),
                    "carried": currency.round(carried),
                    "purchases": currency.round(purchases),
                    "tax": currency.round(amount(period_tax)),
                    "amount_due": currency.round(
                        carried + purchases + amount(period_tax)
                    ),
                    "tax_rates": tax_rates.get(currency, []),
                }
            )
        return totals

    @api.model
    def _client_hub_jp_signed_sums(self, domain, *field_names):
        """Return the sums of monetary fields of the documents, per currency, credit notes
        deducted (one `_read_group`).

        :return: one ``{currency: amount}`` per field name
        :rtype: list[dict]
        """
        sums = [{} for _name in field_names]
        for currency, move_type, *amounts in self.env["account.move"]._read_group(
            domain,
            ["currency_id", "move_type"],
            [f"{field_name}:sum" for field_name in field_names],
        ):
            sign = -1 if move_type == "out_refund" else 1
            for field_sums, amount in zip(sums, amounts, strict=True):
                field_sums[currency] = field_sums.get(currency, 0.0) + sign * amount
        return sums

    @api.model
    def _client_hub_jp_received(self, documents, after, until=None):
        """Return what the documents were matched with between two dates, per currency of
        the documents: payments (and any entry but another statement document) on invoices,
        less money paid back on credit notes. A match counts on its later date (a payment
        made before its invoice counts when the invoice is dated).

        :param documents: the statement's documents, as a query of `account.move`
        :param date after: matches dated after this day...
        :param date until: ...and until this one (default: any later day)
        :rtype: dict
        """
        # sudo: matches are accounting records portal users cannot read; these are the
        # matches of the documents the caller reads (`documents` runs with its rights)
        Partial = self.env["account.partial.reconcile"].sudo()
        dates = [("max_date", ">", after)]
        if until:
            dates.append(("max_date", "<=", until))
        received = {}
        for side, other, sign in (("debit", "credit", 1), ("credit", "debit", -1)):
            for currency, amount in Partial._read_group(
                [
                    *dates,
                    (f"{side}_move_id.move_id", "in", documents),
                    (f"{other}_move_id.move_id", "not in", documents),
                ],
                [f"{side}_currency_id"],
                [f"{side}_amount_currency:sum"],
            ):
                received[currency] = received.get(currency, 0.0) + sign * amount
        return received

    @api.model
    def _client_hub_jp_tax_rates(self, period_domain):
        """Return the period's amounts and consumption tax per tax rate, per currency, highest
        rate first, credit notes deducted: the documents' lines as posted, added up per tax
        (two `_read_group`). Lines without tax count at 0 %; taxes that are not a percentage
        are left out, as on the qualified invoice (`_client_hub_jp_tax_rate_summary`).

        :return: ``{currency: [{'rate', 'reduced', 'base', 'tax'}]}``
        :rtype: dict
        """
        Line = self.env["account.move.line"]
        documents = self.env["account.move"]._search(period_domain)
        per_rate = {}

        def add(currency, taxes, key, amount):
            rates = {tax.amount for tax in taxes if tax.amount_type == "percent"}
            for rate in rates or ([] if taxes else [0.0]):
                values = per_rate.setdefault(currency, {}).setdefault(
                    rate, {"base": 0.0, "tax": 0.0}
                )
                values[key] -= amount  # sales are credits: negative on the lines

        for currency, taxes, amount in Line._read_group(
            [("move_id", "in", documents), ("display_type", "=", "product")],
            ["currency_id", "tax_ids"],
            ["amount_currency:sum"],
        ):
            add(currency, taxes, "base", amount)
        for currency, tax, amount in Line._read_group(
            [("move_id", "in", documents), ("display_type", "=", "tax")],
            ["currency_id", "tax_line_id"],
            ["amount_currency:sum"],
        ):
            add(currency, tax, "tax", amount)
        return {
            currency: [
                {
                    "rate": rate,
                    "reduced": rate == JP_REDUCED_TAX_RATE,
                    "base": currency.round(values["base"]),
                    "tax": currency.round(values["tax"]),
                }
                for rate, values in sorted(rates.items(), reverse=True)
            ]
            for currency, rates in per_rate.items()
        }

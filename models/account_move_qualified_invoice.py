from odoo import models

# Japan's reduced consumption tax rate (軽減税率), which a qualified invoice marks
JP_REDUCED_TAX_RATE = 8.0


class AccountMove(models.Model):
    """What the invoice PDF of a company in Japan adds for a qualified invoice (適格請求書):
    the issuer's registration number, the items taxed at the reduced rate and, when stock's
    totals per tax group do not give them, the amounts and the consumption tax per tax rate.
    See `reports/report_invoice_qualified_invoice.xml`."""

    _inherit = "account.move"

    def _client_hub_is_qualified_invoice(self):
        """Return whether the document prints as a qualified invoice: a customer document of
        a company in Japan."""
        self.ensure_one()
        return self.company_id.country_code == "JP" and self.is_sale_document(
            include_receipts=True
        )

    def _client_hub_jp_reduced_rate_lines(self):
        """Return the invoice lines taxed at the reduced rate (marked ※ on the PDF)."""
        self.ensure_one()
        return self.invoice_line_ids.filtered(
            lambda line: any(
                tax.amount_type == "percent" and tax.amount == JP_REDUCED_TAX_RATE
                for tax in line.tax_ids
            )
        )

    def _client_hub_jp_totals_lack_rates(self):
        """Return whether stock's totals leave the amounts per tax rate out. They go per tax
        group, with each group's base where the bases differ (else every base is the untaxed
        amount): enough, unless a group holds several rates or its name does not state its
        rate (e.g. one "Consumption tax" group for 10 % and 8 %)."""
        self.ensure_one()
        for subtotal in self.tax_totals["subtotals"] if self.tax_totals else []:
            for group in subtotal["tax_groups"]:
                taxes = self.env["account.tax"].browse(group["involved_tax_ids"])
                rates = set(
                    taxes.filtered(lambda tax: tax.amount_type == "percent").mapped(
                        "amount"
                    )
                )
                if len(rates) > 1 or any(
                    f"{rate:g}%" not in group["group_name"] for rate in rates
                ):
                    return True
        return False

    def _client_hub_jp_tax_rate_summary(self):
        """Return the document's amounts per consumption tax rate, highest rate first, in
        its currency: the taxes as posted (its tax lines), grouped by rate whatever their tax
        groups. Lines without tax count at 0 %; taxes that are not a percentage (not a
        consumption tax) are left out.

        :return: list of dicts with keys ``rate`` (float, percent), ``reduced`` (bool),
            ``base`` (the amount before tax) and ``tax`` (the consumption tax)
        :rtype: list[dict]
        """
        self.ensure_one()
        AccountTax = self.env["account.tax"]
        base_lines, _tax_lines = self._get_rounded_base_and_tax_lines()

        def tax_rate(base_line, tax_data):
            if not tax_data:
                return 0.0
            tax = tax_data["tax"]
            return tax.amount if tax.amount_type == "percent" else None

        values_per_rate = AccountTax._aggregate_base_lines_aggregated_values(
            AccountTax._aggregate_base_lines_tax_details(base_lines, tax_rate)
        )
        rates = sorted(
            (rate for rate in values_per_rate if rate is not None), reverse=True
        )
        return [
            {
                "rate": rate,
                "reduced": rate == JP_REDUCED_TAX_RATE,
                "base": values_per_rate[rate]["base_amount_currency"],
                "tax": values_per_rate[rate]["tax_amount_currency"],
            }
            for rate in rates
        ]

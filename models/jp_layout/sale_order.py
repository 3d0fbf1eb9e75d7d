from odoo import fields, models
from odoo.tools.misc import format_date, formatLang


class SaleOrder(models.Model):
    """The head of a quotation of a company in Japan in the Japanese layout: the quoted
    amount (お見積金額) and the date it is valid until (有効期限) in place of an invoice's
    amount billed and due date. See `reports/report_jp_layout.xml`."""

    _inherit = "sale.order"

    def _client_hub_jp_document_values(self):
        """Return what the head of the Japanese layout prints, in the language of the
        environment (keys of `account.move._client_hub_jp_document_values`): a quotation
        quotes its total, tax included, valid until its validity date; a confirmed order
        states its amount.

        :rtype: dict
        """
        self.ensure_one()
        quotation = self.state in ("draft", "sent")
        rows = [
            (
                self.env._("Quotation No.") if quotation else self.env._("Order No."),
                self.name,
            )
        ]
        if self.date_order:
            rows.append(
                (
                    self.env._("Quotation Date")
                    if quotation
                    else self.env._("Order Date"),
                    format_date(
                        self.env,
                        fields.Datetime.context_timestamp(self, self.date_order),
                    ),
                )
            )
        valid = quotation and self.validity_date
        return {
            "partner": self.partner_id,
            "company": self.company_id,
            "rows": rows,
            "lead": self.env._("We are pleased to quote as follows.")
            if quotation
            else "",
            "amount_label": (
                self.env._("Quoted amount (tax included)")
                if quotation
                else self.env._("Order amount (tax included)")
            ),
            "amount": formatLang(
                self.env, self.amount_total, currency_obj=self.currency_id
            ),
            "deadline_label": self.env._("Valid Until") if valid else "",
            "deadline": format_date(self.env, valid) if valid else "",
        }

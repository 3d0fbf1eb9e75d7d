from odoo import models
from odoo.tools.misc import format_date, formatLang


class AccountMove(models.Model):
    """The head of a customer document of a company in Japan in the Japanese layout: the
    recipient, the number, date and registration number, the amount billed (tax included)
    and the due date. See `reports/report_jp_layout.xml`."""

    _inherit = "account.move"

    def _client_hub_jp_document_values(self):
        """Return what the head of the Japanese layout prints, in the language of the
        environment. The amount is the document's total, tax included (`amount_total`):
        what it bills (ご請求金額) or, for a credit note, what it refunds (ご返金額), whatever
        has been paid since; stock's totals show the amount due after payments.

        :return: ``partner`` (the recipient), ``company``, ``rows`` (``[(label, text)]``
            printed top right above the registration number), ``lead`` (the sentence
            above the amount), ``amount_label`` and ``amount`` (text, tax included),
            ``deadline_label`` and ``deadline`` (text); an empty label prints nothing
        :rtype: dict
        """
        self.ensure_one()
        refund = self.move_type == "out_refund"
        number_label, date_label = (
            (self.env._("Credit Note No."), self.env._("Credit Note Date"))
            if refund
            else (self.env._("Invoice No."), self.env._("Invoice Date"))
        )
        rows = []
        if self.name and self.name != "/":
            rows.append((number_label, self.name))
        if self.invoice_date:
            rows.append((date_label, format_date(self.env, self.invoice_date)))
        due = self.move_type == "out_invoice" and self.invoice_date_due
        return {
            "partner": self.partner_id,
            "company": self.company_id,
            "rows": rows,
            "lead": "" if refund else self.env._("We hereby invoice you as follows."),
            "amount_label": (
                self.env._("Amount refunded (tax included)")
                if refund
                else self.env._("Amount billed (tax included)")
            ),
            "amount": formatLang(
                self.env, self.amount_total, currency_obj=self.currency_id
            ),
            "deadline_label": self.env._("Payment Due Date") if due else "",
            "deadline": format_date(self.env, due) if due else "",
        }

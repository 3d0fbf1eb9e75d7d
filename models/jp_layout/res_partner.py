from odoo import models
from odoo.tools.misc import format_date


class ResPartner(models.Model):
    """The recipient of a document in the Japanese layout: its name with the honorific a
    Japanese document addresses it with (御中 for a company, 様 for a person), and the
    head of its statement. See `reports/report_jp_layout.xml`."""

    _inherit = "res.partner"

    def _client_hub_jp_addressee(self):
        """Return the recipient's line, in the language of the environment: the company's
        name followed by 御中 when the partner is a company or one of its contacts (the
        document is addressed to the company), else the person's name followed by 様."""
        self.ensure_one()
        commercial = self.commercial_partner_id
        if commercial.is_company:
            return self.env._("Messrs. %(name)s", name=commercial.name)
        return self.env._("Mr./Ms. %(name)s", name=self.name)

    def _client_hub_jp_statement_values(self, company, date):
        """Return the head of the client's statement in the Japanese layout (see
        `account.move._client_hub_jp_document_values` for the keys): the issue date; the
        figures are the statement's own.

        :param res.company company: the company issuing the statement
        :param date date: the day the statement is made at
        :rtype: dict
        """
        self.ensure_one()
        return {
            "partner": self.commercial_partner_id,
            "company": company,
            "rows": [(self.env._("Issue Date"), format_date(self.env, date))],
            "lead": "",
            "amount_label": "",
            "deadline_label": "",
        }

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

    def _client_hub_jp_statement_values(self, company, date, bank_transfer):
        """Return the head of the client's statement in the Japanese layout (see
        `account.move._client_hub_jp_document_values` for the keys): the issue date, and
        where to transfer (振込先), on the first page however long the statement; the
        figures are the statement's own.

        :param res.company company: the company issuing the statement
        :param date date: the day the statement is made at
        :param dict bank_transfer: the company's account the statement prints
            (`_client_hub_jp_bank_transfer`), empty for none
        :return: the keys of `account.move._client_hub_jp_document_values`, with
            ``bank_transfer`` and ``accounts`` (the client's own Stripe accounts,
            client_hub.bank.transfer.account)
        :rtype: dict
        """
        self.ensure_one()
        return {
            "bank_transfer": bank_transfer,
            "accounts": self._client_hub_get_payment_instructions()["accounts"],
            "partner": self.commercial_partner_id,
            "company": company,
            "rows": [(self.env._("Issue Date"), format_date(self.env, date))],
            "lead": "",
            "amount_label": "",
            "deadline_label": "",
        }

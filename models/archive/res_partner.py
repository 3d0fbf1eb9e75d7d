from odoo import fields, models


class ResPartner(models.Model):
    """What the Electronic Bookkeeping archive records of a statement sent to a client."""

    _inherit = "res.partner"

    def _client_hub_archive_statement(self, message, scheduled=False):
        """Archive the statement PDF attached to ``message``, the statement e-mail posted on
        the client ``self``.

        :param bool scheduled: sent by the scheduler (nobody sent it by hand)
        """
        self.ensure_one()
        Docs = self.env["client_hub.issued.document"]
        report = self.env.ref("client_hub.action_report_client_statement")
        attachments = Docs._find_report_attachments(message, report, self)
        vals_list = [self._client_hub_prepare_archive_vals(att) for att in attachments]
        if scheduled:
            for vals in vals_list:
                vals["issued_by"] = False
        return Docs._archive(vals_list)

    def _client_hub_prepare_archive_vals(self, attachment):
        """The row of a statement: its amount is what the client owed when it was sent,
        in the company's currency (else the first currency it owed in)."""
        self.ensure_one()
        company = self.company_id or self.env.company
        totals = self._get_client_statement_totals()
        total = next(
            (t for t in totals if t["currency"] == company.currency_id),
            totals[0] if totals else None,
        )
        currency = total["currency"] if total else company.currency_id
        today = fields.Date.context_today(self)
        return self.env["client_hub.issued.document"]._prepare_archive_vals(
            self,
            attachment,
            document_type="statement",
            date=today,
            amount=total["due"] if total else 0.0,
            currency_id=currency.id,
            partner_id=self.commercial_partner_id.id,
            company_id=company.id,
            name=self.env._(
                "Statement %(client)s %(date)s", client=self.name, date=today
            ),
        )

from odoo import models


class SaleOrder(models.Model):
    """Each quotation sent is archived: the PDF attached to the e-mail (sale's quotation
    report) is the issued document."""

    _inherit = "sale.order"

    def message_post(self, **kwargs):
        """Override of `sale` to archive the quotation PDF of a quotation e-mailed (the
        composer of "Send by Email" posts with ``mark_so_as_sent``)."""
        message = super().message_post(**kwargs)
        if self.env.context.get("mark_so_as_sent") and not self.env.context.get(
            "proforma"
        ):
            self._client_hub_archive_quotation(message)
        return message

    def _client_hub_archive_quotation(self, message):
        self.ensure_one()
        Docs = self.env["client_hub.issued.document"]
        report = self.env.ref("sale.action_report_saleorder", raise_if_not_found=False)
        if not report:
            return Docs
        attachments = Docs._find_report_attachments(message, report, self)
        return Docs._archive(
            [self._client_hub_prepare_archive_vals(att) for att in attachments]
        )

    def _client_hub_prepare_archive_vals(self, attachment):
        self.ensure_one()
        return self.env["client_hub.issued.document"]._prepare_archive_vals(
            self,
            attachment,
            document_type="quotation",
            date=self.date_order.date(),
            amount=self.amount_total,
            currency_id=self.currency_id.id,
            partner_id=self.partner_id.commercial_partner_id.id,
            company_id=self.company_id.id,
            name=self.name,
        )

from werkzeug.urls import url_encode

from odoo import fields, models

from ..models.archive.client_hub_issued_document_export import CSV_ROUTE, ZIP_ROUTE


class ClientHubArchiveSearch(models.TransientModel):
    """ "Archive Search": the search of the Electronic Bookkeeping Act, a date range, an
    amount range and a counterparty, combined, opened as a list or downloaded as a CSV
    with the hashes or a ZIP of the PDFs for a tax audit. Bad input is refused in the
    dialog, which stays open with what was typed."""

    _name = "client_hub.archive.search"
    _description = "Archive Search"

    date_from = fields.Date(string="Transaction Date From")
    date_to = fields.Date(string="Transaction Date To")
    amount_min = fields.Float(string="Minimum Amount")
    amount_max = fields.Float(string="Maximum Amount")
    use_amount_min = fields.Boolean(string="From Amount")
    use_amount_max = fields.Boolean(string="Up to Amount")
    partner_id = fields.Many2one(
        "res.partner",
        string="Counterparty",
        domain="[('parent_id', '=', False)]",
    )
    document_type = fields.Selection(
        selection=lambda self: (
            self.env["client_hub.issued.document"]
            ._fields["document_type"]
            ._description_selection(self.env)
        ),
    )

    def _get_params(self):
        """The search as the parameters of `_get_archive_search_domain` (and of the
        download routes): only the conditions filled in."""
        self.ensure_one()
        params = {
            "date_from": self.date_from and fields.Date.to_string(self.date_from),
            "date_to": self.date_to and fields.Date.to_string(self.date_to),
            "amount_min": self.amount_min if self.use_amount_min else None,
            "amount_max": self.amount_max if self.use_amount_max else None,
            "partner_id": self.partner_id.commercial_partner_id.id or None,
            "document_type": self.document_type or None,
        }
        return {
            key: value for key, value in params.items() if value not in (None, False)
        }

    def _get_domain(self):
        return self.env["client_hub.issued.document"]._get_archive_search_domain(
            **self._get_params()
        )

    def _get_url(self, route):
        return f"{route}?{url_encode(self._get_params())}"

    def action_search(self):
        """Open the list of the documents found."""
        domain = self._get_domain()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "client_hub.client_hub_issued_document_action"
        )
        action.update(domain=list(domain), context={}, target="current")
        return action

    def action_download_csv(self):
        """Download the CSV of the documents found, with their SHA-256."""
        self._get_domain()  # refuse bad input here, in the dialog
        return {
            "type": "ir.actions.act_url",
            "url": self._get_url(CSV_ROUTE),
            "target": "download",
        }

    def action_download_zip(self):
        """Download the ZIP of the PDFs found, with a manifest; a search too large for one
        ZIP is refused with the CSV offered instead."""
        Docs = self.env["client_hub.issued.document"]
        Docs._check_zip_size(self._get_domain(), self._get_url(CSV_ROUTE))
        return {
            "type": "ir.actions.act_url",
            "url": self._get_url(ZIP_ROUTE),
            "target": "download",
        }

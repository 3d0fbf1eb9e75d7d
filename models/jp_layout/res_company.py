from odoo import fields, models


class ResCompany(models.Model):
    """The seal (角印) a company in Japan stamps on its documents, printed over its name in
    the issuer's block of the Japanese layout (`reports/report_jp_layout.xml`)."""

    _inherit = "res.company"

    client_hub_seal = fields.Image(
        string="Company Seal",
        max_width=512,
        max_height=512,
        help="The company's square seal (角印), printed over the company's name on the "
        "invoices, credit notes, quotations and statements of companies in Japan. A PNG "
        "with a transparent background lets the name show through.",
    )

    def _client_hub_jp_layout(self):
        """Return whether the company's documents print with the Japanese layout."""
        self.ensure_one()
        return self.country_code == "JP"

from odoo import api, models


class ClientHubFiguresBucket(models.Model):
    """The figures' compaction also folds the payment engine's rows."""

    _inherit = "client_hub.figures.bucket"

    @api.model
    def _compact(self):
        """Override to fold the payment engine's pending rows in the same run."""
        res = super()._compact()
        self.env["client_hub.payment.bucket"]._compact()
        return res

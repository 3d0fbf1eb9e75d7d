from odoo import api, models


class ClientHubStatementLog(models.Model):
    """Each statement sent is archived when its log gets the e-mail: by hand, the log is
    created with it (`_log_sent`); scheduled, the claimed row is given it once sent."""

    _inherit = "client_hub.statement.log"

    @api.model_create_multi
    def create(self, vals_list):
        """Override to archive the statements logged as sent with their e-mail."""
        logs = super().create(vals_list)
        logs._client_hub_archive()
        return logs

    def write(self, vals):
        """Override to archive the statements whose e-mail is recorded."""
        res = super().write(vals)
        if vals.get("message_id"):
            self._client_hub_archive()
        return res

    def _client_hub_archive(self):
        for log in self.filtered(lambda log: log.state == "sent" and log.message_id):
            log.partner_id.with_company(log.company_id)._client_hub_archive_statement(
                log.message_id, scheduled=bool(log.scheduled_date)
            )

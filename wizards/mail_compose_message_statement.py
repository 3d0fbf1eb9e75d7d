from odoo import models


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    def _action_send_mail_comment(self, res_ids):
        """Override of `mail` to record the statements sent from the composer ("Send
        Statement" on the client), so that staff see when each was opened and paid."""
        messages = super()._action_send_mail_comment(res_ids)
        if (
            not self.env.context.get("client_hub_statement_logged")
            and self.model == "res.partner"
            and self.template_id
            and self.template_id._client_hub_sends_kind("statement")
        ):
            Log = self.env["client_hub.statement.log"]
            for message in messages:
                client = self.env["res.partner"].browse(message.res_id)
                Log._log_sent(client.commercial_partner_id, message)
        return messages

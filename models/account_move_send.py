from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _get_default_sending_settings(self, move, from_cron=False, **custom_settings):
        """Override of `account`: automatic flows (e.g. the invoice sent after an online
        payment) impose the global template from Settings without composing the e-mail
        themselves; the client's own template still replaces it. The Send wizard passes
        the composed subject and body along, so what staff chose there is kept."""
        imposed = custom_settings.get("mail_template")
        if (
            imposed
            and not imposed.client_hub_partner_id
            and "mail_body" not in custom_settings
        ):
            own_template = move._get_mail_template()
            if own_template.client_hub_partner_id:
                custom_settings["mail_template"] = own_template
        return super()._get_default_sending_settings(
            move, from_cron=from_cron, **custom_settings
        )

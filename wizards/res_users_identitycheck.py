from odoo import api, models


class ResUsersIdentitycheck(models.TransientModel):
    _inherit = "res.users.identitycheck"

    @api.model_create_multi
    def create(self, vals_list):
        """Override of `base`: Odoo's identity check (`check_identity`, guarding passkeys,
        API keys, 2FA, the password, the devices) starts here when the session has not
        checked it lately. A session opened by a document link is refused at once, with
        the way out: a fresh sign-in link (see `res.users._client_hub_may_change_account`).
        """
        self.env.user._client_hub_check_account_change()
        return super().create(vals_list)

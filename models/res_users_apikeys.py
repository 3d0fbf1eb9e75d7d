from odoo import models
from odoo.exceptions import AccessDenied
from odoo.http import request

# Scope of auth_totp's trusted-device keys ("remember this browser" at the second factor)
TRUSTED_DEVICE_SCOPE = "browser"


class ResUsersApikeys(models.Model):
    _inherit = "res.users.apikeys"

    def _check_credentials(self, *, scope, key):
        """Override of `base`: a trusted device passes the second factor of a sign-in in
        progress (auth_totp skips the code then), so a magic-link sign-in is completed
        here as after a code; when its link can no longer be used, the device does not
        pass it."""
        uid = super()._check_credentials(scope=scope, key=key)
        if (
            uid
            and scope == TRUSTED_DEVICE_SCOPE
            and request
            and request.session.get("pre_uid") == uid
        ):
            try:
                self.env["res.users"].browse(
                    uid
                )._client_hub_finish_magic_link_sign_in()
            except AccessDenied:
                return None
        return uid

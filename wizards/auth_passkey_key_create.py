from odoo import models

from ..models.res_users_passkey import passkey_grant


class AuthPasskeyKeyCreate(models.TransientModel):
    _inherit = "auth.passkey.key.create"

    @passkey_grant(consume=True)
    def make_key(self, registration=None):
        """Override of `auth_passkey`: the accepted offer lets the client add one passkey
        without a password (see `res_users_passkey.passkey_grant`)."""
        return super().make_key(registration=registration)

from odoo import models
from odoo.exceptions import AccessDenied
from odoo.http import request

MAGIC_LINK_CREDENTIAL = "client_hub_magic_link"


class ResUsers(models.Model):
    _inherit = "res.users"

    # ---- magic link (issue 5) ----
    def write(self, vals):
        """Override to revoke the magic links of portal users being archived."""
        archived = self.filtered("active") if vals.get("active") is False and "active" in vals else self.browse()
        res = super().write(vals)
        if archived:
            self.env["client_hub.magic.link"]._revoke_for_partners(archived.partner_id)
        return res

    def _check_credentials(self, credential, env):
        """Override of `base` to accept a magic-link token as a credential.

        The credential is ``{'type': 'client_hub_magic_link', 'login': ..., 'token': ...}``.
        It only ever signs in the portal user of the contact the link was sent to: staff
        (internal users, administrators) are refused even with a valid link, so a leaked
        document e-mail can never open the back-office.
        """
        if credential.get("type") != MAGIC_LINK_CREDENTIAL:
            return super()._check_credentials(credential, env)
        user = self.env.user
        if not (env or {}).get("interactive", True) or user._is_internal() or not user._is_portal():
            raise AccessDenied()
        link = self.env["client_hub.magic.link"]._get_valid_link(credential.get("token"))
        if not link or link.partner_id != user.partner_id:
            raise AccessDenied()
        ip = (env or {}).get("REMOTE_ADDR") or (request.httprequest.remote_addr if request else None)
        link._mark_used(ip=ip)
        # 'default' lets auth_totp ask for the second factor of users who enabled it.
        return {"uid": user.id, "auth_method": MAGIC_LINK_CREDENTIAL, "mfa": "default"}

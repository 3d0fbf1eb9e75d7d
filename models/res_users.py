from odoo import models
from odoo.exceptions import AccessDenied
from odoo.http import request

MAGIC_LINK_CREDENTIAL = "client_hub_magic_link"
# Session key of a sign-in started with a magic link and not complete yet (second factor)
PENDING_SIGN_IN = "client_hub_magic_link_sign_in"


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

    def authenticate(self, credential, user_agent_env):
        """Override of `base`: a new sign-in forgets the magic link of an earlier one left
        at the second factor, so that only the link this sign-in started with is used up."""
        if request:
            request.session.pop(PENDING_SIGN_IN, None)
        return super().authenticate(credential, user_agent_env)

    def _check_credentials(self, credential, env):
        """Override of `base` to accept a magic-link token as a credential, and to complete
        a magic-link sign-in once its second factor is passed.

        The credential is ``{'type': 'client_hub_magic_link', 'login': ..., 'token': ...}``.
        It only ever signs in the portal user of the contact the link was sent to: staff
        (internal users, administrators) are refused even with a valid link, so a leaked
        document e-mail can never open the back-office. Checking the link does not use it
        up: `_client_hub_finish_magic_link_sign_in` does, once the session is signed in.
        """
        if credential.get("type") != MAGIC_LINK_CREDENTIAL:
            auth_info = super()._check_credentials(credential, env)
            if credential.get("type") == self._mfa_type():
                self._client_hub_finish_magic_link_sign_in()
            return auth_info
        user = self.env.user
        if not (env or {}).get("interactive", True) or user._is_internal() or not user._is_portal():
            raise AccessDenied()
        link = self.env["client_hub.magic.link"]._get_valid_link(credential.get("token"))
        if not link or link.partner_id != user.partner_id:
            raise AccessDenied()
        # 'default' lets auth_totp ask for the second factor of users who enabled it.
        return {"uid": user.id, "auth_method": MAGIC_LINK_CREDENTIAL, "mfa": "default"}

    def _client_hub_finish_magic_link_sign_in(self):
        """Use up the magic link the current session signed in with and log the sign-in.

        Called when the sign-in is complete: right after the link is checked, or once the
        second factor is passed (code or trusted device). The link is checked again then,
        since another session may have used it (a sign-in link is single use) or staff
        revoked it in between; if so the half-open sign-in is dropped.

        :raise AccessDenied: with the message to show, when the link can no longer be used
        """
        self.ensure_one()
        pending = request.session.pop(PENDING_SIGN_IN, None) if request else None
        if not pending or pending.get("uid") != self.id:
            return
        Link = self.env["client_hub.magic.link"]
        # sudo: users cannot read links; the session holds the id of the link it was opened with
        link_sudo = Link.sudo().browse(pending.get("link_id")).exists().filtered_domain(Link._get_usable_domain())
        # sudo: the session is not signed in yet (public user); only the user's own contact is read
        if not link_sudo or link_sudo.partner_id != self.sudo().partner_id:
            for key in ("pre_uid", "pre_login"):
                request.session.pop(key, None)
            raise AccessDenied(self.env._(
                "This link has already been used or is no longer valid. Ask for a new one."))
        link_sudo._mark_used(ip=pending.get("ip"))

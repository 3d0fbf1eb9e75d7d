from odoo import Command, api, models
from odoo.exceptions import AccessDenied
from odoo.http import request
from odoo.tools import email_normalize

from odoo.addons.auth_signup.models.res_partner import SignupError

from ..const import MAGIC_LINK_CREDENTIAL

# Session key of a sign-in started with a magic link and not complete yet (second factor)
PENDING_SIGN_IN = "client_hub_magic_link_sign_in"


class ResUsers(models.Model):
    _inherit = "res.users"

    def write(self, vals):
        """Override to revoke the magic links of portal users being archived."""
        archived = (
            self.filtered("active")
            if vals.get("active") is False and "active" in vals
            else self.browse()
        )
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
        if (
            not (env or {}).get("interactive", True)
            or user._is_internal()
            or not user._is_portal()
        ):
            raise AccessDenied()
        link_sudo = self.env["client_hub.magic.link"]._get_valid_link(
            credential.get("token")
        )
        if not link_sudo or link_sudo.partner_id != user.partner_id:
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
        link_sudo = (
            Link.sudo()
            .browse(pending.get("link_id"))
            .exists()
            .filtered_domain(Link._get_usable_domain())
        )
        # sudo: the session is not signed in yet (public user); only the user's own contact is read
        if not link_sudo or link_sudo.partner_id != self.sudo().partner_id:
            for key in ("pre_uid", "pre_login"):
                request.session.pop(key, None)
            raise AccessDenied(
                self.env._(
                    "This link has already been used or is no longer valid. Ask for a new one."
                )
            )
        link_sudo._mark_used(ip=pending.get("ip"))

    @api.model
    def _client_hub_get_portal_user(self, partner):
        """Return the portal user ``partner`` signs in as with a magic link, creating it on
        first use as the portal wizard grants access (`portal.wizard.user.action_grant_access`).

        Called only once a valid magic link for this contact has been checked.

        :param partner: res.partner record, the contact the link was sent to
        :return: res.users record, elevated (sudo): the caller signs the session in with it
        :raise AccessDenied: with the reason to show, for staff, archived or
            impossible accounts
        """
        partner.ensure_one()
        # sudo: the caller validated a magic link for this very contact; a portal
        # user with no password is what the client is entitled to.
        partner_sudo = partner.sudo()
        users_sudo = partner_sudo.with_context(active_test=False).user_ids
        if any(user_sudo._is_internal() for user_sudo in users_sudo):
            raise AccessDenied(
                self.env._(
                    "Staff accounts cannot sign in with a link. Please use the usual sign-in page."
                )
            )
        portal_user_sudo = users_sudo.filtered(lambda u: u.active and u._is_portal())[
            :1
        ]
        if portal_user_sudo:
            return portal_user_sudo
        if users_sudo:
            raise AccessDenied(
                self.env._("Your portal access has been disabled. Please contact us.")
            )
        company = partner_sudo.company_id or self.env.company
        # sudo: portal users cannot create users; the caller validated a magic link for this very contact
        user_sudo = (
            self.sudo()
            .with_company(company)
            ._client_hub_create_portal_user(partner_sudo)
        )
        # as the portal wizard does: a portal user, never left in the public group
        user_sudo.write(
            {
                "group_ids": [
                    Command.link(self.env.ref("base.group_portal").id),
                    Command.unlink(self.env.ref("base.group_public").id),
                ]
            }
        )
        return user_sudo

    @api.model
    def _client_hub_create_portal_user(self, partner):
        """Create the user of ``partner`` from the signup template, in the current company
        (as `portal.wizard.user._create_user`), without sending a password reset e-mail.

        :raise AccessDenied: when the contact has no usable e-mail or the user cannot be
            created (e.g. the login is taken)
        """
        login = email_normalize(partner.email)
        if not login:
            raise AccessDenied(
                self.env._("We could not open your account. Please contact us.")
            )
        try:
            return self.with_context(no_reset_password=True)._create_user_from_template(
                {
                    "email": login,
                    "login": login,
                    "partner_id": partner.id,
                    "company_id": self.env.company.id,
                    "company_ids": [Command.set(self.env.company.ids)],
                }
            )
        except SignupError:
            raise AccessDenied(
                self.env._("We could not open your account. Please contact us.")
            ) from None

from odoo import api, models
from odoo.exceptions import AccessDenied
from odoo.http import request

from .res_users import PENDING_SIGN_IN

# Session key: the magic link the session was signed in with,
# ``{"uid": ..., "link_id": ..., "purpose": "document" | "login"}``
SIGNED_IN_WITH = "client_hub_signed_in_with"
# What a session opened by a document link may not change on its own user over RPC
# (among `SELF_WRITEABLE_FIELDS`): where sign-in links go, and the keys
ACCOUNT_FIELDS = {"email", "login", "password", "name", "phone", "api_key_ids"}


class ResUsers(models.Model):
    """What a session opened by a magic link may do.

    A document link is valid for days and often forwarded with the document: the session
    it opens may view and pay, not change the account (e-mail, address, password,
    passkeys, API keys, 2FA) until the client signs in again with a fresh sign-in link
    or another credential (password, passkey). The routes are refused in
    `ir.http._dispatch`, Odoo's identity check in `res.users.identitycheck.create` and the
    user's own fields here.
    """

    _inherit = "res.users"

    def write(self, vals):
        """Override of `base`: a user may write some of its own fields (`SELF_WRITEABLE_FIELDS`,
        also over RPC); not the account's ones from a document-link session."""
        if (
            not self.env.su
            and ACCOUNT_FIELDS.intersection(vals)
            and self.env.user in self
        ):
            self.env.user._client_hub_check_account_change()
        return super().write(vals)

    def authenticate(self, credential, user_agent_env):
        """Override of `base`: a new sign-in (password, passkey, link) replaces how the
        session was opened; a refused one leaves it as it was."""
        auth_info = super().authenticate(credential, user_agent_env)
        if request:
            request.session.pop(SIGNED_IN_WITH, None)
        return auth_info

    def _client_hub_finish_magic_link_sign_in(self):
        """Override of `client_hub` (magic link): remember which link signed the session
        in, and for which purpose."""
        pending = request.session.get(PENDING_SIGN_IN) if request else None
        super()._client_hub_finish_magic_link_sign_in()
        if not pending or pending.get("uid") != self.id:
            return
        # sudo: the link the session was just signed in with (checked by super)
        link_sudo = self.env["client_hub.magic.link"].sudo().browse(pending["link_id"])
        request.session[SIGNED_IN_WITH] = {
            "uid": self.id,
            "link_id": link_sudo.id,
            "purpose": link_sudo.purpose,
        }

    def _client_hub_get_signed_in_link(self):
        """Return the magic link this user's current session was signed in with, if it
        was: a client_hub.magic.link record, elevated (sudo), or an empty recordset."""
        self.ensure_one()
        signed_in = request.session.get(SIGNED_IN_WITH) if request else None
        Link = self.env["client_hub.magic.link"]
        if not signed_in or signed_in.get("uid") != self.id:
            return Link
        # sudo: the link that signed this very session in (users cannot read links)
        return Link.sudo().browse(signed_in.get("link_id")).exists()

    def _client_hub_may_change_account(self):
        """Whether the current session may change this user's account: not when a
        document link opened it (or an unknown link, to be safe)."""
        self.ensure_one()
        signed_in = request.session.get(SIGNED_IN_WITH) if request else None
        if not signed_in or signed_in.get("uid") != self.id:
            return True
        return signed_in.get("purpose") == "login"

    def _client_hub_check_account_change(self):
        """:raise AccessDenied: with the way out, when the current session may not
        change this user's account (see `_client_hub_may_change_account`)"""
        if not self._client_hub_may_change_account():
            raise AccessDenied(self._client_hub_account_change_message())

    @api.model
    def _client_hub_account_change_message(self):
        """The refusal of an account change in a document link's session, with the way
        out (also shown on the sign-in page it is sent to)."""
        return self.env._("To change your account, sign in with a new sign-in link.")

import time

from odoo import api, fields, models
from odoo.http import request

from .res_users import PENDING_SIGN_IN

# Session key: when a sign-in link signed this session in, while a passkey may be offered
PASSKEY_OFFER = "client_hub_passkey_offer"
# Odoo asks for the password again before adding a passkey unless it was checked in the
# last 10 minutes (`base.models.res_users.check_identity`); the offer lasts as long.
IDENTITY_CHECK_WINDOW = 10 * 60


class ResUsers(models.Model):
    """The offer to add a passkey after a magic-link sign-in, when Odoo's
    `auth_passkey_portal` is installed (client_hub does not depend on it)."""

    _inherit = "res.users"

    client_hub_passkey_offer_dismissed = fields.Boolean(
        string="Declined the Passkey Offer",
        copy=False,
        help="The client answered no to the portal's offer to add a passkey after a "
        "sign-in link: it is not made again.",
    )

    @api.model
    def _client_hub_passkey_available(self):
        """Whether portal users can add passkeys and sign in with them
        (`auth_passkey_portal` is installed)."""
        return bool(
            "auth.passkey.key" in self.env
            and self.env["ir.model.data"]._xmlid_to_res_id(
                "auth_passkey_portal.passkeys_portal_hook", raise_if_not_found=False
            )
        )

    def _client_hub_finish_magic_link_sign_in(self):
        """Override of `client_hub` (magic link): a sign-in with a sign-in link opens
        the offer to add a passkey, so that next time no e-mail is needed.

        Only a sign-in link counts (asked for on the sign-in page, short-lived, used
        once): a document link, valid for days and often forwarded with the document,
        must not let whoever holds it add a passkey to the client's account.
        """
        pending = request.session.get(PENDING_SIGN_IN) if request else None
        super()._client_hub_finish_magic_link_sign_in()
        if not pending or pending.get("uid") != self.id:
            return
        # sudo: the link the session was just signed in with (checked by super)
        link_sudo = self.env["client_hub.magic.link"].sudo().browse(pending["link_id"])
        if link_sudo.purpose == "login" and self._client_hub_wants_passkey():
            request.session[PASSKEY_OFFER] = time.time()

    def _client_hub_wants_passkey(self):
        """Whether a passkey may be offered to this user: passkeys are available, it has
        none and has not declined the offer."""
        self.ensure_one()
        if not self._client_hub_passkey_available():
            return False
        # sudo: the user's own passkeys and answer, which it may not read as a portal user
        user_sudo = self.sudo()
        return not (
            user_sudo.client_hub_passkey_offer_dismissed
            or user_sudo.auth_passkey_key_ids
        )

    def _client_hub_get_passkey_offer_time(self):
        """Return when the sign-in this session's passkey offer follows happened, or
        None when the portal has no offer to show to this user now.

        :rtype: float | None
        """
        self.ensure_one()
        offered = request.session.get(PASSKEY_OFFER) if request else None
        if not offered or self._is_public():
            return None
        if (
            offered < time.time() - IDENTITY_CHECK_WINDOW
            or not self._client_hub_wants_passkey()
        ):
            return None
        return offered

    def _client_hub_accept_passkey_offer(self):
        """Let the user add a passkey with Odoo's own flow, without a password.

        The client's identity was checked when the sign-in link signed the session in,
        moments ago; Odoo's identity check (`check_identity`, which asks portal users
        for a password they do not have) counts from then, for its usual 10 minutes.

        :return: whether the offer was still open
        :rtype: bool
        """
        offered = self._client_hub_get_passkey_offer_time()
        request.session.pop(PASSKEY_OFFER, None)
        if not offered:
            return False
        request.session["identity-check-last"] = max(
            offered, request.session.get("identity-check-last", 0)
        )
        return True

    def _client_hub_decline_passkey_offer(self):
        """Close the offer for good: it is not made to this user again."""
        self.ensure_one()
        request.session.pop(PASSKEY_OFFER, None)
        # sudo: the user records its own answer, a field it may not write as a portal user
        self.sudo().client_hub_passkey_offer_dismissed = True

import functools
import time

from odoo import api, fields, models
from odoo.http import request

from .res_users import PENDING_SIGN_IN

# Session key: the passkey offer a sign-in link opened, ``{"uid", "link_id", "time"}``
PASSKEY_OFFER = "client_hub_passkey_offer"
# Session key: the offer accepted, ``{"uid", "link_id", "time"}``: the passkey may be
# added without Odoo's identity check (see `passkey_grant`)
PASSKEY_GRANT = "client_hub_passkey_grant"
# Odoo's session key of its identity check (`base.models.res_users.check_identity`)
IDENTITY_CHECK_LAST = "identity-check-last"
# Odoo asks for the password again before adding a passkey unless it was checked in the
# last 10 minutes (`check_identity`); the offer lasts as long.
IDENTITY_CHECK_WINDOW = 10 * 60


def passkey_grant(consume=False):
    """Decorate an override of a method Odoo guards with `check_identity` that adds a
    passkey: with the session's accepted passkey offer, the identity check passes for
    this call only (the session's `identity-check-last` is left as it was, so that API
    keys, 2FA and the password still ask for it).

    :param bool consume: whether the call, when it succeeds, uses the offer up (the
        passkey is added)
    """

    def decorator(method):
        @functools.wraps(method)
        def wrapped(self, *args, **kwargs):
            if not self.env.user._client_hub_has_passkey_grant():
                return method(self, *args, **kwargs)
            session = request.session
            previous = session.get(IDENTITY_CHECK_LAST)
            session[IDENTITY_CHECK_LAST] = time.time()
            try:
                result = method(self, *args, **kwargs)
            finally:
                if previous is None:
                    session.pop(IDENTITY_CHECK_LAST, None)
                else:
                    session[IDENTITY_CHECK_LAST] = previous
            if consume:
                session.pop(PASSKEY_GRANT, None)
            return result

        # Odoo's identity check wizard (`run_check`) calls only the methods it guards
        wrapped.__has_check_identity = True
        return wrapped

    return decorator


class ResUsers(models.Model):
    """The offer to add a passkey after a magic-link sign-in, when Odoo's
    `auth_passkey_portal` is installed (client_hub depends on `auth_passkey` only, whose
    methods it extends, not on the portal's pages)."""

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
            request.session[PASSKEY_OFFER] = {
                "uid": self.id,
                "link_id": link_sudo.id,
                "time": time.time(),
            }

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

    @passkey_grant()
    def action_create_passkey(self):
        """Override of `auth_passkey`: the accepted offer lets the client start adding a
        passkey without a password (see `passkey_grant`)."""
        return super().action_create_passkey()

    def _client_hub_get_passkey_offer_time(self):
        """Return when the sign-in this session's passkey offer follows happened, or
        None when the portal has no offer to show to this user now.

        :rtype: float | None
        """
        self.ensure_one()
        offer = request.session.get(PASSKEY_OFFER) if request else None
        if not self._client_hub_is_own_sign_in(offer) or not (
            self._client_hub_wants_passkey()
        ):
            return None
        return offer["time"]

    def _client_hub_is_own_sign_in(self, offer):
        """Whether ``offer`` (a passkey offer or grant of the session) was made to this
        user, by the sign-in link that signed the session in, moments ago.

        The offer is bound to the user and the link: a session opened since by another
        link, or by a document link, or for another user, does not inherit it.
        """
        if not isinstance(offer, dict) or self._is_public():
            return False
        link_sudo = self._client_hub_get_signed_in_link()
        return bool(
            offer.get("uid") == self.id
            and link_sudo
            and offer.get("link_id") == link_sudo.id
            and link_sudo.purpose == "login"
            # sudo: the user's own contact
            and link_sudo.partner_id == self.sudo().partner_id
            and offer.get("time", 0) >= time.time() - IDENTITY_CHECK_WINDOW
        )

    def _client_hub_has_passkey_grant(self):
        """Whether the current session accepted the passkey offer and may add this
        user's passkey without Odoo's identity check."""
        self.ensure_one()
        grant = request.session.get(PASSKEY_GRANT) if request else None
        return self._client_hub_is_own_sign_in(grant)

    def _client_hub_accept_passkey_offer(self):
        """Let the user add a passkey with Odoo's own flow, without a password.

        The client's identity was checked when the sign-in link signed the session in,
        moments ago. That lets the client add a passkey (`passkey_grant`) for Odoo's usual
        10 minutes from then, and nothing else Odoo's identity check guards.

        :return: whether the offer was still open
        :rtype: bool
        """
        offered = self._client_hub_get_passkey_offer_time()
        offer = request.session.pop(PASSKEY_OFFER, None)
        if not offered:
            return False
        request.session[PASSKEY_GRANT] = offer
        return True

    def _client_hub_decline_passkey_offer(self):
        """Close the offer for good: it is not made to this user again."""
        self.ensure_one()
        request.session.pop(PASSKEY_OFFER, None)
        # sudo: the user records its own answer, a field it may not write as a portal user
        self.sudo().client_hub_passkey_offer_dismissed = True

from odoo import http
from odoo.http import request

from .magic_link import sanitize_redirect


class ClientHubPasskeyOfferController(http.Controller):
    """The answers to the portal's offer to add a passkey after a sign-in link (see
    `res.users._client_hub_get_passkey_offer_time`). Both are POSTs, CSRF-checked by
    the framework."""

    @http.route(
        "/my/passkey/add",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
        sitemap=False,
    )
    def passkey_offer_add(self, redirect=None, **kwargs):
        """Open Odoo's own "Add Passkey" flow (`auth_passkey_portal`, on /my/security);
        back to the page when the offer has lapsed."""
        if not request.env.user._client_hub_accept_passkey_offer():
            return request.redirect(sanitize_redirect(redirect), code=303, local=True)
        return request.redirect(
            "/my/security?client_hub_add_passkey=1", code=303, local=True
        )

    @http.route(
        "/my/passkey/dismiss",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
        sitemap=False,
    )
    def passkey_offer_dismiss(self, redirect=None, **kwargs):
        """Decline the offer for good, back to the page."""
        request.env.user._client_hub_decline_passkey_offer()
        return request.redirect(sanitize_redirect(redirect), code=303, local=True)

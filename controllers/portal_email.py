from odoo import http
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

from ..const import EMAIL_CHANGE_CONTEXT
from ..models.res_partner_email_change import EmailChangeRefused
from .magic_link import ClientHubMagicLinkController


class ClientHubEmailChangePortal(CustomerPortal):
    """The e-mail a client types in the portal's address form waits for confirmation."""

    def _create_or_update_address(self, partner_sudo, *args, **kwargs):
        """Override of `portal`: for a portal user (its own contact, or an address of its
        client), a new e-mail waits for confirmation from that address
        (`res.partner._client_hub_request_email_change`); the other fields are saved as
        typed. A refused address is shown on the form, as the portal's own checks."""
        if not request.env.user._is_portal():
            return super()._create_or_update_address(partner_sudo, *args, **kwargs)
        hold = {EMAIL_CHANGE_CONTEXT: True}
        request.update_context(**hold)  # a new address is created from request.env
        try:
            return super()._create_or_update_address(
                partner_sudo.with_context(**hold), *args, **kwargs
            )
        except EmailChangeRefused as error:
            return partner_sudo, {
                "invalid_fields": ["email"],
                "messages": [error.args[0]],
            }


class ClientHubEmailChangeController(ClientHubMagicLinkController):
    """The link confirming a new e-mail address, sent to that address."""

    def _render_email_change_page(self, state, lang=None, **values):
        return self._render(
            "client_hub.email_change_page", dict(values, state=state), lang=lang
        )

    @http.route(
        "/client/email/confirm/<string:token>",
        type="http",
        auth="public",
        methods=["GET", "POST"],
        sitemap=False,
    )
    def email_change_confirm(self, token, **kwargs):
        """GET shows the new address and a button and changes nothing (mail scanners
        prefetch links); POST (CSRF-checked by the framework) makes it the contact's
        e-mail. The token alone proves the new mailbox: no session is needed, and the
        token names its contact, whoever is signed in."""
        RateLimit = request.env["client_hub.rate.limit"]
        if minutes := RateLimit._hit("use_ip", self._client_ip()):
            return self._render_too_many(minutes)
        Partner = request.env["res.partner"]
        partner_sudo = Partner._client_hub_get_email_change_partner(token)
        if not partner_sudo:
            return self._render_email_change_page("invalid")
        lang = self._get_page_lang(partner_sudo.lang)
        if request.httprequest.method != "POST":
            return self._render_email_change_page(
                "confirm",
                lang=lang,
                email=partner_sudo.client_hub_pending_email,
                action=request.httprequest.path,
            )
        partner_sudo._client_hub_confirm_email_change()
        return self._render_email_change_page(
            "done", lang=lang, email=partner_sudo.email
        )

from urllib.parse import urlencode

from odoo import http
from odoo.exceptions import AccessDenied
from odoo.http import request
from odoo.tools import email_normalize

from ..models.client_hub_magic_link import DEFAULT_REDIRECT, sanitize_redirect
from ..models.res_partner_email_change import mask_email
from ..models.res_users import MAGIC_LINK_CREDENTIAL, PENDING_SIGN_IN

SECURITY_HEADERS = {
    # The token is in the URL: never leak it to another site through the Referer.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    # The one-click button must not be clickable through someone else's frame.
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
}


class ClientHubMagicLinkController(http.Controller):
    def _secure(self, response):
        response.headers.update(SECURITY_HEADERS)
        return response

    def _get_page_lang(self, preferred=None):
        """Return the code of the language of a page shown before the client is signed in.

        In order: ``preferred`` (the link's contact's language, or a language chosen on
        the page), the ``frontend_lang`` cookie (the language last chosen on the portal in
        this browser), the browser's Accept-Language, the default language. Each is
        matched to an installed language as the portal does (`ir.http.get_nearest_lang`:
        ``ja`` finds ``ja_JP``); an unknown code is skipped.

        :param str preferred: a language code, or None
        :rtype: str
        """
        IrHttp = request.env["ir.http"]
        for code in (
            preferred,
            request.cookies.get("frontend_lang"),
            request.best_lang,
        ):
            if nearest := IrHttp.get_nearest_lang(code):
                return nearest
        return IrHttp._get_default_lang().code

    def _render(self, template, values=None, status=200, lang=None):
        """Render a sign-in page in ``lang`` (default: `_get_page_lang`'s choice).

        These routes are not frontend routes (their URLs carry no language), so the
        language is set here rather than by `http_routing`.
        """
        lang = lang or self._get_page_lang()
        request.update_context(lang=lang)
        languages = request.env["res.lang"]._get_frontend()
        response = request.render(
            template,
            dict(
                values or {},
                disable_footer=True,
                page_lang=lang,
                page_languages=list(languages.values()) if len(languages) > 1 else [],
            ),
        )
        response.status_code = status
        return self._secure(response)

    def _render_link_page(self, state, lang=None, **values):
        return self._render(
            "client_hub.magic_link_page", dict(values, state=state), lang=lang
        )

    def _render_too_many(self, minutes):
        return self._render(
            "client_hub.magic_link_too_many", {"minutes": minutes}, status=429
        )

    def _sign_out(self):
        """Sign the browser's session out before a link signs another session in: no key
        of the old one (a passkey offer, Odoo's identity check, a sign-in half done)
        may carry over to the client the link is for. The session id changes."""
        request.session.logout(keep_db=True)
        request.update_env(user=request.env.ref("base.public_user").id)

    def _client_ip(self):
        """Return the client address the per-IP rate limits count, as Odoo computes it.

        Never read X-Forwarded-For here: any client can send one. Odoo trusts it only in
        ``proxy_mode`` and when the request carries X-Forwarded-Host (the proxy sets both),
        and then takes the address the proxy appended last (werkzeug's ProxyFix,
        ``x_for=1``). Without ``proxy_mode`` behind a proxy, every client has the proxy's
        address and shares its counters. IPv6 clients are counted per /64
        (`client_hub.rate.limit._get_ip_key`).
        """
        return request.httprequest.remote_addr

    def _readonly_on_get(self, rule, args):
        """The sign-in request page only reads when shown (a replica may serve it); asking
        for a link counts the rate limits and queues the request."""
        return request.httprequest.method in ("GET", "HEAD")

    @http.route(
        "/client/magic/<string:token>",
        type="http",
        auth="public",
        methods=["GET", "POST"],
        sitemap=False,
    )
    def magic_link(self, token, redirect=None, **kwargs):
        """GET shows a one-click page and changes nothing (mail scanners prefetch links);
        POST (CSRF-checked by the framework) signs the client in."""
        RateLimit = request.env["client_hub.rate.limit"]
        if minutes := RateLimit._hit("use_ip", self._client_ip()):
            return self._render_too_many(minutes)
        link_sudo = request.env["client_hub.magic.link"]._get_valid_link(token)
        if not link_sudo:
            return self._render_link_page("invalid")
        redirect = sanitize_redirect(redirect)
        if request.httprequest.method != "POST":
            if (
                request.session.uid
                and request.env.user.partner_id == link_sudo.partner_id
                and not (
                    link_sudo.purpose == "login"
                    and not request.env.user._client_hub_may_change_account()
                )
            ):
                # Already signed in as this client (a second click in an e-mail). A
                # document link's session may still sign in with a sign-in link, to be
                # allowed to change the account.
                return self._secure(request.redirect(redirect, code=303, local=True))
            # The page speaks the language of the client the link was sent to, and
            # names the account it signs in (masked: the link may have been forwarded).
            return self._render_link_page(
                "continue",
                lang=self._get_page_lang(link_sudo.partner_id.lang),
                redirect=redirect,
                action=request.httprequest.path,
                masked_email=mask_email(
                    link_sudo.partner_id.email_normalized or link_sudo.partner_id.email
                ),
            )
        # Only document links are counted per client: they are reusable and forwarded,
        # and whoever holds one must not lock the client out of a fresh sign-in link
        # (used once, from the client's mailbox, counted when asked for).
        client_key = link_sudo.partner_id.email_normalized or str(
            link_sudo.partner_id.id
        )
        if link_sudo.purpose != "login" and (
            minutes := RateLimit._hit("use_email", client_key)
        ):
            return self._render_too_many(minutes)
        if request.session.uid or request.session.get("pre_uid"):
            self._sign_out()
        public_uid = request.env.uid
        try:
            user_sudo = link_sudo.partner_id._get_client_portal_user()
            credential = {
                "type": MAGIC_LINK_CREDENTIAL,
                "login": user_sudo.login,
                "token": token,
            }
            request.session.authenticate(request.env, credential)
            # The link is used up, and the sign-in logged, once the sign-in is complete:
            # now, or once the second factor is passed when Odoo asks for one.
            request.session[PENDING_SIGN_IN] = {
                "link_id": link_sudo.id,
                "uid": user_sudo.id,
                "ip": self._client_ip(),
            }
            if request.session.uid:
                user_sudo._client_hub_finish_magic_link_sign_in()
        except AccessDenied as e:
            if request.session.uid:
                request.session.logout(keep_db=True)
                request.update_env(user=public_uid)
            message = e.args[0] if e.args and e.args != AccessDenied().args else None
            return self._render_link_page(
                "refused",
                lang=self._get_page_lang(link_sudo.partner_id.lang),
                message=message,
            )
        if request.session.uid is None:
            # A second factor is enabled on this account: let Odoo ask for it.
            mfa_url = (
                request.env["res.users"]
                .sudo()
                .browse(request.session["pre_uid"])
                ._mfa_url()
            )
            redirect = f"{mfa_url}?{urlencode({'redirect': redirect})}"
        return self._secure(request.redirect(redirect, code=303, local=True))

    @http.route(
        "/client/login",
        type="http",
        auth="public",
        methods=["GET", "POST"],
        sitemap=False,
        readonly=_readonly_on_get,
    )
    def client_login(self, email=None, lang=None, reason=None, **kwargs):
        """Ask for a sign-in link. The answer is the same whether the address is known
        or not, and whether a rate limit is reached or not: the request is queued (if
        allowed) and a cron e-mails known clients.

        ``lang`` (a language chosen on the page) sets the language of the page and, kept
        in the ``frontend_lang`` cookie, of the next ones. ``reason=account``: a session
        opened by a document link was sent here to change its account
        (`ir.http._dispatch`); the page says so, with the client's address filled in.
        """
        chosen_lang = request.env["ir.http"].get_nearest_lang(
            lang if isinstance(lang, str) else None
        )
        if request.httprequest.method != "POST":
            user = request.env.user
            account_change = reason == "account"
            if account_change and not email and not user._is_public():
                email = user.email
            response = self._render(
                "client_hub.magic_link_login_page",
                {
                    "email": email or "",
                    "passkey_login": self._passkey_login_values(),
                    "info": account_change
                    and user._client_hub_account_change_message(),
                },
                lang=self._get_page_lang(chosen_lang),
            )
            if chosen_lang:
                response.set_cookie("frontend_lang", chosen_lang)
            return response
        email = (email or "").strip()[:254]
        normalized = email_normalize(email)
        if not normalized:
            return self._render(
                "client_hub.magic_link_login_page",
                {
                    "email": email,
                    "error": request.env._("Please enter a valid e-mail address."),
                    "passkey_login": self._passkey_login_values(),
                },
                lang=self._get_page_lang(chosen_lang),
            )
        RateLimit = request.env["client_hub.rate.limit"]
        # Over a limit, the page answers as usual: an error would tell whoever typed the
        # address that it was blocked, and invite them to block it. Over the per-IP limit
        # nothing is queued; over the address's, the request is queued and sent only if
        # the client's latest link no longer works (`client_hub.magic.link.request`).
        if not RateLimit._hit("request_ip", self._client_ip()):
            request.env["client_hub.magic.link.request"]._enqueue(
                normalized,
                ip=self._client_ip(),
                over_limit=bool(RateLimit._hit("request_email", normalized)),
            )
        return self._render(
            "client_hub.magic_link_login_page",
            {
                "email": email,
                "sent": True,
                "ttl_minutes": int(
                    request.env["client_hub.magic.link"]
                    ._get_ttl("login")
                    .total_seconds()
                    // 60
                ),
            },
            lang=self._get_page_lang(chosen_lang),
        )

    def _passkey_login_values(self):
        """Values of the "Sign in with a passkey" form of the sign-in page, which hands
        the passkey over to Odoo's own sign-in (`auth_passkey`: its script fills the form
        and posts it to /web/login); None when portal users cannot have passkeys
        (`auth_passkey_portal` is not installed).

        :rtype: dict | None
        """
        if not request.env["res.users"]._client_hub_passkey_available():
            return None
        return {"redirect": DEFAULT_REDIRECT}

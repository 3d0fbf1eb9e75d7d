from urllib.parse import urlsplit, urlunsplit

from werkzeug.exceptions import BadRequest

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from .magic_link import sanitize_redirect


class ClientHubLanguageController(http.Controller):
    @http.route(
        "/my/language",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
        sitemap=False,
    )
    def portal_language(self, lang=None, redirect=None, **kwargs):
        """Switch the signed-in client to another installed language (CSRF-checked by the
        framework): its pages, e-mails and PDFs follow, then the page it came from opens
        again in that language.

        :param str lang: the code of an installed language
        :param str redirect: local path of the page to open again
        """
        try:
            request.env.user._client_hub_set_lang(lang)
        except UserError as error:
            raise BadRequest(error.args[0]) from None
        # The session's context holds the language of the routes that are not frontend
        # ones; frontend pages read the cookie first (`http_routing`). The cookie goes on
        # the future response, after the one `http_routing` may have set for this request.
        request.session.context = dict(request.session.context, lang=lang)
        request.future_response.set_cookie("frontend_lang", lang)
        return request.redirect(self._strip_lang_prefix(redirect), code=303, local=True)

    def _strip_lang_prefix(self, redirect):
        """Return the local path ``redirect`` without its language prefix (``/ja/my``
        gives ``/my``): the portal puts the new language's back (`http_routing`)."""
        parts = urlsplit(sanitize_redirect(redirect or "/my"))
        _root, first, *rest = parts.path.split("/", 2)
        url_codes = {
            language.url_code
            for language in request.env["res.lang"]._get_frontend().values()
        }
        path = "/" + "".join(rest) if first in url_codes else parts.path
        return urlunsplit(("", "", path, parts.query, ""))

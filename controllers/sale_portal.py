import re

from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.sale.controllers.portal import CustomerPortal

# Control characters PostgreSQL or the HTML parser refuse (tab and line breaks are kept).
CONTROL_CHARS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class ClientHubSalePortal(CustomerPortal):

    def _document_check_access(self, model_name, document_id, access_token=None):
        """Override of `portal`: an access token that is not ASCII cannot be a document's
        (they are UUIDs) and is treated as a wrong one, rather than failing in `consteq`,
        which compares ASCII strings only. Portal controllers are merged, so this holds for
        every portal document route."""
        if isinstance(access_token, str) and not access_token.isascii():
            access_token = None
        return super()._document_check_access(model_name, document_id, access_token=access_token)

    @http.route()
    def portal_quote_decline(self, order_id, access_token=None, decline_message=None, **kwargs):
        """Override of `sale`: record the decline as a client rejection, distinct from a
        cancellation by staff."""
        try:
            order_sudo = self._document_check_access("sale.order", order_id, access_token=access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        decline_message = CONTROL_CHARS_RE.sub("", decline_message or "").strip()
        if not (order_sudo._has_to_be_signed() and decline_message):
            return request.redirect(order_sudo.get_portal_url(query_string="&message=cant_reject"))
        user = request.env.user
        author = order_sudo.partner_id if user._is_public() else user.partner_id
        # access checked above by id + token/ownership; the portal user cannot write orders
        order_sudo._client_hub_reject(decline_message, author=author)
        return request.redirect(order_sudo.get_portal_url())

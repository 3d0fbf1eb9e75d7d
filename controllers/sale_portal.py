from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.sale.controllers.portal import CustomerPortal


class ClientHubSalePortal(CustomerPortal):

    @http.route()
    def portal_quote_decline(self, order_id, access_token=None, decline_message=None, **kwargs):
        """Override of `sale`: record the decline as a client rejection, distinct from a
        cancellation by staff."""
        try:
            order_sudo = self._document_check_access("sale.order", order_id, access_token=access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        if not (order_sudo._has_to_be_signed() and decline_message):
            return request.redirect(order_sudo.get_portal_url(query_string="&message=cant_reject"))
        user = request.env.user
        author = order_sudo.partner_id if user._is_public() else user.partner_id
        # access checked above by id + token/ownership; the portal user cannot write orders
        order_sudo._client_hub_reject(decline_message, author=author)
        return request.redirect(order_sudo.get_portal_url())

import re

from odoo import http
from odoo.exceptions import AccessError, MissingError

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
        return super()._document_check_access(
            model_name, document_id, access_token=access_token
        )

    @http.route()
    def portal_quote_decline(
        self, order_id, access_token=None, decline_message=None, **kwargs
    ):
        """Override of `sale` to record the decline as a client rejection, distinct from a
        cancellation by staff. Stock cancels the quotation and posts the message, given
        here without the control characters the database or the HTML parser refuse (a
        message left empty is refused by stock); then the rejection is stamped."""
        decline_message = CONTROL_CHARS_RE.sub("", decline_message or "").strip()
        try:
            order_sudo = self._document_check_access(
                "sale.order", order_id, access_token=access_token
            )
        except (AccessError, MissingError):
            order_sudo = None  # stock sends the visitor to /my
        was_cancelled = not order_sudo or order_sudo.state == "cancel"
        response = super().portal_quote_decline(
            order_id,
            access_token=access_token,
            decline_message=decline_message,
            **kwargs,
        )
        if not was_cancelled and order_sudo.state == "cancel":
            # access was checked above by id + token/ownership; the portal user cannot write orders
            order_sudo._client_hub_stamp_rejection(decline_message)
        return response

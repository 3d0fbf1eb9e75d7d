from werkzeug.routing import ValidationError

from odoo import models
from odoo.http import request

from odoo.addons.base.models.ir_http import SignedIntConverter

# The portal routes that change the account (Odoo's `portal` and client_hub's own): a
# session opened by a document link is refused them (see `IrHttp._dispatch`)
ACCOUNT_ROUTES = {
    "/my/account",
    "/my/address",
    "/my/address/submit",
    "/my/address/archive",
    "/my/security",
    "/my/deactivate_account",
    "/my/passkey/add",
}
# Where such a session is sent: the sign-in page, which says why
ACCOUNT_CHANGE_URL = "/client/login?reason=account"


class BoundedIntConverter(SignedIntConverter):
    """The `int` URL converter, except that a segment Python cannot turn into an int (more
    than 4300 digits, see `sys.get_int_max_str_digits`) matches no route, a 404, instead of
    raising a ValueError, a 500. Every segment `int()` accepts converts as before."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValueError:
            raise ValidationError() from None


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _get_converters(cls):
        """Override of `base` to bound the `int` converter (see `BoundedIntConverter`).

        It replaces `int` for every route rather than declaring a converter of our own, so
        that the URLs and route declarations stay as they are (the decline route still
        overrides `sale`'s through `@http.route()`), and stock's `<int:…>` routes stop failing
        the same way.
        """
        return {**super()._get_converters(), "int": BoundedIntConverter}

    @classmethod
    def _serve_fallback(cls):
        """Override of `base`: a path holding a NUL character (such as `/my/tickets/%00`,
        which no route matches) names no attachment. The attachment lookup by URL would
        fail on it in PostgreSQL; the visitor gets the 404 page instead."""
        if "\x00" in request.httprequest.path:
            return None
        return super()._serve_fallback()

    @classmethod
    def _dispatch(cls, endpoint):
        """Override of `base`: a session opened by a document link, forwarded with the
        document, may view and pay, not change the account (`ACCOUNT_ROUTES`) until
        the client signs in with a fresh sign-in link. Pages send it to the sign-in page,
        which says so; JSON-RPC routes answer the same message as an error."""
        if (
            request.session.uid
            and ACCOUNT_ROUTES.intersection(endpoint.routing.get("routes", ()))
            and not request.env.user._client_hub_may_change_account()
        ):
            if endpoint.routing.get("type") != "http":
                request.env.user._client_hub_check_account_change()
            return request.redirect(ACCOUNT_CHANGE_URL, code=303, local=True)
        return super()._dispatch(endpoint)

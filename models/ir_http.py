from werkzeug.routing import ValidationError

from odoo import models
from odoo.http import request

from odoo.addons.base.models.ir_http import SignedIntConverter


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

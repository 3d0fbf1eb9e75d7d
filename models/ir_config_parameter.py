import math

from odoo import api, models


class IrConfigParameter(models.Model):
    _inherit = "ir.config_parameter"

    @api.model
    def _client_hub_get_number(self, key, default, minimum=None):
        """Return the numeric system parameter ``key``, typed like ``default``.

        Any user may ask, portal and public users included (link lifetimes, rate limits
        and size limits apply to them): the caller names one numeric setting, see
        `client_hub.const` for the keys and their defaults.

        :param str key: the system parameter
        :param default: int or float, returned when the parameter is unset, is not a
            number of that type, or is below ``minimum``
        :param minimum: smallest meaningful value (e.g. 1 for a lifetime), or None
        :return: a number of the type of ``default``
        """
        # sudo: system parameters are readable by administrators only; only this one setting is read
        value = self.sudo().get_param(key)
        if value in (None, False, ""):
            return default
        try:
            number = type(default)(value)
        except (TypeError, ValueError):
            return default
        if not math.isfinite(number) or (minimum is not None and number < minimum):
            return default
        return number

    @api.model
    def _client_hub_get_choice(self, key, choices, default):
        """Return the system parameter ``key`` if it is one of ``choices``, else ``default``
        (a selection setting, e.g. the statement frequency of new clients).

        :param str key: the system parameter
        :param choices: the accepted values (strings)
        :param str default: returned when the parameter is unset or not accepted
        :rtype: str
        """
        # sudo: system parameters are readable by administrators only; only this one setting is read
        value = self.sudo().get_param(key)
        return value if value in choices else default

from odoo import api, models

from ..const import KONBINI_MAX_AMOUNT, STRIPE_KONBINI


class PaymentMethod(models.Model):
    _inherit = "payment.method"

    @api.model
    def _get_compatible_payment_methods(
        self, provider_ids, partner_id, currency_id=None, **kwargs
    ):
        """Override of `payment` to leave out konbini above Stripe's limit of one konbini
        payment, when the amount is known (``amount`` keyword)."""
        payment_methods = super()._get_compatible_payment_methods(
            provider_ids, partner_id, currency_id=currency_id, **kwargs
        )
        return payment_methods._client_hub_filter_amount(
            kwargs.get("amount"), self.env["res.currency"].browse(currency_id)
        )

    def _client_hub_filter_amount(self, amount, currency):
        """Return the methods that can pay `amount` in `currency` (konbini: at most
        ¥300,000).

        :param float|None amount: The amount to pay, None if unknown.
        :param res.currency currency: Its currency.
        """
        if amount is None or not currency or currency.name != "JPY":
            return self
        if currency.compare_amounts(amount, KONBINI_MAX_AMOUNT) <= 0:
            return self
        return self.filtered(lambda method: method.code != STRIPE_KONBINI)

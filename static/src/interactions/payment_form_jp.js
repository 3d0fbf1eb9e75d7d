import { patch } from '@web/core/utils/patch';

import { PaymentForm } from '@payment/interactions/payment_form';

const SERVER_CONFIRMED_CODES = ['jp_bank_transfer', 'konbini'];

patch(PaymentForm.prototype, {
    /**
     * Bank transfer and konbini are confirmed on the server: there is nothing to collect in
     * Stripe's payment element.
     *
     * @override method from @payment_stripe/interactions/payment_form
     */
    async _prepareInlineForm(providerId, providerCode, paymentOptionId, paymentMethodCode, flow) {
        if (providerCode === 'stripe' && SERVER_CONFIRMED_CODES.includes(paymentMethodCode)) {
            this._setPaymentFlow('direct');
            return;
        }
        await super._prepareInlineForm(...arguments);
    },

    /**
     * Skip Stripe's element submission for the methods confirmed on the server.
     *
     * @override method from @payment_stripe/interactions/payment_form
     */
    async _initiatePaymentFlow(providerCode, paymentOptionId, paymentMethodCode, flow) {
        if (providerCode === 'stripe' && SERVER_CONFIRMED_CODES.includes(paymentMethodCode)) {
            // Any code but 'stripe' makes Stripe's override defer to the generic flow.
            await super._initiatePaymentFlow('client_hub_stripe_jp', paymentOptionId, paymentMethodCode, flow);
            return;
        }
        await super._initiatePaymentFlow(...arguments);
    },

    /**
     * Go to the page showing the account number or the voucher.
     *
     * @override method from @payment/interactions/payment_form
     */
    async _processDirectFlow(providerCode, paymentOptionId, paymentMethodCode, processingValues) {
        if (processingValues['client_hub_redirect_url']) {
            window.location = processingValues['client_hub_redirect_url'];
            return;
        }
        await super._processDirectFlow(...arguments);
    },
});

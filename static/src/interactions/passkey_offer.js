import { Interaction } from "@web/public/interaction";
import { registry } from "@web/core/registry";

/**
 * The passkey offer, accepted: /my/security opens with Odoo's own "Add Passkey" flow
 * (auth_passkey_portal's `#portal_passkey_add`) started, as if its button was clicked.
 */
export class PasskeyOfferAccepted extends Interaction {
    static selector = "#portal_passkey_add";

    start() {
        const url = new URL(window.location.href);
        if (!url.searchParams.has("client_hub_add_passkey")) {
            return;
        }
        // a reload or a return to the page does not start it again
        url.searchParams.delete("client_hub_add_passkey");
        window.history.replaceState(window.history.state, "", url);
        // after every interaction of the page has started, the button's own included
        this.waitForTimeout(() => this.el.click(), 0);
    }
}

registry
    .category("public.interactions")
    .add("client_hub.passkey_offer_accepted", PasskeyOfferAccepted);

import { registry } from "@web/core/registry";

// Starts on the page of a sign-in link (auth_passkey_portal installed).
registry.category("web_tour.tours").add("client_hub_passkey_offer_tour", {
    steps: () => [
        {
            content: "Continue to the account",
            trigger: ".o_client_hub_magic_link_continue",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The portal offers to add a passkey",
            trigger: ".o_client_hub_passkey_offer_add",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Odoo's own passkey flow starts, no password asked",
            trigger: ".modal .modal-title:contains(Create Passkey)",
        },
        {
            content: "It asks for the key's name",
            trigger: ".modal input[name=keyname]",
        },
    ],
});

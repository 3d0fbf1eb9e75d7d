import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("client_hub_ticket_portal_tour", {
    url: "/my",
    steps: () => [
        {
            content: "Open the Support tile",
            trigger: ".o_portal_index_card a[href='/my/tickets']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Open a new ticket",
            trigger: "a.o_client_ticket_new",
            run: "click",
            expectUnloadPage: true,
        },
        {
            trigger: "form.o_client_ticket_form input[name='name']",
            run: "edit Printer prints pink",
        },
        {
            trigger: "form.o_client_ticket_form textarea[name='description']",
            run: "edit Every invoice comes out pink.",
        },
        {
            content: "Send the ticket",
            trigger: "form.o_client_ticket_form button[type='submit']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Answer in the conversation",
            trigger: "#chatterRoot:shadow .o-mail-Composer-input",
            run: "edit Any news about my printer?",
        },
        {
            trigger: "#chatterRoot:shadow .o-mail-Composer-send:enabled",
            run: "click",
        },
        {
            trigger: "#chatterRoot:shadow .o-mail-Message-body:contains(Any news about my printer?)",
        },
        {
            content: "Close the ticket",
            trigger: "form.o_client_ticket_close button[type='submit']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            trigger: ".o_client_ticket_stage:contains(Closed)",
        },
    ],
});

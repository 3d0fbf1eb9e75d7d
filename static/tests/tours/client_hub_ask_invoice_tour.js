import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("client_hub_ask_invoice_tour", {
    url: "/my/statement",
    steps: () => [
        {
            content: "Ask about the first invoice of the statement",
            trigger: "tbody tr:first-child a.o_client_statement_ask",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The subject names the invoice",
            trigger: "form.o_client_ticket_form input[name='name'][value^='Question about']",
        },
        {
            trigger: "form.o_client_ticket_form textarea[name='description']",
            run: "edit Line 3 looks wrong.",
        },
        {
            content: "Send the question",
            trigger: "form.o_client_ticket_form button[type='submit']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The ticket links to the invoice",
            trigger: "a.o_client_ticket_invoice",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The invoice is in question",
            trigger: ".o_client_invoice_in_question",
        },
    ],
});

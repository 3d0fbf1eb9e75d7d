import { registry } from "@web/core/registry";

// Tickets -> open the client's ticket -> take it -> answer the client in the chatter.
registry.category("web_tour.tours").add("client_hub_backend_ticket_answer_tour", {
    steps: () => [
        {
            content: "Open the client's ticket",
            trigger: ".o_kanban_record:contains(Where is my credit note?)",
            run: "click",
        },
        {
            content: "The client's question is on the ticket",
            trigger: ".o_form_view div[name=description]:contains(credit note we agreed on)",
        },
        {
            content: "Take the ticket",
            trigger: ".o_form_view button[name=action_assign_to_me]",
            run: "click",
        },
        {
            content: "Assigned",
            trigger: ".o_form_view:not(:has(button[name=action_assign_to_me])) div[name=user_id] input:value(Tara Tour)",
        },
        {
            content: "Answer the client",
            trigger: ".o-mail-Chatter-topbar button.o-mail-Chatter-sendMessage",
            run: "click",
        },
        {
            trigger: ".o-mail-Composer-input",
            run: "edit We sent your credit note this morning.",
        },
        {
            trigger: ".o-mail-Composer-send:enabled",
            run: "click",
        },
        {
            content: "The answer is in the conversation",
            trigger: ".o-mail-Message-body:contains(We sent your credit note this morning.)",
        },
    ],
});

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("client_hub_dashboard_tour", {
    steps: () => [
        {
            content: "The figures are on top of the client form",
            trigger: ".o_client_dashboard div[name=client_balance_due]:contains(700.00)",
        },
        {
            content: "The overdue amount is flagged",
            trigger: ".o_client_dashboard .badge:contains(Overdue)",
        },
        {
            content: "The invoices tab lists the client's invoices with their status",
            trigger: "div[name=client_invoice_ids] .o_data_row .badge:contains(Partially paid)",
        },
        {
            content: "Open the quotations",
            trigger: ".o_notebook .nav-link:contains(Quotations)",
            run: "click",
        },
        {
            content: "A quotation the client declined reads Rejected",
            trigger: "div[name=client_order_ids] .o_data_row .badge:contains(Rejected)",
        },
        {
            content: "Open the full, filterable list of invoices",
            trigger: ".o_notebook .nav-link:contains(Invoices)",
            run: "click",
        },
        {
            trigger: "button[name=action_client_open_invoices]",
            run: "click",
        },
        {
            content: "The list shows only this client's documents",
            trigger: ".o_list_view .o_data_row:contains(Tour Client)",
        },
    ],
});

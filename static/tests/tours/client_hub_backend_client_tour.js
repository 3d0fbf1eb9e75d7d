import { registry } from "@web/core/registry";

// The client's invoices are told apart by their amounts (set up in tests/test_tours.py).

// Client form -> dashboard figures -> New Invoice -> confirm it -> the figures include it.
registry.category("web_tour.tours").add("client_hub_backend_dashboard_invoice_tour", {
    steps: () => [
        {
            content: "The dashboard shows what the client was invoiced",
            trigger: ".o_client_dashboard div[name=client_total_invoiced]:contains(770.00)",
        },
        {
            content: "Nothing is paid yet: all of it is due",
            trigger: ".o_client_dashboard div[name=client_balance_due]:contains(770.00)",
        },
        {
            content: "The overdue invoice is flagged",
            trigger: ".o_client_dashboard div[name=client_overdue_amount]:contains(120.00)",
        },
        {
            content: "The invoices tab lists the client's invoices",
            trigger: "div[name=client_invoice_ids] .o_data_row:contains(400.00)",
        },
        {
            content: "Invoice the client",
            trigger: ".o_form_view button[name=action_client_new_invoice]",
            run: "click",
        },
        {
            content: "The new invoice is for this client",
            trigger: ".o_form_view div[name=partner_id] input:value(Sakura Tour Co)",
        },
        {
            content: "Add a line",
            trigger: "div[name=invoice_line_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Choose the product",
            trigger: "div[name=invoice_line_ids] .o_selected_row [name=product_id] input",
            run: "edit Tour Audit",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains(Tour Audit)",
            run: "click",
        },
        {
            content: "Its price is filled in",
            trigger: "div[name=invoice_line_ids] .o_selected_row [name=price_unit] input:value(500.00)",
        },
        {
            content: "Confirm the invoice",
            trigger: ".o_form_view button[name=action_post]",
            run: "click",
        },
        {
            content: "The invoice is posted",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current[data-value=posted]",
        },
        {
            content: "Back to the client",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains(Sakura Tour Co)",
            run: "click",
        },
        {
            content: "The dashboard now counts the new invoice",
            trigger: ".o_client_dashboard div[name=client_total_invoiced]:contains(1,270.00)",
        },
        {
            trigger: "div[name=client_invoice_ids] .o_data_row:contains(500.00)",
        },
    ],
});

// Client form -> E-mail Templates -> the client's own invoice subject -> send an invoice with it.
registry.category("web_tour.tours").add("client_hub_backend_template_send_tour", {
    steps: () => [
        {
            content: "Open the client's e-mail templates",
            trigger: ".o_notebook .nav-link:contains(E-mail Templates)",
            run: "click",
        },
        {
            content: "The invoice e-mail is the global one so far",
            trigger: ".o_notebook .tab-pane.active .badge:contains(Global template)",
        },
        {
            content: "Write how this client is addressed",
            trigger: "div[name=client_invoice_template_subject] input",
            run: "edit Sakura, your invoice {{ object.name }}",
        },
        {
            content: "Save the client",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The client has its own invoice e-mail now",
            trigger: ".o_notebook .tab-pane.active .badge:contains(This client's own template)",
        },
        {
            content: "Back to the client's invoices",
            trigger: ".o_notebook .nav-link:contains(Invoices)",
            run: "click",
        },
        {
            content: "Open the 400.00 invoice",
            trigger: "div[name=client_invoice_ids] .o_data_row:contains(400.00) button[name=get_formview_action]",
            run: "click",
        },
        {
            content: "Send it",
            trigger: ".o_form_view button[name=action_invoice_sent]",
            run: "click",
        },
        {
            content: "The e-mail uses the client's own subject",
            trigger: ".modal div[name=subject] input:value(Sakura, your invoice)",
        },
        {
            trigger: ".modal button[name=action_send_and_print]",
            run: "click",
        },
        {
            content: "Sent: the e-mail is in the invoice's chatter",
            trigger: "body:not(:has(.modal)) .o-mail-Message:contains(Sakura, your invoice)",
        },
    ],
});

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("client_hub_client_templates_tour", {
    steps: () => [
        {
            content: "Open the e-mail templates of the client",
            trigger: ".o_notebook .nav-link:contains(E-mail Templates)",
            run: "click",
        },
        {
            content: "The invoice e-mail starts from the global template",
            trigger: ".o_notebook .tab-pane.active .badge:contains(Global template)",
        },
        {
            content: "The body is edited in the rich-text editor",
            trigger: "div[name=client_invoice_template_body] .odoo-editor-editable",
        },
        {
            content: "Write the client's own subject",
            trigger: "div[name=client_invoice_template_subject] input",
            run: "edit Tour invoice {{ object.name }}",
        },
        {
            content: "Save the client",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The client now has a template of its own",
            trigger: ".o_notebook .tab-pane.active .badge:contains(This client's own template)",
        },
        {
            content: "Preview it with Odoo's template preview",
            trigger: ".o_notebook .tab-pane.active button[name=action_client_template_preview]",
            run: "click",
        },
        {
            content: "The preview shows the rendered subject",
            trigger: ".modal .o_mail_template_preview_form_view:contains(Tour invoice)",
        },
    ],
});

registry.category("web_tour.tours").add("client_hub_client_templates_untouched_tour", {
    steps: () => [
        {
            content: "Open the e-mail templates of the client",
            trigger: ".o_notebook .nav-link:contains(E-mail Templates)",
            run: "click",
        },
        {
            content: "The invoice body is loaded in the rich-text editor",
            trigger: "div[name=client_invoice_template_body] .odoo-editor-editable",
        },
        {
            content: "Change something else on the client",
            trigger: "div[name=phone] input",
            run: "edit +32 2 555 00 00",
        },
        {
            content: "Save the client",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_saved",
        },
        {
            content: "The client still uses the global template",
            trigger: ".o_notebook .tab-pane.active .badge:contains(Global template)",
        },
    ],
});

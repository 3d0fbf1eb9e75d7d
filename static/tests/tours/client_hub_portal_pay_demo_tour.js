import { registry } from "@web/core/registry";

// Run by tests/test_tours_demo_payment.py, only on a database where payment_demo is installed.
// The client's documents, told apart by their amounts (set up in that test).
const rowOf = (amount) => `#o_client_statement_form tr:has(td:contains(${amount}))`;

// Statement -> tick two invoices -> pay them with the demo provider -> they read Paid.
registry.category("web_tour.tours").add("client_hub_portal_pay_tour", {
    steps: () => [
        {
            content: "Tick the overdue invoice",
            trigger: `${rowOf("120.00")} input[name=invoice_ids]`,
            run: "click",
        },
        {
            content: "Tick the 250.00 invoice",
            trigger: `${rowOf("250.00")} input[name=invoice_ids]`,
            run: "click",
        },
        {
            content: "Pay the selection",
            trigger: ".o_client_statement_pay_selected",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The payment page sums the two balances",
            trigger: ".o_client_statement_pay_amount:contains(370.00)",
        },
        {
            content: "Enter the demo card number",
            trigger: "#customer_input",
            run: "edit 4242424242424242",
        },
        {
            content: "Pay",
            trigger: "button[name=o_payment_submit_button]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Back on the statement, the overdue invoice reads Paid",
            trigger: `${rowOf("120.00")} .badge:contains(Paid)`,
        },
        {
            content: "The other paid invoice too",
            trigger: `${rowOf("250.00")} .badge:contains(Paid)`,
        },
        {
            content: "Only the unticked invoice is left to pay",
            trigger: ".o_client_statement_due:contains(400.00)",
        },
    ],
});

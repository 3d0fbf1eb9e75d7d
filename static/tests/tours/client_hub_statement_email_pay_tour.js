import { registry } from "@web/core/registry";

// Run by tests/test_tours_demo_payment.py, only on a database where payment_demo is installed:
// it starts at the personal link of the client's statement e-mail, signed out. The client's
// documents are told apart by their amounts (set up in that test).
const rowOf = (amount) => `#o_client_statement_form tr:has(td:contains(${amount}))`;

// Statement e-mail link -> the overdue invoices ticked -> pay them with the demo provider -> Paid.
registry.category("web_tour.tours").add("client_hub_statement_email_pay_tour", {
    steps: () => [
        {
            content: "The link of the e-mail asks for one click",
            trigger: ".o_client_hub_magic_link_continue",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Signed in on the statement: the overdue 120.00 is ticked",
            trigger: `${rowOf("120.00")} input[name=invoice_ids]:checked`,
        },
        {
            content: "The overdue 75.00 too",
            trigger: `${rowOf("75.00")} input[name=invoice_ids]:checked`,
        },
        {
            content: "The invoice not yet due is not",
            trigger: `${rowOf("250.00")} input[name=invoice_ids]:not(:checked)`,
        },
        {
            content: "Pay the ticked invoices",
            trigger: ".o_client_statement_pay_selected",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The payment page sums the overdue balances",
            trigger: ".o_client_statement_pay_amount:contains(195.00)",
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
            content: "Back on the statement, the overdue invoices read Paid",
            trigger: `${rowOf("120.00")} .badge:contains(Paid)`,
        },
        {
            content: "Both of them",
            trigger: `${rowOf("75.00")} .badge:contains(Paid)`,
        },
        {
            content: "Only the invoice not yet due is left to pay",
            trigger: ".o_client_statement_due:contains(250.00)",
        },
    ],
});

import { registry } from "@web/core/registry";

// The client's documents, told apart by their amounts (set up in tests/test_tours.py).
const rowOf = (amount) => `#o_client_statement_form tr:has(td:contains(${amount}))`;

/**
 * Check that the response is a ZIP holding exactly one PDF per ticked document, named after it.
 *
 * @param {Response} response
 * @param {string[]} names The numbers of the ticked documents.
 */
async function checkZip(response, names) {
    if (!response.ok || response.headers.get("Content-Type") !== "application/zip") {
        throw new Error(`The download is not a ZIP (HTTP ${response.status}).`);
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    let entries = 0;
    for (let i = 0; i + 3 < bytes.length; i++) {
        // Local file header signature "PK\x03\x04": one per file in the archive.
        if (bytes[i] === 0x50 && bytes[i + 1] === 0x4b && bytes[i + 2] === 0x03 && bytes[i + 3] === 0x04) {
            entries++;
        }
    }
    const text = new TextDecoder("latin1").decode(bytes);
    const missing = names
        .map((name) => `${name.replace(/[^A-Za-z0-9._-]+/g, "_")}.pdf`)
        .filter((fileName) => !text.includes(fileName));
    if (entries !== names.length || missing.length) {
        throw new Error(`The ZIP holds ${entries} files, expected ${names.length}; missing: ${missing}`);
    }
}

// Magic link from an e-mail -> statement -> tick two invoices -> download their PDFs in one ZIP.
registry.category("web_tour.tours").add("client_hub_portal_magic_link_zip_tour", {
    steps: () => [
        {
            content: "The link opens a one-click page: sign in",
            trigger: "button.o_client_hub_magic_link_continue",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Signed in, the client lands on the statement with the total due",
            trigger: ".o_client_statement_due:contains(770.00)",
        },
        {
            content: "The overdue invoice is flagged",
            trigger: `${rowOf("120.00")} .badge:contains(Overdue)`,
        },
        {
            content: "Tick the overdue invoice",
            trigger: `${rowOf("120.00")} input[name=invoice_ids]`,
            run: "click",
        },
        {
            content: "Tick the 400.00 invoice",
            trigger: `${rowOf("400.00")} input[name=invoice_ids]`,
            run: "click",
        },
        {
            content: "Two invoices are ticked, the third one is not",
            trigger: `${rowOf("250.00")} input[name=invoice_ids]:not(:checked)`,
        },
        {
            content: "Download the selection: the browser posts the form to the download route",
            trigger: "#o_client_statement_form button.o_client_statement_download",
            async run() {
                const button = this.anchor;
                const form = button.form;
                const names = [...form.querySelectorAll("input[name=invoice_ids]:checked")].map(
                    (input) => input.closest("tr").querySelector("td:nth-child(2) a").textContent.trim()
                );
                if (names.length !== 2 || !button.formAction.endsWith("/my/statement/download")) {
                    throw new Error(`Unexpected download form: ${button.formAction} ${names}`);
                }
                // A real click would only start a file download (which the test browser refuses):
                // send the very same form submission and read the file it answers.
                const response = await fetch(button.formAction, {
                    method: "POST",
                    body: new FormData(form, button),
                });
                await checkZip(response, names);
                document.body.classList.add("o_client_hub_zip_checked");
            },
        },
        {
            content: "The ZIP was checked",
            trigger: "body.o_client_hub_zip_checked",
        },
    ],
});

{
    "name": "Client Hub",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "summary": "Client 360° dashboard, per-client e-mail templates, magic-link portal "
    "with statement, card payment of any selection, ZIP download and support tickets",
    "description": """
Client Hub turns the contact record into a client-management hub:

* client profile: billing e-mail and phone, billing address, validated tax ID printed
  on every invoice and quotation;
* 360° dashboard: total invoiced, total paid, balance due and overdue, with the
  client's invoices and quotations;
* per-client e-mail templates that replace the global ones for that client;
* client portal: passwordless magic-link sign-in, statement of everything owed,
  payment of any selection of invoices by card (Stripe), ZIP of invoice PDFs and
  support tickets.
""",
    "author": "client_hub",
    "website": "https://github.com/client-hub/client_hub",
    "license": "LGPL-3",
    "depends": [
        "account",
        "sale_management",
        "portal",
        "account_payment",
        "payment_stripe",
        "payment_demo",
        "mail",
        "base_vat",
    ],
    "data": [
        "security/ir.model.access.csv",
        "security/client_hub_security.xml",
        # client profile (issue 2)
        "reports/report_invoice.xml",
        "reports/report_saleorder.xml",
        "views/res_partner_views.xml",
        # dashboard (issue 3)
        # e-mail templates (issue 4)
        # magic link (issue 5)
        # statement, payment, ZIP (issue 6)
        # tickets (issue 7)
        # menus last: they reference the actions above
        "views/client_hub_menus.xml",
    ],
    "demo": [
        "demo/res_partner_demo.xml",
        "demo/account_move_demo.xml",
    ],
    "assets": {
        "web.assets_frontend": [
            "client_hub/static/src/interactions/**/*",
        ],
        "web.assets_tests": [
            "client_hub/static/tests/tours/**/*",
        ],
    },
    "application": True,
    "installable": True,
}

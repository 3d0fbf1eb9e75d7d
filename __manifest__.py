{
    "name": "Client Hub",
    "version": "19.0.1.5.0",
    "category": "Sales/CRM",
    "summary": "Client 360° dashboard, per-client e-mail templates, magic-link portal "
    "with statement, card payment of any selection, ZIP download and support tickets",
    "author": "client_hub",
    "website": "https://github.com/client-hub/client_hub",
    "license": "LGPL-3",
    "depends": [
        "account",
        "sale_management",
        "portal",
        "account_payment",
        "payment_stripe",
        "mail",
        "base_vat",
        "auth_passkey",
    ],
    "data": [
        "security/ir.model.access.csv",
        # client profile
        "reports/report_invoice.xml",
        # qualified invoices of companies in Japan
        "reports/report_invoice_qualified_invoice.xml",
        # bank transfers (振込) to the company's account in Japan
        "reports/report_bank_transfer_jp.xml",
        "views/res_partner_bank_views.xml",
        "reports/report_saleorder.xml",
        # the Japanese layout of the documents of companies in Japan
        "views/res_company_views.xml",
        "reports/report_jp_layout.xml",
        "views/res_partner_views.xml",
        # dashboard
        "views/res_partner_dashboard_views.xml",
        # per-client e-mail templates
        "views/res_partner_template_views.xml",
        "wizards/client_hub_template_compare_views.xml",
        # magic link
        "data/client_hub_magic_link_mail_template.xml",
        "data/ir_cron_data.xml",
        "views/client_hub_magic_link_templates.xml",
        "views/client_hub_magic_link_views.xml",
        "views/client_hub_passkey_portal_templates.xml",
        "data/client_hub_email_change_mail_template.xml",
        "views/client_hub_email_change_templates.xml",
        "views/res_config_settings_views.xml",
        # statement, payment, ZIP
        "reports/report_client_statement_jp.xml",
        "reports/client_hub_statement_report.xml",
        "data/client_hub_statement_mail_template.xml",
        "views/client_hub_statement_views.xml",
        "views/client_hub_statement_portal_templates.xml",
        "security/client_hub_statement_security.xml",
        # bank transfer and konbini through Stripe
        "data/payment_method_data.xml",
        "data/client_hub_jp_payment_data.xml",
        "security/client_hub_jp_payment_security.xml",
        "views/client_hub_jp_payment_portal_templates.xml",
        "views/client_hub_statement_log_views.xml",
        # tickets
        "security/client_hub_ticket_security.xml",
        "data/client_hub_ticket_data.xml",
        "views/client_hub_ticket_views.xml",
        "views/client_hub_ticket_portal_templates.xml",
        # the client's language
        "views/client_hub_language_portal_templates.xml",
        # Electronic Bookkeeping Act archive
        "security/client_hub_archive_security.xml",
        "views/client_hub_issued_document_views.xml",
        "data/client_hub_archive_cron.xml",
        # menus last: they reference the actions above
        "views/client_hub_menus.xml",
    ],
    "demo": [
        "demo/res_partner_demo.xml",
        "demo/res_partner_template_demo.xml",
        "demo/account_move_demo.xml",
        "demo/client_hub_ticket_demo.xml",
    ],
    "assets": {
        "web.assets_frontend": [
            "client_hub/static/src/interactions/**/*",
        ],
        "web.assets_tests": [
            "client_hub/static/tests/tours/**/*",
        ],
    },
    "uninstall_hook": "uninstall_hook",
    "application": True,
    "installable": True,
}

"""Configuration keys (system parameters) of client_hub with their defaults, and the
constants several of its models share.

Numeric settings are read with `ir.config_parameter._client_hub_get_number`, which falls
back on the default given here when the parameter is unset or not a number.
"""

# Magic link ----------------------------------------------------------------------------
# type of the credential a magic link signs its contact's portal user in with
MAGIC_LINK_CREDENTIAL = "client_hub_magic_link"
PARAM_MAGIC_LINK_DOCUMENT_TTL_DAYS = "client_hub.magic_link_document_ttl_days"
DEFAULT_MAGIC_LINK_DOCUMENT_TTL_DAYS = 30
PARAM_MAGIC_LINK_LOGIN_TTL_MINUTES = "client_hub.magic_link_login_ttl_minutes"
DEFAULT_MAGIC_LINK_LOGIN_TTL_MINUTES = 15

# Rate limits ---------------------------------------------------------------------------
PARAM_RATE_LIMIT_WINDOW_MINUTES = "client_hub.rate_limit_window_minutes"
DEFAULT_RATE_LIMIT_WINDOW_MINUTES = 15
# attempts allowed per window of a kind of key: system parameter PARAM_RATE_LIMIT_PREFIX + kind
PARAM_RATE_LIMIT_PREFIX = "client_hub.rate_limit_"
DEFAULT_RATE_LIMITS = {
    "request_ip": 10,  # sign-in links asked for at /client/login, per IP
    "request_email": 3,  # sign-in links asked for at /client/login, per typed address
    "use_ip": 30,  # magic-link pages opened or submitted, per IP
    "use_email": 10,  # sign-ins with a magic link, per client e-mail
    "zip_render": 10,  # statement ZIP downloads that render PDFs, per client
    "email_change": 3,  # new e-mail addresses asked for from the portal, per contact
}

# E-mail change asked from the portal -----------------------------------------------------
# scope of the signed token of the confirmation link (`tools.hash_sign`)
EMAIL_CHANGE_TOKEN_SCOPE = "client_hub.email_change"
EMAIL_CHANGE_TTL_HOURS = 24
# context key under which an e-mail written to a contact waits for confirmation
EMAIL_CHANGE_CONTEXT = "client_hub_confirm_email"

# Statement ZIP download ----------------------------------------------------------------
PARAM_STATEMENT_ZIP_MAX = "client_hub.statement_zip_max"  # documents in one ZIP
DEFAULT_STATEMENT_ZIP_MAX = 100
PARAM_STATEMENT_ZIP_RENDER_MAX = (
    "client_hub.statement_zip_render_max"  # PDFs rendered for one ZIP
)
DEFAULT_STATEMENT_ZIP_RENDER_MAX = 50

# Invoice PDFs rendered in the background ---------------------------------------------------
PARAM_INVOICE_PDF_BATCH_SIZE = (
    "client_hub.invoice_pdf_batch_size"  # documents per wkhtmltopdf run
)
DEFAULT_INVOICE_PDF_BATCH_SIZE = 50

# Statements that send themselves ---------------------------------------------------------
# Settings defaults of new clients: how often (off, monthly, weekly), on which day of the
# month (1-28: every month has it) and on which weekday (0 = Monday, as date.weekday())
PARAM_STATEMENT_FREQUENCY = "client_hub.statement_frequency"
DEFAULT_STATEMENT_FREQUENCY = "off"
PARAM_STATEMENT_MONTH_DAY = "client_hub.statement_month_day"
DEFAULT_STATEMENT_MONTH_DAY = 1
PARAM_STATEMENT_WEEKDAY = "client_hub.statement_weekday"
DEFAULT_STATEMENT_WEEKDAY = "0"
STATEMENT_FREQUENCIES = ("off", "monthly", "weekly")
STATEMENT_MAX_MONTH_DAY = 28

# Tickets -------------------------------------------------------------------------------
PARAM_TICKET_ATTACHMENT_MAX_SIZE_MB = "client_hub.ticket_attachment_max_size_mb"
DEFAULT_TICKET_ATTACHMENT_MAX_SIZE_MB = (
    10.0  # a float: fractions of a megabyte are allowed
)

# Per-client e-mail templates -----------------------------------------------------------
# kind of client template: (document model, global template used when the client has none)
CLIENT_TEMPLATE_KINDS = {
    "invoice": ("account.move", "account.email_template_edi_invoice"),
    "credit_note": ("account.move", "account.email_template_edi_credit_note"),
    "quotation": ("sale.order", "sale.email_template_edi_sale"),
    "order": ("sale.order", "sale.mail_template_sale_confirmation"),
    "receipt": ("account.payment", "account.mail_template_data_payment_receipt"),
    "statement": ("res.partner", "client_hub.mail_template_client_statement"),
}
# field values of the documents a kind of client template is meant for
CLIENT_TEMPLATE_SAMPLE_VALUES = {
    "invoice": {"move_type": "out_invoice"},
    "credit_note": {"move_type": "out_refund"},
    "receipt": {"payment_type": "inbound", "partner_type": "customer"},
}
# documents "Send me a test" may render a client template on, besides the values above:
# the client's latest one is used (each model's default order puts the latest first)
CLIENT_TEMPLATE_TEST_DOMAINS = {
    "invoice": [("state", "=", "posted")],
    "credit_note": [("state", "=", "posted")],
    "quotation": [("state", "in", ("draft", "sent"))],
    "order": [("state", "=", "sale")],
    "receipt": [("state", "in", ("in_process", "paid"))],
}
# sale's system parameter holding the order confirmation template chosen in Settings
PARAM_SALE_CONFIRMATION_TEMPLATE = "sale.default_confirmation_template"

# who reads the client dashboard's figures: whoever may read customer invoices (stock access
# rights of account.move)
CLIENT_FIGURE_GROUPS = (
    "account.group_account_invoice,account.group_account_readonly,"
    "sales_team.group_sale_salesman"
)

# Japanese payments with Stripe ---------------------------------------------------------
# `payment.method` codes of the bank transfer (Stripe `customer_balance`) and of konbini
STRIPE_JP_BANK_TRANSFER = "jp_bank_transfer"
STRIPE_KONBINI = "konbini"
STRIPE_JP_METHOD_CODES = (STRIPE_JP_BANK_TRANSFER, STRIPE_KONBINI)
# Stripe's limit of one konbini payment, in yen
KONBINI_MAX_AMOUNT = 300_000
# the bank transfer fee a client may deduct from a transfer by default, in yen
DEFAULT_TRANSFER_FEE_MAX = 880

# Electronic Bookkeeping Act archive (電子帳簿保存法) ----------------------------------------
PARAM_ARCHIVE_ZIP_MAX = "client_hub.archive_zip_max"  # documents in one audit ZIP
DEFAULT_ARCHIVE_ZIP_MAX = 500
# rows hashed per batch by "Verify" and its daily cron (their files are read one by one)
ARCHIVE_VERIFY_BATCH = 200

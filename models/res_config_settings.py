from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..const import (
    DEFAULT_MAGIC_LINK_DOCUMENT_TTL_DAYS,
    DEFAULT_MAGIC_LINK_LOGIN_TTL_MINUTES,
    DEFAULT_RATE_LIMITS,
    DEFAULT_STATEMENT_FREQUENCY,
    DEFAULT_STATEMENT_MONTH_DAY,
    DEFAULT_STATEMENT_WEEKDAY,
    PARAM_MAGIC_LINK_DOCUMENT_TTL_DAYS,
    PARAM_MAGIC_LINK_LOGIN_TTL_MINUTES,
    PARAM_RATE_LIMIT_PREFIX,
    PARAM_STATEMENT_FREQUENCY,
    PARAM_STATEMENT_MONTH_DAY,
    PARAM_STATEMENT_WEEKDAY,
    STATEMENT_MAX_MONTH_DAY,
)
from .res_partner_statement_schedule import WEEKDAYS


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # Settings choose global templates: clients' own copies are not offered there.
    invoice_mail_template_id = fields.Many2one(
        domain=[("model", "=", "account.move"), ("client_hub_partner_id", "=", False)],
    )

    # magic link
    client_hub_magic_link_document_ttl_days = fields.Integer(
        string="Document Link Validity (days)",
        config_parameter=PARAM_MAGIC_LINK_DOCUMENT_TTL_DAYS,
        default=DEFAULT_MAGIC_LINK_DOCUMENT_TTL_DAYS,
        help="How long the sign-in links in document e-mails (invoices, quotations, "
        "receipts, statements) stay valid.",
    )
    client_hub_magic_link_login_ttl_minutes = fields.Integer(
        string="Sign-in Link Validity (minutes)",
        config_parameter=PARAM_MAGIC_LINK_LOGIN_TTL_MINUTES,
        default=DEFAULT_MAGIC_LINK_LOGIN_TTL_MINUTES,
        help="How long a link asked for on the portal sign-in page stays valid. "
        "It can be used only once.",
    )

    # statement ZIP downloads
    client_hub_zip_render_limit = fields.Integer(
        string="ZIP Downloads with Generated PDFs",
        config_parameter=PARAM_RATE_LIMIT_PREFIX + "zip_render",
        default=DEFAULT_RATE_LIMITS["zip_render"],
        help="How many statement ZIP downloads whose PDFs must be generated a client may "
        "start per rate-limit window (15 minutes unless set otherwise). Downloads of PDFs "
        "already stored are not counted; a client generates one ZIP at a time.",
    )

    # automatic statements of new clients
    client_hub_statement_frequency = fields.Selection(
        [("off", "Off"), ("monthly", "Monthly"), ("weekly", "Weekly")],
        string="Automatic Statement of New Clients",
        config_parameter=PARAM_STATEMENT_FREQUENCY,
        default=DEFAULT_STATEMENT_FREQUENCY,
        help="The statement schedule new clients start with; each client's can be changed "
        "on its form.",
    )
    client_hub_statement_month_day = fields.Integer(
        string="Day of the Month",
        config_parameter=PARAM_STATEMENT_MONTH_DAY,
        default=DEFAULT_STATEMENT_MONTH_DAY,
    )
    client_hub_statement_weekday = fields.Selection(
        WEEKDAYS,
        string="Day of the Week",
        config_parameter=PARAM_STATEMENT_WEEKDAY,
        default=DEFAULT_STATEMENT_WEEKDAY,
    )

    @api.constrains("client_hub_statement_month_day")
    def _check_client_hub_statement_month_day(self):
        for settings in self:
            if (
                not 1
                <= settings.client_hub_statement_month_day
                <= STATEMENT_MAX_MONTH_DAY
            ):
                raise ValidationError(
                    self.env._(
                        "A monthly statement is sent on a day from 1 to %(max)s (every "
                        "month has it).",
                        max=STATEMENT_MAX_MONTH_DAY,
                    )
                )

import logging
from datetime import timedelta

import psycopg2
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..const import (
    DEFAULT_STATEMENT_FREQUENCY,
    DEFAULT_STATEMENT_MONTH_DAY,
    DEFAULT_STATEMENT_WEEKDAY,
    PARAM_STATEMENT_FREQUENCY,
    PARAM_STATEMENT_MONTH_DAY,
    PARAM_STATEMENT_WEEKDAY,
    STATEMENT_FREQUENCIES,
    STATEMENT_MAX_MONTH_DAY,
)
from .res_partner_statement_jp import next_closing_date

_logger = logging.getLogger(__name__)

WEEKDAYS = [
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]
# Key of the advisory lock a run of the scheduler holds on the client it is sending to.
STATEMENT_LOCK_KEY = "client_hub_statement_schedule"


def next_statement_date(frequency, month_day, weekday, start, closing_day=None):
    """Return the first day on or after ``start`` a statement of this schedule is due.

    :param str frequency: ``monthly``, ``weekly`` or ``closing_day`` (anything else: never)
    :param int month_day: day of the month (1-28, so every month has it)
    :param int weekday: day of the week, 0 for Monday (as `date.weekday()`)
    :param date start: the first day that may be returned
    :param str closing_day: the client's closing day (``closing_day`` schedule): "1".."28",
        or "end" for the month's last day, whatever its length
    :rtype: date|None
    """
    if frequency == "closing_day" and closing_day:
        return next_closing_date(closing_day, start)
    if frequency == "monthly" and 1 <= (month_day or 0) <= STATEMENT_MAX_MONTH_DAY:
        candidate = start.replace(day=month_day)
        if candidate < start:
            candidate = (start + relativedelta(months=1)).replace(day=month_day)
        return candidate
    if frequency == "weekly" and weekday is not None and 0 <= weekday <= 6:
        return start + timedelta(days=(weekday - start.weekday()) % 7)
    return None


class ResPartner(models.Model):
    """Statements that send themselves: each client's schedule (off, monthly or weekly on
    a chosen day) and the cron that e-mails the statements due, once each."""

    _inherit = "res.partner"

    def _default_client_statement_frequency(self):
        return self.env["ir.config_parameter"]._client_hub_get_choice(
            PARAM_STATEMENT_FREQUENCY,
            STATEMENT_FREQUENCIES,
            DEFAULT_STATEMENT_FREQUENCY,
        )

    def _default_client_statement_month_day(self):
        day = self.env["ir.config_parameter"]._client_hub_get_number(
            PARAM_STATEMENT_MONTH_DAY, DEFAULT_STATEMENT_MONTH_DAY, minimum=1
        )
        return day if day <= STATEMENT_MAX_MONTH_DAY else DEFAULT_STATEMENT_MONTH_DAY

    def _default_client_statement_weekday(self):
        return self.env["ir.config_parameter"]._client_hub_get_choice(
            PARAM_STATEMENT_WEEKDAY,
            [key for key, _label in WEEKDAYS],
            DEFAULT_STATEMENT_WEEKDAY,
        )

    client_statement_frequency = fields.Selection(
        [
            ("off", "Off"),
            ("monthly", "Monthly"),
            ("weekly", "Weekly"),
            ("closing_day", "Monthly on the Closing Day"),
        ],
        string="Automatic Statement",
        required=True,
        default=lambda self: self._default_client_statement_frequency(),
        groups="base.group_user",
        help="E-mail the client its statement on a schedule, with the client's statement "
        "template. No statement is sent when nothing is due. Monthly on the Closing Day: "
        "the monthly invoice (請求書) of the period just closed, on each closing day.",
    )
    client_statement_month_day = fields.Integer(
        string="Day of the Month",
        default=lambda self: self._default_client_statement_month_day(),
        groups="base.group_user",
        help="1 to 28, so that every month has it.",
    )
    client_statement_weekday = fields.Selection(
        WEEKDAYS,
        string="Day of the Week",
        default=lambda self: self._default_client_statement_weekday(),
        groups="base.group_user",
    )
    client_statement_last_date = fields.Date(
        string="Last Scheduled Statement",
        readonly=True,
        copy=False,
        groups="base.group_user",
        help="The last day the schedule came round (statement sent, or nothing due).",
    )
    client_statement_next_date = fields.Date(
        string="Next Statement",
        compute="_compute_client_statement_next_date",
        store=True,
        index="btree_not_null",
        groups="base.group_user",
        help="The day the next automatic statement is due to be sent.",
    )

    @api.depends(
        "is_company",
        "parent_id",
        "client_statement_frequency",
        "client_statement_month_day",
        "client_statement_weekday",
        "client_statement_closing_day",
        "client_statement_last_date",
    )
    def _compute_client_statement_next_date(self):
        """The first day of the schedule from today on, and after the last one handled.
        Only clients (commercial partners) have a schedule: a contact gets its company's
        statement."""
        today = fields.Date.context_today(self)
        for partner in self:
            last = partner.client_statement_last_date
            start = max(today, last + timedelta(days=1)) if last else today
            is_client = partner.is_company or not partner.parent_id
            weekday = partner.client_statement_weekday
            partner.client_statement_next_date = is_client and next_statement_date(
                partner.client_statement_frequency,
                partner.client_statement_month_day,
                int(weekday) if weekday else None,
                start,
                closing_day=partner.client_statement_closing_day,
            )

    @api.constrains("client_statement_frequency", "client_statement_month_day")
    def _check_client_statement_month_day(self):
        for partner in self:
            if partner.client_statement_frequency == "monthly" and not (
                1 <= partner.client_statement_month_day <= STATEMENT_MAX_MONTH_DAY
            ):
                raise ValidationError(
                    self.env._(
                        "A monthly statement is sent on a day from 1 to %(max)s (every "
                        "month has it).",
                        max=STATEMENT_MAX_MONTH_DAY,
                    )
                )

    @api.constrains("client_statement_frequency", "client_statement_closing_day")
    def _check_client_statement_closing_day(self):
        for partner in self:
            if (
                partner.client_statement_frequency == "closing_day"
                and not partner.client_statement_closing_day
            ):
                raise ValidationError(
                    self.env._(
                        "Set the client's closing day to send its statement on it every month."
                    )
                )

    # ------------------------------------------------------------------
    # Scheduler
    # ------------------------------------------------------------------
    @api.model
    def _cron_send_scheduled_statements(self):
        """Cron: e-mail each client whose statement day has come its statement, once.

        Each client is handled and committed on its own: a failure leaves the others
        sent, and a concurrent run (another worker or server) skips the client being
        handled here (see `_client_hub_send_scheduled_statement`).
        """
        clients = self.search(self._get_client_statement_due_domain())
        self.env["ir.cron"]._commit_progress(remaining=len(clients))
        for client in clients:
            try:
                with self.env.cr.savepoint():
                    client._client_hub_send_scheduled_statement()
            except psycopg2.OperationalError:
                raise  # Concurrent update: the next run tries again.
            except Exception:
                _logger.exception(
                    "Scheduled statement of client %s failed; retried on the next run.",
                    client.id,
                )
            if not self.env["ir.cron"]._commit_progress(1):
                break  # out of time: the next run goes on

    @api.model
    def _get_client_statement_due_domain(self):
        return [
            ("client_statement_next_date", "<=", fields.Date.context_today(self)),
            ("client_statement_frequency", "!=", "off"),
        ]

    def _client_hub_send_scheduled_statement(self):
        """E-mail the client its scheduled statement if it is still due, in the current
        transaction. Safe when several runs overlap:

        - a run holds a lock on the client until it commits; another run skips the client
          instead of waiting (and sending again once the lock is released);
        - the statement of a (client, day) is claimed by inserting its log row before
          sending: a run that read the client before another committed it finds the row
          taken (unique index) and sends nothing.

        :return: the log of the statement (``state`` sent or nothing_due), or None when
            another run has it or it is no longer due
        """
        self.ensure_one()
        if not self._client_hub_try_lock_statement():
            return None
        self.invalidate_recordset()  # another run may have handled it meanwhile
        due_date = self.client_statement_next_date
        today = fields.Date.context_today(self)
        if not due_date or due_date > today or self.client_statement_frequency == "off":
            return None
        has_due = self._client_hub_has_statement_due()
        log = self.env["client_hub.statement.log"]._claim_scheduled(
            self, due_date, "sent" if has_due else "nothing_due"
        )
        if not log:
            return None
        self.client_statement_last_date = today
        if has_due:
            message = self._client_hub_post_statement()
            log.write({"message_id": message.id, "sent_date": fields.Datetime.now()})
        return log

    def _client_hub_has_statement_due(self):
        """Whether the client owes anything (credit notes deducted), in any currency."""
        return any(
            total["currency"].compare_amounts(total["due"], 0.0) > 0
            for total in self._get_client_statement_totals()
        )

    def _client_hub_try_lock_statement(self):
        """Take the lock of this client's scheduled statement until the end of the
        transaction, without waiting: False when another transaction holds it."""
        self.env.cr.execute(
            SQL(
                "SELECT pg_try_advisory_xact_lock(hashtext(%s), %s)",
                STATEMENT_LOCK_KEY,
                self.id,
            )
        )
        return self.env.cr.fetchone()[0]

    def _client_hub_post_statement(self):
        """Post the statement e-mail on the client, with the client's statement template
        (its copy to the client carries a magic link, see `_get_client_statement_url`).

        :return: mail.message record
        """
        self.ensure_one()
        template = self._get_client_statement_template()
        # the scheduler logs the statement itself (the row claimed before sending)
        return self.with_context(
            client_hub_statement_logged=True
        ).message_post_with_source(
            template,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            email_layout_xmlid="mail.mail_notification_light",
        )

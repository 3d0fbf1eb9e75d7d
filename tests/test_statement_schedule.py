"""Statements that send themselves: each client's schedule, its next date, and the cron that
e-mails each due statement once, with the client's own template, even when runs overlap."""

from datetime import date, timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.sql_db import db_connect
from odoo.tests import BaseCase, Form, tagged
from odoo.tools import email_normalize

from odoo.addons.mail.tests.common import MailCase

from ..const import PARAM_STATEMENT_FREQUENCY, PARAM_STATEMENT_MONTH_DAY
from ..models.res_partner_statement_schedule import next_statement_date
from .common import ClientHubCommon

CRON = "client_hub.ir_cron_client_hub_statement_schedule"


class TestNextStatementDate(BaseCase):
    """The day a schedule falls on: month ends, year ends and weekdays."""

    def test_monthly(self):
        cases = [
            # (day of the month, from, expected)
            (28, date(2026, 1, 29), date(2026, 2, 28)),  # past this month's day
            (28, date(2026, 1, 31), date(2026, 2, 28)),  # from a 31st
            (28, date(2026, 2, 28), date(2026, 2, 28)),  # on the day itself
            (28, date(2028, 2, 29), date(2028, 3, 28)),  # leap day
            (1, date(2026, 12, 2), date(2027, 1, 1)),  # over the year end
            (15, date(2026, 3, 1), date(2026, 3, 15)),
        ]
        for month_day, start, expected in cases:
            with self.subTest(month_day=month_day, start=start):
                self.assertEqual(
                    next_statement_date("monthly", month_day, None, start), expected
                )

    def test_weekly(self):
        wednesday = date(2026, 6, 3)
        self.assertEqual(wednesday.weekday(), 2)
        cases = [
            (wednesday, wednesday),  # on the day itself
            (wednesday + timedelta(days=1), wednesday + timedelta(days=7)),
            (date(2026, 5, 31), wednesday),  # a Sunday, over the month end
            (date(2026, 12, 31), date(2027, 1, 6)),  # over the year end
        ]
        for start, expected in cases:
            with self.subTest(start=start):
                self.assertEqual(next_statement_date("weekly", 1, 2, start), expected)

    def test_off_or_invalid_is_never(self):
        start = date(2026, 6, 3)
        self.assertIsNone(next_statement_date("off", 1, 2, start))
        self.assertIsNone(next_statement_date("monthly", 31, None, start))
        self.assertIsNone(next_statement_date("weekly", 1, None, start))


class TestStatementSchedule(ClientHubCommon):
    """The schedule on the client: its default from Settings, its next date."""

    def test_next_date_on_the_client(self):
        today = self.today
        self.assertEqual(
            self.client_a.client_statement_frequency, "off", "off by default"
        )
        self.assertFalse(self.client_a.client_statement_next_date)
        self.client_a.write(
            {
                "client_statement_frequency": "weekly",
                "client_statement_weekday": str(today.weekday()),
            }
        )
        self.assertEqual(self.client_a.client_statement_next_date, today)
        # once today's statement went, the next one is a week later
        self.client_a.client_statement_last_date = today
        self.assertEqual(
            self.client_a.client_statement_next_date, today + timedelta(days=7)
        )
        self.client_a.write(
            {"client_statement_frequency": "monthly", "client_statement_month_day": 28}
        )
        self.assertEqual(
            self.client_a.client_statement_next_date,
            next_statement_date("monthly", 28, None, today + timedelta(days=1)),
        )
        self.client_a.client_statement_frequency = "off"
        self.assertFalse(self.client_a.client_statement_next_date)

    def test_contacts_get_their_company_statement(self):
        """A contact of a client has no schedule of its own: its company's statement covers it."""
        self.contact_a.write(
            {
                "client_statement_frequency": "weekly",
                "client_statement_weekday": str(self.today.weekday()),
            }
        )
        self.assertFalse(self.contact_a.client_statement_next_date)

    def test_month_day_is_checked(self):
        with self.assertRaises(ValidationError):
            self.client_a.write(
                {
                    "client_statement_frequency": "monthly",
                    "client_statement_month_day": 31,
                }
            )

    def test_settings_default_for_new_clients(self):
        settings = Form(self.env["res.config.settings"])
        settings.client_hub_statement_frequency = "monthly"
        settings.client_hub_statement_month_day = 5
        settings.save().execute()
        client = self.env["res.partner"].create(
            {"name": "New Client", "is_company": True}
        )
        self.assertEqual(client.client_statement_frequency, "monthly")
        self.assertEqual(client.client_statement_month_day, 5)
        self.assertEqual(
            client.client_statement_next_date,
            next_statement_date("monthly", 5, None, self.today),
        )
        self.assertEqual(
            self.client_b.client_statement_frequency,
            "off",
            "existing clients unchanged",
        )
        # a value that is no choice (typed in System Parameters) falls back on off, day 1
        ICP = self.env["ir.config_parameter"]
        ICP.set_param(PARAM_STATEMENT_FREQUENCY, "daily")
        ICP.set_param(PARAM_STATEMENT_MONTH_DAY, "31")
        client = self.env["res.partner"].create({"name": "Other Client"})
        self.assertEqual(client.client_statement_frequency, "off")
        self.assertEqual(client.client_statement_month_day, 1)


class ScheduledStatementMixin:
    """Clients due today, and the cron run as the scheduler runs it."""

    @classmethod
    def _schedule_today(cls, *clients):
        for client in clients:
            client.write(
                {
                    "client_statement_frequency": "weekly",
                    "client_statement_weekday": str(
                        fields.Date.context_today(client).weekday()
                    ),
                }
            )

    def _mails_to(self, partner):
        address = partner.email_normalized
        return [
            mail
            for mail in self._mails
            if address in [email_normalize(email) for email in mail["email_to"]]
        ]


@tagged("post_install", "-at_install")
class TestScheduledStatements(ScheduledStatementMixin, ClientHubCommon, MailCase):
    """The cron, run as the scheduler does (its own transaction, committed per client)."""

    @classmethod
    def default_env_context(cls):
        return {}  # the statements are e-mailed

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inv_overdue = cls._make_invoice(cls.client_a, 100.0, due_in=-20)
        cls.inv_current = cls._make_invoice(cls.client_a, 40.0, due_in=10)
        # Bravo owes nothing: its invoice is paid, its credit note covers nothing
        cls.inv_b = cls._make_invoice(cls.client_b, 60.0, due_in=-5)
        cls._register_payment(cls.inv_b)
        cls._make_invoice(cls.client_b, 10.0, move_type="out_refund")
        cls._schedule_today(cls.client_a, cls.client_b)

    def _run_cron(self):
        """Run the scheduler, then the mail queue: like every scheduled action, it queues
        its e-mails (`mail_notify_force_send` is off in server actions)."""
        with self.mock_mail_gateway():
            with self.enter_registry_test_mode():
                self.env.ref(CRON).method_direct_trigger()
            self.env.invalidate_all()
            self.env["mail.mail"].search([("state", "=", "outgoing")]).send()

    def _logs(self, client):
        return self.env["client_hub.statement.log"].search(
            [("partner_id", "in", client.ids)]
        )

    def test_due_statement_sent_once(self):
        self._run_cron()
        mails = self._mails_to(self.client_a)
        self.assertEqual(len(mails), 1, "one statement to the client")
        self.assertIn(self.inv_overdue.name, mails[0]["body"])
        self.assertIn("/client/magic/", mails[0]["body"], "with its personal link")
        log = self._logs(self.client_a)
        self.assertRecordValues(
            log,
            [
                {
                    "state": "sent",
                    "scheduled_date": self.today,
                    "message_id": self.client_a.message_ids[0].id,
                    "opened_date": False,
                }
            ],
        )
        self.assertEqual(self.client_a.client_statement_last_date, self.today)
        self.assertEqual(
            self.client_a.client_statement_next_date, self.today + timedelta(days=7)
        )
        # the scheduler comes round again the same day: nothing more
        self._run_cron()
        self.assertFalse(self._mails_to(self.client_a))
        self.assertEqual(len(self._logs(self.client_a)), 1)

    def test_nothing_due_nothing_sent(self):
        self._run_cron()
        self.assertFalse(self._mails_to(self.client_b), "Bravo owes nothing")
        self.assertRecordValues(
            self._logs(self.client_b),
            [{"state": "nothing_due", "message_id": False}],
        )
        self.assertFalse(self.client_b.client_statement_log_ids, "no statement listed")
        self.assertEqual(
            self.client_b.client_statement_next_date,
            self.today + timedelta(days=7),
            "its day is over until next week",
        )

    def test_off_and_not_yet_due_not_sent(self):
        self.client_a.client_statement_frequency = "off"
        self.client_b.write(
            {
                "client_statement_frequency": "weekly",
                "client_statement_weekday": str((self.today.weekday() + 1) % 7),
            }
        )
        self._make_invoice(self.client_b, 70.0, due_in=-3)
        self._run_cron()
        self.assertFalse(self._mails)
        self.assertFalse(self._logs(self.client_a | self.client_b))

    def test_client_own_template(self):
        self.client_a.write(
            {
                "client_statement_template_subject": "Your account with us, {{ object.name }}",
                "client_statement_template_body": (
                    '<p>Dear friends at <t t-out="object.name"/>, here is where we stand.</p>'
                    '<a t-att-href="object._get_client_statement_url()">Pay now</a>'
                ),
            }
        )
        template = self.client_a.client_statement_template_id
        self.assertEqual(template.client_hub_kind, "statement")
        self._run_cron()
        mails = self._mails_to(self.client_a)
        self.assertEqual(len(mails), 1)
        self.assertEqual(mails[0]["subject"], "Your account with us, Alpha Corp")
        self.assertIn("Dear friends at Alpha Corp", mails[0]["body"])
        self.assertIn("/client/magic/", mails[0]["body"], "its link is personal too")
        self.assertNotIn("Please find attached your statement", mails[0]["body"])

    def test_email_says_in_question(self):
        self.env["client_hub.ticket"].create(
            {
                "name": "Item 3?",
                "partner_id": self.client_a.id,
                "invoice_id": self.inv_overdue.id,
            }
        )
        self._run_cron()
        body = self._mails_to(self.client_a)[0]["body"]
        row_overdue = body.split(self.inv_overdue.name, 1)[1].split("</tr>", 1)[0]
        row_current = body.split(self.inv_current.name, 1)[1].split("</tr>", 1)[0]
        self.assertIn("in question", row_overdue)
        self.assertNotIn("in question", row_current)


@tagged("post_install", "-at_install")
class TestScheduledStatementsConcurrentRuns(
    ScheduledStatementMixin, ClientHubCommon, MailCase
):
    """Two runs of the scheduler at once (two workers or servers, each in its own
    transaction): each due client gets one statement. The clients are committed by their
    own connection (and removed at the end), as a concurrent transaction sees committed
    rows only."""

    @classmethod
    def default_env_context(cls):
        return {}

    def _committed_clients(self):
        """Commit Xavier and Yann (an overdue invoice each) and Zoe (nothing due), all
        due for their statement today; return their ids."""
        with db_connect(self.env.cr.dbname).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            clients = env["res.partner"].create(
                [
                    {
                        "name": name,
                        "is_company": True,
                        "customer_rank": 1,
                        "email": f"{name.lower()}@runners.example.com",
                    }
                    for name in ("Xavier", "Yann", "Zoe")
                ]
            )
            self._schedule_today(*clients)
            moves = env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": client.id,
                        "invoice_date": fields.Date.today() - timedelta(days=40),
                        "invoice_date_due": fields.Date.today() - timedelta(days=10),
                        "invoice_line_ids": [
                            Command.create(
                                {"name": "Work", "quantity": 1, "price_unit": 90.0}
                            )
                        ],
                    }
                    for client in clients[:2]
                ]
            )
            moves.action_post()
            ids = (clients.ids, moves.ids)
        self.addCleanup(self._remove_committed, *ids)
        return ids[0]

    def _remove_committed(self, partner_ids, move_ids):
        with db_connect(self.env.cr.dbname).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            # the statements sent were archived: nobody deletes those rows but by SQL,
            # and their files stay protected while they exist
            cr.execute(
                "DELETE FROM client_hub_issued_document WHERE partner_id IN %s",
                [tuple(partner_ids)],
            )
            messages = env["mail.message"].search(
                [("model", "=", "res.partner"), ("res_id", "in", partner_ids)]
            )
            env["ir.attachment"].search(
                [
                    "|",
                    ("id", "in", messages.attachment_ids.ids),
                    "&",
                    ("res_model", "in", ("res.partner", "account.move")),
                    ("res_id", "in", partner_ids + move_ids),
                ]
            ).unlink()
            env["mail.mail"].search([("mail_message_id", "in", messages.ids)]).unlink()
            messages.unlink()
            env["mail.followers"].search(
                [("res_model", "=", "res.partner"), ("res_id", "in", partner_ids)]
            ).unlink()
            moves = env["account.move"].browse(move_ids)
            moves.button_draft()
            moves.with_context(force_delete=True).unlink()
            env["res.partner"].browse(partner_ids).unlink()

    def test_two_runs_at_once_send_one_statement_per_client(self):
        xavier_id, yann_id, zoe_id = self._committed_clients()
        dbname = self.env.cr.dbname
        with (
            self.mock_mail_gateway(),
            db_connect(dbname).cursor() as cr_a,
            db_connect(dbname).cursor() as cr_b,
            db_connect(dbname).cursor() as cr_late,
        ):
            env_a = api.Environment(cr_a, SUPERUSER_ID, {})
            env_b = api.Environment(cr_b, SUPERUSER_ID, {})
            env_late = api.Environment(cr_late, SUPERUSER_ID, {})
            # a third run reads the clients now, and gets to Xavier once A has committed
            self.assertEqual(
                env_late["res.partner"].browse(xavier_id).client_statement_next_date,
                fields.Date.today(),
            )
            # run A is sending Xavier's statement (not committed yet)
            log_a = (
                env_a["res.partner"]
                .browse(xavier_id)
                ._client_hub_send_scheduled_statement()
            )
            self.assertEqual(log_a.state, "sent")
            # run B goes through every due client meanwhile, committing each
            env_b["res.partner"]._cron_send_scheduled_statements()
            cr_a.commit()
            # the late run's snapshot still shows Xavier due: the log row of that day is taken
            self.assertIsNone(
                env_late["res.partner"]
                .browse(xavier_id)
                ._client_hub_send_scheduled_statement()
            )
            cr_late.rollback()
        sent_to = sorted(email_normalize(mail["email_to"][0]) for mail in self._mails)
        self.assertEqual(
            sent_to,
            ["xavier@runners.example.com", "yann@runners.example.com"],
            "one statement to each client with something due, none to Zoe",
        )
        with db_connect(dbname).cursor() as cr_next:
            env_next = api.Environment(cr_next, SUPERUSER_ID, {})
            with self.mock_mail_gateway():
                env_next["res.partner"]._cron_send_scheduled_statements()
            self.assertFalse(self._mails, "the next run finds nothing due")
            clients = env_next["res.partner"].browse([xavier_id, yann_id, zoe_id])
            logs = env_next["client_hub.statement.log"].search(
                [("partner_id", "in", clients.ids)]
            )
            self.assertEqual(
                sorted((log.partner_id.name, log.state) for log in logs),
                [("Xavier", "sent"), ("Yann", "sent"), ("Zoe", "nothing_due")],
            )
            self.assertEqual(
                clients.mapped("client_statement_next_date"),
                [fields.Date.today() + timedelta(days=7)] * 3,
            )

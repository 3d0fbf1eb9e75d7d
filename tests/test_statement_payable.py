"""A statement that gets itself paid: its e-mail link signs the client in on the statement
with exactly the overdue invoices ticked, its PDF carries a QR code of the statement page
(never a token), and staff see when each statement was sent, opened and paid from."""

import shutil
import subprocess
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.mail.tests.common import MailCase

from .common import (
    MAGIC_RE,
    ClientHubCommon,
    MagicLinkHttpCommon,
    StatementCommon,
    StatementFixtures,
    StatementHttpCommon,
    StatementHttpMixin,
    StripeMockMixin,
    stripe_intent_id,
)
from .test_invoice_pdf import PdfRenderingMixin, pdf_text

LIVE_LINK = "/client/magic/"


class StatementSendMixin:
    def _send_statement(self, sender, extra_recipients=None):
        """Send the client Alpha's statement from its form, as ``sender`` does."""
        action = self.client_a.with_user(sender).action_client_send_statement()
        composer = (
            self.env["mail.compose.message"]
            .with_user(sender)
            .with_context(**action["context"])
            .create({})
        )
        if extra_recipients:
            composer.partner_ids |= extra_recipients
        with self.mock_mail_gateway():
            composer.action_send_mail()
        return self.client_a.message_ids[0]

    def _log(self, message):
        return self.env["client_hub.statement.log"].search(
            [("message_id", "=", message.id)]
        )


@tagged("post_install", "-at_install")
class TestPayableStatementEmail(
    StatementFixtures,
    StripeMockMixin,
    StatementSendMixin,
    MagicLinkHttpCommon,
    StatementHttpMixin,
    MailCase,
):
    """Alpha owes `inv_overdue` and `inv_old` (overdue), `inv_current`, `inv_eur` and
    `invoice_a` (not yet due) and has a credit note; the statement is sent by an accountant
    with Alpha's colleague Arthur in copy, and a member of staff follows Alpha."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_statement_documents()
        cls._setup_stripe_provider()
        cls.sender = new_test_user(
            cls.env,
            login="ch_stmt_sender",
            name="Sandra Sender",
            email="sandra@company.example.com",
            groups="base.group_user,base.group_partner_manager,account.group_account_invoice",
        )
        cls.follower = new_test_user(
            cls.env,
            login="ch_stmt_follower",
            groups="base.group_user",
            name="Fiona Follower",
            email="fiona@company.example.com",
            notification_type="email",
        )
        cls.client_a.message_subscribe(partner_ids=cls.follower.partner_id.ids)

    def setUp(self):
        super().setUp()
        self._start_stripe_mock()

    def _client_link(self):
        bodies = self._sent_bodies(self.client_a)
        self.assertEqual(len(bodies), 1, "one copy to the client")
        match = MAGIC_RE.search(bodies[0])
        self.assertTrue(match, "the client's copy carries its personal link")
        return match

    def test_email_link_opens_statement_with_overdue_ticked(self):
        message = self._send_statement(self.sender, self.contact_a)
        match = self._client_link()
        # the colleague in copy and the follower get the e-mail, never a usable link
        for other in (self.contact_a, self.follower.partner_id):
            bodies = self._sent_bodies(other)
            self.assertTrue(bodies, f"{other.name} gets a copy")
            for body in bodies:
                self.assertNotIn(LIVE_LINK, body)
                self.assertNotIn("client_hub_link=", body, "nor the stand-in")
                self.assertIn("/client/login", body, "only the sign-in request page")
        self.assertNotIn(LIVE_LINK, message.body, "the chatter holds no live link")

        response = self._sign_in_with(match)
        self.assertEqual(
            urlsplit(response.headers["Location"]).path, "/my/statement/overdue"
        )
        response = self.url_open("/my/statement/overdue", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        page = self._page(response.headers["Location"])
        ticked = page.xpath("//input[@name='invoice_ids'][@checked]/@value")
        self.assertEqual(
            sorted(int(move_id) for move_id in ticked),
            sorted((self.inv_overdue | self.inv_old).ids),
            "exactly the overdue invoices are ticked",
        )
        listed = page.xpath("//input[@name='invoice_ids']/@value")
        self.assertIn(
            str(self.inv_current.id), listed, "the others are listed, unticked"
        )

    def test_log_shows_sent_opened_paid(self):
        message = self._send_statement(self.sender)
        log = self._log(message)
        self.assertRecordValues(
            log,
            [
                {
                    "partner_id": self.client_a.id,
                    "state": "sent",
                    "scheduled_date": False,
                    "opened_date": False,
                    "amount_paid": 0.0,
                }
            ],
        )
        self.assertEqual(self.client_a.client_statement_log_ids, log)
        self.assertEqual(self.client_a.client_statement_log_count, 1)
        # the statement went out an hour ago; the client opens it now
        log.sudo().sent_date -= timedelta(hours=1)
        self._sign_in_with(self._client_link())
        # the client's session, for the CSRF token of the payment form
        self.session = self._session()
        log.invalidate_recordset()
        self.assertTrue(log.opened_date, "opened: the link of this e-mail was used")
        # the client pays the ticked invoices from the statement
        overdue = self.inv_overdue | self.inv_old
        tx = self._start_stripe_payment(overdue, 150.0)
        self._stripe_pay(stripe_intent_id(tx.reference))
        self._stripe_return(tx, stripe_intent_id(tx.reference))
        self.assertEqual(tx.state, "done")
        self.assertEqual(overdue.mapped("payment_state"), ["paid", "paid"])
        # a payment the accountant registers by hand is not paid from the statement
        self._register_payment(self.inv_current)
        # the accountant who sent it reads what was paid from it (finding 8: the
        # amounts are for accountants, whatever flow booked the payment)
        log = log.with_user(self.sender)
        log.invalidate_recordset()
        self.assertEqual(log.transaction_ids, tx)
        self.assertEqual(log.amount_paid, 150.0)
        # the next statement only counts what is paid after it
        next_log = self._log(self._send_statement(self.sender)).with_user(self.sender)
        next_log.sudo().sent_date = tx.last_state_change + timedelta(minutes=1)
        (log | next_log).invalidate_recordset()
        self.assertEqual(log.amount_paid, 150.0)
        self.assertEqual(next_log.amount_paid, 0.0)
        self.assertFalse(next_log.opened_date, "its link was not used")


class TestStatementLogAccess(StatementSendMixin, ClientHubCommon, MailCase):
    """The log is for the staff of the company that sent the statement."""

    @classmethod
    def default_env_context(cls):
        return {}

    def test_staff_of_the_company_only(self):
        log = self._log(self._send_statement(self.env.user))
        self.assertEqual(log.with_user(self.agent).read(["state"])[0]["state"], "sent")
        other_company = self.env["res.company"].create({"name": "Other Co"})
        outsider = new_test_user(
            self.env,
            login="ch_stmt_outsider",
            groups="base.group_user",
            company_id=other_company.id,
            company_ids=[other_company.id],
        )
        Log = self.env["client_hub.statement.log"]
        self.assertFalse(Log.with_user(outsider).search([]))
        with self.assertRaises(AccessError):
            log.with_user(outsider).read(["state"])
        with self.assertRaises(AccessError):
            log.with_user(self.portal_a).read(["state"])
        with self.assertRaises(AccessError):
            log.with_user(self.agent).write({"opened_date": False})


class TestStatementLogAmounts(StatementSendMixin, StatementCommon, MailCase):
    """What was paid from a statement is for accountants (finding 8): the amounts and
    the payment transactions of the log carry the group that reads payment
    transactions (`account_payment`: `account.group_account_invoice`), as sale's
    `transaction_ids` do; the rest of the log stays readable by the company's staff."""

    @classmethod
    def default_env_context(cls):
        return {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.employee = new_test_user(
            cls.env,
            login="ch_stmt_employee",
            name="Eric Employee",
            groups="base.group_user,base.group_partner_manager",
        )
        cls.invoicing = new_test_user(
            cls.env,
            login="ch_stmt_invoicing",
            name="Iris Invoicing",
            groups="base.group_user,account.group_account_invoice",
        )

    def _paid_log(self):
        """A statement of Alpha sent an hour ago, and 60.0 paid from its page since."""
        log = self._log(self._send_statement(self.env.user))
        log.sent_date -= timedelta(hours=1)
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": self.provider_stripe.id,
                    "payment_method_id": self.pm_card.id,
                    "reference": "CH-STMT-AMOUNTS-1",
                    "amount": 60.0,
                    "currency_id": self.env.company.currency_id.id,
                    "partner_id": self.portal_a.partner_id.id,
                    "landing_route": "/my/statement",
                    "state": "done",
                }
            )
        )
        log.invalidate_recordset()
        return log, tx

    def test_employee_reads_no_amounts(self):
        log, _tx = self._paid_log()
        log = log.with_user(self.employee)
        self.assertEqual(log.read(["state"])[0]["state"], "sent", "the log, yes")
        for fname in ("amount_paid", "transaction_ids"):
            # refused as a field of accountants, not by chance of computing it
            with self.assertRaisesRegex(AccessError, f'the field "{fname}"'):
                log.read([fname])
            with self.assertRaisesRegex(AccessError, f'the field "{fname}"'):
                log.search_read([("id", "=", log.id)], [fname])

    def test_employee_opens_the_log(self):
        """The list and form of the log, as the web client reads them, open for an
        employee (without the amounts) and for an accountant (with them)."""
        log, _tx = self._paid_log()
        for user in (self.employee, self.invoicing):
            Log = log.with_user(user)
            views = Log.get_views([(False, "list"), (False, "form")])
            for view_type in ("list", "form"):
                fnames = views["models"]["client_hub.statement.log"]["fields"]
                arch = views["views"][view_type]["arch"]
                spec = {fname: {} for fname in fnames if f'name="{fname}"' in arch}
                spec.pop("transaction_ids", None)
                rows = Log.web_search_read([("id", "=", log.id)], spec)["records"]
                self.assertEqual(rows[0]["id"], log.id, f"{user.login} {view_type}")

    def test_invoicing_user_reads_amounts(self):
        log, tx = self._paid_log()
        [values] = log.with_user(self.invoicing).read(
            ["amount_paid", "transaction_ids"]
        )
        self.assertEqual(values["amount_paid"], 60.0)
        self.assertEqual(values["transaction_ids"], tx.ids)

    def test_views_show_amounts_to_accountants_only(self):
        Log = self.env["client_hub.statement.log"]
        Partner = self.env["res.partner"]
        for user, shown in ((self.employee, False), (self.invoicing, True)):
            views = Log.with_user(user).get_views([(False, "list"), (False, "form")])
            for view_type in ("list", "form"):
                arch = views["views"][view_type]["arch"]
                for fname in ("amount_paid", "transaction_ids"):
                    if view_type == "list" and fname == "transaction_ids":
                        continue
                    self.assertEqual(
                        f'name="{fname}"' in arch, shown, f"{user.login} {view_type}"
                    )
            # the Statements tab of the client form embeds the log's list
            client_form = self.env.ref("client_hub.res_partner_view_form_client")
            form = Partner.with_user(user).get_views([(client_form.id, "form")])
            arch = form["views"]["form"]["arch"]
            self.assertIn('name="client_statement_log_ids"', arch)
            self.assertEqual('name="amount_paid"' in arch, shown, user.login)


@tagged("post_install", "-at_install")
class TestStatementQrCode(PdfRenderingMixin, StatementHttpCommon):
    """The statement PDF the client downloads carries a QR code of the statement page."""

    def _decode_qr(self, pdf):
        """Rasterise the first page of ``pdf`` and return what its QR code says."""
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                [
                    "pdftoppm",
                    "-r",
                    "200",
                    "-png",
                    "-f",
                    "1",
                    "-l",
                    "1",
                    "-",
                    f"{tmp}/page",
                ],
                input=pdf,
                check=True,
            )
            [png] = Path(tmp).glob("page*.png")
            result = subprocess.run(
                [
                    "zbarimg",
                    "--quiet",
                    "--raw",
                    "-Sdisable",
                    "-Sqrcode.enable",
                    str(png),
                ],
                capture_output=True,
                check=True,
            )
        return result.stdout.decode().strip()

    def test_qr_code_is_statement_url_without_token(self):
        if not shutil.which("zbarimg"):
            self.skipTest(
                "zbarimg (Debian package zbar-tools) is needed to read QR codes"
            )
        Link = self.env["client_hub.magic.link"]
        links_before = Link.search_count([])
        pdf = self.url_open("/my/statement/pdf").content
        url = f"{self.client_a.get_base_url()}/my/statement"
        self.assertEqual(self._decode_qr(pdf), url)
        self.assertIn(
            url.split("//", 1)[1], pdf_text(pdf), "the short URL is printed too"
        )
        self.assertEqual(Link.search_count([]), links_before, "no sign-in link made")
        # the page asks who you are: nothing on paper signs anyone in
        self.opener.cookies.clear()
        response = self.url_open(url, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])

import base64
import re
from urllib.parse import quote

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import MailCommon

from .common import TicketCommon

# A plain e-mail as a mail server hands it to the gateway.
TICKET_MAIL_TEMPLATE = """Return-Path: {return_path}
To: {to}
cc: {cc}
From: {email_from}
Subject: {subject}
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Date: {date}
Message-ID: {msg_id}
{extra}

Hello, our printer prints the invoices in pink. Can you help?
"""

# An e-mail with two files, as a mail server hands it to the gateway.
TICKET_MAIL_WITH_FILES_TEMPLATE = """Return-Path: {return_path}
To: {to}
cc: {cc}
From: {email_from}
Subject: {subject}
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="ticket-files-boundary"
Date: {date}
Message-ID: {msg_id}
{extra}

--ticket-files-boundary
Content-Type: text/plain; charset=utf-8

Here are the scans of the pink invoices.

--ticket-files-boundary
Content-Type: application/octet-stream; name="{big_name}"
Content-Disposition: attachment; filename="{big_name}"
Content-Transfer-Encoding: base64

{big_b64}
--ticket-files-boundary
Content-Type: application/octet-stream; name="{small_name}"
Content-Disposition: attachment; filename="{small_name}"
Content-Transfer-Encoding: base64

{small_b64}
--ticket-files-boundary--
"""


@tagged("post_install", "-at_install")
class TestTicket(TicketCommon, MailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alias = cls.env.ref("client_hub.mail_alias_ticket")
        cls.alias.alias_domain_id = cls.mail_alias_domain
        cls.ticket_a = cls._new_ticket(
            cls.portal_a, "Billing address", description="Please update it"
        )
        cls.ticket_b = cls._new_ticket(cls.portal_b, "Bravo's question")

    # ------------------------------------------------------------------
    # Model
    # ------------------------------------------------------------------
    def test_create_defaults(self):
        ticket = self.ticket_a
        self.assertRegex(ticket.ref, r"^TCK-\d{5}$")
        self.assertNotEqual(ticket.ref, self.ticket_b.ref)
        self.assertEqual(ticket.display_name, f"[{ticket.ref}] Billing address")
        self.assertEqual(ticket.partner_id, self.portal_a.partner_id)
        self.assertEqual(ticket.commercial_partner_id, self.client_a)
        self.assertEqual(ticket.stage_id, self.stage_new)
        self.assertEqual(ticket.access_url, f"/my/tickets/{ticket.id}")
        self.assertIn(self.portal_a.partner_id, ticket.message_partner_ids)
        self.assertEqual(
            ticket.create_uid, self.portal_a, "the client stays the author"
        )
        self.assertIn("<p>Please update it</p>", ticket.description)

    def test_create_empty_subject_refused(self):
        with self.assertRaisesRegex(UserError, "subject"):
            self._new_ticket(self.portal_a, "   ")

    def test_support_team_notified(self):
        note = self.ticket_a.message_ids.filtered(
            lambda m: self.agent.partner_id in m.partner_ids
        )
        self.assertEqual(len(note), 1)
        self.assertTrue(
            note.is_internal or note.subtype_id.internal, "the client must not see it"
        )
        self.assertIn("Billing address", note.body)
        self.assertTrue(
            note.notification_ids.filtered(
                lambda n: n.res_partner_id == self.agent.partner_id
            )
        )

    def test_related_documents_must_be_the_clients(self):
        product = self.env["product.product"].create(
            {"name": "Consulting", "list_price": 100}
        )
        order_b = self.env["sale.order"].create(
            {
                "partner_id": self.client_b.id,
                "order_line": [(0, 0, {"product_id": product.id})],
            }
        )
        order_b.action_quotation_sent()
        with self.assertRaises(ValidationError):
            self.ticket_a.sale_order_id = order_b
        self.ticket_b.sale_order_id = order_b
        self.assertEqual(self.ticket_b.sale_order_id, order_b)
        # the portal form refuses another client's quotation with a message
        with self.assertRaisesRegex(UserError, "quotation is not available"):
            self._new_ticket(self.portal_a, "Order", sale_order_id=order_b.id)
        self.assertEqual(
            self.env["client_hub.ticket"]._get_client_orders(self.portal_b.partner_id),
            order_b,
        )
        self.assertFalse(
            self.env["client_hub.ticket"]._get_client_orders(self.portal_a.partner_id)
        )

    def test_final_stage_read_with_portal_rights(self):
        """Portal users read stages (ir.model.access.csv): finding the closing stage
        needs no elevation."""
        Stage = self.env["client_hub.ticket.stage"]
        final = Stage.search(
            [("is_closed", "=", True)], order="sequence desc, id desc", limit=1
        )
        self.assertTrue(final)
        self.assertTrue(Stage.with_user(self.portal_a).has_access("read"))
        self.assertEqual(
            self.env["client_hub.ticket"].with_user(self.portal_a)._get_final_stage(),
            final,
        )
        self.assertTrue(
            self.ticket_a.with_user(self.portal_a)._can_be_closed_by_client()
        )

    def test_partner_ticket_count_and_action(self):
        self._new_ticket(self.portal_a2, "Another one")
        self.assertEqual(self.client_a.client_ticket_count, 2)
        self.assertEqual(self.portal_a.partner_id.client_ticket_count, 2)
        self.assertEqual(self.client_b.client_ticket_count, 1)
        action = self.client_a.action_client_open_tickets()
        tickets = self.env["client_hub.ticket"].search(action["domain"])
        self.assertEqual(tickets.commercial_partner_id, self.client_a)
        self.assertEqual(len(tickets), 2)

    def test_backend_form_and_views(self):
        with Form(self.env["client_hub.ticket"].with_user(self.agent)) as form:
            form.name = "Phoned in: wrong VAT number"
            form.partner_id = self.client_b
            form.priority = "2"
        ticket = form.record
        self.assertRegex(ticket.ref, r"^TCK-\d{5}$")
        self.assertEqual(ticket.commercial_partner_id, self.client_b)
        self.assertIn(self.client_b, ticket.message_partner_ids)
        ticket.with_user(self.agent).action_assign_to_me()
        self.assertEqual(ticket.user_id, self.agent)
        self.assertIn(
            self.agent.partner_id, ticket.message_partner_ids, "the assignee follows"
        )
        ticket.with_user(self.agent).action_close()
        self.assertEqual(ticket.stage_id, self.stage_closed)
        views = (
            self.env["client_hub.ticket"]
            .with_user(self.agent)
            .get_views(
                [(False, "kanban"), (False, "list"), (False, "form"), (False, "search")]
            )["views"]
        )
        self.assertIn('t-name="card"', views["kanban"]["arch"])
        self.assertIn("<chatter", views["form"]["arch"])
        client_form = self.env.ref("client_hub.res_partner_view_form_client")
        arch = (
            self.env["res.partner"]
            .with_user(self.agent)
            .get_views([(client_form.id, "form")])
        )
        self.assertIn("action_client_open_tickets", arch["views"]["form"]["arch"])

    # ------------------------------------------------------------------
    # Record rules
    # ------------------------------------------------------------------
    def test_portal_rules(self):
        ticket_a2 = self._new_ticket(self.portal_a2, "Colleague's ticket")
        Ticket = self.env["client_hub.ticket"]
        self.assertEqual(
            Ticket.with_user(self.portal_a).search([]),
            self.ticket_a | ticket_a2,
            "every ticket of the client, from any of its contacts",
        )
        self.assertEqual(Ticket.with_user(self.portal_b).search([]), self.ticket_b)
        with self.assertRaises(AccessError):
            self.ticket_b.with_user(self.portal_a).read(["name"])
        with self.assertRaises(AccessError):
            self.ticket_a.with_user(self.portal_a).write({"name": "Changed"})
        with self.assertRaises(AccessError):
            Ticket.with_user(self.portal_a).create(
                {"name": "Direct", "partner_id": self.client_b.id}
            )
        both = self.ticket_a | self.ticket_b
        self.assertEqual(
            Ticket.with_user(self.agent).search([("id", "in", both.ids)]), both
        )

    # ------------------------------------------------------------------
    # E-mail
    # ------------------------------------------------------------------
    def _staff_reply(self, ticket, body="We are on it."):
        with self.mock_mail_gateway():
            message = ticket.with_user(self.agent).message_post(
                body=body, message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        return message

    def test_staff_reply_emails_client_with_magic_link(self):
        self._staff_reply(self.ticket_a)
        mail = self._new_mails.filtered(
            lambda m: self.portal_a.partner_id in m.recipient_ids
        )
        self.assertEqual(len(mail), 1, "the client gets the staff reply by e-mail")
        self.assertIn("We are on it.", mail.body_html)
        self.assertNotIn(
            "/client/magic/", mail.body_html, "the queued e-mail holds no live link"
        )
        sent = [
            email["body"]
            for email in self._mails
            if self.portal_a.email in str(email["email_to"])
        ]
        self.assertEqual(len(sent), 1)
        self.assertIn(
            "/client/magic/", sent[0], "the button of the client's copy is a magic link"
        )
        self.assertIn(f"redirect={quote(self.ticket_a.access_url, safe='')}", sent[0])
        self.assertFalse(
            self._new_mails.filtered(
                lambda m: self.portal_b.partner_id in m.recipient_ids
            )
        )
        self.assertEqual(
            self.ticket_a.last_activity_date, self.ticket_a.message_ids[0].date
        )

    def test_email_reply_threads_into_ticket(self):
        self.ticket_a.stage_id = self.stage_waiting
        self._staff_reply(self.ticket_a)
        mail = self._new_mails.filtered(
            lambda m: self.portal_a.partner_id in m.recipient_ids
        )
        with self.mock_mail_gateway():
            self.format_and_process(
                TICKET_MAIL_TEMPLATE,
                self.portal_a.email,
                mail.reply_to,
                subject=f"Re: {mail.subject}",
                extra=f"In-Reply-To: {mail.message_id}",
                target_model="client_hub.ticket",
            )
        reply = self.ticket_a.message_ids[0]
        self.assertEqual(reply.author_id, self.portal_a.partner_id)
        self.assertIn("printer prints the invoices in pink", reply.body)
        self.assertEqual(
            self.env["client_hub.ticket"].search_count([("name", "ilike", "Re:")]),
            0,
            "the reply opened no new ticket",
        )
        self.assertEqual(
            self.ticket_a.stage_id, self.stage_in_progress, "the client answered"
        )

    def test_alias_creates_ticket_for_known_client(self):
        with self.mock_mail_gateway():
            ticket = self.format_and_process(
                TICKET_MAIL_TEMPLATE,
                f"Alice <{self.portal_a.email}>",
                f"support@{self.alias_domain}",
                subject="Pink printer",
                target_model="client_hub.ticket",
            )
        self.assertEqual(len(ticket), 1)
        self.assertEqual(ticket.partner_id, self.portal_a.partner_id)
        self.assertEqual(ticket.commercial_partner_id, self.client_a)
        self.assertIn("pink", ticket.description)
        self.assertRegex(ticket.ref, r"^TCK-\d{5}$")
        self.assertIn(self.portal_a.partner_id, ticket.message_partner_ids)
        self.assertTrue(
            ticket.message_ids.filtered(
                lambda m: self.agent.partner_id in m.partner_ids
            ),
            "the support team is notified",
        )

    @mute_logger(
        "odoo.addons.mail.models.mail_thread", "odoo.addons.mail.models.mail_alias"
    )
    def test_alias_refuses_unknown_senders(self):
        stranger = self.env["res.partner"].create(
            {"name": "Stranger", "email": "stranger@example.com"}
        )
        for sender, subject in (
            ("nobody@unknown.example.com", "Unknown sender"),
            (stranger.email, "Known partner, not a client"),
            (self.agent.email, "Staff member"),
        ):
            with self.subTest(sender=sender), self.mock_mail_gateway():
                ticket = self.format_and_process(
                    TICKET_MAIL_TEMPLATE,
                    sender,
                    f"support@{self.alias_domain}",
                    subject=subject,
                    target_model="client_hub.ticket",
                )
                self.assertFalse(ticket)

    # ------------------------------------------------------------------
    # Attachments
    # ------------------------------------------------------------------
    def test_attachment_size_limit(self):
        self.env["ir.config_parameter"].set_param(
            "client_hub.ticket_attachment_max_size_mb", "0.001"
        )
        with self.assertRaisesRegex(UserError, re.escape("big.pdf")):
            self.env["client_hub.ticket"].with_user(self.portal_a)._create_from_portal(
                self.portal_a.partner_id,
                {"name": "Too big"},
                [("big.pdf", b"x" * 2048)],
            )
        self.assertFalse(
            self.env["client_hub.ticket"].search([("name", "=", "Too big")])
        )
        # the client's own pending upload (as /mail/attachment/upload makes it)
        attachment = (
            self.env["ir.attachment"]
            .with_user(self.portal_a)
            .sudo()
            .create(
                {
                    "name": "big.png",
                    "raw": b"x" * 2048,
                    "res_model": "mail.compose.message",
                    "res_id": 0,
                }
            )
        )
        with self.assertRaisesRegex(UserError, "at most"):
            self.ticket_a.with_user(self.portal_a).sudo().message_post(
                body="see file", attachment_ids=attachment.ids, message_type="comment"
            )
        # staff are not limited
        message = (
            self.ticket_a.with_user(self.agent)
            .sudo()
            .message_post(body="file", attachment_ids=attachment.ids)
        )
        self.assertEqual(message.attachment_ids, attachment)

    def _process_mail_with_files(self, to, subject, extra=""):
        """Have the gateway process an e-mail from the client with a 200 KB and a small file."""
        with self.mock_mail_gateway():
            return self.format_and_process(
                TICKET_MAIL_WITH_FILES_TEMPLATE,
                f"Alice <{self.portal_a.email}>",
                to,
                subject=subject,
                extra=extra,
                target_model="client_hub.ticket",
                big_name="huge-scan.pdf",
                big_b64=base64.encodebytes(b"x" * 200000).decode(),
                small_name="small-scan.pdf",
                small_b64=base64.encodebytes(b"small scan").decode(),
            )

    def _assert_big_file_dropped(self, message):
        self.assertEqual(
            message.attachment_ids.mapped("name"),
            ["small-scan.pdf"],
            "the other file is kept",
        )
        self.assertIn("scans of the pink invoices", message.body, "the e-mail is kept")
        self.assertIn(
            "“huge-scan.pdf” (0.2 MB)",
            message.body,
            "the message says what was dropped",
        )
        self.assertIn("at most 0.1 MB", message.body)
        self.assertFalse(
            self.env["ir.attachment"].search([("name", "=", "huge-scan.pdf")])
        )

    def test_alias_drops_oversized_files(self):
        """A new ticket by e-mail (message_new) keeps the mail but not a file over the limit."""
        self.env["ir.config_parameter"].set_param(
            "client_hub.ticket_attachment_max_size_mb", "0.1"
        )
        ticket = self._process_mail_with_files(
            f"support@{self.alias_domain}", "Scans of pink invoices"
        )
        self.assertEqual(len(ticket), 1)
        self._assert_big_file_dropped(
            ticket.message_ids.filtered(lambda m: m.message_type == "email")
        )

    def test_email_reply_drops_oversized_files(self):
        """A reply by e-mail (message_update) keeps the mail but not a file over the limit."""
        self.env["ir.config_parameter"].set_param(
            "client_hub.ticket_attachment_max_size_mb", "0.1"
        )
        self._staff_reply(self.ticket_a)
        mail = self._new_mails.filtered(
            lambda m: self.portal_a.partner_id in m.recipient_ids
        )
        self._process_mail_with_files(
            mail.reply_to,
            f"Re: {mail.subject}",
            extra=f"In-Reply-To: {mail.message_id}",
        )
        reply = self.ticket_a.message_ids[0]
        self.assertEqual(reply.message_type, "email")
        self.assertEqual(reply.author_id, self.portal_a.partner_id)
        self._assert_big_file_dropped(reply)

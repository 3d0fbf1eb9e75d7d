"""What a client cannot do over the portal's RPC, held as it is (the second security review
found these sound): read ticket files through `ir.attachment`, and post on a ticket as
someone else, as an internal note, or to a stranger."""

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import MailCase

from .common import TICKET, TicketHttpCommon


@tagged("post_install", "-at_install")
class TestPortalRpcGuards(TicketHttpCommon, MailCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls._new_ticket(cls.portal_a, "Where is my credit note?")
        cls.reply = cls.ticket.with_user(cls.agent).message_post(
            body="Attached",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachments=[("for-client.txt", b"credit note")],
        )
        cls.file = cls.reply.attachment_ids
        cls.colleague = cls.portal_a2
        cls.stranger = cls.env["res.partner"].create(
            {"name": "Eve Outsider", "email": "eve@evil.example.com"}
        )

    def _call_kw(self, model, method, args, kwargs=None):
        return self._jsonrpc(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def _post_over_rpc(self, **kwargs):
        post = {
            "body": "Over RPC",
            "message_type": "comment",
            "subtype_xmlid": "mail.mt_comment",
            **kwargs,
        }
        return self._call_kw(TICKET, "message_post", [[self.ticket.id]], post)

    def _rpc_messages(self):
        return self.ticket.sudo().message_ids.filtered(
            lambda message: message.body and "Over RPC" in message.body
        )

    @mute_logger("odoo.http")
    def test_no_ticket_file_over_ir_attachment(self):
        self._login(self.portal_a)
        for method, args in (
            ("search_read", [[("res_model", "=", TICKET)], ["name", "datas"]]),
            ("read", [self.file.ids, ["name", "datas"]]),
            ("search_read", [[("id", "=", self.file.id)], ["name"]]),
        ):
            with self.subTest(method=method, args=args[0]):
                answer = self._call_kw("ir.attachment", method, args)
                # refused, or (a search) nothing found
                if self._rpc_error(answer) != "odoo.exceptions.AccessError":
                    self.assertEqual(answer.get("result"), [], answer)
        # the control: staff read it
        self._login(self.agent)
        answer = self._call_kw("ir.attachment", "read", [self.file.ids, ["name"]])
        self.assertEqual(answer["result"][0]["name"], "for-client.txt")

    @mute_logger("odoo.http")
    def test_message_post_speaks_as_the_client_only(self):
        self._login(self.portal_a)
        for author in (self.colleague.partner_id, self.agent.partner_id):
            with self.subTest(author=author.name):
                self._post_over_rpc(author_id=author.id)
                for message in self._rpc_messages():
                    self.assertEqual(message.author_id, self.portal_a.partner_id)
        # the control: posting as oneself works
        answer = self._post_over_rpc()
        self.assertIsNone(self._rpc_error(answer), answer.get("error"))
        self.assertTrue(self._rpc_messages())
        self.assertEqual(self._rpc_messages().author_id, self.portal_a.partner_id)

    @mute_logger("odoo.http")
    def test_message_post_cannot_write_an_internal_note(self):
        self._login(self.portal_a)
        for kwargs in (
            {"subtype_xmlid": "mail.mt_note"},
            {"subtype_xmlid": None, "subtype_id": self.env.ref("mail.mt_note").id},
            {"is_internal": True},
        ):
            with self.subTest(**kwargs):
                self._post_over_rpc(**kwargs)
                for message in self._rpc_messages():
                    self.assertFalse(message.is_internal, kwargs)
                    self.assertFalse(message.subtype_id.internal, kwargs)

    @mute_logger("odoo.http")
    def test_message_post_mails_no_stranger(self):
        self._login(self.portal_a)
        with self.mock_mail_gateway():
            for kwargs in (
                {"partner_ids": self.stranger.ids},
                {"partner_emails": [self.stranger.email]},
            ):
                with self.subTest(kwargs=list(kwargs)):
                    self._post_over_rpc(**kwargs)
            self.env["mail.mail"].sudo().process_email_queue()
        notified = self._rpc_messages().sudo().notification_ids.res_partner_id
        self.assertNotIn(self.stranger, notified | self._rpc_messages().partner_ids)
        recipients = {email for mail in self._mails for email in mail["email_to"]}
        self.assertFalse(
            [email for email in recipients if "eve@evil.example.com" in email],
            "no e-mail to a stranger",
        )

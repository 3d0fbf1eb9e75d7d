from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import TICKET, TicketHttpCommon

SIZE_PARAM = "client_hub.ticket_attachment_max_size_mb"


@tagged("post_install", "-at_install")
class TestTicketAttachmentAccess(TicketHttpCommon):
    """A client sees the files of the messages they can read, never those of staff's
    internal notes: not on the page, not over RPC, not through /web/content."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls._new_ticket(cls.portal_a, "Wrong VAT on my invoice")
        # keep the notification e-mails queued: only the messages and their files matter here
        ticket_agent = cls.ticket.with_user(cls.agent).with_context(
            mail_notify_force_send=False
        )
        cls.note = ticket_agent.message_post(
            body="Their VAT number is blacklisted, see the report",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            attachments=[("staff-only.txt", b"internal report")],
        )
        cls.reply = ticket_agent.message_post(
            body="Here is the corrected invoice",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachments=[("for-client.txt", b"corrected invoice")],
        )
        cls.file_internal = cls.note.attachment_ids
        cls.file_public = cls.reply.attachment_ids

    def _page_files(self):
        page = self._page(f"/my/tickets/{self.ticket.id}")
        links = page.xpath("//*[hasclass('o_client_ticket_attachments')]//a")
        return {link.text_content().strip(): link.get("href") for link in links}

    def _read_over_rpc(self, fields):
        return self._jsonrpc(
            "/web/dataset/call_kw",
            {
                "model": TICKET,
                "method": "read",
                "args": [[self.ticket.id], fields],
                "kwargs": {},
            },
        )

    def test_fixture(self):
        self.assertTrue(self.note.is_internal or self.note.subtype_id.internal)
        self.assertEqual(self.file_internal.res_model, TICKET)
        self.assertEqual(self.file_internal.res_id, self.ticket.id)
        self.assertEqual(
            self.ticket.attachment_ids,
            self.file_internal | self.file_public,
            "staff see every file of the ticket",
        )

    def test_page_lists_shared_files_only(self):
        self._login(self.portal_a)
        files = self._page_files()
        self.assertEqual(set(files), {"for-client.txt"})
        self.assertIn(f"/web/content/{self.file_public.id}?", files["for-client.txt"])
        self.assertFalse(
            self.file_internal.access_token, "no download token was made for it"
        )
        # the file of the public reply downloads with the page's link (the control)
        response = self.url_open(files["for-client.txt"])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"corrected invoice")

    @mute_logger("odoo.http")
    def test_rpc_read_gives_shared_files_only(self):
        self._login(self.portal_a)
        answer = self._read_over_rpc(["client_attachment_ids"])
        self.assertIsNone(self._rpc_error(answer), answer.get("error"))
        self.assertEqual(
            answer["result"][0]["client_attachment_ids"], self.file_public.ids
        )
        # the fields the client may read: the staff-only list is not among them
        answer = self._jsonrpc(
            "/web/dataset/call_kw",
            {
                "model": TICKET,
                "method": "fields_get",
                "args": [],
                "kwargs": {"attributes": ["type"]},
            },
        )
        self.assertIn("client_attachment_ids", answer["result"])
        self.assertNotIn("attachment_ids", answer["result"])
        # the full list is refused, as is searching tickets by their files
        self.assertEqual(
            self._rpc_error(self._read_over_rpc(["attachment_ids"])),
            "odoo.exceptions.AccessError",
        )
        answer = self._jsonrpc(
            "/web/dataset/call_kw",
            {
                "model": TICKET,
                "method": "search_count",
                "args": [[("attachment_ids", "in", self.file_internal.ids)]],
                "kwargs": {},
            },
        )
        self.assertEqual(self._rpc_error(answer), "odoo.exceptions.AccessError")
        # staff read every file
        self._login(self.agent)
        answer = self._read_over_rpc(["attachment_ids"])
        self.assertEqual(
            set(answer["result"][0]["attachment_ids"]),
            set(self.ticket.attachment_ids.ids),
        )

    @mute_logger("odoo.http")
    def test_another_client_reads_none_of_the_files(self):
        """Bob (client Bravo), signed in, gets no file of Alpha's ticket: not by id on
        /web/content, nor over RPC, nor through the ticket's page or its list field,
        while Alice downloads hers (issue 23, HTTP coverage)."""
        self._login(self.portal_a)
        alice_link = self._page_files()["for-client.txt"]
        self._login(self.portal_b)
        for file in (self.file_public, self.file_internal):
            with self.subTest(file=file.name):
                response = self.url_open(f"/web/content/{file.id}?download=true")
                self.assertEqual(response.status_code, 404)
                self.assertNotIn(file.raw, response.content)
                answer = self._jsonrpc(
                    "/web/dataset/call_kw",
                    {
                        "model": "ir.attachment",
                        "method": "read",
                        "args": [file.ids, ["datas"]],
                        "kwargs": {},
                    },
                )
                self.assertEqual(self._rpc_error(answer), "odoo.exceptions.AccessError")
        page = self.url_open(f"/my/tickets/{self.ticket.id}", allow_redirects=False)
        self.assertIn(page.status_code, (302, 303))
        self.assertNotIn(b"for-client.txt", page.content)
        self.assertEqual(
            self._rpc_error(self._read_over_rpc(["client_attachment_ids"])),
            "odoo.exceptions.AccessError",
        )
        # the control: Alice's link downloads it in Alice's session
        self._login(self.portal_a)
        self.assertEqual(self.url_open(alice_link).content, b"corrected invoice")

    @mute_logger("odoo.http")
    def test_web_content_refuses_internal_files(self):
        stored_token = self.file_internal.generate_access_token()[0]
        raw_token = self.file_internal._get_raw_access_token()
        url = f"/web/content/{self.file_internal.id}?download=true"
        self._login(self.portal_a)
        for attempt in (
            url,
            f"{url}&access_token={stored_token}",
            f"{url}&access_token={raw_token}",
        ):
            with self.subTest(url=attempt):
                response = self.url_open(attempt)
                self.assertEqual(response.status_code, 404)
                self.assertNotIn(b"internal report", response.content)
        # /web/image answers a placeholder picture instead of an error
        response = self.url_open(
            f"/web/image/{self.file_internal.id}?access_token={stored_token}"
        )
        self.assertNotIn(b"internal report", response.content)
        # nor without a session, with the token
        self.logout()
        response = self.url_open(f"{url}&access_token={stored_token}")
        self.assertEqual(response.status_code, 404)
        self.assertNotIn(b"internal report", response.content)
        # staff download it (the control)
        self._login(self.agent)
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"internal report")

    def test_clients_own_files_and_staff_direct_files(self):
        """Files outside any message: the client's own are theirs, staff's stay with staff."""
        self._login(self.portal_a)
        upload = self._upload(
            self.ticket, b"photo of the printer", "printer.txt", is_pending="false"
        ).json()
        own_file = self.env["ir.attachment"].browse(upload["data"]["attachment_id"])
        self.assertEqual(
            (own_file.res_model, own_file.res_id), (TICKET, self.ticket.id)
        )
        staff_file = (
            self.env["ir.attachment"]
            .with_user(self.agent)
            .create(
                {
                    "name": "call-notes.txt",
                    "raw": b"called the client",
                    "res_model": TICKET,
                    "res_id": self.ticket.id,
                }
            )
        )
        self.assertEqual(
            self.ticket.with_user(self.portal_a).client_attachment_ids,
            self.file_public | own_file,
        )
        self.assertEqual(set(self._page_files()), {"for-client.txt", "printer.txt"})
        staff_file.generate_access_token()
        response = self.url_open(
            f"/web/content/{staff_file.id}?access_token={staff_file.access_token}"
        )
        self.assertEqual(response.status_code, 404)
        # once staff post it in a reply, the client gets it
        self.ticket.with_user(self.agent).with_context(
            mail_notify_force_send=False
        ).message_post(
            body="Notes of our call",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachment_ids=staff_file.ids,
        )
        self.assertIn("call-notes.txt", self._page_files())


@tagged("post_install", "-at_install")
class TestTicketAttachmentSizeLimit(TicketHttpCommon):
    """The size limit holds for a client's files on every route to a ticket."""

    BIG = b"x" * 4096

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls._new_ticket(cls.portal_a, "My scans")
        cls.env["ir.config_parameter"].set_param(SIZE_PARAM, "0.001")  # 1 KB

    def setUp(self):
        super().setUp()
        self._login(self.portal_a)

    def _ticket_files(self, name):
        return self.env["ir.attachment"].search(
            [
                ("res_model", "=", TICKET),
                ("res_id", "=", self.ticket.id),
                ("name", "=", name),
            ]
        )

    def _call_kw(self, method, args, kwargs):
        return self._jsonrpc(
            "/web/dataset/call_kw",
            {"model": TICKET, "method": method, "args": args, "kwargs": kwargs},
        )

    @mute_logger("odoo.http")
    def test_upload_to_ticket(self):
        response = self._upload(self.ticket, self.BIG, "big.txt", is_pending="false")
        self.assertEqual(
            response.status_code, 422, "the size message, as a client error"
        )
        self.assertIn("at most", response.text)
        self.assertFalse(self._ticket_files("big.txt"))
        # the same route takes a file within the limit (the control)
        response = self._upload(self.ticket, b"small", "small.txt", is_pending="false")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(self._ticket_files("small.txt"))

    @mute_logger("odoo.http")
    def test_pending_upload_then_post_or_edit(self):
        upload = self._upload(self.ticket, self.BIG, "big.txt").json()
        attachment = self.env["ir.attachment"].browse(upload["data"]["attachment_id"])
        token = next(
            a["ownership_token"]
            for a in upload["data"]["store_data"]["ir.attachment"]
            if a["id"] == attachment.id
        )
        files = {"attachment_ids": attachment.ids, "attachment_tokens": [token]}
        answer = self._jsonrpc(
            "/mail/message/post",
            {
                "thread_model": TICKET,
                "thread_id": self.ticket.id,
                "post_data": {
                    "body": "Scan attached",
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_comment",
                    **files,
                },
            },
        )
        self.assertIn("at most", answer["error"]["data"]["message"])
        self.assertFalse(self._ticket_files("big.txt"))
        self.assertFalse(
            self.ticket.message_ids.filtered(lambda m: "Scan attached" in m.body)
        )
        # nor by editing one's own message to add the file
        answer = self._jsonrpc(
            "/mail/message/post",
            {
                "thread_model": TICKET,
                "thread_id": self.ticket.id,
                "post_data": {
                    "body": "Scan follows",
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_comment",
                },
            },
        )
        message = self.env["mail.message"].browse(answer["result"]["message_id"])
        answer = self._jsonrpc(
            "/mail/message/update_content",
            {
                "message_id": message.id,
                "update_data": {"body": "Scan attached", **files},
            },
        )
        self.assertIn("at most", answer["error"]["data"]["message"])
        self.assertFalse(self._ticket_files("big.txt"))
        self.assertFalse(message.attachment_ids)

    @mute_logger("odoo.http")
    def test_message_post_over_rpc(self):
        post = {
            "body": "Scan",
            "message_type": "comment",
            "subtype_xmlid": "mail.mt_comment",
        }
        # the file's content in the call, or a pending upload of one's own
        upload = self._upload(self.ticket, self.BIG, "big-pending.txt").json()
        for files in (
            {"attachments": [["big.txt", "x" * 4096]]},
            {"attachment_ids": [upload["data"]["attachment_id"]]},
        ):
            with self.subTest(files=list(files)):
                answer = self._call_kw(
                    "message_post", [[self.ticket.id]], dict(post, **files)
                )
                self.assertIn("at most", answer["error"]["data"]["message"])
        self.assertFalse(
            self._ticket_files("big.txt") | self._ticket_files("big-pending.txt")
        )
        self.assertFalse(
            self.ticket.message_ids.filtered(lambda m: m.body and "Scan" in m.body)
        )
        # the same call without the file posts (the control)
        answer = self._call_kw("message_post", [[self.ticket.id]], post)
        self.assertIsNone(self._rpc_error(answer), answer.get("error"))
        self.assertTrue(
            self.ticket.message_ids.filtered(lambda m: m.body and "Scan" in m.body)
        )

    def test_staff_are_not_bound(self):
        """Employees send large files to clients (e.g. a full export): the limit is the clients'."""
        self._login(self.agent)
        response = self._upload(self.ticket, self.BIG, "export.txt", is_pending="false")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self._ticket_files("export.txt").file_size, len(self.BIG))

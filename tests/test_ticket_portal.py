from unittest.mock import patch
from urllib.parse import quote, urlsplit

from lxml import html

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.client_hub.controllers.portal import ClientHubTicketPortal

from .common import TICKET, TicketHttpCommon


@tagged("post_install", "-at_install")
class TestTicketPortal(TicketHttpCommon):
    def test_home_tile_visible_with_zero_tickets(self):
        self.assertFalse(
            self.env[TICKET].search([("commercial_partner_id", "=", self.client_a.id)])
        )
        self._login(self.portal_a)
        page = self._page("/my")
        links = page.xpath(
            "//div[contains(@class, 'o_portal_index_card')]/a[@href='/my/tickets']"
        )
        self.assertEqual(len(links), 1)
        self.assertNotIn(
            "d-none", links[0].getparent().get("class"), "shown even with no ticket"
        )
        self.assertIn("Support", links[0].text_content())
        listing = self._page("/my/tickets")
        self.assertTrue(listing.xpath("//*[hasclass('o_client_tickets_empty')]"))
        self.assertTrue(listing.xpath("//a[@href='/my/tickets/new']"))
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["client_ticket_count"]}
        )
        self.assertEqual(counters["client_ticket_count"], 0)

    def test_create_from_portal(self):
        self._login(self.portal_a)
        form = self._page("/my/tickets/new")
        self.assertTrue(
            form.xpath("//form[@action='/my/tickets/new']//input[@name='csrf_token']")
        )
        response = self._post_form(
            "/my/tickets/new",
            {
                "name": "Update my billing address",
                "description": "New address:\n<b>1-2-3</b> Chiyoda<script>alert('x')</script>",
                # not a whitelisted field: ignored
                "user_id": str(self.agent.id),
            },
            files=[
                ("attachments", ("address.txt", b"1-2-3 Chiyoda", "text/plain")),
                ("attachments", ("", b"", "application/octet-stream")),
            ],
        )
        self.assertEqual(response.status_code, 303)
        ticket = self.env[TICKET].search([("name", "=", "Update my billing address")])
        self.assertEqual(len(ticket), 1)
        self.assertTrue(
            response.headers["Location"].endswith(f"/my/tickets/{ticket.id}?created=1")
        )
        self.assertEqual(ticket.partner_id, self.portal_a.partner_id)
        self.assertEqual(ticket.commercial_partner_id, self.client_a)
        self.assertFalse(ticket.user_id)
        self.assertEqual(ticket.attachment_ids.mapped("name"), ["address.txt"])
        self.assertEqual(ticket.attachment_ids.raw, b"1-2-3 Chiyoda")
        # the description is text: markup is escaped, never interpreted
        self.assertNotIn("<script", ticket.description)
        self.assertNotIn("<b>", ticket.description)
        self.assertIn("&lt;b&gt;1-2-3&lt;/b&gt;", ticket.description)

        page = self._page(f"/my/tickets/{ticket.id}?created=1")
        self.assertIn(ticket.ref, page.text_content())
        self.assertTrue(
            page.xpath("//div[@id='discussion'][@data-res_model='client_hub.ticket']")
        )
        self.assertTrue(
            page.xpath(f"//div[@id='discussion'][@data-res_id='{ticket.id}']")
        )
        self.assertTrue(
            page.xpath(
                "//*[hasclass('o_client_ticket_attachments')]//a[contains(@href, 'access_token=')]"
            )
        )
        self.assertFalse(page.xpath("//script[contains(text(), \"alert('x')\")]"))
        listing = self._page("/my/tickets")
        rows = listing.xpath("//tr[hasclass('o_client_ticket_row')]")
        self.assertEqual(len(rows), 1)
        self.assertIn("New", rows[0].text_content(), "the stage is listed")

    def test_create_empty_subject_keeps_typed_values(self):
        self._login(self.portal_a)
        response = self._post_form(
            "/my/tickets/new", {"name": "  ", "description": "Kept text"}
        )
        self.assertEqual(response.status_code, 200)
        page = html.fromstring(response.content)
        self.assertIn(
            "Please enter a subject",
            page.xpath("string(//*[hasclass('o_client_ticket_error')])"),
        )
        self.assertEqual(
            page.xpath("string(//textarea[@name='description'])"), "Kept text"
        )
        self.assertFalse(
            self.env[TICKET].search([("commercial_partner_id", "=", self.client_a.id)])
        )

    def test_create_oversized_attachment(self):
        self.env["ir.config_parameter"].set_param(
            "client_hub.ticket_attachment_max_size_mb", "0.1"
        )
        self._login(self.portal_a)
        response = self._post_form(
            "/my/tickets/new",
            {"name": "Big scan", "description": "See scan"},
            files={"attachments": ("scan.pdf", b"x" * 200000, "application/pdf")},
        )
        self.assertEqual(response.status_code, 200)
        page = html.fromstring(response.content)
        error = page.xpath("string(//*[hasclass('o_client_ticket_error')])")
        self.assertIn("scan.pdf", error)
        self.assertIn("at most 0.1 MB", error)
        self.assertEqual(page.xpath("string(//input[@name='name']/@value)"), "Big scan")
        self.assertFalse(self.env[TICKET].search([("name", "=", "Big scan")]))

    def test_create_requires_csrf(self):
        self._login(self.portal_a)
        response = self.url_open(
            "/my/tickets/new", data={"name": "No CSRF"}, allow_redirects=False
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.env[TICKET].search([("name", "=", "No CSRF")]))

    def test_reply_attach_and_close(self):
        ticket = self._new_ticket(self.portal_a, "Line 3 of my invoice")
        ticket.sudo().user_id = self.agent
        ticket.sudo().stage_id = self.stage_waiting
        self._login(self.portal_a)
        upload = self._upload(ticket, b"invoice scan", "scan.txt").json()
        attachment = self.env["ir.attachment"].browse(upload["data"]["attachment_id"])
        token = next(
            a["ownership_token"]
            for a in upload["data"]["store_data"]["ir.attachment"]
            if a["id"] == attachment.id
        )
        answer = self._jsonrpc(
            "/mail/message/post",
            {
                "thread_model": TICKET,
                "thread_id": ticket.id,
                "post_data": {
                    "body": "Here it is<img src=x onerror=alert(1)>",
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_comment",
                    "attachment_ids": [attachment.id],
                    "attachment_tokens": [token],
                },
            },
        )
        self.assertNotIn("error", answer, answer.get("error"))
        message = self.env["mail.message"].browse(answer["result"]["message_id"])
        self.assertEqual(message.model, TICKET)
        self.assertEqual(message.res_id, ticket.id)
        self.assertEqual(message.author_id, self.portal_a.partner_id)
        self.assertEqual(message.attachment_ids, attachment)
        self.assertEqual(attachment.res_model, TICKET)
        self.assertNotIn("onerror", message.body)
        self.assertIn("Here it is", message.body)
        self.assertIn(attachment, ticket.attachment_ids)
        self.assertEqual(ticket.stage_id, self.stage_in_progress, "the client answered")
        self.assertTrue(
            message.notification_ids.filtered(
                lambda n: n.res_partner_id == self.agent.partner_id
            ),
            "the assigned agent follows the ticket and is notified",
        )
        # the conversation is readable through the portal chatter
        fetched = self._jsonrpc(
            "/mail/chatter_fetch", {"thread_model": TICKET, "thread_id": ticket.id}
        )
        self.assertIn(message.id, fetched["result"]["messages"])

        page = self._page(f"/my/tickets/{ticket.id}")
        self.assertTrue(page.xpath("//form[hasclass('o_client_ticket_close')]"))
        response = self._post_form(f"/my/tickets/{ticket.id}/close")
        self.assertEqual(response.status_code, 303)
        self.assertEqual(ticket.stage_id, self.stage_closed)
        self.assertTrue(ticket.is_closed)
        self.assertEqual(ticket.message_ids[0].author_id, self.portal_a.partner_id)
        page = self._page(f"/my/tickets/{ticket.id}")
        self.assertFalse(page.xpath("//form[hasclass('o_client_ticket_close')]"))

    def test_tour_open_answer_close(self):
        self.start_tour(
            "/my", "client_hub_ticket_portal_tour", login=self.portal_a.login
        )
        ticket = self.env[TICKET].search([("name", "=", "Printer prints pink")])
        self.assertEqual(ticket.partner_id, self.portal_a.partner_id)
        self.assertIn("Every invoice comes out pink.", ticket.description)
        answer = ticket.message_ids.filtered(
            lambda m: "Any news about my printer?" in m.body
        )
        self.assertEqual(answer.author_id, self.portal_a.partner_id)
        self.assertEqual(answer.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertEqual(ticket.stage_id, self.stage_closed)

    def test_staff_reply_magic_link_opens_the_ticket(self):
        ticket = self._new_ticket(self.portal_a, "Where is my credit note?")
        # keep the notification e-mail queued so that its body can be read
        ticket.with_user(self.agent).with_context(
            mail_notify_force_send=False
        ).message_post(
            body="Your credit note is on its way.",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        mail = self.env["mail.mail"].search(
            [
                ("model", "=", TICKET),
                ("res_id", "=", ticket.id),
                ("recipient_ids", "in", self.portal_a.partner_id.id),
            ]
        )
        self.assertEqual(len(mail), 1)
        # the live link is made when the e-mail is sent, in the client's copy only
        [email] = [
            email
            for email in mail._prepare_outgoing_list()
            if email["partner_id"] == self.portal_a.partner_id
        ]
        link = html.fromstring(email["body"]).xpath(
            "//a[contains(@href, '/client/magic/')]/@href"
        )
        self.assertTrue(link, "the e-mail's button is a magic link")
        path = link[0][link[0].index("/client/magic/") :]
        page = self.url_open(path)
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        response = self.url_open(path, data={"csrf_token": csrf}, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(
            response.headers["Location"].endswith(f"/my/tickets/{ticket.id}")
        )
        page = self.url_open(response.headers["Location"])
        self.assertEqual(page.status_code, 200)
        self.assertIn(ticket.ref, page.text)

    def test_list_sorting_and_filters(self):
        first = self._new_ticket(self.portal_a, "First question")
        second = self._new_ticket(self.portal_a2, "Second question")
        second.sudo().stage_id = self.stage_closed
        self._login(self.portal_a)
        for params in (
            "",
            "?sortby=date",
            "?sortby=stage",
            "?sortby=bogus&filterby=bogus",
        ):
            with self.subTest(params=params):
                text = self._page(f"/my/tickets{params}").text_content()
                self.assertIn(first.ref, text)
                self.assertIn(second.ref, text, "a colleague's ticket is listed too")
        text = self._page("/my/tickets?filterby=open").text_content()
        self.assertIn(first.ref, text)
        self.assertNotIn(second.ref, text)
        text = self._page("/my/tickets?filterby=closed").text_content()
        self.assertNotIn(first.ref, text)
        self.assertIn(second.ref, text)

    def test_list_pages_with_the_portal_page_size(self):
        """The list pages by the portal's `_items_per_page`, as every portal list does."""
        first = self._new_ticket(self.portal_a, "Oldest question")
        second = self._new_ticket(self.portal_a, "Newest question")
        self._login(self.portal_a)
        with patch.object(ClientHubTicketPortal, "_items_per_page", 1):
            page_1 = self._page("/my/tickets?sortby=date").text_content()
            page_2 = self._page("/my/tickets/page/2?sortby=date").text_content()
        self.assertIn(second.ref, page_1)
        self.assertNotIn(first.ref, page_1)
        self.assertIn(first.ref, page_2)
        self.assertNotIn(second.ref, page_2)

    def test_close_requires_post_and_csrf(self):
        ticket = self._new_ticket(self.portal_a, "Keep me open")
        self._login(self.portal_a)
        url = f"/my/tickets/{ticket.id}/close"
        self.assertEqual(self.url_open(url).status_code, 405, "GET is not allowed")
        self.assertEqual(
            self.url_open(url, data={"x": "1"}, allow_redirects=False).status_code,
            400,
            "no CSRF",
        )
        self.assertEqual(ticket.stage_id, self.stage_new)
        # the control: a POST with the session's CSRF token closes it
        response = self._post_form(url)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(urlsplit(response.headers["Location"]).path, ticket.access_url)
        self.assertEqual(ticket.stage_id, self.stage_closed)

    def test_anonymous_is_sent_to_login(self):
        ticket = self._new_ticket(self.portal_a, "Private")
        for url in ("/my/tickets", "/my/tickets/new", f"/my/tickets/{ticket.id}"):
            response = self.url_open(url, allow_redirects=False)
            self.assertEqual(response.status_code, 303, url)
            self.assertIn("/web/login", response.headers["Location"])

    @mute_logger("odoo.http")
    def test_malformed_ids(self):
        """Ids that are not ids, in the form or the URL: a clear answer, never a 500."""
        ticket = self._new_ticket(self.portal_a, "Mine")
        self._login(self.portal_a)
        values = [
            "²",
            "1e5",
            "-1",
            "0",
            "9" * 30,
            "abc",
            "١٢",
            "ünï",
            "3.5",
            "1 OR 1=1",
            "1\x00",
            "9" * 5000,
        ]
        for value in values:
            for fname in ("invoice_id", "sale_order_id"):
                with self.subTest(field=fname, value=value):
                    response = self._post_form(
                        "/my/tickets/new",
                        {
                            "name": f"Bad {fname}",
                            "description": "Kept text",
                            fname: value,
                        },
                    )
                    self.assertEqual(response.status_code, 200)
                    page = html.fromstring(response.content)
                    self.assertIn(
                        "is not available",
                        page.xpath("string(//*[hasclass('o_client_ticket_error')])"),
                    )
                    self.assertEqual(
                        page.xpath("string(//input[@name='name']/@value)"),
                        f"Bad {fname}",
                    )
                    self.assertEqual(
                        page.xpath("string(//textarea[@name='description'])"),
                        "Kept text",
                    )
        self.assertFalse(self.env[TICKET].search([("name", "like", "Bad %")]))
        # a NUL character, which the database refuses, is dropped from what is typed
        response = self._post_form(
            "/my/tickets/new", {"name": "Nul\x00 subject", "description": "a\x00b"}
        )
        self.assertEqual(response.status_code, 303)
        self.assertTrue(self.env[TICKET].search([("name", "=", "Nul subject")]))
        # in URLs (non-ASCII digits such as "١٢" are digits to the router: /my/tickets/12,
        # access-checked; NUL and 5000 digits fail in the router itself, for every route)
        for value in values[:-2]:
            with self.subTest(value=value):
                response = self.url_open(f"/my/tickets?page={quote(value)}")
                self.assertEqual(response.status_code, 200)
                if value == "١٢":
                    continue
                for url in (
                    f"/my/tickets/{quote(value)}",
                    f"/my/tickets/page/{quote(value)}",
                ):
                    response = self.url_open(url, allow_redirects=False)
                    self.assertIn(response.status_code, (200, 303, 404), url)
                response = self._post_form(f"/my/tickets/{quote(value)}/close")
                self.assertIn(response.status_code, (303, 404))
        self.assertEqual(ticket.stage_id, self.stage_new)


@tagged("post_install", "-at_install")
class TestTicketPortalIsolation(TicketHttpCommon):
    """Client A (Alice) reads, replies to, attaches to and closes its own ticket, and none of
    these on client B's ticket: each route runs the allowed and the denied case side by side,
    and the denied case must give the route's own refusal, not any error."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket_a = cls._new_ticket(cls.portal_a, "Alpha's own ticket")
        cls.ticket_b = cls._new_ticket(
            cls.portal_b, "Bravo's secret ticket", description="Bravo secret"
        )
        cls.ticket_b.sudo().message_post(
            body="Bravo's private conversation",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        cls.token_a = cls.ticket_a.sudo()._portal_ensure_token()
        cls.token_b = cls.ticket_b.sudo()._portal_ensure_token()

    def setUp(self):
        super().setUp()
        self._login(self.portal_a)

    def _messages_b(self):
        return self.env["mail.message"].search_count(
            [("model", "=", TICKET), ("res_id", "=", self.ticket_b.id)]
        )

    def _chatter_thread(self, answer, ticket):
        """The thread `/portal/chatter_init` describes for `ticket`, None when it gives none."""
        threads = answer["result"].get("mail.thread", [])
        return next(
            (t for t in threads if (t["model"], t["id"]) == (TICKET, ticket.id)), None
        )

    def test_ticket_pages(self):
        listing = self.url_open("/my/tickets").text
        self.assertIn(self.ticket_a.ref, listing)
        self.assertNotIn(self.ticket_b.ref, listing)
        self.assertNotIn("Bravo", listing)
        cases = [
            ("own ticket", f"/my/tickets/{self.ticket_a.id}", True),
            ("B's ticket", f"/my/tickets/{self.ticket_b.id}", False),
            (
                "B's ticket with its token",
                f"/my/tickets/{self.ticket_b.id}?access_token={self.token_b}",
                False,
            ),
            ("no such ticket", "/my/tickets/999999999", False),
        ]
        for label, url, allowed in cases:
            with self.subTest(label, allowed=allowed):
                response = self.url_open(url, allow_redirects=False)
                if allowed:
                    self.assertEqual(response.status_code, 200)
                    self.assertIn(self.ticket_a.ref, response.text)
                else:
                    self.assertEqual(response.status_code, 303)
                    self.assertEqual(urlsplit(response.headers["Location"]).path, "/my")

    def test_close(self):
        own = self._new_ticket(self.portal_a, "Alpha's ticket to close")
        for label, ticket_id, allowed in (
            ("own ticket", own.id, True),
            ("B's ticket", self.ticket_b.id, False),
            ("no such ticket", 999999999, False),
        ):
            with self.subTest(label, allowed=allowed):
                response = self._post_form(f"/my/tickets/{ticket_id}/close")
                self.assertEqual(response.status_code, 303)
                location = urlsplit(response.headers["Location"]).path
                self.assertEqual(location, own.access_url if allowed else "/my")
        self.assertEqual(own.stage_id, self.stage_closed)
        self.assertEqual(self.ticket_b.stage_id, self.stage_new)

    @mute_logger("odoo.http")
    def test_chatter_routes(self):
        """Post, fetch and open the chatter: on A's ticket, and on B's with any token or
        signature (B's real token and a hash signed for Alice included: tickets need a login)."""
        pid = self.portal_a.partner_id.id
        not_found = "werkzeug.exceptions.NotFound"
        cases = [
            # (ticket, extra parameters, allowed, what /mail/chatter_fetch answers when denied)
            (self.ticket_a, {}, True, None),
            (self.ticket_b, {}, False, []),
            (self.ticket_b, {"token": "forged"}, False, not_found),
            (self.ticket_b, {"token": self.token_a}, False, not_found),
            (self.ticket_b, {"hash": "0" * 64, "pid": pid}, False, []),
            (self.ticket_b, {"token": self.token_b}, False, not_found),
            (
                self.ticket_b,
                {"hash": self.ticket_b.sudo()._sign_token(pid), "pid": pid},
                False,
                [],
            ),
        ]
        before = self._messages_b()
        for ticket, extra, allowed, fetch_denied in cases:
            with self.subTest(ticket=ticket.name, extra=list(extra), allowed=allowed):
                thread = {"thread_model": TICKET, "thread_id": ticket.id}
                posted = self._jsonrpc(
                    "/mail/message/post",
                    {
                        **thread,
                        **extra,
                        "post_data": {
                            "body": "Hello",
                            "message_type": "comment",
                            "subtype_xmlid": "mail.mt_comment",
                        },
                    },
                )
                fetched = self._jsonrpc("/mail/chatter_fetch", {**thread, **extra})
                init = self._jsonrpc("/portal/chatter_init", {**thread, **extra})
                if allowed:
                    message = self.env["mail.message"].browse(
                        posted["result"]["message_id"]
                    )
                    self.assertEqual(
                        (message.model, message.res_id), (TICKET, ticket.id)
                    )
                    self.assertIn(message.id, fetched["result"]["messages"])
                    self.assertTrue(self._chatter_thread(init, ticket)["hasReadAccess"])
                else:
                    self.assertEqual(self._rpc_error(posted), not_found)
                    if fetch_denied == not_found:
                        self.assertEqual(self._rpc_error(fetched), not_found)
                    else:
                        self.assertEqual(fetched["result"]["messages"], fetch_denied)
                    self.assertIsNone(self._chatter_thread(init, ticket))
        self.assertEqual(self._messages_b(), before)

    @mute_logger("odoo.http")
    def test_thread_messages_and_edit(self):
        own = self.ticket_a.with_user(self.portal_a).message_post(
            body="Alpha's reply",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        message_b = self.ticket_b.message_ids.filtered(
            lambda m: "Bravo's private conversation" in m.body
        )
        for ticket, message, allowed in (
            (self.ticket_a, own, True),
            (self.ticket_b, message_b, False),
        ):
            with self.subTest(ticket=ticket.name, allowed=allowed):
                listed = self._jsonrpc(
                    "/mail/thread/messages",
                    {"thread_model": TICKET, "thread_id": ticket.id},
                )
                edited = self._jsonrpc(
                    "/mail/message/update_content",
                    {"message_id": message.id, "update_data": {"body": "Rewritten"}},
                )
                if allowed:
                    self.assertIn(message.id, listed["result"]["messages"])
                    self.assertIsNone(self._rpc_error(edited))
                    self.assertIn("Rewritten", message.body)
                else:
                    # stock answers the user's other messages for a thread they cannot read
                    self.assertIsNone(self._rpc_error(listed))
                    self.assertFalse(
                        set(listed["result"]["messages"]) & set(ticket.message_ids.ids)
                    )
                    self.assertEqual(
                        self._rpc_error(edited), "werkzeug.exceptions.NotFound"
                    )
                    self.assertNotIn("Rewritten", message.body)

    @mute_logger("odoo.http")
    def test_attachment_routes(self):
        files_b = [("res_model", "=", TICKET), ("res_id", "=", self.ticket_b.id)]
        count_b = self.env["ir.attachment"].search_count(files_b)
        cases = [
            (self.ticket_a, {}, True),
            (self.ticket_b, {}, False),
            (self.ticket_b, {"token": "forged"}, False),
            (self.ticket_b, {"token": self.token_a}, False),
            (self.ticket_b, {"token": self.token_b}, False),
        ]
        for ticket, extra, allowed in cases:
            with self.subTest(ticket=ticket.name, extra=list(extra), allowed=allowed):
                response = self._upload(
                    ticket, b"a file", "file.txt", is_pending="false", **extra
                )
                if allowed:
                    self.assertEqual(response.status_code, 200)
                    attachment = self.env["ir.attachment"].browse(
                        response.json()["data"]["attachment_id"]
                    )
                    self.assertEqual(
                        (attachment.res_model, attachment.res_id), (TICKET, ticket.id)
                    )
                else:
                    self.assertEqual(response.status_code, 404)
        self.assertEqual(self.env["ir.attachment"].search_count(files_b), count_b)
        # a pending upload of Alice's posts on her ticket, not on B's
        for ticket, allowed in ((self.ticket_b, False), (self.ticket_a, True)):
            with self.subTest(
                "post a pending upload", ticket=ticket.name, allowed=allowed
            ):
                upload = self._upload(self.ticket_a, b"mine", "mine.txt").json()["data"]
                token = next(
                    a["ownership_token"]
                    for a in upload["store_data"]["ir.attachment"]
                    if a["id"] == upload["attachment_id"]
                )
                answer = self._jsonrpc(
                    "/mail/message/post",
                    {
                        "thread_model": TICKET,
                        "thread_id": ticket.id,
                        "post_data": {
                            "body": "x",
                            "message_type": "comment",
                            "subtype_xmlid": "mail.mt_comment",
                            "attachment_ids": [upload["attachment_id"]],
                            "attachment_tokens": [token],
                        },
                    },
                )
                attachment = self.env["ir.attachment"].browse(upload["attachment_id"])
                if allowed:
                    self.assertIsNone(self._rpc_error(answer))
                    self.assertEqual(
                        (attachment.res_model, attachment.res_id), (TICKET, ticket.id)
                    )
                else:
                    self.assertEqual(
                        self._rpc_error(answer), "werkzeug.exceptions.NotFound"
                    )
                    self.assertNotEqual(attachment.res_id, self.ticket_b.id)
        # downloads: Alice's file through the link of her ticket's page; B's file not at all
        page = self._page(f"/my/tickets/{self.ticket_a.id}")
        link = page.xpath(
            "//*[hasclass('o_client_ticket_attachments')]//a[contains(., 'file.txt')]/@href"
        )[0]
        file_b = self.env["ir.attachment"].create(
            {
                "name": "b.txt",
                "raw": b"bravo only",
                "res_model": TICKET,
                "res_id": self.ticket_b.id,
            }
        )
        for url, allowed in (
            (link, True),
            (f"/web/content/{file_b.id}?download=true", False),
        ):
            with self.subTest("download", url=url, allowed=allowed):
                response = self.url_open(url)
                self.assertEqual(response.status_code, 200 if allowed else 404)
                self.assertEqual(response.content == b"a file", allowed)

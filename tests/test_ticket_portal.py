import json
from urllib.parse import quote

from lxml import html

from odoo.http import Request
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.client_hub.tests.common_ticket import TicketFixtures

TICKET = "client_hub.ticket"


class TicketHttpMixin:
    """Helpers to drive the ticket pages and the chatter routes as a portal user."""

    def _login(self, user):
        self.authenticate(user.login, user.login)

    def _csrf(self):
        return Request.csrf_token(self)

    def _post_form(self, url, data=None, files=None):
        data = dict(data or {}, csrf_token=self._csrf())
        return self.url_open(url, data=data, files=files, allow_redirects=False)

    def _jsonrpc(self, route, params):
        """Call a JSON-RPC route and return its decoded answer (``result`` or ``error``)."""
        response = self.url_open(route, json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params})
        return response.json()

    def _upload(self, ticket, content=b"hello", filename="note.txt", **extra):
        data = {"thread_id": str(ticket.id), "thread_model": TICKET, "is_pending": "true",
                "csrf_token": self._csrf(), **extra}
        return self.url_open("/mail/attachment/upload", data=data,
                             files={"ufile": (filename, content, "text/plain")})

    def _page(self, url):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        return html.fromstring(response.content)


@tagged("post_install", "-at_install")
class TestTicketPortal(TicketFixtures, TicketHttpMixin, HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_ticket_fixtures()

    def test_home_tile_visible_with_zero_tickets(self):
        self.assertFalse(self.env[TICKET].search([("commercial_partner_id", "=", self.client_a.id)]))
        self._login(self.portal_a)
        page = self._page("/my")
        links = page.xpath("//div[contains(@class, 'o_portal_index_card')]/a[@href='/my/tickets']")
        self.assertEqual(len(links), 1)
        self.assertNotIn("d-none", links[0].getparent().get("class"), "shown even with no ticket")
        self.assertIn("Support", links[0].text_content())
        listing = self._page("/my/tickets")
        self.assertTrue(listing.xpath("//*[hasclass('o_client_tickets_empty')]"))
        self.assertTrue(listing.xpath("//a[@href='/my/tickets/new']"))
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["client_ticket_count"]})
        self.assertEqual(counters["client_ticket_count"], 0)

    def test_create_from_portal(self):
        self._login(self.portal_a)
        form = self._page("/my/tickets/new")
        self.assertTrue(form.xpath("//form[@action='/my/tickets/new']//input[@name='csrf_token']"))
        response = self._post_form("/my/tickets/new", {
            "name": "Update my billing address",
            "description": "New address:\n<b>1-2-3</b> Chiyoda<script>alert('x')</script>",
            # not a whitelisted field: ignored
            "user_id": str(self.agent.id),
        }, files=[("attachments", ("address.txt", b"1-2-3 Chiyoda", "text/plain")),
                  ("attachments", ("", b"", "application/octet-stream"))])
        self.assertEqual(response.status_code, 303)
        ticket = self.env[TICKET].search([("name", "=", "Update my billing address")])
        self.assertEqual(len(ticket), 1)
        self.assertTrue(response.headers["Location"].endswith(f"/my/tickets/{ticket.id}?created=1"))
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
        self.assertTrue(page.xpath("//div[@id='discussion'][@data-res_model='client_hub.ticket']"))
        self.assertTrue(page.xpath(f"//div[@id='discussion'][@data-res_id='{ticket.id}']"))
        self.assertTrue(page.xpath("//*[hasclass('o_client_ticket_attachments')]//a[contains(@href, 'access_token=')]"))
        self.assertFalse(page.xpath("//script[contains(text(), \"alert('x')\")]"))
        listing = self._page("/my/tickets")
        rows = listing.xpath("//tr[hasclass('o_client_ticket_row')]")
        self.assertEqual(len(rows), 1)
        self.assertIn("New", rows[0].text_content(), "the stage is listed")

    def test_create_empty_subject_keeps_typed_values(self):
        self._login(self.portal_a)
        response = self._post_form("/my/tickets/new", {"name": "  ", "description": "Kept text"})
        self.assertEqual(response.status_code, 200)
        page = html.fromstring(response.content)
        self.assertIn("Please enter a subject", page.xpath("string(//*[hasclass('o_client_ticket_error')])"))
        self.assertEqual(page.xpath("string(//textarea[@name='description'])"), "Kept text")
        self.assertFalse(self.env[TICKET].search([("commercial_partner_id", "=", self.client_a.id)]))

    def test_create_oversized_attachment(self):
        self.env["ir.config_parameter"].set_param("client_hub.ticket_attachment_max_size_mb", "0.1")
        self._login(self.portal_a)
        response = self._post_form("/my/tickets/new", {"name": "Big scan", "description": "See scan"},
                                   files={"attachments": ("scan.pdf", b"x" * 200000, "application/pdf")})
        self.assertEqual(response.status_code, 200)
        page = html.fromstring(response.content)
        error = page.xpath("string(//*[hasclass('o_client_ticket_error')])")
        self.assertIn("scan.pdf", error)
        self.assertIn("at most 0.1 MB", error)
        self.assertEqual(page.xpath("string(//input[@name='name']/@value)"), "Big scan")
        self.assertFalse(self.env[TICKET].search([("name", "=", "Big scan")]))

    def test_create_requires_csrf(self):
        self._login(self.portal_a)
        response = self.url_open("/my/tickets/new", data={"name": "No CSRF"}, allow_redirects=False)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.env[TICKET].search([("name", "=", "No CSRF")]))

    def test_reply_attach_and_close(self):
        ticket = self._new_ticket(self.portal_a, "Line 3 of my invoice")
        ticket.sudo().user_id = self.agent
        ticket.sudo().stage_id = self.stage_waiting
        self._login(self.portal_a)
        upload = self._upload(ticket, b"invoice scan", "scan.txt").json()
        attachment = self.env["ir.attachment"].browse(upload["data"]["attachment_id"])
        token = next(a["ownership_token"] for a in upload["data"]["store_data"]["ir.attachment"]
                     if a["id"] == attachment.id)
        answer = self._jsonrpc("/mail/message/post", {
            "thread_model": TICKET, "thread_id": ticket.id,
            "post_data": {"body": "Here it is<img src=x onerror=alert(1)>", "message_type": "comment",
                          "subtype_xmlid": "mail.mt_comment",
                          "attachment_ids": [attachment.id], "attachment_tokens": [token]},
        })
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
        self.assertTrue(message.notification_ids.filtered(lambda n: n.res_partner_id == self.agent.partner_id),
                        "the assigned agent follows the ticket and is notified")
        # the conversation is readable through the portal chatter
        fetched = self._jsonrpc("/mail/chatter_fetch", {"thread_model": TICKET, "thread_id": ticket.id})
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
        self.start_tour("/my", "client_hub_ticket_portal_tour", login=self.portal_a.login)
        ticket = self.env[TICKET].search([("name", "=", "Printer prints pink")])
        self.assertEqual(ticket.partner_id, self.portal_a.partner_id)
        self.assertIn("Every invoice comes out pink.", ticket.description)
        answer = ticket.message_ids.filtered(lambda m: "Any news about my printer?" in m.body)
        self.assertEqual(answer.author_id, self.portal_a.partner_id)
        self.assertEqual(answer.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertEqual(ticket.stage_id, self.stage_closed)

    def test_staff_reply_magic_link_opens_the_ticket(self):
        ticket = self._new_ticket(self.portal_a, "Where is my credit note?")
        # keep the notification e-mail queued so that its body can be read
        ticket.with_user(self.agent).with_context(mail_notify_force_send=False).message_post(
            body="Your credit note is on its way.", message_type="comment", subtype_xmlid="mail.mt_comment")
        mail = self.env["mail.mail"].search([
            ("model", "=", TICKET), ("res_id", "=", ticket.id),
            ("recipient_ids", "in", self.portal_a.partner_id.id)])
        self.assertEqual(len(mail), 1)
        # the live link is made when the e-mail is sent, in the client's copy only
        [email] = [email for email in mail._prepare_outgoing_list() if email["partner_id"] == self.portal_a.partner_id]
        link = html.fromstring(email["body"]).xpath("//a[contains(@href, '/client/magic/')]/@href")
        self.assertTrue(link, "the e-mail's button is a magic link")
        path = link[0][link[0].index("/client/magic/"):]
        page = self.url_open(path)
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        response = self.url_open(path, data={"csrf_token": csrf}, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith(f"/my/tickets/{ticket.id}"))
        page = self.url_open(response.headers["Location"])
        self.assertEqual(page.status_code, 200)
        self.assertIn(ticket.ref, page.text)

    def test_list_sorting_and_filters(self):
        first = self._new_ticket(self.portal_a, "First question")
        second = self._new_ticket(self.portal_a2, "Second question")
        second.sudo().stage_id = self.stage_closed
        self._login(self.portal_a)
        for params in ("", "?sortby=date", "?sortby=stage", "?sortby=bogus&filterby=bogus"):
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

    def test_close_requires_post_and_csrf(self):
        ticket = self._new_ticket(self.portal_a, "Keep me open")
        self._login(self.portal_a)
        self.assertNotEqual(self.url_open(f"/my/tickets/{ticket.id}/close").status_code, 200)
        response = self.url_open(f"/my/tickets/{ticket.id}/close", data={"x": "1"}, allow_redirects=False)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(ticket.stage_id, self.stage_new)

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
        values = ["²", "1e5", "-1", "0", "9" * 30, "abc", "١٢", "ünï", "3.5", "1 OR 1=1", "1\x00", "9" * 5000]
        for value in values:
            for fname in ("invoice_id", "sale_order_id"):
                with self.subTest(field=fname, value=value):
                    response = self._post_form("/my/tickets/new", {
                        "name": f"Bad {fname}", "description": "Kept text", fname: value})
                    self.assertEqual(response.status_code, 200)
                    page = html.fromstring(response.content)
                    self.assertIn("is not available", page.xpath("string(//*[hasclass('o_client_ticket_error')])"))
                    self.assertEqual(page.xpath("string(//input[@name='name']/@value)"), f"Bad {fname}")
                    self.assertEqual(page.xpath("string(//textarea[@name='description'])"), "Kept text")
        self.assertFalse(self.env[TICKET].search([("name", "like", "Bad %")]))
        # a NUL character, which the database refuses, is dropped from what is typed
        response = self._post_form("/my/tickets/new", {"name": "Nul\x00 subject", "description": "a\x00b"})
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
                for url in (f"/my/tickets/{quote(value)}", f"/my/tickets/page/{quote(value)}"):
                    response = self.url_open(url, allow_redirects=False)
                    self.assertIn(response.status_code, (200, 303, 404), url)
                response = self._post_form(f"/my/tickets/{quote(value)}/close")
                self.assertIn(response.status_code, (303, 404))
        self.assertEqual(ticket.stage_id, self.stage_new)


@tagged("post_install", "-at_install")
class TestTicketPortalIsolation(TicketFixtures, TicketHttpMixin, HttpCase):
    """Client A cannot read, reply to, attach to or close client B's ticket."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_ticket_fixtures()
        cls.ticket_a = cls._new_ticket(cls.portal_a, "Alpha's own ticket")
        cls.ticket_b = cls._new_ticket(cls.portal_b, "Beta's secret ticket", description="Beta secret")
        cls.ticket_b.sudo().message_post(body="Beta's private conversation", message_type="comment",
                                         subtype_xmlid="mail.mt_comment")
        cls.token_b = cls.ticket_b.sudo()._portal_ensure_token()

    def setUp(self):
        super().setUp()
        self._login(self.portal_a)

    def _messages_b(self):
        return self.env["mail.message"].search_count([("model", "=", TICKET), ("res_id", "=", self.ticket_b.id)])

    def test_ticket_pages(self):
        listing = self.url_open("/my/tickets").text
        self.assertIn(self.ticket_a.ref, listing)
        self.assertNotIn(self.ticket_b.ref, listing)
        self.assertNotIn("Beta", listing)
        for url in (f"/my/tickets/{self.ticket_b.id}",
                    f"/my/tickets/{self.ticket_b.id}?access_token={self.token_b}",
                    "/my/tickets/999999999"):
            with self.subTest(url=url):
                response = self.url_open(url, allow_redirects=False)
                self.assertEqual(response.status_code, 303)
                self.assertTrue(response.headers["Location"].endswith("/my"))
        # close
        response = self._post_form(f"/my/tickets/{self.ticket_b.id}/close")
        self.assertTrue(response.headers["Location"].endswith("/my"))
        self.assertEqual(self.ticket_b.stage_id, self.stage_new)
        response = self._post_form("/my/tickets/999999999/close")
        self.assertTrue(response.headers["Location"].endswith("/my"))

    def test_counters_and_form_choices(self):
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["client_ticket_count"]})
        self.assertEqual(counters["client_ticket_count"], 1)
        product = self.env["product.product"].create({"name": "Consulting", "list_price": 100})
        order_b = self.env["sale.order"].create({
            "partner_id": self.client_b.id, "order_line": [(0, 0, {"product_id": product.id})]})
        order_b.action_quotation_sent()
        form = self.url_open("/my/tickets/new").text
        self.assertNotIn(order_b.name, form)
        response = self._post_form("/my/tickets/new", {"name": "Forged order", "sale_order_id": str(order_b.id)})
        self.assertEqual(response.status_code, 200)
        self.assertIn("quotation is not available", response.text)
        self.assertFalse(self.env[TICKET].search([("name", "=", "Forged order")]))

    @mute_logger("odoo.http")
    def test_chatter_routes(self):
        before = self._messages_b()
        pid = self.portal_a.partner_id.id
        forged = [{}, {"token": "forged"}, {"token": self.ticket_a.sudo()._portal_ensure_token()},
                  {"hash": "0" * 64, "pid": pid},
                  # even B's real token or a hash signed for A open nothing: tickets need a login
                  {"token": self.token_b}, {"hash": self.ticket_b.sudo()._sign_token(pid), "pid": pid}]
        for extra in forged:
            with self.subTest(extra=extra):
                answer = self._jsonrpc("/mail/message/post", {
                    "thread_model": TICKET, "thread_id": self.ticket_b.id,
                    "post_data": {"body": "Intrusion", "message_type": "comment"}, **extra,
                })
                self.assertIn("error", answer)
                answer = self._jsonrpc("/mail/chatter_fetch", {
                    "thread_model": TICKET, "thread_id": self.ticket_b.id, **extra})
                self.assertNotIn("Beta's private conversation", json.dumps(answer))
                answer = self._jsonrpc("/portal/chatter_init", {
                    "thread_model": TICKET, "thread_id": self.ticket_b.id, **extra})
                self.assertNotIn("hasReadAccess", json.dumps(answer))
        self.assertEqual(self._messages_b(), before)
        answer = self._jsonrpc("/mail/thread/messages", {"thread_model": TICKET, "thread_id": self.ticket_b.id})
        self.assertFalse(answer.get("result", {}).get("messages"))
        self.assertNotIn("Beta's private conversation", json.dumps(answer))
        # message ids of B's ticket cannot be edited either
        message_b = self.ticket_b.message_ids[0]
        answer = self._jsonrpc("/mail/message/update_content", {
            "message_id": message_b.id, "update_data": {"body": "Rewritten"}})
        self.assertIn("error", answer)
        self.assertNotIn("Rewritten", message_b.body)

    @mute_logger("odoo.http")
    def test_attachment_routes(self):
        count = self.env["ir.attachment"].search_count([])
        for extra in ({}, {"token": "forged"}, {"token": self.ticket_a.sudo()._portal_ensure_token()},
                      {"token": self.token_b}):
            with self.subTest(extra=extra):
                response = self._upload(self.ticket_b, b"malware", "evil.txt", **extra)
                self.assertEqual(response.status_code, 404)
        self.assertEqual(self.env["ir.attachment"].search_count([]), count)
        # an attachment uploaded on A's own ticket cannot be posted on B's
        upload = self._upload(self.ticket_a, b"mine", "mine.txt").json()
        attachment_id = upload["data"]["attachment_id"]
        answer = self._jsonrpc("/mail/message/post", {
            "thread_model": TICKET, "thread_id": self.ticket_b.id,
            "post_data": {"body": "x", "attachment_ids": [attachment_id]},
        })
        self.assertIn("error", answer)
        self.assertNotEqual(self.env["ir.attachment"].browse(attachment_id).res_id, self.ticket_b.id)
        # B's files are not downloadable by A
        file_b = self.env["ir.attachment"].create({
            "name": "b.txt", "raw": b"beta only", "res_model": TICKET, "res_id": self.ticket_b.id})
        response = self.url_open(f"/web/content/{file_b.id}?download=true")
        self.assertNotEqual(response.status_code, 200)
        self.assertNotIn(b"beta only", response.content)

"""Questions that land on the invoice ("Ask about this invoice", "in question"), and the
portal home's "Invoices to pay · Pay Now" paying through the statement."""

from unittest.mock import patch
from urllib.parse import parse_qs, urlsplit

from lxml import html

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import TICKET, StatementFixtures, TicketCommon, TicketHttpCommon
from .test_invoice_pdf import PdfRenderingMixin, pdf_text


def _no_listed_invoices(self, client):
    """Stands for `_get_client_invoices` when the invoice asked about is older than the
    invoices the form lists."""
    return self.env["account.move"]


class TicketInvoiceFixtures(StatementFixtures):
    """The statement documents of Alpha and Bravo, for tickets about them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_statement_documents()


class TestTicketInvoice(TicketInvoiceFixtures, TicketCommon):
    def test_question_values_name_the_clients_invoice(self):
        Ticket = self.env[TICKET].with_user(self.portal_a)
        values = Ticket._prepare_invoice_question_values(
            self.portal_a.partner_id, self.inv_old.id
        )
        self.assertEqual(
            values,
            {
                "name": f"Question about {self.inv_old.name}",
                "invoice_id": self.inv_old.id,
            },
        )
        for label, invoice_id in (
            ("other client's invoice", self.inv_bravo.id),
            ("draft", self.inv_draft.id),
            ("no such invoice", 2**31 - 1),
            ("beyond database ids", 2**40),
            ("not an id", "abc"),
            ("none", None),
        ):
            with (
                self.subTest(label),
                self.assertRaisesRegex(UserError, "invoice is not available"),
            ):
                Ticket._prepare_invoice_question_values(
                    self.portal_a.partner_id, invoice_id
                )

    def test_ticket_linked_to_own_invoice_only(self):
        ticket = self._new_ticket(
            self.portal_a, "About my invoice", invoice_id=self.inv_overdue.id
        )
        self.assertEqual(ticket.invoice_id, self.inv_overdue)
        with self.assertRaisesRegex(UserError, "invoice is not available"):
            self._new_ticket(self.portal_a, "Forged", invoice_id=self.inv_bravo.id)
        self.assertFalse(self.env[TICKET].search([("name", "=", "Forged")]))
        # the model refuses it too, whoever writes it
        with self.assertRaises(ValidationError):
            ticket.invoice_id = self.inv_bravo
        vendor_bill = self._make_invoice(self.client_a, 10.0, move_type="in_invoice")
        with self.assertRaises(ValidationError):
            ticket.invoice_id = vendor_bill

    def test_invoice_older_than_the_listed_ones(self):
        """The form lists the client's latest invoices; one asked about from the statement
        may be older, and is accepted all the same."""
        with patch.object(
            self.registry[TICKET], "_get_client_invoices", _no_listed_invoices
        ):
            ticket = self._new_ticket(
                self.portal_a, "An old one", invoice_id=self.inv_old.id
            )
        self.assertEqual(ticket.invoice_id, self.inv_old)

    def test_in_question_while_a_ticket_is_open(self):
        moves = self.inv_overdue | self.inv_current | self.inv_old | self.refund
        self.assertEqual(moves.mapped("client_in_question"), [False] * 4)
        ticket = self._new_ticket(
            self.portal_a, "Line 3?", invoice_id=self.inv_overdue.id
        )
        self._new_ticket(self.portal_a, "Credit?", invoice_id=self.refund.id)
        self.assertEqual(moves.mapped("client_in_question"), [True, False, False, True])
        ticket.stage_id = self.stage_waiting
        self.assertTrue(self.inv_overdue.client_in_question, "waiting is still open")
        ticket.stage_id = self.env.ref("client_hub.ticket_stage_solved")
        self.assertFalse(self.inv_overdue.client_in_question, "solved closes it")
        ticket.stage_id = self.stage_in_progress
        self.assertTrue(self.inv_overdue.client_in_question)
        ticket.action_close()
        self.assertFalse(self.inv_overdue.client_in_question)

    def test_in_question_one_query_for_a_recordset(self):
        self._new_ticket(self.portal_a, "Line 3?", invoice_id=self.inv_overdue.id)
        self._new_ticket(self.portal_b, "Line 1?", invoice_id=self.inv_bravo.id)
        moves = (
            self.env["account.move"]
            .with_user(self.portal_a)
            .search(self.portal_a.partner_id._get_client_statement_domain())
        )
        self.assertGreater(len(moves), 4)
        self.env.flush_all()
        moves.invalidate_recordset()
        with self.assertQueryCount(1):
            in_question = moves.filtered("client_in_question")
        self.assertEqual(in_question, self.inv_overdue)

    def test_invoice_form_smart_button(self):
        Move = self.env["account.move"].with_user(self.agent)
        invoice = Move.browse(self.inv_overdue.id)
        self.assertEqual(invoice.client_ticket_count, 0)
        first = self._new_ticket(self.portal_a, "Q1", invoice_id=invoice.id)
        second = self._new_ticket(self.portal_a2, "Q2", invoice_id=invoice.id)
        self._new_ticket(self.portal_a, "Q3", invoice_id=self.inv_current.id)
        second.action_close()
        invoice.invalidate_recordset()
        self.assertEqual(invoice.client_ticket_count, 2, "closed tickets count too")
        action = invoice.action_client_open_tickets()
        self.assertEqual(
            self.env[TICKET].with_user(self.agent).search(action["domain"]),
            first | second,
        )
        self.assertEqual(action["context"]["default_invoice_id"], invoice.id)
        arch = Move.get_views([(False, "form")])["views"]["form"]["arch"]
        button = html.fromstring(arch).xpath(
            "//button[@name='action_client_open_tickets']"
        )
        self.assertTrue(button, "the invoice form shows the tickets button")
        self.assertIn("client_ticket_count", arch)


@tagged("post_install", "-at_install")
class TestTicketInvoicePortal(TicketInvoiceFixtures, TicketHttpCommon):
    def setUp(self):
        super().setUp()
        self._login(self.portal_a)

    def _ask_links(self, page):
        return page.xpath(".//a[hasclass('o_client_statement_ask')]/@href")

    def _form_values(self, page):
        return (
            page.xpath("string(//input[@name='name']/@value)"),
            page.xpath("//select[@name='invoice_id']/option[@selected]/@value"),
        )

    def test_tour_ask_from_the_statement(self):
        self.start_tour(
            "/my/statement", "client_hub_ask_invoice_tour", login=self.portal_a.login
        )
        ticket = self.env[TICKET].search(
            [("commercial_partner_id", "=", self.client_a.id)]
        )
        self.assertEqual(ticket.invoice_id, self.inv_old, "the statement's first line")
        self.assertEqual(ticket.name, f"Question about {self.inv_old.name}")
        self.assertIn("Line 3 looks wrong.", ticket.description)

    def test_statement_lines_and_invoice_page_show_ask(self):
        page = self._page("/my/statement")
        rows = page.xpath("//tr[@data-move-id]")
        self.assertTrue(rows)
        for row in rows:
            move_id = row.get("data-move-id")
            self.assertEqual(
                self._ask_links(row), [f"/my/tickets/new?invoice_id={move_id}"]
            )
        page = self._page(f"/my/invoices/{self.inv_overdue.id}")
        self.assertEqual(
            page.xpath("//a[hasclass('o_client_invoice_ask')]/@href"),
            [f"/my/tickets/new?invoice_id={self.inv_overdue.id}"],
        )

    def test_ask_opens_the_linked_form_and_links_the_ticket(self):
        statement = self._page("/my/statement")
        [link] = [
            href
            for href in self._ask_links(statement)
            if href.endswith(f"={self.inv_old.id}")
        ]
        form = self._page(link)
        subject = f"Question about {self.inv_old.name}"
        self.assertEqual(self._form_values(form), (subject, [str(self.inv_old.id)]))
        self.assertFalse(form.xpath("//*[hasclass('o_client_ticket_error')]"))
        response = self._post_form(
            "/my/tickets/new",
            {"name": subject, "description": "Line 3?", "invoice_id": self.inv_old.id},
        )
        self.assertEqual(response.status_code, 303)
        ticket = self.env[TICKET].search([("name", "=", subject)])
        self.assertEqual(ticket.invoice_id, self.inv_old)
        self.assertEqual(ticket.partner_id, self.portal_a.partner_id)
        page = self._page(ticket.access_url)
        self.assertEqual(
            page.xpath("//a[hasclass('o_client_ticket_invoice')]/@href"),
            [f"/my/invoices/{self.inv_old.id}"],
        )
        invoice_page = self._page(f"/my/invoices/{self.inv_old.id}")
        self.assertTrue(
            invoice_page.xpath("//*[hasclass('o_client_invoice_in_question')]")
        )

    def test_error_keeps_the_invoice_and_what_was_typed(self):
        # the invoice stays linked even when older than the invoices the form lists
        with patch.object(
            self.registry[TICKET], "_get_client_invoices", _no_listed_invoices
        ):
            response = self._post_form(
                "/my/tickets/new",
                {
                    "name": " ",
                    "description": "Half typed",
                    "invoice_id": self.inv_old.id,
                },
            )
        self.assertEqual(response.status_code, 200)
        page = html.fromstring(response.content)
        self.assertIn(
            "subject", page.xpath("string(//*[hasclass('o_client_ticket_error')])")
        )
        self.assertEqual(self._form_values(page)[1], [str(self.inv_old.id)])
        self.assertEqual(
            page.xpath("string(//textarea[@name='description'])"), "Half typed"
        )
        self.assertFalse(
            self.env[TICKET].search([("commercial_partner_id", "=", self.client_a.id)])
        )

    def test_other_clients_invoice_refused(self):
        """Bravo's invoice id, forged in the link and in the form: a message, no ticket,
        nothing of Bravo's on the page; Alpha's own invoice is the control."""
        cases = [
            ("own", self.inv_overdue, True),
            ("other client", self.inv_bravo, False),
        ]
        for label, invoice, allowed in cases:
            with self.subTest(label, allowed=allowed):
                response = self.url_open(f"/my/tickets/new?invoice_id={invoice.id}")
                self.assertEqual(response.status_code, 200)
                page = html.fromstring(response.content)
                error = page.xpath("string(//*[hasclass('o_client_ticket_error')])")
                name, selected = self._form_values(page)
                if allowed:
                    self.assertFalse(error)
                    self.assertEqual(selected, [str(invoice.id)])
                else:
                    self.assertIn("The selected invoice is not available.", error)
                    self.assertEqual((name, selected), ("", []))
                    self.assertNotIn(invoice.name, response.text)
                    self.assertNotIn("Bravo", response.text)

                response = self._post_form(
                    "/my/tickets/new",
                    {
                        "name": f"Ticket {label}",
                        "description": "Typed",
                        "invoice_id": invoice.id,
                    },
                )
                ticket = self.env[TICKET].search([("name", "=", f"Ticket {label}")])
                if allowed:
                    self.assertEqual(response.status_code, 303)
                    self.assertEqual(ticket.invoice_id, invoice)
                else:
                    self.assertEqual(response.status_code, 200)
                    self.assertFalse(ticket)
                    page = html.fromstring(response.content)
                    self.assertIn(
                        "The selected invoice is not available.",
                        page.xpath("string(//*[hasclass('o_client_ticket_error')])"),
                    )
                    self.assertEqual(
                        page.xpath("string(//input[@name='name']/@value)"),
                        f"Ticket {label}",
                    )
                    self.assertNotIn(invoice.name, response.text)
        self.assertFalse(
            self.env[TICKET].search([("invoice_id", "=", self.inv_bravo.id)])
        )

    def test_in_question_on_the_statement_and_invoice_page(self):
        def flagged():
            page = self._page("/my/statement")
            return {
                int(row.get("data-move-id"))
                for row in page.xpath(
                    "//tr[@data-move-id][.//*[hasclass('o_client_statement_in_question')]]"
                )
            }

        self.assertEqual(flagged(), set())
        ticket = self._new_ticket(
            self.portal_a, "Line 3?", invoice_id=self.inv_overdue.id
        )
        self._new_ticket(self.portal_b, "Bravo's", invoice_id=self.inv_bravo.id)
        self.assertEqual(flagged(), {self.inv_overdue.id})
        invoice_page = self._page(f"/my/invoices/{self.inv_overdue.id}")
        self.assertTrue(
            invoice_page.xpath("//*[hasclass('o_client_invoice_in_question')]")
        )
        response = self._post_form(f"/my/tickets/{ticket.id}/close")
        self.assertEqual(response.status_code, 303)
        self.assertEqual(flagged(), set())
        invoice_page = self._page(f"/my/invoices/{self.inv_overdue.id}")
        self.assertFalse(
            invoice_page.xpath("//*[hasclass('o_client_invoice_in_question')]")
        )


@tagged("post_install", "-at_install")
class TestPortalHomePayNow(TicketInvoiceFixtures, TicketHttpCommon):
    """Stock's "Invoices to pay" tile: its count, its link and "Pay Now" lead to the
    statement with the client's overdue invoices ticked."""

    def _ticked_after(self, url):
        response = self.url_open(url, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        location = response.headers["Location"]
        self.assertEqual(urlsplit(location).path, "/my/statement")
        page = self._page(location)
        return location, {
            int(value)
            for value in page.xpath("//input[@name='invoice_ids'][@checked]/@value")
        }

    def test_pay_now_ticks_the_overdue_invoices(self):
        for user, overdue in (
            (self.portal_a, self.inv_overdue | self.inv_old),
            (self.portal_b, self.inv_bravo),
        ):
            with self.subTest(user=user.login):
                self._login(user)
                home = self._page("/my")
                [button] = home.xpath(
                    "//button[hasclass('o_client_statement_pay_overdue')]"
                )
                self.assertIn("'/my/statement/overdue'", button.get("onclick"))
                self.assertEqual(
                    button.getparent().get("href"), "/my/statement/overdue", "the tile"
                )
                self.assertNotIn("/my/invoices/overdue", html.tostring(home).decode())
                counters = self.make_jsonrpc_request(
                    "/my/counters", {"counters": ["overdue_invoice_count"]}
                )
                self.assertEqual(counters["overdue_invoice_count"], len(overdue))
                location, ticked = self._ticked_after("/my/statement/overdue")
                self.assertEqual(ticked, set(overdue.ids))
                self.assertEqual(
                    parse_qs(urlsplit(location).query)["selected"],
                    [",".join(map(str, overdue.sorted("invoice_date_due").ids))],
                )
                invoices = self._page("/my/invoices")
                self.assertEqual(
                    invoices.xpath("//a[normalize-space()='Pay overdue']/@href"),
                    ["/my/statement/overdue"],
                )

    def test_nothing_overdue(self):
        self._register_payment(self.inv_bravo)
        self._login(self.portal_b)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["overdue_invoice_count"]}
        )
        self.assertEqual(counters["overdue_invoice_count"], 0)
        response = self.url_open("/my/statement/overdue", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(urlsplit(response.headers["Location"]).path, "/my/statement")
        self.assertFalse(urlsplit(response.headers["Location"]).query)

    def test_anonymous_is_sent_to_login(self):
        response = self.url_open("/my/statement/overdue", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])


@tagged("post_install", "-at_install")
class TestStatementPdfInQuestion(
    PdfRenderingMixin, TicketInvoiceFixtures, TicketHttpCommon
):
    def test_statement_pdf_says_in_question(self):
        self._login(self.portal_a)
        ticket = self._new_ticket(
            self.portal_a, "Line 3?", invoice_id=self.inv_overdue.id
        )
        text = pdf_text(self.url_open("/my/statement/pdf").content)
        self.assertIn(f"{self.inv_overdue.name}Inquestion", text)
        self.assertEqual(text.count("Inquestion"), 1, "only that invoice")
        ticket.action_close()
        text = pdf_text(self.url_open("/my/statement/pdf").content)
        self.assertIn(self.inv_overdue.name, text)
        self.assertNotIn("Inquestion", text)

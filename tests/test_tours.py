import base64
import json
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import urlsplit

from odoo import fields
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

STORED_PDF = b"%PDF-1.4 invoice sent to the client"


@tagged("post_install", "-at_install")
class TestTours(AccountTestInvoicingCommon, HttpCase):
    """What clients and staff click through, end to end in a browser (tours in
    static/tests/tours/client_hub_*_tour.js). The portal ticket tour is in test_ticket_portal, the
    pay tour (Demo provider) in test_tours_demo_payment."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.today = fields.Date.context_today(env.user)
        company = env.company
        # A configured document layout: sending an invoice goes straight to the Send wizard.
        company.external_report_layout_id = env.ref("web.external_layout_standard")
        cls.staff = env.user  # accountman: invoicing, settings
        cls.staff.group_ids += env.ref("sales_team.group_sale_salesman") + env.ref("mail.group_mail_template_editor")
        cls.agent = new_test_user(
            env, login="ch_tour_agent", groups="base.group_user,client_hub.group_support", name="Tara Tour",
            email="tara@ourcompany.example.com", company_id=company.id, company_ids=[Command.set(company.ids)],
        )

        cls.client = env["res.partner"].create({
            "name": "Sakura Tour Co", "is_company": True, "customer_rank": 1,
            "email": "billing@sakura-tour.example.com",
        })
        cls.hana = new_test_user(
            env, login="ch_tour_hana", groups="base.group_portal", name="Hana Sakura",
            email="hana@sakura-tour.example.com", company_id=company.id, company_ids=[Command.set(company.ids)],
        )
        cls.hana.partner_id.parent_id = cls.client
        cls.other = env["res.partner"].create({"name": "Other Tour Co", "is_company": True, "customer_rank": 1})

        # The tours tell the invoices apart by their amounts: 120 overdue, 250 and 400 due later.
        cls.inv_overdue = cls._tour_invoice(cls.client, 120.0, due_in=-10)
        cls.inv_current = cls._tour_invoice(cls.client, 250.0, due_in=20)
        cls.inv_later = cls._tour_invoice(cls.client, 400.0, due_in=40)
        cls.inv_other = cls._tour_invoice(cls.other, 900.0, due_in=-10)
        cls.invoices = cls.inv_overdue | cls.inv_current | cls.inv_later

        cls.product = env["product.product"].create({
            "name": "Tour Audit", "list_price": 500.0, "type": "service", "taxes_id": [Command.clear()],
        })

    @classmethod
    def _tour_invoice(cls, partner, amount, due_in):
        due = cls.today + timedelta(days=due_in)
        invoice = cls.env["account.move"].create({
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": due - timedelta(days=30),
            "invoice_payment_term_id": False,
            "invoice_date_due": due,
            "invoice_line_ids": [Command.create({
                "name": "Consulting", "quantity": 1, "price_unit": amount, "tax_ids": [Command.clear()],
            })],
        })
        invoice.action_post()
        invoice.invoice_date_due = due
        return invoice

    # ------------------------------------------------------------------
    # Portal
    # ------------------------------------------------------------------

    def test_portal_magic_link_statement_zip(self):
        """Magic link -> statement -> tick two invoices -> one ZIP of exactly their PDFs."""
        for invoice in self.invoices:
            invoice.invoice_pdf_report_file = base64.b64encode(STORED_PDF)  # the PDF the client was sent
        url = urlsplit(self.hana.partner_id._get_client_magic_link_url())
        Move = self.registry["account.move"]
        with patch.object(Move, "_client_hub_zip_pdfs", autospec=True,
                          side_effect=Move._client_hub_zip_pdfs) as zip_pdfs:
            self.start_tour(f"{url.path}?{url.query}" if url.query else url.path,
                            "client_hub_portal_magic_link_zip_tour")
        self.assertEqual(zip_pdfs.call_count, 1)
        zipped = zip_pdfs.call_args.args[0]
        self.assertEqual(set(zipped.ids), {self.inv_overdue.id, self.inv_later.id})
        self.assertNotIn(self.inv_other, zipped)
        # The link signed the client in as its own portal user, without a password.
        self.hana.invalidate_recordset(["login_date"])
        self.assertTrue(self.hana.login_date)

    # ------------------------------------------------------------------
    # Backend
    # ------------------------------------------------------------------

    def test_backend_dashboard_new_invoice(self):
        """Client form -> dashboard figures -> New Invoice -> confirmed, counted on the dashboard."""
        self.start_tour(f"/odoo/clients/{self.client.id}", "client_hub_backend_dashboard_invoice_tour",
                        login=self.staff.login)
        new_invoice = self.env["account.move"].search([
            ("partner_id", "=", self.client.id), ("id", "not in", self.invoices.ids),
        ])
        self.assertRecordValues(new_invoice, [{
            "move_type": "out_invoice", "state": "posted", "amount_total": 500.0,
        }])
        self.assertEqual(new_invoice.invoice_line_ids.product_id, self.product)
        self.client.invalidate_recordset()
        self.assertEqual(self.client.client_total_invoiced, 1270.0)

    def test_backend_client_template_send_invoice(self):
        """Client form -> the client's own invoice subject -> Send: the client gets that e-mail."""
        self.start_tour(f"/odoo/clients/{self.client.id}", "client_hub_backend_template_send_tour",
                        login=self.staff.login)
        self.env.invalidate_all()
        template = self.client.client_invoice_template_id
        self.assertEqual(template.client_hub_partner_id, self.client)
        self.assertEqual(template.subject, "Sakura, your invoice {{ object.name }}")
        self.assertNotEqual(self.env.ref("account.email_template_edi_invoice").subject, template.subject)
        subject = f"Sakura, your invoice {self.inv_later.name}"
        message = self.inv_later.message_ids.filtered(lambda m: m.subject == subject)
        self.assertEqual(len(message), 1)
        self.assertEqual(message.message_type, "comment")
        self.assertIn(self.client, message.partner_ids)
        self.assertTrue(self.inv_later.is_move_sent)
        self.assertIn(self.inv_later.invoice_pdf_report_id.name, message.attachment_ids.mapped("name"))
        # Only this client's e-mails changed.
        self.assertFalse(self.other.client_invoice_template_id)

    def test_backend_answer_ticket(self):
        """Tickets -> open the client's ticket -> take it -> answer: the client is told."""
        ticket = self.env["client_hub.ticket"].with_user(self.hana)._create_from_portal(self.hana.partner_id, {
            "name": "Where is my credit note?",
            "description": "We still wait for the credit note we agreed on.",
        })
        ticket = ticket.sudo()
        self.start_tour("/odoo/action-client_hub.client_hub_ticket_action", "client_hub_backend_ticket_answer_tour",
                        login=self.agent.login)
        self.assertEqual(ticket.user_id, self.agent)
        answer = ticket.message_ids.filtered(lambda m: "We sent your credit note this morning." in (m.body or ""))
        self.assertEqual(len(answer), 1)
        self.assertEqual(answer.author_id, self.agent.partner_id)
        self.assertEqual(answer.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertIn(self.hana.partner_id, answer.notification_ids.res_partner_id, "the client is notified")
        # The client reads the answer in the portal; another client cannot open the ticket.
        self.authenticate(self.hana.login, self.hana.login)
        fetched = self.make_jsonrpc_request("/mail/chatter_fetch", {
            "thread_model": "client_hub.ticket", "thread_id": ticket.id,
        })
        self.assertIn(answer.id, fetched["messages"])
        outsider = new_test_user(self.env, login="ch_tour_outsider", groups="base.group_portal",
                                 company_id=self.env.company.id, company_ids=[Command.set(self.env.company.ids)])
        outsider.partner_id.parent_id = self.other
        self.authenticate(outsider.login, outsider.login)
        response = self.url_open(f"/my/tickets/{ticket.id}", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/my"))
        answer_json = self.url_open("/mail/chatter_fetch", json={
            "jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"thread_model": "client_hub.ticket", "thread_id": ticket.id},
        }).json()
        self.assertNotIn("credit note", json.dumps(answer_json))

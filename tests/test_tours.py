import base64
from unittest.mock import patch
from urllib.parse import urlsplit

from odoo.fields import Command
from odoo.tests import tagged

from .common import ClientHubAccountingCommon, ClientHubHttpCommon

STORED_PDF = b"%PDF-1.4 invoice sent to the client"


@tagged("post_install", "-at_install")
class TestTours(ClientHubAccountingCommon, ClientHubHttpCommon):
    """What clients and staff click through, end to end in a browser (tours in
    static/tests/tours/client_hub_*_tour.js). The portal ticket tour is in test_ticket_portal, the
    pay tour (Demo provider) in test_tours_demo_payment."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        # A configured document layout: sending an invoice goes straight to the Send wizard.
        env.company.external_report_layout_id = env.ref("web.external_layout_standard")
        cls.staff = env.user  # accountman: invoicing, settings
        cls.staff.group_ids += env.ref("sales_team.group_sale_salesman") + env.ref(
            "mail.group_mail_template_editor"
        )
        # the names the backend tours look for
        cls.client_a.name = "Sakura Tour Co"
        cls.agent.name = "Tara Tour"

        # The tours tell the invoices apart by their amounts: 120 overdue, 250 and 400 due later.
        cls.inv_overdue = cls._make_invoice(cls.client_a, 120.0, due_in=-10)
        cls.inv_current = cls._make_invoice(cls.client_a, 250.0, due_in=20)
        cls.inv_later = cls._make_invoice(cls.client_a, 400.0, due_in=40)
        cls.inv_other = cls._make_invoice(cls.client_b, 900.0, due_in=-10)
        cls.invoices = cls.inv_overdue | cls.inv_current | cls.inv_later

        cls.product = env["product.product"].create(
            {
                "name": "Tour Audit",
                "list_price": 500.0,
                "type": "service",
                "taxes_id": [Command.clear()],
            }
        )

    # ------------------------------------------------------------------
    # Portal
    # ------------------------------------------------------------------

    def test_portal_magic_link_statement_zip(self):
        """Magic link -> statement -> tick two invoices -> one ZIP of exactly their PDFs."""
        for invoice in self.invoices:
            invoice.invoice_pdf_report_file = base64.b64encode(
                STORED_PDF
            )  # the PDF the client was sent
        url = urlsplit(self.portal_a.partner_id._get_client_magic_link_url())
        Move = self.registry["account.move"]
        with patch.object(
            Move,
            "_client_hub_zip_pdfs",
            autospec=True,
            side_effect=Move._client_hub_zip_pdfs,
        ) as zip_pdfs:
            self.start_tour(
                f"{url.path}?{url.query}" if url.query else url.path,
                "client_hub_portal_magic_link_zip_tour",
            )
        self.assertEqual(zip_pdfs.call_count, 1)
        zipped = zip_pdfs.call_args.args[0]
        self.assertEqual(set(zipped.ids), {self.inv_overdue.id, self.inv_later.id})
        self.assertNotIn(self.inv_other, zipped)
        # The link signed the client in as its own portal user, without a password.
        self.portal_a.invalidate_recordset(["login_date"])
        self.assertTrue(self.portal_a.login_date)

    # ------------------------------------------------------------------
    # Backend
    # ------------------------------------------------------------------

    def test_backend_dashboard_new_invoice(self):
        """Client form -> dashboard figures -> New Invoice -> confirmed, counted on the dashboard."""
        self.start_tour(
            f"/odoo/clients/{self.client_a.id}",
            "client_hub_backend_dashboard_invoice_tour",
            login=self.staff.login,
        )
        new_invoice = self.env["account.move"].search(
            [
                ("partner_id", "=", self.client_a.id),
                ("id", "not in", self.invoices.ids),
            ]
        )
        self.assertRecordValues(
            new_invoice,
            [
                {
                    "move_type": "out_invoice",
                    "state": "posted",
                    "amount_total": 500.0,
                }
            ],
        )
        self.assertEqual(new_invoice.invoice_line_ids.product_id, self.product)
        self.client_a.invalidate_recordset()
        self.assertEqual(self.client_a.client_total_invoiced, 1270.0)

    def test_backend_client_template_send_invoice(self):
        """Client form -> the client's own invoice subject -> Send: the client gets that e-mail."""
        self.start_tour(
            f"/odoo/clients/{self.client_a.id}",
            "client_hub_backend_template_send_tour",
            login=self.staff.login,
        )
        self.env.invalidate_all()
        template = self.client_a.client_invoice_template_id
        self.assertEqual(template.client_hub_partner_id, self.client_a)
        self.assertEqual(template.subject, "Sakura, your invoice {{ object.name }}")
        self.assertNotEqual(
            self.env.ref("account.email_template_edi_invoice").subject, template.subject
        )
        subject = f"Sakura, your invoice {self.inv_later.name}"
        message = self.inv_later.message_ids.filtered(lambda m: m.subject == subject)
        self.assertEqual(len(message), 1)
        self.assertEqual(message.message_type, "comment")
        self.assertIn(self.client_a, message.partner_ids)
        self.assertTrue(self.inv_later.is_move_sent)
        self.assertIn(
            self.inv_later.invoice_pdf_report_id.name,
            message.attachment_ids.mapped("name"),
        )
        # Only this client's e-mails changed.
        self.assertFalse(self.client_b.client_invoice_template_id)

    def test_backend_answer_ticket(self):
        """Tickets -> open the client's ticket -> take it -> answer: the client is told."""
        ticket = (
            self.env["client_hub.ticket"]
            .with_user(self.portal_a)
            ._create_from_portal(
                self.portal_a.partner_id,
                {
                    "name": "Where is my credit note?",
                    "description": "We still wait for the credit note we agreed on.",
                },
            )
        )
        ticket = ticket.sudo()
        self.start_tour(
            "/odoo/action-client_hub.client_hub_ticket_action",
            "client_hub_backend_ticket_answer_tour",
            login=self.agent.login,
        )
        self.assertEqual(ticket.user_id, self.agent)
        answer = ticket.message_ids.filtered(
            lambda m: "We sent your credit note this morning." in (m.body or "")
        )
        self.assertEqual(len(answer), 1)
        self.assertEqual(answer.author_id, self.agent.partner_id)
        self.assertEqual(answer.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertIn(
            self.portal_a.partner_id,
            answer.notification_ids.res_partner_id,
            "the client is notified",
        )
        # The client reads the answer in the portal; another client cannot open the ticket.
        for user, allowed in ((self.portal_a, True), (self.portal_b, False)):
            with self.subTest(user=user.name, allowed=allowed):
                self._login(user)
                response = self.url_open(
                    f"/my/tickets/{ticket.id}", allow_redirects=False
                )
                fetched = self._jsonrpc(
                    "/mail/chatter_fetch",
                    {
                        "thread_model": "client_hub.ticket",
                        "thread_id": ticket.id,
                    },
                )
                if allowed:
                    self.assertEqual(response.status_code, 200)
                    self.assertIn(answer.id, fetched["result"]["messages"])
                else:
                    self.assertEqual(response.status_code, 303)
                    self.assertEqual(urlsplit(response.headers["Location"]).path, "/my")
                    self.assertEqual(fetched["result"]["messages"], [])

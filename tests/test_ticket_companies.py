"""The new-ticket form offers only the documents the client may read in their companies."""

from lxml import html

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import TICKET, TicketHttpCommon


@tagged("post_install", "-at_install")
class TestTicketDocumentsCompanies(TicketHttpCommon):
    """Alpha has an invoice and a quotation in each of two companies; Alice, its portal
    user, belongs to the first company only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company_1 = env.company
        cls.company_2 = env["res.company"].create({"name": "Client Hub Other Co"})
        env["account.chart.template"].try_loading(
            "generic_coa", cls.company_2, install_demo=False
        )
        cls.invoice_1 = cls._make_invoice(cls.client_a, 100.0)
        cls.invoice_2 = cls._make_invoice(cls.client_a, 200.0, company=cls.company_2)
        product = env["product.product"].create({"name": "Audit", "list_price": 100})
        cls.order_1, cls.order_2 = (
            env["sale.order"]
            .with_company(company)
            .create(
                {
                    "partner_id": cls.client_a.id,
                    "company_id": company.id,
                    "order_line": [(0, 0, {"product_id": product.id})],
                }
            )
            for company in (cls.company_1, cls.company_2)
        )
        (cls.order_1 | cls.order_2).action_quotation_sent()

    def setUp(self):
        super().setUp()
        self.assertEqual(self.portal_a.company_ids, self.company_1)
        self.assertEqual(self.invoice_2.company_id, self.company_2)
        self.assertEqual(self.order_2.company_id, self.company_2)
        self._login(self.portal_a)

    def _options(self, page, fname):
        return {
            int(value)
            for value in page.xpath(f"//select[@name='{fname}']/option/@value")
            if value
        }

    def test_form_offers_the_documents_of_the_users_companies(self):
        page = self._page("/my/tickets/new")
        self.assertEqual(self._options(page, "invoice_id"), {self.invoice_1.id})
        self.assertEqual(self._options(page, "sale_order_id"), {self.order_1.id})

    def test_ask_about_an_invoice_of_another_company(self):
        page = self._page(f"/my/tickets/new?invoice_id={self.invoice_2.id}")
        self.assertIn(
            "invoice is not available",
            page.xpath("string(//*[hasclass('o_client_ticket_error')])"),
        )
        self.assertNotIn(self.invoice_2.id, self._options(page, "invoice_id"))

    def test_submit_refuses_a_document_of_another_company(self):
        for fname, document, message in (
            ("invoice_id", self.invoice_2, "invoice is not available"),
            ("sale_order_id", self.order_2, "quotation is not available"),
        ):
            with self.subTest(fname):
                response = self._post_form(
                    "/my/tickets/new",
                    {
                        "name": "Forged",
                        "description": "Kept text",
                        fname: str(document.id),
                    },
                )
                self.assertEqual(response.status_code, 200)
                page = html.fromstring(response.content)
                self.assertIn(
                    message,
                    page.xpath("string(//*[hasclass('o_client_ticket_error')])"),
                )
                self.assertEqual(
                    page.xpath("string(//input[@name='name']/@value)"), "Forged"
                )
                self.assertEqual(
                    page.xpath("string(//textarea[@name='description'])"), "Kept text"
                )
                self.assertNotIn(document.id, self._options(page, fname))
        self.assertFalse(self.env[TICKET].search([("name", "=", "Forged")]))

    def test_model_refuses_a_document_of_another_company(self):
        Ticket = self.env[TICKET].with_user(self.portal_a)
        partner = self.portal_a.partner_id
        with self.assertRaisesRegex(UserError, "invoice is not available"):
            Ticket._create_from_portal(
                partner, {"name": "Forged", "invoice_id": self.invoice_2.id}
            )
        with self.assertRaisesRegex(UserError, "quotation is not available"):
            Ticket._create_from_portal(
                partner, {"name": "Forged", "sale_order_id": self.order_2.id}
            )
        # the documents of the user's company are still accepted
        ticket = Ticket._create_from_portal(
            partner,
            {
                "name": "Mine",
                "invoice_id": self.invoice_1.id,
                "sale_order_id": self.order_1.id,
            },
        )
        self.assertEqual(ticket.invoice_id, self.invoice_1)
        self.assertEqual(ticket.sale_order_id, self.order_1)

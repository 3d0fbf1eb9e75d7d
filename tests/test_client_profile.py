from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.mail.tests.common import MockEmail


@tagged("post_install", "-at_install")
class TestClientProfile(AccountTestInvoicingCommon, MockEmail):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.vat_check_vies = False
        # the accounting test user also creates quotations here
        cls.env.user.group_ids |= cls.env.ref("sales_team.group_sale_salesman_all_leads")
        cls.client = cls.env["res.partner"].create({
            "name": "Atomium Consulting",
            "is_company": True,
            "email": "finance@atomium.example.com",
            "street": "Boulevard du Centenaire 1",
            "city": "Brussels",
            "zip": "1020",
            "country_id": cls.env.ref("base.be").id,
            "vat": "BE0477472701",
            "customer_rank": 1,
        })

    # ------------------------------------------------------------------
    # Billing contact details
    # ------------------------------------------------------------------
    def test_billing_email_defaults_to_email_and_is_kept(self):
        self.assertEqual(self.client.client_billing_email, "finance@atomium.example.com")
        self.client.email = "accounts@atomium.example.com"
        self.assertEqual(self.client.client_billing_email, "accounts@atomium.example.com",
                         "a billing e-mail nobody set follows the e-mail")
        self.client.client_billing_email = "ap@atomium.example.com"
        self.client.email = "hello@atomium.example.com"
        self.assertEqual(self.client.client_billing_email, "ap@atomium.example.com",
                         "an explicit billing e-mail must survive a change of the main e-mail")
        contact = self.env["res.partner"].create({"name": "Jo", "parent_id": self.client.id})
        self.assertEqual(contact._get_client_billing_email(), "ap@atomium.example.com")

    def test_document_emails_go_to_billing_email(self):
        self.client.client_billing_email = "ap@atomium.example.com"
        invoice = self.init_invoice("out_invoice", partner=self.client, amounts=[100.0], post=True)
        with self.mock_mail_gateway():
            invoice.message_post(body="Your invoice", partner_ids=self.client.ids,
                                 message_type="comment", subtype_xmlid="mail.mt_comment")
        self.assertEqual([mail["email_to"] for mail in self._mails],
                         [['"Atomium Consulting" <ap@atomium.example.com>']])
        # other records keep the contact's e-mail
        with self.mock_mail_gateway():
            self.client.message_post(body="Hello", partner_ids=self.client.ids,
                                     message_type="comment", subtype_xmlid="mail.mt_comment")
        self.assertEqual([mail["email_to"] for mail in self._mails],
                         [['"Atomium Consulting" <finance@atomium.example.com>']])

    def test_billing_address_flows_into_invoice(self):
        invoice = self.init_invoice("out_invoice", partner=self.client, amounts=[100.0], post=True)
        html = self._render_html("account.report_invoice", invoice)
        for part in ("Boulevard du Centenaire 1", "Brussels", "1020", "Belgium"):
            self.assertIn(part, html)

    # ------------------------------------------------------------------
    # Tax ID validation (base_vat)
    # ------------------------------------------------------------------
    def test_vat_validation_per_country(self):
        cases = {
            "base.be": ("BE0477472701", "BE0477472702"),
            "base.de": ("DE123456788", "DE123456789"),
            "base.fr": ("FR23334175221", "FR23334175222"),
            "base.jp": ("T7000012050002", "T7000012050003"),
        }
        Partner = self.env["res.partner"]
        for country_xmlid, (valid, invalid) in cases.items():
            with self.subTest(country=country_xmlid):
                country = self.env.ref(country_xmlid)
                partner = Partner.create({"name": f"Client {valid}", "country_id": country.id, "vat": valid})
                self.assertEqual(partner.vat, valid)
                with self.assertRaises(ValidationError) as error:
                    Partner.create({"name": f"Client {invalid}", "country_id": country.id, "vat": invalid})
                self.assertIn(invalid, str(error.exception))
                with self.assertRaises(ValidationError):
                    partner.write({"vat": invalid})

    def test_vat_label_follows_client_country(self):
        self.assertEqual(self.client.vat_label, "VAT")
        india = self.env.ref("base.in")
        client_in = self.env["res.partner"].create({"name": "Delhi Traders", "country_id": india.id})
        self.assertEqual(client_in.vat_label, india.vat_label)
        contact = self.env["res.partner"].create({"name": "Contact", "parent_id": client_in.id})
        self.assertEqual(contact.vat_label, india.vat_label, "a contact uses its company's country")

    # ------------------------------------------------------------------
    # Tax ID on the PDFs (asserted on the rendered HTML)
    # ------------------------------------------------------------------
    def _render_html(self, report_ref, records):
        html, _format = self.env["ir.actions.report"]._render_qweb_html(report_ref, records.ids)
        return html.decode() if isinstance(html, bytes) else html

    def test_vat_printed_on_invoice_with_client_country_label(self):
        india = self.env.ref("base.in")
        client_in = self.env["res.partner"].create({
            "name": "Delhi Traders", "country_id": india.id, "vat": "27AAPFU0939F1ZV",
        })
        for partner, label in ((self.client, "VAT"), (client_in, india.vat_label)):
            with self.subTest(partner=partner.name):
                invoice = self.init_invoice("out_invoice", partner=partner, amounts=[100.0], post=True)
                html = self._render_html("account.report_invoice", invoice)
                self.assertIn(f"{label}: <span>{partner.vat}</span>", html)

    def test_vat_printed_on_quotation(self):
        order = self.env["sale.order"].create({
            "partner_id": self.client.id,
            "order_line": [Command.create({"product_id": self.product_a.id, "product_uom_qty": 1})],
        })
        html = self._render_html("sale.report_saleorder", order)
        self.assertIn("VAT: <span>BE0477472701</span>", html)

    def test_no_vat_no_label(self):
        client = self.env["res.partner"].create({"name": "No VAT Ltd", "country_id": self.env.ref("base.be").id})
        invoice = self.init_invoice("out_invoice", partner=client, amounts=[10.0], post=True)
        self.assertNotIn("client_hub_vat", self._render_html("account.report_invoice", invoice))

    # ------------------------------------------------------------------
    # Clients menu and buttons
    # ------------------------------------------------------------------
    def test_clients_action_lists_customers_and_searches_tax_id(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("client_hub.res_partner_action_client")
        vendor = self.env["res.partner"].create({"name": "Vendor only", "supplier_rank": 1})
        person = self.env["res.partner"].create({"name": "Camille", "customer_rank": 1})
        domain = safe_eval(action["domain"])
        clients = self.env["res.partner"].search(domain)
        self.assertIn(self.client, clients)
        self.assertIn(person, clients)
        self.assertNotIn(vendor, clients)
        # the search view's "Tax ID" field and the default name search both find the VAT
        by_vat = self.env["res.partner"].search([*domain, ("vat", "ilike", "0477472701")])
        self.assertEqual(by_vat, self.client)
        search_view = self.env.ref("client_hub.res_partner_view_search_client")
        self.assertEqual(action["search_view_id"][0], search_view.id)
        arch = self.env["res.partner"].get_view(search_view.id, "search")["arch"]
        self.assertIn('name="vat"', arch)
        self.assertIn("client_billing_email", arch)

    def test_new_invoice_button_opens_invoice_for_client(self):
        action = self.client.action_client_new_invoice()
        self.assertEqual(action["res_model"], "account.move")
        move_form = Form(self.env["account.move"].with_context(**action["context"]))
        self.assertEqual(move_form.partner_id, self.client)
        with move_form.invoice_line_ids.new() as line:
            line.name = "Consulting"
            line.price_unit = 250.0
        invoice = move_form.save()
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(invoice.partner_id, self.client)

    def test_new_quotation_button_opens_quotation_for_client(self):
        action = self.client.action_client_new_quotation()
        self.assertEqual(action["res_model"], "sale.order")
        order_form = Form(self.env["sale.order"].with_context(**action["context"]))
        self.assertEqual(order_form.partner_id, self.client)
        with order_form.order_line.new() as line:
            line.product_id = self.product_a
        order = order_form.save()
        self.assertEqual(order.partner_id, self.client)

    def test_client_form_has_buttons_and_billing_fields(self):
        arch = self.env["res.partner"].get_view(
            self.env.ref("client_hub.res_partner_view_form_client").id, "form")["arch"]
        for name in ("action_client_new_invoice", "action_client_new_quotation",
                     "client_billing_email", "client_billing_phone"):
            self.assertIn(name, arch)

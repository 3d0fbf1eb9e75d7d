from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from odoo.addons.mail.tests.common import MockEmail

from .common import ClientHubAccountingCommon


@tagged("post_install", "-at_install")
class TestClientProfile(ClientHubAccountingCommon, MockEmail):
    """The profile of Alpha: billing contact details, address and tax ID on its documents."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.vat_check_vies = False
        # the accounting test user also creates quotations here
        cls.env.user.group_ids |= cls.env.ref(
            "sales_team.group_sale_salesman_all_leads"
        )

    # ------------------------------------------------------------------
    # Billing contact details
    # ------------------------------------------------------------------
    def test_billing_email_defaults_to_email_and_is_kept(self):
        self.assertEqual(
            self.client_a.client_billing_email, "billing@alpha.example.com"
        )
        self.client_a.email = "accounts@alpha.example.com"
        self.assertEqual(
            self.client_a.client_billing_email,
            "accounts@alpha.example.com",
            "a billing e-mail nobody set follows the e-mail",
        )
        self.client_a.client_billing_email = "ap@alpha.example.com"
        self.client_a.email = "hello@alpha.example.com"
        self.assertEqual(
            self.client_a.client_billing_email,
            "ap@alpha.example.com",
            "an explicit billing e-mail must survive a change of the main e-mail",
        )
        contact = self.env["res.partner"].create(
            {"name": "Jo", "parent_id": self.client_a.id}
        )
        self.assertEqual(contact._get_client_billing_email(), "ap@alpha.example.com")

    def test_document_emails_go_to_billing_email(self):
        self.client_a.client_billing_email = "ap@alpha.example.com"
        invoice = self.init_invoice(
            "out_invoice", partner=self.client_a, amounts=[100.0], post=True
        )
        with self.mock_mail_gateway():
            invoice.message_post(
                body="Your invoice",
                partner_ids=self.client_a.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.assertEqual(
            [mail["email_to"] for mail in self._mails],
            [['"Alpha Corp" <ap@alpha.example.com>']],
        )
        # other records keep the contact's e-mail
        with self.mock_mail_gateway():
            self.client_a.message_post(
                body="Hello",
                partner_ids=self.client_a.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.assertEqual(
            [mail["email_to"] for mail in self._mails],
            [['"Alpha Corp" <billing@alpha.example.com>']],
        )

    def test_billing_address_flows_into_invoice(self):
        invoice = self.init_invoice(
            "out_invoice", partner=self.client_a, amounts=[100.0], post=True
        )
        html = self._render_html("account.report_invoice", invoice)
        for part in ("1 Alpha Street", "Brussels", "1000", "Belgium"):
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
                partner = Partner.create(
                    {"name": f"Client {valid}", "country_id": country.id, "vat": valid}
                )
                self.assertEqual(partner.vat, valid)
                with self.assertRaises(ValidationError) as error:
                    Partner.create(
                        {
                            "name": f"Client {invalid}",
                            "country_id": country.id,
                            "vat": invalid,
                        }
                    )
                self.assertIn(invalid, str(error.exception))
                with self.assertRaises(ValidationError):
                    partner.write({"vat": invalid})

    def test_vat_label_follows_client_country(self):
        self.assertEqual(self.client_a.vat_label, "VAT")
        india = self.env.ref("base.in")
        client_in = self.env["res.partner"].create(
            {"name": "Delhi Traders", "country_id": india.id}
        )
        self.assertEqual(client_in.vat_label, india.vat_label)
        contact = self.env["res.partner"].create(
            {"name": "Contact", "parent_id": client_in.id}
        )
        self.assertEqual(
            contact.vat_label, india.vat_label, "a contact uses its company's country"
        )

    # ------------------------------------------------------------------
    # Tax ID on the PDFs (asserted on the rendered HTML)
    # ------------------------------------------------------------------
    def _render_html(self, report_ref, records):
        html, _format = self.env["ir.actions.report"]._render_qweb_html(
            report_ref, records.ids
        )
        return html.decode() if isinstance(html, bytes) else html

    def test_vat_printed_on_invoice_with_client_country_label(self):
        india = self.env.ref("base.in")
        client_in = self.env["res.partner"].create(
            {
                "name": "Delhi Traders",
                "country_id": india.id,
                "vat": "27AAPFU0939F1ZV",
            }
        )
        for partner, label in ((self.client_a, "VAT"), (client_in, india.vat_label)):
            with self.subTest(partner=partner.name):
                invoice = self.init_invoice(
                    "out_invoice", partner=partner, amounts=[100.0], post=True
                )
                html = self._render_html("account.report_invoice", invoice)
                self.assertIn(f"{label}: <span>{partner.vat}</span>", html)

    def test_vat_printed_on_quotation(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.client_a.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.product_a.id, "product_uom_qty": 1}
                    )
                ],
            }
        )
        html = self._render_html("sale.report_saleorder", order)
        self.assertIn("VAT: <span>BE0477472701</span>", html)

    def test_no_vat_no_label(self):
        client = self.env["res.partner"].create(
            {"name": "No VAT Ltd", "country_id": self.env.ref("base.be").id}
        )
        invoice = self.init_invoice(
            "out_invoice", partner=client, amounts=[10.0], post=True
        )
        self.assertNotIn(
            "client_hub_vat", self._render_html("account.report_invoice", invoice)
        )

    # ------------------------------------------------------------------
    # Clients menu and buttons
    # ------------------------------------------------------------------
    def test_clients_action_lists_customers_and_searches_tax_id(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "client_hub.res_partner_action_client"
        )
        vendor = self.env["res.partner"].create(
            {"name": "Vendor only", "supplier_rank": 1}
        )
        person = self.env["res.partner"].create({"name": "Camille", "customer_rank": 1})
        domain = safe_eval(action["domain"])
        clients = self.env["res.partner"].search(domain)
        self.assertIn(self.client_a, clients)
        self.assertIn(person, clients)
        self.assertNotIn(vendor, clients)
        # the search view's "Tax ID" field and the default name search both find the VAT
        by_vat = self.env["res.partner"].search(
            [*domain, ("vat", "ilike", "0477472701")]
        )
        self.assertEqual(by_vat, self.client_a)
        search_view = self.env.ref("client_hub.res_partner_view_search_client")
        self.assertEqual(action["search_view_id"][0], search_view.id)
        arch = self.env["res.partner"].get_view(search_view.id, "search")["arch"]
        self.assertIn('name="vat"', arch)
        self.assertIn("client_billing_email", arch)

    def test_new_invoice_button_opens_invoice_for_client(self):
        action = self.client_a.action_client_new_invoice()
        self.assertEqual(action["res_model"], "account.move")
        move_form = Form(self.env["account.move"].with_context(**action["context"]))
        self.assertEqual(move_form.partner_id, self.client_a)
        with move_form.invoice_line_ids.new() as line:
            line.name = "Consulting"
            line.price_unit = 250.0
        invoice = move_form.save()
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(invoice.partner_id, self.client_a)

    def test_new_quotation_button_opens_quotation_for_client(self):
        action = self.client_a.action_client_new_quotation()
        self.assertEqual(action["res_model"], "sale.order")
        order_form = Form(self.env["sale.order"].with_context(**action["context"]))
        self.assertEqual(order_form.partner_id, self.client_a)
        with order_form.order_line.new() as line:
            line.product_id = self.product_a
        order = order_form.save()
        self.assertEqual(order.partner_id, self.client_a)

    def test_client_form_has_buttons_and_billing_fields(self):
        arch = self.env["res.partner"].get_view(
            self.env.ref("client_hub.res_partner_view_form_client").id, "form"
        )["arch"]
        for name in (
            "action_client_new_invoice",
            "action_client_new_quotation",
            "client_billing_email",
            "client_billing_phone",
        ):
            self.assertIn(name, arch)

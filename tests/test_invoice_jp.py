"""Qualified invoices (適格請求書) of companies in Japan: the invoice PDF prints the issuer's
registration number (its Tax ID), the client's address in Japanese order, the amount and the
consumption tax per tax rate, and marks the items taxed at the reduced rate; other companies'
invoices are unchanged. client_hub does not depend on `l10n_jp`: the company in Japan gets
Odoo's generic chart and taxes of its own."""

import os
import re

from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import HttpCase, TransactionCase, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .test_invoice_pdf import PdfRenderingMixin, pdf_text

REGISTRATION_NUMBER = "T1011001098765"  # the demo's; check digit 1 (法人番号 rule)
CLIENT_REGISTRATION_NUMBER = "T7000012050002"


class QualifiedInvoiceCommon(AccountTestInvoicingCommon):
    """A company in Japan, in yen, whose 10 % and reduced 8 % taxes share one tax group (so
    that stock's totals, per tax group, cannot tell the rates apart), and an invoice to a
    Japanese client with an item at each rate."""

    country_code = "JP"
    chart_template = "generic_coa"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_jp = cls.env.company
        cls.company_jp.write(
            {
                "name": "ひかりコンサルティング株式会社",
                "vat": REGISTRATION_NUMBER,  # 登録番号
            }
        )
        cls.tax_10, cls.tax_8 = cls._make_taxes(cls.company_jp)
        cls.client_jp = cls.env["res.partner"].create(
            {
                "name": "株式会社さくら商事",
                "is_company": True,
                "country_id": cls.env.ref("base.jp").id,
                "state_id": cls.env.ref("base.state_jp_jp-13").id,
                "zip": "100-0005",
                "city": "千代田区",
                "street": "丸の内1-2-3",
                "vat": CLIENT_REGISTRATION_NUMBER,
            }
        )
        cls.invoice = cls._make_jp_invoice(cls.client_jp, cls.tax_10, cls.tax_8)

    @classmethod
    def _make_taxes(cls, company, group_names=("Consumption tax",) * 2):
        """Return the 10 % and 8 % sale taxes of ``company``, in tax groups of these names
        (one group for both by default)."""
        groups = {
            name: cls.env["account.tax.group"].create(
                {"name": name, "company_id": company.id}
            )
            for name in set(group_names)
        }
        return cls.env["account.tax"].create(
            [
                {
                    "name": f"{rate:g}% ({group_name})",
                    "amount": rate,
                    "amount_type": "percent",
                    "type_tax_use": "sale",
                    "tax_group_id": groups[group_name].id,
                    "company_id": company.id,
                }
                for rate, group_name in zip((10.0, 8.0), group_names, strict=True)
            ]
        )

    @classmethod
    def _make_jp_invoice(cls, partner, tax_10, tax_8, move_type="out_invoice"):
        move = (
            cls.env["account.move"]
            .with_company(tax_10.company_id)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "invoice_date": "2026-03-31",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Consulting",
                                "quantity": 1,
                                "price_unit": 50000,
                                "tax_ids": [Command.set(tax_10.ids)],
                            }
                        ),
                        Command.create(
                            {
                                "name": "Bento lunch (takeaway)",
                                "quantity": 13,
                                "price_unit": 250,
                                "tax_ids": [Command.set(tax_8.ids)],
                            }
                        ),
                    ],
                }
            )
        )
        move.action_post()
        return move


@tagged("post_install", "-at_install")
class TestQualifiedInvoice(QualifiedInvoiceCommon):
    def test_amounts_per_tax_rate(self):
        """Per rate, not per tax group: 10 % on 50,000 and 8 % on 3,250 (13 × 250)."""
        self.assertEqual(
            self.invoice._client_hub_jp_tax_rate_summary(),
            [
                {"rate": 10.0, "reduced": False, "base": 50000.0, "tax": 5000.0},
                {"rate": 8.0, "reduced": True, "base": 3250.0, "tax": 260.0},
            ],
        )
        refund = self._make_jp_invoice(
            self.client_jp, self.tax_10, self.tax_8, move_type="out_refund"
        )
        self.assertEqual(
            refund._client_hub_jp_tax_rate_summary(),
            self.invoice._client_hub_jp_tax_rate_summary(),
            "a credit note states the same positive amounts",
        )

    def _html(self, invoice):
        return (
            self.env["ir.actions.report"]
            ._render_qweb_html("account.account_invoices", invoice.ids)[0]
            .decode()
        )

    def test_client_in_japan_labelled_registration_number(self):
        """A client in Japan's Tax ID reads Registration Number on the invoice, the quotation
        and the statement; a client elsewhere keeps its country's label."""
        self.assertEqual(self.client_jp.vat_label, "Registration Number")
        self.assertEqual(
            self.env["res.partner"]
            .create({"name": "Atomium", "country_id": self.env.ref("base.be").id})
            .vat_label,
            "VAT",
        )
        self.env.user.group_ids |= self.env.ref("sales_team.group_sale_salesman")
        order = self.env["sale.order"].create(
            {
                "partner_id": self.client_jp.id,
                "order_line": [Command.create({"product_id": self.product_a.id})],
            }
        )
        Report = self.env["ir.actions.report"]
        for report, records in (
            ("account.account_invoices", self.invoice),
            ("sale.action_report_saleorder", order),
            ("client_hub.action_report_client_statement", self.client_jp),
        ):
            with self.subTest(report):
                html = Report._render_qweb_html(report, records.ids)[0].decode()
                self.assertIn(
                    f"RegistrationNumber:<span>{CLIENT_REGISTRATION_NUMBER}</span>",
                    re.sub(r"\s+", "", html),
                )

    def test_rates_stated_by_tax_groups(self):
        """Tax groups of one rate each, named after it (as l10n_jp's): stock's totals per
        group are the totals per rate, no table is added; the registration number and the
        ※ of the reduced-rate item are."""
        self.assertTrue(self.invoice._client_hub_jp_totals_lack_rates())
        invoice = self._make_jp_invoice(
            self.client_jp, *self._make_taxes(self.company_jp, ("10% 対象", "8% 対象"))
        )
        self.assertFalse(invoice._client_hub_jp_totals_lack_rates())
        html = self._html(invoice)
        self.assertNotIn("client_hub_jp_tax_rates", html)
        for marker in (
            "client_hub_jp_registration_number",
            "client_hub_jp_reduced",
            "client_hub_jp_reduced_rate_note",
        ):
            self.assertIn(marker, html)

        # a group named without its rate
        invoice = self._make_jp_invoice(
            self.client_jp, *self._make_taxes(self.company_jp, ("Standard", "軽減 8%"))
        )
        self.assertTrue(invoice._client_hub_jp_totals_lack_rates())
        self.assertIn("client_hub_jp_tax_rates", self._html(invoice))

    def test_only_companies_in_japan(self):
        """The same invoice of a company elsewhere prints as before, its Tax ID not as a
        registration number."""
        jp_html = self._html(self.invoice)
        for marker in ("client_hub_jp_registration_number", "client_hub_jp_tax_rates"):
            self.assertIn(marker, jp_html)

        other = self.setup_other_company(
            name="Elsewhere Ltd",
            country_id=self.env.ref("base.be").id,
            currency_id=self.env.ref("base.EUR").id,
        )["company"]
        other.vat = "BE0477472701"
        self.env.user.company_ids |= other
        invoice = self._make_jp_invoice(
            self.env["res.partner"].create({"name": "Client Elsewhere"}),
            *self._make_taxes(other),
        )
        self.assertFalse(invoice._client_hub_is_qualified_invoice())
        html = self._html(invoice)
        for marker in (
            "client_hub_jp",
            "Registration Number",
            "Consumption Tax",
            "※",
        ):
            self.assertNotIn(marker, html)


@tagged("post_install", "-at_install")
class TestQualifiedInvoicePdf(PdfRenderingMixin, QualifiedInvoiceCommon, HttpCase):
    def test_pdf_is_a_qualified_invoice(self):
        content, _type = self.env["ir.actions.report"]._render_qweb_pdf(
            "account.account_invoices", self.invoice.ids
        )
        text = pdf_text(content)
        if os.environ.get("CLIENT_HUB_KEEP_PDF"):
            with open(os.environ["CLIENT_HUB_KEEP_PDF"], "wb") as f:
                f.write(content)
        for expected, what in (
            ("ひかりコンサルティング株式会社", "the issuer's name"),
            ("RegistrationNumber", "the registration number's label"),
            (REGISTRATION_NUMBER, "the registration number"),
            ("〒100-0005", "the client's postal code, after 〒"),
            ("東京都千代田区丸の内1-2-3", "the client's address, in Japanese order"),
            (
                f"RegistrationNumber:{CLIENT_REGISTRATION_NUMBER}",
                "the client's registration number, labelled so",
            ),
            ("03/31/2026", "the date"),
            ("株式会社さくら商事", "the client's name"),
            ("Bentolunch(takeaway)※", "the ※ of the reduced-rate item"),
            ("TaxRate", "the per-rate table"),
            ("Amountexcl.TaxConsumptionTax", "the per-rate table"),
            ("10%¥50,000¥5,000", "the 10 % amount and tax"),
            ("8%※¥3,250¥260", "the reduced 8 % amount and tax"),
            ("※Reducedtaxrateitem", "what ※ means"),
        ):
            self.assertIn(expected, text, f"the PDF lacks {what}")
        self.assertNotIn("Consulting※", text, "a 10 % item is not marked")

    def test_pdf_in_japanese(self):
        """Read in Japanese: 登録番号 and the issuer's Tax ID, the client's address with 〒."""
        self.env["res.lang"]._activate_lang("ja_JP")
        self.env["ir.module.module"]._load_module_terms(
            ["account", "client_hub"], ["ja_JP"]
        )
        self.client_jp.lang = "ja_JP"
        content, _type = self.env["ir.actions.report"]._render_qweb_pdf(
            "account.account_invoices", self.invoice.ids
        )
        text = pdf_text(content)
        for expected, what in (
            ("登録番号", "the registration number's label"),
            (REGISTRATION_NUMBER, "the registration number"),
            ("〒100-0005", "the client's postal code, after 〒"),
            ("東京都千代田区丸の内1-2-3", "the client's address, in Japanese order"),
            ("請求書", "the title, in Japanese"),
        ):
            self.assertIn(expected, text, f"the PDF lacks {what}")


@tagged("post_install", "-at_install")
class TestRegistrationNumber(TransactionCase):
    """The registration number is the company's Tax ID, which `base_vat` checks for a
    company in Japan with python-stdnum's `jp.cn`: "T" and 13 digits, the first checking the
    other twelve."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create(
            {"name": "Registration Check K.K.", "country_id": cls.env.ref("base.jp").id}
        )

    def test_valid_numbers(self):
        for number in ("T7000012050002", REGISTRATION_NUMBER, False):
            self.company.vat = number
            self.assertEqual(self.company.vat, number)
            self.assertEqual(self.company.partner_id.vat, number)

    def test_wrong_numbers_refused(self):
        for number, why in (
            ("T700001205000", "12 digits"),
            ("T70000120500021", "14 digits"),
            ("T7000012O50002", "a letter among the digits"),
            ("T7000012050003", "a wrong check digit"),
        ):
            with self.subTest(why), self.assertRaises(ValidationError):
                self.company.vat = number

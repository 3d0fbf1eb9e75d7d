"""The Japanese layout of the documents of companies in Japan: the invoice, the credit note,
the quotation and the statement open with the recipient and its honorific (御中, 様), the
number, date and registration number (登録番号, the company's Tax ID), the issuer with its
seal (角印), the amount tax included in a box and its deadline, and 振込先 where the client
pays; in Odoo's layout (header, footer). Companies elsewhere print as before."""

import base64
import io
import os
import re
import subprocess
import unicodedata
from datetime import date

from PIL import Image

from odoo.fields import Command
from odoo.tests import HttpCase, tagged
from odoo.tools.misc import format_date, formatLang

from .test_invoice_pdf import PdfRenderingMixin
from .test_jp_bank_account import STATEMENT_REPORT, JapaneseBankAccountCommon, compact

JA = "ja_JP"
TAX_ID = "T1011001098765"
JP_VIEWS = (
    "client_hub.report_invoice_document_jp_layout",
    "client_hub.report_saleorder_document_jp_layout",
)


def pdf_text_in_order(content):
    """Return the text of a PDF as `test_invoice_pdf.pdf_text` does, in the order it was
    drawn (pdftotext -raw: the page's order, the head's left column then its right one),
    not in reading order, which mixes the columns of the head line by line."""
    text = subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=content, capture_output=True, check=True
    ).stdout
    return "".join(unicodedata.normalize("NFKC", text.decode()).split())


def red_square_png():
    image = Image.new("RGBA", (64, 64), (200, 30, 40, 255))
    png = io.BytesIO()
    image.save(png, "PNG")
    return base64.b64encode(png.getvalue())


class JapaneseLayoutCommon(JapaneseBankAccountCommon):
    """The company in Japan with its Tax ID, phone, address and seal; its Japanese client
    reads Japanese; an invoice, a credit note and a quotation to it; a client who is a
    person."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang(JA)
        cls.env["ir.module.module"]._load_module_terms(
            ["account", "sale", "client_hub"], [JA]
        )
        tokyo = cls.env.ref("base.state_jp_jp-13")
        cls.company_jp.write(
            {
                "vat": TAX_ID,
                "phone": "03-5555-0100",
                "zip": "150-0041",
                "state_id": tokyo.id,
                "city": "渋谷区",
                "street": "神南1-2-3",
                "client_hub_seal": red_square_png(),
            }
        )
        cls.client_jp.write(
            {
                "lang": JA,
                "zip": "100-0005",
                "state_id": tokyo.id,
                "street": "丸の内1-2-3",
            }
        )
        cls.env_ja = cls.env(context=dict(cls.env.context, lang=JA))
        # documents made now: they print in the client's language
        cls.invoice = cls._make_jp_invoice(cls.client_jp, cls.tax_10, cls.tax_8)
        cls.invoice.invoice_date_due = date(2026, 4, 30)
        cls.refund = cls._make_jp_invoice(
            cls.client_jp, cls.tax_10, cls.tax_8, move_type="out_refund"
        )
        cls.env.user.group_ids |= cls.env.ref("sales_team.group_sale_salesman")
        product = cls.env["product.product"].create(
            {
                "name": "Consulting day",
                "type": "service",
                "list_price": 100000,
                "taxes_id": [Command.set(cls.tax_10.ids)],
            }
        )
        cls.quotation = cls.env["sale.order"].create(
            {
                "partner_id": cls.client_jp.id,
                "date_order": "2026-03-20 03:00:00",
                "validity_date": "2026-04-19",
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": 2})
                ],
            }
        )
        cls.person = cls.env["res.partner"].create(
            {"name": "山田 太郎", "lang": JA, "country_id": cls.env.ref("base.jp").id}
        )

    def _ja_date(self, day):
        return compact(format_date(self.env_ja, day))

    def _ja_amount(self, amount):
        return compact(
            formatLang(self.env_ja, amount, currency_obj=self.company_jp.currency_id)
        )

    def _us_invoice(self):
        """An invoice of a company in the United States, in dollars, with the same items."""
        us = self.setup_other_company(
            name="Hub Issuer Inc",
            country_id=self.env.ref("base.us").id,
            currency_id=self.env.ref("base.USD").id,
        )["company"]
        us.write({"vat": "US12345671", "client_hub_seal": red_square_png()})
        self.env.user.company_ids |= us
        client = self.env["res.partner"].create(
            {"name": "Acme Corp", "is_company": True, "lang": JA}
        )
        return self._make_jp_invoice(client, *self._make_taxes(us))


@tagged("post_install", "-at_install")
class TestJapaneseLayout(JapaneseLayoutCommon):
    def test_addressee_honorific(self):
        contact = self.env["res.partner"].create(
            {"name": "田中 遥", "parent_id": self.client_jp.id}
        )
        for partner, expected in (
            (self.client_jp, "株式会社さくら商事 御中"),
            (contact, "株式会社さくら商事 御中"),  # addressed to its company
            (self.person, "山田 太郎 様"),
        ):
            self.assertEqual(
                partner.with_env(self.env_ja)._client_hub_jp_addressee(), expected
            )
        self.assertEqual(
            self.client_jp.with_context(lang="en_US")._client_hub_jp_addressee(),
            "Messrs. 株式会社さくら商事",
        )

    def test_document_values(self):
        invoice = self.invoice.with_env(self.env_ja)._client_hub_jp_document_values()
        self.assertEqual(invoice["amount_label"], "ご請求金額（税込）")
        self.assertEqual(
            compact(invoice["amount"]), self._ja_amount(58510), "tax included"
        )
        self.assertEqual(invoice["deadline_label"], "お支払期限")
        refund = self.refund.with_env(self.env_ja)._client_hub_jp_document_values()
        self.assertEqual(refund["amount_label"], "ご返金額（税込）")
        self.assertFalse(refund["deadline_label"], "a credit note has no due date")
        quotation = self.quotation.with_env(
            self.env_ja
        )._client_hub_jp_document_values()
        self.assertEqual(quotation["amount_label"], "お見積金額（税込）")
        self.assertEqual(
            compact(quotation["amount"]), self._ja_amount(220000), "tax included"
        )
        self.assertEqual(quotation["deadline_label"], "有効期限")
        self.assertEqual(
            quotation["deadline"], format_date(self.env_ja, date(2026, 4, 19))
        )

    def test_seal_printed_when_set(self):
        for report, record in (
            ("account.account_invoices", self.invoice),
            ("sale.action_report_saleorder", self.quotation),
            (STATEMENT_REPORT, self.client_jp),
        ):
            with self.subTest(report=report):
                page = self._html(report, record)
                self.assertEqual(page.count('class="client_hub_jp_seal"'), 1)
                self.assertIn(
                    'src="data:image/png;base64,', page.split("client_hub_jp_seal")[1]
                )
        self.company_jp.client_hub_seal = False
        for report, record in (
            ("account.account_invoices", self.invoice),
            (STATEMENT_REPORT, self.client_jp),
        ):
            page = self._html(report, record)
            self.assertIn("client_hub_jp_issuer", page, "the issuer's block stays")
            self.assertNotIn("client_hub_jp_seal", page)

    def test_companies_elsewhere_print_as_before(self):
        """With the Japanese layout's views or without them, a US company's invoice and
        statement are the same page (but for the blank lines the views' directives leave)."""
        invoice = self._us_invoice()
        us = invoice.company_id
        Report = (
            self.env["ir.actions.report"]
            .with_company(us)
            .with_context(allowed_company_ids=us.ids)
        )

        def pages():
            # the statement's QR code is drawn anew each time
            return [
                re.sub(
                    r"\s+|data:image/png;base64,[^\"]+",
                    " ",
                    Report._render_qweb_html(report, record.ids)[0].decode(),
                )
                for report, record in (
                    ("account.account_invoices", invoice),
                    (STATEMENT_REPORT, invoice.partner_id),
                )
            ]

        with_layout = pages()
        for page in with_layout:
            for marker in ("client_hub_jp", "御中", "Messrs.", "登録番号"):
                self.assertNotIn(marker, page)
        self.assertIn("Acme Corp", with_layout[0])
        for xmlid in JP_VIEWS:
            self.env.ref(xmlid).active = False
        self.env.registry.clear_cache("templates")
        self.assertEqual(pages(), with_layout)


@tagged("post_install", "-at_install")
class TestJapaneseLayoutPdf(PdfRenderingMixin, JapaneseLayoutCommon, HttpCase):
    def _pdf(self, report, record, name):
        content, _type = self.env["ir.actions.report"]._render_qweb_pdf(
            report, record.ids
        )
        # CLIENT_HUB_KEEP_PDF=<folder>: keep the PDFs there to look at them
        if folder := os.environ.get("CLIENT_HUB_KEEP_PDF"):
            with open(os.path.join(folder, f"jp_layout_{name}.pdf"), "wb") as f:
                f.write(content)
        return pdf_text_in_order(content)

    def assertInOrder(self, text, parts, what):
        """``parts`` are all in ``text``, in this order."""
        position = 0
        for part in parts:
            found = text.find(part, position)
            self.assertGreaterEqual(
                found, 0, f"{what}: {part!r} missing after {text[:position][-40:]!r}"
            )
            position = found + len(part)

    def assertHead(self, text, what):
        """The issuer's block and the registration number."""
        for expected in (
            f"登録番号{TAX_ID}",
            "ひかりコンサルティング株式会社",
            "150-0041",
            "渋谷区",
            "03-5555-0100",
        ):
            self.assertIn(expected, text, what)

    def test_invoice_pdf(self):
        text = self._pdf("account.account_invoices", self.invoice, "invoice")
        self.assertInOrder(
            text,
            [
                "株式会社さくら商事御中",
                "千代田区",
                "下記のとおりご請求申し上げます。",
                f"ご請求金額(税込){self._ja_amount(58510)}",
                f"お支払期限{self._ja_date(date(2026, 4, 30))}",
                # top right
                f"請求書番号{self.invoice.name}",
                f"請求日{self._ja_date(date(2026, 3, 31))}",
                f"登録番号{TAX_ID}",
                "Consulting",  # the items after the head
            ],
            "the invoice's head",
        )
        self.assertHead(text, "the invoice")
        # the company's, once, in the head; the client's (a client in Japan) under its address
        self.assertEqual(
            text.count(f"登録番号{TAX_ID}"), 1, "printed once, in the head"
        )
        self.assertEqual(text.count("登録番号"), 2, "and the client's own")
        # kept: the totals per rate, the ※ legend, and where to transfer
        self.assertIn("8%※¥3,250¥260", text)
        self.assertIn("※は軽減税率対象品目", text)
        self.assertInOrder(
            text,
            [
                "振込先",
                "三菱UFJ銀行丸の内支店(001)",
                "1234567",
                "カ)ヒカリコンサルティング",
            ],
            "the company's account",
        )
        self.assertRegex(text, r"(Page|ページ)1/1", "Odoo's footer")

    def test_invoice_pdf_with_the_clients_stripe_account(self):
        provider = self.env["payment.provider"].search(
            [("code", "=", "stripe")], limit=1
        )
        self.env["client_hub.bank.transfer.account"].sudo().create(
            {
                "partner_id": self.client_jp.id,
                "provider_id": provider.id,
                "bank_name": "みずほ銀行",
                "bank_code": "0001",
                "branch_name": "ストライプ支店",
                "branch_code": "999",
                "account_type": "futsu",
                "account_number": "7777777",
                "account_holder_name": "ストライプジャパン（カ",
            }
        )
        text = self._pdf("account.account_invoices", self.invoice, "invoice_stripe")
        self.assertInOrder(
            text,
            ["振込先", "みずほ銀行(0001)ストライプ支店(999)", "普通7777777"],
            "the client's own account",
        )

    def test_credit_note_pdf(self):
        text = self._pdf("account.account_invoices", self.refund, "credit_note")
        self.assertInOrder(
            text,
            [
                "株式会社さくら商事御中",
                f"ご返金額(税込){self._ja_amount(58510)}",
                "Consulting",
            ],
            "the credit note's head",
        )
        self.assertIn(self.refund.name, text)
        self.assertIn(self._ja_date(date(2026, 3, 31)), text)
        self.assertHead(text, "the credit note")
        for absent in ("ご請求金額", "お支払期限", "振込先"):
            self.assertNotIn(absent, text, "the client pays nothing")

    def test_quotation_pdf(self):
        text = self._pdf("sale.action_report_saleorder", self.quotation, "quotation")
        self.assertInOrder(
            text,
            [
                "株式会社さくら商事御中",
                "下記のとおりお見積申し上げます。",
                f"お見積金額(税込){self._ja_amount(220000)}",
                f"有効期限{self._ja_date(date(2026, 4, 19))}",
                f"見積番号{self.quotation.name}",
                f"見積日{self._ja_date(date(2026, 3, 20))}",
                f"登録番号{TAX_ID}",
                "Consultingday",
            ],
            "the quotation's head",
        )
        self.assertHead(text, "the quotation")
        for absent in ("ご請求金額", "振込先"):
            self.assertNotIn(absent, text)

    def test_statement_pdf(self):
        text = self._pdf(STATEMENT_REPORT, self.client_jp, "statement")
        self.assertInOrder(
            text,
            ["株式会社さくら商事御中", "千代田区", "振込先", self.invoice.name],
            "the statement, with where to transfer on its first page",
        )
        self.assertEqual(text.count("振込先"), 1)
        self.assertHead(text, "the statement")
        self.assertIn("発行日", text)
        self.assertInOrder(
            text,
            [
                "三菱UFJ銀行丸の内支店(001)",
                "1234567",
                "カ)ヒカリコンサルティング",
                f"振込依頼人名の前にC{self.client_jp.id:06d}をご記入ください。",
            ],
            "the company's account, and the client's code in its language",
        )

    def test_person_is_addressed_sama(self):
        invoice = self._make_jp_invoice(self.person, self.tax_10, self.tax_8)
        text = self._pdf("account.account_invoices", invoice, "invoice_person")
        self.assertIn("山田太郎様", text)
        self.assertNotIn("御中", text)

    def test_us_invoice_pdf_is_western(self):
        text = self._pdf("account.account_invoices", self._us_invoice(), "invoice_us")
        self.assertIn("AcmeCorp", text)
        for marker in ("御中", "様", "登録番号", "ご請求金額", "振込先", "Messrs."):
            self.assertNotIn(marker, text)
        self.assertTrue(
            re.search(r"(Invoice|請求書)INV/", text), "stock's title and number"
        )

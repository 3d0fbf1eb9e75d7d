"""The Japanese demo as a Japanese client sees it: the qualified invoice PDF, the portal
statement and the document e-mails, in Japanese.

They run on a database set up like `make run`'s demo: a company in Japan with Odoo's
`l10n_jp`, Japanese clients and their invoices at 10 % and 8 % (tools/demo_japan.py). client_hub
depends on neither, so this file is not imported by `tests/__init__.py`: `make test` runs it on
its lifecycle database, installed like the demo, next to the demo payment tour. Elsewhere it is
skipped with the reason. By hand: ``chtest <db> client_hub/tests/test_demo_japan.py`` on a
database made by ``DEMO_DB=<db> tools/harness.sh run``.
"""

import re
import unicodedata
import unittest

from odoo.modules.registry import Registry
from odoo.tests import HttpCase, tagged
from odoo.tests.common import get_db_name
from odoo.tools.misc import format_date, formatLang

from odoo.addons.mail.tests.common import MailCase

from .test_invoice_pdf import PdfRenderingMixin, pdf_text
from .test_jp_layout import pdf_text_in_order

DEMO = "__client_hub_demo__"  # the xml ids of tools/demo_japan.py


def skip_without_japanese_demo():
    with Registry(get_db_name()).cursor() as cr:
        cr.execute(
            "SELECT 1 FROM ir_model_data WHERE module = %s AND name = %s",
            [DEMO, "invoice_sakura_workshop"],
        )
        found = cr.fetchone()
    if not found:
        raise unittest.SkipTest(
            "this database has no Japanese demo: these tests run on a database set up like "
            "make run's (tools/demo_japan.py after l10n_jp), see tools/harness.sh"
        )


def compact(text):
    """As `pdf_text` reads a PDF: NFKC, without whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).split())


@tagged("post_install", "-at_install")
class TestJapaneseDemo(PdfRenderingMixin, MailCase, HttpCase):
    @classmethod
    def default_env_context(cls):
        return {}  # documents are e-mailed

    @classmethod
    def setUpClass(cls):
        skip_without_japanese_demo()
        super().setUpClass()
        cls.company = cls.env.ref("base.main_company")
        cls.sakura = cls.env.ref("client_hub.partner_demo_sakura")
        cls.sakura_contact = cls.env.ref("client_hub.partner_demo_sakura_contact")
        cls.midori = cls.env.ref(f"{DEMO}.partner_midori")
        cls.invoice = cls.env.ref(f"{DEMO}.invoice_sakura_workshop")
        cls.env_ja = cls.env(context=dict(cls.env.context, lang="ja_JP"))

    def test_demo_is_a_company_in_japan(self):
        self.assertEqual(self.company.country_code, "JP")
        self.assertEqual(self.company.currency_id.name, "JPY")
        self.assertEqual(self.company.chart_template, "jp")
        self.assertEqual(self.company.vat, "T1011001098765", "the registration number")
        self.assertEqual(self.sakura.name, "株式会社さくら商事")
        for client in (self.sakura, self.sakura_contact, self.midori):
            self.assertEqual(client.lang, "ja_JP", client.name)
        self.assertEqual(
            self.env.ref("client_hub.partner_demo_brussels").lang,
            "en_US",
            "the European clients are as they were",
        )

    def test_invoice_pdf_is_a_qualified_invoice_in_japanese(self):
        content, _type = self.env["ir.actions.report"]._render_qweb_pdf(
            "account.account_invoices", self.invoice.ids
        )
        text = pdf_text(content)
        for expected, what in (
            ("登録番号", "registration number's label"),
            (self.company.vat, "registration number (the Tax ID)"),
            ("〒100-0005", "client's postal code"),
            ("東京都千代田区丸の内1-2-3", "client's address, in Japanese order"),
            (compact(self.company.name), "issuer's name"),
            (compact(self.sakura.name), "client's name"),
            (
                compact(format_date(self.env_ja, self.invoice.invoice_date)),
                "date, in Japanese format",
            ),
            ("請求書", "title, in Japanese"),
            (
                "ワークショップ用弁当(持ち帰り)※",
                "reduced-rate item, in Japanese, marked",
            ),
        ):
            self.assertIn(expected, text, f"the PDF lacks the {what}")

        # per tax rate, its amount and its tax: stock's totals per l10n_jp tax group ("8%
        # 対象 on ¥30,000 ¥2,400") or client_hub's table ("8% ※ ¥30,000 ¥2,400")
        summary = self.invoice._client_hub_jp_tax_rate_summary()
        self.assertEqual([row["rate"] for row in summary], [10.0, 8.0])
        for row in summary:
            self.assertGreater(row["tax"], 0)
            base, tax = (
                compact(
                    formatLang(
                        self.env_ja, amount, currency_obj=self.company.currency_id
                    )
                )
                for amount in (row["base"], row["tax"])
            )
            self.assertRegex(
                text,
                re.escape(f"{row['rate']:g}%") + r"[^\d¥]*" + re.escape(base + tax),
                "the amount and tax of a tax rate",
            )

    def test_demo_invoices_and_statement_print_the_account_to_transfer_to(self):
        """Every open invoice of the demo, those made before the company's account too, and
        the statement print it as 振込先; Stripe has the two Japanese methods, no keys, and
        stays disabled."""
        bank = self.env.ref(f"{DEMO}.bank_account_company")
        self.assertTrue(bank.allow_out_payment)
        Report = self.env["ir.actions.report"]
        for report, records in (
            ("account.account_invoices", self.invoice),
            (
                "account.account_invoices",
                self.env.ref(f"{DEMO}.invoice_midori_workshop"),
            ),
            ("client_hub.action_report_client_statement", self.sakura),
        ):
            with self.subTest(report=report, record=records.display_name):
                text = compact(
                    re.sub(
                        r"<[^>]+>",
                        " ",
                        Report._render_qweb_html(report, records.ids)[0].decode(),
                    )
                )
                for expected in (
                    "三菱UFJ銀行丸の内支店(001)",
                    "1234567",
                    "カ)ヒカリソリューションズ",
                    "振込依頼人名",
                ):
                    self.assertIn(expected, text)
        stripe = self.env.ref("payment.payment_provider_stripe")
        self.assertEqual(stripe.state, "disabled")
        self.assertFalse(stripe.stripe_secret_key)
        methods = (
            self.env["payment.method"]
            .with_context(active_test=False)
            .search([("code", "in", ("jp_bank_transfer", "konbini"))])
        )
        self.assertLessEqual(
            methods, stripe.with_context(active_test=False).payment_method_ids
        )

    def test_invoice_and_statement_in_the_japanese_layout(self):
        """The demo company stamps its seal (角印); its invoice addresses Sakura 御中 with the
        amount billed, tax included, and the due date, and its statement says where to
        transfer."""
        self.assertTrue(
            self.company.client_hub_seal, "tools/demo_japan.py drew the seal"
        )
        Report = self.env["ir.actions.report"]
        page = Report._render_qweb_html("account.account_invoices", self.invoice.ids)[0]
        self.assertIn(b'class="client_hub_jp_seal"', page)
        content, _type = Report._render_qweb_pdf(
            "account.account_invoices", self.invoice.ids
        )
        text = pdf_text_in_order(content)
        amount = compact(
            formatLang(
                self.env_ja,
                self.invoice.amount_total,
                currency_obj=self.company.currency_id,
            )
        )
        for expected in (
            compact(f"{self.sakura.name} 御中"),
            f"ご請求金額(税込){amount}",
            "お支払期限"
            + compact(format_date(self.env_ja, self.invoice.invoice_date_due)),
            "振込先",
        ):
            self.assertIn(expected, text)
        content, _type = Report._render_qweb_pdf(
            "client_hub.action_report_client_statement", self.sakura.ids
        )
        text = pdf_text_in_order(content)
        for expected in (compact(f"{self.sakura.name} 御中"), "発行日", "振込先"):
            self.assertIn(expected, text)

    def test_portal_statement_in_japanese(self):
        user_sudo = self.sakura_contact._get_client_portal_user()
        user_sudo.password = "sakura-demo-password"
        self.authenticate(user_sudo.login, "sakura-demo-password")
        response = self.url_open("/my/statement")
        self.assertEqual(response.status_code, 200)
        for japanese in (
            "明細書",
            "未払い合計",
            "期限超過",
        ):  # statement, total due, overdue
            self.assertIn(japanese, response.text)
        self.assertIn(self.invoice.name, response.text)

    def test_document_emails_in_japanese(self):
        # an invoice, with Odoo's template (Midori has no template of its own)
        invoice = self.env.ref(f"{DEMO}.invoice_midori_followup")
        wizard = (
            self.env["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({})
        )
        with self.mock_mail_gateway():
            wizard.action_send_and_print()
        [mail] = [m for m in self._mails if self.midori.email in m["email_to"][0]]
        self.assertIn("請求書", mail["subject"])
        self.assertIn("いつもお世話になっております", mail["body"])

        # the statement, with client_hub's template
        action = self.sakura.action_client_send_statement()
        composer = (
            self.env["mail.compose.message"]
            .with_context(**action["context"])
            .create({})
        )
        with self.mock_mail_gateway():
            composer.action_send_mail()
        bodies = [
            m["body"] for m in self._mails if self.sakura.email in m["email_to"][0]
        ]
        self.assertTrue(bodies, "the statement is e-mailed to Sakura")
        self.assertIn("明細書", bodies[0])

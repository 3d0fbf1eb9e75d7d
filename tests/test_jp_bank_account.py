"""Paying straight to the company's bank in Japan (振込): the company's bank account, with its
branch, account type and holder's name in kana, is printed as 振込先 on the qualified invoice,
the statement PDF and the portal statement of companies in Japan, with what the client writes
as the transfer's sender name (振込依頼人名); companies elsewhere print none of it."""

import os
import unicodedata

from lxml import html

from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .test_invoice_jp import QualifiedInvoiceCommon
from .test_invoice_pdf import PdfRenderingMixin, pdf_text

STATEMENT_REPORT = "client_hub.action_report_client_statement"


class JapaneseBankAccountCommon(QualifiedInvoiceCommon):
    """The company in Japan receives transfers on a trusted account at 三菱UFJ銀行 丸の内支店;
    its invoice to a Japanese client is posted once the account exists."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bank = cls._make_bank_account(cls.company_jp.partner_id)
        cls.invoice = cls._make_jp_invoice(cls.client_jp, cls.tax_10, cls.tax_8)

    @classmethod
    def _make_bank_account(cls, holder, **values):
        return cls.env["res.partner.bank"].create(
            {
                "partner_id": holder.id,
                "bank_id": cls.env["res.bank"].create({"name": "三菱UFJ銀行"}).id,
                "acc_number": "1234567",
                "client_hub_branch_name": "丸の内支店",
                "client_hub_branch_code": "001",
                "client_hub_account_type": "ordinary",
                "client_hub_holder_kana": "カ）ヒカリコンサルティング",
                "allow_out_payment": True,
                **values,
            }
        )

    def _html(self, report, records):
        return (
            self.env["ir.actions.report"]
            ._render_qweb_html(report, records.ids)[0]
            .decode()
        )

    def assertShowsBankTransfer(self, text, sender_code, what):
        """``text``: a page or a PDF's text, whitespace removed."""
        for expected, part in (
            ("振込先", "the 振込先 heading"),
            ("三菱UFJ銀行丸の内支店(001)", "the bank, branch and branch code"),
            ("Ordinary(普通)1234567", "the account type and number"),
            ("口座名義", "the holder's label"),
            ("カ)ヒカリコンサルティング", "the holder's name in kana"),
            (
                f"Write{sender_code}beforeyournameasthetransfer'ssendername(振込依頼人名)",
                "what to write as the transfer's sender name",
            ),
        ):
            self.assertIn(expected, text, f"{what} lacks {part}")


def compact(page):
    """The text of an HTML page as `pdf_text` reads a PDF: NFKC, whitespace removed."""
    text = html.fromstring(page).text_content()
    return "".join(unicodedata.normalize("NFKC", text).split())


@tagged("post_install", "-at_install")
class TestJapaneseBankAccount(JapaneseBankAccountCommon):
    def test_invoice_prints_the_account_to_transfer_to(self):
        self.assertEqual(self.invoice.partner_bank_id, self.bank)
        page = self._html("account.account_invoices", self.invoice)
        self.assertShowsBankTransfer(
            compact(page), self.invoice.payment_reference, "the qualified invoice"
        )
        self.assertNotIn(
            'name="payment_communication"',
            page,
            "stock's payment communication gives way to the 振込先 block",
        )

    def test_invoice_without_account_prints_the_one_odoo_picks(self):
        """An invoice posted before the company had an account prints the company's
        account as Odoo would pick it now."""
        self.invoice.partner_bank_id = False
        self.assertShowsBankTransfer(
            compact(self._html("account.account_invoices", self.invoice)),
            self.invoice.payment_reference,
            "the qualified invoice",
        )

    def test_invoice_with_an_archived_account_prints_the_current_one(self):
        """An account archived since the invoice was posted is no longer where to transfer:
        the company's current account is printed."""
        former = self._make_bank_account(
            self.company_jp.partner_id, acc_number="7654321"
        )
        self.invoice.partner_bank_id = former
        former.action_archive()
        text = compact(self._html("account.account_invoices", self.invoice))
        self.assertShowsBankTransfer(
            text, self.invoice.payment_reference, "the qualified invoice"
        )
        self.assertNotIn("7654321", text)

    def test_untrusted_account_not_printed(self):
        """An account not trusted for payments (`allow_out_payment`, which Odoo requires of
        the account of a posted customer invoice) is never printed as 振込先."""
        self.bank.allow_out_payment = False
        self.assertEqual(self.invoice._client_hub_jp_bank_transfer(), {})
        self.assertEqual(self.client_jp._client_hub_jp_bank_transfer(), {})
        page = self._html("account.account_invoices", self.invoice)
        self.assertNotIn("振込先", page)
        self.assertIn('name="payment_communication"', page)

    def test_credit_note_prints_no_account(self):
        refund = self._make_jp_invoice(
            self.client_jp, self.tax_10, self.tax_8, move_type="out_refund"
        )
        self.assertNotIn("振込先", self._html("account.account_invoices", refund))

    def test_statement_prints_the_account_and_the_client_code(self):
        self.assertShowsBankTransfer(
            compact(self._html(STATEMENT_REPORT, self.client_jp)),
            f"C{self.client_jp.id:06d}",
            "the statement",
        )
        self.client_jp.ref = "SAKURA01"
        contact = self.env["res.partner"].create(
            {"name": "田中 遥", "parent_id": self.client_jp.id}
        )
        self.assertShowsBankTransfer(
            compact(self._html(STATEMENT_REPORT, contact)),
            "SAKURA01",
            "a contact's statement (its company's)",
        )

    def test_companies_elsewhere_print_none_of_it(self):
        other = self.setup_other_company(
            name="Elsewhere Ltd",
            country_id=self.env.ref("base.be").id,
            currency_id=self.env.ref("base.EUR").id,
        )["company"]
        self.env.user.company_ids |= other
        self._make_bank_account(other.partner_id)
        client = self.env["res.partner"].create({"name": "Client Elsewhere"})
        invoice = self._make_jp_invoice(client, *self._make_taxes(other))
        self.assertEqual(invoice.partner_bank_id.partner_id, other.partner_id)
        page = self._html("account.account_invoices", invoice)
        for marker in ("振込先", "client_hub_jp_bank_transfer", "振込依頼人名"):
            self.assertNotIn(marker, page)
        self.assertIn(
            'name="payment_communication"', page, "stock's payment communication stays"
        )
        statement = self.env["ir.actions.report"].with_company(other)
        page = (
            statement.with_context(allowed_company_ids=other.ids)
            ._render_qweb_html(STATEMENT_REPORT, client.ids)[0]
            .decode()
        )
        self.assertIn(client.name, page)
        for marker in ("振込先", "client_hub_jp_bank_transfer", "振込依頼人名"):
            self.assertNotIn(marker, page)


@tagged("post_install", "-at_install")
class TestHolderKana(JapaneseBankAccountCommon):
    def test_kana_accepted_full_and_half_width(self):
        for kana in (
            "カ）ヒカリソリューションズ",
            "ｶ)ﾋｶﾘｿﾘｭｰｼｮﾝｽﾞ",
            "ヤマダ　タロウ",
            "ﾔﾏﾀﾞ ﾀﾛｳ",
            "ユ）ダイ２ショウジ．－／，「」",
            False,
        ):
            self.bank.client_hub_holder_kana = kana
            self.bank.flush_recordset()
            self.assertEqual(self.bank.client_hub_holder_kana, kana)

    def test_latin_or_kanji_refused_with_a_clear_message(self):
        for name in (
            "Hikari Solutions",
            "ﾋｶﾘ Solutions",
            "ひかり",
            "光ソリューションズ",
        ):
            with (
                self.subTest(name),
                self.assertRaisesRegex(
                    ValidationError,
                    rf"“{name}” is not an account holder's name in kana\. Write it in "
                    r"katakana, full-width \(e\.g\. カ）ヒカリソリューションズ\) or half-width",
                ),
            ):
                self.bank.client_hub_holder_kana = name
                self.bank.flush_recordset()


@tagged("post_install", "-at_install")
class TestJapaneseBankAccountPdf(
    PdfRenderingMixin, JapaneseBankAccountCommon, HttpCase
):
    def _keep_pdf(self, content, name):
        """CLIENT_HUB_KEEP_PDF=<folder>: keep the PDFs there to look at them."""
        if folder := os.environ.get("CLIENT_HUB_KEEP_PDF"):
            with open(os.path.join(folder, f"bank_transfer_{name}.pdf"), "wb") as f:
                f.write(content)

    def test_invoice_and_statement_pdfs(self):
        Report = self.env["ir.actions.report"]
        content, _type = Report._render_qweb_pdf(
            "account.account_invoices", self.invoice.ids
        )
        self._keep_pdf(content, "invoice")
        self.assertShowsBankTransfer(
            pdf_text(content), self.invoice.payment_reference, "the invoice PDF"
        )
        content, _type = Report._render_qweb_pdf(STATEMENT_REPORT, self.client_jp.ids)
        self._keep_pdf(content, "statement")
        self.assertShowsBankTransfer(
            pdf_text(content), f"C{self.client_jp.id:06d}", "the statement PDF"
        )


@tagged("post_install", "-at_install")
class TestJapaneseBankAccountPortal(JapaneseBankAccountCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client_jp.ref = "SAKURA01"
        cls.hanako = cls._portal_user(cls.client_jp, "ch_hanako_jp")
        cls.other_client = cls.env["res.partner"].create(
            {"name": "株式会社みどり食品", "is_company": True, "ref": "MIDORI02"}
        )
        cls.yamada = cls._portal_user(cls.other_client, "ch_yamada_jp")

    @classmethod
    def _portal_user(cls, client, login):
        user = new_test_user(
            cls.env,
            login=login,
            groups="base.group_portal",
            company_id=cls.company_jp.id,
            company_ids=[Command.set(cls.company_jp.ids)],
        )
        user.partner_id.parent_id = client
        return user

    def _statement_text(self, user):
        self.authenticate(user.login, user.login)
        response = self.url_open("/my/statement")
        self.assertEqual(response.status_code, 200)
        return compact(response.content)

    def test_portal_statement_shows_the_account_with_the_clients_own_code(self):
        text = self._statement_text(self.hanako)
        self.assertShowsBankTransfer(text, "SAKURA01", "the portal statement")
        self.assertNotIn("MIDORI02", text)
        text = self._statement_text(self.yamada)
        self.assertShowsBankTransfer(text, "MIDORI02", "another client's statement")
        self.assertNotIn("SAKURA01", text)

    def test_portal_statement_of_a_company_elsewhere_shows_none(self):
        # its Japanese registration number goes with Japan (base_vat checks it per country)
        self.company_jp.vat = False
        self.company_jp.country_id = self.env.ref("base.us")
        text = self._statement_text(self.hanako)
        self.assertIn("Statement", text)
        for marker in ("振込先", "振込依頼人名", "1234567"):
            self.assertNotIn(marker, text)

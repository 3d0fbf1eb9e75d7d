"""The monthly invoice (請求書) of a client of a company in Japan: the statement of the
period ending on the client's closing day (締め日), from the previous closing date's balance.

One scenario, placed around a period (`JpMonthlyCommon._make_scenario`), hand-computed:

- previous period: invoice A, 100,000 + 10 % = 110,000, partly paid (30,000); an older
  invoice paid in full before it;
- this period: 50,000 more paid on A; invoice B, 50,000 at 10 % and 3,250 at the reduced 8 %
  (58,510); invoice C, 10,000 at 8 % (10,800); a credit note of 10,000 + 10 % (11,000),
  matched with B (not a payment);
- after the period: invoice D, and C paid in full (neither counts).

前回ご請求額 80,000, ご入金額 50,000, 繰越金額 30,000, 今回お買上額 53,250 (50,000 + 3,250 +
10,000 − 10,000), 消費税額 5,060 (10 %: 4,000 on 40,000; 8 %: 1,060 on 13,250), 今回ご請求額
88,310 = A's 30,000 + B's 58,510 + C's 10,800 − the credit note's 11,000.

The Japanese labels are translated here as i18n/ja.po translates them, so that the tests
read the documents a Japanese client gets (`JP_TERMS`).
"""

import re
from datetime import date, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import BaseCase, HttpCase, new_test_user, tagged

from ..models.res_partner_statement_jp import closing_date, closing_period
from ..models.res_partner_statement_schedule import next_statement_date
from .common import ClientHubCommon
from .test_invoice_jp import QualifiedInvoiceCommon
from .test_invoice_pdf import PdfRenderingMixin, pdf_text

JA = "ja_JP"
JP_TERMS = {
    "Previous balance": "前回ご請求額",
    "Received": "ご入金額",
    "Carried over": "繰越金額",
    "This period's purchases": "今回お買上額",
    "Consumption Tax": "消費税額",
    "Amount due this time": "今回ご請求額",
    "Closing Day": "締め日",
    "Period": "対象期間",
    "Details of this period": "今回お買上明細",
    "Monthly Invoice": "請求書",
}
LABELS = [
    "前回ご請求額",
    "ご入金額",
    "繰越金額",
    "今回お買上額",
    "消費税額",
    "今回ご請求額",
]
FIGURES = {
    "previous": 80000.0,
    "received": 50000.0,
    "carried": 30000.0,
    "purchases": 53250.0,
    "tax": 5060.0,
    "amount_due": 88310.0,
}
AMOUNTS = ["80,000", "50,000", "30,000", "53,250", "5,060", "88,310"]


class TestClosingPeriod(BaseCase):
    """The period of a closing day: month ends of every length, leap years, year ends."""

    def test_end_of_month(self):
        cases = [
            # (statement date, period)
            (date(2024, 2, 29), (date(2024, 2, 1), date(2024, 2, 29))),  # leap February
            (date(2024, 3, 15), (date(2024, 2, 1), date(2024, 2, 29))),
            (date(2025, 2, 28), (date(2025, 2, 1), date(2025, 2, 28))),  # non-leap
            (date(2025, 3, 30), (date(2025, 2, 1), date(2025, 2, 28))),
            (
                date(2025, 3, 31),
                (date(2025, 3, 1), date(2025, 3, 31)),
            ),  # after February
            (date(2026, 4, 30), (date(2026, 4, 1), date(2026, 4, 30))),  # 30-day month
            (date(2026, 5, 1), (date(2026, 4, 1), date(2026, 4, 30))),
            (date(2026, 1, 10), (date(2025, 12, 1), date(2025, 12, 31))),  # year end
        ]
        for on, period in cases:
            with self.subTest(on=on):
                self.assertEqual(closing_period("end", on), period)

    def test_day_25(self):
        cases = [
            (
                date(2026, 4, 25),
                (date(2026, 3, 26), date(2026, 4, 25)),
            ),  # the day itself
            (date(2026, 4, 24), (date(2026, 2, 26), date(2026, 3, 25))),
            (date(2026, 1, 10), (date(2025, 11, 26), date(2025, 12, 25))),
            (date(2026, 3, 31), (date(2026, 2, 26), date(2026, 3, 25))),
        ]
        for on, period in cases:
            with self.subTest(on=on):
                self.assertEqual(closing_period("25", on), period)
        # the 28th: February's closing date is its last day in a non-leap year only
        self.assertEqual(
            closing_period("28", date(2024, 3, 1)),
            (date(2024, 1, 29), date(2024, 2, 28)),
        )

    def test_closing_date(self):
        self.assertEqual(closing_date("end", 2024, 2), date(2024, 2, 29))
        self.assertEqual(closing_date("end", 2100, 2), date(2100, 2, 28))  # not leap
        self.assertEqual(closing_date("end", 2026, 6), date(2026, 6, 30))
        self.assertEqual(closing_date("end", 2026, 7), date(2026, 7, 31))
        self.assertEqual(closing_date("1", 2026, 7), date(2026, 7, 1))

    def test_schedule_on_the_closing_day(self):
        """'Monthly on the Closing Day' falls on 末日 in months of 28, 29, 30 and 31 days."""
        cases = [
            ("end", date(2026, 1, 31), date(2026, 1, 31)),  # the day itself
            ("end", date(2026, 2, 1), date(2026, 2, 28)),
            ("end", date(2024, 2, 1), date(2024, 2, 29)),  # leap year
            ("end", date(2024, 3, 1), date(2024, 3, 31)),
            ("end", date(2026, 4, 2), date(2026, 4, 30)),
            ("end", date(2026, 12, 31), date(2026, 12, 31)),
            ("25", date(2026, 1, 26), date(2026, 2, 25)),
            ("25", date(2026, 1, 31), date(2026, 2, 25)),  # from a 31st
            ("25", date(2026, 12, 26), date(2027, 1, 25)),  # over the year end
        ]
        for closing_day, start, expected in cases:
            with self.subTest(closing_day=closing_day, start=start):
                self.assertEqual(
                    next_statement_date(
                        "closing_day", 1, None, start, closing_day=closing_day
                    ),
                    expected,
                )
        self.assertIsNone(next_statement_date("closing_day", 1, None, date(2026, 1, 1)))


class JpMonthlyCommon(QualifiedInvoiceCommon):
    """A client of the company in Japan, reading Japanese, invoiced at 10 % and 8 %."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang(JA)
        cls.env["ir.module.module"]._load_module_terms(["client_hub"], [JA])
        cls._translate_jp_terms()
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.momiji = cls.env["res.partner"].create(
            {
                "name": "株式会社もみじ商会",
                "is_company": True,
                "country_id": cls.env.ref("base.jp").id,
                "lang": JA,
                "email": "keiri@momiji.example.com",
                "client_statement_closing_day": "end",
            }
        )

    @classmethod
    def _translate_jp_terms(cls):
        """Translate the monthly invoice's labels as i18n/ja.po does."""
        terms = {JA: JP_TERMS}
        for xmlid in (
            "client_hub.statement_jp_summary",
            "client_hub.statement_jp_email_summary",
            "client_hub.portal_my_statement",
        ):
            cls.env.ref(xmlid).update_field_translations("arch_db", terms)
        # the statement e-mail's body is translated whole: its Japanese body calls the
        # figures as the English one does
        template = cls.env.ref("client_hub.mail_template_client_statement")
        body_ja = str(template.with_context(lang=JA).body_html)
        call = '<t t-out="object._get_client_statement_jp_email_summary()"></t>'
        if "_get_client_statement_jp_email_summary" not in body_ja:
            marker = '<t t-set="statement_lines"'
            template.update_field_translations(
                "body_html", {JA: body_ja.replace(marker, call + marker)}
            )

    @classmethod
    def _invoice(cls, invoice_date, lines, move_type="out_invoice"):
        """A posted document of the client: ``lines`` are (price, tax) pairs."""
        move = cls.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": cls.momiji.id,
                "invoice_date": invoice_date,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Item",
                            "quantity": 1,
                            "price_unit": price,
                            "tax_ids": [Command.set(tax.ids)],
                        }
                    )
                    for price, tax in lines
                ],
            }
        )
        move.action_post()
        return move

    @classmethod
    def _pay(cls, move, amount, payment_date):
        return (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create(
                {
                    "amount": amount,
                    "payment_date": payment_date,
                    "journal_id": cls.bank_journal.id,
                }
            )
            ._create_payments()
        )

    @classmethod
    def _make_scenario(cls, date_from, date_to, with_later=True):
        """The documents of the module docstring around the period [date_from, date_to]
        (a 末日 period: the previous one is the month before)."""
        before = date_from - timedelta(days=1)  # the previous closing date
        cls.inv_old = cls._invoice(before - timedelta(days=45), [(20000, cls.tax_10)])
        cls._pay(cls.inv_old, 22000, before - timedelta(days=35))
        cls.inv_a = cls._invoice(before - timedelta(days=20), [(100000, cls.tax_10)])
        cls._pay(cls.inv_a, 30000, before - timedelta(days=10))
        cls._pay(cls.inv_a, 50000, date_from + timedelta(days=4))
        cls.inv_b = cls._invoice(
            date_from + timedelta(days=9), [(50000, cls.tax_10), (3250, cls.tax_8)]
        )
        cls.inv_c = cls._invoice(date_from + timedelta(days=19), [(10000, cls.tax_8)])
        cls.refund = cls._invoice(
            date_from + timedelta(days=24), [(10000, cls.tax_10)], "out_refund"
        )
        (cls.inv_b | cls.refund).line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).reconcile()
        if with_later:
            cls.inv_d = cls._invoice(date_to + timedelta(days=3), [(7000, cls.tax_10)])
            cls._pay(cls.inv_c, 10800, date_to + timedelta(days=6))

    def assertFigures(self, summary, expected):
        (total,) = summary["totals"]
        self.assertEqual(total["currency"], self.company_jp.currency_id)
        self.assertEqual(
            {key: total[key] for key in expected}, expected, "the 請求書's figures"
        )

    def assertLabelsThenAmounts(self, text):
        """The six figures, labelled in Japanese, in the order of a 請求書: each label after
        the one before, each amount after its label (a PDF's text may interleave a
        table's cells of two rows)."""
        label_at = 0
        for label, amount in zip(LABELS, AMOUNTS, strict=True):
            self.assertIn(label, text[label_at:], f"{label} in order")
            label_at = text.index(label, label_at) + len(label)
            self.assertIn(f"¥{amount}", text[label_at:], f"{label}: ¥{amount}")


@tagged("post_install", "-at_install")
class TestStatementJpFigures(JpMonthlyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # February 2024 (29 days), statement printed on 10 March
        cls._make_scenario(date(2024, 2, 1), date(2024, 2, 29))
        cls.on = date(2024, 3, 10)

    def test_figures_of_the_period(self):
        summary = self.momiji._get_client_statement_jp_summary(on=self.on)
        self.assertEqual(
            (summary["date_from"], summary["date_to"]),
            (date(2024, 2, 1), date(2024, 2, 29)),
        )
        self.assertFigures(summary, FIGURES)
        (total,) = summary["totals"]
        self.assertEqual(
            total["tax_rates"],
            [
                {"rate": 10.0, "reduced": False, "base": 40000.0, "tax": 4000.0},
                {"rate": 8.0, "reduced": True, "base": 13250.0, "tax": 1060.0},
            ],
        )
        self.assertEqual(
            summary["moves"], self.inv_b | self.inv_c | self.refund, "by date"
        )

    def test_amount_due_is_the_balance_at_the_closing_date(self):
        """The balance at the closing date, from the documents one by one (open residuals
        as they were then): A 30,000 + B 58,510 + C 10,800 − credit note 11,000."""
        balance = (
            self.inv_a.amount_total
            - 80000
            + self.inv_b.amount_total
            + self.inv_c.amount_total
            - self.refund.amount_total
        )
        (total,) = self.momiji._get_client_statement_jp_summary(on=self.on)["totals"]
        self.assertEqual(total["amount_due"], balance)
        # today, D is due and C paid: what is due now differs, the 請求書 does not
        (due_now,) = [
            t["due"]
            for t in self.momiji._get_client_statement_totals()
            if t["currency"] == self.company_jp.currency_id
        ]
        self.assertEqual(due_now, balance - 10800 + self.inv_d.amount_total)

    def test_previous_period(self):
        """January: the previous balance was nothing (the old invoice was paid in December);
        the partial payment on A is January's payment."""
        summary = self.momiji._get_client_statement_jp_summary(on=date(2024, 2, 15))
        self.assertEqual(
            (summary["date_from"], summary["date_to"]),
            (date(2024, 1, 1), date(2024, 1, 31)),
        )
        self.assertFigures(
            summary,
            {
                "previous": 0.0,
                "received": 30000.0,
                "carried": -30000.0,
                "purchases": 100000.0,
                "tax": 10000.0,
                "amount_due": 80000.0,  # this period's 前回ご請求額
            },
        )
        self.assertEqual(summary["moves"], self.inv_a)

    def test_closing_day_25(self):
        """Closing on the 25th: on 10 March, the period is 26 January – 25 February, which
        holds B, C and the credit note (dated the 25th itself), A and its first payment
        being older."""
        self.momiji.client_statement_closing_day = "25"
        summary = self.momiji._get_client_statement_jp_summary(on=self.on)
        self.assertEqual(
            (summary["date_from"], summary["date_to"]),
            (date(2024, 1, 26), date(2024, 2, 25)),
        )
        self.assertEqual(summary["moves"], self.inv_b | self.inv_c | self.refund)
        # the same figures: nothing happened between the 26th and the 31st of January
        self.assertFigures(summary, FIGURES)

    def test_not_a_monthly_invoice(self):
        """No closing day, or a company outside Japan: the statement of open documents."""
        self.momiji.client_statement_closing_day = False
        self.assertIsNone(self.momiji._get_client_statement_jp_summary(on=self.on))
        self.momiji.client_statement_closing_day = "end"
        # (its Japanese registration number goes with Japan: base_vat checks it per country)
        self.company_jp.vat = False
        self.company_jp.country_id = self.env.ref("base.us")
        self.assertIsNone(self.momiji._get_client_statement_jp_summary(on=self.on))

    def test_contact_gets_its_company_invoice(self):
        contact = self.env["res.partner"].create(
            {"name": "山田 花子", "parent_id": self.momiji.id}
        )
        self.assertFigures(
            contact._get_client_statement_jp_summary(on=self.on), FIGURES
        )

    def test_queries_do_not_grow_with_the_documents(self):
        """One aggregate per figure: more documents, not more queries."""

        def queries():
            self.momiji._get_client_statement_jp_summary(on=self.on)  # warm ormcaches
            self.env.invalidate_all()
            count = self.env.cr.sql_log_count
            self.momiji._get_client_statement_jp_summary(on=self.on)
            return self.env.cr.sql_log_count - count

        before = queries()
        self.assertLessEqual(before, 16)  # 10 aggregates, the documents, the client
        for day in range(1, 6):
            self._invoice(date(2024, 2, day), [(1000, self.tax_10)])
            self._invoice(date(2023, 11, day), [(1000, self.tax_8)])
        self.assertEqual(queries(), before)

    def test_report_html(self):
        """The statement prints the 請求書 in place of the open documents."""
        with freeze_time(self.on):
            html = (
                self.env["ir.actions.report"]
                ._render_qweb_html(
                    "client_hub.action_report_client_statement", self.momiji.ids
                )[0]
                .decode()
            )
        text = re.sub(r"<[^>]+>|\s|&nbsp;|\xa0", "", html)
        self.assertLabelsThenAmounts(text)
        self.assertIn("8%※", text)
        self.assertIn(self.refund.name, html)
        self.assertNotIn(self.inv_d.name, html, "after the closing date")
        self.assertNotIn("Days past due", html)


@tagged("post_install", "-at_install")
class TestStatementJpSchedule(JpMonthlyCommon):
    """The automatic statement, monthly on the closing day: on 末日, with the 請求書."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._make_scenario(date(2024, 2, 1), date(2024, 2, 29), with_later=False)

    def test_sent_on_end_of_month(self):
        with freeze_time("2024-02-27"):
            self.momiji.client_statement_frequency = "closing_day"
            self.assertEqual(self.momiji.client_statement_next_date, date(2024, 2, 29))
            self.assertFalse(
                self.momiji.search(self.momiji._get_client_statement_due_domain())
                & self.momiji
            )
        with freeze_time("2024-02-29"):
            self.assertIn(
                self.momiji,
                self.momiji.search(self.momiji._get_client_statement_due_domain()),
            )
            # sudo: as the cron, which runs as the superuser
            log = self.momiji.sudo()._client_hub_send_scheduled_statement()
            self.assertEqual(log.state, "sent")
            body = log.message_id.body
            text = re.sub(r"<[^>]+>|\s|&nbsp;|\xa0", "", body)
            self.assertLabelsThenAmounts(text)
            self.assertIn("締め日", text)
            self.momiji.invalidate_recordset()
            self.assertEqual(
                self.momiji.client_statement_next_date,
                date(2024, 3, 31),
                "next: March's last day",
            )

    def test_closing_day_required(self):
        self.momiji.client_statement_closing_day = False
        with self.assertRaises(ValidationError):
            self.momiji.client_statement_frequency = "closing_day"


@tagged("post_install", "-at_install")
class TestStatementJpPortal(JpMonthlyCommon, HttpCase):
    """The portal statement shows the 請求書 of the period last closed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = fields.Date.context_today(cls.env.user)
        cls._make_scenario(*closing_period("end", today), with_later=False)
        cls.portal_user = new_test_user(
            cls.env,
            login="ch_momiji",
            groups="base.group_portal",
            name="山田 花子",
            email="hanako@momiji.example.com",
            company_id=cls.company_jp.id,
            company_ids=[Command.set(cls.company_jp.ids)],
            lang=JA,
        )
        cls.portal_user.partner_id.parent_id = cls.momiji

    def test_statement_page(self):
        self.authenticate("ch_momiji", "ch_momiji")
        response = self.url_open("/my/statement")
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_client_statement_jp_card", response.text)
        text = re.sub(r"<[^>]+>|\s|&nbsp;|\xa0", "", response.text)
        self.assertLabelsThenAmounts(text)
        self.assertIn("請求書", text)
        # the open documents are still listed, to pay them
        self.assertIn(self.inv_b.name, response.text)


@tagged("post_install", "-at_install")
class TestStatementJpPdf(PdfRenderingMixin, JpMonthlyCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = fields.Date.context_today(cls.env.user)
        cls._make_scenario(*closing_period("end", today), with_later=False)

    def test_pdf_text(self):
        content, _type = self.env["ir.actions.report"]._render_qweb_pdf(
            "client_hub.action_report_client_statement", self.momiji.ids
        )
        text = pdf_text(content)
        self.assertIn("請求書", text, "titled as the monthly invoice, not 明細書")
        self.assertNotIn("明細書", text)
        self.assertLabelsThenAmounts(text)
        for label in LABELS:
            self.assertIn(label, text)
        self.assertIn("10%", text)
        self.assertIn("8%※", text)
        self.assertIn("今回お買上明細", text)
        for move in self.inv_b | self.inv_c | self.refund:
            self.assertIn(move.name, text)


@tagged("post_install", "-at_install")
class TestStatementNotJapan(ClientHubCommon):
    """A client of a company outside Japan: its statement does not change with a closing
    day."""

    def test_statement_unchanged(self):
        invoice = self._make_invoice(self.client_a, 100.0, due_in=-10)
        self.assertNotEqual(self.env.company.country_code, "JP")

        def render():
            html = self.env["ir.actions.report"]._render_qweb_html(
                "client_hub.action_report_client_statement", self.client_a.ids
            )[0]
            return re.sub(rb"data:image/png;base64,[^\"']+", b"", html)

        western = render()
        self.client_a.client_statement_closing_day = "end"
        self.assertIsNone(self.client_a._get_client_statement_jp_summary())
        self.assertEqual(render(), western)
        self.assertIn(invoice.name, western.decode())
        self.assertNotIn("o_client_statement_jp", western.decode())

"""The client's language: portal pages, sign-in pages, e-mails and PDFs follow the
contact's `lang`, and a signed-in client switches it in the portal.

Alpha and its portal user Alice read Japanese; Bravo and Bob stay English. The assertions
use terms already translated in i18n/ja.po (and in Odoo's own ja.po for the e-mail layout
and the invoice subject).
"""

from lxml import html

from odoo.tests import tagged

from odoo.addons.mail.tests.common import MailCase

from .common import (
    CSRF_RE,
    HOSTILE_REDIRECTS,
    MAGIC_RE,
    MagicLinkHttpCommon,
    assert_local_redirect,
)

JA = "ja_JP"
EN = "en_US"


@tagged("post_install", "-at_install")
class TestClientLanguage(MagicLinkHttpCommon, MailCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang(JA)
        cls.env["ir.module.module"]._load_module_terms(
            ["mail", "account", "client_hub"], [JA]
        )
        (cls.client_a | cls.portal_a.partner_id).lang = JA
        (cls.client_b | cls.portal_b.partner_id).lang = EN

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def _open(self, url, accept_language="en-US,en;q=0.8", **kwargs):
        """GET ``url`` as a browser whose preferred language is ``accept_language``."""
        return self.url_open(
            url, headers={"Accept-Language": accept_language}, **kwargs
        )

    def _switch_language(self, lang, redirect="/my/statement", page="/my/statement"):
        """Post the portal's language switcher of ``page`` with ``lang``."""
        response = self._open(page)
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            'action="/my/language"', response.text, "the page has the switcher"
        )
        return self.url_open(
            "/my/language",
            data={
                "csrf_token": CSRF_RE.search(response.text).group(1),
                "lang": lang,
                "redirect": redirect,
            },
            allow_redirects=False,
        )

    def _mail_to(self, partner):
        """The one e-mail sent to ``partner``'s address (as built for SMTP)."""
        mails = [
            mail
            for mail in self._mails
            if partner.email_normalized in "".join(mail["email_to"])
        ]
        self.assertEqual(len(mails), 1, partner.display_name)
        return mails[0]

    # ------------------------------------------------------------------
    # portal pages and PDFs
    # ------------------------------------------------------------------
    def test_statement_page_in_client_language(self):
        self._login(self.portal_a)
        # an English browser: the client's own language wins
        page = self._open("/my/statement")
        self.assertEqual(page.status_code, 200)
        self.assertIn("明細書 PDF", page.text)
        self.assertIn("支払期日", page.text)
        self.assertIn('lang="ja-JP"', page.text)

        self._login(self.portal_b)
        page = self._open("/my/statement", accept_language="ja")
        self.assertIn("Statement PDF", page.text)
        self.assertNotIn("支払期日", page.text, "an English client stays English")

    def test_statement_pdf_in_client_language(self):
        """The statement PDF (its HTML in tests) is in the client's language, whoever prints it."""
        Report = self.env["ir.actions.report"].with_context(lang=EN)
        statement = "client_hub.action_report_client_statement"
        content = Report._render_qweb_pdf(statement, self.client_a.ids)[0].decode()
        self.assertIn("明細書", content)
        self.assertIn("支払期日", content)
        content = (
            Report.with_context(lang=JA)
            ._render_qweb_pdf(statement, self.client_b.ids)[0]
            .decode()
        )
        self.assertIn("Due Date", content)
        self.assertNotIn("支払期日", content)
        # and from the portal
        self._login(self.portal_a)
        response = self._open("/my/statement/pdf")
        self.assertEqual(response.status_code, 200)
        self.assertIn("支払期日", response.content.decode())

    # ------------------------------------------------------------------
    # pages shown before sign-in
    # ------------------------------------------------------------------
    def test_magic_link_page_in_link_contact_language(self):
        path, _token = self._link(self.client_a)
        page = self._open(path)  # an English browser
        self.assertEqual(page.status_code, 200)
        self.assertIn("ようこそ", page.text)
        self.assertIn("アカウントへ進む", page.text)

        self.opener.cookies.clear()
        path, _token = self._link(self.client_b)
        page = self._open(path, accept_language="ja")
        self.assertIn("Welcome back", page.text, "an English client stays English")
        self.assertNotIn("ようこそ", page.text)

        # a dead link has no contact: the browser's language
        page = self._open("/client/magic/unknown-token", accept_language="ja")
        self.assertIn("このリンクは無効になりました", page.text)

    def test_login_page_language(self):
        """/client/login: a language chosen on the page, else the one last chosen
        (cookie), else the browser's."""
        page = self._open("/client/login", accept_language="ja-JP,ja;q=0.9")
        self.assertIn("ログインリンクを送信する", page.text)
        self.assertIn(
            'href="/client/login?lang=en_US"', page.text, "the languages offered"
        )

        page = self._open("/client/login?lang=en_US", accept_language="ja")
        self.assertIn("Send me a sign-in link", page.text)
        self.assertEqual(self.opener.cookies.get("frontend_lang"), EN)
        page = self._open("/client/login", accept_language="ja")
        self.assertIn("Send me a sign-in link", page.text, "the choice is kept")

        # its answer too
        response = self._post(
            "/client/login", data={"email": "nobody@example.com", "lang": JA}
        )
        self.assertIn("メールボックスをご確認ください", response.text)

        page = self._open("/client/login?lang=xx_XX", accept_language="ja")
        self.assertEqual(page.status_code, 200, "an unknown language is ignored")
        self.assertIn("Send me a sign-in link", page.text, "the choice still holds")

    def test_sign_in_opens_portal_in_client_language(self):
        """After a magic-link sign-in, the portal is in the client's language even when
        this browser was last used in another one."""
        self._open("/client/login?lang=en_US")
        path, _token = self._link(self.client_a)
        response = self._sign_in(path)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.opener.cookies.get("frontend_lang"), JA)
        page = self._open("/my/statement")
        self.assertIn("明細書 PDF", page.text)

    # ------------------------------------------------------------------
    # e-mails
    # ------------------------------------------------------------------
    def test_login_link_email_in_client_language(self):
        """The sign-in link e-mail, layout included, is in the client's language, whatever
        the language of whoever sends it."""
        for client in (self.client_a, self.client_b):
            self._post("/client/login", data={"email": client.email})
        with self.mock_mail_gateway():
            self.env["client_hub.magic.link.request"].with_context(
                lang=EN
            )._cron_process_requests()
        mail = self._mail_to(self.client_a)
        self.assertIn("のログインリンク", mail["subject"])
        self.assertIn("アカウントにログイン", mail["body"])
        self.assertIn("あなたの", mail["body"], "the layout too")
        self.assertTrue(MAGIC_RE.search(mail["body"]))
        mail = self._mail_to(self.client_b)
        self.assertIn("Your sign-in link", mail["subject"])
        self.assertIn("Sign in to your account", mail["body"])
        self.assertNotIn("あなたの", mail["body"])

    def test_statement_email_in_client_language(self):
        with self.mock_mail_gateway():
            self.client_a.with_context(lang=EN)._client_hub_post_statement()
        mail = self._mail_to(self.client_a)
        self.assertIn("明細書を添付いたしました", mail["body"])
        (name, content, _mimetype) = mail["attachments"][0]
        self.assertTrue(name.startswith("明細書"), name)
        self.assertIn("支払期日", content.decode(), "the PDF too")

    def test_invoice_email_in_client_language(self):
        with self.mock_mail_gateway():
            self.env["account.move.send"].with_user(self.agent).with_context(
                lang=EN
            )._generate_and_send_invoices(self.invoice_a, sending_methods=["email"])
        self.assertIn("請求書", self._mail_to(self.client_a)["subject"])

    def test_ticket_notification_in_client_language(self):
        Ticket = self.env["client_hub.ticket"]
        tickets = [
            Ticket.with_user(user)._create_from_portal(
                user.partner_id, {"name": "Question"}
            )
            for user in (self.portal_a, self.portal_b)
        ]
        with self.mock_mail_gateway():
            for ticket in tickets:
                ticket.with_user(self.agent).with_context(lang=EN).message_post(
                    body="We are on it.",
                    message_type="comment",
                    subtype_xmlid="mail.mt_comment",
                )
        self.assertIn(
            "サポートチケット", self._mail_to(self.portal_a.partner_id)["body"]
        )
        body_b = self._mail_to(self.portal_b.partner_id)["body"]
        self.assertIn("Support Ticket", body_b)
        self.assertNotIn("サポートチケット", body_b)

    # ------------------------------------------------------------------
    # switching language in the portal
    # ------------------------------------------------------------------
    def test_switch_language(self):
        self._login(self.portal_b)
        response = self._switch_language(JA)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/my/statement"))
        self.assertEqual(self.portal_b.lang, JA)
        self.assertEqual(self.portal_b.partner_id.lang, JA, "the contact's language")
        self.assertEqual(self.opener.cookies.get("frontend_lang"), JA)
        self.assertEqual(self._session().context["lang"], JA)
        page = self._open("/my/statement")
        self.assertIn("明細書 PDF", page.text)
        # back to English from the Japanese address of the page
        response = self._switch_language(EN, redirect="/ja/my/statement?filterby=all")
        self.assertEqual(response.status_code, 303)
        self.assertTrue(
            response.headers["Location"].endswith("/my/statement?filterby=all"),
            response.headers["Location"],
        )
        self.assertEqual(self.portal_b.lang, EN)
        self.assertIn("Statement PDF", self._open("/my/statement").text)

    def test_switcher_offers_installed_languages(self):
        self._login(self.portal_a)
        tree = html.fromstring(self._open("/my/statement").content)
        offered = tree.xpath(
            '//form[@action="/my/language"]//button[@name="lang"]/@value'
        )
        self.assertEqual(sorted(offered), [EN, JA])

    def test_switch_language_refuses_unknown_code(self):
        self._login(self.portal_b)
        for code in ("xx_XX", "fr_FR", ""):  # made up, not installed, none
            with self.subTest(code=code):
                response = self._switch_language(code)
                self.assertEqual(response.status_code, 400)
                self.assertIn(
                    "is not one of the languages of this portal", response.text
                )
                self.assertEqual(self.portal_b.lang, EN, "nothing written")
        # without the form's CSRF token
        response = self.url_open(
            "/my/language", data={"lang": JA}, allow_redirects=False
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.portal_b.lang, EN)

    def test_switch_language_redirects_only_to_this_site(self):
        """The page to open again is a local path: a crafted form cannot send the
        client to another site (issue 23, HTTP coverage)."""
        self._login(self.portal_b)
        for redirect in HOSTILE_REDIRECTS:
            with self.subTest(redirect=redirect[:40]):
                response = self._switch_language(JA, redirect=redirect)
                assert_local_redirect(self, response)

    def test_switch_language_requires_sign_in(self):
        self._login(None)
        page = self._open("/client/login")
        response = self.url_open(
            "/my/language",
            data={"csrf_token": CSRF_RE.search(page.text).group(1), "lang": JA},
            allow_redirects=False,
        )
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])

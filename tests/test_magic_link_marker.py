"""A magic-link stand-in becomes a live link only where the module put it: the signed
marker of its own button, as the whole ``href`` of a link, in the copy sent to the
contact it names, a few per e-mail at most. Whatever a client types (in text or inside
another URL, unsigned, forged or copied) never turns into anyone's link."""

from html import escape
from urllib.parse import parse_qs, urlencode, urlsplit

from lxml import html

from odoo import tools
from odoo.tests import tagged

from odoo.addons.mail.tests.common import MailCase

from .common import MAGIC_RE, TICKET, MagicLinkCommon, MagicLinkHttpCommon

SCOPE = "client_hub.magic_link.placeholder"
LIVE_LINK = "/client/magic/"


class StandInMixin:
    def _stand_in(self, partner, purpose="document", redirect="", base=True, sig=None):
        """Return the stand-in of a link for ``partner`` as the module signs it (or with
        the given ``sig``), on this database's address unless ``base`` is given."""
        params = {"client_hub_link": partner.id, "p": purpose}
        if redirect:
            params["redirect"] = redirect
        params["sig"] = sig or tools.hmac(
            self.env(su=True), SCOPE, (partner.id, purpose, redirect)
        )
        prefix = partner.get_base_url() if base is True else base
        return f"{prefix}/client/login?{urlencode(params)}"

    def _links_of(self, partner):
        # sudo: the test reads which links were made
        return (
            self.env["client_hub.magic.link"]
            .sudo()
            .search([("partner_id", "=", partner.id)])
        )


@tagged("post_install", "-at_install")
class TestMagicLinkMarker(StandInMixin, MagicLinkCommon):
    def _render(self, body, recipient):
        return self.env["client_hub.magic.link"]._render_placeholders(body, recipient)

    def test_module_stand_in_is_signed(self):
        Link = self.env["client_hub.magic.link"]
        self.assertEqual(
            Link._get_placeholder_url(self.client_a), self._stand_in(self.client_a)
        )
        self.assertEqual(
            Link._get_placeholder_url(
                self.client_a, redirect="/my/invoices/7", purpose="login"
            ),
            self._stand_in(self.client_a, purpose="login", redirect="/my/invoices/7"),
        )

    def test_signed_href_becomes_the_contacts_link(self):
        """Purpose and redirect come from the signed marker; only that link changes."""
        stand_in = self._stand_in(self.client_a, "login", "/my/invoices/7")
        body = (
            "<p>Hello&nbsp;Alpha,<br>your <b>invoice</b></p>\n"
            f'<p><a href="{escape(stand_in)}" style="color: red">Open</a></p>'
        )
        self.assertEqual(
            self._render(body, self.contact_a),
            body.replace(
                escape(stand_in), f"{self.client_a.get_base_url()}/client/login"
            ),
            "another contact's copy gets the sign-in page",
        )
        self.assertFalse(self._links_of(self.client_a))
        rendered = self._render(body, self.client_a)
        link = self._links_of(self.client_a)
        self.assertEqual(len(link), 1)
        self.assertEqual(link.purpose, "login", "the purpose is the signed one")
        [url] = html.fromstring(rendered).xpath("//a/@href")
        self.assertEqual(url, MAGIC_RE.search(rendered).group(0))
        self.assertEqual(
            parse_qs(urlsplit(url).query), {"redirect": ["/my/invoices/7"]}
        )
        self.assertEqual(rendered, body.replace(escape(stand_in), escape(url)))

    def test_forged_stand_ins_give_no_link(self):
        """Right shape, no valid signature of this very link: left as it is, and no link
        is made."""
        client, other = self.client_a, self.client_b
        forged = {
            "old unsigned": f"/client/login?client_hub_link={client.id}&purpose=login",
            "no sig": self._stand_in(client).split("&sig=")[0],
            "wrong sig": self._stand_in(client, sig="0" * 64),
            "other partner's sig": self._stand_in(other).replace(
                f"client_hub_link={other.id}", f"client_hub_link={client.id}"
            ),
            "purpose changed": self._stand_in(client).replace("p=document", "p=login"),
            "redirect changed": self._stand_in(client, redirect="/my/invoices").replace(
                "invoices", "orders"
            ),
            "redirect added": self._stand_in(client).replace(
                "&sig=", "&redirect=%2Fmy%2Forders&sig="
            ),
            "extra parameter": self._stand_in(client) + "&purpose=login",
            "other site": self._stand_in(client, base="https://evil.example"),
        }
        for name, href in forged.items():
            with self.subTest(name):
                body = f'<p><a href="{escape(href)}">Open</a></p>'
                self.assertEqual(self._render(body, client), body)
                self.assertFalse(self._links_of(client))

    def test_stand_in_inside_text_or_another_url_stays_inert(self):
        """The attack of the issue: a valid stand-in inside the attacker's URL, or in
        text, is not a link of the module's: nothing in it becomes live."""
        stand_in = self._stand_in(self.client_a, "login")
        evil = f"https://evil.example/?u={stand_in}&purpose=login"
        for body in (
            f"<p>{escape(stand_in)}</p>",
            f"<p>See {escape(evil)}</p>",
            f'<p><a href="{escape(evil)}">see</a></p>',
            f'<p><img src="{escape(stand_in)}"></p>',
        ):
            with self.subTest(body):
                self.assertEqual(self._render(body, self.client_a), body)
        self.assertFalse(self._links_of(self.client_a))

    def test_at_most_three_links_per_copy(self):
        hrefs = "".join(
            f'<p><a href="{escape(self._stand_in(self.client_a, redirect=f"/my/{n}"))}">'
            f"{n}</a></p>"
            for n in range(5)
        )
        body = (
            '<html lang="en"><head><meta charset="utf-8">'
            "<!--[if mso]><style>td {}</style><![endif]--></head>"
            f"<body>{hrefs}</body></html>"
        )
        rendered = self._render(body, self.client_a)
        self.assertEqual(len(MAGIC_RE.findall(rendered)), 3)
        self.assertEqual(len(self._links_of(self.client_a)), 3)
        self.assertEqual(
            html.fromstring(rendered).xpath("//a/@href")[3:],
            [f"{self.client_a.get_base_url()}/client/login"] * 2,
            "the next ones get the sign-in page",
        )
        self.assertTrue(rendered.startswith('<html lang="en"><head>'))
        self.assertIn("<!--[if mso]><style>td {}</style><![endif]-->", rendered)


@tagged("post_install", "-at_install")
class TestMagicLinkMarkerMail(StandInMixin, MagicLinkHttpCommon, MailCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_a2 = cls._new_portal_user(
            cls.client_a, "ch_andy", "Andy Alpha", "andy@alpha.example.com"
        )

    def _assert_one_working_link(self, partner, others, model=None):
        """``partner``'s copy has exactly one live link, it opens the Continue page; the
        copies to ``others`` have none."""
        for other in others:
            bodies = self._sent_bodies(other, model=model)
            self.assertTrue(bodies, f"{other.name} gets a copy")
            self.assertNotIn(LIVE_LINK, " ".join(bodies), other.name)
        [body] = self._sent_bodies(partner, model=model)
        [match] = list(MAGIC_RE.finditer(body))
        self.opener.cookies.clear()
        page = self._get(f"{LIVE_LINK}{match.group(1)}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_client_hub_magic_link_continue", page.text)
        return self.env["client_hub.magic.link"]._get_valid_link(match.group(1))

    def test_client_cannot_forge_colleague_link_on_ticket(self):
        ticket = self.env[TICKET].create(
            {"name": "Pink invoices", "partner_id": self.portal_a.partner_id.id}
        )
        andy = self.portal_a2.partner_id
        ticket.message_subscribe(partner_ids=andy.ids)
        base = andy.get_base_url()
        evils = [
            f"https://evil.example/?u={base}/client/login?client_hub_link={andy.id}"
            "&purpose=login",
            f"https://evil.example/?u={self._stand_in(andy, 'login')}&purpose=login",
        ]
        body = "".join(
            f'<p>See {escape(evil)} or <a href="{escape(evil)}">here</a></p>'
            for evil in evils
        )
        self._login(self.portal_a)
        with self.mock_mail_gateway():
            answer = self._jsonrpc(
                "/mail/message/post",
                {
                    "thread_model": TICKET,
                    "thread_id": ticket.id,
                    "post_data": {
                        "body": body,
                        "message_type": "comment",
                        "subtype_xmlid": "mail.mt_comment",
                    },
                },
            )
        self.assertNotIn("error", answer, answer.get("error"))
        [copy] = self._sent_bodies(andy)
        self.assertIn("evil.example", copy, "the colleague gets the message")
        self.assertNotIn(LIVE_LINK, copy)
        self.assertFalse(self._links_of(andy))

    def test_document_email_button(self):
        self.invoice_a.message_subscribe(partner_ids=self.contact_a.ids)
        with self.mock_mail_gateway():
            self.env["account.move.send"].with_user(
                self.agent
            )._generate_and_send_invoices(self.invoice_a, sending_methods=["email"])
        link = self._assert_one_working_link(
            self.client_a, self.contact_a, model="account.move"
        )
        self.assertEqual((link.partner_id, link.purpose), (self.client_a, "document"))

    def test_statement_email_link(self):
        self.client_a.message_subscribe(partner_ids=self.contact_a.ids)
        with self.mock_mail_gateway():
            self.client_a._client_hub_post_statement()
        link = self._assert_one_working_link(self.client_a, self.contact_a)
        self.assertEqual((link.partner_id, link.purpose), (self.client_a, "document"))

    def test_sign_in_email_link(self):
        with self.mock_mail_gateway():
            self.env["client_hub.magic.link"]._send_to(self.contact_a, purpose="login")
        link = self._assert_one_working_link(self.contact_a, self.client_a.browse())
        self.assertEqual((link.partner_id, link.purpose), (self.contact_a, "login"))

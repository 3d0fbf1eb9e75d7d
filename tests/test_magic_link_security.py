import base64
import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from odoo.tests import new_test_user, tagged

from odoo.addons.auth_totp.models.totp import hotp
from odoo.addons.mail.tests.common import MailCase

from .common import MAGIC_RE, MagicLinkCommon, MagicLinkHttpCommon

TOTP_SECRET = "JBSWY3DPEHPK3PXP"
LIVE_LINK = "/client/magic/"


@tagged("post_install", "-at_install")
class TestMagicLinkDelivery(MagicLinkHttpCommon, MailCase):
    """Only the client ever sees a live sign-in link: stored bodies (composer, chatter,
    queued mail) hold a stand-in, and only the copy sent to the client gets a link; its
    colleague (`contact_a`) gets a copy without one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sender = new_test_user(
            cls.env,
            login="ch_sender",
            name="Sandra Sender",
            email="sandra@company.example.com",
            groups="base.group_user,base.group_partner_manager,account.group_account_invoice",
        )
        cls.follower = new_test_user(
            cls.env,
            login="ch_follower",
            groups="base.group_user",
            name="Fiona Follower",
            email="fiona@company.example.com",
            notification_type="email",
        )

    def _assert_only_client_gets_link(self, client, others, model=None):
        """Check every e-mail sent and stored, and return the client's link (match)."""
        Link = self.env["client_hub.magic.link"]
        for other in others:
            bodies = self._sent_bodies(other, model=model)
            self.assertTrue(bodies, f"{other.name} gets a copy")
            for body in bodies:
                self.assertNotIn(
                    LIVE_LINK, body, f"{other.name}'s copy holds no live link"
                )
        self.assertFalse(
            self.env["mail.message"].search([("body", "ilike", LIVE_LINK)]),
            "no stored message holds a live link",
        )
        self.assertFalse(
            self.env["mail.mail"].search([("body_html", "ilike", LIVE_LINK)]),
            "no queued e-mail holds a live link",
        )
        bodies = self._sent_bodies(client, model=model)
        self.assertEqual(len(bodies), 1)
        match = MAGIC_RE.search(bodies[0])
        self.assertTrue(match, "the client's copy carries a magic link")
        self.assertEqual(Link._get_valid_link(match.group(1)).partner_id, client)
        self.assertEqual(
            len(MAGIC_RE.findall(" ".join(mail["body"] for mail in self._mails))),
            len(MAGIC_RE.findall(bodies[0])),
            "no other copy carries one",
        )
        return match

    def test_statement_link_only_in_client_copy(self):
        self.client_a.message_subscribe(partner_ids=self.follower.partner_id.ids)
        action = self.client_a.with_user(self.sender).action_client_send_statement()
        composer = (
            self.env["mail.compose.message"]
            .with_user(self.sender)
            .with_context(**action["context"])
            .create({})
        )
        self.assertIn(
            self.client_a, composer.partner_ids, "the statement goes to the client"
        )
        composer.partner_ids |= self.contact_a
        self.assertIn("View my statement", composer.body)
        self.assertNotIn(LIVE_LINK, composer.body, "the composer shows no live link")
        with self.mock_mail_gateway():
            composer.action_send_mail()
        message = self.client_a.message_ids[0]
        self.assertEqual(message.subject, composer.subject)
        self.assertNotIn(LIVE_LINK, message.body, "the chatter holds no live link")
        match = self._assert_only_client_gets_link(
            self.client_a, self.contact_a | self.follower.partner_id
        )
        response = self._sign_in_with(match)
        self.assertEqual(
            urlsplit(response.headers["Location"]).path, "/my/statement/overdue"
        )

    def test_invoice_email_link_only_in_client_copy(self):
        self.invoice_a.message_subscribe(
            partner_ids=(self.follower.partner_id | self.contact_a).ids
        )
        with self.mock_mail_gateway():
            self.env["account.move.send"].with_user(
                self.agent
            )._generate_and_send_invoices(self.invoice_a, sending_methods=["email"])
        match = self._assert_only_client_gets_link(
            self.client_a,
            self.contact_a | self.follower.partner_id,
            model="account.move",
        )
        response = self._sign_in_with(match)
        self.assertEqual(
            urlsplit(response.headers["Location"]).path, self.invoice_a.access_url
        )

    def test_ticket_staff_reply_link_only_in_client_copy(self):
        ticket = self.env["client_hub.ticket"].create(
            {"name": "Pink invoices", "partner_id": self.client_a.id}
        )
        ticket.message_subscribe(
            partner_ids=(self.follower.partner_id | self.contact_a).ids
        )
        with self.mock_mail_gateway():
            ticket.with_user(self.agent).message_post(
                body="We are on it.",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        match = self._assert_only_client_gets_link(
            self.client_a,
            self.contact_a | self.follower.partner_id,
            model="client_hub.ticket",
        )
        response = self._sign_in_with(match)
        self.assertEqual(
            urlsplit(response.headers["Location"]).path, f"/my/tickets/{ticket.id}"
        )
        self.assertEqual(
            self.url_open(
                f"/my/tickets/{ticket.id}", allow_redirects=False
            ).status_code,
            200,
        )

    def test_portal_link_button_leaves_staff_nothing_to_copy(self):
        with self.mock_mail_gateway():
            self.client_a.with_user(self.agent).action_client_send_magic_link()
        self.assertFalse(
            self.env["mail.message"]
            .with_user(self.agent)
            .search([("body", "ilike", LIVE_LINK)]),
            "the sender cannot read the link back from the message they sent",
        )
        match = self._assert_only_client_gets_link(
            self.client_a, self.env["res.partner"]
        )
        self._sign_in_with(match)

    def test_forged_stand_in_only_ever_reaches_its_contact(self):
        """A stand-in typed in any message turns into a link only in the copy sent to the
        contact it names: nobody can have another person's link sent to them."""
        stand_in = self.env["client_hub.magic.link"]._get_placeholder_url(self.client_a)
        with self.mock_mail_gateway():
            self.client_b.with_user(self.sender).message_post(
                body=f'<a href="{stand_in}">mine now</a>',
                partner_ids=(self.client_b | self.follower.partner_id).ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.assertEqual(len(self._mails), 2)
        self.assertNotIn(LIVE_LINK, " ".join(mail["body"] for mail in self._mails))
        self.assertIn(
            "/client/login",
            self._sent_bodies(self.client_b)[0],
            "the copy shows the sign-in page",
        )
        self.assertFalse(
            self.env["client_hub.magic.link"].search(
                [("partner_id", "=", self.client_a.id)]
            )
        )


@tagged("post_install", "-at_install")
class TestMagicLinkRevocation(MagicLinkCommon):
    def _token(self, partner):
        return self._link(partner)[1]

    def test_billing_email_change_revokes_links(self):
        Link = self.env["client_hub.magic.link"]
        token = self._token(self.client_a)
        self.client_a.write(
            {
                "client_billing_email": self.client_a.email.upper(),
                "phone": "+32 2 555 00 00",
            }
        )
        self.assertTrue(
            Link._get_valid_link(token), "the same address, other fields: links kept"
        )
        self.client_a.client_billing_email = "accounts@client.example.com"
        self.assertFalse(
            Link._get_valid_link(token), "a new billing address revokes the links"
        )
        token = self._token(self.client_a)
        self.client_a.client_billing_email = False
        self.assertFalse(Link._get_valid_link(token), "so does removing it")

    def test_unarchive_does_not_restore_revoked_links(self):
        Link = self.env["client_hub.magic.link"]
        token = self._token(self.client_a)
        self.client_a.action_archive()
        self.client_a.action_unarchive()
        self.assertFalse(
            Link._get_valid_link(token), "archiving revokes the links for good"
        )
        self.assertTrue(
            Link._get_valid_link(self._token(self.client_a)), "new links work"
        )

    def test_unarchive_contact_and_portal_user_does_not_restore_links(self):
        Link = self.env["client_hub.magic.link"]
        user = self.client_a._get_client_portal_user()
        token = self._token(self.client_a)
        user.action_archive()
        self.client_a.action_archive()
        self.client_a.action_unarchive()
        user.action_unarchive()
        self.assertFalse(Link._get_valid_link(token))


@tagged("post_install", "-at_install")
class TestMagicLinkSecondFactor(MagicLinkHttpCommon):
    """A sign-in link is used up, and the sign-in logged, only once the second factor is
    passed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = cls.client_a._get_client_portal_user()
        cls.user.sudo().totp_secret = TOTP_SECRET

    def _code(self):
        self.user.sudo().totp_last_counter = (
            False  # a code may serve twice in these tests
        )
        return str(hotp(base64.b32decode(TOTP_SECRET), int(time.time() / 30))).zfill(6)

    def _sign_in_logs(self):
        self.env.invalidate_all()
        return self.client_a.message_ids.filtered(
            lambda m: "signed in to the portal with a magic link" in str(m.body)
        )

    def _start(self, path):
        """Fresh browser: POST the link; it must stop at the second factor."""
        self.opener.cookies.clear()
        response = self._post(path)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(urlsplit(response.headers["Location"]).path, "/web/login/totp")
        self.assertFalse(self._session().uid)
        return next(
            cookie for cookie in self.opener.cookies if cookie.name == "session_id"
        )

    def _resume(self, session_cookie):
        """Back to the browser of an earlier attempt."""
        self.opener.cookies.clear()
        self.opener.cookies.set_cookie(session_cookie)

    def _used(self, link):
        self.env.invalidate_all()
        return bool(link.consumed_date or link.last_used_date)

    def test_link_used_and_logged_after_second_factor(self):
        path, token = self._link(self.client_a, purpose="login")
        link = self.env["client_hub.magic.link"]._get_valid_link(token)
        self._start(path)
        self.assertFalse(self._used(link), "not used before the second factor")
        self.assertFalse(
            self._sign_in_logs(), "no sign-in logged before the second factor"
        )
        response = self._post(
            "/web/login/totp?redirect=%2Fmy%2Fstatement", data={"totp_token": "000000"}
        )
        self.assertEqual(
            response.status_code,
            200,
            "a wrong code keeps the client at the second factor",
        )
        self.assertFalse(self._used(link) or self._sign_in_logs())
        response = self._post(
            "/web/login/totp?redirect=%2Fmy%2Fstatement",
            data={"totp_token": self._code()},
        )
        self.assertEqual(response.status_code, 303)
        self.assertEqual(urlsplit(response.headers["Location"]).path, "/my/statement")
        self.assertEqual(self._session().uid, self.user.id)
        self.assertTrue(self._used(link), "used up once the second factor is passed")
        self.assertEqual(len(self._sign_in_logs()), 1)
        self.assertIn("127.0.0.1", str(self._sign_in_logs().body))
        self.opener.cookies.clear()
        self.assertIn(
            "o_client_hub_magic_link_invalid", self.url_open(path).text, "single use"
        )

    def test_abandoned_second_factor_cannot_complete_once_link_used(self):
        path, _token = self._link(self.client_a, purpose="login")
        abandoned = self._start(path)
        self._start(path)  # the link still works: the first attempt did not use it up
        self.assertEqual(
            self._post(
                "/web/login/totp", data={"totp_token": self._code()}
            ).status_code,
            303,
        )
        self._resume(abandoned)
        response = self._post("/web/login/totp", data={"totp_token": self._code()})
        self.assertEqual(response.status_code, 200)
        self.assertIn("already been used", response.text)
        self.assertFalse(self._session().uid, "the abandoned attempt does not sign in")
        self.assertFalse(self._session().get("pre_uid"), "and cannot be retried")
        self.assertEqual(len(self._sign_in_logs()), 1, "one sign-in, logged once")

    def test_link_revoked_during_second_factor(self):
        path, _token = self._link(self.client_a)
        self._start(path)
        self.client_a.with_user(self.agent).action_client_revoke_magic_links()
        response = self._post("/web/login/totp", data={"totp_token": self._code()})
        self.assertIn("already been used or is no longer valid", response.text)
        self.assertFalse(self._session().uid)
        self.assertFalse(self._sign_in_logs())

    def _trust_this_browser(self):
        key = (
            self.env["auth_totp.device"]
            .with_user(self.user)
            .sudo()
            ._generate("browser", "Test browser", datetime.now() + timedelta(days=1))
        )
        session_cookie = next(
            cookie for cookie in self.opener.cookies if cookie.name == "session_id"
        )
        self.opener.cookies.set("td_id", key, domain=session_cookie.domain, path="/")

    def test_trusted_device_completes_sign_in(self):
        """A browser the client trusted skips the code: the link is used up then."""
        path, token = self._link(self.client_a, purpose="login")
        link = self.env["client_hub.magic.link"]._get_valid_link(token)
        self._start(path)
        self.assertFalse(self._used(link))
        self._trust_this_browser()
        response = self.url_open(
            "/web/login/totp?redirect=%2Fmy%2Fstatement", allow_redirects=False
        )
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self._session().uid, self.user.id)
        self.assertTrue(self._used(link))
        self.assertEqual(len(self._sign_in_logs()), 1)

    def test_trusted_device_refused_once_link_used(self):
        path, _token = self._link(self.client_a, purpose="login")
        abandoned = self._start(path)
        self._start(path)
        self.assertEqual(
            self._post(
                "/web/login/totp", data={"totp_token": self._code()}
            ).status_code,
            303,
        )
        self._resume(abandoned)
        self._trust_this_browser()
        response = self.url_open("/web/login/totp", allow_redirects=False)
        self.assertFalse(
            self._session().uid, "the trusted browser does not complete a used link"
        )
        # the code is asked again (test_trusted_device_completes_sign_in: the 303 that signs in)
        self.assertEqual(response.status_code, 200)
        self.assertIn('name="totp_token"', response.text)
        self.assertEqual(len(self._sign_in_logs()), 1)

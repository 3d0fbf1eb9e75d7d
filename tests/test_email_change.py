"""A client's new e-mail address, typed on the portal, takes effect once confirmed from
that address: until then sign-in links keep going to the old one, which is told."""

import base64
import json
import re
from datetime import datetime, timedelta

from odoo import tools
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import MailCase

from .common import MagicLinkHttpCommon

CONFIRM_RE = re.compile(r"/client/email/confirm/([A-Za-z0-9_\-]+)")
NEW = "alice.private@mail.example.com"
INVALID = "o_client_hub_email_change_invalid"


@tagged("post_install", "-at_install")
class TestPortalEmailChange(MagicLinkHttpCommon, MailCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice = cls.portal_a.partner_id
        cls.old = cls.alice.email
        cls.bob = cls.portal_b.partner_id

    def setUp(self):
        super().setUp()
        self._login(self.portal_a)

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def _submit(self, partner=None, **values):
        """Post the portal's address form (as /my/account does) for ``partner`` (None:
        a new address); return its JSON answer."""
        data = {
            "name": partner.name if partner else "Alpha Warehouse",
            "email": partner.email if partner else "",
            "phone": "+32 2 555 00 01",
            "street": "2 Alpha Street",
            "city": "Brussels",
            "zip": "1000",
            "country_id": str(self.env.ref("base.be").id),
            "address_type": "billing" if partner else "delivery",
            "use_delivery_as_billing": "false",
            "callback": "/my",
            "required_fields": "name,email",
            **values,
        }
        if partner:
            data["partner_id"] = str(partner.id)
        response = self._post_form("/my/address/submit", data)
        self.assertEqual(response.status_code, 200, response.text[:500])
        return json.loads(response.text)

    def _ask(self, email=NEW, partner=None):
        """Ask for a new address for ``partner`` (Alice) from the portal; return the
        confirmation token e-mailed to it."""
        partner = partner or self.alice
        with self.mock_mail_gateway():
            answer = self._submit(partner, email=email)
        self.assertEqual(answer, {"redirectUrl": "/my"})
        mails = self._new_mails.filtered(lambda m: email in m.email_to)
        self.assertEqual(len(mails), 1, "one confirmation e-mail to the new address")
        self.assertFalse(mails.recipient_ids, "only to the new address")
        return CONFIRM_RE.search(str(mails.body_html)).group(1)

    def _confirm_path(self, token):
        return f"/client/email/confirm/{token}"

    def _confirm(self, token):
        """Open the confirmation link in a fresh browser and press its button."""
        self.opener.cookies.clear()
        path = self._confirm_path(token)
        page = self._get(path)
        self.assertEqual(page.status_code, 200)
        if INVALID in page.text:
            return page
        self.assertIn("o_client_hub_email_change_confirm", page.text)
        return self._post(path)

    def _assert_refused(self, response):
        self.assertEqual(response.status_code, 200)
        self.assertIn(INVALID, response.text)

    def _request_link(self, email):
        """Ask /client/login for a link for ``email`` and run its cron; return the
        e-mails sent."""
        response = self._post("/client/login", data={"email": email})
        self.assertEqual(response.status_code, 200)
        with self.mock_mail_gateway():
            self.env["client_hub.magic.link.request"]._cron_process_requests()
        return self._new_mails

    def _pending(self, partner):
        self.env.invalidate_all()
        return partner.sudo().client_hub_pending_email

    # ------------------------------------------------------------------
    # asking
    # ------------------------------------------------------------------
    def test_portal_change_waits_for_confirmation(self):
        with self.mock_mail_gateway():
            answer = self._submit(self.alice, email=NEW, phone="+32 2 555 99 99")
        self.assertEqual(answer, {"redirectUrl": "/my"})
        self.env.invalidate_all()
        self.assertEqual(self.alice.email, self.old, "the e-mail waits")
        self.assertEqual(self.alice.phone, "+32 2 555 99 99", "other fields are saved")
        self.assertEqual(self._pending(self.alice), NEW)
        confirmation = self._new_mails.filtered(lambda m: NEW in m.email_to)
        self.assertEqual(len(confirmation), 1)
        self.assertRegex(str(confirmation.body_html), CONFIRM_RE)
        notice = self._new_mails.filtered(lambda m: m.recipient_ids == self.alice)
        self.assertEqual(len(notice), 1, "the old address is told")
        self.assertIn("a•••@mail.example.com", str(notice.body_html))
        self.assertNotIn(NEW, str(notice.body_html), "the new address is masked")
        self.assertNotRegex(str(notice.body_html), CONFIRM_RE)
        page = self.url_open("/my/account")
        self.assertIn("o_client_hub_email_pending", page.text)
        self.assertIn(NEW, page.text)
        self.assertIn(
            "asked from the portal",
            str(self.alice.message_ids.filtered("body")[:1].body),
            "logged",
        )

    def test_colleague_with_an_account_keeps_its_email(self):
        """Stock's portal lets Alice edit her client's other addresses; a colleague who
        signs in with an account of her own keeps her e-mail, or Alice would receive the
        colleague's sign-in links (attack finding: account takeover)."""
        carol = self.env["res.partner"].create(
            {
                "name": "Carol Colleague",
                "email": "carol@mail.example.com",
                "parent_id": self.alice.parent_id.id,
                "type": "invoice",
                "street": "3 Alpha Street",
                "city": "Brussels",
                "zip": "1000",
                "country_id": self.env.ref("base.be").id,
            }
        )
        new_test_user(
            self.env,
            login="ch_carol_email_change",
            groups="base.group_portal",
            partner_id=carol.id,
        )
        before = carol.email
        with self.mock_mail_gateway():
            answer = self._submit(carol, email=NEW)
        self.assertIn("email", answer.get("invalid_fields", []), answer)
        self.assertIn("account of its own", " ".join(answer.get("messages", [])))
        self.env.invalidate_all()
        self.assertEqual(carol.email, before)
        self.assertFalse(self._pending(carol))
        self.assertFalse(self._new_mails.filtered(lambda m: NEW in (m.email_to or "")))

    def test_same_address_is_no_change(self):
        with self.mock_mail_gateway():
            answer = self._submit(self.alice, email=self.old.upper())
        self.assertEqual(answer, {"redirectUrl": "/my"})
        self.assertFalse(self._pending(self.alice))
        self.assertFalse(self._new_mails)

    def test_invalid_address_refused_by_the_form(self):
        answer = self._submit(self.alice, email="not-an-address")
        self.assertIn("email", answer["invalid_fields"])
        self.assertFalse(self._pending(self.alice))

    def test_links_go_to_old_address_until_confirmed(self):
        self._ask()
        self.assertFalse(
            self._request_link(NEW), "the unconfirmed address gets no sign-in link"
        )
        mails = self._request_link(self.old)
        self.assertEqual(len(mails), 1)
        self.assertEqual(mails.recipient_ids, self.alice)
        self.assertEqual(self.alice.email, self.old)

    def test_rpc_self_write_waits_too(self):
        with self.mock_mail_gateway():
            answer = self._jsonrpc(
                "/web/dataset/call_kw/res.users/write",
                {
                    "model": "res.users",
                    "method": "write",
                    "args": [[self.portal_a.id], {"email": NEW}],
                    "kwargs": {},
                },
            )
        self.assertIsNone(self._rpc_error(answer), answer)
        self.env.invalidate_all()
        self.assertEqual(self.portal_a.email, self.old)
        self.assertEqual(self._pending(self.alice), NEW)
        self.assertEqual(len(self._new_mails.filtered(lambda m: NEW in m.email_to)), 1)

    def test_new_address_email_waits_too(self):
        with self.mock_mail_gateway():
            answer = self._submit(email=NEW)
        self.assertEqual(answer, {"redirectUrl": "/my"})
        address = self.env["res.partner"].search(
            [("name", "=", "Alpha Warehouse"), ("parent_id", "=", self.client_a.id)]
        )
        self.assertEqual(len(address), 1)
        self.assertFalse(address.email)
        self.assertEqual(self._pending(address), NEW)
        self.assertEqual(len(self._new_mails.filtered(lambda m: NEW in m.email_to)), 1)
        notice = self._new_mails.filtered(lambda m: m.recipient_ids == self.alice)
        self.assertEqual(len(notice), 1, "the client who added it is told")
        self.assertFalse(self._request_link(NEW))

    def test_staff_change_is_direct(self):
        self._ask()
        self.alice.email = "alice.staff@alpha.example.com"
        self.env.invalidate_all()
        self.assertEqual(self.alice.email, "alice.staff@alpha.example.com")
        self.assertFalse(
            self._pending(self.alice), "staff's address replaces the pending one"
        )

    def test_rate_limited(self):
        self.env["ir.config_parameter"].set_param(
            "client_hub.rate_limit_email_change", 1
        )
        self._ask()
        with self.mock_mail_gateway():
            answer = self._submit(self.alice, email="other@mail.example.com")
        self.assertIn("email", answer["invalid_fields"])
        self.assertFalse(self._new_mails)
        self.assertEqual(self._pending(self.alice), NEW)

    # ------------------------------------------------------------------
    # confirming
    # ------------------------------------------------------------------
    def test_confirm_applies_change(self):
        passkey = (
            self.env["auth.passkey.key"]
            .with_user(self.portal_a)
            .sudo()
            .create(
                {"name": "Phone", "credential_identifier": "c1", "public_key": "k1"}
            )
        )
        _path, old_token = self._link(self.alice)
        token = self._ask()
        self.opener.cookies.clear()
        page = self._get(self._confirm_path(token))
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_client_hub_email_change_confirm", page.text)
        self.assertEqual(page.headers.get("Referrer-Policy"), "no-referrer")
        self.env.invalidate_all()
        self.assertEqual(self.alice.email, self.old, "GET changes nothing")

        response = self._post(self._confirm_path(token))
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_client_hub_email_change_done", response.text)
        self.env.invalidate_all()
        self.assertEqual(self.alice.email, NEW)
        self.assertFalse(self._pending(self.alice))
        self.assertFalse(passkey.exists(), "lasting credentials are removed")
        self.assertFalse(
            self.env["client_hub.magic.link"]._get_valid_link(old_token),
            "links sent to the old address are revoked",
        )
        bodies = " ".join(str(m.body) for m in self.alice.message_ids[:3])
        self.assertIn("confirmed from the new address", bodies)
        self.assertIn("1 passkey (Phone)", bodies)
        self._assert_refused(self._confirm(token))  # single use
        self.assertEqual(len(self._request_link(NEW).filtered("recipient_ids")), 1)

    def test_post_requires_csrf(self):
        token = self._ask()
        self.opener.cookies.clear()
        self._get(self._confirm_path(token))
        with mute_logger("odoo.http"):
            response = self.url_open(
                self._confirm_path(token), data={"x": "1"}, allow_redirects=False
            )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.alice.email, self.old)

    def test_second_request_invalidates_first(self):
        first = self._ask()
        second = self._ask("alice.other@mail.example.com")
        self._assert_refused(self._confirm(first))
        self.env.invalidate_all()
        self.assertEqual(self.alice.email, self.old)
        self.assertEqual(self._pending(self.alice), "alice.other@mail.example.com")
        self._confirm(second)
        self.env.invalidate_all()
        self.assertEqual(self.alice.email, "alice.other@mail.example.com")

    def _unchanged(self):
        self.env.invalidate_all()
        self.assertEqual(self.alice.email, self.old)
        self.assertEqual(self._pending(self.alice), NEW)

    def test_forged_and_tampered_tokens_refused(self):
        token = self._ask()
        for forged in (
            "x" * 60,
            token[:-2] + ("AA" if token[-2:] != "AA" else "BB"),
            "AQ" + token[2:],
            "%00",
            "a" * 3000,
        ):
            self._assert_refused(self._confirm(forged))
            self.opener.cookies.clear()
            self._assert_refused(
                self._post(self._confirm_path(forged), csrf_from="/client/login")
            )
        self._unchanged()

    def test_expired_token_refused(self):
        self._ask()
        alice_sudo = self.alice.sudo()
        expired = tools.hash_sign(
            self.env(su=True),
            "client_hub.email_change",
            alice_sudo._client_hub_get_email_change_payload(),
            expiration=datetime.now() - timedelta(minutes=1),
        )
        self._assert_refused(self._confirm(expired))
        self._unchanged()

    def _relabel(self, token, partner):
        """Bob's token, its payload edited to name ``partner`` (the signature kept)."""
        raw = base64.urlsafe_b64decode(token + "===")
        payload = json.loads(raw[41:])
        payload[0] = partner.id
        return (
            base64.urlsafe_b64encode(raw[:41] + json.dumps(payload).encode())
            .decode()
            .rstrip("=")
        )

    def test_client_b_cannot_confirm_for_a(self):
        """Bob (client Bravo) edits his own token to name Alice: refused; his own
        token changes his address only, signed in or not."""
        self._ask()
        self._login(self.portal_b)
        bob_token = self._ask("bob.new@mail.example.com", partner=self.bob)
        self._assert_refused(self._confirm(self._relabel(bob_token, self.alice)))
        self._unchanged()
        self._login(self.portal_b)
        path = self._confirm_path(bob_token)
        self.assertEqual(self._post(path).status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(self.bob.email, "bob.new@mail.example.com")
        self._unchanged()

    def test_token_of_another_partner_with_same_value_refused(self):
        """A token is bound to its contact: Alice's pending value under Bob's id is not
        Bob's pending change."""
        self._ask()
        signed_for_bob = tools.hash_sign(
            self.env(su=True),
            "client_hub.email_change",
            [
                self.bob.id,
                *self.alice.sudo()._client_hub_get_email_change_payload()[1:],
            ],
            expiration_hours=1,
        )
        self._assert_refused(self._confirm(signed_for_bob))
        self.env.invalidate_all()
        self.assertEqual(self.bob.email, self.portal_b.email)
        self._unchanged()

    def test_confirm_page_for_every_visitor(self):
        """The token alone proves the mailbox: the page is the same for the client,
        another client and a visitor; nothing changes on GET."""
        token = self._ask()
        for user in (self.portal_a, self.portal_b, None):
            self._login(user)
            page = self._get(self._confirm_path(token))
            self.assertEqual(page.status_code, 200)
            self.assertIn("o_client_hub_email_change_confirm", page.text)
        self._unchanged()

    # ------------------------------------------------------------------
    # the login follows the e-mail (issue 23, attack finding)
    # ------------------------------------------------------------------
    def _login_is_the_email(self):
        """Alice's login is her e-mail (as the portal wizard makes it), in other case."""
        self.portal_a.login = self.old.upper()
        self.authenticate(self.portal_a.login, "ch_alice")

    def test_confirm_moves_a_login_that_was_the_email(self):
        self._login_is_the_email()
        self._confirm(self._ask())
        self.env.invalidate_all()
        self.assertEqual(self.alice.email, NEW)
        self.assertEqual(self.portal_a.login, NEW, "the login follows the e-mail")
        self.authenticate(NEW, "ch_alice")  # and signs in
        self.assertEqual(self._session_uid(), self.portal_a.id)
        self.assertFalse(
            self.env["res.users"].search_count([("login", "=ilike", self.old)]),
            "the old address signs no one in",
        )

    def test_confirm_keeps_a_login_taken_by_another_user(self):
        """Another (archived) user has the new address as login: Alice keeps hers, and
        the contact's chatter and the server log say why."""
        taken = new_test_user(self.env, login=NEW, groups="base.group_portal")
        taken.active = False
        self._login_is_the_email()
        with self.assertLogs(
            "odoo.addons.client_hub.models.res_users_email_change", "WARNING"
        ) as logged:
            self._confirm(self._ask())
        self.env.invalidate_all()
        self.assertEqual(self.alice.email, NEW, "the e-mail changes")
        self.assertEqual(self.portal_a.login, self.old.upper(), "the login stays")
        self.assertEqual(taken.login, NEW)
        self.assertIn(str(self.portal_a.id), logged.output[0])
        self.assertIn(
            "already the login of another user",
            " ".join(str(m.body) for m in self.alice.message_ids[:3]),
        )

    def test_confirm_keeps_a_login_that_was_not_the_email(self):
        self._confirm(self._ask())
        self.env.invalidate_all()
        self.assertEqual(self.alice.email, NEW)
        self.assertEqual(self.portal_a.login, "ch_alice")

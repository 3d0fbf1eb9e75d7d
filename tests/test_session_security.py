"""What a session opened by a magic link may do, and what it keeps of the session it
replaces.

- A link of another client signs the previous one out first: nothing of the old session
  (passkey offer, Odoo's identity check, ...) carries over to the new one.
- The passkey offer is bound to the user and the sign-in link that opened the session, and
  accepting it lets exactly the passkey be added: Odoo's other identity-checked actions
  (API keys, 2FA, password) still ask for the identity.
- A session opened by a document link (valid for days, forwarded with the document) may
  view and pay, not change the account, until a fresh sign-in link is used.
- The Continue page names the account it signs in, masked.
- The per-address limit of the sign-in form answers as usual and sends nothing.
"""

import base64
import time
from contextlib import contextmanager
from unittest.mock import patch
from urllib.parse import parse_qs, urlsplit

import odoo
from odoo.http import request
from odoo.tests import tagged

from odoo.addons.auth_totp.models.totp import hotp

from .common import CSRF_RE, MagicLinkHttpCommon
from .common_passkey import PasskeyOfferMixin, passkey_portal_installed
from .test_magic_link_security import TOTP_SECRET
from .test_passkey_offer import (
    YUBIKEY_HOST,
    YUBIKEY_REGISTRATION,
    YUBIKEY_REGISTRATION_CHALLENGE,
)

OFFER = "o_client_hub_passkey_offer"
ACCOUNT_MESSAGE = "To change your account, sign in with a new sign-in link."


class SessionSecurityCommon(PasskeyOfferMixin, MagicLinkHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("web.base.url", YUBIKEY_HOST)
        cls.user_a = cls.client_a._get_client_portal_user()
        cls.user_b = cls.client_b._get_client_portal_user()

    def _skip_without_passkeys(self):
        if not passkey_portal_installed():
            self.skipTest("auth_passkey_portal is not installed")

    def _call(self, model, method, *args, **kwargs):
        """Call a model method over JSON-RPC as the browser's user; return the answer's
        result, or its error."""
        answer = self._jsonrpc(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
        )
        return answer.get("result", answer.get("error"))

    def _asks_identity(self, action):
        """Whether Odoo answered an identity-checked call with its password dialog."""
        return (
            isinstance(action, dict)
            and action.get("res_model") == "res.users.identitycheck"
        )

    def _refused(self, answer):
        """Whether a JSON-RPC answer is the refusal of a document-link session."""
        return isinstance(answer, dict) and ACCOUNT_MESSAGE in answer.get(
            "data", {}
        ).get("message", "")

    @contextmanager
    def _fixed_challenge(self, method, challenge):
        Key = self.env.registry["auth.passkey.key"]
        origin = getattr(Key, method)

        def start(key_self):
            options = origin(key_self)
            options["challenge"] = request.session["webauthn_challenge"] = challenge
            return options

        with patch.object(Key, method, start):
            yield

    def _sign_in_over(self, partner, purpose="document"):
        """Open a link of ``partner`` in the browser as it is (no cookie cleared): the
        Continue page, then its button. Return the Continue page and the redirect."""
        path, _token = self._link(partner, purpose=purpose)
        page = self._get(path)
        self.assertEqual(page.status_code, 200, "the Continue page")
        response = self.url_open(
            path,
            data={"csrf_token": CSRF_RE.search(page.text).group(1)},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        return page, response

    def _assert_to_sign_in_page(self, response):
        self.assertEqual(response.status_code, 303)
        location = urlsplit(response.headers["Location"])
        self.assertEqual(location.path, "/client/login")
        return location


@tagged("post_install", "-at_install")
class TestOneBrowserTwoClients(SessionSecurityCommon):
    def test_other_clients_link_signs_the_first_out(self):
        self._skip_without_passkeys()
        page = self._sign_in_with_link(self.client_a, purpose="login")
        self.assertIn(OFFER, page.text)
        self.assertEqual(self._answer_offer(page, "add").status_code, 303)
        old_sid = self.opener.cookies["session_id"]

        self._sign_in_over(self.client_b, purpose="document")
        session = self._session()
        self.assertEqual(session.uid, self.user_b.id)
        self.assertNotEqual(session.sid, old_sid)
        for key in (
            "identity-check-last",
            "client_hub_passkey_offer",
            "client_hub_passkey_grant",
        ):
            self.assertNotIn(key, session, f"{key} is not carried over to B")
        self.assertNotIn(OFFER, self.url_open("/my/statement").text)
        answer = self._call("res.users", "action_create_passkey", self.user_b.id)
        self.assertNotEqual(answer.get("res_model"), "auth.passkey.key.create")
        self.assertFalse(self.user_b.auth_passkey_key_ids)

        # A's old session id signs nobody in any more
        self.opener.cookies.clear()
        self.opener.cookies.set("session_id", old_sid)
        response = self.url_open("/my", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(urlsplit(response.headers["Location"]).path, "/web/login")

    def test_other_clients_link_without_offer_accepted(self):
        """Even before the offer is answered, B's session gets none of A's."""
        self._skip_without_passkeys()
        self._sign_in_with_link(self.client_a, purpose="login")
        self._sign_in_over(self.client_b, purpose="document")
        self.assertEqual(self._session().uid, self.user_b.id)
        self.assertNotIn("client_hub_passkey_offer", self._session())
        # the offer page cannot be answered for B either
        page = self.url_open("/my/statement")
        self.assertNotIn(OFFER, page.text)
        self._answer_offer(page, "add")
        self.assertNotIn("identity-check-last", self._session())

    def test_same_client_second_click_keeps_the_session(self):
        self._sign_in_with_link(self.client_a, purpose="login")
        sid = self.opener.cookies["session_id"]
        path, _token = self._link(self.client_a, purpose="document")
        response = self._get(path)
        self.assertEqual(response.status_code, 303, "straight to the page")
        self.assertEqual(self.opener.cookies["session_id"], sid)

    def test_continue_page_names_the_account_masked(self):
        self.opener.cookies.clear()
        path, _token = self._link(self.client_b)
        page = self._get(path)
        self.assertEqual(page.status_code, 200)
        self.assertIn("b•••@bravo.example.com", page.text)
        self.assertNotIn("billing@bravo.example.com", page.text)
        # also when another client is signed in in this browser
        self._sign_in_with_link(self.client_a, purpose="login")
        page = self._get(path)
        self.assertIn("b•••@bravo.example.com", page.text)


@tagged("post_install", "-at_install")
class TestPasskeyOfferGrant(SessionSecurityCommon):
    def test_offer_allows_the_passkey_and_nothing_else(self):
        self._skip_without_passkeys()
        page = self._sign_in_with_link(self.client_a, purpose="login")
        self.assertEqual(self._answer_offer(page, "add").status_code, 303)
        self.assertNotIn("identity-check-last", self._session())
        uid = self.user_a.id
        # Odoo's other identity-checked actions still ask for the identity
        self.assertTrue(
            self._asks_identity(self._call("res.users", "api_key_wizard", uid))
        )
        self.assertTrue(
            self._asks_identity(
                self._call("res.users", "preference_change_password", uid)
            )
        )
        if "totp_enabled" in self.env["res.users"]._fields:
            self.assertTrue(
                self._asks_identity(
                    self._call("res.users", "action_totp_enable_wizard", uid)
                )
            )
        self.assertTrue(
            self._asks_identity(
                self._call("res.users", "action_revoke_all_devices", uid)
            )
        )
        # the passkey, with no password
        with self._fixed_challenge(
            "_start_registration", YUBIKEY_REGISTRATION_CHALLENGE
        ):
            action = self._call("res.users", "action_create_passkey", uid)
            self.assertEqual(action["res_model"], "auth.passkey.key.create")
            wizard_id = self._call(action["res_model"], "create", {"name": "Phone"})
            self.assertIs(
                self._call(
                    action["res_model"], "make_key", wizard_id, YUBIKEY_REGISTRATION
                ),
                True,
            )
        self.assertEqual(self.user_a.auth_passkey_key_ids.name, "Phone")
        self.assertNotIn("identity-check-last", self._session())
        # one passkey per offer: the next asks for the identity again
        self.assertTrue(
            self._asks_identity(self._call("res.users", "action_create_passkey", uid))
        )

    def test_identity_check_still_reaches_the_passkey(self):
        """Without an offer, Odoo's own identity check (a password) opens the passkey
        flow as before: the override is still a method it may call."""
        self._login(self.portal_a)
        uid = self.portal_a.id
        action = self._call("res.users", "action_create_passkey", uid)
        self.assertTrue(self._asks_identity(action))
        answer = self._call(
            "res.users.identitycheck",
            "run_check",
            [action["res_id"]],
            context={"password": self.portal_a.login},
        )
        self.assertEqual(answer.get("res_model"), "auth.passkey.key.create", answer)

    def test_offer_bound_to_user_and_link(self):
        self._skip_without_passkeys()
        self._sign_in_with_link(self.client_a, purpose="login")
        session = self._session()
        offer = session["client_hub_passkey_offer"]
        self.assertEqual(offer["uid"], self.user_a.id)
        self.assertEqual(
            self.env["client_hub.magic.link"].browse(offer["link_id"]).purpose,
            "login",
        )
        # an offer made to another user is not shown, nor accepted
        session["client_hub_passkey_offer"] = dict(offer, uid=self.user_b.id)
        odoo.http.root.session_store.save(session)
        page = self.url_open("/my/statement")
        self.assertNotIn(OFFER, page.text)
        self._answer_offer(page, "add")
        self.assertTrue(
            self._asks_identity(
                self._call("res.users", "action_create_passkey", self.user_a.id)
            )
        )
        # nor one naming a document link
        session = self._session()
        self._link(self.client_a, purpose="document")
        document_link = self.env["client_hub.magic.link"].search(
            [("partner_id", "=", self.client_a.id), ("purpose", "=", "document")],
            limit=1,
        )
        session["client_hub_passkey_offer"] = dict(offer, link_id=document_link.id)
        odoo.http.root.session_store.save(session)
        self.assertNotIn(OFFER, self.url_open("/my/statement").text)


@tagged("post_install", "-at_install")
class TestDocumentLinkSession(SessionSecurityCommon):
    def test_document_session_views_and_pays(self):
        self._sign_in_with_link(self.client_a, purpose="document")
        self.assertEqual(self.url_open("/my/statement").status_code, 200)
        self.assertEqual(self.url_open("/my/invoices").status_code, 200)
        self.assertEqual(
            self.url_open(f"/my/invoices/{self.invoice_a.id}").status_code, 200
        )

    def test_document_session_cannot_change_the_account(self):
        self._sign_in_with_link(self.client_a, purpose="document")
        partner = self.user_a.partner_id
        email = partner.email
        for path in ("/my/account", "/my/address", "/my/security"):
            response = self.url_open(path, allow_redirects=False)
            location = self._assert_to_sign_in_page(response)
            self.assertEqual(parse_qs(location.query).get("reason"), ["account"])
        page = self.url_open(response.headers["Location"])
        self.assertIn(ACCOUNT_MESSAGE, page.text)
        self.assertIn(f'value="{email}"', page.text, "the address is filled in")

        response = self._post(
            "/my/address/submit",
            csrf_from="/client/login",
            data={
                "partner_id": partner.id,
                "name": partner.name,
                "email": "thief@example.com",
                "street": "1 Thief Street",
                "city": "Nowhere",
                "zip": "1000",
                "country_id": self.env.ref("base.be").id,
            },
        )
        self._assert_to_sign_in_page(response)
        response = self._post(
            "/my/security",
            csrf_from="/client/login",
            data={"old": "x", "new1": "y", "new2": "y"},
        )
        self._assert_to_sign_in_page(response)
        answer = self._jsonrpc("/my/address/archive", {"partner_id": partner.id})
        self.assertTrue(self._refused(answer.get("error")), answer)

        # the same over RPC
        uid = self.user_a.id
        self.assertTrue(
            self._refused(
                self._call("res.users", "write", [uid], {"email": "thief@example.com"})
            )
        )
        self.assertTrue(self._refused(self._call("res.users", "api_key_wizard", uid)))
        if "auth.passkey.key" in self.env:
            self.assertTrue(
                self._refused(self._call("res.users", "action_create_passkey", uid))
            )
        if "totp_enabled" in self.env["res.users"]._fields:
            self.assertTrue(
                self._refused(self._call("res.users", "action_totp_enable_wizard", uid))
            )
        partner.invalidate_recordset()
        self.assertEqual(partner.email, email)
        self.assertNotEqual(partner.street, "1 Thief Street")
        self.assertFalse(self.user_a.sudo().api_key_ids)
        # a harmless preference is still the client's
        self.assertIs(
            self._call("res.users", "write", [uid], {"tz": "Europe/Brussels"}), True
        )

    def test_login_link_session_opens_the_account(self):
        self._sign_in_with_link(self.client_a, purpose="login")
        self.assertEqual(self.url_open("/my/account").status_code, 200)
        self.assertEqual(self.url_open("/my/security").status_code, 200)
        answer = self._call(
            "res.users", "write", [self.user_a.id], {"phone": "+32 2 555 00 00"}
        )
        self.assertIs(answer, True)

    def test_fresh_sign_in_link_lifts_the_restriction(self):
        self._sign_in_with_link(self.client_a, purpose="document")
        self._assert_to_sign_in_page(
            self.url_open("/my/account", allow_redirects=False)
        )
        # same client, a sign-in link: the Continue page, not the usual straight redirect
        self._sign_in_over(self.client_a, purpose="login")
        self.assertEqual(self._session().uid, self.user_a.id)
        self.assertEqual(self.url_open("/my/account").status_code, 200)

    def test_password_sign_in_lifts_the_restriction(self):
        self._sign_in_with_link(self.portal_a.partner_id, purpose="document")
        self.assertEqual(self._session().uid, self.portal_a.id)
        self._assert_to_sign_in_page(
            self.url_open("/my/account", allow_redirects=False)
        )
        # a wrong password changes nothing
        page = self.url_open("/web/login")
        csrf = CSRF_RE.search(page.text).group(1)
        form = {"csrf_token": csrf, "login": self.portal_a.login, "password": "nope"}
        self.url_open("/web/login", data=form)
        self._assert_to_sign_in_page(
            self.url_open("/my/account", allow_redirects=False)
        )
        # the right one does
        form["password"] = self.portal_a.login
        self.url_open("/web/login", data=form, allow_redirects=False)
        self.assertEqual(self._session().uid, self.portal_a.id)
        self.assertEqual(self.url_open("/my/account").status_code, 200)


@tagged("post_install", "-at_install")
class TestSignInFormLimits(SessionSecurityCommon):
    def _queued(self):
        return self.env["client_hub.magic.link.request"].sudo().search_count([])

    def _ask(self, email):
        with patch.object(
            self.env.registry["ir.cron"], "_trigger", autospec=True
        ) as trigger:
            response = self._post("/client/login", data={"email": email})
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_client_hub_magic_link_sent", response.text)
        self.assertNotIn("Too many attempts", response.text)
        return response, trigger.call_count

    def test_per_address_limit_answers_as_usual_and_sends_nothing(self):
        """Over the address's quota the page answers as usual and the request is queued
        as any other (the same work for every address), marked: the cron sends it only
        if the client's latest link no longer works (`TestSignInQuotaLockOut`)."""
        self.env["ir.config_parameter"].set_param(
            "client_hub.rate_limit_request_email", 2
        )
        self.opener.cookies.clear()
        Request = self.env["client_hub.magic.link.request"].sudo()
        before = self._queued()
        for _i in range(2):
            self._ask(self.client_a.email)
        self.assertEqual(self._queued(), before + 2)
        _response, triggered = self._ask("Billing@Alpha.example.com")
        self.assertEqual(self._queued(), before + 3)
        self.assertEqual(triggered, 1, "the cron is woken up as for any request")
        self.assertEqual(Request.search([], order="id desc", limit=1).over_limit, True)
        self.assertEqual(
            Request.search_count([("over_limit", "=", True)]), 1, "only the third"
        )

    def test_per_ip_limit_answers_as_usual_and_sends_nothing(self):
        self.env["ir.config_parameter"].set_param("client_hub.rate_limit_request_ip", 2)
        self.opener.cookies.clear()
        before = self._queued()
        for i in range(3):
            self._ask(f"u{i}@example.com")
        self.assertEqual(self._queued(), before + 2)

    def test_document_link_uses_cannot_lock_out_sign_in_links(self):
        """Whoever holds a forwarded document link may exhaust the per-client limit on
        using links: a fresh sign-in link, from the client's mailbox, still works."""
        self.env["ir.config_parameter"].set_param("client_hub.rate_limit_use_email", 1)
        self._sign_in_with_link(self.client_a, purpose="document")
        self.opener.cookies.clear()
        path, _token = self._link(self.client_a, purpose="document")
        self.assertEqual(self._sign_in(path).status_code, 429)
        self._sign_in_with_link(self.client_a, purpose="login")
        self.assertEqual(self._session().uid, self.user_a.id)


@tagged("post_install", "-at_install")
class TestDocumentLinkSecondFactor(SessionSecurityCommon):
    """With 2FA, the session records its link once the second factor is passed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_a.sudo().totp_secret = TOTP_SECRET

    def _sign_in_with_code(self, purpose):
        self.opener.cookies.clear()
        path, _token = self._link(self.client_a, purpose=purpose)
        response = self._post(path)
        self.assertEqual(urlsplit(response.headers["Location"]).path, "/web/login/totp")
        self.user_a.sudo().totp_last_counter = False
        code = str(hotp(base64.b32decode(TOTP_SECRET), int(time.time() / 30)))
        response = self._post("/web/login/totp", data={"totp_token": code.zfill(6)})
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self._session().uid, self.user_a.id)

    def test_document_link_through_second_factor_is_restricted(self):
        self._sign_in_with_code("document")
        self._assert_to_sign_in_page(
            self.url_open("/my/account", allow_redirects=False)
        )

    def test_sign_in_link_through_second_factor_is_not(self):
        self._sign_in_with_code("login")
        self.assertEqual(self.url_open("/my/account").status_code, 200)

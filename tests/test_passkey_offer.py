# ruff: noqa: E501 (the recorded WebAuthn answers)
"""After a sign-in link, the portal offers to add a passkey with Odoo's own flow
(`auth_passkey_portal`), and the passkey then signs the client in from /client/login.

The WebAuthn answers are those `auth_passkey`'s own tests recorded (a YubiKey on
http://localhost:8069), with the challenges they were signed for: the challenge, random
otherwise, is fixed as `auth_passkey.tests.test_passkey_demo` does.
"""

import json
import time
from contextlib import contextmanager
from unittest.mock import patch
from urllib.parse import urlsplit

from lxml import html

import odoo
from odoo.http import request
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.client_hub.models.res_users_passkey import PASSKEY_GRANT, PASSKEY_OFFER

from .common import (
    CSRF_RE,
    HOSTILE_REDIRECTS,
    MagicLinkHttpCommon,
    assert_local_redirect,
)
from .common_passkey import PasskeyOfferMixin, skip_unless_passkey_portal

OFFER = "o_client_hub_passkey_offer"
# auth_passkey's test-yubikey (tests/test_passkey_demo.py)
YUBIKEY_HOST = "http://localhost:8069"
YUBIKEY_REGISTRATION_CHALLENGE = "Uoa6M5jEP7I3ToyK9QA0vf8IcsezfeJk0rgs1pLUWrMgF9vd0-7Dv5iV3xW7r70-YqkweRXhACmDPmhHKtAIeQ"
YUBIKEY_REGISTRATION = {
    "id": "L2p6jvcWuCMTRmkZHKqqvQbz0Dhk3JbJOx1F8ci99nSNjlfx3Z7nkigMdUACLggB",
    "rawId": "L2p6jvcWuCMTRmkZHKqqvQbz0Dhk3JbJOx1F8ci99nSNjlfx3Z7nkigMdUACLggB",
    "response": {
        "attestationObject": "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVjCSZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2PFAAAAAgAAAAAAAAAAAAAAAAAAAAAAMC9qeo73FrgjE0ZpGRyqqr0G89A4ZNyWyTsdRfHIvfZ0jY5X8d2e55IoDHVAAi4IAaUBAgMmIAEhWCAvanqO9xa4IxNGaRkcMSyBudC-JDZYY9gyMqknP2IkUiJYINqumy9viKCeo_xpFU3XzyssfEReXvMM1_fmZN-wMpDPoWtjcmVkUHJvdGVjdAI",
        "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoiVW9hNk01akVQN0kzVG95SzlRQTB2ZjhJY3NlemZlSmswcmdzMXBMVVdyTWdGOXZkMC03RHY1aVYzeFc3cjcwLVlxa3dlUlhoQUNtRFBtaEhLdEFJZVEiLCJvcmlnaW4iOiJodHRwOi8vbG9jYWxob3N0OjgwNjkiLCJjcm9zc09yaWdpbiI6ZmFsc2V9",
        "transports": ["nfc", "usb"],
        "publicKeyAlgorithm": -7,
        "publicKey": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEL2p6jvcWuCMTRmkZHDEsgbnQviQ2WGPYMjKpJz9iJFLarpsvb4ignqP8aRVN188rLHxEXl7zDNf35mTfsDKQzw",
        "authenticatorData": "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2PFAAAAAgAAAAAAAAAAAAAAAAAAAAAAMC9qeo73FrgjE0ZpGRyqqr0G89A4ZNyWyTsdRfHIvfZ0jY5X8d2e55IoDHVAAi4IAaUBAgMmIAEhWCAvanqO9xa4IxNGaRkcMSyBudC-JDZYY9gyMqknP2IkUiJYINqumy9viKCeo_xpFU3XzyssfEReXvMM1_fmZN-wMpDPoWtjcmVkUHJvdGVjdAI",
    },
    "type": "public-key",
    "clientExtensionResults": {},
    "authenticatorAttachment": "cross-platform",
}
YUBIKEY_AUTH_CHALLENGE = "DKrw5IeFiL0w_y5oB0RATPrqG1eFOC2P7yEiXCstBRuZYbSBBkAWfhAIInkMqWjYIN8vbKn7J3PMX_ThznHpqg"
YUBIKEY_AUTH = {
    "id": "L2p6jvcWuCMTRmkZHKqqvQbz0Dhk3JbJOx1F8ci99nSNjlfx3Z7nkigMdUACLggB",
    "rawId": "L2p6jvcWuCMTRmkZHKqqvQbz0Dhk3JbJOx1F8ci99nSNjlfx3Z7nkigMdUACLggB",
    "response": {
        "authenticatorData": "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAw",
        "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoiREtydzVJZUZpTDB3X3k1b0IwUkFUUHJxRzFlRk9DMlA3eUVpWENzdEJSdVpZYlNCQmtBV2ZoQUlJbmtNcVdqWUlOOHZiS243SjNQTVhfVGh6bkhwcWciLCJvcmlnaW4iOiJodHRwOi8vbG9jYWxob3N0OjgwNjkiLCJjcm9zc09yaWdpbiI6ZmFsc2V9",
        "signature": "MEUCIQD5iaPp48QMS3amx4PS89kv_EBAo3bBkaWnLzWlSgFSXgIgLWKEv9xR_ZwVXZbw2zx459RKbrQuAcd-UqD4gJw1lWY",
        "userHandle": "Mg",
    },
    "type": "public-key",
    "clientExtensionResults": {},
    "authenticatorAttachment": "cross-platform",
}


@tagged("post_install", "-at_install")
class TestPasskeyOffer(PasskeyOfferMixin, MagicLinkHttpCommon):
    @classmethod
    def setUpClass(cls):
        skip_unless_passkey_portal(installed=True)
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("web.base.url", YUBIKEY_HOST)

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    @contextmanager
    def _fixed_challenge(self, method, challenge):
        """Give the WebAuthn ceremony started by ``method`` of auth.passkey.key the
        ``challenge`` the recorded answers were signed for."""
        Key = self.env.registry["auth.passkey.key"]
        origin = getattr(Key, method)

        def start(key_self):
            options = origin(key_self)
            options["challenge"] = request.session["webauthn_challenge"] = challenge
            return options

        with patch.object(Key, method, start):
            yield

    def _call(self, model, method, *args, **kwargs):
        """Call a model method over JSON-RPC as the browser's user, as the portal's
        passkey script does (`orm.call`); return the answer's result or error."""
        answer = self._jsonrpc(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
        )
        return answer.get("result", answer.get("error"))

    def _portal_user(self, partner):
        return partner.with_context(active_test=False).user_ids

    def _add_passkey(self, user):
        """Give ``user`` the recorded passkey, as auth_passkey's tests do."""
        self.env.cr.execute(
            SQL(
                "INSERT INTO auth_passkey_key (name, credential_identifier, public_key,"
                " create_uid, create_date, write_date)"
                " VALUES ('YubiKey', %s, %s, %s, NOW(), NOW())",
                YUBIKEY_AUTH["id"],
                "pQECAyYgASFYIC9qeo73FrgjE0ZpGRwxLIG50L4kNlhj2DIyqSc_YiRSIlgg2q6bL2"
                "-IoJ6j_GkVTdfPKyx8RF5e8wzX9-Zk37AykM8=",
                user.id,
            )
        )
        user.invalidate_recordset(["auth_passkey_key_ids"])

    def _form_fields(self, text, css_class):
        """The action and fields of the form of ``css_class`` in the page ``text``."""
        form = html.fromstring(text).xpath(f'//form[contains(@class, "{css_class}")]')[
            0
        ]
        fields = {field.get("name"): field.get("value") or "" for field in form.inputs}
        return dict(fields, action=form.get("action"))

    # ------------------------------------------------------------------
    # the offer
    # ------------------------------------------------------------------
    def test_offer_after_sign_in_link_only(self):
        page = self._sign_in_with_link(self.client_a, purpose="login")
        self.assertIn(OFFER, page.text)
        self.assertIn("Sign in faster next time", page.text)
        self.assertIn(OFFER, self.url_open("/my").text, "on every portal page")
        # a document link, valid for days and forwarded with documents, offers nothing
        page = self._sign_in_with_link(self.client_b, purpose="document")
        self.assertNotIn(OFFER, page.text)

    def test_add_passkey_with_odoo_flow_then_sign_in_with_it(self):
        """Offer -> Odoo's own registration, without the password the client does not
        have -> sign out -> the passkey signs the client in from /client/login."""
        page = self._sign_in_with_link(self.client_a)
        user = self._portal_user(self.client_a)
        # without the offer, Odoo would ask for a password first
        action = self._call("res.users", "action_create_passkey", user.id)
        self.assertEqual(action["res_model"], "res.users.identitycheck")

        response = self._answer_offer(page, "add")
        self.assertEqual(response.status_code, 303)
        location = urlsplit(response.headers["Location"])
        self.assertEqual(
            (location.path, location.query),
            ("/my/security", "client_hub_add_passkey=1"),
        )
        security = self.url_open(response.headers["Location"])
        self.assertIn('id="portal_passkey_add"', security.text, "Odoo's own button")
        self.assertNotIn(OFFER, security.text, "the offer is answered")
        with self._fixed_challenge(
            "_start_registration", YUBIKEY_REGISTRATION_CHALLENGE
        ):
            action = self._call("res.users", "action_create_passkey", user.id)
            self.assertEqual(action["res_model"], "auth.passkey.key.create")
            wizard_id = self._call(action["res_model"], "create", {"name": "Phone"})
            self.assertIs(
                self._call(
                    action["res_model"], "make_key", wizard_id, YUBIKEY_REGISTRATION
                ),
                True,
            )
        self.assertEqual(user.auth_passkey_key_ids.name, "Phone")
        self.assertNotIn(OFFER, self.url_open("/my/statement").text)

        # next time: no e-mail, the passkey
        self.opener.cookies.clear()
        page = self.url_open("/client/login")
        self.assertIn("o_client_hub_passkey_login", page.text)
        form = self._form_fields(page.text, "o_client_hub_passkey_login")
        self.assertEqual(form.pop("action"), "/web/login")
        with self._fixed_challenge("_start_auth", YUBIKEY_AUTH_CHALLENGE):
            self._jsonrpc("/auth/passkey/start-auth", {})
            form.update(type="webauthn", webauthn_response=json.dumps(YUBIKEY_AUTH))
            response = self.url_open("/web/login", data=form, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(urlsplit(response.headers["Location"]).path, "/my/statement")
        self.assertEqual(self._session().uid, user.id)

    def test_dismissed_for_good(self):
        page = self._sign_in_with_link(self.client_a)
        response = self._answer_offer(page, "dismiss")
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/my/statement"))
        self.assertNotIn(OFFER, self.url_open("/my/statement").text)
        self.assertTrue(
            self._portal_user(self.client_a).client_hub_passkey_offer_dismissed
        )
        page = self._sign_in_with_link(self.client_a)
        self.assertNotIn(OFFER, page.text, "not made again at the next sign-in")

    def test_no_offer_to_a_client_with_a_passkey(self):
        user = self.client_a._get_client_portal_user()
        self._add_passkey(user)
        page = self._sign_in_with_link(self.client_a)
        self.assertNotIn(OFFER, page.text)

    def test_offer_lapses_with_the_identity_check(self):
        """Odoo trusts the sign-in for 10 minutes: then the offer goes, and accepting a
        stale one changes nothing."""
        page = self._sign_in_with_link(self.client_a)
        session = self._session()
        session[PASSKEY_OFFER] = dict(
            session[PASSKEY_OFFER], time=time.time() - 11 * 60
        )
        odoo.http.root.session_store.save(session)
        self.assertNotIn(OFFER, self.url_open("/my/statement").text)
        response = self._answer_offer(page, "add")
        self.assertEqual(urlsplit(response.headers["Location"]).path, "/my/statement")
        self.assertNotIn("identity-check-last", self._session())
        self.assertNotIn(PASSKEY_GRANT, self._session())

    def test_offer_answers_redirect_only_to_this_site(self):
        """Both answers go back to a local page whatever ``redirect`` says: "dismiss"
        always, "add" once the offer is gone (issue 23, HTTP coverage)."""
        page = self._sign_in_with_link(self.client_a)
        csrf = CSRF_RE.search(page.text).group(1)
        for answer in ("dismiss", "add"):
            for redirect in HOSTILE_REDIRECTS:
                with self.subTest(answer=answer, redirect=redirect[:40]):
                    response = self.url_open(
                        f"/my/passkey/{answer}",
                        data={"csrf_token": csrf, "redirect": redirect},
                        allow_redirects=False,
                    )
                    assert_local_redirect(self, response)

    def test_offer_answers_need_the_form(self):
        """The answers are CSRF-checked POSTs of a signed-in user."""
        self._sign_in_with_link(self.client_a)
        response = self.url_open(
            "/my/passkey/add", data={"redirect": "/my"}, allow_redirects=False
        )
        self.assertEqual(response.status_code, 400)
        self.assertNotIn("identity-check-last", self._session())
        self.assertEqual(self.url_open("/my/passkey/add").status_code, 405)

    def test_offer_tour(self):
        """In a browser: the link's page -> the offer -> Odoo's "Create Passkey" dialog,
        with no password asked."""
        path, _token = self._link(self.client_a, purpose="login")
        self.start_tour(path, "client_hub_passkey_offer_tour")

import hmac
import re
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import urlsplit

from odoo import fields
from odoo.exceptions import AccessDenied, AccessError
from odoo.tests import tagged
from odoo.tools import email_normalize

from odoo.addons.client_hub.controllers.magic_link import sanitize_redirect
from odoo.addons.client_hub.models.client_hub_magic_link import hash_token
from odoo.addons.client_hub.models.res_users import MAGIC_LINK_CREDENTIAL
from odoo.addons.mail.tests.common import MailCase

from .common import MAGIC_RE, MagicLinkCommon, MagicLinkHttpCommon

ANY_CSRF_RE = re.compile(r"[0-9a-f]{40}o[0-9]+")


@tagged("post_install", "-at_install")
class TestMagicLinkModel(MagicLinkCommon):
    def test_token_entropy_and_hash_only_storage(self):
        _path, token = self._link(self.client_a)
        # token_urlsafe(32): 32 random bytes = 256 bits, 43 URL-safe characters
        self.assertGreaterEqual(len(token), 43)
        link = self.env["client_hub.magic.link"].search(
            [("partner_id", "=", self.client_a.id)]
        )
        self.assertEqual(link.token_hash, hash_token(token))
        self.env.flush_all()
        self.env.cr.execute("SELECT * FROM client_hub_magic_link")
        self.assertNotIn(
            token, repr(self.env.cr.fetchall()), "the raw token must never be stored"
        )
        # the final comparison is constant-time
        with patch.object(hmac, "compare_digest", wraps=hmac.compare_digest) as compare:
            self.assertEqual(
                self.env["client_hub.magic.link"]._get_valid_link(token), link
            )
        compare.assert_called_once_with(link.token_hash, hash_token(token))

    def test_each_call_gives_a_new_token(self):
        url1 = self.client_a._get_client_magic_link_url()
        url2 = self.client_a._get_client_magic_link_url()
        self.assertNotEqual(url1, url2)
        self.assertIn("/client/magic/", url1)

    def test_expiry_from_settings(self):
        self.env["res.config.settings"].create(
            {
                "client_hub_magic_link_document_ttl_days": 2,
                "client_hub_magic_link_login_ttl_minutes": 5,
            }
        ).execute()
        self._link(self.client_a, purpose="document")
        self._link(self.client_a, purpose="login")
        links = self.env["client_hub.magic.link"].search(
            [("partner_id", "=", self.client_a.id)]
        )
        now = fields.Datetime.now()
        doc = links.filtered(lambda link: link.purpose == "document")
        login = links.filtered(lambda link: link.purpose == "login")
        self.assertAlmostEqual(
            (doc.expiration_date - now).total_seconds(), 2 * 86400, delta=60
        )
        self.assertAlmostEqual(
            (login.expiration_date - now).total_seconds(), 5 * 60, delta=60
        )

    def test_check_credentials_refuses_other_user_and_staff(self):
        _path, token = self._link(self.client_a)
        user_a = self.client_a._get_client_portal_user()
        user_b = self.client_b._get_client_portal_user()
        credential = {
            "type": MAGIC_LINK_CREDENTIAL,
            "login": user_b.login,
            "token": token,
        }
        with self.assertRaises(AccessDenied):
            user_b.with_user(user_b)._check_credentials(
                credential, {"interactive": True}
            )
        with self.assertRaises(AccessDenied):
            self.agent.with_user(self.agent)._check_credentials(
                credential, {"interactive": True}
            )
        credential["login"] = user_a.login
        info = user_a.with_user(user_a)._check_credentials(
            credential, {"interactive": True}
        )
        self.assertEqual(info["uid"], user_a.id)
        # staff refused even with a valid link made for their own contact
        _path, staff_token = self._link(self.agent.partner_id)
        staff_credential = {
            "type": MAGIC_LINK_CREDENTIAL,
            "login": self.agent.login,
            "token": staff_token,
        }
        with self.assertRaises(AccessDenied):
            self.agent.with_user(self.agent)._check_credentials(
                staff_credential, {"interactive": True}
            )
        self.assertTrue(
            self.env["client_hub.magic.link"]._get_valid_link(staff_token),
            "the link itself is valid",
        )

    def test_portal_user_created_without_password(self):
        self.assertFalse(self.client_a.user_ids)
        user = self.client_a._get_client_portal_user()
        self.assertTrue(user._is_portal())
        self.assertFalse(user._is_internal())
        self.assertEqual(user.partner_id, self.client_a)
        self.env.cr.execute("SELECT password FROM res_users WHERE id = %s", [user.id])
        self.assertFalse(self.env.cr.fetchone()[0])
        self.assertEqual(
            self.client_a._get_client_portal_user(), user, "created only once"
        )

    def test_staff_contact_refused(self):
        with self.assertRaises(AccessDenied):
            self.agent.partner_id._get_client_portal_user()

    def test_staff_buttons_not_for_portal_users(self):
        user_a = self.client_a._get_client_portal_user()
        with self.assertRaises(AccessError):
            self.client_a.with_user(user_a).action_client_send_magic_link()
        with self.assertRaises(AccessError):
            self.client_a.with_user(user_a).action_client_revoke_magic_links()

    def test_archived_client_link_refused(self):
        _path, token = self._link(self.client_a)
        self.client_a.active = False
        self.assertFalse(self.env["client_hub.magic.link"]._get_valid_link(token))

    def test_find_client_by_email(self):
        Partner = self.env["res.partner"]
        self.assertEqual(
            Partner._client_hub_find_client_by_email(self.client_a.email.upper()),
            self.client_a,
        )
        self.assertFalse(Partner._client_hub_find_client_by_email("nobody@example.com"))
        self.assertFalse(Partner._client_hub_find_client_by_email(self.agent.email))

    def test_find_client_on_request_model(self):
        """The sign-in request queue finds the client; the partner method only delegates."""
        Request = self.env["client_hub.magic.link.request"]
        self.assertEqual(Request._find_client(self.client_a.email), self.client_a)
        self.assertFalse(Request._find_client("not an address"))
        self.assertFalse(
            Request._find_client(self.agent.email), "staff never get a sign-in link"
        )

    def test_portal_user_provisioned_by_res_users(self):
        """res.users provisions the portal user, as the portal wizard grants access."""
        Users = self.env["res.users"]
        user = Users._client_hub_get_portal_user(self.client_a)
        self.assertEqual(user.login, self.client_a.email)
        self.assertTrue(user.has_group("base.group_portal"))
        self.assertFalse(user.has_group("base.group_public"))
        self.assertEqual(user.company_id, self.env.company)
        self.assertEqual(
            Users._client_hub_get_portal_user(self.client_a), user, "created only once"
        )
        # archived portal user: access disabled, not recreated
        user.active = False
        with self.assertRaisesRegex(AccessDenied, "disabled"):
            Users._client_hub_get_portal_user(self.client_a)
        # no e-mail, or a login someone else holds: refused with a message, nothing created
        nameless = self.env["res.partner"].create(
            {"name": "No Mail", "customer_rank": 1}
        )
        taken = self.env["res.partner"].create(
            {"name": "Same Mail", "email": self.agent.login}
        )
        for partner in (nameless, taken):
            with (
                self.subTest(partner=partner.name),
                self.assertRaisesRegex(AccessDenied, "could not open"),
            ):
                Users._client_hub_get_portal_user(partner)
            self.assertFalse(partner.with_context(active_test=False).user_ids)

    def test_link_url_made_by_link_model(self):
        Link = self.env["client_hub.magic.link"]
        url = Link._get_url(
            self.client_a, redirect=self.invoice_a.access_url, purpose="login"
        )
        match = MAGIC_RE.search(url)
        link = Link._get_valid_link(match.group(1))
        self.assertEqual((link.partner_id, link.purpose), (self.client_a, "login"))
        self.assertIn("redirect=%2Fmy%2Finvoices%2F", match.group(2))

    def test_magic_link_redirect_per_model(self):
        """Each document model says where its e-mails' magic link opens; others carry none."""
        journal = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", self.env.company.id)], limit=1
        )
        payment_values = {
            "partner_id": self.client_a.id,
            "amount": 10,
            "journal_id": journal.id,
        }
        Payment = self.env["account.payment"]
        customer_payment = Payment.create(
            {**payment_values, "partner_type": "customer", "payment_type": "inbound"}
        )
        vendor_payment = Payment.create(
            {**payment_values, "partner_type": "supplier", "payment_type": "outbound"}
        )
        bill = self.env["account.move"].create(
            {"move_type": "in_invoice", "partner_id": self.client_a.id}
        )
        order = self.env["sale.order"].create({"partner_id": self.client_a.id})
        self.assertFalse(
            self.client_a._client_hub_magic_link_redirect(), "mail.thread default"
        )
        self.assertFalse(bill._client_hub_magic_link_redirect())
        self.assertFalse(vendor_payment._client_hub_magic_link_redirect())
        self.assertEqual(
            customer_payment._client_hub_magic_link_redirect(), "/my/statement"
        )
        for document in (self.invoice_a, order):
            with self.subTest(model=document._name):
                redirect = document._client_hub_magic_link_redirect()
                self.assertTrue(redirect.startswith(document.access_url + "?"))
                self.assertIn(f"access_token={document.access_token}", redirect)

    def test_safe_redirect(self):
        self.assertEqual(
            sanitize_redirect("/my/invoices/3?access_token=x"),
            "/my/invoices/3?access_token=x",
        )
        for unsafe in (
            "https://evil.example.com/",
            "//evil.example.com",
            "/\\evil.example.com",
            "javascript:alert(1)",
            "my/statement",
            "/\nLocation: x",
            None,
            "",
        ):
            self.assertEqual(sanitize_redirect(unsafe), "/my/statement", unsafe)

    def test_cleanup_cron(self):
        _path, token = self._link(self.client_a)
        link = self.env["client_hub.magic.link"]._get_valid_link(token)
        RateLimit = self.env["client_hub.rate.limit"]
        RateLimit._hit("use_ip", "10.0.0.1")
        self.env.ref(
            "client_hub.ir_cron_client_hub_magic_link_gc"
        ).ir_actions_server_id.run()
        self.assertTrue(link.exists())
        self.assertTrue(RateLimit.search([]))
        link.expiration_date = fields.Datetime.now() - timedelta(days=2)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE client_hub_rate_limit SET window_start = window_start - interval '1 day'"
        )
        self.env.ref(
            "client_hub.ir_cron_client_hub_magic_link_gc"
        ).ir_actions_server_id.run()
        self.assertFalse(link.exists())
        self.assertFalse(RateLimit.search([]))


@tagged("post_install", "-at_install")
class TestMagicLinkHttp(MagicLinkHttpCommon, MailCase):
    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def _assert_refused_page(self, response):
        self.assertEqual(response.status_code, 200)
        self.assertIn("/client/login", response.text, "the page offers a fresh link")
        self.assertNotIn("o_client_hub_magic_link_continue", response.text)
        self.assertFalse(self._session_uid(), "nobody is signed in")

    def _assert_security_headers(self, response):
        self.assertEqual(response.headers.get("Referrer-Policy"), "no-referrer")
        self.assertIn("no-store", response.headers.get("Cache-Control", ""))

    # ------------------------------------------------------------------
    # full flow
    # ------------------------------------------------------------------
    def test_full_flow_login_request(self):
        """E-mail typed at /client/login -> mail -> GET -> POST -> statement, signed in
        as the client's (new) portal user."""
        response = self._post("/client/login", data={"email": self.client_a.email})
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_client_hub_magic_link_sent", response.text)
        with self.mock_mail_gateway():
            self.env["client_hub.magic.link.request"]._cron_process_requests()
        mail = self._new_mails.filtered(lambda m: m.recipient_ids == self.client_a)
        self.assertEqual(len(mail), 1)
        self.assertFalse(
            mail.model, "the e-mail is not attached to the client's chatter"
        )
        self.assertNotIn(
            "/client/magic/",
            str(mail.body_html) + str(mail.body),
            "the stored e-mail holds no live link",
        )
        bodies = self._sent_bodies(self.client_a)
        self.assertEqual(len(bodies), 1)
        match = MAGIC_RE.search(bodies[0])
        self.assertTrue(match, "the e-mail sent to the client carries a magic link")
        path = f"/client/magic/{match.group(1)}"
        link = self.env["client_hub.magic.link"]._get_valid_link(match.group(1))
        self.assertEqual(link.purpose, "login")
        self.assertEqual(
            link.create_ip, "127.0.0.1", "the link records where it was asked from"
        )

        page = self._get(path)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Continue to your account", page.text)
        self.assertFalse(self._session_uid(), "GET does not sign in")

        response = self._sign_in(path)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(urlsplit(response.headers["Location"]).path, "/my/statement")
        user = self.client_a.with_context(active_test=False).user_ids
        self.assertEqual(len(user), 1)
        self.assertTrue(user._is_portal() and not user._is_internal())
        self.assertEqual(self._session_uid(), user.id)
        self.assertEqual(self._session().get("login"), user.login)
        # the session works on the portal
        self.assertEqual(self.url_open("/my", allow_redirects=False).status_code, 200)
        # audit trail in the client's chatter, with the IP
        log = self.client_a.message_ids.filtered(lambda m: "magic link" in str(m.body))
        self.assertEqual(len(log), 1)
        self.assertIn("127.0.0.1", str(log.body))
        # a sign-in link is single use
        self.opener.cookies.clear()
        self._assert_refused_page(self._get(path))

    def test_document_link_reusable_and_redirect(self):
        path, _token = self._link(
            self.client_a, redirect=self.invoice_a.get_portal_url()
        )
        response = self._sign_in(path, redirect=self.invoice_a.get_portal_url())
        self.assertEqual(response.status_code, 303)
        self.assertTrue(
            response.headers["Location"].endswith(self.invoice_a.get_portal_url())
        )
        self.assertEqual(
            self.url_open(self.invoice_a.access_url, allow_redirects=False).status_code,
            200,
        )
        # a second click while signed in goes straight to the page
        response = self._get(path)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(
            response.headers["Location"].endswith(self.invoice_a.get_portal_url())
        )
        # the client clicks again in the same e-mail, later
        self.opener.cookies.clear()
        self.assertEqual(self._sign_in(path).status_code, 303)

    def test_unsafe_redirect_ignored(self):
        path, _token = self._link(self.client_a)
        for unsafe in (
            "https://evil.example.com/",
            "//evil.example.com/x",
            "/\\evil.example.com",
        ):
            self.opener.cookies.clear()
            response = self._sign_in(path, redirect=unsafe)
            self.assertEqual(response.status_code, 303)
            location = urlsplit(response.headers["Location"])
            self.assertEqual(location.path, "/my/statement", unsafe)
            self.assertNotIn("evil", location.netloc)

    def test_prefetch_leaves_link_usable(self):
        path, token = self._link(self.client_a, purpose="login")
        for _i in range(3):  # mail scanners, previews...
            self.assertEqual(self._get(path).status_code, 200)
        link = self.env["client_hub.magic.link"]._get_valid_link(token)
        self.assertFalse(link.consumed_date)
        self.assertFalse(self.client_a.user_ids, "GET creates no user")
        self.assertEqual(self._sign_in(path).status_code, 303)

    def test_second_factor_still_asked(self):
        """Odoo's 2FA rules keep working: a portal user with TOTP gets the TOTP step."""
        user = self.client_a._get_client_portal_user()
        user.sudo().totp_secret = "JBSWY3DPEHPK3PXP"
        path, _token = self._link(self.client_a)
        response = self._sign_in(path)
        self.assertEqual(response.status_code, 303)
        location = urlsplit(response.headers["Location"])
        self.assertEqual(location.path, "/web/login/totp")
        self.assertIn("redirect=%2Fmy%2Fstatement", location.query)
        self.assertFalse(self._session_uid(), "not signed in before the second factor")
        self.assertEqual(self._session().get("pre_uid"), user.id)

    def test_post_requires_csrf(self):
        path, _token = self._link(self.client_a)
        self._get(path)
        response = self.url_open(path, data={"redirect": "/my"}, allow_redirects=False)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self._session_uid())

    # ------------------------------------------------------------------
    # refused links
    # ------------------------------------------------------------------
    def test_refused_expired(self):
        path, token = self._link(self.client_a)
        self.env["client_hub.magic.link"]._get_valid_link(token).expiration_date = (
            fields.Datetime.now() - timedelta(minutes=1)
        )
        self._assert_refused_page(self._get(path))
        self._assert_refused_page(self._post(path, csrf_from="/client/login"))

    def test_refused_revoked(self):
        path, _token = self._link(self.client_a)
        self.client_a.with_user(self.agent).action_client_revoke_magic_links()
        self._assert_refused_page(self._get(path))
        self._assert_refused_page(self._post(path, csrf_from="/client/login"))

    def test_revoke_all_signs_client_out(self):
        path, _token = self._link(self.client_a)
        self.assertEqual(self._sign_in(path).status_code, 303)
        self.assertEqual(self.url_open("/my", allow_redirects=False).status_code, 200)
        self.client_a.with_user(self.agent).action_client_revoke_magic_links()
        response = self.url_open("/my", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])
        self._assert_refused_page(self._get(path))

    def test_refused_tampered_and_unknown(self):
        path, token = self._link(self.client_a)
        tampered = path[:-1] + ("A" if path[-1] != "A" else "B")
        self._assert_refused_page(self._get(tampered))
        self._assert_refused_page(self._post(tampered, csrf_from="/client/login"))
        self._assert_refused_page(self._get("/client/magic/" + "x" * 43))
        self._assert_refused_page(self._get("/client/magic/" + hash_token(token)))

    def test_refused_after_email_change(self):
        path, _token = self._link(self.client_a)
        self.client_a.email = "new-address@client.example.com"
        self._assert_refused_page(self._get(path))
        path2, _token = self._link(self.client_a)
        self.client_a.phone = "+32 2 555 00 00"  # other changes keep links
        self.assertEqual(self._sign_in(path2).status_code, 303)

    def test_refused_when_portal_user_archived(self):
        path, _token = self._link(self.client_a)
        user = self.client_a._get_client_portal_user()
        user.active = False
        self._assert_refused_page(self._get(path))
        path2, _token = self._link(self.client_a)
        response = self._sign_in(path2)
        self._assert_refused_page(response)
        self.assertIn("disabled", response.text)

    def test_refused_staff(self):
        for user in (self.agent, self.env.ref("base.user_admin")):
            path, _token = self._link(user.partner_id)
            response = self._sign_in(path)
            self._assert_refused_page(response)
            self.assertIn("Staff accounts cannot sign in with a link", response.text)

    # ------------------------------------------------------------------
    # /client/login: no enumeration
    # ------------------------------------------------------------------
    def test_login_no_enumeration(self):
        def ask(email):
            response = self._post("/client/login", data={"email": email})
            return response.status_code, ANY_CSRF_RE.sub(
                "", response.text.replace(email, "EMAIL")
            )

        Request = self.env["client_hub.magic.link.request"]
        known = ask(self.client_a.email)
        unknown = ask("stranger@nowhere.example.com")
        staff = ask(self.agent.email)
        self.assertEqual(known, unknown)
        self.assertEqual(known, staff)
        self.assertEqual(known[0], 200)
        # the page did the same work for all: queue the request, send nothing itself
        self.assertEqual(Request.search_count([]), 3)
        with self.mock_mail_gateway():
            Request._cron_process_requests()
        self.assertEqual(
            len(self._new_mails), 1, "only the known client gets an e-mail"
        )
        self.assertEqual(self._new_mails.recipient_ids, self.client_a)
        self.assertFalse(
            Request.search_count([]), "requests are deleted once processed"
        )

    def test_login_keeps_typed_value_on_error(self):
        response = self._post("/client/login", data={"email": "not-an-address"})
        self.assertEqual(response.status_code, 200)
        self.assertIn('value="not-an-address"', response.text)
        self.assertIn("valid e-mail address", response.text)

    # ------------------------------------------------------------------
    # rate limits
    # ------------------------------------------------------------------
    def _move_windows_back(self):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE client_hub_rate_limit SET window_start = window_start - interval '1 day'"
        )
        self.env.invalidate_all()

    def _queued(self, email, over_limit=False):
        """The sign-in link requests queued for ``email`` (within its quota, or over)."""
        return (
            self.env["client_hub.magic.link.request"]
            .sudo()
            .search_count(
                [
                    ("email", "=", email_normalize(email)),
                    ("over_limit", "=", over_limit),
                ]
            )
        )

    def test_rate_limit_request_per_email_triggers_and_resets(self):
        self.env["ir.config_parameter"].set_param(
            "client_hub.rate_limit_request_email", 2
        )
        for _i in range(2):
            self.assertEqual(
                self._post(
                    "/client/login", data={"email": self.client_a.email}
                ).status_code,
                200,
            )
        # over the limit the page answers as usual (finding 10) and the request waits
        # marked: sent only if the client's latest link no longer works
        response = self._post(
            "/client/login", data={"email": "Billing@Alpha.example.com"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_client_hub_magic_link_sent", response.text)
        self.assertNotIn("Too many attempts", response.text)
        self._assert_security_headers(response)
        self.assertEqual(self._queued(self.client_a.email), 2)
        self.assertEqual(self._queued(self.client_a.email, over_limit=True), 1)
        # another address is not blocked by this one
        self._post("/client/login", data={"email": self.client_b.email})
        self.assertEqual(self._queued(self.client_b.email), 1)
        self._move_windows_back()
        self._post("/client/login", data={"email": self.client_a.email})
        self.assertEqual(self._queued(self.client_a.email), 3)

    def test_rate_limit_request_per_ip(self):
        self.env["ir.config_parameter"].set_param("client_hub.rate_limit_request_ip", 2)
        for i in range(2):
            self.assertEqual(
                self._post(
                    "/client/login", data={"email": f"u{i}@example.com"}
                ).status_code,
                200,
            )
        response = self._post("/client/login", data={"email": "u9@example.com"})
        self.assertEqual(response.status_code, 200, "answers as usual (finding 10)")
        self.assertIn("o_client_hub_magic_link_sent", response.text)
        self.assertFalse(
            self._queued("u9@example.com")
            or self._queued("u9@example.com", over_limit=True),
            "and queues nothing",
        )

    def test_rate_limit_use_per_ip_triggers_and_resets(self):
        self.env["ir.config_parameter"].set_param("client_hub.rate_limit_use_ip", 3)
        for _i in range(3):
            self.assertEqual(self._get("/client/magic/" + "x" * 43).status_code, 200)
        path, _token = self._link(self.client_a)
        response = self._get(path)
        self.assertEqual(
            response.status_code, 429, "even a valid link is refused while blocked"
        )
        self.assertIn("Too many attempts", response.text)
        self._move_windows_back()
        self.assertEqual(self._sign_in(path).status_code, 303)

    def test_rate_limit_use_per_email(self):
        self.env["ir.config_parameter"].set_param("client_hub.rate_limit_use_email", 1)
        path, _token = self._link(self.client_a)
        self.assertEqual(self._sign_in(path).status_code, 303)
        self.opener.cookies.clear()
        self.assertEqual(self._sign_in(path).status_code, 429)

    def test_rate_limit_counts_are_atomic_rows(self):
        RateLimit = self.env["client_hub.rate.limit"]
        for _i in range(5):
            RateLimit._hit("use_ip", "192.0.2.7")
        row = RateLimit.search(
            [("key", "=", RateLimit._make_key("use_ip", "192.0.2.7"))]
        )
        self.assertEqual(row.count, 5)
        self.assertNotIn("192.0.2.7", row.key, "no IP or address in clear")

    # ------------------------------------------------------------------
    # headers
    # ------------------------------------------------------------------
    def test_security_headers(self):
        path, _token = self._link(self.client_a)
        self._assert_security_headers(self._get(path))
        self._assert_security_headers(self._get("/client/magic/unknown"))
        self._assert_security_headers(self._get("/client/login"))
        self._assert_security_headers(
            self._post("/client/login", data={"email": "x@example.com"})
        )
        response = self._sign_in(path)
        self.assertEqual(response.status_code, 303)
        self._assert_security_headers(response)

    # ------------------------------------------------------------------
    # isolation
    # ------------------------------------------------------------------
    def test_isolation_link_of_a_never_opens_b(self):
        path, _token = self._link(self.client_a, redirect=self.invoice_b.access_url)
        response = self._sign_in(path, redirect=self.invoice_b.access_url)
        self.assertEqual(response.status_code, 303)
        user_a = self.client_a.user_ids
        self.assertEqual(self._session_uid(), user_a.id)
        # A's invoice is shown; B's is refused the portal's way: back to /my
        for invoice, allowed in ((self.invoice_a, True), (self.invoice_b, False)):
            with self.subTest(invoice=invoice.partner_id.name, allowed=allowed):
                response = self.url_open(invoice.access_url, allow_redirects=False)
                if allowed:
                    self.assertEqual(response.status_code, 200)
                    self.assertIn(invoice.name, response.text)
                else:
                    self.assertEqual(response.status_code, 303)
                    self.assertEqual(urlsplit(response.headers["Location"]).path, "/my")
        # B's portal user was not touched and A's session is not B's
        self.assertFalse(self.client_b.user_ids)

    # ------------------------------------------------------------------
    # magic link in document e-mails
    # ------------------------------------------------------------------
    def _assert_magic_button(self, partner, redirect, model):
        bodies = self._sent_bodies(partner, model=model)
        self.assertEqual(len(bodies), 1)
        match = MAGIC_RE.search(bodies[0])
        self.assertTrue(match, "the client's button is a magic link")
        link = self.env["client_hub.magic.link"]._get_valid_link(match.group(1))
        self.assertEqual(link.partner_id, partner)
        self.assertIn(redirect.split("?")[0].replace("/", "%2F"), match.group(2) or "")
        return match

    def test_invoice_email_carries_magic_link(self):
        with self.mock_mail_gateway():
            self.env["account.move.send"].with_user(
                self.agent
            )._generate_and_send_invoices(self.invoice_a, sending_methods=["email"])
        match = self._assert_magic_button(
            self.client_a, self.invoice_a.access_url, "account.move"
        )
        # and it works: it opens the invoice, signed in
        path = f"/client/magic/{match.group(1)}{match.group(2).replace('&amp;', '&')}"
        page = self._get(path)
        redirect = re.search(r'name="redirect" value="([^"]+)"', page.text).group(1)
        response = self._sign_in(path, redirect=redirect.replace("&amp;", "&"))
        self.assertEqual(response.status_code, 303)
        self.assertEqual(
            urlsplit(response.headers["Location"]).path, self.invoice_a.access_url
        )

    def test_quotation_and_receipt_emails_carry_magic_link(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.client_a.id,
                "order_line": [
                    fields.Command.create(
                        {
                            "product_id": self.env["product.product"]
                            .create({"name": "Audit", "list_price": 50})
                            .id,
                        }
                    )
                ],
            }
        )
        journal = self.env["account.journal"].search([("type", "=", "bank")], limit=1)
        payment = self.env["account.payment"].create(
            {
                "partner_id": self.client_a.id,
                "partner_type": "customer",
                "payment_type": "inbound",
                "amount": 10,
                "journal_id": journal.id,
            }
        )
        with self.mock_mail_gateway():
            order.with_user(self.agent).sudo(False).message_post(
                body="Your quotation",
                partner_ids=self.client_a.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            payment.message_post(
                body="Your receipt",
                partner_ids=self.client_a.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self._assert_magic_button(self.client_a, order.access_url, "sale.order")
        self._assert_magic_button(self.client_a, "/my/statement", "account.payment")

    def test_staff_recipient_gets_no_magic_link(self):
        Link = self.env["client_hub.magic.link"]
        before = Link.search([])
        with self.mock_mail_gateway():
            self.invoice_a.message_post(
                body="FYI",
                partner_ids=(self.client_a | self.agent.partner_id).ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        links = Link.search([]) - before
        self.assertEqual(
            links.partner_id, self.client_a, "one link, for the client only"
        )

    # ------------------------------------------------------------------
    # staff buttons
    # ------------------------------------------------------------------
    def test_send_portal_link_button(self):
        with self.mock_mail_gateway():
            self.client_a.with_user(self.agent).action_client_send_magic_link()
        self.assertEqual(len(self._new_mails), 1)
        self.assertNotIn(
            "/client/magic/",
            str(self._new_mails.body_html),
            "the stored e-mail holds no live link",
        )
        match = MAGIC_RE.search(self._sent_bodies(self.client_a)[0])
        link = self.env["client_hub.magic.link"]._get_valid_link(match.group(1))
        self.assertEqual((link.partner_id, link.purpose), (self.client_a, "document"))
        self.assertEqual(
            self._sign_in(f"/client/magic/{match.group(1)}").status_code, 303
        )

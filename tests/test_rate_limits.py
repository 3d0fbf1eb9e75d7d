import base64
import io
import re
import zipfile
from datetime import timedelta
from unittest.mock import patch

import odoo
from odoo import fields
from odoo.sql_db import db_connect
from odoo.tests import tagged

from odoo.addons.mail.tests.common import MailCase

from .common import (
    MAGIC_RE,
    ClientHubCommon,
    ClientHubHttpCommon,
    MagicLinkHttpCommon,
    StatementCommon,
    StatementHttpMixin,
)

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
BOGUS_TOKEN = "x" * 43
FAKE_RENDERED_PDF = b"%PDF-1.4 rendered for the test"


class RateLimitCase(ClientHubHttpCommon):
    def setUp(self):
        super().setUp()
        # one window for the whole test: a window boundary cannot reset a counter mid-test
        self.env["ir.config_parameter"].set_param(
            "client_hub.rate_limit_window_minutes", 24 * 60
        )

    def _counts(self, kind):
        """Return the attempts counted for ``kind``, by key."""
        RateLimit = self.env["client_hub.rate.limit"]
        self.env.invalidate_all()
        rows = RateLimit.search([("key", "=like", f"{kind}:%")])
        return {row.key: row.count for row in rows}


@tagged("post_install", "-at_install")
class TestZipRenderLimits(StatementCommon, StatementHttpMixin, RateLimitCase):
    """ZIP downloads that render PDFs with wkhtmltopdf: one at a time and a few per
    window for each client, whatever the worker or server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inv_overdue.invoice_pdf_report_file = base64.b64encode(b"%PDF-1.4 stored")

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].set_param("client_hub.rate_limit_zip_render", 2)
        Move = self.registry["account.move"]
        # wkhtmltopdf is an outside process: count its runs instead of starting them
        self.render = self.startPatcher(
            patch.object(
                Move,
                "_client_hub_render_pdfs",
                autospec=True,
                side_effect=lambda moves: dict.fromkeys(moves.ids, FAKE_RENDERED_PDF),
            )
        )
        self._login(self.portal_a)

    def _download(self, moves):
        return self._post("/my/statement/download", moves.ids)

    def assertZip(self, response, moves):
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/zip")
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            self.assertEqual(
                archive.namelist(), [m._client_hub_zip_entry_name() for m in moves]
            )

    def assertRefused(self, response, moves, message):
        self.assertEqual(response.status_code, 303)
        self.assertNotEqual(response.headers.get("Content-Type"), "application/zip")
        page = self.url_open(response.headers["Location"]).text
        self.assertIn(message, page)
        for move in moves:
            self.assertIn(
                f'value="{move.id}" checked', page, "the ticked selection is kept"
            )

    def test_render_limit_per_client(self):
        to_render = self.inv_current | self.refund
        for _i in range(2):
            self.assertZip(self._download(to_render), to_render)
        self.assertEqual(self.render.call_count, 2)
        self.assertRefused(self._download(to_render), to_render, "Please try again in")
        self.assertEqual(self.render.call_count, 2, "nothing rendered once refused")
        # PDFs already stored are served without rendering, so without limit
        self.assertZip(self._download(self.inv_overdue), self.inv_overdue)
        self.assertEqual(self.render.call_count, 2)
        # another client is not affected
        self._login(self.portal_b)
        self.assertZip(self._download(self.inv_bravo), self.inv_bravo)
        self.assertEqual(self.render.call_count, 3)

    def test_stored_pdfs_only_are_not_counted(self):
        for _i in range(3):
            self.assertZip(self._download(self.inv_overdue), self.inv_overdue)
        self.assertFalse(self._counts("zip_render"))
        self.assertEqual(self.render.call_count, 0)
        self.assertZip(self._download(self.inv_current), self.inv_current)
        self.assertEqual(list(self._counts("zip_render").values()), [1])

    def test_render_limit_is_a_setting(self):
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.client_hub_zip_render_limit, 2)
        settings.client_hub_zip_render_limit = 1
        settings.execute()
        self.assertZip(self._download(self.inv_current), self.inv_current)
        self.assertRefused(
            self._download(self.inv_current), self.inv_current, "Please try again in"
        )

    def test_concurrent_render_of_the_same_client_is_refused(self):
        Move = self.env["account.move"]
        # another request of Alpha's, in another worker: its own database connection
        with db_connect(self.env.cr.dbname).cursor() as other_cr:
            other_cr.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                Move._client_hub_zip_lock_key(self.client_a),
            )
            self.assertRefused(
                self._download(self.inv_current),
                self.inv_current,
                "still being prepared",
            )
            self.assertEqual(self.render.call_count, 0)
            # stored PDFs need no rendering: not blocked
            self.assertZip(self._download(self.inv_overdue), self.inv_overdue)
            # another client renders meanwhile
            self._login(self.portal_b)
            self.assertZip(self._download(self.inv_bravo), self.inv_bravo)
        self._login(self.portal_a)
        self.assertZip(self._download(self.inv_current), self.inv_current)
        self.assertFalse(
            any(count > 1 for count in self._counts("zip_render").values()),
            "a refused concurrent download is not counted",
        )


@tagged("post_install", "-at_install")
class TestRateLimitClientAddress(RateLimitCase):
    """The per-IP limits count ``request.httprequest.remote_addr`` as Odoo computes it:
    forwarded headers count only in ``proxy_mode``, as set by the proxy."""

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].set_param("client_hub.rate_limit_use_ip", 2)
        self.env["ir.config_parameter"].set_param("client_hub.rate_limit_request_ip", 2)
        self.RateLimit = self.env["client_hub.rate.limit"]

    def _open_link(
        self, forwarded_for=None, forwarded_host="portal.example.com", proxy_mode=False
    ):
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        if forwarded_host:
            headers["X-Forwarded-Host"] = forwarded_host
        with patch.dict(odoo.tools.config.options, {"proxy_mode": proxy_mode}):
            response = self.url_open(
                f"/client/magic/{BOGUS_TOKEN}", headers=headers, allow_redirects=False
            )
        self.assertIn(response.status_code, (200, 429))
        return response.status_code

    def test_forged_forwarded_for_ignored_without_proxy_mode(self):
        statuses = [
            self._open_link(forwarded_for=ip, forwarded_host=f"h{ip}.example.com")
            for ip in ("198.51.100.1", "198.51.100.2", "198.51.100.3")
        ]
        self.assertEqual(
            statuses, [200, 200, 429], "the same client, whatever it forges"
        )
        self.assertEqual(
            self._counts("use_ip"), {self.RateLimit._make_key("use_ip", "127.0.0.1"): 3}
        )

    def test_forged_forwarded_for_ignored_on_login_without_proxy_mode(self):
        statuses = []
        for i in range(3):
            headers = {
                "X-Forwarded-For": f"198.51.100.{i}",
                "X-Forwarded-Host": "portal.example.com",
            }
            with patch.dict(odoo.tools.config.options, {"proxy_mode": False}):
                page = self.url_open("/client/login", headers=headers)
                csrf = CSRF_RE.search(page.text).group(1)
                response = self.url_open(
                    "/client/login",
                    headers=headers,
                    allow_redirects=False,
                    data={"csrf_token": csrf, "email": f"u{i}@example.com"},
                )
            statuses.append(response.status_code)
        # over the limit the page answers as usual (finding 10): the third is not queued
        self.assertEqual(statuses, [200, 200, 200])
        self.assertEqual(
            self.env["client_hub.magic.link.request"]
            .sudo()
            .search_count([("email", "like", "@example.com")]),
            2,
            "the same client, whatever it forges",
        )
        self.assertEqual(
            self._counts("request_ip"),
            {self.RateLimit._make_key("request_ip", "127.0.0.1"): 3},
        )

    def test_proxy_mode_keys_the_forwarded_address(self):
        clients = ("203.0.113.1", "203.0.113.2", "203.0.113.3")
        statuses = [
            self._open_link(ip, proxy_mode=True) for ip in clients for _i in range(2)
        ]
        self.assertEqual(statuses, [200] * 6, "each client has its own counter")
        self.assertEqual(self._open_link("203.0.113.1", proxy_mode=True), 429)
        self.assertEqual(
            self._counts("use_ip"),
            {
                self.RateLimit._make_key("use_ip", "203.0.113.1"): 3,
                self.RateLimit._make_key("use_ip", "203.0.113.2"): 2,
                self.RateLimit._make_key("use_ip", "203.0.113.3"): 2,
            },
            "nothing counted for the proxy's own address",
        )

    def test_proxy_mode_takes_the_address_the_proxy_appended(self):
        """A client's own X-Forwarded-For is kept by the proxy, which appends the address
        it sees: only that last one counts."""
        statuses = [
            self._open_link(f"{forged}, 203.0.113.9", proxy_mode=True)
            for forged in ("198.51.100.1", "198.51.100.2", "198.51.100.3")
        ]
        self.assertEqual(statuses, [200, 200, 429])

    def test_proxy_mode_needs_forwarded_host(self):
        """Odoo applies the forwarded headers only with X-Forwarded-Host: without it the
        address is the peer's (the proxy's), forged X-Forwarded-For or not."""
        statuses = [
            self._open_link(ip, forwarded_host=None, proxy_mode=True)
            for ip in ("203.0.113.1", "203.0.113.2", "203.0.113.3")
        ]
        self.assertEqual(statuses, [200, 200, 429])
        self.assertEqual(
            self._counts("use_ip"), {self.RateLimit._make_key("use_ip", "127.0.0.1"): 3}
        )

    def test_ipv6_counted_per_64(self):
        statuses = [
            self._open_link(ip, proxy_mode=True)
            for ip in (
                "2001:db8:1:2::1",
                "2001:db8:1:2:ffff::2",
                "2001:db8:1:2:abcd:1:2:3",
            )
        ]
        self.assertEqual(statuses, [200, 200, 429], "one client owns its whole /64")
        self.assertEqual(
            self._open_link("2001:db8:1:3::1", proxy_mode=True),
            200,
            "the next /64 is another client",
        )


@tagged("post_install", "-at_install")
class TestRateLimitKeys(ClientHubCommon):
    def test_ip_keys(self):
        RateLimit = self.env["client_hub.rate.limit"]
        self.assertEqual(RateLimit._get_ip_key("192.0.2.7"), "192.0.2.7")
        self.assertEqual(RateLimit._get_ip_key("::ffff:192.0.2.7"), "192.0.2.7")
        self.assertEqual(RateLimit._get_ip_key("2001:DB8:1:2::1"), "2001:db8:1:2::/64")
        self.assertEqual(RateLimit._get_ip_key("fe80::1%eth0"), "fe80::/64")
        self.assertEqual(RateLimit._get_ip_key("not an ip"), "not an ip")
        self.assertEqual(
            RateLimit._make_key("use_ip", "2001:db8:1:2::1"),
            RateLimit._make_key("use_ip", "2001:db8:1:2:ffff::9"),
        )
        self.assertNotEqual(
            RateLimit._make_key("use_ip", "2001:db8:1:2::1"),
            RateLimit._make_key("use_ip", "2001:db8:1:3::1"),
        )
        # e-mail keys are not taken for addresses
        self.assertNotEqual(
            RateLimit._make_key("use_email", "2001:db8:1:2::1"),
            RateLimit._make_key("use_email", "2001:db8:1:2::2"),
        )

    def test_malformed_limit_parameter_falls_back_to_default(self):
        RateLimit = self.env["client_hub.rate.limit"]
        self.env["ir.config_parameter"].set_param(
            "client_hub.rate_limit_zip_render", "ten"
        )
        self.assertEqual(RateLimit._get_limit("zip_render"), 10)
        self.env["ir.config_parameter"].set_param(
            "client_hub.rate_limit_zip_render", "0"
        )
        self.assertEqual(RateLimit._get_limit("zip_render"), 0)


@tagged("post_install", "-at_install")
class TestSignInQuotaLockOut(MagicLinkHttpCommon, RateLimitCase, MailCase):
    """Whoever types a client's address on /client/login spends its per-address quota
    (3 per window), yet cannot lock the client out: over the quota a request still sends
    a link when the latest one sent to the client can no longer sign in (used, expired,
    revoked), and nothing otherwise (the client holds a working link). The window is a
    day here (`RateLimitCase`): the links, 15 minutes, expire within it."""

    def setUp(self):
        super().setUp()
        self.alice = self.portal_a.partner_id
        self.mails = []

    def _ask(self, email, times=1):
        """Ask /client/login for a sign-in link for ``email`` from a fresh browser (a
        stranger or the client: the same request), ``times`` times; return the last page."""
        for _i in range(times):
            self.opener.cookies.clear()
            response = self._post("/client/login", data={"email": email})
            self.assertEqual(response.status_code, 200)
        return response

    def _send_queued(self):
        """Run the cron that sends the requested links; return the bodies of the e-mails
        it sent to Alice."""
        with self.mock_mail_gateway():
            self.env["client_hub.magic.link.request"]._cron_process_requests()
            sent = self._sent_bodies(self.alice)
        self.mails += sent
        return sent

    def _expire_links(self):
        """The links sent so far lapse (their 15 minutes are over, the window is not)."""
        self.env["client_hub.magic.link"].sudo().search(
            [("partner_id", "=", self.alice.id)]
        ).expiration_date = fields.Datetime.now() - timedelta(minutes=1)

    def _sign_in_with_latest(self):
        match = MAGIC_RE.search(self.mails[-1])
        self.assertTrue(match, "the latest e-mail carries a link")
        self._sign_in_with(match)
        self.assertEqual(self._session_uid(), self.portal_a.id, "it signs Alice in")

    def test_stranger_spends_the_quota_the_client_still_gets_a_link(self):
        self._ask(self.alice.email, times=5)
        self.assertEqual(len(self._send_queued()), 3, "the quota: 3 e-mails")
        self._expire_links()
        self._ask(self.alice.email)  # Alice, half an hour later
        self.assertEqual(len(self._send_queued()), 1, "Alice gets a fresh link")
        self._ask(self.alice.email, times=5)  # the stranger again
        self.assertFalse(self._send_queued(), "not while Alice's latest link works")
        self._sign_in_with_latest()
        self.assertEqual(len(self.mails), 4, "bounded")

    def test_client_who_used_the_latest_link_gets_another(self):
        self._ask(self.alice.email, times=3)
        self.assertEqual(len(self._send_queued()), 3)
        self._sign_in_with_latest()  # Alice uses the link of the latest e-mail
        self._ask(self.alice.email)  # and asks again (another device)
        self.assertEqual(len(self._send_queued()), 1)
        self._sign_in_with_latest()
        self._ask(self.alice.email, times=5)  # a stranger, over the quota
        self.assertEqual(len(self._send_queued()), 1, "one, for the link used")
        self.assertFalse(self._send_queued(), "and nothing more")
        self.assertEqual(len(self.mails), 5)

    def test_sent_page_is_the_same_for_everyone(self):
        """Within or over the quota, for a client or an unknown address, the page is the
        same, and says which e-mail to use after several requests."""

        def page(email):
            text = self._ask(email).text.replace(email, "EMAIL")
            return " ".join(re.sub(r"[0-9a-f]{40}o[0-9]+", "", text).split())

        unknown = "nobody@nowhere.example.com"
        pages = [page(self.alice.email), page(unknown)]
        for _i in range(3):
            self._ask(self.alice.email)
            self._ask(unknown)
        pages += [page(self.alice.email), page(unknown)]
        self.assertEqual(len(set(pages)), 1)
        self.assertIn("use the link of the latest e-mail", pages[0])
        self.assertIn("valid for 15 minutes", pages[0])

from contextlib import contextmanager
from unittest.mock import patch

from odoo.http import request
from odoo.tests import tagged

from .common import StatementHttpCommon, TicketCommon

# What Odoo logs when a read-only route writes: it then serves the request again on the
# primary (odoo/http.py, `Request._serve_db`).
READONLY_FALLBACK = "retrying with a read/write cursor"


@tagged("post_install", "-at_install")
class TestReadonlyRoutes(StatementHttpCommon, TicketCommon):
    """Portal pages that only read are served on a read-only cursor (a replica when
    ``db_replica_host`` is set): with the test registry, a read-only cursor is a transaction
    set READ ONLY, so a write there fails as it would on a hot standby."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls._new_ticket(cls.portal_a, name="Where is my invoice?")

    @contextmanager
    def _cursor_modes(self):
        """Yield the list of the cursor modes (True: read-only) the requests made within
        were served with, one per dispatch: a read-only request that wrote adds a second,
        read/write, one (Odoo's fallback), and logs it."""
        modes = []
        IrHttp = self.env.registry["ir.http"]
        post_dispatch = IrHttp._post_dispatch

        def _post_dispatch(cls, response):
            modes.append(request.env.cr.readonly)
            return post_dispatch(response)

        with patch.object(IrHttp, "_post_dispatch", classmethod(_post_dispatch)):
            yield modes

    def _get_readonly(self, path):
        """GET ``path``: it must answer 200 from a read-only cursor, without falling back."""
        with self._cursor_modes() as modes, self.assertNoLogs("odoo.http", "WARNING"):
            response = self.url_open(path, allow_redirects=False)
        self.assertEqual(response.status_code, 200, path)
        self.assertEqual(modes, [True], f"{path} must be served read-only")
        return response

    def test_portal_pages_are_served_readonly(self):
        for path in (
            "/my/statement",
            "/my/statement/page/1",
            "/my/statement?selected=1,2",
            "/my/statement/pdf",
            "/my/tickets",
            "/my/tickets/page/1?filterby=open",
            "/my/tickets/new",
        ):
            with self.subTest(path=path):
                self._get_readonly(path)

    def test_sign_in_page_is_readonly_on_get_only(self):
        self._login(None)
        page = self._get_readonly("/client/login")
        self.assertIn('name="csrf_token"', page.text)
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        Request = self.env["client_hub.magic.link.request"].sudo()
        before = Request.search_count([])
        with self._cursor_modes() as modes, self.assertNoLogs("odoo.http", "WARNING"):
            response = self.url_open(
                "/client/login",
                data={"email": "alice@alpha.example.com", "csrf_token": csrf},
                allow_redirects=False,
            )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(modes, [False], "asking for a link writes: read/write route")
        self.assertEqual(Request.search_count([]), before + 1)

    def test_writing_routes_stay_read_write(self):
        """The pages that write (rate counters, access tokens, the ticket) keep the primary."""
        with self._cursor_modes() as modes:
            self.assertEqual(
                self.url_open(
                    self.ticket.access_url, allow_redirects=False
                ).status_code,
                200,
            )
            self._login(None)
            self.url_open("/client/magic/not-a-token", allow_redirects=False)
        self.assertEqual(modes, [False, False])

    def test_a_write_on_a_readonly_page_is_caught(self):
        """The read-only cursor refuses writes: a page writing would be served twice, which
        is what the checks above rule out."""

        def totals_writing(partner):
            partner.env["client_hub.rate.limit"]._hit("use_ip", "192.0.2.1")
            return []

        with (
            patch.object(
                self.env.registry["res.partner"],
                "_get_client_statement_totals",
                totals_writing,
            ),
            self._cursor_modes() as modes,
            self.assertLogs("odoo.http", "WARNING") as logs,
            self.assertLogs("odoo.sql_db", "WARNING"),
        ):
            response = self.url_open("/my/statement", allow_redirects=False)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(modes, [False])
        self.assertIn(READONLY_FALLBACK, logs.output[0])

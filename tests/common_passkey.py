"""What the passkey offer tests share: whether `auth_passkey_portal` is installed in the
database under test, and a browser signed in with a magic link.

client_hub does not depend on `auth_passkey_portal`. Odoo installs it with `portal` and
`auth_passkey` (both auto-installed), so it is in every database `make test` makes; a
database where it was uninstalled runs `test_passkey_offer_absent.py` instead.
"""

import unittest

from odoo.modules.registry import Registry
from odoo.tests.common import get_db_name

from .common import CSRF_RE


def passkey_portal_installed():
    """Tell whether `auth_passkey_portal` is installed in the database under test."""
    with Registry(get_db_name()).cursor() as cr:
        cr.execute(
            "SELECT state FROM ir_module_module WHERE name = 'auth_passkey_portal'"
        )
        row = cr.fetchone()
    return bool(row) and row[0] == "installed"


def skip_unless_passkey_portal(installed):
    """Skip the class unless `auth_passkey_portal` is installed (``installed``) or not."""
    if passkey_portal_installed() != installed:
        raise unittest.SkipTest(
            "auth_passkey_portal is %s in this database"
            % ("not installed" if installed else "installed")
        )


class PasskeyOfferMixin:
    """Sign in with magic links and answer the offer, as a client's browser does."""

    def _sign_in_with_link(self, partner, purpose="login"):
        """Sign in a fresh browser with a new link of ``purpose``; return the page the
        sign-in opens (the statement)."""
        self.opener.cookies.clear()
        path, _token = self._link(partner, purpose=purpose)
        response = self._sign_in(path)
        self.assertEqual(response.status_code, 303)
        page = self.url_open("/my/statement")
        self.assertEqual(page.status_code, 200)
        return page

    def _answer_offer(self, page, answer):
        """Post the offer's ``answer`` (``add`` or ``dismiss``) from ``page``."""
        return self.url_open(
            f"/my/passkey/{answer}",
            data={
                "csrf_token": CSRF_RE.search(page.text).group(1),
                "redirect": "/my/statement",
            },
            allow_redirects=False,
        )

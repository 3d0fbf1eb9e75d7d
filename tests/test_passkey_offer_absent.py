"""Without `auth_passkey_portal`, no passkey is offered or shown and sign-in works as before.

Odoo installs `auth_passkey_portal` with `portal` (auto-install), so this file is not
imported by `tests/__init__.py`: it runs on a database where the module was uninstalled,
e.g. ``chtest <db>`` then ``odoo-bin module uninstall auth_passkey_portal -d <db>``, then
``chtest <db> client_hub/tests/test_passkey_offer_absent.py`` (see tools/harness.sh).
Elsewhere it is skipped with the reason.
"""

from odoo.tests import tagged

from .common import MagicLinkHttpCommon
from .common_passkey import PasskeyOfferMixin, skip_unless_passkey_portal


@tagged("post_install", "-at_install")
class TestPasskeyOfferAbsent(PasskeyOfferMixin, MagicLinkHttpCommon):
    @classmethod
    def setUpClass(cls):
        skip_unless_passkey_portal(installed=False)
        super().setUpClass()

    def test_no_offer_and_sign_in_works(self):
        self.assertFalse(self.env["res.users"]._client_hub_passkey_available())
        page = self._sign_in_with_link(self.client_a, purpose="login")
        self.assertNotIn("o_client_hub_passkey_offer", page.text)
        self.assertEqual(
            self._session().uid,
            self.client_a.with_context(active_test=False).user_ids.id,
        )
        self.assertEqual(self.url_open("/my").status_code, 200)
        # a forged answer changes nothing and breaks nothing
        response = self._answer_offer(page, "add")
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/my/statement"))
        self.assertNotIn("identity-check-last", self._session())
        self.assertEqual(self._answer_offer(page, "dismiss").status_code, 303)

    def test_login_page_without_passkey_sign_in(self):
        self.opener.cookies.clear()
        page = self.url_open("/client/login")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn("o_client_hub_passkey_login", page.text)
        self.assertNotIn("passkey_login_link", page.text)
        self.assertIn("Send me a sign-in link", page.text)

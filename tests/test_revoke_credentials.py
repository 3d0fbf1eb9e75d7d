"""Revoking a client's portal access removes the credentials that outlive a link: the
passkeys, API keys and trusted devices (second factor) of its portal users, and their
sessions; so does a new e-mail address and merging the contact into another."""

from datetime import datetime, timedelta

from odoo.tests import new_test_user, tagged

from .common import MagicLinkHttpCommon


@tagged("post_install", "-at_install")
class TestRevokeCredentials(MagicLinkHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a staff member filed as a contact of the client: never touched
        cls.staff_in_client = new_test_user(
            cls.env, login="ch_staff_in_client", groups="base.group_user"
        )
        cls.staff_in_client.partner_id.parent_id = cls.client_a
        cls.partner_manager = new_test_user(
            cls.env,
            login="ch_partner_manager",
            groups="base.group_user,base.group_partner_manager",
        )

    def _add_credentials(self, user, tag):
        """Give ``user`` a passkey, an API key and a trusted device; return their ids."""
        passkey = (
            self.env["auth.passkey.key"]
            .with_user(user)
            .sudo()
            .create(
                {
                    "name": f"{tag} phone",
                    "credential_identifier": f"cred-{tag}",
                    "public_key": f"key-{tag}",
                }
            )
        )
        expiry = datetime.now() + timedelta(days=1)
        self.env["res.users.apikeys"].with_user(user).sudo()._generate(
            "rpc", f"{tag} script", expiry
        )
        self.env["auth_totp.device"].with_user(user).sudo()._generate(
            "browser", f"{tag} browser", expiry
        )
        self.assertEqual(self._credentials(user), (1, 1, 1))
        return passkey

    def _credentials(self, user):
        """(passkeys, API keys, trusted devices) of ``user``."""
        self.env.invalidate_all()
        user_sudo = user.sudo()
        return (
            len(user_sudo.auth_passkey_key_ids),
            len(user_sudo.api_key_ids),
            len(user_sudo.totp_trusted_device_ids),
        )

    def _last_log(self, partner):
        """The body of the last message logged on ``partner`` with a body (tracking
        messages have none)."""
        self.env.invalidate_all()
        return str(partner.message_ids.filtered("body")[:1].body)

    def _sign_in_as(self, partner):
        """Sign a fresh browser in with a magic link of ``partner``, as the client does
        (a session Odoo records as a device)."""
        self.opener.cookies.clear()
        path, _token = self._link(partner)
        self.assertEqual(self._sign_in(path).status_code, 303)
        self.assertEqual(self.url_open("/my", allow_redirects=False).status_code, 200)

    def test_revoke_removes_credentials_of_every_portal_user(self):
        client_user = self.client_a._get_client_portal_user()
        self._add_credentials(self.portal_a, "Alice")
        self._add_credentials(client_user, "Alpha")
        self._add_credentials(self.staff_in_client, "Staff")
        self._add_credentials(self.portal_b, "Bob")
        self._sign_in_as(self.portal_a.partner_id)

        self.client_a.with_user(self.agent).action_client_revoke_magic_links()

        self.assertEqual(self._credentials(self.portal_a), (0, 0, 0))
        self.assertEqual(self._credentials(client_user), (0, 0, 0))
        self.assertEqual(
            self._credentials(self.staff_in_client), (1, 1, 1), "staff keep theirs"
        )
        self.assertEqual(
            self._credentials(self.portal_b), (1, 1, 1), "other clients keep theirs"
        )
        response = self.url_open("/my", allow_redirects=False)
        self.assertEqual(response.status_code, 303, "the session is ended")
        log = self._last_log(self.client_a)
        self.assertIn("All portal links revoked by", log)
        self.assertIn("2 passkeys (", log)
        self.assertIn("Alice phone", log)
        self.assertIn("Alpha phone", log)
        self.assertIn("2 API keys", log)
        self.assertIn("2 trusted devices", log)
        self.assertIn("1 session signed out", log)
        self.assertNotIn("Staff phone", log)

    def test_revoke_with_nothing_to_remove_says_so(self):
        self.client_b.with_user(self.agent).action_client_revoke_magic_links()
        self.assertIn(
            "No passkey, API key, trusted device or session",
            self._last_log(self.client_b),
        )

    def test_credentials_method_skips_staff(self):
        self._add_credentials(self.staff_in_client, "Staff")
        removed = (
            self.staff_in_client | self.portal_a
        )._client_hub_revoke_credentials()
        self.assertEqual(removed["passkeys"], [])
        self.assertEqual(self._credentials(self.staff_in_client), (1, 1, 1))

    def test_email_change_removes_credentials(self):
        self._add_credentials(self.portal_a, "Alice")
        self._add_credentials(self.staff_in_client, "Staff")
        self._sign_in_as(self.portal_a.partner_id)
        _path, token = self._link(self.portal_a.partner_id)

        self.portal_a.partner_id.with_user(
            self.partner_manager
        ).email = "alice.new@alpha.example.com"

        self.assertEqual(self._credentials(self.portal_a), (0, 0, 0))
        self.assertEqual(self._credentials(self.staff_in_client), (1, 1, 1))
        self.assertFalse(self.env["client_hub.magic.link"]._get_valid_link(token))
        self.assertEqual(self.url_open("/my", allow_redirects=False).status_code, 303)
        log = self._last_log(self.portal_a.partner_id)
        self.assertIn("The e-mail address changed.", log)
        self.assertIn("1 passkey (Alice phone)", log)
        self.assertIn("1 API key", log)
        self.assertIn("1 trusted device", log)
        self.assertIn("1 session signed out", log)

    def test_other_changes_keep_credentials(self):
        self._add_credentials(self.portal_a, "Alice")
        self.portal_a.partner_id.with_user(self.partner_manager).write(
            {"phone": "+32 2 555 00 00", "email": self.portal_a.email.upper()}
        )
        self.assertEqual(self._credentials(self.portal_a), (1, 1, 1))

    def test_passkey_names_are_logged_as_text(self):
        passkey = self._add_credentials(self.portal_a, "Alice")
        passkey.sudo().name = "<b>mine</b>"
        self.client_a.with_user(self.agent).action_client_revoke_magic_links()
        log = self._last_log(self.client_a)
        self.assertIn("&lt;b&gt;mine&lt;/b&gt;", log)
        self.assertNotIn("<b>", log)


@tagged("post_install", "-at_install")
class TestMergeRevokesLinks(MagicLinkHttpCommon):
    """Merging contacts: the merged (source) contacts' links and their portal users'
    credentials are revoked before the merge moves them to the surviving contact."""

    def _merge(self, survivor, merged):
        wizard = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_context(
                active_model="res.partner", active_ids=(survivor | merged).ids
            )
            .create({"dst_partner_id": survivor.id})
        )
        wizard.action_merge()
        self.assertFalse(merged.exists())

    def test_merge_revokes_links_of_merged_contacts(self):
        Link = self.env["client_hub.magic.link"]
        duplicate = self.env["res.partner"].create(
            {
                "name": "Bruno Bravo (duplicate)",
                "parent_id": self.client_b.id,
                "email": self.contact_b.email,
            }
        )
        user = duplicate._get_client_portal_user()
        self.env["res.users.apikeys"].with_user(user).sudo()._generate(
            "rpc", "Bruno script", datetime.now() + timedelta(days=1)
        )
        _path, merged_token = self._link(duplicate)
        _path, kept_token = self._link(self.contact_b)

        self._merge(self.contact_b, duplicate)

        self.assertFalse(
            Link._get_valid_link(merged_token), "the merged contact's link is revoked"
        )
        self.assertEqual(
            Link._get_valid_link(kept_token).partner_id,
            self.contact_b,
            "the surviving contact keeps its own links",
        )
        self.env.invalidate_all()
        self.assertEqual(user.partner_id, self.contact_b)
        self.assertFalse(user.sudo().api_key_ids, "the moved user's API key is gone")
        logs = self.contact_b.message_ids.filtered(
            lambda m: "links of the merged contacts" in str(m.body)
        )
        self.assertEqual(len(logs), 1)
        self.assertIn("Bruno Bravo (duplicate)", str(logs.body))
        self.assertIn("1 API key", str(logs.body))

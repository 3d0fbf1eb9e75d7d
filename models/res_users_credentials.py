from markupsafe import escape

from odoo import api, models


class ResUsers(models.Model):
    """The credentials a client's portal user keeps beyond a magic link, removed when the
    client's access is revoked, its e-mail address changes or it is merged away."""

    _inherit = "res.users"

    def _client_hub_revoke_credentials(self):
        """Remove the lasting credentials of the portal users in ``self`` and sign them
        out: their passkeys (`auth_passkey`, when installed), their API keys of every
        scope, their trusted devices (`auth_totp`'s "don't ask again on this browser")
        and their sessions. Whoever signed in with a stolen link and added any of them
        cannot sign back in with it. Staff users in ``self`` are left untouched.

        Callers establish their right to manage the client first.

        :return: what was removed: ``passkeys`` (their names), ``api_keys``,
            ``trusted_devices`` and ``sessions`` (counts)
        :rtype: dict
        """
        removed = {"passkeys": [], "api_keys": 0, "trusted_devices": 0, "sessions": 0}
        # sudo: the caller may manage the client; only its portal users' own credentials
        # are removed (users cannot read or remove others' keys), never staff's.
        for user_sudo in self.sudo().filtered("share"):
            if "auth.passkey.key" in self.env:
                passkeys_sudo = user_sudo.auth_passkey_key_ids
                removed["passkeys"] += passkeys_sudo.mapped("name")
                passkeys_sudo.unlink()
            removed["api_keys"] += len(user_sudo.api_key_ids)
            user_sudo.api_key_ids._remove()
            if "auth_totp.device" in self.env:
                removed["trusted_devices"] += len(user_sudo.totp_trusted_device_ids)
                user_sudo.totp_trusted_device_ids._remove()
            sessions_sudo = (
                self.env["res.device"].sudo().search([("user_id", "=", user_sudo.id)])
            )
            removed["sessions"] += len(
                sessions_sudo.filtered(lambda d: not d.is_current)
            )
            user_sudo._action_revoke_all_devices()
            # res.device is an SQL view of res_device_log: let it see them revoked
            self.env["res.device.log"].flush_model(["revoked"])
        return removed

    @api.model
    def _client_hub_describe_removed_credentials(self, removed):
        """Return the chatter line that lists what `_client_hub_revoke_credentials`
        removed, as HTML (the passkey names are the client's, escaped).

        :param dict removed: the answer of `_client_hub_revoke_credentials`
        :rtype: markupsafe.Markup
        """
        parts = []
        if passkeys := removed["passkeys"]:
            names = ", ".join(passkeys)
            if len(passkeys) == 1:
                parts.append(self.env._("1 passkey (%(names)s)", names=names))
            else:
                parts.append(
                    self.env._(
                        "%(count)s passkeys (%(names)s)",
                        count=len(passkeys),
                        names=names,
                    )
                )
        if count := removed["api_keys"]:
            parts.append(
                self.env._("1 API key")
                if count == 1
                else self.env._("%s API keys", count)
            )
        if count := removed["trusted_devices"]:
            parts.append(
                self.env._("1 trusted device")
                if count == 1
                else self.env._("%s trusted devices", count)
            )
        if count := removed["sessions"]:
            parts.append(
                self.env._("1 session signed out")
                if count == 1
                else self.env._("%s sessions signed out", count)
            )
        if not parts:
            return escape(
                self.env._("No passkey, API key, trusted device or session to remove.")
            )
        return escape(
            self.env._("Removed from the portal accounts: %s.", ", ".join(parts))
        )

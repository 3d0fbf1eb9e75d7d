from markupsafe import Markup

from odoo import api, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import email_normalize


class ResPartner(models.Model):
    """Magic link of a client contact: revoked when its address changes or it is archived,
    and the staff buttons that send or revoke links.

    Links are made and sent by `client_hub.magic.link`, portal users are provisioned by
    `res.users`; the methods here that only delegate keep the names the README, the
    controllers and the tests call.
    """

    _inherit = "res.partner"

    def write(self, vals):
        """Override to revoke the magic links of contacts whose e-mail or billing e-mail
        changes, or that are archived; a new address also removes the lasting
        credentials of the contact's portal users (see `_client_hub_revoke_access`)."""
        new_address = self._client_hub_email_write(vals)
        links_to_revoke = self._client_hub_magic_link_write(vals)
        res = super().write(vals)
        if links_to_revoke:
            self.env["client_hub.magic.link"]._revoke_for_partners(links_to_revoke)
        for partner in new_address:
            partner._client_hub_revoke_access(self.env._("The e-mail address changed."))
        return res

    def action_client_send_magic_link(self):
        """Button: e-mail the client a portal link (document-purpose expiry)."""
        self.ensure_one()
        self._check_client_hub_staff()
        if not self.email:
            raise UserError(
                self.env._("Set an e-mail address on %s first.", self.display_name)
            )
        self.env["client_hub.magic.link"]._send_to(self, purpose="document")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("Portal link sent to %s.", self.email),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_client_revoke_magic_links(self):
        """Button: revoke every magic link sent to the client and its contacts, and sign
        their portal users out of the sessions those links opened."""
        self._check_client_hub_staff()
        partners = self.with_context(active_test=False).search(
            [("id", "child_of", self.commercial_partner_id.ids)]
        )
        self.env["client_hub.magic.link"]._revoke_for_partners(partners)
        removed = partners.with_context(
            active_test=False
        ).user_ids._client_hub_revoke_credentials()
        summary = self.env["res.users"]._client_hub_describe_removed_credentials(
            removed
        )
        for partner in self:
            partner._message_log(
                body=Markup("<p>%s</p><p>%s</p>")
                % (
                    self.env._("All portal links revoked by %s.", self.env.user.name),
                    summary,
                )
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("All portal links revoked."),
            },
        }

    def _client_hub_magic_link_write(self, vals):
        """Return the contacts whose links ``vals`` revokes: those whose e-mail or billing
        e-mail changes (links are sent to both, and the old mailbox may no longer belong
        to the client) and those being archived (revoked for good, so that restoring the
        contact does not bring old links back)."""
        partners = self._client_hub_email_write(vals)
        if "active" in vals and not vals["active"]:
            partners |= self.filtered("active")
        return partners

    def _client_hub_email_write(self, vals):
        """Return the contacts whose e-mail or billing e-mail ``vals`` changes (letter
        case and display name aside)."""

        def changes(field, partner):
            old, new = partner[field] or "", vals[field] or ""
            return (email_normalize(old) or old) != (email_normalize(new) or new)

        partners = self.browse()
        for field in ("email", "client_billing_email"):
            if field in vals:
                partners |= self.filtered(lambda p, field=field: changes(field, p))
        return partners

    def _client_hub_revoke_access(self, reason):
        """Remove the lasting credentials of this contact's portal users and sign them
        out (`res.users._client_hub_revoke_credentials`), and log what was removed, if
        anything.

        :param str reason: why, the first line of the log
        """
        self.ensure_one()
        users = self.with_context(active_test=False).user_ids.filtered("share")
        if not users:
            return
        removed = users._client_hub_revoke_credentials()
        if not any(removed.values()):
            return
        self._message_log(
            body=Markup("<p>%s</p><p>%s</p>")
            % (
                reason,
                self.env["res.users"]._client_hub_describe_removed_credentials(removed),
            )
        )

    def _check_client_hub_staff(self):
        """The portal link buttons are for staff who can see the client (they are public
        methods, so a portal user could otherwise call them over RPC)."""
        if not self.env.user._is_internal():
            raise AccessError(
                self.env._("Only staff can manage a client's portal links.")
            )
        self.check_access("read")

    def _get_client_magic_link_url(self, redirect=None, purpose="document"):
        """Return a fresh magic-link URL for this client (documented in the README), see
        `client_hub.magic.link._get_url`."""
        self.ensure_one()
        return self.env["client_hub.magic.link"]._get_url(
            self, redirect=redirect, purpose=purpose
        )

    @api.model
    def _client_hub_find_client_by_email(self, email):
        """Return the client contact a sign-in link typed at /client/login goes to, see
        `client_hub.magic.link.request._find_client`."""
        return self.env["client_hub.magic.link.request"]._find_client(email)

    def _get_client_portal_user(self):
        """Return the portal user this contact signs in as, creating it on first use, see
        `res.users._client_hub_get_portal_user` (an elevated record)."""
        self.ensure_one()
        return self.env["res.users"]._client_hub_get_portal_user(self)

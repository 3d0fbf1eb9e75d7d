import logging

from odoo import models
from odoo.tools import email_normalize

from ..const import EMAIL_CHANGE_CONTEXT

_logger = logging.getLogger(__name__)


class ResUsers(models.Model):
    _inherit = "res.users"

    def write(self, vals):
        """Override to keep the e-mail a portal user writes on its own account (its
        preferences, over RPC) waiting for confirmation from the new address, as on the
        portal (`res_partner_email_change.py`)."""
        if (
            "email" in vals
            and not self.env.su
            and self == self.env.user
            and self.env.user._is_portal()
        ):
            self = self.with_context(**{EMAIL_CHANGE_CONTEXT: True})
        return super().write(vals)

    def _client_hub_follow_email_change(self, old_email, new_email):
        """Move to ``new_email`` the login of the portal users in ``self`` whose login
        was ``old_email`` (letter case aside), normalized as the portal wizard makes
        logins (`portal.wizard.user`), so that the old address signs no one in. A login
        another user (archived ones included) already has is kept.

        Called once the new address is confirmed from its mailbox.

        :return: the users whose login was kept because another user has it
        """
        old, new = email_normalize(old_email or ""), email_normalize(new_email or "")
        following = self.filtered(
            lambda user: (
                old and new and user._is_portal() and email_normalize(user.login) == old
            )
        )
        kept = self.browse()
        for user in following:
            # sudo: logins are unique among all users, which the caller cannot read
            if (
                self.sudo()
                .with_context(active_test=False)
                .search_count([("login", "=", new), ("id", "!=", user.id)], limit=1)
            ):
                _logger.warning(
                    "Login of user %s kept at its old e-mail: %s is the login of "
                    "another user.",
                    user.id,
                    new,
                )
                kept |= user
            else:
                user.sudo().login = new
        return kept

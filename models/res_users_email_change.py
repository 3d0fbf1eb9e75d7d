from odoo import models

from ..const import EMAIL_CHANGE_CONTEXT


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

from odoo import models
from odoo.exceptions import UserError
from odoo.http import request


class ResUsers(models.Model):
    """The client's language, chosen in the portal: it is the language of its pages,
    e-mails and PDFs, all of which follow the contact's `lang`."""

    _inherit = "res.users"

    def authenticate(self, credential, user_agent_env):
        """Override of `base`: a client who signs in (magic link, passkey, password) sees
        the portal in its own language.

        The portal's pages take their language from the ``frontend_lang`` cookie before
        the user's (`http_routing`): the one an earlier visit left, or a language picked
        on the sign-in page, must not outweigh the client's own.
        """
        auth_info = super().authenticate(credential, user_agent_env)
        if request and auth_info.get("uid"):
            # sudo: the session is not signed in yet; only the new user's language is read
            user_sudo = self.sudo().browse(auth_info["uid"])
            lang = self.env["ir.http"].get_nearest_lang(user_sudo.lang)
            if lang and user_sudo.share:
                request.future_response.set_cookie("frontend_lang", lang)
        return auth_info

    def _client_hub_set_lang(self, code):
        """Make ``code`` the language of the user and of its contact (`lang` is the
        contact's: a user is its partner).

        :param str code: the code of an installed language, e.g. ``ja_JP``
        :raise UserError: when ``code`` names no installed language; nothing is written
        """
        self.ensure_one()
        if not isinstance(code, str) or not self.env["res.lang"]._get_data(code=code):
            raise UserError(
                self.env._(
                    "“%(code)s” is not one of the languages of this portal.",
                    code=str(code or "")[:32],
                )
            )
        # A user may write its own language (`SELF_WRITEABLE_FIELDS`): no elevation.
        if self.lang != code:
            self.write({"lang": code})

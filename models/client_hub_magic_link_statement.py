from odoo import models


class ClientHubMagicLink(models.Model):
    """Statement e-mails know when they were opened: the first sign-in with the link of
    the copy sent to the client."""

    _inherit = "client_hub.magic.link"

    def _mark_used(self, ip=None):
        """Override of `client_hub` to record the opening of the statements whose e-mail
        carried the links."""
        res = super()._mark_used(ip=ip)
        self.env["client_hub.statement.log"]._mark_opened(self)
        return res

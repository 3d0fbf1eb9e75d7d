from odoo import api, fields, models
from odoo.tools import email_normalize


class ClientHubMagicLinkRequest(models.Model):
    """A sign-in link asked for at /client/login, waiting to be sent.

    The page only queues the request, whether or not the address is known, and a cron
    sends the e-mail: the page takes the same time for a client and for a stranger, so
    its timing does not reveal who is a client. The rows are deleted once processed.
    """

    _name = "client_hub.magic.link.request"
    _description = "Client Portal Sign-in Link Request"
    _order = "id"

    email = fields.Char(required=True, readonly=True)
    ip = fields.Char(readonly=True)

    @api.model
    def _enqueue(self, email, ip=None):
        """Queue a sign-in link request and wake the cron that sends it up."""
        # sudo: visitors cannot create requests; only the typed address and IP are queued (rate-limited by the caller)
        self.sudo().create({"email": email_normalize(email) or email, "ip": ip})
        self.env.ref("client_hub.ir_cron_client_hub_magic_link_requests")._trigger()

    @api.model
    def _cron_process_requests(self, limit=200):
        """Cron: e-mail a fresh sign-in link to each known client who asked for one."""
        # sudo: cron: the queue is not readable by users; each link goes only to the matching known client
        requests = self.sudo().search([], limit=limit)
        for req in requests:
            partner = self.env["res.partner"]._client_hub_find_client_by_email(req.email)
            if partner:
                partner._send_client_magic_link(purpose="login", ip=req.ip)
        requests.unlink()
        if len(requests) == limit:
            self.env.ref("client_hub.ir_cron_client_hub_magic_link_requests")._trigger()

from odoo import api, fields, models
from odoo.tools import email_normalize


class ClientHubMagicLinkRequest(models.Model):
    """A sign-in link asked for at /client/login, waiting to be sent.

    The page only queues the request, whether or not the address is known, and a cron
    sends the e-mail: the page takes the same time for a client and for a stranger, so
    its timing does not reveal who is a client. The rows are deleted once processed.

    Anyone may type a client's address, and so spend its per-address quota
    (``client_hub.rate_limit_request_email``, 3 per window): a request over the quota is
    still queued (``over_limit``), and the cron sends it only when the latest sign-in link
    of the client can no longer sign in (used, expired or revoked). Otherwise the client
    already has a working link, in the latest e-mail, which the "sent" page tells everyone
    to use: later links never void earlier ones. So a stranger never locks the client
    out, and over the quota causes at most one e-mail per link lifetime (only the client,
    who holds the mailbox, can use a link up sooner). Over the per-IP quota nothing is
    queued.
    """

    _name = "client_hub.magic.link.request"
    _description = "Client Portal Sign-in Link Request"
    _order = "id"

    email = fields.Char(required=True, readonly=True)
    ip = fields.Char(readonly=True)
    over_limit = fields.Boolean(
        readonly=True,
        help="Asked for over the address's quota: sent only if the latest sign-in link "
        "of the client can no longer sign in.",
    )

    @api.model
    def _enqueue(self, email, ip=None, over_limit=False):
        """Queue a sign-in link request and wake the cron that sends it up.

        :param bool over_limit: the address is over its quota of the window
        """
        # sudo: visitors cannot create requests; only the typed address and IP are queued (rate-limited by the caller)
        self.sudo().create(
            {
                "email": email_normalize(email) or email,
                "ip": ip,
                "over_limit": over_limit,
            }
        )
        self.env.ref("client_hub.ir_cron_client_hub_magic_link_requests")._trigger()

    @api.model
    def _cron_process_requests(self, limit=200):
        """Cron: e-mail a fresh sign-in link to each known client who asked for one."""
        # sudo: cron: the queue is not readable by users; each link goes only to the matching known client
        requests_sudo = self.sudo().search([], limit=limit)
        Link = self.env["client_hub.magic.link"]
        for request_sudo in requests_sudo:
            client_sudo = self._find_client(request_sudo.email)
            if client_sudo and not (
                request_sudo.over_limit and Link._has_usable_login_link(client_sudo)
            ):
                Link._send_to(client_sudo, purpose="login", ip=request_sudo.ip)
        requests_sudo.unlink()
        if len(requests_sudo) == limit:
            self.env.ref("client_hub.ir_cron_client_hub_magic_link_requests")._trigger()

    @api.model
    def _find_client(self, email):
        """Return the client contact a sign-in link typed at /client/login goes to.

        Known clients are contacts with a portal user or customers; contacts of staff
        users are never returned (staff are never signed in by a magic link).

        :param str email: the address typed on the sign-in page
        :return: res.partner record, elevated (sudo), or an empty recordset
        """
        normalized = email_normalize(email)
        if not normalized:
            return self.env["res.partner"]
        # sudo: the request queue is processed whoever runs the cron, and the contact's
        # users are read to tell clients from staff; only the matching contact is returned.
        partners_sudo = (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=True)
            .search([("email_normalized", "=", normalized)], order="id")
        )
        partners_sudo = partners_sudo.filtered(
            lambda p: not any(u._is_internal() for u in p.user_ids)
        )
        with_portal_sudo = partners_sudo.filtered(
            lambda p: any(u._is_portal() for u in p.user_ids)
        )
        customers_sudo = partners_sudo.filtered(
            lambda p: p.commercial_partner_id.customer_rank > 0
        )
        return (with_portal_sudo or customers_sudo)[:1]

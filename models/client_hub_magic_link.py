import hashlib
import hmac
import secrets
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.http import request

from ..const import (
    DEFAULT_MAGIC_LINK_DOCUMENT_TTL_DAYS,
    DEFAULT_MAGIC_LINK_LOGIN_TTL_MINUTES,
    PARAM_MAGIC_LINK_DOCUMENT_TTL_DAYS,
    PARAM_MAGIC_LINK_LOGIN_TTL_MINUTES,
)

# 32 random bytes = 256 bits of entropy, URL-safe base64 (43 characters).
TOKEN_BYTES = 32
# The page a magic link opens when it names none (or an unsafe one).
DEFAULT_REDIRECT = "/my/statement"


def hash_token(token):
    """Return the sha256 hex digest of a raw token: the only form ever stored."""
    return hashlib.sha256((token or "").encode()).hexdigest()


def sanitize_redirect(redirect):
    """Return ``redirect`` if it is a path on this site, else the default page.

    Refuses absolute URLs, scheme-relative ``//host`` and ``/\\host`` forms (browsers
    treat backslashes as slashes) and control characters.
    """
    if not redirect or not isinstance(redirect, str) or len(redirect) > 2048:
        return DEFAULT_REDIRECT
    if any(ord(char) < 32 or char == "\\" for char in redirect):
        return DEFAULT_REDIRECT
    parts = urlsplit(redirect)
    if (
        parts.scheme
        or parts.netloc
        or not redirect.startswith("/")
        or redirect.startswith("//")
    ):
        return DEFAULT_REDIRECT
    return redirect


class ClientHubMagicLink(models.Model):
    """A passwordless sign-in link sent to one contact.

    Only the sha256 of the token is stored: a database leak (backup, SQL access) does not
    leak usable links. The token has 256 bits of entropy, so a fast unsalted hash is enough
    (no dictionary to attack, unlike passwords).
    """

    _name = "client_hub.magic.link"
    _description = "Client Portal Magic Link"
    _order = "id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner",
        string="Contact",
        required=True,
        index=True,
        ondelete="cascade",
        help="The contact the link was sent to; it signs in that contact's portal user.",
    )
    token_hash = fields.Char(required=True, readonly=True, copy=False)
    purpose = fields.Selection(
        [("document", "Document e-mail"), ("login", "Sign-in request")],
        required=True,
        default="document",
        help="Document links can be used again until they expire; sign-in links only once.",
    )
    expiration_date = fields.Datetime(required=True, index=True)
    consumed_date = fields.Datetime(
        string="Used On",
        readonly=True,
        copy=False,
        help="Set on the first sign-in; a sign-in link cannot be used again after it.",
    )
    revoked = fields.Boolean(readonly=True, copy=False)
    create_ip = fields.Char(string="Requested From", readonly=True)
    last_used_date = fields.Datetime(readonly=True, copy=False)
    last_used_ip = fields.Char(readonly=True, copy=False)
    mail_message_id = fields.Many2one(
        "mail.message",
        string="Sent In",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The message whose e-mail carried the link (e.g. a statement).",
    )

    _token_hash_unique = models.UniqueIndex("(token_hash)")

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------
    @api.model
    def _get_ttl(self, purpose):
        """Return the lifetime of a new link of the given purpose as a timedelta."""
        ICP = self.env["ir.config_parameter"]
        if purpose == "login":
            return timedelta(
                minutes=ICP._client_hub_get_number(
                    PARAM_MAGIC_LINK_LOGIN_TTL_MINUTES,
                    DEFAULT_MAGIC_LINK_LOGIN_TTL_MINUTES,
                    minimum=1,
                )
            )
        return timedelta(
            days=ICP._client_hub_get_number(
                PARAM_MAGIC_LINK_DOCUMENT_TTL_DAYS,
                DEFAULT_MAGIC_LINK_DOCUMENT_TTL_DAYS,
                minimum=1,
            )
        )

    @api.model
    def _generate(self, partner, purpose="document", ip=None, message=None):
        """Create a link for ``partner`` and return the raw token (never stored).

        :param partner: res.partner record (the contact the link is sent to)
        :param str purpose: ``document`` (long-lived, reusable) or ``login`` (short, one use)
        :param str ip: address of the request that asked for the link (default: the
            current request's, if any)
        :param message: mail.message record whose e-mail carries the link, if any
        :return: the raw token, to be put in the URL
        :rtype: str
        """
        if purpose not in ("document", "login"):
            raise ValueError(f"Unknown magic link purpose {purpose!r}")
        token = secrets.token_urlsafe(TOKEN_BYTES)
        # sudo: users have no access to links; private method: a link for the given contact, only its hash stored
        self.sudo().create(
            {
                "partner_id": partner.id,
                "token_hash": hash_token(token),
                "purpose": purpose,
                "expiration_date": fields.Datetime.now() + self._get_ttl(purpose),
                "create_ip": ip
                or self.env.context.get("client_hub_request_ip")
                or (request.httprequest.remote_addr if request else False),
                "mail_message_id": message.id if message else False,
            }
        )
        return token

    @api.model
    def _get_url(self, partner, redirect=None, purpose="document", message=None):
        """Return a fresh magic-link URL for ``partner`` (a new token each call).

        :param partner: res.partner record (the contact the link signs in)
        :param str redirect: local path to open after sign-in (e.g. a document's
            ``access_url``); defaults to the client's statement
        :param str purpose: ``document`` (long expiry, reusable) or ``login`` (short
            expiry, single use)
        :param message: mail.message record whose e-mail carries the link, if any
        :return: absolute URL ``<base url>/client/magic/<token>[?redirect=...]``
        :rtype: str
        """
        token = self._generate(partner, purpose=purpose, message=message)
        url = f"{partner.get_base_url()}/client/magic/{token}"
        if redirect:
            url += "?" + urlencode({"redirect": redirect})
        return url

    @api.model
    def _send_to(self, partner, purpose="document", ip=None):
        """E-mail ``partner`` a fresh magic link (a sign-in link for ``login``).

        :param partner: res.partner record, the only recipient
        :param str purpose: ``document`` or ``login`` (see `_generate`)
        :param str ip: address of the request that asked for the link, recorded in it
        """
        partner.ensure_one()
        xmlid = (
            "client_hub.mail_template_magic_link_login"
            if purpose == "login"
            else "client_hub.mail_template_magic_link_invite"
        )
        url = self._get_placeholder_url(partner, purpose=purpose)
        # sudo: the e-mail goes only to the contact (the template's partner_to). Its stored
        # body holds a stand-in: the live link is made when the copy to the contact is sent,
        # right away so that the link records the requester's IP.
        template_sudo = self.env.ref(xmlid).sudo()
        # In the contact's language, layout included, whoever sends it (the cron, staff),
        # even where the template predates its `lang` (it is not updated in databases).
        lang = (
            partner.lang if self.env["res.lang"]._get_data(code=partner.lang) else None
        )
        template_sudo.with_context(
            lang=lang or self.env.lang, magic_link_url=url, client_hub_request_ip=ip
        ).send_mail(
            partner.id,
            force_send=True,
            email_layout_xmlid="mail.mail_notification_light",
            email_values={"model": False, "res_id": False},
        )

    @api.model
    def _get_valid_link(self, token):
        """Return the usable link matching a raw token, or an empty recordset.

        The lookup is by the sha256 of the token: the time the index lookup takes
        depends only on the hash, which an attacker cannot steer towards a stored one
        (preimage resistance), so it leaks nothing about stored tokens. The digests are
        still compared with ``hmac.compare_digest`` so that the final check itself is
        constant-time whatever the storage layer does (e.g. case-insensitive collation).
        """
        if not token or len(token) > 256:
            return self.browse()
        digest = hash_token(token)
        # sudo: visitors cannot read links; the lookup matches only the hash of the token they hold
        link_sudo = self.sudo().search(
            Domain("token_hash", "=", digest) & self._get_usable_domain(), limit=1
        )
        if not link_sudo or not hmac.compare_digest(link_sudo.token_hash, digest):
            return self.browse()
        return link_sudo

    @api.model
    def _has_usable_login_link(self, partner):
        """Whether the latest sign-in link sent to ``partner`` can still sign in (not
        used, expired nor revoked): the link of the client's latest sign-in e-mail works.

        :param partner: res.partner record
        :rtype: bool
        """
        # sudo: users have no access to links; only whether the contact's latest works
        latest_sudo = self.sudo().search(
            [("partner_id", "=", partner.id), ("purpose", "=", "login")],
            order="id desc",
            limit=1,
        )
        return bool(latest_sudo.filtered_domain(self._get_usable_domain()))

    @api.model
    def _get_usable_domain(self):
        """Links that can still sign someone in."""
        return Domain(
            [
                ("revoked", "=", False),
                ("expiration_date", ">", fields.Datetime.now()),
                ("partner_id.active", "=", True),
            ]
        ) & (Domain("purpose", "=", "document") | Domain("consumed_date", "=", False))

    def _revoke(self):
        """Revoke the links in ``self`` (still usable or not)."""
        # sudo: users have no access to links; revoking only removes access, for links the caller selected
        self.sudo().filtered(lambda link: not link.revoked).write({"revoked": True})

    @api.model
    def _revoke_for_partners(self, partners):
        """Revoke every link ever sent to ``partners``.

        :return: the links revoked now (elevated)
        """
        if not partners:
            return self.browse()
        # sudo: users have no access to links; revokes those of contacts the caller just wrote or archived
        links_sudo = self.sudo().search(
            [
                ("partner_id", "in", partners.ids),
                ("revoked", "=", False),
            ]
        )
        links_sudo._revoke()
        return links_sudo

    def _mark_used(self, ip=None):
        """Record a sign-in in the link and in the client's chatter (audit trail).

        A sign-in link (``login`` purpose) is used up by it; a document link stays
        usable until it expires, so a client clicking twice in the same e-mail is
        not refused.
        """
        now = fields.Datetime.now()
        # sudo: the token was verified by _get_valid_link for this user's own contact just before
        for link_sudo in self.sudo():
            vals = {"last_used_date": now, "last_used_ip": ip}
            if not link_sudo.consumed_date:
                vals["consumed_date"] = now
            link_sudo.write(vals)
            contact = link_sudo.partner_id
            contact.commercial_partner_id._message_log(
                body=self.env._(
                    "%(contact)s signed in to the portal with a magic link "
                    "(%(purpose)s) on %(time)s UTC from IP %(ip)s.",
                    contact=contact.display_name,
                    purpose=dict(
                        link_sudo._fields["purpose"]._description_selection(self.env)
                    )[link_sudo.purpose],
                    time=fields.Datetime.to_string(now),
                    ip=ip or self.env._("unknown"),
                )
            )

    @api.model
    def _gc_expired_links(self):
        """Cron: delete links expired or revoked for more than a day (kept a day for
        the support desk to see why a link was refused)."""
        limit = fields.Datetime.now() - timedelta(days=1)
        # sudo: cron clean-up: deletes only expired or revoked links, nobody's data is exposed
        self.sudo().search(
            [
                "|",
                ("expiration_date", "<", limit),
                "&",
                ("revoked", "=", True),
                ("write_date", "<", limit),
            ]
        ).unlink()

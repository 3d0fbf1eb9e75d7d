from urllib.parse import parse_qsl, urlencode

from lxml import etree, html

from odoo import api, models, tools
from odoo.tools.mail import fromstring

from .client_hub_magic_link import sanitize_redirect

# Stand-in for a magic link in a stored e-mail body: the sign-in request page, marked with
# the contact the link is for and signed by the module. Only the copy sent to that contact
# gets a real link, and only where the module put it (the whole href of a link).
PLACEHOLDER_PATH = "/client/login"
PLACEHOLDER_PARAM = "client_hub_link"
PLACEHOLDER_SCOPE = "client_hub.magic_link.placeholder"
PLACEHOLDER_KEYS = frozenset((PLACEHOLDER_PARAM, "p", "sig"))
PURPOSES = ("document", "login")
# An e-mail of the module holds one button; a body with more stand-ins was not made by it.
MAX_LINKS_PER_MAIL = 3


class ClientHubMagicLink(models.Model):
    """Magic links in e-mails: stored bodies hold a signed stand-in, turned into a live
    link in the copy sent to the contact it is for (see `_render_placeholders`)."""

    _inherit = "client_hub.magic.link"

    @api.model
    def _get_placeholder_url(self, partner, redirect=None, purpose="document"):
        """Return the stand-in of a magic link for ``partner``, to put in an e-mail body
        as the whole ``href`` of a link.

        Bodies are stored (chatter, composer, queued mail) and copied to every recipient,
        so they never hold a live link. The stand-in opens the sign-in request page, which
        is harmless in anyone's hands; when the e-mail is sent, the copy that goes to
        ``partner`` gets a fresh magic link instead (see `_render_placeholders`), as the
        stock unfollow link is personalised per recipient. It is signed, so that nobody
        can make one, nor change the contact, the purpose or the page it opens.

        :param partner: res.partner record the link is for
        :param str redirect: local path the link opens after sign-in
        :param str purpose: ``document`` or ``login`` (see `_generate`)
        :rtype: str
        """
        params = {PLACEHOLDER_PARAM: partner.id, "p": purpose}
        if redirect:
            params["redirect"] = redirect
        params["sig"] = self._sign_placeholder(partner.id, purpose, redirect)
        return f"{partner.get_base_url()}{PLACEHOLDER_PATH}?{urlencode(params)}"

    @api.model
    def _sign_placeholder(self, partner_id, purpose, redirect):
        """:return: the signature of the stand-in of a link (hex string)"""
        return tools.hmac(
            self.env(su=True), PLACEHOLDER_SCOPE, (partner_id, purpose, redirect or "")
        )

    @api.model
    def _parse_placeholder(self, href):
        """Read a stand-in the module signed, given as a whole URL.

        :param str href: the value of an ``href`` attribute
        :return: (head, partner, purpose, redirect) where head is the URL of the sign-in
            page the stand-in opens, or None when ``href`` is not exactly a stand-in with
            a valid signature on this database's address (or no address)
        """
        head, _sep, query = (href or "").strip().partition("?")
        if not head.endswith(PLACEHOLDER_PATH) or "#" in query:
            return None
        try:
            pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True)
        except ValueError:
            return None
        params = dict(pairs)
        if len(params) != len(pairs) or not (
            PLACEHOLDER_KEYS <= params.keys() <= PLACEHOLDER_KEYS | {"redirect"}
        ):
            return None
        partner_id, purpose = params[PLACEHOLDER_PARAM], params["p"]
        redirect = params.get("redirect", "")
        if not (partner_id.isascii() and partner_id.isdigit() and len(partner_id) < 12):
            return None
        expected = self._sign_placeholder(int(partner_id), purpose, redirect)
        if purpose not in PURPOSES or not tools.consteq(expected, params["sig"]):
            return None
        # sudo: the signature vouches for the contact; only its address is read
        partner_sudo = self.env["res.partner"].sudo().browse(int(partner_id)).exists()
        bases = {"", self.get_base_url()}
        if not partner_sudo or head[: -len(PLACEHOLDER_PATH)] not in bases | {
            partner_sudo.get_base_url()
        }:
            return None
        return head, partner_sudo.with_env(self.env), purpose, redirect

    @api.model
    def _render_placeholders(self, body, recipient, message=None):
        """Return the HTML ``body`` of the copy of an e-mail sent to ``recipient``, with
        each link whose whole ``href`` is a stand-in the module signed replaced: by a
        fresh magic link when ``recipient`` is the contact it was made for (at most
        `MAX_LINKS_PER_MAIL` of them), by the plain sign-in request page everywhere else
        (followers, staff, CC, other contacts, other elements such as ``<link>``).

        Anything else is left as it is, unsigned or forged stand-ins included (they open
        the sign-in request page): a stand-in in text or inside another URL never becomes
        a link. The body is parsed as the mail sanitizer does (`odoo.tools.mail`), and
        serialized again only when a stand-in was replaced.

        :param str body: outgoing HTML body
        :param recipient: res.partner record of this copy (empty for e-mail-only addresses)
        :param message: mail.message record of the e-mail, recorded in the links made
        """
        if not body or PLACEHOLDER_PARAM not in body:
            return body
        try:
            doc, single_body_element = fromstring(body)
        except (etree.ParserError, ValueError):
            return body
        live = 0
        changed = False
        for element in doc.iter(etree.Element):
            stand_in = self._parse_placeholder(element.get("href"))
            if not stand_in:
                continue
            head, partner, purpose, redirect = stand_in
            url = head
            if (
                element.tag == "a"
                and live < MAX_LINKS_PER_MAIL
                and self._is_link_recipient(partner, recipient)
            ):
                url = self._get_url(
                    partner,
                    redirect=redirect and sanitize_redirect(redirect),
                    purpose=purpose,
                    message=message,
                )
                live += 1
            element.set("href", url)
            changed = True
        if not changed:
            return body
        return body.__class__(_serialize(body, doc, single_body_element))

    @api.model
    def _is_link_recipient(self, partner, recipient):
        """Whether the copy of an e-mail sent to ``recipient`` may carry a magic link that
        signs ``partner`` in: only the copy sent to that very contact, never to staff."""
        # sudo: the queue may be sent by any user; only whether the contact is staff is read
        partner_sudo = partner.sudo().exists()
        return bool(
            recipient
            and partner_sudo == recipient
            and partner_sudo.active
            and not any(user._is_internal() for user in partner_sudo.user_ids)
        )


def _serialize(source, doc, single_body_element):
    """Serialize ``doc`` parsed from ``source`` by `odoo.tools.mail.fromstring`, as
    `odoo.tools.mail.html_normalize` does: without the wrapper the parser put around a
    fragment, the doctype of a whole document kept."""
    result = html.tostring(doc, encoding="unicode", method="html")
    if doc.getparent() is None:
        if source.lstrip()[:9].lower() == "<!doctype":
            result = f"{doc.getroottree().docinfo.doctype}\n{result}"
    elif not single_body_element:
        start, end = f"<{doc.tag}>", f"</{doc.tag}>"
        if result.startswith(start) and result.endswith(end):
            result = result[len(start) : -len(end)]
    return result.replace("\xa0", "&nbsp;")

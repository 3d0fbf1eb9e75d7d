from markupsafe import escape

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools import email_normalize

from ..const import (
    EMAIL_CHANGE_CONTEXT,
    EMAIL_CHANGE_TOKEN_SCOPE,
    EMAIL_CHANGE_TTL_HOURS,
)

# Largest record id PostgreSQL stores (ids are 32-bit integers).
MAX_RECORD_ID = 2**31 - 1


class EmailChangeRefused(UserError):
    """A new e-mail address asked for from the portal that is not accepted (invalid, or
    too many asked for): the address form shows it next to the e-mail field."""


def mask_email(email):
    """Return ``email`` with all of its local part but the first character hidden
    (``n•••@example.com``): the Continue page names the account a link signs in, and the
    old mailbox is told where a change goes, without giving the address away.

    :param str email: an e-mail address, or None
    :return: the masked address, '' when there is none
    :rtype: str
    """
    local, at, domain = (email_normalize(email) or email or "").strip().rpartition("@")
    if not at or not local:
        return ""
    return f"{local[0]}•••@{domain}"


class ResPartner(models.Model):
    """The e-mail address a client types on the portal takes effect once confirmed from
    that address: the magic links, sign-in links included, go to the contact's e-mail,
    so whoever could write it would receive the account.

    The address waits on the contact (`client_hub_pending_email`); a link signed with
    the database secret is sent to it and a notice to the current address. Confirming
    (`/client/email/confirm/<token>`) writes the e-mail, which revokes the links and the
    lasting credentials of the old address (`res_partner_magic_link.py`).
    """

    _inherit = "res.partner"

    client_hub_pending_email = fields.Char(
        string="E-mail Awaiting Confirmation",
        readonly=True,
        copy=False,
        groups="base.group_user",
        help="The address the client typed on the portal. It replaces the e-mail once "
        "confirmed from the link sent to it; until then, portal links go to the e-mail.",
    )
    client_hub_pending_email_date = fields.Datetime(
        string="E-mail Change Asked On",
        readonly=True,
        copy=False,
        groups="base.group_user",
    )

    @api.model_create_multi
    def create(self, vals_list):
        """Override to keep the e-mail of an address a portal user adds waiting for
        confirmation (under `EMAIL_CHANGE_CONTEXT`, set by the portal's address form)."""
        if not self.env.context.get(EMAIL_CHANGE_CONTEXT):
            return super().create(vals_list)
        vals_list = [dict(vals) for vals in vals_list]
        emails = [vals.pop("email", False) for vals in vals_list]
        for email in filter(None, emails):
            self._client_hub_check_email_change(email)
        partners = super().create(vals_list)
        for partner, email in zip(partners, emails, strict=True):
            if email:
                partner._client_hub_request_email_change(email)
        return partners

    def write(self, vals):
        """Override to keep a new e-mail waiting for confirmation under
        `EMAIL_CHANGE_CONTEXT` (the portal's address form, a portal user writing its
        own e-mail); an e-mail written otherwise (staff) replaces a pending one."""
        if "email" in vals and self.env.context.get(EMAIL_CHANGE_CONTEXT):
            changing = self.filtered(
                lambda p: p._client_hub_is_new_email(vals["email"])
            )
            if changing:
                vals = dict(vals)
                email = vals.pop("email")
                changing._client_hub_check_email_change_owner()
                self._client_hub_check_email_change(email)
                res = super().write(vals)
                for partner in changing:
                    partner._client_hub_request_email_change(email)
                return res
        res = super().write(vals)
        if "email" in vals:
            # sudo: the pending address is staff-only; the e-mail just written replaces it
            self.sudo().filtered("client_hub_pending_email").write(
                {
                    "client_hub_pending_email": False,
                    "client_hub_pending_email_date": False,
                }
            )
        return res

    def _client_hub_is_new_email(self, email):
        """Whether ``email`` is another address than this contact's e-mail (letter case
        and display name aside)."""
        self.ensure_one()
        return (email_normalize(email or "") or email or "") != (
            self.email_normalized or self.email or ""
        )

    def _client_hub_check_email_change_owner(self):
        """Refuse to change the e-mail of a contact that signs in with an account of its
        own, unless that account is the caller's: its sign-in links go to that e-mail, so
        a colleague editing the client's addresses (stock's portal lets them) would take
        the account over.

        :raise EmailChangeRefused: with the message to show
        """
        # sudo: which users a contact has is not for portal users to read; only checked
        users_sudo = self.sudo().with_context(active_test=False).user_ids
        if users_sudo - self.env.user:
            raise EmailChangeRefused(
                self.env._(
                    "This contact signs in with an account of its own: only that person "
                    "can change its e-mail address."
                )
            )

    @api.model
    def _client_hub_check_email_change(self, email):
        """Refuse a new address that is invalid, or when the user asked for too many.

        :raise EmailChangeRefused: with the message to show
        """
        if not email_normalize(email or ""):
            raise EmailChangeRefused(self.env._("Please enter a valid e-mail address."))
        RateLimit = self.env["client_hub.rate.limit"]
        if minutes := RateLimit._hit("email_change", str(self.env.uid)):
            raise EmailChangeRefused(
                self.env._(
                    "Too many e-mail changes were asked for. Please try again in %s minutes.",
                    minutes,
                )
            )

    def _client_hub_request_email_change(self, email):
        """Keep ``email`` waiting as this contact's new address: e-mail a confirmation
        link to it and a notice to the current address (for a contact without one, to
        the user asking), and log it. A newer request replaces this one.

        Called once the caller may edit the contact (the portal's address form, a user
        writing its own e-mail).
        """
        self.ensure_one()
        email = email.strip()
        # sudo: the pending address is staff-only; the caller may edit this contact
        partner_sudo = self.sudo()
        partner_sudo.write(
            {
                "client_hub_pending_email": email,
                "client_hub_pending_email_date": fields.Datetime.now(),
            }
        )
        url = (
            f"{partner_sudo.get_base_url()}/client/email/confirm/"
            f"{partner_sudo._client_hub_get_email_change_token()}"
        )
        partner_sudo._client_hub_send_email_change_mail(
            "client_hub.mail_template_email_change_confirm",
            partner_sudo,
            email_change_url=url,
            email_change_ttl_hours=EMAIL_CHANGE_TTL_HOURS,
        )
        notified = partner_sudo if partner_sudo.email else self.env.user.partner_id
        if notified.email:
            partner_sudo._client_hub_send_email_change_mail(
                "client_hub.mail_template_email_change_notice",
                notified,
                email_change_contact=partner_sudo.display_name,
                email_change_masked=mask_email(email),
            )
        partner_sudo._message_log(
            body=escape(
                self.env._(
                    "Change of the e-mail address to %(email)s asked from the portal by "
                    "%(user)s: it takes effect once confirmed from that address.",
                    email=email,
                    user=self.env.user.name,
                )
            )
        )

    def _client_hub_send_email_change_mail(self, xmlid, recipient, **values):
        """Send the e-mail template ``xmlid`` about this contact's pending change to
        ``recipient`` (the template's record), in its language, right away.

        :param dict values: context values the template reads
        """
        # sudo: the templates go to the new address or the contact's own; the caller
        # may edit the contact
        template_sudo = self.env.ref(xmlid).sudo()
        lang = (
            recipient.lang
            if self.env["res.lang"]._get_data(code=recipient.lang)
            else None
        )
        template_sudo.with_context(lang=lang or self.env.lang, **values).send_mail(
            recipient.id,
            force_send=True,
            email_layout_xmlid="mail.mail_notification_light",
            email_values={"model": False, "res_id": False},
        )

    def _client_hub_get_email_change_payload(self):
        """Return what the confirmation token signs: the contact and its pending change
        (the address and when it was asked for). A newer request, the confirmation or
        an e-mail written by staff change it: the token then confirms nothing.

        :rtype: list
        """
        self.ensure_one()
        partner_sudo = self.sudo()
        return [
            partner_sudo.id,
            partner_sudo.client_hub_pending_email,
            fields.Datetime.to_string(partner_sudo.client_hub_pending_email_date),
        ]

    def _client_hub_get_email_change_token(self):
        """Return the token of the link confirming this contact's pending change, signed
        with the database secret and valid `EMAIL_CHANGE_TTL_HOURS` (as `auth_signup`
        signs its links)."""
        return tools.hash_sign(
            self.sudo().env,
            EMAIL_CHANGE_TOKEN_SCOPE,
            self._client_hub_get_email_change_payload(),
            expiration_hours=EMAIL_CHANGE_TTL_HOURS,
        )

    @api.model
    def _client_hub_get_email_change_partner(self, token):
        """Return the contact whose pending change ``token`` confirms, or an empty
        recordset when the token is forged, expired, replaced or already used.

        :return: res.partner record, elevated (sudo)
        """
        if not isinstance(token, str) or not 0 < len(token) <= 1024:
            return self.browse()
        try:
            payload = tools.verify_hash_signed(
                self.sudo().env, EMAIL_CHANGE_TOKEN_SCOPE, token
            )
        except ValueError:  # not a token of ours (version, base64, JSON)
            return self.browse()
        if not (
            isinstance(payload, list)
            and len(payload) == 3
            and isinstance(payload[0], int)
            and 0 < payload[0] <= MAX_RECORD_ID
        ):
            return self.browse()
        # sudo: the token, signed with the database secret, names this contact
        partner_sudo = self.sudo().browse(payload[0]).exists()
        if (
            not partner_sudo.active
            or not partner_sudo.client_hub_pending_email
            or partner_sudo._client_hub_get_email_change_payload() != payload
        ):
            return self.browse()
        return partner_sudo

    def _client_hub_confirm_email_change(self):
        """Write the pending address as the contact's e-mail (its token was checked):
        the links sent to the old address are revoked and the lasting credentials of
        the contact's portal users removed (see `write` in res_partner_magic_link.py).
        A portal user whose login was the old address gets the new one as login
        (`res.users._client_hub_follow_email_change`)."""
        self.ensure_one()
        # sudo: the caller checked the token, which proves the new mailbox
        partner_sudo = self.sudo().with_context(**{EMAIL_CHANGE_CONTEXT: False})
        old, new = partner_sudo.email, partner_sudo.client_hub_pending_email
        partner_sudo.write(
            {
                "email": new,
                "client_hub_pending_email": False,
                "client_hub_pending_email_date": False,
            }
        )
        kept = partner_sudo.user_ids._client_hub_follow_email_change(old, new)
        for user in kept:
            partner_sudo._message_log(
                body=escape(
                    self.env._(
                        "The login of %(user)s stays %(login)s: %(email)s is already "
                        "the login of another user.",
                        user=user.name,
                        login=user.login,
                        email=email_normalize(new),
                    )
                )
            )
        partner_sudo._message_log(
            body=escape(
                self.env._(
                    "E-mail address changed from %(old)s to %(new)s, confirmed from "
                    "the new address.",
                    old=old or self.env._("none"),
                    new=new,
                )
            )
        )

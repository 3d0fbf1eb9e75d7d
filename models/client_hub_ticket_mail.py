from odoo import api, models

from odoo.addons.mail.tools.alias_error import AliasError


class ClientHubTicketMail(models.Model):
    """Tickets and mail: the support team's notification, the support alias (known clients
    only), the e-mail conversation and its effect on the ticket's stage."""

    _inherit = "client_hub.ticket"

    def _notify_support_team(self):
        """Tell the support team (members of the Support Team group) about new tickets,
        with an internal note that notifies them by their preferred channel."""
        team = self.env.ref("client_hub.group_support", raise_if_not_found=False)
        # sudo: group members are not readable by portal users; used only to notify the support team
        partners_sudo = (
            team.sudo().all_user_ids.filtered("active").partner_id if team else False
        )
        if not partners_sudo:
            return
        odoobot = self.env.ref("base.partner_root")
        for ticket in self:
            # sudo: the creator may be a portal user or the gateway; an internal note by OdooBot to staff only
            ticket.sudo().message_post(
                body=self.env._(
                    "New ticket from %(client)s: %(subject)s",
                    client=ticket.partner_id.display_name or self.env._("unknown"),
                    subject=ticket.name,
                ),
                subtype_xmlid="mail.mt_note",
                author_id=odoobot.id,
                partner_ids=partners_sudo.ids,
            )

    @api.model
    def _is_known_client(self, partner):
        """A known client: not staff, and a customer or a portal user."""
        # sudo: the author's users are not readable by the gateway/portal; only a yes/no answer is returned
        partner_sudo = partner.sudo()
        if not partner_sudo or any(
            user._is_internal() for user in partner_sudo.user_ids
        ):
            return False
        return bool(
            partner_sudo.commercial_partner_id.customer_rank > 0
            or any(user._is_portal() for user in partner_sudo.user_ids)
        )

    # ------------------------------------------------------------------
    # Mail
    # ------------------------------------------------------------------
    def _client_hub_magic_link_redirect(self):
        """Override of `client_hub` (magic link): e-mails of a ticket open its portal page."""
        self.ensure_one()
        return self.access_url

    @api.model
    def _get_thread_with_access(
        self, thread_id, *, hash=None, pid=None, token=None, **kwargs
    ):
        """Override of `portal`: a ticket's conversation is reached by signed-in users with
        access to the ticket only (clients sign in with their magic link), as its pages are;
        access tokens and signed hashes grant nothing here."""
        return super()._get_thread_with_access(thread_id, **kwargs)

    def _alias_get_error(self, message, message_dict, alias):
        """Override of `mail`: the support alias opens tickets for known clients only.
        Replies to an existing ticket follow the standard rules."""
        error = super()._alias_get_error(message, message_dict, alias)
        if error or self.ids:
            return error
        author = self.env["res.partner"].browse(message_dict.get("author_id")).exists()
        if not self._is_known_client(author):
            return AliasError(
                "error_ticket_unknown_client", self.env._("restricted to known clients")
            )
        return False

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """Override of `mail`: a ticket e-mailed to the support alias is opened for its
        author (a known client, see `_alias_get_error`)."""
        author = self.env["res.partner"].browse(msg_dict.get("author_id")).exists()
        values = dict(custom_values or {})
        values.update(
            {
                "name": msg_dict.get("subject") or self.env._("(no subject)"),
                "partner_id": author.id,
                "description": msg_dict.get("body"),
            }
        )
        return super(
            ClientHubTicketMail, self.with_context(mail_create_nosubscribe=True)
        ).message_new(msg_dict, custom_values=values)

    def _message_post_after_hook(self, message, msg_vals):
        """Override of `mail`: a conversation message updates the last activity date, and
        a client's answer puts a ticket waiting on them back in progress."""
        res = super()._message_post_after_hook(message, msg_vals)
        if (
            message.message_type in ("comment", "email")
            and not message.is_internal
            and message.subtype_id == self.env.ref("mail.mt_comment")
        ):
            # sudo: portal users only read tickets; message_post already checked their access to this ticket
            self.sudo().last_activity_date = message.date
            waiting = self.env.ref(
                "client_hub.ticket_stage_waiting", raise_if_not_found=False
            )
            in_progress = self.env.ref(
                "client_hub.ticket_stage_in_progress", raise_if_not_found=False
            )
            # sudo: the author's users may not be readable by portal users; only whether one is staff is used
            author_is_staff = any(
                user._is_internal() for user in message.author_id.sudo().user_ids
            )
            if waiting and in_progress and not author_is_staff:
                # sudo: portal users cannot write tickets: their checked reply moves a waiting ticket back in progress
                self.sudo().filtered(
                    lambda t: t.stage_id == waiting
                ).stage_id = in_progress
        return res

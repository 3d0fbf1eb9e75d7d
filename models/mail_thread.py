from odoo import models


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def _client_hub_magic_link_redirect(self):
        """Return the local URL a client's magic link opens for this document, or
        ``False`` when the document's e-mails carry no magic link (the default).

        Models whose documents clients open override it: invoices, quotations and
        tickets open their portal page, payment receipts the client's statement.
        """
        self.ensure_one()
        return False

    def _notify_get_recipients_classify(
        self, message, recipients_data, model_description, msg_vals=False
    ):
        """Override of `mail` to give the client a document e-mail is for (its contact,
        e.g. the invoice's partner) its own "View <document>" button: a magic link that
        signs that contact in and opens the document.

        That recipient is moved into a group of its own, since a magic link is personal
        (it signs in the contact it was made for); every other recipient (followers,
        staff, other contacts of the client) keeps the stock button. The button holds a
        stand-in that becomes a live link only in the e-mail sent to that contact, at
        sending time (see `client_hub.magic.link._render_placeholders`): neither the
        queued mail nor any other copy holds one.
        """
        groups = super()._notify_get_recipients_classify(
            message, recipients_data, model_description, msg_vals=msg_vals
        )
        if len(self) != 1 or not groups:
            return groups
        redirect = self._client_hub_magic_link_redirect()
        if not redirect:
            return groups
        clients = self._mail_get_partners(introspect_fields=False)[self.id]
        if not clients:
            return groups
        Partner, Link = self.env["res.partner"], self.env["client_hub.magic.link"]
        result = []
        for group in groups:
            personal = [
                rdata
                for rdata in group["recipients_data"]
                if rdata["id"] in clients.ids and rdata["type"] != "user"
            ]
            others = [
                rdata for rdata in group["recipients_data"] if rdata not in personal
            ]
            if others:
                result.append(
                    dict(
                        group,
                        recipients_data=others,
                        recipients_ids=[rdata["id"] for rdata in others if rdata["id"]],
                    )
                )
            title = group.get("button_access", {}).get("title") or self.env._(
                "View %s", model_description
            )
            for rdata in personal:
                partner = Partner.browse(rdata["id"])
                result.append(
                    dict(
                        group,
                        recipients_data=[rdata],
                        recipients_ids=[rdata["id"]],
                        recipients_emails=[],
                        has_button_access=True,
                        button_access={
                            "url": Link._get_placeholder_url(
                                partner, redirect=redirect
                            ),
                            "title": title,
                        },
                    )
                )
        return result

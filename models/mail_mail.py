from odoo import models
from odoo.tools.mail import email_normalize_all, formataddr

# Documents whose e-mails go to the client's billing address.
BILLING_MODELS = ("account.move", "sale.order", "account.payment")


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _personalize_outgoing_body(self, body, partner=False, doc_to_followers=None):
        """Override of `mail` to put a fresh magic link in the copy sent to the client a
        link stand-in was made for, and the plain sign-in page in every other copy: the
        stored body (chatter, queued mail) and other recipients never see a live link."""
        body = super()._personalize_outgoing_body(
            body, partner=partner, doc_to_followers=doc_to_followers
        )
        return self.env["client_hub.magic.link"]._render_placeholders(
            body, partner, message=self.mail_message_id
        )

    def _prepare_outgoing_list(self, mail_server=False, doc_to_followers=None):
        """Override of `mail` to send quotations, invoices and receipts to the recipient's
        billing e-mail when it differs from their e-mail."""
        email_list = super()._prepare_outgoing_list(
            mail_server=mail_server, doc_to_followers=doc_to_followers
        )
        if self.model not in BILLING_MODELS:
            return email_list
        for email_values in email_list:
            partner = email_values.get("partner_id")
            # the queue may be processed by any user: the billing address is not a secret here
            billing_email = partner and partner.sudo().client_billing_email
            if not billing_email or billing_email == partner.email:
                continue
            normalized = email_normalize_all(billing_email)
            email_values.update(
                {
                    "email_to": [
                        formataddr((partner.name or "", email))
                        for email in normalized or [billing_email]
                    ],
                    "email_to_normalized": normalized,
                    "email_to_raw": billing_email,
                }
            )
        return email_list

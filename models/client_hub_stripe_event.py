from odoo import fields, models
from odoo.tools import SQL


class ClientHubStripeEvent(models.Model):
    """A Stripe webhook event already processed, for the events whose effect is not
    idempotent by itself (a cash balance becoming a credit)."""

    _name = "client_hub.stripe.event"
    _description = "Processed Stripe Event"
    _rec_name = "event_id"

    event_id = fields.Char(required=True, readonly=True)
    partner_id = fields.Many2one("res.partner", readonly=True, index=True)
    payment_id = fields.Many2one("account.payment", readonly=True)

    _event_id_uniq = models.Constraint(
        "UNIQUE(event_id)", "A Stripe event is processed once."
    )

    def _client_hub_claim(self, event_id, partner):
        """Record the event as processed; tell whether it was new. A concurrent delivery of
        the same event waits on the unique index and then finds it taken.

        :rtype: bool
        """
        self.env.cr.execute(
            SQL(
                """INSERT INTO client_hub_stripe_event
                       (event_id, partner_id, create_uid, create_date, write_uid, write_date)
                   VALUES (%s, %s, %s, now() at time zone 'UTC', %s, now() at time zone 'UTC')
                   ON CONFLICT (event_id) DO NOTHING RETURNING id""",
                event_id,
                partner.id,
                self.env.uid,
                self.env.uid,
            ),
            # a concurrent delivery of the same event fails to serialise and is retried
            log_exceptions=False,
        )
        return bool(self.env.cr.fetchone())

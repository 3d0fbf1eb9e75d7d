from odoo import fields, models


class ClientHubPaymentPartial(models.Model):
    """What each partial reconciliation adds to the payment behaviour of its client, as
    the payment engine (`client_hub.payment.bucket`) last counted it: the engine takes it
    back when the reconciliation, its invoice or its payment changes, and adds what it
    counts then. One row per counted reconciliation, written by the engine's trigger
    function only: only the transactions that change this reconciliation touch its row.
    """

    _name = "client_hub.payment.partial"
    _description = "Client Payment Behaviour per Reconciliation"
    _log_access = False

    partial_id = fields.Integer(required=True, readonly=True, index=True)
    commercial_partner_id = fields.Many2one(
        "res.partner", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    paid_on = fields.Date(readonly=True)
    amount = fields.Monetary(required=True, readonly=True)
    amount_days = fields.Monetary(
        required=True,
        readonly=True,
        help="Amount times the days from the invoice date to the payment.",
    )
    amount_on_time = fields.Monetary(required=True, readonly=True)

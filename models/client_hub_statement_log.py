import logging

import psycopg2

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# The landing route of the payments made from the statement (see controllers/payment.py).
STATEMENT_ROUTE = "/my/statement"


class ClientHubStatementLog(models.Model):
    """One statement sent to a client: when it was sent, when the client opened it (signed
    in with the link of its e-mail) and what was paid from the statement after it.

    Scheduled statements also claim their date here: the row of a (client, date) is
    inserted before the e-mail is sent, and a unique index refuses a second one, so that two
    runs of the scheduler (workers, servers) never send the same statement twice.
    """

    _name = "client_hub.statement.log"
    _description = "Client Statement Sent"
    _order = "sent_date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    scheduled_date = fields.Date(
        string="Scheduled For",
        readonly=True,
        help="The day of the client's statement schedule this statement was sent for; "
        "empty for a statement sent by hand.",
    )
    state = fields.Selection(
        [("sent", "Sent"), ("nothing_due", "Nothing Due")],
        string="Status",
        required=True,
        default="sent",
        readonly=True,
        help="Nothing Due: the scheduled day came with nothing to pay; no e-mail was sent.",
    )
    sent_date = fields.Datetime(
        string="Sent On", readonly=True, default=fields.Datetime.now
    )
    message_id = fields.Many2one(
        "mail.message",
        string="E-mail",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    opened_date = fields.Datetime(
        string="Opened On",
        readonly=True,
        help="When the client first signed in with the link of this e-mail.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    # What a client paid online is for accountants, the users who read payment
    # transactions (`account_payment`), as sale's `transaction_ids`.
    transaction_ids = fields.Many2many(
        "payment.transaction",
        string="Payments",
        compute="_compute_payments",
        compute_sudo=True,
        groups="account.group_account_invoice",
        help="Payments made from the statement page after this statement was sent and "
        "before the next one.",
    )
    amount_paid = fields.Monetary(
        string="Paid From It",
        compute="_compute_payments",
        compute_sudo=True,
        currency_field="currency_id",
        groups="account.group_account_invoice",
    )

    _partner_scheduled_date_unique = models.UniqueIndex(
        "(partner_id, scheduled_date) WHERE scheduled_date IS NOT NULL",
        "This client's statement of that day was already sent.",
    )

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends("partner_id", "sent_date", "state")
    def _compute_payments(self):
        """Payments of the client confirmed through the statement page between this
        statement and the next one sent to the client (one query for the whole list)."""
        sent = self.filtered(lambda log: log.state == "sent" and log.sent_date)
        (self - sent).update({"transaction_ids": False, "amount_paid": 0.0})
        if not sent:
            return
        # sudo: only accountants read these fields (their group); the transactions are
        # matched below to the log's own client and company.
        transactions_sudo = (
            self.env["payment.transaction"]
            .sudo()
            .search(
                [
                    ("state", "=", "done"),
                    ("operation", "not in", ("validation", "refund")),
                    ("landing_route", "=", STATEMENT_ROUTE),
                    (
                        "partner_id.commercial_partner_id",
                        "in",
                        sent.partner_id.ids,
                    ),
                    ("last_state_change", ">=", min(sent.mapped("sent_date"))),
                ]
            )
        )
        next_sent = sent._get_next_sent_dates()
        for log in sent:
            log_transactions = transactions_sudo.filtered(
                lambda tx, log=log: (
                    tx.partner_id.commercial_partner_id == log.partner_id
                    and tx.company_id == log.company_id
                    and log.sent_date <= tx.last_state_change
                    and (
                        not next_sent.get(log.id)
                        or tx.last_state_change < next_sent[log.id]
                    )
                )
            )
            log.transaction_ids = log_transactions
            log.amount_paid = sum(
                tx.currency_id._convert(
                    tx.amount,
                    log.currency_id,
                    log.company_id,
                    tx.last_state_change.date(),
                )
                for tx in log_transactions
            )

    def _get_next_sent_dates(self):
        """Return, per log id, when the next statement was sent to the same client by the
        same company (None for the latest one)."""
        following = self.search(
            [
                ("partner_id", "in", self.partner_id.ids),
                ("state", "=", "sent"),
                ("sent_date", ">", min(self.mapped("sent_date"))),
            ],
            order="sent_date, id",
        )
        result = {}
        for log in self:
            later = following.filtered(
                lambda other, log=log: (
                    other.partner_id == log.partner_id
                    and other.company_id == log.company_id
                    and other.sent_date > log.sent_date
                )
            )
            result[log.id] = later[:1].sent_date or None
        return result

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------
    @api.model
    def _log_sent(self, client, message):
        """Record a statement e-mailed to ``client`` by hand.

        :param client: res.partner record, the commercial partner
        :param message: mail.message record posted on the client with the statement
        :return: client_hub.statement.log record (elevated)
        """
        # sudo: staff who send a statement record it; the log is read-only for them
        return self.sudo().create({"partner_id": client.id, "message_id": message.id})

    @api.model
    def _claim_scheduled(self, client, scheduled_date, state):
        """Insert the log row of the scheduled statement of ``client`` for
        ``scheduled_date``, unless another run already did.

        :return: client_hub.statement.log record, empty when the day is already taken
        """
        self.env.flush_all()
        now = fields.Datetime.now()
        query = SQL(
            """
            INSERT INTO client_hub_statement_log
                        (partner_id, company_id, scheduled_date, state, sent_date,
                         create_uid, create_date, write_uid, write_date)
                 VALUES (%(partner)s, %(company)s, %(day)s, %(state)s, %(now)s,
                         %(uid)s, %(now)s, %(uid)s, %(now)s)
            ON CONFLICT DO NOTHING
              RETURNING id
            """,
            partner=client.id,
            company=(client.company_id or self.env.company).id,
            day=scheduled_date,
            state=state,
            now=now,
            uid=self.env.uid,
        )
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(query, log_exceptions=False)
                row = self.env.cr.fetchone()
        except psycopg2.errors.SerializationFailure:
            # Another run committed this day's row after this transaction began.
            _logger.info(
                "Statement of client %s for %s already sent by another run.",
                client.id,
                scheduled_date,
            )
            return self.browse()
        return self.browse(row[0]) if row else self.browse()

    @api.model
    def _mark_opened(self, links):
        """Record the first sign-in with the links of statement e-mails.

        :param links: client_hub.magic.link records just used
        """
        messages = links.mail_message_id
        if not messages:
            return
        # sudo: called when the client signs in with a link of its own statement e-mail
        self.sudo().search(
            [("message_id", "in", messages.ids), ("opened_date", "=", False)]
        ).opened_date = fields.Datetime.now()

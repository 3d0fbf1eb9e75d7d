from odoo import fields, models
from odoo.tools import SQL

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment_stripe import const as stripe_const

from ..const import STRIPE_JP_BANK_TRANSFER


class ResPartner(models.Model):
    """A client paying by bank transfer through Stripe: its Stripe Customer (which owns its
    own account number) and the credit of what it sent beyond its payments."""

    _inherit = "res.partner"

    client_hub_stripe_customer_id = fields.Char(
        string="Stripe Customer",
        groups="base.group_user",
        copy=False,
        readonly=True,
        help="The Stripe Customer of the client, created with its first bank transfer or "
        "konbini payment and kept: Stripe gives each customer one account number.",
    )

    def _client_hub_get_stripe_customer(self, tx):
        """Return the Stripe Customer id of the client (a commercial partner), created once.

        The partner's row is locked first: two payments started at the same instant create a
        single customer (the second waits, then fails to serialise and is retried by the
        HTTP layer, and finds the id).

        :param payment.transaction tx: The transaction needing the customer (its provider
            sends the request, its partner details fill the customer).
        :rtype: str
        """
        self.ensure_one()
        self.env.cr.execute(
            SQL("SELECT id FROM res_partner WHERE id = %s FOR UPDATE", self.id),
            log_exceptions=False,
        )
        partner_sudo = self.sudo()  # the id is restricted to employees; the caller pays
        partner_sudo.invalidate_recordset(["client_hub_stripe_customer_id"])
        if not partner_sudo.client_hub_stripe_customer_id:
            customer = tx.with_context(
                client_hub_new_stripe_customer=True
            )._stripe_create_customer()
            partner_sudo.client_hub_stripe_customer_id = customer["id"]
        return partner_sudo.client_hub_stripe_customer_id

    def _client_hub_book_stripe_credit(self, provider, event_id, cash_balance):
        """Book what the client sent beyond its payments (the available cash balance of its
        Stripe Customer) as an outstanding customer payment, which Odoo's outstanding credits
        then offer on the next invoice. Only the part of the balance not booked yet by an
        earlier event is booked; an event already seen books nothing.

        :param payment.provider provider: The Stripe provider (its journal receives it).
        :param str event_id: The id of the Stripe event.
        :param dict cash_balance: The Stripe cash balance object of the event.
        :return: The payment booked, if any.
        :rtype: account.payment
        """
        self.ensure_one()
        Event = self.env["client_hub.stripe.event"].sudo()
        if not Event._client_hub_claim(event_id, self):
            return self.env["account.payment"]
        # Two events of one client (two transfers arriving) on two workers: the second
        # waits here, then fails to serialise (the row was updated) and is retried by the
        # HTTP layer, and sees the credit the first booked.
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET write_date = write_date WHERE id = %s", self.id
            ),
            log_exceptions=False,
        )
        event = Event.search([("event_id", "=", event_id)])
        payments = self.env["account.payment"]
        available_by_code = cash_balance.get("available")
        if not isinstance(available_by_code, dict):
            available_by_code = {}
        for code, minor in available_by_code.items():
            currency = self.env["res.currency"].search(
                [("name", "=", str(code).upper())], limit=1
            )
            if not currency or not isinstance(minor, int):
                continue
            available = payment_utils.to_major_currency_units(
                minor,
                currency,
                arbitrary_decimal_number=stripe_const.CURRENCY_DECIMALS.get(
                    currency.name
                ),
            )
            booked = self._client_hub_stripe_credit_booked(currency)
            amount = currency.round(available - booked)
            if currency.compare_amounts(amount, 0) <= 0:
                continue
            payment = (
                self.env["account.payment"]
                .sudo()
                .with_company(provider.company_id)
                .create(
                    {
                        "amount": amount,
                        "payment_type": "inbound",
                        "partner_type": "customer",
                        "partner_id": self.id,
                        "currency_id": currency.id,
                        "journal_id": provider.journal_id.id,
                        "company_id": provider.company_id.id,
                        "memo": self.env._(
                            "Bank transfer beyond the amount due (Stripe %(customer)s)",
                            customer=cash_balance.get("customer"),
                        ),
                    }
                )
            )
            payment.action_post()
            event.payment_id = payment
            payments |= payment
        return payments

    def _client_hub_stripe_credit_payments(self, currency):
        """Return the payments holding the client's Stripe cash balance in `currency`: the
        credits booked from cash balance events, and what arrived on bank transfers Stripe
        then cancelled or failed (Stripe keeps those funds in the cash balance;
        `payment.transaction._client_hub_release_funding` made them credit).

        :rtype: account.payment
        """
        self.ensure_one()
        Event = self.env["client_hub.stripe.event"].sudo()
        payments = Event.search(
            [("partner_id", "=", self.id), ("payment_id", "!=", False)]
        ).mapped("payment_id")
        released = (
            self.env["payment.transaction"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", self.id),
                    ("payment_method_code", "=", STRIPE_JP_BANK_TRANSFER),
                    ("state", "in", ("cancel", "error")),
                ]
            )
        )
        payments |= (
            self.env["account.payment"]
            .sudo()
            .search([("payment_transaction_id", "in", released.ids)])
        )
        return payments.filtered(
            lambda p: p.currency_id == currency and p.state in ("in_process", "paid")
        )

    def _client_hub_stripe_credit_lines(self, currency):
        """Return the receivable lines of the client's Stripe credit still to use."""
        lines = self._client_hub_stripe_credit_payments(currency).move_id.line_ids
        return lines.filtered(
            lambda line: (
                line.account_id.account_type == "asset_receivable"
                and not line.reconciled
                and line.amount_residual_currency < 0
            )
        ).sorted("id")

    def _client_hub_stripe_credit_booked(self, currency):
        """Return what Odoo holds of the client's Stripe cash balance in `currency`: the
        Stripe credit, less what Stripe has since applied to new bank transfers.

        :rtype: float
        """
        self.ensure_one()
        held = sum(self._client_hub_stripe_credit_payments(currency).mapped("amount"))
        applied = sum(
            self.env["payment.transaction"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", self.id),
                    ("currency_id", "=", currency.id),
                    ("client_hub_credit_applied", "!=", 0),
                ]
            )
            .mapped("client_hub_credit_applied")
        )
        return currency.round(held - applied)

    def _client_hub_get_payment_instructions(self):
        """Return what the client needs to pay by bank transfer or at a store, and its
        credit: its accounts (振込先), its pending konbini vouchers, and its outstanding
        payments by currency. `self` is the client's own contact (access established).

        :return: ``accounts`` (client_hub.bank.transfer.account), ``vouchers``
            (payment.transaction, sudoed) and ``credits`` (list of (currency, amount)).
        :rtype: dict
        """
        self.ensure_one()
        commercial = self.commercial_partner_id
        # sudo: the partner is the caller's own client; the records are filtered on it.
        accounts = (
            self.env["client_hub.bank.transfer.account"]
            .sudo()
            .search([("partner_id", "=", commercial.id)])
        )
        vouchers = (
            self.env["payment.transaction"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", commercial.id),
                    ("state", "=", "pending"),
                    ("client_hub_konbini_voucher_url", "!=", False),
                ],
                order="id desc",
            )
        )
        credit_groups = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                [
                    ("partner_id", "child_of", commercial.id),
                    ("account_id.account_type", "=", "asset_receivable"),
                    ("parent_state", "=", "posted"),
                    ("reconciled", "=", False),
                    ("amount_residual_currency", "<", 0),
                ],
                ["currency_id"],
                ["amount_residual_currency:sum"],
            )
        )
        credits = [
            (currency, -amount)
            for currency, amount in credit_groups
            if not currency.is_zero(amount)
        ]
        return {"accounts": accounts, "vouchers": vouchers, "credits": credits}

from odoo import fields, models

from ..const import DEFAULT_TRANSFER_FEE_MAX


class ResCompany(models.Model):
    """The bank transfer fee a client may deduct from a transfer paid through Stripe."""

    _inherit = "res.company"

    client_hub_transfer_fee_max = fields.Float(
        string="Transfer Fee Accepted",
        default=DEFAULT_TRANSFER_FEE_MAX,
        help="The bank transfer fee, in yen, a client may deduct from a bank transfer: when "
        "at most this much is missing, the invoices are paid and the difference is written "
        "off. 0 turns it off.",
    )
    client_hub_transfer_fee_account_id = fields.Many2one(
        "account.account",
        string="Transfer Fee Account",
        check_company=True,
        domain=[("account_type", "in", ("expense", "expense_direct_cost"))],
        help="The expense account the deducted transfer fees are written off to; with the "
        "Japanese chart of accounts, 支払手数料 unless set.",
    )

    def _client_hub_get_transfer_fee_account(self):
        """Return the account deducted transfer fees are written off to: the setting, else
        the commission expenses (支払手数料) of `l10n_jp`'s chart, if installed.

        :rtype: account.account
        """
        self.ensure_one()
        if self.client_hub_transfer_fee_account_id:
            return self.client_hub_transfer_fee_account_id
        return (
            self.env["account.chart.template"]
            .with_company(self)
            .ref("l10n_jp_512400", raise_if_not_found=False)
            or self.env["account.account"]
        )

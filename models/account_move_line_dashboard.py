from odoo import models


class AccountMoveLine(models.Model):
    """Journal items as stock's partner balances read them."""

    _inherit = "account.move.line"

    # The open items of a partner: stock's Total Receivable and Total Payable
    # (res.partner `_credit_debit_get`, as client_hub queries it) add up these alone,
    # not the partner's whole history.
    _client_hub_open_items_idx = models.Index(
        "(partner_id) INCLUDE (account_id, company_id, amount_residual)"
        " WHERE parent_state = 'posted' AND reconciled IS NOT TRUE AND amount_residual <> 0"
    )

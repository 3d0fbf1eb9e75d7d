from odoo import fields, models


class ClientHubBankTransferAccount(models.Model):
    """The client's own account number for bank transfers (振込先), as Stripe gives one per
    customer (Zengin financial address): the same for every payment of the client."""

    _name = "client_hub.bank.transfer.account"
    _description = "Client Bank Transfer Account"
    _rec_name = "account_number"

    partner_id = fields.Many2one(
        "res.partner", required=True, readonly=True, ondelete="cascade", index=True
    )
    provider_id = fields.Many2one(
        "payment.provider", required=True, readonly=True, ondelete="cascade"
    )
    bank_name = fields.Char(readonly=True)
    bank_code = fields.Char(readonly=True)
    branch_name = fields.Char(readonly=True)
    branch_code = fields.Char(readonly=True)
    account_type = fields.Char(readonly=True)
    account_number = fields.Char(readonly=True)
    account_holder_name = fields.Char(readonly=True)

    _partner_provider_uniq = models.Constraint(
        "UNIQUE(partner_id, provider_id)",
        "A client has one bank transfer account per payment provider.",
    )

    ZENGIN_FIELDS = (
        "bank_name",
        "bank_code",
        "branch_name",
        "branch_code",
        "account_type",
        "account_number",
        "account_holder_name",
    )

    def _client_hub_store(self, partner, provider, zengin):
        """Create or update the account of a client from a Stripe Zengin address.

        :param res.partner partner: The client (commercial partner).
        :param payment.provider provider: The Stripe provider.
        :param dict zengin: The ``zengin`` part of the financial address.
        :rtype: client_hub.bank.transfer.account
        """
        values = {
            name: str(zengin[name])
            for name in self.ZENGIN_FIELDS
            if isinstance(zengin.get(name), (str, int))
        }
        account = self.search(
            [("partner_id", "=", partner.id), ("provider_id", "=", provider.id)]
        )
        if account:
            if any(account[name] != value for name, value in values.items()):
                account.write(values)
            return account
        return self.create(
            {"partner_id": partner.id, "provider_id": provider.id, **values}
        )

    def _client_hub_account_type_label(self):
        """The account type as a Japanese bank writes it (普通, 当座)."""
        self.ensure_one()
        return {"futsu": "普通", "toza": "当座"}.get(
            self.account_type, self.account_type or ""
        )

import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

# An account holder's name in kana (口座名義カナ), as banks in Japan take it: katakana, full-width
# (ァ–ヺ, ー) or half-width (ｦ–ﾟ, ｰ, ﾞ, ﾟ), spaces, digits, and the symbols of the Zengin
# character set ( ) . - / , 「 」, either width.
JP_HOLDER_KANA_RE = re.compile(
    r"[\u30a1-\u30fa\u30fc\uff66-\uff9f0-9\uff10-\uff19 \u3000"
    r"()\uff08\uff09.\uff0e\-\uff0d\u2010/\uff0f,\uff0c\u300c\u300d\uff62\uff63]+"
)


class ResPartnerBank(models.Model):
    """What a client in Japan needs to pay by bank transfer (振込) into the account: the
    branch, the account type and the holder's name in kana, printed as 振込先 on the
    documents of companies in Japan (see `account.move._client_hub_jp_bank_transfer`)."""

    _inherit = "res.partner.bank"

    client_hub_branch_name = fields.Char(
        string="Branch", help="The branch of the bank holding the account (支店名)."
    )
    client_hub_branch_code = fields.Char(
        string="Branch Code", help="The branch's three-digit code (支店コード)."
    )
    client_hub_account_type = fields.Selection(
        [
            ("ordinary", "Ordinary (普通)"),
            ("current", "Current (当座)"),
            ("savings", "Savings (貯蓄)"),
        ],
        string="Account Type",
        default="ordinary",
        help="The kind of deposit account (預金種目), which a transfer in Japan names.",
    )
    client_hub_holder_kana = fields.Char(
        string="Account Holder (Kana)",
        help="The holder's name as the bank registered it, in katakana (口座名義カナ), e.g. "
        "カ）ヒカリソリューションズ or ｶ)ﾋｶﾘｿﾘｭｰｼｮﾝｽﾞ. Clients check it before they transfer.",
    )

    @api.constrains("client_hub_holder_kana")
    def _check_client_hub_holder_kana(self):
        for bank in self:
            kana = bank.client_hub_holder_kana
            if kana and not JP_HOLDER_KANA_RE.fullmatch(kana):
                raise ValidationError(
                    self.env._(
                        "“%(name)s” is not an account holder's name in kana. Write it in "
                        "katakana, full-width (e.g. カ）ヒカリソリューションズ) or half-width "
                        "(e.g. ｶ)ﾋｶﾘｿﾘｭｰｼｮﾝｽﾞ), with spaces, digits and the symbols "
                        "( ) . - / , 「 」 only, as the bank registered it.",
                        name=kana,
                    )
                )

    def _client_hub_jp_holder(self):
        """Return the holder's name a transfer shows: in kana when entered."""
        self.ensure_one()
        return (
            self.client_hub_holder_kana or self.acc_holder_name or self.partner_id.name
        )

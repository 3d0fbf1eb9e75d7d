import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

# "T" then the 13 digits the National Tax Agency assigns: for a corporation its corporate
# number (法人番号), for other businesses a number of the same form.
JP_REGISTRATION_NUMBER_RE = re.compile(r"T([1-9])(\d{12})")


def jp_check_digit(digits):
    """Return the check digit of a 12-digit corporate number body: 9 - (Σ Pn × Qn mod 9),
    Pn the n-th digit counted from the right, Qn 1 when n is odd and 2 when even (法人番号の
    指定等に関する省令 第2条; python-stdnum's `stdnum.jp.cn`, which `base_vat` checks Japanese
    tax IDs with, computes the same).

    :param str digits: the 12 digits after the check digit
    :rtype: str
    """
    total = sum(
        int(digit) * (2 if n % 2 == 0 else 1)
        for n, digit in enumerate(reversed(digits), start=1)
    )
    return str(9 - total % 9)


class ResCompany(models.Model):
    """The registration number a company in Japan prints on its qualified invoices
    (適格請求書), see `account.move._client_hub_is_qualified_invoice`."""

    _inherit = "res.company"

    client_hub_jp_registration_number = fields.Char(
        string="Qualified Invoice Registration Number",
        help="The number the National Tax Agency gave the company as a qualified invoice "
        "issuer (適格請求書発行事業者登録番号): “T” followed by 13 digits, e.g. "
        "T7000012050002. Printed on the invoices of companies in Japan.",
    )

    @api.constrains("client_hub_jp_registration_number")
    def _check_client_hub_jp_registration_number(self):
        for company in self:
            number = company.client_hub_jp_registration_number
            if not number:
                continue
            match = JP_REGISTRATION_NUMBER_RE.fullmatch(number)
            if not match or jp_check_digit(match[2]) != match[1]:
                raise ValidationError(
                    self.env._(
                        "“%(number)s” is not a qualified invoice registration number. It is "
                        "the letter “T” followed by 13 digits, the first of which checks the "
                        "other twelve, as the National Tax Agency issued it (e.g. "
                        "T7000012050002).",
                        number=number,
                    )
                )

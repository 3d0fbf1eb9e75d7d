import logging

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL
from odoo.tools.sql import column_exists

_logger = logging.getLogger(__name__)

OLD_COLUMN = "client_hub_jp_registration_number"


def migrate(cr, version):
    """Move the companies' qualified invoice registration number into their Tax ID.

    Up to 19.0.1.4.0 client_hub kept it in a field of its own; Odoo keeps it in the Tax ID
    (`vat`, validated by `base_vat` and exported by `l10n_jp_ubl_pint`). The number moves when
    the Tax ID is empty. When both are set and differ, the Tax ID is kept, a warning is logged
    and the old number is noted in the chatter of the company's contact, for an administrator
    to decide: nothing is lost.

    Post-migrate rather than pre-migrate: the write goes through the ORM, so that the Tax ID
    reaches the company's contacts as Odoo's commercial fields do. The old column is still
    there: Odoo drops the columns of removed fields only once every module is loaded
    (`ir.model.data._process_end`).
    """
    if not column_exists(cr, "res_company", OLD_COLUMN):
        return
    cr.execute(
        SQL(
            "SELECT id, %s FROM res_company WHERE COALESCE(TRIM(%s), '') != ''",
            SQL.identifier(OLD_COLUMN),
            SQL.identifier(OLD_COLUMN),
        )
    )
    numbers = dict(cr.fetchall())
    env = api.Environment(cr, SUPERUSER_ID, {})
    for company in env["res.company"].browse(list(numbers)):
        number = numbers[company.id].strip()
        if not company.vat:
            # validated by client_hub's own check when entered; stored as it was
            company.partner_id.with_context(no_vat_validation=True).vat = number
            _logger.info(
                "client_hub: company %s (id %s): registration number %s moved into its Tax ID",
                company.name,
                company.id,
                number,
            )
        elif _compact(company.vat) != _compact(number):
            _logger.warning(
                "client_hub: company %s (id %s) has the Tax ID %s and the qualified invoice "
                "registration number %s: the Tax ID is kept, and printed as the registration "
                "number. The other number is noted in the chatter of the company's contact.",
                company.name,
                company.id,
                company.vat,
                number,
            )
            company.partner_id._message_log(
                body=env._(
                    "Until client_hub 19.0.1.5.0 this company's qualified invoice "
                    "registration number was %(number)s, while its Tax ID was %(vat)s. The "
                    "Tax ID is now the registration number: it was kept. Enter %(number)s as "
                    "the Tax ID if that is the right one.",
                    number=number,
                    vat=company.vat,
                )
            )


def _compact(number):
    return "".join(number.split()).upper()

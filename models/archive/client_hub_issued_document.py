import hashlib
import math
import re
from datetime import date, datetime

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools.safe_eval import safe_eval, time

# Context key under which the archive itself writes its rows (see `_archive`, `_verify`).
ARCHIVE_WRITE = "client_hub_archive_write"
# The only fields the archive rewrites after a row is written: the result of "Verify".
VERIFY_FIELDS = {"integrity_state", "verified_at"}
MAX_RECORD_ID = 2**31 - 1  # PostgreSQL integer
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def sha256_hex(content):
    if isinstance(content, str):
        content = content.encode()
    return hashlib.sha256(content or b"").hexdigest()


class ClientHubIssuedDocument(models.Model):
    """A document the company issued, kept as the Electronic Bookkeeping Act (電子帳簿保存法)
    asks: the PDF sent or stored, its SHA-256, and what the law lets an auditor search it by
    (transaction date, amount, counterparty).

    Rows are written by the module only, when the PDF is stored: an invoice or credit
    note's PDF (`account.move.send._link_invoice_documents`), a statement e-mailed
    (`client_hub.statement.log`), a quotation sent (`sale.order.message_post`). Nobody
    creates, changes or deletes one by hand, the superuser included; while a row exists its
    attachment can be neither deleted nor overwritten (`ir.attachment`).
    """

    _name = "client_hub.issued.document"
    _description = "Issued Document (Electronic Bookkeeping Archive)"
    _order = "date desc, id desc"

    document_type = fields.Selection(
        [
            ("invoice", "Invoice"),
            ("credit_note", "Credit Note"),
            ("statement", "Statement"),
            ("quotation", "Quotation"),
        ],
        required=True,
        readonly=True,
    )
    date = fields.Date(
        string="Transaction Date",
        required=True,
        readonly=True,
        help="The invoice date, the quotation date, or the day the statement was sent.",
    )
    amount = fields.Monetary(
        required=True,
        readonly=True,
        currency_field="currency_id",
        help="Total, taxes included, in the document's currency.",
    )
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Counterparty",
        required=True,
        readonly=True,
        ondelete="restrict",
        help="The commercial partner the document was issued to.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, ondelete="restrict"
    )
    name = fields.Char(string="Number", required=True, readonly=True)
    attachment_id = fields.Many2one(
        "ir.attachment",
        string="PDF",
        required=True,
        readonly=True,
        ondelete="restrict",  # also refused to SQL: the row stands for the file
    )
    sha256 = fields.Char(string="SHA-256", required=True, readonly=True)
    issued_at = fields.Datetime(string="Issued On", required=True, readonly=True)
    issued_by = fields.Many2one(
        "res.users",
        readonly=True,
        ondelete="restrict",
        help="The person who sent it; empty when the system stored it (background "
        "rendering, scheduled statements).",
    )
    res_model = fields.Char(string="Source Model", readonly=True)
    res_id = fields.Many2oneReference(
        string="Source Document", model_field="res_model", readonly=True
    )
    integrity_state = fields.Selection(
        [
            ("unverified", "Not Verified Yet"),
            ("ok", "Intact"),
            ("altered", "Altered"),
            ("missing", "File Missing"),
        ],
        string="Integrity",
        required=True,
        default="unverified",
        readonly=True,
        help="The result of the last verification: the stored bytes hashed again and "
        "compared with the SHA-256 recorded when the document was issued.",
    )
    verified_at = fields.Datetime(string="Last Verified On", readonly=True)

    # counterparty + date range + amount range, the search the law asks for
    _search_index = models.Index("(company_id, partner_id, date, amount)")
    _attachment_unique = models.UniqueIndex("(attachment_id)")

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        """Override: rows are written by the archive only (see `_archive`)."""
        if not self.env.context.get(ARCHIVE_WRITE):
            raise UserError(self._immutable_message())
        return super().create(vals_list)

    def write(self, vals):
        """Override: a row is kept as it was written; only "Verify" records its result."""
        if not (self.env.context.get(ARCHIVE_WRITE) and vals.keys() <= VERIFY_FIELDS):
            raise UserError(self._immutable_message())
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_archived(self):
        raise UserError(self._immutable_message())

    def _immutable_message(self):
        return self.env._(
            "Issued documents are kept as the Electronic Bookkeeping Act asks: nobody can "
            "create, change or delete them by hand. They are written when a document's PDF "
            "is stored or sent."
        )

    # ------------------------------------------------------------------
    # Writing the archive
    # ------------------------------------------------------------------
    @api.model
    def _archive(self, vals_list):
        """Write the rows of documents just issued; attachments already archived are
        skipped (a PDF reused by Send, a message archived twice).

        :param list vals_list: values of `_prepare_archive_vals`
        :return: the rows written (elevated)
        """
        # sudo: whoever stores or sends a document archives it; the archive is read-only
        Docs = self.sudo().with_context(**{ARCHIVE_WRITE: True})
        ids = [vals["attachment_id"] for vals in vals_list]
        known = set(Docs.search([("attachment_id", "in", ids)]).attachment_id.ids)
        new = [vals for vals in vals_list if vals["attachment_id"] not in known]
        return Docs.create(new) if new else Docs.browse()

    @api.model
    def _prepare_archive_vals(self, record, attachment, content=None, **values):
        """Return the values of the row archiving ``attachment`` (the PDF of ``record``).

        :param record: the document issued (account.move, sale.order, res.partner)
        :param attachment: the stored PDF (ir.attachment)
        :param bytes content: the bytes just stored, to spare reading them back
        :param values: the row's ``document_type``, ``date``, ``amount``, ``currency_id``,
            ``partner_id``, ``company_id``, ``name`` (and optionally ``issued_by``)
        """
        user = self.env.user  # a sudo() environment keeps its user: who sent it
        person = user if user._is_internal() and not user._is_superuser() else None
        # sudo: the PDF was just stored or sent by the caller; only its bytes are hashed
        return {
            "attachment_id": attachment.id,
            "sha256": sha256_hex(attachment.sudo().raw if content is None else content),
            "issued_at": fields.Datetime.now(),
            "issued_by": person.id if person else False,
            "res_model": record._name,
            "res_id": record.id,
            **values,
        }

    @api.model
    def _find_report_attachments(self, message, report, record):
        """Return the attachments of ``message`` that ``report`` rendered for ``record``,
        told by their name, the report's file name (as `mail.template` names them). Tests
        render reports as HTML: the extension is not compared."""
        if report.print_report_name:
            stem = safe_eval(report.print_report_name, {"object": record, "time": time})
        else:
            stem = self.env._("Report")
        # sudo: the message was just posted by the caller; only its files' names are read
        return message.sudo().attachment_ids.filtered(
            lambda a: a.name.rsplit(".", 1)[0] == stem
        )

    # ------------------------------------------------------------------
    # Search
    # ------------------------------------------------------------------
    @api.model
    def _get_archive_search_domain(
        self,
        date_from=None,
        date_to=None,
        amount_min=None,
        amount_max=None,
        partner_id=None,
        document_type=None,
        ids=None,
    ):
        """Return the domain of an archive search, from typed values or from the strings of
        a request (empty values: no condition).

        :raise UserError: a date that is not a date, an amount that is not a number, a
            counterparty that is not an id, a range whose start is after its end

        :param ids: the rows picked in the list, as ids or a comma-separated string
        """
        date_from = self._parse_date(date_from, self.env._("Transaction date from"))
        date_to = self._parse_date(date_to, self.env._("Transaction date to"))
        amount_min = self._parse_amount(amount_min, self.env._("Minimum amount"))
        amount_max = self._parse_amount(amount_max, self.env._("Maximum amount"))
        if date_from and date_to and date_from > date_to:
            raise UserError(
                self.env._(
                    "The date range is reversed: %(start)s is after %(end)s.",
                    start=date_from,
                    end=date_to,
                )
            )
        if (
            amount_min is not None
            and amount_max is not None
            and amount_min > amount_max
        ):
            raise UserError(
                self.env._(
                    "The amount range is reversed: the minimum (%(min)s) is above the "
                    "maximum (%(max)s).",
                    min=amount_min,
                    max=amount_max,
                )
            )
        domain = Domain.TRUE
        for condition, value in (
            (("date", ">="), date_from),
            (("date", "<="), date_to),
            (("amount", ">="), amount_min),
            (("amount", "<="), amount_max),
        ):
            if value is not None and value is not False:
                domain &= Domain(*condition, value)
        if partner := self._parse_id(partner_id):
            domain &= Domain("partner_id", "=", partner)
        if ids:
            raw_ids = ids.split(",") if isinstance(ids, str) else ids
            domain &= Domain(
                "id", "in", [self._parse_id(i, record=True) for i in raw_ids]
            )
        if document_type:
            if document_type not in dict(self._fields["document_type"].selection):
                raise UserError(self.env._("Unknown document type."))
            domain &= Domain("document_type", "=", document_type)
        return domain

    @api.model
    def _parse_date(self, value, label):
        if value in (None, False, ""):
            return None
        if isinstance(value, date | datetime):
            return fields.Date.to_date(value)
        value = str(value).strip()
        try:
            if not DATE_RE.fullmatch(value):
                raise ValueError(value)
            return fields.Date.to_date(value)
        except ValueError:
            raise UserError(
                self.env._(
                    "%(field)s: “%(value)s” is not a date. Write it as YYYY-MM-DD, "
                    "e.g. 2024-03-31.",
                    field=label,
                    value=value[:40],
                )
            ) from None

    @api.model
    def _parse_amount(self, value, label):
        if value in (None, False, ""):
            return None
        try:
            number = float(str(value).strip().replace(",", ""))
            if not math.isfinite(number) or len(str(value)) > 30:
                raise ValueError(value)
        except ValueError:
            raise UserError(
                self.env._(
                    "%(field)s: “%(value)s” is not an amount.",
                    field=label,
                    value=str(value)[:40],
                )
            ) from None
        return number

    @api.model
    def _parse_id(self, value, record=False):
        if value in (None, False, "") and not record:
            return None
        if isinstance(value, models.BaseModel):
            return value.commercial_partner_id.id
        raw = str(value).strip()
        if not re.fullmatch(r"[0-9]{1,10}", raw) or not 0 < int(raw) <= MAX_RECORD_ID:
            if record:
                raise UserError(self.env._("The selection is not valid."))
            raise UserError(self.env._("The counterparty is not a valid record."))
        return int(raw)

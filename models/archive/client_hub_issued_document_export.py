import csv
import io
import re
import zipfile

from odoo import api, fields, models
from odoo.exceptions import RedirectWarning
from odoo.tools import split_every

from ...const import DEFAULT_ARCHIVE_ZIP_MAX, PARAM_ARCHIVE_ZIP_MAX

CSV_ROUTE = "/client_hub/archive/csv"
ZIP_ROUTE = "/client_hub/archive/zip"
CSV_BATCH = 1000  # rows read at a time while a CSV is written
UNSAFE_FILENAME_RE = re.compile(r"[^\w.\-]+")


class ClientHubIssuedDocument(models.Model):
    """The archive for a tax audit: a CSV of a search with the hashes, and a ZIP of its
    PDFs with that CSV as manifest."""

    _inherit = "client_hub.issued.document"

    @api.model
    def _get_zip_max(self):
        """Return the largest number of documents one ZIP holds (system parameter
        ``client_hub.archive_zip_max``, 500 by default): larger searches get the CSV."""
        return self.env["ir.config_parameter"]._client_hub_get_number(
            PARAM_ARCHIVE_ZIP_MAX, DEFAULT_ARCHIVE_ZIP_MAX, minimum=1
        )

    @api.model
    def _check_zip_size(self, domain, csv_url):
        """Refuse a ZIP of more documents than `_get_zip_max`, offering the CSV instead.

        :raise RedirectWarning: with a button downloading the CSV of the same search
        """
        count, limit = self.search_count(domain), self._get_zip_max()
        if count > limit:
            raise RedirectWarning(
                self._zip_too_large_message(count, limit),
                {"type": "ir.actions.act_url", "url": csv_url, "target": "download"},
                self.env._("Download the CSV"),
            )
        return count

    @api.model
    def _zip_too_large_message(self, count, limit):
        return self.env._(
            "This search finds %(count)s documents; one ZIP holds at most %(limit)s. "
            "Narrow the search (dates, amounts, counterparty), or download the CSV of all "
            "of them, with their SHA-256.",
            count=count,
            limit=limit,
        )

    def action_download_csv(self):
        """Server action "Download CSV": the selected rows, with their SHA-256."""
        return {
            "type": "ir.actions.act_url",
            "url": f"{CSV_ROUTE}?ids={','.join(map(str, self.ids))}",
            "target": "download",
        }

    # ------------------------------------------------------------------
    # CSV
    # ------------------------------------------------------------------
    @api.model
    def _csv_header(self):
        return [
            self.env._("Document Type"),
            self.env._("Number"),
            self.env._("Transaction Date"),
            self.env._("Amount"),
            self.env._("Currency"),
            self.env._("Counterparty"),
            self.env._("Counterparty Tax ID"),
            self.env._("Company"),
            self.env._("Issued On"),
            self.env._("Issued By"),
            self.env._("SHA-256"),
            self.env._("File"),
        ]

    def _csv_row(self, filename):
        self.ensure_one()
        types = dict(self._fields["document_type"]._description_selection(self.env))
        return [
            types[self.document_type],
            self.name,
            fields.Date.to_string(self.date),
            f"{self.amount:.{self.currency_id.decimal_places}f}",
            self.currency_id.name,
            self.partner_id.name,
            self.partner_id.vat or "",
            self.company_id.name,
            fields.Datetime.to_string(self.issued_at),
            self.issued_by.name or "",
            self.sha256,
            filename,
        ]

    @api.model
    def _iter_csv(self, domain):
        """Yield the CSV of the rows of ``domain`` (UTF-8 with a BOM, for spreadsheets),
        a batch of rows at a time: a search of the whole archive never sits in memory."""
        ids = self.search(domain).ids
        yield "\ufeff".encode()
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(self._csv_header())
        for batch in split_every(CSV_BATCH, ids, self.browse):
            for row in batch._client_hub_source_readable():
                writer.writerow(row._csv_row(row._zip_entry_name()))
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            batch.invalidate_recordset()

    # ------------------------------------------------------------------
    # ZIP
    # ------------------------------------------------------------------
    def _zip_entry_name(self):
        self.ensure_one()
        # sudo: the reader may read the row (record rules); only its file's name is read
        extension = (self.attachment_id.sudo().name or "").rsplit(".", 1)[-1].lower()
        if not re.fullmatch(r"[a-z0-9]{1,5}", extension):
            extension = "pdf"
        stem = UNSAFE_FILENAME_RE.sub("_", self.name).strip("_") or self.document_type
        return f"{self.date}_{stem}_{self.id}.{extension}"

    def _client_hub_source_readable(self):
        """The rows whose source document (invoice, quotation, client) the user may read:
        the PDF shows that document, so the user's record rules on it apply (a
        salesperson who reads only their own invoices gets only theirs)."""
        readable = self.browse()
        for model, rows in self.grouped("res_model").items():
            if not model or model not in self.env:
                continue
            sources = self.env[model].browse(rows.mapped("res_id")).exists()
            allowed = set(sources._filtered_access("read").ids)
            readable |= rows.filtered(
                lambda row, allowed=allowed: row.res_id in allowed
            )
        return readable

    def _build_audit_zip(self):
        """Return the ZIP of the rows' PDFs, with ``manifest.csv`` listing each file, its
        row and its SHA-256 (as recorded when issued)."""
        buffer = io.BytesIO()
        manifest = io.StringIO()
        writer = csv.writer(manifest)
        writer.writerow(self._csv_header())
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for row in self._client_hub_source_readable():
                entry = row._zip_entry_name()
                # sudo: the reader may read the row (record rules); its PDF is the document
                attachment_sudo = row.attachment_id.sudo()
                archive.writestr(entry, attachment_sudo.raw or b"")
                attachment_sudo.invalidate_recordset(
                    ["raw"]
                )  # one file in memory at a time
                writer.writerow(row._csv_row(entry))
            archive.writestr("manifest.csv", "\ufeff" + manifest.getvalue())
        return buffer.getvalue()

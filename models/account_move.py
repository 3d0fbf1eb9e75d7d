import io
import re
import zipfile
import zlib

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.base.models.ir_actions_report import _wkhtml

from ..const import (
    DEFAULT_STATEMENT_ZIP_MAX,
    DEFAULT_STATEMENT_ZIP_RENDER_MAX,
    PARAM_STATEMENT_ZIP_MAX,
    PARAM_STATEMENT_ZIP_RENDER_MAX,
)

# First key of the advisory locks of ZIP renderings (the second is the client's id).
ZIP_RENDER_LOCK_NAMESPACE = zlib.crc32(b"client_hub.zip_render") & 0x7FFFFFFF


class AccountMove(models.Model):
    """Customer documents downloaded together as one ZIP of PDFs from the portal."""

    _inherit = "account.move"

    def _client_hub_zip_entry_name(self):
        """Return the file name of the document's PDF inside a ZIP: its number, made safe."""
        self.ensure_one()
        stem = (
            re.sub(r"[^A-Za-z0-9._-]+", "_", self.name or "").strip("._")
            or f"document_{self.id}"
        )
        return f"{stem}.pdf"

    def _client_hub_zip_pdfs(self):
        """Build one ZIP holding the PDF of each document, named after its number.

        Documents whose PDF is stored (`invoice_pdf_report_id`: rendered in the background
        once posted, or the one sent) are read as is; the others, not reached by the queue yet,
        are rendered together in one report call without being stored: the queue stores them
        moments later with Send's own helpers, and a portal download stays a read.

        :return: The ZIP file content.
        :rtype: bytes
        """
        pdf_by_id = {
            move.id: move.invoice_pdf_report_id.raw
            for move in self
            if move.invoice_pdf_report_id
        }
        missing = self.filtered(lambda move: move.id not in pdf_by_id)
        if missing:
            pdf_by_id.update(missing._client_hub_render_pdfs())
        buffer = io.BytesIO()
        used_names = set()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for move in self:
                name = move._client_hub_zip_entry_name()
                if name in used_names:  # The same number in two companies.
                    name = f"{name[:-4]}_{move.id}.pdf"
                used_names.add(name)
                archive.writestr(name, pdf_by_id[move.id])
        return buffer.getvalue()

    def _client_hub_render_pdfs(self):
        """Render the invoice PDF of the documents, with the template Send uses for each, in
        one wkhtmltopdf run per template (usually one), split per document.

        :return: The PDF content by document id.
        :rtype: dict
        """
        if len(self) > 1 and not _wkhtml().is_patched_qt:
            # A wkhtmltopdf built without Odoo's patched Qt cannot print several documents in
            # one run (stock raises an error): one run per document then.
            return {
                move.id: next(iter(move._client_hub_render_pdfs().values()))
                for move in self
            }
        report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        Send = self.env["account.move.send"]
        pdf_by_id = {}
        for pdf_report, moves in self.grouped(Send._get_default_pdf_report_id).items():
            streams, _report_type = report._pre_render_qweb_pdf(
                pdf_report.report_name, moves.ids
            )
            for move in moves:
                stream = (streams.get(move.id) or {}).get("stream")
                if (
                    stream is None
                ):  # The merged PDF could not be split: render this one alone.
                    stream = report._pre_render_qweb_pdf(
                        pdf_report.report_name, move.ids
                    )[0][move.id]["stream"]
                pdf_by_id[move.id] = stream.getvalue()
            for stream_data in streams.values():
                if stream_data.get("stream"):
                    stream_data["stream"].close()
        return pdf_by_id

    def _client_hub_zip_reserve_rendering(self):
        """Check that the client may have the missing PDFs of these documents rendered now,
        and count the rendering; downloads of stored PDFs only are not limited.

        Rendering runs wkhtmltopdf, the costliest thing a client can start from the portal.
        A client renders one ZIP at a time (a transaction-level advisory lock on their
        commercial partner, held until the end of the request) and at most
        ``client_hub.rate_limit_zip_render`` ZIPs per rate-limit window. Both live in
        PostgreSQL, so they hold across workers and servers. Past
        ``client_hub.statement_zip_render_max`` PDFs to render, the download is refused and
        the documents are queued, to be ready a few minutes later.

        :raise UserError: with the message for the client when the rendering is refused
        """
        missing = self.filtered(lambda move: not move.invoice_pdf_report_id)
        if not missing:
            return
        if len(missing) > (render_max := self._client_hub_zip_render_max()):
            # Queued (those posted before the queue existed too), so that they are ready soon.
            self.env["client_hub.invoice.pdf.job"]._enqueue(missing)
            raise UserError(
                self.env._(
                    "The PDFs of %(count)s of the selected documents are not ready yet, and a download "
                    "can prepare at most %(max)s. They are being prepared now: download them again in "
                    "a few minutes, or select fewer documents.",
                    count=len(missing),
                    max=render_max,
                )
            )
        RateLimit = self.env["client_hub.rate.limit"]
        for client in self.commercial_partner_id.sorted("id"):
            self.env.cr.execute(
                SQL(
                    "SELECT pg_try_advisory_xact_lock(%s, %s)",
                    *self._client_hub_zip_lock_key(client),
                )
            )
            if not self.env.cr.fetchone()[0]:
                raise UserError(
                    self.env._(
                        "Another download of your documents is still being prepared. "
                        "Wait until it is finished, then try again."
                    )
                )
            if minutes := RateLimit._hit("zip_render", str(client.id)):
                raise UserError(
                    self.env._(
                        "You have downloaded many documents whose PDFs had to be generated. "
                        "Please try again in %(minutes)s minutes.",
                        minutes=minutes,
                    )
                )

    @api.model
    def _client_hub_zip_lock_key(self, client):
        """Return the two keys of the advisory lock held while a ZIP of ``client`` (a
        commercial partner) is rendered."""
        return ZIP_RENDER_LOCK_NAMESPACE, client.id

    def _client_hub_zip_render_max(self):
        """Return the maximal number of PDFs rendered during one ZIP download (system parameter
        ``client_hub.statement_zip_render_max``, at least 1), so that the download ends well
        within a worker's time limit (see `bench/RESULTS_pdf.md` for the default)."""
        Param = self.env["ir.config_parameter"]
        return max(
            Param._client_hub_get_number(
                PARAM_STATEMENT_ZIP_RENDER_MAX, DEFAULT_STATEMENT_ZIP_RENDER_MAX
            ),
            1,
        )

    def _client_hub_zip_max(self):
        """Return the maximal number of documents in one ZIP download (system parameter
        ``client_hub.statement_zip_max``, at least 1)."""
        Param = self.env["ir.config_parameter"]
        return max(
            Param._client_hub_get_number(
                PARAM_STATEMENT_ZIP_MAX, DEFAULT_STATEMENT_ZIP_MAX
            ),
            1,
        )

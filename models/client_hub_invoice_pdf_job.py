import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.base.models.ir_actions_report import _wkhtml

from ..const import DEFAULT_INVOICE_PDF_BATCH_SIZE, PARAM_INVOICE_PDF_BATCH_SIZE

_logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
RETRY_DELAY = timedelta(minutes=10)  # times the number of failed attempts


class ClientHubInvoicePdfJob(models.Model):
    """A posted customer invoice or credit note whose PDF is still to be rendered and stored.

    Posting queues the document and wakes the cron up. Each cron run claims a batch with
    ``SELECT ... FOR UPDATE SKIP LOCKED``, so that concurrent runners (cron workers of other
    servers, a manual run) take other rows, renders the batch in one wkhtmltopdf run, stores
    each PDF as the one Odoo's Send attaches, deletes the rows and commits. A document whose
    rendering fails is retried later, `MAX_ATTEMPTS` times in all.

    The queue is a table of its own rather than a flag on ``account.move``: runners lock queue
    rows only, so nobody paying, editing or reconciling the invoices waits on a rendering, and
    the table holds the pending rows only, whatever the number of invoices.
    """

    _name = "client_hub.invoice.pdf.job"
    _description = "Invoice PDF to Render"
    _order = "id"

    move_id = fields.Many2one(
        "account.move", required=True, readonly=True, ondelete="cascade"
    )
    attempt_count = fields.Integer(default=0, required=True, readonly=True)
    retry_after = fields.Datetime(
        readonly=True, help="Failed before: not retried until then."
    )
    last_error = fields.Text(readonly=True)

    _move_unique = models.UniqueIndex("(move_id)")

    @api.model
    def _enqueue(self, moves):
        """Queue the documents of ``moves`` whose PDF is to be stored, and wake the cron up.
        Documents already queued are left as they are, also when queued concurrently.

        :param moves: any `account.move` records; the others are ignored
        """
        moves = moves.filtered(lambda move: move._client_hub_pdf_to_store())
        if not moves:
            return
        self.env.cr.execute(
            SQL(
                """
            INSERT INTO client_hub_invoice_pdf_job
                        (move_id, attempt_count, create_uid, create_date, write_uid, write_date)
                 SELECT move_id, 0, %(uid)s, %(now)s, %(uid)s, %(now)s
                   FROM unnest(%(ids)s::int[]) AS move_id
            ON CONFLICT (move_id) DO NOTHING
        """,
                uid=self.env.uid,
                now=fields.Datetime.now(),
                ids=moves.ids,
            )
        )
        if cron := self._get_cron():
            cron._trigger()

    @api.model
    def _drop(self, moves):
        """Remove the jobs of ``moves``. A job being processed is waited for (its row is
        locked), so that the PDF it stores is there when the caller goes on."""
        # sudo: the queue is internal bookkeeping, not readable by the accountants who reset
        self.sudo().search([("move_id", "in", moves.ids)]).unlink()

    @api.model
    def _cron_render_pending(self):
        """Cron: render and store the PDFs of one batch of queued documents, and report what
        remains, so that the scheduler calls again at once until the queue is empty."""
        jobs = self._claim(self._get_batch_size())
        if not jobs:
            # Nothing free: empty, waiting for a retry, or claimed by another runner.
            self.env["ir.cron"]._commit_progress(remaining=0)
            return
        jobs._process()
        self.env["ir.cron"]._commit_progress(len(jobs), remaining=self._count_ready())

    @api.model
    def _claim(self, limit):
        """Lock and return up to ``limit`` jobs ready to run, oldest first, skipping those
        another transaction holds. The locks last until the end of the transaction.

        :param int limit: the maximal number of jobs
        """
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
            SELECT id FROM client_hub_invoice_pdf_job
             WHERE %s
             ORDER BY id
             LIMIT %s
               FOR UPDATE SKIP LOCKED
        """,
                self._ready_condition(),
                limit,
            )
        )
        return self.browse(job_id for (job_id,) in self.env.cr.fetchall())

    @api.model
    def _count_ready(self):
        self.flush_model()
        self.env.cr.execute(
            SQL(
                "SELECT COUNT(*) FROM client_hub_invoice_pdf_job WHERE %s",
                self._ready_condition(),
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _ready_condition(self):
        return SQL(
            "attempt_count < %s AND (retry_after IS NULL OR retry_after <= %s)",
            MAX_ATTEMPTS,
            fields.Datetime.now(),
        )

    def _process(self):
        """Render and store the PDFs of the jobs' documents, one wkhtmltopdf run per company,
        then delete the jobs. When a run fails, its documents are rendered one by one, so that
        one faulty document does not hold the others back; only its job stays."""
        moves = self.move_id.filtered(lambda move: move._client_hub_pdf_to_store())
        errors = {}
        for company_moves in moves.grouped("company_id").values():
            batches = [company_moves]
            if len(company_moves) > 1 and not _wkhtml().is_patched_qt:
                batches = list(
                    company_moves
                )  # this wkhtmltopdf prints one document per run
            for batch in batches:
                error = self._store_pdfs(batch)
                if error and len(batch) > 1:
                    _logger.warning(
                        "Rendering %s invoice PDFs in one run failed, rendering them one by one: %s",
                        len(batch),
                        error,
                    )
                    errors.update(
                        (move, move_error)
                        for move in batch
                        if (move_error := self._store_pdfs(move))
                    )
                elif error:
                    errors[batch] = error
        failed = self.filtered(lambda job: job.move_id in errors)
        (
            self - failed
        ).unlink()  # done, or no longer to render (reset to draft, stored by Send)
        for job in failed:
            job._record_failure(errors[job.move_id])

    @api.model
    def _store_pdfs(self, moves):
        """Store the PDFs of ``moves`` in a savepoint; return the error instead of raising."""
        try:
            with self.env.cr.savepoint():
                moves._client_hub_store_pdfs()
        except Exception as error:  # whatever fails, the queue goes on
            return error
        return None

    def _record_failure(self, error):
        self.ensure_one()
        self.write(
            {
                "attempt_count": self.attempt_count + 1,
                "retry_after": fields.Datetime.now()
                + RETRY_DELAY * (self.attempt_count + 1),
                "last_error": str(error),
            }
        )
        final = self.attempt_count >= MAX_ATTEMPTS
        _logger.log(
            logging.ERROR if final else logging.WARNING,
            "The PDF of %s (account.move %s) could not be rendered (attempt %s of %s%s): %s",
            self.move_id.display_name,
            self.move_id.id,
            self.attempt_count,
            MAX_ATTEMPTS,
            "; it is rendered when sent or downloaded" if final else "",
            error,
        )
        if not final and (cron := self._get_cron()):
            cron._trigger(self.retry_after)

    @api.model
    def _get_batch_size(self):
        """Return the number of documents rendered in one wkhtmltopdf run (system parameter
        ``client_hub.invoice_pdf_batch_size``, at least 1; Send's own
        ``account.pdf_generation_batch``, 80 by default, splits larger batches)."""
        return self.env["ir.config_parameter"]._client_hub_get_number(
            PARAM_INVOICE_PDF_BATCH_SIZE,
            DEFAULT_INVOICE_PDF_BATCH_SIZE,
            minimum=1,
        )

    @api.model
    def _get_cron(self):
        # None while the module's data is being loaded (documents posted by the install)
        return self.env.ref(
            "client_hub.ir_cron_client_hub_invoice_pdf", raise_if_not_found=False
        )

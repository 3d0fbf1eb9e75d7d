import io
import re
import zipfile
import zlib

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.base.models.ir_actions_report import _wkhtml

# First key of the advisory locks of ZIP renderings (the second is the client's id).
ZIP_RENDER_LOCK_NAMESPACE = zlib.crc32(b"client_hub.zip_render") & 0x7FFFFFFF


class AccountMove(models.Model):
    _inherit = "account.move"

    # ---- per-client e-mail templates (issue 4) ----
    def _get_mail_template(self):
        """Override of `account` to send a client's invoices and credit notes with the
        client's own template (contacts of a company use the company's). This is the one
        place the Send wizard, batch sending and automatic sending pick the template."""
        template = super()._get_mail_template()
        client = self.commercial_partner_id
        move_types = set(self.mapped("move_type"))
        if len(client) != 1 or len(move_types) != 1 or not move_types <= {"out_invoice", "out_refund"}:
            return template
        kind = "credit_note" if move_types == {"out_refund"} else "invoice"
        return self.env["mail.template"]._client_hub_pick(client._get_client_mail_template(kind), template, self)

    # ---- dashboard (issue 3) ----
    client_invoice_status = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("posted", "Posted"),
            ("sent", "Sent"),
            ("partial", "Partially paid"),
            ("paid", "Paid"),
            ("cancel", "Cancelled"),
            ("credit_note", "Credit note"),
        ],
        string="Client Status",
        compute="_compute_client_invoice_status",
        store=True,
        help="Status of the document as the client dashboard shows it.",
    )

    # Serves the client dashboard: a client's documents, and its figures when they are
    # computed live (users with restrictive record rules).
    _client_hub_customer_docs_idx = models.Index(
        "(commercial_partner_id, company_id) WHERE move_type IN ('out_invoice', 'out_refund')"
    )

    @api.depends("state", "move_type", "payment_state", "is_move_sent")
    def _compute_client_invoice_status(self):
        for move in self:
            move.client_invoice_status = move._get_client_invoice_status()

    def _get_client_invoice_status(self):
        """Dashboard status of one customer document; False for other moves."""
        self.ensure_one()
        if not self.is_sale_document():
            return False
        if self.state in ("draft", "cancel"):
            return self.state
        if self.move_type == "out_refund":
            return "credit_note"
        # 'reversed': settled in full by a credit note, nothing left to collect
        if self.payment_state in ("paid", "in_payment", "reversed"):
            return "paid"
        if self.payment_state == "partial":
            return "partial"
        return "sent" if self.is_move_sent else "posted"

    # Pre-aggregated figures of the client dashboard: one row per commercial partner,
    # company and due date, kept exact by a trigger on every write of account_move
    # (ORM flushes, recomputations and raw SQL alike), so that the figures of a client
    # with 20,000 invoices read a few dozen rows instead of 20,000.
    _CLIENT_FIGURES_TRIGGER_FIELDS = (
        "state", "move_type", "company_id", "commercial_partner_id", "invoice_date_due", "date",
        "amount_total_signed", "amount_residual_signed",
    )

    def init(self):
        res = super().init()
        cr = self.env.cr
        cr.execute("""
            CREATE TABLE IF NOT EXISTS client_hub_figures_bucket (
                commercial_partner_id integer NOT NULL REFERENCES res_partner ON DELETE CASCADE,
                company_id integer NOT NULL REFERENCES res_company ON DELETE CASCADE,
                due_date date NOT NULL,
                amount_total numeric NOT NULL DEFAULT 0,
                amount_residual numeric NOT NULL DEFAULT 0,
                move_count integer NOT NULL DEFAULT 0,
                PRIMARY KEY (commercial_partner_id, company_id, due_date)
            );
            CREATE OR REPLACE FUNCTION client_hub_figures_bucket_sync() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' AND OLD.state = 'posted'
                        AND OLD.move_type IN ('out_invoice', 'out_refund')
                        AND OLD.commercial_partner_id IS NOT NULL THEN
                    INSERT INTO client_hub_figures_bucket AS b VALUES (
                        OLD.commercial_partner_id, OLD.company_id, COALESCE(OLD.invoice_date_due, OLD.date),
                        -COALESCE(OLD.amount_total_signed, 0), -COALESCE(OLD.amount_residual_signed, 0), -1)
                    ON CONFLICT (commercial_partner_id, company_id, due_date) DO UPDATE SET
                        amount_total = b.amount_total + EXCLUDED.amount_total,
                        amount_residual = b.amount_residual + EXCLUDED.amount_residual,
                        move_count = b.move_count + EXCLUDED.move_count;
                END IF;
                IF TG_OP <> 'DELETE' AND NEW.state = 'posted'
                        AND NEW.move_type IN ('out_invoice', 'out_refund')
                        AND NEW.commercial_partner_id IS NOT NULL THEN
                    INSERT INTO client_hub_figures_bucket AS b VALUES (
                        NEW.commercial_partner_id, NEW.company_id, COALESCE(NEW.invoice_date_due, NEW.date),
                        COALESCE(NEW.amount_total_signed, 0), COALESCE(NEW.amount_residual_signed, 0), 1)
                    ON CONFLICT (commercial_partner_id, company_id, due_date) DO UPDATE SET
                        amount_total = b.amount_total + EXCLUDED.amount_total,
                        amount_residual = b.amount_residual + EXCLUDED.amount_residual,
                        move_count = b.move_count + EXCLUDED.move_count;
                END IF;
                RETURN NULL;
            END $$;
            DROP TRIGGER IF EXISTS client_hub_figures_bucket_sync ON account_move;
            CREATE TRIGGER client_hub_figures_bucket_sync AFTER INSERT OR DELETE ON account_move
                FOR EACH ROW EXECUTE FUNCTION client_hub_figures_bucket_sync();
            DROP TRIGGER IF EXISTS client_hub_figures_bucket_sync_update ON account_move;
            CREATE TRIGGER client_hub_figures_bucket_sync_update AFTER UPDATE ON account_move
                FOR EACH ROW WHEN (
                    (OLD.state, OLD.move_type, OLD.company_id, OLD.commercial_partner_id,
                     OLD.invoice_date_due, OLD.date, OLD.amount_total_signed, OLD.amount_residual_signed)
                    IS DISTINCT FROM
                    (NEW.state, NEW.move_type, NEW.company_id, NEW.commercial_partner_id,
                     NEW.invoice_date_due, NEW.date, NEW.amount_total_signed, NEW.amount_residual_signed))
                EXECUTE FUNCTION client_hub_figures_bucket_sync();
        """)
        # (re)build from the documents: install, and any update of the module
        self._client_hub_rebuild_figures_buckets()
        return res

    @api.model
    def _client_hub_rebuild_figures_buckets(self, partner_ids=None):
        """Rebuild the figures buckets from the documents, in this transaction.

        :param list partner_ids: the commercial partners whose buckets are rebuilt (their
            rows are removed when they have no posted document left); all when None
        """
        self.flush_model(self._CLIENT_FIGURES_TRIGGER_FIELDS)
        if partner_ids is None:
            where = SQL("TRUE")
            self.env.cr.execute("TRUNCATE client_hub_figures_bucket")
        else:
            where = SQL("commercial_partner_id IN %s", tuple(partner_ids) or (None,))
            self.env.cr.execute(SQL("DELETE FROM client_hub_figures_bucket WHERE %s", where))
        self.env.cr.execute(SQL("""
            INSERT INTO client_hub_figures_bucket
                SELECT commercial_partner_id, company_id, COALESCE(invoice_date_due, date),
                       COALESCE(SUM(amount_total_signed), 0), COALESCE(SUM(amount_residual_signed), 0),
                       COUNT(*)
                  FROM account_move
                 WHERE state = 'posted' AND move_type IN ('out_invoice', 'out_refund')
                   AND commercial_partner_id IS NOT NULL AND %s
              GROUP BY 1, 2, 3
        """, where))

    @api.model
    def _client_hub_drop_figures_buckets(self):
        """Remove the trigger, its function and table (uninstall of the module)."""
        self.env.cr.execute("""
            DROP TRIGGER IF EXISTS client_hub_figures_bucket_sync ON account_move;
            DROP TRIGGER IF EXISTS client_hub_figures_bucket_sync_update ON account_move;
            DROP FUNCTION IF EXISTS client_hub_figures_bucket_sync();
            DROP TABLE IF EXISTS client_hub_figures_bucket;
        """)

    # ---- statement, payment, ZIP (issue 6) ----
    # Aging buckets of the statement: (key, first day past due, last day past due).
    _client_hub_aging_buckets = (
        ("current", None, 0),
        ("1_30", 1, 30),
        ("31_60", 31, 60),
        ("61_90", 61, 90),
        ("90_plus", 91, None),
    )

    def _client_hub_residual_signed(self):
        """Return what the client owes on this document, in its currency: positive for an
        invoice, negative for a credit note."""
        self.ensure_one()
        sign = -1 if self.move_type == "out_refund" else 1
        return sign * self.amount_residual

    def _client_hub_is_open(self):
        self.ensure_one()
        return (
            self.state == "posted"
            and self.payment_state in ("not_paid", "partial")
            and not self.currency_id.is_zero(self.amount_residual)
        )

    def _client_hub_days_past_due(self, today=None):
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        due = self.invoice_date_due or self.invoice_date or self.date
        return (today - due).days

    def _client_hub_aging_bucket_keys(self):
        return [key for key, _low, _high in self._client_hub_aging_buckets]

    def _client_hub_aging_bucket(self, today=None):
        """Return the key of the document's aging bucket (see `_client_hub_aging_buckets`)."""
        days = self._client_hub_days_past_due(today)
        for key, low, high in self._client_hub_aging_buckets:
            if (low is None or days >= low) and (high is None or days <= high):
                return key
        return "current"

    def _client_hub_check_payable(self):
        """Check that the documents can be paid together in one online payment.

        :return: The amount to pay (sum of the balances, credit notes deducted), the currency
            and the company of the payment.
        :rtype: tuple(float, res.currency, res.company)
        :raise UserError: With a message for the client when they cannot.
        """
        if not self:
            raise UserError(self.env._("Select at least one open invoice to pay."))
        closed = self.filtered(lambda move: not move._client_hub_is_open())
        if closed:
            raise UserError(self.env._(
                "Only open invoices can be paid; %(names)s has no balance left.",
                names=", ".join(closed.mapped("name")),
            ))
        if len(self.currency_id) > 1:
            raise UserError(self.env._(
                "The selected invoices are in different currencies (%(currencies)s). "
                "Select invoices of one currency at a time.",
                currencies=", ".join(self.currency_id.mapped("name")),
            ))
        if len(self.company_id) > 1:
            raise UserError(self.env._(
                "The selected invoices were issued by different companies. "
                "Select invoices of one company at a time."
            ))
        # sudo: only the states of the payments of documents the caller was given.
        busy = self.filtered(lambda move: move.sudo().transaction_ids.filtered(
            lambda tx: tx.state in ("pending", "authorized") and tx.provider_code not in ("none", "custom")
        ))
        if busy:
            raise UserError(self.env._(
                "A payment is already being processed for %(names)s.",
                names=", ".join(busy.mapped("name")),
            ))
        amount = self.currency_id.round(sum(move._client_hub_residual_signed() for move in self))
        if self.currency_id.compare_amounts(amount, 0.0) <= 0:
            raise UserError(self.env._(
                "The selected credit notes cover the selected invoices: there is nothing to pay."
            ))
        return amount, self.currency_id, self.company_id

    def _client_hub_zip_entry_name(self):
        """Return the file name of the document's PDF inside a ZIP: its number, made safe."""
        self.ensure_one()
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", self.name or "").strip("._") or f"document_{self.id}"
        return f"{stem}.pdf"

    def _client_hub_zip_pdfs(self):
        """Build one ZIP holding the PDF of each document, named after its number.

        Documents that have a stored PDF (the one sent to the client, `invoice_pdf_report_id`)
        are taken as is; the others are rendered together in one report call, without being
        stored (a portal download must not create legal documents).

        :return: The ZIP file content.
        :rtype: bytes
        """
        pdf_by_id = {move.id: move.invoice_pdf_report_id.raw for move in self if move.invoice_pdf_report_id}
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
        """Render the invoice PDF of the documents in one wkhtmltopdf run, split per document.

        :return: The PDF content by document id.
        :rtype: dict
        """
        report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        if len(self) > 1 and not _wkhtml().is_patched_qt:
            # A wkhtmltopdf built without Odoo's patched Qt cannot print several documents in
            # one run (stock raises an error): one run per document then.
            return {move.id: next(iter(move._client_hub_render_pdfs().values())) for move in self}
        streams, _report_type = report._pre_render_qweb_pdf("account.account_invoices", self.ids)
        pdf_by_id = {}
        for move in self:
            stream = (streams.get(move.id) or {}).get("stream")
            if stream is None:  # The merged PDF could not be split: render this one alone.
                stream = report._pre_render_qweb_pdf("account.account_invoices", move.ids)[0][move.id]["stream"]
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
        PostgreSQL, so they hold across workers and servers.

        :raise UserError: with the message for the client when the rendering is refused
        """
        if all(move.invoice_pdf_report_id for move in self):
            return
        RateLimit = self.env["client_hub.rate.limit"]
        for client in self.commercial_partner_id.sorted("id"):
            self.env.cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", *self._client_hub_zip_lock_key(client)))
            if not self.env.cr.fetchone()[0]:
                raise UserError(self.env._(
                    "Another download of your documents is still being prepared. "
                    "Wait until it is finished, then try again."
                ))
            if minutes := RateLimit._hit("zip_render", str(client.id)):
                raise UserError(self.env._(
                    "You have downloaded many documents whose PDFs had to be generated. "
                    "Please try again in %(minutes)s minutes.",
                    minutes=minutes,
                ))

    @api.model
    def _client_hub_zip_lock_key(self, client):
        """Return the two keys of the advisory lock held while a ZIP of ``client`` (a
        commercial partner) is rendered."""
        return ZIP_RENDER_LOCK_NAMESPACE, client.id

    def _client_hub_zip_max(self):
        """Return the maximal number of documents in one ZIP download (system parameter
        ``client_hub.statement_zip_max``, 100 by default)."""
        # sudo: system parameters are not readable by portal users; only the ZIP size limit is read
        value = self.env["ir.config_parameter"].sudo().get_param("client_hub.statement_zip_max")
        try:
            return max(int(value), 1) if value else 100
        except ValueError:
            return 100

# ruff: noqa: F821  -- `env` is provided by `odoo-bin shell`
"""Benchmarks of the Electronic Bookkeeping archive (`client_hub.issued.document`):

(a) 1,000 postings with and without archiving: posting, then the step that stores the
    invoice PDF (`_client_hub_store_pdfs`, what the background cron runs, batches of 50),
    whose `_link_invoice_documents` writes the archive row; "off" runs the same path with
    the archive hook bypassed. Off and on alternate batch by batch, so that the load of the
    shared machine weighs on both alike. wkhtmltopdf is replaced by a constant PDF of one
    blank page per document (an outside process; what is measured is Odoo's side).
(b) A search over 1,000,000 rows by counterparty + date range + amount range, through the
    ORM (`search` of a list page, 80 rows, and `search_count`), best and median of 11, and
    EXPLAIN ANALYZE of the query the ORM sends. The rows are generated with one
    INSERT ... SELECT generate_series (1,000 counterparties, 7 years of dates, amounts from
    100 to 1,000,000), not through the ORM.

Everything runs in one transaction that is rolled back at the end: the database is left as
it was (the fake PDFs written to the filestore are garbage-collected later).

    odoo-bin shell -c $CONF -d <your db> --no-http < bench/bench_archive.py
"""

import io
import os
import statistics
import time
from datetime import date

from odoo.fields import Command
from odoo.tools import SQL
from odoo.tools.pdf import PdfFileWriter

from odoo.addons.client_hub.models.archive import account_move_send as archive_send

SMOKE = bool(os.environ.get("BENCH_SMOKE"))  # a small run, to check the script itself
N_POSTINGS = 100 if SMOKE else 1000
BATCH = 50
N_ROWS = 10_000 if SMOKE else 1_000_000
N_PARTNERS = 100 if SMOKE else 1000
RUNS = 11
cr = env.cr
Docs = env["client_hub.issued.document"].sudo()
Report = env.registry["ir.actions.report"]


def fake_run_wkhtmltopdf(self, bodies, *args, **kwargs):
    writer = PdfFileWriter()
    for _body in bodies:
        writer.addBlankPage(595, 842)
    stream = io.BytesIO()
    writer.write(stream)
    return stream.getvalue()


ArchiveSend = archive_send.AccountMoveSend
archived_link = ArchiveSend._link_invoice_documents


def bypassed_link(self, invoices_data):
    return super(ArchiveSend, self)._link_invoice_documents(invoices_data)


def make_drafts(partner, count):
    return env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": date(2025, 1, 1),
                "invoice_line_ids": [
                    Command.create(
                        {"name": f"Line {i}", "quantity": 1, "price_unit": 100 + i}
                    )
                ],
            }
            for i in range(count)
        ]
    )


link_time = {False: 0.0, True: 0.0}


def timed(link, archive):
    """The link step (where the archive row is written), timed on its own."""

    def wrapper(self, invoices_data):
        start = time.perf_counter()
        try:
            return link(self, invoices_data)
        finally:
            env.flush_all()
            link_time[archive] += time.perf_counter() - start

    return wrapper


def post_and_store(moves, archive):
    ArchiveSend._link_invoice_documents = timed(
        archived_link if archive else bypassed_link, archive
    )
    start = time.perf_counter()
    moves.action_post()
    env.flush_all()
    posted = time.perf_counter()
    env["client_hub.invoice.pdf.job"]._drop(moves)  # the cron's part, run here
    moves._client_hub_store_pdfs()
    env.flush_all()
    stored = time.perf_counter()
    return posted - start, stored - posted


def bench_postings():
    partner = env["res.partner"].create(
        {"name": "BENCH ARCHIVE Client", "is_company": True}
    )
    totals = {False: [0.0, 0.0], True: [0.0, 0.0]}
    for batch in range(N_POSTINGS // BATCH):
        # alternate which goes first, so that neither always runs on a warmer cache
        for archive in (False, True) if batch % 2 else (True, False):
            moves = make_drafts(partner, BATCH)
            post, store = post_and_store(moves, archive)
            totals[archive][0] += post
            totals[archive][1] += store
            assert (
                bool(
                    Docs.search_count(
                        [
                            ("res_id", "in", moves.ids),
                            ("res_model", "=", "account.move"),
                        ]
                    )
                )
                == archive
            )
            env.invalidate_all()
    ArchiveSend._link_invoice_documents = archived_link
    return totals


def generate_rows():
    """1,000,000 archive rows (and their attachments) for 1,000 counterparties."""
    partners = env["res.partner"].create(
        [
            {"name": f"BENCH ARCHIVE Partner {i}", "is_company": True}
            for i in range(N_PARTNERS)
        ]
    )
    env.flush_all()
    company, currency = env.company.id, env.company.currency_id.id
    start = time.perf_counter()
    cr.execute(
        SQL(
            """
            WITH atts AS (
                INSERT INTO ir_attachment (name, type, res_model, res_id, mimetype, public,
                                           create_uid, create_date, write_uid, write_date)
                SELECT 'bench_' || n || '.pdf', 'binary', 'res.partner',
                       (%(partners)s::int[])[1 + n %% %(np)s], 'application/pdf', false,
                       1, now(), 1, now()
                  FROM generate_series(1, %(n)s) AS n
             RETURNING id, res_id
            )
            INSERT INTO client_hub_issued_document
                   (document_type, date, amount, currency_id, partner_id, company_id, name,
                    attachment_id, sha256, issued_at, integrity_state, res_model, res_id,
                    create_uid, create_date, write_uid, write_date)
            SELECT 'invoice', DATE '2019-01-01' + (atts.id::bigint * 7919 %% 2557)::int,
                   round((100 + (atts.id::bigint * 104729 %% 999900))::numeric, 0), %(currency)s,
                   atts.res_id, %(company)s, 'BENCH/' || atts.id, atts.id,
                   md5(atts.id::text) || md5(atts.id::text), now(), 'unverified',
                   'res.partner', atts.res_id, 1, now(), 1, now()
              FROM atts
            """,
            partners=partners.ids,
            np=N_PARTNERS,
            n=N_ROWS,
            currency=currency,
            company=company,
        )
    )
    cr.execute("ANALYZE client_hub_issued_document")
    return partners, time.perf_counter() - start


def bench_search(partners):
    partner = partners[N_PARTNERS // 2]
    domain = Docs._get_archive_search_domain(
        date_from="2023-04-01",
        date_to="2023-09-30",
        amount_min="10000",
        amount_max="500000",
        partner_id=str(partner.id),
    )
    staff = env.ref("base.user_admin")
    Search = env["client_hub.issued.document"].with_user(staff)  # with the record rule
    timings = []
    for _run in range(RUNS):
        env.invalidate_all()
        start = time.perf_counter()
        rows = Search.search(domain, limit=80)
        count = Search.search_count(domain)
        timings.append(time.perf_counter() - start)
    query = Search._search(domain, limit=80, order=Search._order)
    cr.execute(SQL("EXPLAIN (ANALYZE, BUFFERS) %s", query.select()))
    plan = "\n".join(line for (line,) in cr.fetchall())
    return timings, len(rows), count, plan


def main():
    env["ir.config_parameter"].set_param("client_hub.invoice_pdf_batch_size", BATCH)
    original = Report._run_wkhtmltopdf, Report.get_wkhtmltopdf_state
    Report._run_wkhtmltopdf = fake_run_wkhtmltopdf
    Report.get_wkhtmltopdf_state = lambda self: "ok"
    try:
        totals = bench_postings()
    finally:
        Report._run_wkhtmltopdf, Report.get_wkhtmltopdf_state = original
    for archive, (post, store) in totals.items():
        print(
            f"(a) archive {'on ' if archive else 'off'}: {N_POSTINGS} postings {post:.2f} s, "
            f"PDF storage {store:.2f} s, total {post + store:.2f} s "
            f"({(post + store) / N_POSTINGS * 1000:.1f} ms per invoice)"
        )
    off, on = sum(totals[False]), sum(totals[True])
    print(f"(a) archive overhead: {on - off:+.2f} s ({(on - off) / off * 100:+.1f} %)")
    hook = link_time[True] - link_time[False]
    print(
        f"(a) the link step alone: off {link_time[False]:.2f} s, on {link_time[True]:.2f} s: "
        f"the archive hook costs {hook:.2f} s, {hook / N_POSTINGS * 1000:.2f} ms per invoice"
    )
    partners, generated = generate_rows()
    print(f"(b) {N_ROWS} rows generated in {generated:.1f} s")
    timings, found, count, plan = bench_search(partners)
    print(
        f"(b) search (80 rows + count): best {min(timings) * 1000:.1f} ms, median "
        f"{statistics.median(timings) * 1000:.1f} ms of {RUNS}; {found} shown, {count} found"
    )
    print(plan)


try:
    main()
finally:
    cr.rollback()

# ruff: noqa: F821  -- `env` is provided by `odoo-bin shell`
"""Benchmarks of the invoice PDFs rendered ahead: statement ZIP of never-rendered invoices
(one wkhtmltopdf run vs one run per invoice, what stock does), ZIP of stored PDFs, and the
throughput of the background rendering (the queue's cron), with one runner and two.

How to run (from /work/main, never on a real database: it writes invoices and commits):

    eval "$(bash tools/harness.sh env)"      # puts a patched-Qt wkhtmltopdf first on PATH
    createdb ch_bench_pdf
    odoo-bin -c $CONF -d ch_bench_pdf -i client_hub --stop-after-init
    odoo-bin shell -c $CONF -d ch_bench_pdf --no-http < bench/bench_pdf.py
    dropdb ch_bench_pdf

With a wkhtmltopdf of your own: `PATH=/path/to/wkhtmltox/bin:$PATH odoo-bin shell ...`; it must
report "with patched qt". An unpatched build (Debian's) for the stock one-by-one row is taken
from STOCK_WKHTMLTOPDF (default /usr/bin/wkhtmltopdf) when present.

wkhtmltopdf loads the report's style sheets and fonts from a web server: the script starts
its own Odoo server on port 8078 (threaded, this database only, no cron) and points
`report.url` at it. Rendering is measured in this shell's process, as a cron worker does it.

Data (generated on the first run, kept for the next ones): "BENCH PDF Client" and 400 posted
invoices of 3 to 8 lines each, created and posted through the ORM (which queues them; the
queue is emptied before measuring).
"""

import io
import os
import statistics
import subprocess
import sys
import threading
import time
import zipfile
from datetime import timedelta

import requests

from odoo import api, fields
from odoo.fields import Command
from odoo.tools import SQL, config

from odoo.addons.base.models import ir_actions_report

MARK = "BENCH PDF"
N_INVOICES = 400
ZIP_SIZE = 50
QUEUE_SIZE = 90  # per throughput measure
ONE_BY_ONE_SIZE = 20  # throughput of one run per invoice
PORT = 8078
RUNS = 5
STOCK_WKHTMLTOPDF = os.environ.get("STOCK_WKHTMLTOPDF", "/usr/bin/wkhtmltopdf")
cr = env.cr
Job = env["client_hub.invoice.pdf.job"]
Move = env["account.move"]


# ----------------------------------------------------------------------------------
# data
# ----------------------------------------------------------------------------------
def setup_data():
    client = env["res.partner"].search([("name", "=", f"{MARK} Client")], limit=1)
    if client:
        return client
    t0 = time.time()
    today = fields.Date.context_today(env.user)
    client = env["res.partner"].create(
        {
            "name": f"{MARK} Client",
            "is_company": True,
            "vat": "BE0477472701",
            "street": "1 Bench Street",
            "city": "Brussels",
            "country_id": env.ref("base.be").id,
        }
    )
    for start in range(0, N_INVOICES, 100):
        Move.create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": client.id,
                    "invoice_date": today - timedelta(days=i % 60),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": f"Service {i}-{line}",
                                "quantity": 1 + line,
                                "price_unit": 100 + i % 50,
                            }
                        )
                        for line in range(3 + i % 6)
                    ],
                }
                for i in range(start, min(start + 100, N_INVOICES))
            ]
        ).action_post()
        cr.commit()
    print(f"data generated in {time.time() - t0:.0f} s", flush=True)
    return client


def invoices(client):
    return Move.search(
        [("partner_id", "=", client.id), ("move_type", "=", "out_invoice")], order="id"
    )


def unstore(moves):
    """Forget the stored PDFs of ``moves`` and their jobs, as if never rendered."""
    env["ir.attachment"].search(
        [
            ("res_model", "=", "account.move"),
            ("res_id", "in", moves.ids),
            ("res_field", "=", "invoice_pdf_report_file"),
        ]
    ).unlink()
    Job.search([("move_id", "in", moves.ids)]).unlink()
    cr.commit()
    env.invalidate_all()


def queue(moves):
    unstore(moves)
    Job._enqueue(moves)
    cr.commit()


def count_runs():
    """Count the wkhtmltopdf runs (the patch calls through)."""
    runs = []
    Report = env.registry["ir.actions.report"]
    original = Report._run_wkhtmltopdf

    def counting(self, bodies, *args, **kwargs):
        runs.append(len(bodies))
        return original(self, bodies, *args, **kwargs)

    Report._run_wkhtmltopdf = counting
    return runs, lambda: setattr(Report, "_run_wkhtmltopdf", original)


# ----------------------------------------------------------------------------------
# ZIP
# ----------------------------------------------------------------------------------
def bench_zip(moves_stored, moves_missing):
    queue(moves_stored)
    Job._cron_render_pending()  # stores them (one batch per call)
    while Job.search_count([]):
        Job._cron_render_pending()
    env.invalidate_all()
    assert all(moves_stored.mapped("invoice_pdf_report_id")), "stored PDFs"
    timings = []
    for _i in range(RUNS):
        env.invalidate_all()
        t0 = time.perf_counter()
        content = moves_stored._client_hub_zip_pdfs()
        timings.append(time.perf_counter() - t0)
    assert len(zipfile.ZipFile(io.BytesIO(content)).namelist()) == ZIP_SIZE
    stored = statistics.median(timings)

    unstore(moves_missing)
    runs, restore = count_runs()
    batched = []
    try:
        for _i in range(3):
            t0 = time.perf_counter()
            content = moves_missing._client_hub_zip_pdfs()
            batched.append(time.perf_counter() - t0)
    finally:
        restore()
    assert runs == [ZIP_SIZE] * 3, runs
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert all(
            archive.read(name).startswith(b"%PDF") for name in archive.namelist()
        )
    one_by_one = zip_one_by_one(moves_missing)
    stock = None
    if os.path.exists(STOCK_WKHTMLTOPDF):
        stock = zip_one_by_one(moves_missing, binary=STOCK_WKHTMLTOPDF)
    return stored, statistics.median(batched), one_by_one, stock


def zip_one_by_one(moves, binary=None):
    """Stock's way: one report call per invoice (the portal's one-invoice download; the only way
    an unpatched wkhtmltopdf can render), zipped."""
    report = env["ir.actions.report"]
    path = os.environ["PATH"]
    if binary:  # e.g. Debian's unpatched build, first on PATH for this measure
        os.environ["PATH"] = f"{os.path.dirname(binary)}:{path}"
        ir_actions_report._wkhtml.cache_clear()
    try:
        t0 = time.perf_counter()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for move in moves:
                archive.writestr(
                    move._client_hub_zip_entry_name(),
                    report._render_qweb_pdf("account.account_invoices", move.ids)[0],
                )
        return time.perf_counter() - t0
    finally:
        os.environ["PATH"] = path
        ir_actions_report._wkhtml.cache_clear()


# ----------------------------------------------------------------------------------
# background rendering
# ----------------------------------------------------------------------------------
def run_queue(runner_env, processed):
    """Run the cron method, as the scheduler does, until this runner finds nothing to claim;
    ``processed`` collects the number of invoices of each batch it processed."""
    while True:
        before = len(processed)
        runner_env[
            "client_hub.invoice.pdf.job"
        ]._cron_render_pending()  # claim, render, store, commit
        if len(processed) == before:
            return


def bench_throughput(moves, runners, batch_size):
    queue(moves)
    env["ir.config_parameter"].set_param(
        "client_hub.invoice_pdf_batch_size", batch_size
    )
    cr.commit()
    runs, restore = count_runs()
    JobClass = env.registry["client_hub.invoice.pdf.job"]
    process = JobClass._process
    processed = {}

    def counting_process(jobs):
        processed.setdefault(threading.current_thread().name, []).append(len(jobs))
        return process(jobs)

    def runner():
        with env.registry.cursor() as runner_cr:
            run_queue(
                api.Environment(runner_cr, env.uid, {}),
                processed.setdefault(threading.current_thread().name, []),
            )

    JobClass._process = counting_process
    try:
        t0 = time.perf_counter()
        threads = [
            threading.Thread(target=runner, name=f"runner-{i}") for i in range(runners)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - t0
    finally:
        JobClass._process = process
        restore()
    stored_by = [sum(batches) for batches in processed.values()]
    env.invalidate_all()
    stored = sum(1 for move in moves if move.invoice_pdf_report_id)
    assert stored == len(moves), (stored, len(moves))
    assert not Job.search_count([("move_id", "in", moves.ids)])
    env["ir.attachment"].flush_model()
    cr.execute(
        SQL(
            "SELECT COUNT(*) FROM ir_attachment WHERE res_model = 'account.move' AND res_id IN %s"
            " AND res_field = 'invoice_pdf_report_file'",
            tuple(moves.ids),
        )
    )
    assert cr.fetchone()[0] == len(moves), "one stored PDF per invoice, none twice"
    return len(moves) / elapsed * 60, len(runs), stored_by


# ----------------------------------------------------------------------------------
# server for the style sheets
# ----------------------------------------------------------------------------------
LOG = "/tmp/bench_pdf_server.log"


def start_server():
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, odoo.cli.command as c; sys.argv[0] = 'odoo'; c.main()",
            "-c",
            os.environ.get("CONF") or config.rcfile,
            "-d",
            cr.dbname,
            "--db-filter",
            f"^{cr.dbname}$",
            "--http-port",
            str(PORT),
            "--workers",
            "0",
            "--max-cron-threads",
            "0",
            "--logfile",
            LOG,
            "--log-level",
            "warn",
        ],
        cwd="/tmp",
    )
    for _i in range(120):
        try:
            requests.get(f"http://127.0.0.1:{PORT}/web/login", timeout=60)
            return server
        except requests.RequestException:
            time.sleep(1)
    server.terminate()
    raise RuntimeError("server did not start")


# ----------------------------------------------------------------------------------
wkhtml = ir_actions_report._wkhtml()
if not wkhtml.is_patched_qt:
    sys.exit(
        f"{wkhtml.bin} ({wkhtml.version}) is not built with Odoo's patched Qt: put one first on PATH"
    )
client = setup_data()
all_moves = invoices(client)
Job.search([]).unlink()  # posting queued them: measures start from an empty queue
env["ir.config_parameter"].set_param("report.url", f"http://127.0.0.1:{PORT}")
for template in (
    "web.report_layout",
    "web.minimal_layout",
):  # assets built and committed once
    env["ir.qweb"]._render(
        template, {"report_type": "pdf", "subst": True, "base_url": ""}
    )
cr.commit()
print(
    f"wkhtmltopdf: {wkhtml.bin} {wkhtml.version} (patched Qt); {len(all_moves)} invoices; "
    f"{os.cpu_count()} cores",
    flush=True,
)
server = start_server()
try:
    zip_stored_set, zip_missing_set = (
        all_moves[:ZIP_SIZE],
        all_moves[ZIP_SIZE : 2 * ZIP_SIZE],
    )
    print("ZIP ...", flush=True)
    zip_stored, zip_batched, zip_one_by_one, zip_stock = bench_zip(
        zip_stored_set, zip_missing_set
    )
    print(
        f"  stored {zip_stored:.3f} s, batched {zip_batched:.1f} s, one by one {zip_one_by_one:.1f} s, "
        f"stock {zip_stock and round(zip_stock, 1)} s",
        flush=True,
    )
    rest = all_moves[2 * ZIP_SIZE :]
    print("throughput ...", flush=True)
    throughput = {}
    offset = 0
    for runners, batch_size, size in (
        (1, 1, ONE_BY_ONE_SIZE),
        (1, 20, QUEUE_SIZE),
        (1, 50, QUEUE_SIZE),
        (2, 50, QUEUE_SIZE),
    ):
        moves = rest[offset : offset + size]
        offset += size
        throughput[runners, batch_size] = bench_throughput(moves, runners, batch_size)
        print(
            f"  {runners} runner(s), batch {batch_size}: {throughput[runners, batch_size][0]:.0f} invoices/min, "
            f"{throughput[runners, batch_size][1]} runs, stored by runner {throughput[runners, batch_size][2]}",
            flush=True,
        )
finally:
    server.terminate()
    server.wait()
    env["ir.config_parameter"].set_param("client_hub.invoice_pdf_batch_size", "")
    cr.commit()

stock_row = (
    f"{zip_stock:.1f} s (Debian's unpatched wkhtmltopdf, one run each)"
    if zip_stock
    else "-"
)
rows = [
    ("Measure", "client_hub", "stock / baseline", "ratio"),
    ("---", "---", "---", "---"),
    (
        f"ZIP of {ZIP_SIZE} never-rendered invoices (median of 3)",
        f"{zip_batched:.1f} s (one wkhtmltopdf run)",
        f"{zip_one_by_one:.1f} s (same binary, one run each)",
        f"{zip_one_by_one / zip_batched:.1f}x faster",
    ),
    (
        f"ZIP of {ZIP_SIZE} never-rendered invoices, stock binary",
        "",
        stock_row,
        f"{zip_stock / zip_batched:.1f}x faster" if zip_stock else "",
    ),
    (
        f"ZIP of {ZIP_SIZE} stored PDFs (median of {RUNS})",
        f"{zip_stored:.3f} s",
        f"{zip_one_by_one:.1f} s (render one by one)",
        f"{zip_one_by_one / zip_stored:.0f}x faster",
    ),
]
for (runners, batch_size), (per_minute, runs, _stored_by) in throughput.items():
    rows.append(
        (
            f"Background rendering, {runners} runner(s), batch of {batch_size}",
            f"{per_minute:.0f} invoices/min ({runs} wkhtmltopdf runs)",
            "",
            "",
        )
    )
print("\n".join("| " + " | ".join(row) + " |" for row in rows))

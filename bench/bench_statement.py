# ruff: noqa: F821  -- `env` is provided by `odoo-bin shell`
"""Benchmarks of the portal statement (issue 6): ZIP of invoice PDFs, webhook-to-Paid latency
against the stock path, statement page of a client with 5,000 invoices; plus a concurrency
check (the same Stripe event delivered twice at the same time pays once).

How to run (from /work/main, never on a real database: it writes 5,000+ invoices and commits):

    eval "$(bash tools/harness.sh env)"
    createdb ch_bench_stmt
    odoo-bin -c $CONF -d ch_bench_stmt -i client_hub --stop-after-init
    odoo-bin shell -c $CONF -d ch_bench_stmt --no-http \\
        < bench/bench_statement.py      # generates once (commits), then measures
    dropdb ch_bench_stmt

The HTTP measures start their own Odoo server on port 8079 (threaded, this database only)
and read the query count of each request from its werkzeug log line.

Data (generated on the first run, kept for the next ones):
  * "BENCH Client" with a portal user (bench_client / bench_client) and 5,000 posted invoices
    created through the ORM; the 4,000 oldest are then marked paid in SQL (payment state and
    residuals of the move and its receivable line), so that the page has a realistic mix of
    1,000 open and 4,000 settled documents without 4,000 payments to generate;
  * Stripe in test mode with a webhook secret; transactions are created through the ORM.
"""

import base64
import hashlib
import hmac
import io
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import zipfile
from datetime import timedelta
from unittest.mock import patch

import requests

from odoo import fields
from odoo.fields import Command
from odoo.tools import SQL, config

MARK = "BENCH"
N_INVOICES = 5000
N_PAID = 4000
ZIP_SIZE = 50
SECRET = "whsec_bench_statement"
PORT = 8079
RUNS = 5
cr = env.cr


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
        {"name": f"{MARK} Client", "is_company": True, "vat": "BE0477472701"}
    )
    user = env["res.users"].create(
        {
            "name": f"{MARK} Portal",
            "login": "bench_client",
            "password": "bench_client",
            "group_ids": [Command.set([env.ref("base.group_portal").id])],
        }
    )
    user.partner_id.parent_id = client
    for start in range(0, N_INVOICES, 500):
        vals = []
        for i in range(start, min(start + 500, N_INVOICES)):
            invoice_date = today - timedelta(days=(N_INVOICES - i) // 5)
            vals.append(
                {
                    "move_type": "out_invoice",
                    "partner_id": client.id,
                    "invoice_date": invoice_date,
                    "invoice_payment_term_id": False,
                    "invoice_date_due": invoice_date + timedelta(days=30),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Service",
                                "quantity": 1,
                                "price_unit": 100 + i % 50,
                                "tax_ids": [Command.set([])],
                            }
                        )
                    ],
                }
            )
        env["account.move"].create(vals).action_post()
        cr.commit()
    paid = env["account.move"].search(
        [("partner_id", "=", client.id)], order="invoice_date, id", limit=N_PAID
    )
    cr.execute(
        SQL(
            "UPDATE account_move SET payment_state = 'paid', amount_residual = 0, amount_residual_signed = 0"
            " WHERE id IN %s",
            tuple(paid.ids),
        )
    )
    cr.execute(
        SQL(
            "UPDATE account_move_line SET amount_residual = 0, amount_residual_currency = 0, reconciled = TRUE"
            " WHERE move_id IN %s AND display_type = 'payment_term'",
            tuple(paid.ids),
        )
    )
    bank = env["account.journal"].search([("type", "=", "bank")], limit=1)
    env.ref("payment.payment_provider_stripe").write(
        {
            "state": "test",
            "journal_id": bank.id,
            "stripe_webhook_secret": SECRET,
            "stripe_secret_key": "sk_test_bench",
            "stripe_publishable_key": "pk_test_bench",
        }
    )
    cr.commit()
    env.invalidate_all()
    print(f"data generated in {time.time() - t0:.0f} s")
    return client


def open_invoices(client, limit, offset=0):
    return env["account.move"].search(
        client._get_client_statement_domain(open_only=True),
        order="id",
        limit=limit,
        offset=offset,
    )


def median(values):
    return statistics.median(values)


# ----------------------------------------------------------------------------------
# ZIP
# ----------------------------------------------------------------------------------
def bench_zip(client):
    report = env["ir.actions.report"]
    stored, missing = (
        open_invoices(client, ZIP_SIZE),
        open_invoices(client, ZIP_SIZE, offset=ZIP_SIZE),
    )
    if not stored[0].invoice_pdf_report_id:
        pdf = report._render_qweb_pdf("account.account_invoices", stored[:1].ids)[0]
        for move in stored:  # a real invoice PDF, stored as the sent one
            move.invoice_pdf_report_file = base64.b64encode(pdf)
        cr.commit()
    env.invalidate_all()
    timings = []
    for _i in range(RUNS):
        env.invalidate_all()
        t0 = time.perf_counter()
        content = stored._client_hub_zip_pdfs()
        timings.append(time.perf_counter() - t0)
    assert len(zipfile.ZipFile(io.BytesIO(content)).namelist()) == ZIP_SIZE
    with_stored = median(timings)

    t0 = time.perf_counter()
    content = missing._client_hub_zip_pdfs()
    without_stored = time.perf_counter() - t0
    assert all(
        zipfile.ZipFile(io.BytesIO(content)).read(n).startswith(b"%PDF")
        for n in zipfile.ZipFile(io.BytesIO(content)).namelist()
    )

    # Stock-like: the portal's one-invoice download, fifty times, zipped.
    t0 = time.perf_counter()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for move in missing:
            archive.writestr(
                f"{move.id}.pdf",
                report._render_qweb_pdf("account.account_invoices", move.ids)[0],
            )
    one_by_one = time.perf_counter() - t0

    # One run for all fifty (what `_client_hub_render_pdfs` does with a patched-Qt wkhtmltopdf).
    one_run = None
    try:
        with patch("odoo.addons.client_hub.models.account_move._wkhtml") as wk:
            wk.return_value.is_patched_qt = True
            t0 = time.perf_counter()
            missing._client_hub_render_pdfs()
            one_run = time.perf_counter() - t0
    except Exception as error:  # unpatched Qt refuses several documents
        one_run = f"refused by this wkhtmltopdf ({type(error).__name__})"
    return with_stored, without_stored, one_by_one, one_run


# ----------------------------------------------------------------------------------
# webhook
# ----------------------------------------------------------------------------------
def make_tx(invoice):
    tx = env["payment.transaction"].create(
        {
            "provider_id": env.ref("payment.payment_provider_stripe").id,
            "payment_method_id": env.ref("payment.payment_method_card").id,
            "reference": f"{MARK}-{invoice.id}-{time.time_ns()}",
            "amount": invoice.amount_residual,
            "currency_id": invoice.currency_id.id,
            "partner_id": invoice.partner_id.id,
            "operation": "online_direct",
            "invoice_ids": [Command.set(invoice.ids)],
        }
    )
    cr.commit()
    return tx


def stripe_payload(tx, intent_id="pi_bench"):
    return json.dumps(
        {
            "id": f"evt_{tx.id}",
            "type": "payment_intent.succeeded",
            "data": {
                "object": {
                    "id": intent_id,
                    "object": "payment_intent",
                    "description": tx.reference,
                    "status": "succeeded",
                    "amount": round(tx.amount * 100),
                    "currency": tx.currency_id.name.lower(),
                    "payment_method": {
                        "id": "pm_bench",
                        "type": "card",
                        "card": {"brand": "visa"},
                    },
                }
            },
        }
    ).encode()


def signed_headers(payload):
    t = int(time.time())
    sig = hmac.new(
        SECRET.encode(), f"{t}.".encode() + payload, hashlib.sha256
    ).hexdigest()
    return {"Content-Type": "application/json", "Stripe-Signature": f"t={t},v1={sig}"}


def payment_data(tx):
    payload = json.loads(stripe_payload(tx))["data"]["object"]
    return {
        "reference": tx.reference,
        "payment_intent": payload,
        "payment_method": payload["payment_method"],
    }


def bench_webhook_in_process(client, invoices):
    ours, stock_webhook, stock_cron = [], [], []
    for invoice in invoices[:10]:
        tx = make_tx(invoice)
        t0 = time.perf_counter()
        tx._process("stripe", payment_data(tx))
        cr.commit()
        ours.append(time.perf_counter() - t0)
        assert invoice.payment_state == "paid", invoice.payment_state
    for invoice in invoices[10:20]:
        tx = make_tx(invoice)
        with patch.object(type(tx), "_client_hub_post_process_done", lambda self: None):
            t0 = time.perf_counter()
            tx._process("stripe", payment_data(tx))
            cr.commit()
            stock_webhook.append(time.perf_counter() - t0)
        assert invoice.payment_state == "not_paid" and tx.state == "done"
        t0 = time.perf_counter()
        tx._cron_post_process()  # commits, as the cron does
        stock_cron.append(time.perf_counter() - t0)
        env.invalidate_all()
        assert invoice.payment_state == "paid"
    return median(ours), median(stock_webhook), median(stock_cron)


# ----------------------------------------------------------------------------------
# HTTP: a real server
# ----------------------------------------------------------------------------------
LOG = "/tmp/bench_statement_server.log"


def start_server():
    if os.path.exists(LOG):
        os.remove(LOG)
    server = subprocess.Popen(
        [
            # this Python's Odoo, whatever tree it comes from
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
            "info",
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


def queries_of(path, since):
    """Query count of the last logged request to `path` (werkzeug line: ... status - queries ...)."""
    with open(LOG) as log:
        lines = log.readlines()[since:]
    counts = [
        int(m.group(1))
        for line in lines
        if f" {path} " in line and (m := re.search(r'" \d{3} - (\d+) ', line))
    ]
    return counts[-1] if counts else None


def log_len():
    with open(LOG) as log:
        return len(log.readlines())


def bench_http(client, invoices):
    session = requests.Session()
    base = f"http://127.0.0.1:{PORT}"
    session.post(
        f"{base}/web/session/authenticate",
        json={
            "jsonrpc": "2.0",
            "params": {
                "db": cr.dbname,
                "login": "bench_client",
                "password": "bench_client",
            },
        },
        timeout=30,
    )
    page_times, page_queries = [], []
    for page in ("/my/statement",) * RUNS + ("/my/statement/page/40",) * RUNS:
        mark = log_len()
        t0 = time.perf_counter()
        response = session.get(base + page, timeout=60)
        page_times.append((page, time.perf_counter() - t0))
        assert (
            response.status_code == 200 and "o_client_statement_form" in response.text
        )
        time.sleep(0.2)
        page_queries.append((page, queries_of(page, mark)))
    pages = {}
    for page in ("/my/statement", "/my/statement/page/40"):
        pages[page] = (
            median([t for p, t in page_times if p == page]),
            median([q for p, q in page_queries if p == page and q is not None] or [0]),
        )

    latencies = []
    for invoice in invoices[20:30]:
        tx = make_tx(invoice)
        payload = stripe_payload(tx)
        t0 = time.perf_counter()
        response = requests.post(
            f"{base}/payment/stripe/webhook",
            data=payload,
            headers=signed_headers(payload),
            timeout=30,
        )
        latencies.append(time.perf_counter() - t0)
        assert response.status_code == 200
        cr.commit()  # a fresh snapshot, to see what the server committed
        cr.execute(
            SQL("SELECT payment_state FROM account_move WHERE id = %s", invoice.id)
        )
        assert cr.fetchone()[0] == "paid"
        cr.commit()

    # Concurrency: the same signed event delivered twice at the same instant, ten times.
    duplicates_ok = 0
    for invoice in invoices[30:40]:
        tx = make_tx(invoice)
        payload = stripe_payload(tx)
        headers = signed_headers(payload)
        barrier = threading.Barrier(2)
        codes = []

        def deliver(payload=payload, headers=headers, barrier=barrier, codes=codes):
            barrier.wait()
            codes.append(
                requests.post(
                    f"{base}/payment/stripe/webhook",
                    data=payload,
                    headers=headers,
                    timeout=60,
                ).status_code
            )

        threads = [threading.Thread(target=deliver) for _i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        cr.commit()  # a fresh snapshot, to see what the server committed
        cr.execute(
            SQL(
                "SELECT count(*) FROM account_payment WHERE payment_transaction_id = %s",
                tx.id,
            )
        )
        payments = cr.fetchone()[0]
        cr.execute(
            SQL("SELECT payment_state FROM account_move WHERE id = %s", invoice.id)
        )
        state = cr.fetchone()[0]
        cr.commit()
        duplicates_ok += codes == [200, 200] and payments == 1 and state == "paid"
    with open(LOG) as log:
        retries = sum("SERIALIZATION_FAILURE" in line for line in log)
    return pages, median(latencies), duplicates_ok, retries


# ----------------------------------------------------------------------------------
client = setup_data()
n_open = env["account.move"].search_count(
    client._get_client_statement_domain(open_only=True)
)
print(
    f"client: {env['account.move'].search_count(client._get_client_statement_domain())} documents, {n_open} open"
)
webhook_invoices = open_invoices(client, 40, offset=2 * ZIP_SIZE)
# wkhtmltopdf loads the report's CSS from the web server: give it one (this shell has none).
env["ir.config_parameter"].set_param("report.url", f"http://127.0.0.1:{PORT}")
cr.commit()
server = start_server()
try:
    print("ZIP ...", flush=True)
    zip_stored, zip_missing, zip_one_by_one, zip_one_run = bench_zip(client)
    print("webhook in process ...", flush=True)
    ours, stock_webhook, stock_cron = bench_webhook_in_process(client, webhook_invoices)
    cr.commit()
    print("HTTP ...", flush=True)
    pages, http_latency, duplicates_ok, retries = bench_http(client, webhook_invoices)
finally:
    server.terminate()
    server.wait()

one_run = f"{zip_one_run:.2f} s" if isinstance(zip_one_run, float) else zip_one_run
page1, page40 = pages["/my/statement"], pages["/my/statement/page/40"]
rows = [
    ("Measure", "client_hub", "stock / baseline", "ratio"),
    ("---", "---", "---", "---"),
    (
        f"ZIP of {ZIP_SIZE} invoices, PDFs stored",
        f"{zip_stored:.3f} s",
        f"{zip_one_by_one:.1f} s (render one by one)",
        f"{zip_one_by_one / zip_stored:.0f}x faster",
    ),
    (
        f"ZIP of {ZIP_SIZE} invoices, no PDF stored",
        f"{zip_missing:.1f} s",
        f"{zip_one_by_one:.1f} s (render one by one)",
        f"{zip_one_by_one / zip_missing:.2f}x",
    ),
    (f"ZIP of {ZIP_SIZE}, no PDF stored, one wkhtmltopdf run", one_run, "", ""),
    (
        "Webhook to Paid, in process (median of 10)",
        f"{ours * 1000:.0f} ms",
        f"{stock_webhook * 1000:.0f} ms webhook + 0-10 min wait + {stock_cron * 1000:.0f} ms cron",
        "",
    ),
    (
        "Webhook to Paid, HTTP (median of 10)",
        f"{http_latency * 1000:.0f} ms",
        "status page poll (if the customer waits on it) or cron (every 10 min)",
        f"up to {600 / http_latency:.0f}x",
    ),
    (
        f"/my/statement, {N_INVOICES} invoices (median of {RUNS})",
        f"{page1[0] * 1000:.0f} ms, {page1[1]} queries",
        "",
        "",
    ),
    (
        "/my/statement/page/40",
        f"{page40[0] * 1000:.0f} ms, {page40[1]} queries",
        "",
        "",
    ),
    (
        "Same event delivered twice concurrently (10 tries)",
        f"{duplicates_ok}/10 paid exactly once ({retries} serialization retries logged)",
        "",
        "",
    ),
]
print("\n".join("| " + " | ".join(row) + " |" for row in rows))

"""Concurrent postings and payments for one client: client_hub's figures engine against stock.

How to run (from /work/main, never on a real database: it commits invoices and payments):

    eval "$(bash tools/harness.sh env)"     # PGHOST..., CONF (the harness's Odoo configuration)
    createdb ch_conc                        # a throwaway database
    odoo-bin -c $CONF -d ch_conc -i client_hub --stop-after-init
    odoo-bin shell -c $CONF -d ch_conc --no-http --log-level=warn \\
        < bench/bench_concurrency.py          # 4 x 250 postings, 4 x 50 payments
    BENCH_CONCURRENCY="--quick" odoo-bin shell ... < bench/bench_concurrency.py   # the CI check
    dropdb ch_conc

Options go through the BENCH_CONCURRENCY environment variable (`odoo shell` reads the script
from stdin and takes no arguments of its own): `--procs N` (4), `--invoices M` (250 per
process), `--payments P` (50 per process), `--compact-every S` (1 s), `--quick` (4 x 25
postings, 4 x 10 payments).

What it does, twice on the same database and client: first "stock" (the triggers the figures
engine keeps on account_move, and the payment engine's on account_move and
account_partial_reconcile, are disabled: stock Odoo's work only), then "client_hub" (the
triggers on). Each run has two scenarios:

  * postings: N processes each create and post M customer invoices for the SAME client, all
    with the same due date (the worst case: one figures bucket), one transaction per invoice;
  * payments: N processes each register P payments (account.payment.register, which posts
    the payment and reconciles it) on distinct open invoices of that client.

Each process is forked from this one with a connection pool of its own, and they start
together (a barrier). Each invoice or payment is one request as Odoo's HTTP layer serves it: a
fresh cursor and environment, the work wrapped in `odoo.service.model.retrying` (the HTTP and
RPC layers' own retry: serialization failures, lock errors and deadlocks retried up to 5 times
with random exponential back-off), then committed. In the client_hub run, when the engine has
a compaction (`_compact`, a cron), one more process runs it every S seconds meanwhile, as its
cron would (far more often). Every error an attempt raised is recorded:
retried or final, grouped by PostgreSQL error and by the statement that hit it (inside a
trigger, the PL/pgSQL statement).

After each scenario the figures of the client (`client_hub.figures.bucket._read_figures`) are
compared with a direct SUM over account_move and with the figures after a `_compact` and a
`_rebuild` of that client (rolled back); the number of documents posted or paid must match
the successes. In the client_hub run, the client's payment behaviour from the payment engine
must equal the live query over the reconciliations, before and after a compaction.

Prints a Markdown table (copied to bench/RESULTS_concurrency.md). Exit status 1 when a request
failed in either run (or a compaction), when client_hub needed more retries than stock, or
when a figure is not exact; 0 otherwise. `tools/harness.sh test` runs `--quick` on its
lifecycle database.
"""

import argparse
import logging
import multiprocessing
import os
import shlex
import sys
import time
from collections import Counter
from datetime import timedelta
from functools import partial

from psycopg2 import errorcodes

from odoo import api, fields, sql_db
from odoo.fields import Command
from odoo.service.model import MAX_TRIES_ON_CONCURRENCY_FAILURE, retrying
from odoo.tools import SQL

MARK = "CONCURRENCY BENCH"
FIGURES = ("invoiced", "paid", "due", "overdue")


def parse_options():
    parser = argparse.ArgumentParser(prog="bench_concurrency.py")
    parser.add_argument("--procs", type=int, default=4)
    parser.add_argument(
        "--invoices", type=int, default=250, help="postings per process"
    )
    parser.add_argument("--payments", type=int, default=50, help="payments per process")
    parser.add_argument(
        "--compact-every",
        type=float,
        default=1.0,
        help="seconds between compactions run meanwhile (client_hub, when the engine has one; 0: none)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="4 x 25 postings, 4 x 10 payments"
    )
    opts = parser.parse_args(shlex.split(os.environ.get("BENCH_CONCURRENCY", "")))
    if opts.quick:
        opts.invoices, opts.payments = 25, 10
    return opts


# ----------------------------------------------------------------------------------
# the client and its documents
# ----------------------------------------------------------------------------------
def setup(registry):
    """The client, product and context every request uses (created once, committed)."""
    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        admin = env.ref("base.user_admin")
        env = env(user=admin, context=admin.context_get())
        Partner = env["res.partner"]
        partner = Partner.search(
            [("name", "=", f"{MARK} client")], limit=1
        ) or Partner.create(
            {"name": f"{MARK} client", "is_company": True, "customer_rank": 1}
        )
        Product = env["product.product"]
        product = Product.search(
            [("name", "=", f"{MARK} service")], limit=1
        ) or Product.create(
            {
                "name": f"{MARK} service",
                "list_price": 100.0,
                "taxes_id": [Command.clear()],
            }
        )
        today = fields.Date.context_today(partner)
        return {
            "uid": admin.id,
            "context": dict(env.context),
            "company_id": env.company.id,
            "partner_id": partner.id,
            "product_id": product.id,
            "invoice_date": today - timedelta(days=40),
            "due_date": today - timedelta(days=10),  # overdue: every figure is non-zero
        }


def post_invoice(env, data, number):
    """One request: create a draft invoice and post it."""
    move = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": data["partner_id"],
            "invoice_date": data["invoice_date"],
            "invoice_date_due": data["due_date"],
            "invoice_line_ids": [
                Command.create(
                    {"product_id": data["product_id"], "price_unit": 100 + number % 13}
                )
            ],
        }
    )
    move.action_post()


def register_payment(env, data, invoice_id):
    """One request: pay an invoice in full with the register payment wizard."""
    wizard = (
        env["account.payment.register"]
        .with_context(active_model="account.move", active_ids=[invoice_id])
        .create({"payment_date": data["invoice_date"]})
    )
    wizard._create_payments()


# ----------------------------------------------------------------------------------
# the processes
# ----------------------------------------------------------------------------------
def describe(exc):
    """(error, first line of its message, where): what a failed attempt hit."""
    code = getattr(exc, "pgcode", None)
    error = errorcodes.lookup(code) if code else type(exc).__name__
    message = (str(exc).strip().splitlines() or [""])[0][:120]
    where = []
    diag = getattr(exc, "diag", None)
    context = " ".join(((diag and diag.context) or "").split())
    if context:  # raised inside a trigger: its PL/pgSQL line and statement
        statement, _sep, function = context.partition(" PL/pgSQL function ")
        where += [f"PL/pgSQL function {function}" if function else "", statement[:140]]
    query = getattr(getattr(exc, "cursor", None), "query", None)
    if query:
        where.append("query: " + " ".join(query.decode(errors="replace").split())[:110])
    return error, message, " | ".join(where)


def attempt(job, env, data, item, errors):
    """One try of a request; what it raises is recorded, then handled by `retrying`."""
    try:
        job(env, data, item)
        env.cr.flush()  # as `retrying` does: the conflicts are met here
    except Exception as exc:
        errors.append(describe(exc))
        raise


def compact(env, data, _item):
    """One run of the compaction, as its cron runs it."""
    env["client_hub.figures.bucket"].sudo()._compact()  # the cron's user: OdooBot


def until(stop, pause):
    """Items until ``stop`` is set, ``pause`` seconds apart."""
    while not stop.is_set():
        yield None
        time.sleep(pause)


def worker(registry, job, data, items, barrier, queue, role="request"):
    # errors are recorded by `attempt`: not also logged with their query by every cursor
    logging.getLogger("odoo.sql_db").setLevel(logging.CRITICAL)
    # A pool of our own: the parent's connections are never used (nor closed) here.
    sql_db._Pool = None
    registry._db = sql_db.db_connect(registry.db_name)
    registry._db_readonly = None
    result = {
        "done": 0,
        "retries": 0,
        "failures": 0,
        "retried": Counter(),
        "failed": Counter(),
    }
    try:
        with registry.cursor() as cr:
            cr.execute("SELECT 1")  # connected before the start
        barrier.wait(timeout=300)
        for item in items:
            errors = []
            try:
                with registry.cursor() as cr:
                    env = api.Environment(cr, data["uid"], data["context"])
                    retrying(partial(attempt, job, env, data, item, errors), env)
                result["done"] += 1
                result["retried"].update(errors)
                result["retries"] += len(errors)
            except Exception as exc:  # a request that failed: counted
                if not errors:
                    errors.append(describe(exc))
                result["failures"] += 1
                result["retries"] += len(errors) - 1
                result["retried"].update(errors[:-1])
                result["failed"][errors[-1]] += 1
    finally:
        queue.put((role, result))
        if sql_db._Pool:
            sql_db._Pool.close_all()


def run_concurrently(registry, job, data, batches, compact_every=0):
    """Run ``job`` over each batch of items in a process of its own, all started together;
    with ``compact_every`` (seconds), one more process runs the compaction meanwhile.

    :return: (merged results of the requests, wall time in seconds, results of the
        compaction or None)
    """
    ctx = multiprocessing.get_context("fork")
    stop = ctx.Event()
    args = [(job, batch, "request") for batch in batches]
    if compact_every:
        args.append((compact, until(stop, compact_every), "compaction"))
    barrier, queue = ctx.Barrier(len(args) + 1), ctx.Queue()
    procs = [
        ctx.Process(
            target=worker, args=(registry, job_, data, items, barrier, queue, role)
        )
        for job_, items, role in args
    ]
    for proc in procs:
        proc.start()
    barrier.wait(timeout=300)
    start = time.monotonic()
    results = [queue.get() for _batch in batches]
    wall = time.monotonic() - start
    stop.set()
    if compact_every:
        results.append(queue.get())
    for proc in procs:
        proc.join()
    compaction = next(
        (result for role, result in results if role == "compaction"), None
    )
    merged = {
        "done": 0,
        "retries": 0,
        "failures": 0,
        "retried": Counter(),
        "failed": Counter(),
    }
    for role, result in results:
        if role == "request":
            for key, value in result.items():
                merged[key] += value
    return merged, wall, compaction


# ----------------------------------------------------------------------------------
# triggers and figures
# ----------------------------------------------------------------------------------
def engine_triggers(cr, env):
    """(table, trigger) of the triggers whose function belongs to the figures engine or
    to the payment engine (on account_move and account_partial_reconcile)."""
    cr.execute(
        SQL(
            """SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
                 JOIN pg_class c ON c.oid = t.tgrelid
                WHERE c.relname IN %s AND NOT t.tgisinternal
                  AND (p.proname LIKE %s OR p.proname LIKE 'client_hub_payment%%')
             ORDER BY c.relname, t.tgname""",
            (env["account.move"]._table, "account_partial_reconcile"),
            env["client_hub.figures.bucket"]._table + "%",
        )
    )
    return cr.fetchall()


def set_triggers(registry, enabled, partner_id):
    """Enable or disable the engines' triggers (committed); rebuild the client's figures
    (and the payment engine) when enabling, since the documents changed without them."""
    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        names = engine_triggers(cr, env)
        for table, name in names:
            cr.execute(
                SQL(
                    "ALTER TABLE %s %s TRIGGER %s",
                    SQL.identifier(table),
                    SQL("ENABLE" if enabled else "DISABLE"),
                    SQL.identifier(name),
                )
            )
        if enabled:
            env["client_hub.figures.bucket"]._rebuild([partner_id])
            if "client_hub.payment.bucket" in env:
                env["client_hub.payment.bucket"]._rebuild()
    return [name for _table, name in names]


def payments_exact(env, data):
    """Whether the payment engine gives the client's payment behaviour as the live
    query over the reconciliations does (when the module has the engine)."""
    if "client_hub.payment.bucket" not in env:
        return True, ""
    Partner = env["res.partner"]
    ids = [data["partner_id"]]
    engine = Partner._client_payment_rows(ids)
    Figures = type(env["client_hub.figures.bucket"])
    saved = Figures.__dict__.get("_use_buckets")
    Figures._use_buckets = lambda self: False
    try:
        live = Partner._client_payment_rows(ids)
    finally:
        if saved is None:
            del Figures._use_buckets
        else:
            Figures._use_buckets = saved
    env["client_hub.payment.bucket"]._compact()
    compacted = Partner._client_payment_rows(ids)
    row = live.get(data["partner_id"], {})
    return engine == live == compacted, (
        f"; payment behaviour engine = live = compacted: {engine == live == compacted}"
        f" ({', '.join(f'{k} {v}' for k, v in row.items() if k != 'partner_id')})"
    )


def direct_figures(env, data):
    env.cr.execute(
        SQL(
            """SELECT COALESCE(SUM(amount_total_signed), 0),
                      COALESCE(SUM(amount_total_signed - amount_residual_signed), 0),
                      COALESCE(SUM(amount_residual_signed), 0),
                      GREATEST(COALESCE(SUM(amount_residual_signed) FILTER (
                          WHERE COALESCE(invoice_date_due, date) < %s), 0), 0)
                 FROM account_move
                WHERE commercial_partner_id = %s AND company_id = %s AND state = 'posted'
                  AND move_type IN ('out_invoice', 'out_refund')""",
            fields.Date.context_today(env["res.partner"]),
            data["partner_id"],
            data["company_id"],
        )
    )
    return dict(zip(FIGURES, env.cr.fetchone()))


def engine_figures(env, data):
    row = (
        env["client_hub.figures.bucket"]
        ._read_figures([data["partner_id"]])
        .get(data["partner_id"], {})
    )
    return {name: row.get(name) or 0 for name in FIGURES}


def check_figures(registry, data):
    """Figures read by the engine, against a SUM over account_move, after a compaction
    (when the engine has one) and after a rebuild; both rolled back.

    :return: (exact, text of the largest differences)
    """
    Bucket = registry["client_hub.figures.bucket"]
    with registry.cursor() as cr:
        env = api.Environment(cr, data["uid"], data["context"])
        read = engine_figures(env, data)
        others = {"SUM": direct_figures(env, data)}
        if hasattr(Bucket, "_compact"):
            compact(env, data, None)
            others["compaction"] = engine_figures(env, data)
        env["client_hub.figures.bucket"]._rebuild([data["partner_id"]])
        others["rebuild"] = engine_figures(env, data)
        cr.rollback()
        payments_ok, payments_text = payments_exact(env, data)
        cr.rollback()  # the compactions and the rebuild were checks only
    diffs = {
        name: max(abs(float(read[k]) - float(figures[k])) for k in FIGURES)
        for name, figures in others.items()
    }
    text = ", ".join(
        f"max |engine - {name}| = {diff:.2f}" for name, diff in diffs.items()
    )
    text += f" (engine {', '.join(f'{k} {float(read[k]):.2f}' for k in FIGURES)})"
    exact = all(diff < 0.005 for diff in diffs.values()) and payments_ok
    return exact, text + payments_text


def counts(registry, data):
    """(posted invoices, paid invoices) of the client."""
    with registry.cursor() as cr:
        cr.execute(
            """SELECT COUNT(*), COUNT(*) FILTER (WHERE payment_state IN ('paid', 'in_payment'))
                 FROM account_move WHERE commercial_partner_id = %s AND state = 'posted'
                  AND move_type = 'out_invoice'""",
            [data["partner_id"]],
        )
        return cr.fetchone()


def open_invoices(registry, data, limit):
    with registry.cursor() as cr:
        cr.execute(
            """SELECT id FROM account_move WHERE commercial_partner_id = %s AND state = 'posted'
                  AND move_type = 'out_invoice' AND payment_state = 'not_paid'
             ORDER BY id DESC LIMIT %s""",
            [data["partner_id"], limit],
        )
        return [move_id for (move_id,) in cr.fetchall()]


# ----------------------------------------------------------------------------------
# the runs
# ----------------------------------------------------------------------------------
def print_errors(result):
    for label, key in (("retried", "retried"), ("FAILED", "failed")):
        for (error, message, where), n in result[key].most_common():
            print(
                f"    {label} x{n}: {error}: {message}\n        at {where}", flush=True
            )


def scenario(registry, data, mode, name, job, batches, count_index, compact_every):
    total = sum(len(batch) for batch in batches)
    before = counts(registry, data)[count_index]
    result, wall, compaction = run_concurrently(
        registry, job, data, batches, compact_every
    )
    moved = counts(registry, data)[count_index] - before
    result.update(wall=wall, total=total, compaction=compaction)
    problems = []
    if moved != result["done"]:
        problems.append(f"{moved} documents changed for {result['done']} successes")
    if mode == "client_hub":
        exact, text = check_figures(registry, data)
        result["figures"] = text
        if not exact:
            problems.append("figures not exact")
    else:
        result["figures"] = "not read (triggers off)"
    result["exact"] = not problems
    result["problems"] = problems
    print(
        f"[{mode}] {name}: {result['done']}/{total} done, {result['retries']} retries,"
        f" {result['failures']} failures, {wall:.1f} s; {result['figures']}"
        + "".join(f"; PROBLEM: {problem}" for problem in problems),
        flush=True,
    )
    print_errors(result)
    if compaction:
        print(
            f"[{mode}] {name}: compaction meanwhile (every {compact_every} s):"
            f" {compaction['done']} runs, {compaction['retries']} retries,"
            f" {compaction['failures']} failures",
            flush=True,
        )
        print_errors(compaction)
    return result


def run(registry, opts):
    data = setup(registry)
    procs = opts.procs
    has_compaction = hasattr(registry["client_hub.figures.bucket"], "_compact")
    results = {}
    for mode in ("stock", "client_hub"):
        triggers = set_triggers(registry, mode == "client_hub", data["partner_id"])
        state = "on" if mode == "client_hub" else "off"
        print(f"[{mode}] engine triggers {state}: {', '.join(triggers) or 'none'}")
        # the compaction cron is client_hub's work: it runs with the triggers only
        compact_every = (
            opts.compact_every if mode == "client_hub" and has_compaction else 0
        )
        try:
            numbers = list(range(procs * opts.invoices))
            results[mode, "postings"] = scenario(
                registry,
                data,
                mode,
                f"{procs} x {opts.invoices} postings",
                post_invoice,
                [numbers[k::procs] for k in range(procs)],
                0,
                compact_every,
            )
            invoices = open_invoices(registry, data, procs * opts.payments)
            results[mode, "payments"] = scenario(
                registry,
                data,
                mode,
                f"{procs} x {opts.payments} payments",
                register_payment,
                [invoices[k::procs] for k in range(procs)],
                1,
                compact_every,
            )
        finally:
            set_triggers(registry, True, data["partner_id"])
    return report(results, opts)


def report(results, opts):
    procs = opts.procs
    print()
    print(
        "| scenario | stock retries / failures | client_hub retries / failures"
        " | wall time stock / client_hub | figures exact |"
    )
    print("|---|---|---|---|---|")
    ok = True
    for name, per in (("postings", opts.invoices), ("payments", opts.payments)):
        stock, ours = results["stock", name], results["client_hub", name]
        print(
            f"| {procs} x {per} {name} | {stock['retries']} / {stock['failures']}"
            f" | {ours['retries']} / {ours['failures']}"
            f" | {stock['wall']:.1f} s / {ours['wall']:.1f} s"
            f" | {'yes' if ours['exact'] and stock['exact'] else 'NO'} |"
        )
        ok &= not stock["failures"] and not ours["failures"]
        ok &= ours["retries"] <= stock["retries"] and ours["exact"] and stock["exact"]
        ok &= not (ours["compaction"] or {}).get("failures")
    compactions = [
        results["client_hub", name]["compaction"] for name in ("postings", "payments")
    ]
    if all(compactions):
        print(
            f"\nCompaction running meanwhile (every {opts.compact_every} s, client_hub only):"
            f" {sum(c['done'] for c in compactions)} runs,"
            f" {sum(c['retries'] for c in compactions)} retries,"
            f" {sum(c['failures'] for c in compactions)} failures."
        )
    print()
    print(
        f"[client_hub] concurrency: {'OK' if ok else 'FAILED'} (no failure, no more retries"
        f" than stock, figures exact; {MAX_TRIES_ON_CONCURRENCY_FAILURE} tries per request)",
        flush=True,
    )
    return ok


registry = env.registry  # noqa: F821 (odoo shell)
env.cr.rollback()  # noqa: F821 (holds no snapshot nor lock while the processes run)
sys.exit(0 if run(registry, parse_options()) else 1)

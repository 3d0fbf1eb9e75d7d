"""Benchmark of the client dashboard figures (issue 3) against stock `total_invoiced`.

How to run (from /work/main, never on a real database: it writes ~45,000 invoices):

    eval "$(bash tools/harness.sh env)"     # PGHOST..., CONF (the harness's Odoo configuration)
    createdb ch_bench                       # a throwaway database
    odoo-bin -c $CONF -d ch_bench -i client_hub --stop-after-init
    odoo-bin shell -c $CONF -d ch_bench --no-http \\
        < bench/bench_dashboard.py            # generates once (commits), then measures
    dropdb ch_bench

Data sets (generated on the first run, kept for the next ones):
  * one client with 20,000 invoices;
  * 2,000 clients x 10 invoices: a list page of 80 clients, then sorted by balance due;
  * a client company with 5,000 contacts, each with one invoice.

Generation: a few template invoices are created and posted through the ORM, then cloned
with INSERT ... SELECT (account_move + account_move_line, all columns copied). The clones
keep the invariants of the columns both implementations read: posted state, move type,
company, partners, signed totals, line subtotals (stock reads account.invoice.report),
and a residual set consistently on the move and its receivable line (paid / partial /
open). They have no payments, reconciliations, tax relations or chatter.

Measures, as the admin user (accounting rights, record rules on), warm ormcaches, cold
record cache: server time (best and median of 11 runs: the 2 cores are shared, the
best is the least disturbed), SQL queries, peak Python memory (tracemalloc, separate
run). Results are printed as a Markdown table (copied to bench/RESULTS.md).
"""

import statistics
import time
import tracemalloc

from odoo import fields
from odoo.fields import Command
from odoo.tools import SQL

MARK = "BENCH"
FIGURES = [
    "client_total_invoiced",
    "client_total_paid",
    "client_balance_due",
    "client_overdue_amount",
]
RUNS = 11


# ----------------------------------------------------------------------------------
# data generation
# ----------------------------------------------------------------------------------
def template_moves(env):
    """A posted invoice and a posted credit note, the shapes every clone copies."""
    today = fields.Date.context_today(env["res.partner"])
    partner = env["res.partner"].create(
        {"name": f"{MARK} template", "customer_rank": 1}
    )
    product = env["product.product"].create(
        {"name": f"{MARK} service", "list_price": 100.0}
    )

    def make(move_type, price):
        move = env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_date": today,
                "invoice_line_ids": [
                    Command.create({"product_id": product.id, "price_unit": price})
                ],
            }
        )
        move.action_post()
        return move

    return make("out_invoice", 100.0), make("out_refund", 30.0)


def clone_moves(env, template, rows):
    """Insert one copy of `template` per row (partner_id, commercial_id, factor, due_days).

    factor: share of the total still open (0 paid, 0.5 partial, 1 open).
    """
    cr = env.cr
    cr.execute("DROP TABLE IF EXISTS bench_map")
    cr.execute(
        "CREATE TEMP TABLE bench_map (new_id int, partner_id int, commercial_id int,"
        " factor numeric, due_days int)"
    )
    partner_ids, commercial_ids, factors, due_days = zip(*rows)
    cr.execute(
        SQL(
            "INSERT INTO bench_map SELECT nextval('account_move_id_seq'), p, c, f, d"
            " FROM unnest(%s::int[], %s::int[], %s::numeric[], %s::int[]) AS t(p, c, f, d)",
            list(partner_ids),
            list(commercial_ids),
            list(factors),
            list(due_days),
        )
    )

    def columns(table):
        cr.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_name = %s AND column_name != 'id'",
            [table],
        )
        return [name for (name,) in cr.fetchall()]

    move_overrides = {
        "name": "'BNCH/' || m.new_id",
        "partner_id": "m.partner_id",
        "commercial_partner_id": "m.commercial_id",
        "partner_shipping_id": "m.partner_id",
        "invoice_date_due": "current_date + m.due_days",
        "amount_residual": "s.amount_residual * m.factor",
        "amount_residual_signed": "s.amount_residual_signed * m.factor",
        "payment_state": "CASE m.factor WHEN 0 THEN 'paid' WHEN 1 THEN 'not_paid' ELSE 'partial' END",
        "sequence_number": "m.new_id",
        "access_token": "NULL",
        "payment_reference": "NULL",
    }
    cols = columns("account_move")
    select = ", ".join(move_overrides.get(col, f's."{col}"') for col in cols)
    cr.execute(f"""
        INSERT INTO account_move (id, {", ".join(f'"{c}"' for c in cols)})
        SELECT m.new_id, {select} FROM bench_map m, account_move s WHERE s.id = {template.id}
    """)  # column names come from information_schema, ids are ints
    receivable = "s.amount_residual != 0"
    line_overrides = {
        "move_id": "m.new_id",
        "move_name": "'BNCH/' || m.new_id",
        "partner_id": "m.commercial_id",
        "amount_residual": f"CASE WHEN {receivable} THEN s.amount_residual * m.factor ELSE 0 END",
        "amount_residual_currency": f"CASE WHEN {receivable} THEN s.amount_residual_currency * m.factor ELSE 0 END",
        "reconciled": f"CASE WHEN {receivable} THEN m.factor = 0 ELSE s.reconciled END",
        "date_maturity": "CASE WHEN s.date_maturity IS NULL THEN NULL ELSE current_date + m.due_days END",
    }
    cols = columns("account_move_line")
    select = ", ".join(line_overrides.get(col, f's."{col}"') for col in cols)
    cr.execute(f"""
        INSERT INTO account_move_line ({", ".join(f'"{c}"' for c in cols)})
        SELECT {select} FROM bench_map m JOIN account_move_line s ON s.move_id = {template.id}
    """)
    cr.execute(
        "SELECT setval('account_move_id_seq', (SELECT max(id) FROM account_move))"
    )


def invoice_rows(partner, commercial, count, start=0):
    """Every 10th document a credit note; a third paid, a third partial, a third open;
    due dates spread from 60 days ago to 30 days ahead."""
    invoices, refunds = [], []
    for i in range(start, start + count):
        row = (partner, commercial, (0, 0.5, 1)[i % 3], 30 - (i * 7) % 90)
        (refunds if i % 10 == 9 else invoices).append(row)
    return invoices, refunds


def generate(env):
    Partner = env["res.partner"]
    if Partner.search_count([("name", "=", f"{MARK} big client")]):
        return
    started = time.perf_counter()
    invoice, refund = template_moves(env)
    big = Partner.create(
        {"name": f"{MARK} big client", "is_company": True, "customer_rank": 1}
    )
    clients = Partner.create(
        [
            {"name": f"{MARK} client {i:04d}", "is_company": True, "customer_rank": 1}
            for i in range(2000)
        ]
    )
    tree = Partner.create(
        {"name": f"{MARK} contact tree", "is_company": True, "customer_rank": 1}
    )
    contacts = Partner.browse()
    for batch in range(5):
        contacts |= Partner.create(
            [
                {"name": f"{MARK} contact {batch * 1000 + i:04d}", "parent_id": tree.id}
                for i in range(1000)
            ]
        )
    env.flush_all()
    all_invoices, all_refunds = invoice_rows(big.id, big.id, 20000)
    for n, client in enumerate(clients):
        invs, refs = invoice_rows(client.id, client.id, 10, start=n)
        all_invoices += invs
        all_refunds += refs
    for n, contact in enumerate(contacts):
        invs, refs = invoice_rows(contact.id, tree.id, 1, start=n)
        all_invoices += invs
        all_refunds += refs
    clone_moves(env, invoice, all_invoices)
    clone_moves(env, refund, all_refunds)
    env.cr.commit()
    env.cr.execute(
        "ANALYZE account_move; ANALYZE account_move_line; ANALYZE res_partner"
    )
    env.invalidate_all()
    print(
        f"generated {len(all_invoices) + len(all_refunds)} documents in "
        f"{time.perf_counter() - started:.0f} s"
    )


# ----------------------------------------------------------------------------------
# measures
# ----------------------------------------------------------------------------------
def measure(env, fn):
    """(best ms, median ms, queries, peak KiB) of fn() with a cold record cache."""
    fn()  # warm the ormcaches and PostgreSQL buffers
    times, queries = [], 0
    for _ in range(RUNS):
        env.invalidate_all()
        before = env.cr.sql_log_count
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
        queries = env.cr.sql_log_count - before
    env.invalidate_all()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 1024
    tracemalloc.stop()
    return min(times), statistics.median(times), queries, peak


def run(env):
    user_env = env(user=env.ref("base.user_admin").id, su=False)
    Partner = user_env["res.partner"]
    big = Partner.search([("name", "=", f"{MARK} big client")])
    tree = Partner.search([("name", "=", f"{MARK} contact tree")])
    page_domain = [("name", "=like", f"{MARK} client %")]
    spec = {"display_name": {}, **{fname: {} for fname in FIGURES}}
    stock_spec = {"display_name": {}, "total_invoiced": {}}

    def ours(partners):
        return lambda: partners.browse(partners.ids).mapped("client_balance_due")

    def stock(partners):
        return lambda: partners.browse(partners.ids).mapped("total_invoiced")

    page = Partner.search(page_domain, limit=80)
    salesman = env["res.users"].search([("login", "=", "bench_salesman")]) or env[
        "res.users"
    ].create(
        {
            "name": "Bench Salesman",
            "login": "bench_salesman",
            "group_ids": [Command.set(env.ref("sales_team.group_sale_salesman").ids)],
        }
    )
    env.cr.commit()
    sales_env = env(user=salesman.id, su=False)
    big_as_salesman = sales_env["res.partner"].browse(big.id)
    cases = [
        ("1 client, 20,000 invoices", ours(big), stock(big)),
        (
            "1 client, 20,000 invoices, as a salesperson (live query, record rules; stock:"
            " no access)",
            ours(big_as_salesman),
            None,
        ),
        ("company with 5,000 contacts: the company", ours(tree), stock(tree)),
        (
            "company with 5,000 contacts: one contact",
            ours(tree.child_ids[:1]),
            stock(tree.child_ids[:1]),
        ),
        (
            "2,000 clients: list page of 80 (web_search_read)",
            lambda: Partner.web_search_read(page_domain, spec, limit=80),
            lambda: Partner.web_search_read(page_domain, stock_spec, limit=80),
        ),
        (
            "2,000 clients: page of 80 sorted by balance due",
            lambda: Partner.web_search_read(
                page_domain, spec, order="client_balance_due desc", limit=80
            ),
            # stock cannot sort by total_invoiced in SQL: compute all 2,000, sort in Python
            lambda: sorted(Partner.search(page_domain), key=lambda p: p.total_invoiced)[
                -80:
            ],
        ),
        (
            "2,000 clients: filter 'Overdue' + count",
            lambda: Partner.search_count(
                [*page_domain, ("client_is_overdue", "=", True)]
            ),
            None,
        ),
    ]
    # sanity: same total invoiced on the same data, untaxed for stock, taxed for us
    print(
        "check big client:",
        big.client_total_invoiced,
        "(taxed) vs stock",
        big.total_invoiced,
        "(untaxed); page of 80 =",
        len(page),
    )
    lines = [
        "| Data set | ours: best ms (median) / queries / peak KiB | stock total_invoiced:"
        " best ms (median) / queries / peak KiB | speed-up (best, median) |",
        "|---|---|---|---|",
    ]
    for label, our_fn, stock_fn in cases:
        o = measure(user_env, our_fn)
        if stock_fn:
            s = measure(user_env, stock_fn)
            stock_cell = f"{s[0]:.1f} ({s[1]:.1f}) / {s[2]} / {s[3]:.0f}"
            ratio = f"{s[0] / o[0]:.0f}x, {s[1] / o[1]:.0f}x"
        else:
            stock_cell, ratio = "-", "-"
        lines.append(
            f"| {label} | {o[0]:.1f} ({o[1]:.1f}) / {o[2]} / {o[3]:.0f} | {stock_cell} | {ratio} |"
        )
    print("\n".join(lines))


generate(env)  # noqa: F821 (odoo shell)
run(env)  # noqa: F821

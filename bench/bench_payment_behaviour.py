"""Benchmark of the dashboard's payment-behaviour figures (how this client pays):
`client_avg_days_to_pay`, `client_on_time_share`, `client_last_payment_date`.

How to run (from /work/main, never on a real database: it writes ~40,000 paid invoices):

    eval "$(bash tools/harness.sh env)"     # PGHOST..., CONF (the harness's Odoo configuration)
    createdb ch_paybench                    # a throwaway database
    odoo-bin -c $CONF -d ch_paybench -i client_hub --stop-after-init
    odoo-bin shell -c $CONF -d ch_paybench --no-http \\
        < bench/bench_payment_behaviour.py    # generates once (commits), then measures
    dropdb ch_paybench

Data sets (generated on the first run, kept for the next ones):
  * one client with 20,000 paid invoices, payment dates spread over 2 years;
  * 2,000 clients x 10 paid invoices: a list page of 80 clients, then sorted by average
    days to pay.

Generation: one invoice is posted through the ORM, paid by a posted bank entry (move type
'entry') and reconciled with it through the ORM. Then invoice, payment and partial
reconciliation are cloned with INSERT ... SELECT (account_move, account_move_line,
account_partial_reconcile, all columns copied): each cloned invoice's receivable line is
reconciled with its own cloned payment line. Consistent in the clones: what the figures
read (move state/type/company/commercial partner/invoice date/due date, lines' move_id,
partials' debit/credit lines, amount and max_date, payment move type 'entry') and the
totals the existing figures read (the template's amounts, paid). Not cloned: full
reconciles, matching numbers, tax relations, chatter.

Measures, as the admin user (accounting rights, record rules on), warm ormcaches, cold
record cache: server time (best and median of 11 runs), SQL queries. The figures are
checked on a sample against a computation in Python over the raw rows.
"""

import statistics
import time
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from odoo import fields
from odoo.fields import Command
from odoo.tools import SQL

MARK = "PAYBENCH"
PAYMENT_FIGURES = [
    "client_avg_days_to_pay",
    "client_on_time_share",
    "client_last_payment_date",
]
FIGURES = [
    "client_total_invoiced",
    "client_total_paid",
    "client_balance_due",
    "client_overdue_amount",
]
RUNS = 11
WINDOW = 365


# ----------------------------------------------------------------------------------
# data generation
# ----------------------------------------------------------------------------------
def template(env):
    """A posted invoice, a posted bank entry paying it, reconciled through the ORM.

    :return: (invoice, its receivable line, payment move, its receivable line, partial)
    """
    today = fields.Date.context_today(env["res.partner"])
    partner = env["res.partner"].create(
        {"name": f"{MARK} template", "customer_rank": 1}
    )
    product = env["product.product"].create(
        {"name": f"{MARK} service", "list_price": 100.0}
    )
    invoice = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": today,
            "invoice_line_ids": [
                Command.create({"product_id": product.id, "price_unit": 100.0})
            ],
        }
    )
    invoice.action_post()
    inv_line = invoice.line_ids.filtered(
        lambda line: line.account_id.account_type == "asset_receivable"
    )
    bank = env["account.journal"].search(
        [("type", "=", "bank"), ("company_id", "=", env.company.id)], limit=1
    )
    payment = env["account.move"].create(
        {
            "move_type": "entry",
            "journal_id": bank.id,
            "date": today,
            "line_ids": [
                Command.create(
                    {
                        "account_id": inv_line.account_id.id,
                        "partner_id": partner.id,
                        "credit": invoice.amount_total,
                    }
                ),
                Command.create(
                    {
                        "account_id": bank.default_account_id.id,
                        "partner_id": partner.id,
                        "debit": invoice.amount_total,
                    }
                ),
            ],
        }
    )
    payment.action_post()
    pay_line = payment.line_ids.filtered(
        lambda line: line.account_id == inv_line.account_id
    )
    (inv_line | pay_line).reconcile()
    assert invoice.payment_state in ("paid", "in_payment"), invoice.payment_state
    partial = inv_line.matched_credit_ids
    assert len(partial) == 1 and partial.credit_move_id == pay_line
    env.flush_all()
    return invoice, inv_line, payment, pay_line, partial


def columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_name = %s AND column_name != 'id'",
        [table],
    )
    return [name for (name,) in cr.fetchall()]


def clone(env, tpl, rows):
    """One paid invoice per row (commercial_id, invoice_date, due_date, paid_on)."""
    invoice, inv_line, payment, pay_line, partial = tpl
    cr = env.cr
    cr.execute("DROP TABLE IF EXISTS paybench_map")
    cr.execute(
        "CREATE TEMP TABLE paybench_map (inv_id int, pay_id int, inv_line int,"
        " pay_line int, partner_id int, invoice_date date, due_date date, paid_on date)"
    )
    partners, inv_dates, due_dates, paid_on = zip(*rows)
    cr.execute(
        SQL(
            "INSERT INTO paybench_map SELECT nextval('account_move_id_seq'),"
            " nextval('account_move_id_seq'), nextval('account_move_line_id_seq'),"
            " nextval('account_move_line_id_seq'), p, i, d, w"
            " FROM unnest(%s::int[], %s::date[], %s::date[], %s::date[]) AS t(p, i, d, w)",
            list(partners),
            list(inv_dates),
            list(due_dates),
            list(paid_on),
        )
    )
    # moves: the invoice, then the payment
    for src, new_id, name, dated, extra in (
        (
            invoice,
            "m.inv_id",
            "'PBNCH/' || m.inv_id",
            "m.invoice_date",
            {"invoice_date": "m.invoice_date", "invoice_date_due": "m.due_date"},
        ),
        (payment, "m.pay_id", "'PBNCHP/' || m.pay_id", "m.paid_on", {}),
    ):
        overrides = {
            "name": name,
            "date": dated,
            "partner_id": "m.partner_id",
            "commercial_partner_id": "m.partner_id",
            "partner_shipping_id": "CASE WHEN s.partner_shipping_id IS NULL THEN NULL ELSE m.partner_id END",
            "sequence_number": new_id,
            "access_token": "NULL",
            "payment_reference": "NULL",
            **extra,
        }
        cols = columns(cr, "account_move")
        select = ", ".join(overrides.get(col, f's."{col}"') for col in cols)
        cr.execute(f"""
            INSERT INTO account_move (id, {", ".join(f'"{c}"' for c in cols)})
            SELECT {new_id}, {select} FROM paybench_map m, account_move s WHERE s.id = {src.id}
        """)  # column names come from information_schema, ids are ints
    # lines: the receivable lines get the ids the partials point to
    for src, move_id, rec_line, rec_id, name, dated in (
        (
            invoice,
            "m.inv_id",
            inv_line,
            "m.inv_line",
            "'PBNCH/' || m.inv_id",
            "m.invoice_date",
        ),
        (
            payment,
            "m.pay_id",
            pay_line,
            "m.pay_line",
            "'PBNCHP/' || m.pay_id",
            "m.paid_on",
        ),
    ):
        overrides = {
            "move_id": move_id,
            "move_name": name,
            "date": dated,
            "invoice_date": "CASE WHEN s.invoice_date IS NULL THEN NULL ELSE m.invoice_date END",
            "partner_id": "CASE WHEN s.partner_id IS NULL THEN NULL ELSE m.partner_id END",
            "date_maturity": "CASE WHEN s.date_maturity IS NULL THEN NULL ELSE m.due_date END",
            "full_reconcile_id": "NULL",
            "matching_number": "NULL",
        }
        cols = columns(cr, "account_move_line")
        select = ", ".join(overrides.get(col, f's."{col}"') for col in cols)
        cr.execute(f"""
            INSERT INTO account_move_line (id, {", ".join(f'"{c}"' for c in cols)})
            SELECT CASE WHEN s.id = {rec_line.id} THEN {rec_id}
                        ELSE nextval('account_move_line_id_seq') END, {select}
              FROM paybench_map m JOIN account_move_line s ON s.move_id = {src.id}
        """)
    overrides = {
        "debit_move_id": "m.inv_line",
        "credit_move_id": "m.pay_line",
        "full_reconcile_id": "NULL",
        "exchange_move_id": "NULL",
        "max_date": "m.paid_on",
    }
    cols = columns(cr, "account_partial_reconcile")
    select = ", ".join(overrides.get(col, f's."{col}"') for col in cols)
    cr.execute(f"""
        INSERT INTO account_partial_reconcile ({", ".join(f'"{c}"' for c in cols)})
        SELECT {select} FROM paybench_map m, account_partial_reconcile s WHERE s.id = {partial.id}
    """)


def payment_rows(partner, count, start, today):
    """Payments spread over 2 years; 0-60 days to pay, due 30 days after the invoice."""
    rows = []
    for i in range(start, start + count):
        paid_on = today - timedelta(days=(i * 37) % 730)
        invoice_date = paid_on - timedelta(days=(i * 13) % 61)
        rows.append((partner, invoice_date, invoice_date + timedelta(days=30), paid_on))
    return rows


def generate(env):
    Partner = env["res.partner"]
    if Partner.search_count([("name", "=", f"{MARK} big client")]):
        return
    started = time.perf_counter()
    today = fields.Date.context_today(Partner)
    tpl = template(env)
    big = Partner.create(
        {"name": f"{MARK} big client", "is_company": True, "customer_rank": 1}
    )
    clients = Partner.create(
        [
            {"name": f"{MARK} client {i:04d}", "is_company": True, "customer_rank": 1}
            for i in range(2000)
        ]
    )
    env.flush_all()
    rows = payment_rows(big.id, 20000, 0, today)
    for n, client in enumerate(clients):
        rows += payment_rows(client.id, 10, n * 7, today)
    clone(env, tpl, rows)
    env.cr.execute(
        "SELECT setval('account_move_id_seq', (SELECT max(id) FROM account_move));"
        " SELECT setval('account_move_line_id_seq', (SELECT max(id) FROM account_move_line))"
    )
    env.cr.commit()
    env.cr.execute(
        "ANALYZE account_move; ANALYZE account_move_line;"
        " ANALYZE account_partial_reconcile; ANALYZE res_partner"
    )
    env.cr.commit()  # the statistics too (the shell rolls back at exit)
    env.invalidate_all()
    print(
        f"generated {len(rows)} paid invoices ({2 * len(rows)} moves, {len(rows)} partials)"
        f" in {time.perf_counter() - started:.0f} s"
    )


# ----------------------------------------------------------------------------------
# check
# ----------------------------------------------------------------------------------
def half_up(value, step):
    """PostgreSQL's ROUND of a numeric: half away from zero (Python's round is to even)."""
    return float(Decimal(value).quantize(Decimal(step), rounding=ROUND_HALF_UP))


def expected(env, partner_ids):
    """The figures computed in Python from the raw rows (not the module's SQL)."""
    today = fields.Date.context_today(env["res.partner"])
    env.cr.execute(
        """
        SELECT inv.commercial_partner_id, p.amount, p.max_date, inv.invoice_date,
               inv.invoice_date_due
          FROM account_partial_reconcile p
          JOIN account_move_line l ON l.id = p.debit_move_id
          JOIN account_move inv ON inv.id = l.move_id
          JOIN account_move_line c ON c.id = p.credit_move_id
          JOIN account_move pm ON pm.id = c.move_id
         WHERE inv.move_type = 'out_invoice' AND inv.state = 'posted'
           AND pm.move_type = 'entry' AND inv.commercial_partner_id IN %s
        """,
        [tuple(partner_ids)],
    )
    acc = {}
    for pid, amount, paid_on, inv_date, due in env.cr.fetchall():
        a = acc.setdefault(pid, {"w": 0, "amt": 0, "on_time": 0, "last": None})
        a["last"] = max(a["last"] or paid_on, paid_on)
        if paid_on > today - timedelta(days=WINDOW):
            a["amt"] += amount
            a["w"] += amount * max((paid_on - inv_date).days, 0)
            a["on_time"] += amount if paid_on <= due else 0
    return {
        pid: (
            half_up(a["w"] / a["amt"], "0.1") if a["amt"] else 0.0,
            half_up(100 * a["on_time"] / a["amt"], "1") if a["amt"] else 0.0,
            a["last"],
        )
        for pid, a in acc.items()
    }


def check(env, partners, all_clients):
    want = expected(env, partners.ids)
    bad = 0
    for partner in partners:
        got = (
            partner.client_avg_days_to_pay,
            partner.client_on_time_share,
            partner.client_last_payment_date,
        )
        if got != want.get(partner.id, (0.0, 0.0, False)):
            bad += 1
            print("MISMATCH", partner.name, got, want.get(partner.id))
    print(
        f"check: {len(partners)} clients, {bad} mismatches; big client:",
        (
            partners[0].client_avg_days_to_pay,
            partners[0].client_on_time_share,
            partners[0].client_last_payment_date,
        ),
    )
    # sort: the first page sorted by average days must be the 80 lowest averages
    page = all_clients.search(
        [("id", "in", all_clients.ids)], order="client_avg_days_to_pay, id", limit=80
    )
    values = sorted(expected(env, all_clients.ids).values())
    ok = [p.client_avg_days_to_pay for p in page] == [v[0] for v in values[:80]]
    print(
        "check sort by average days (page of 80 over 2,000):", "ok" if ok else "WRONG"
    )


# ----------------------------------------------------------------------------------
# measures
# ----------------------------------------------------------------------------------
def measure(env, fn):
    """(best ms, median ms, queries) of fn() with a cold record cache."""
    fn()  # warm the ormcaches and PostgreSQL buffers
    times, queries = [], 0
    for _ in range(RUNS):
        env.invalidate_all()
        before = env.cr.sql_log_count
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
        queries = env.cr.sql_log_count - before
    return min(times), statistics.median(times), queries


def explain(env, Partner, page_domain):
    """EXPLAIN ANALYZE of the big client's aggregate and of the sorted page."""
    big = Partner.search([("name", "=", f"{MARK} big client")])
    query, cols = Partner._client_payments_query()
    query.add_where(SQL("%s IN %s", cols["partner"], (big.id,)))
    for label, sql in (
        ("big client aggregate", Partner._client_payment_select(query, cols)),
        (
            "page of 80 sorted by average days",
            Partner._search(
                page_domain, order="client_avg_days_to_pay", limit=80
            ).select(),
        ),
    ):
        env.cr.execute(SQL("EXPLAIN (ANALYZE, BUFFERS) %s", sql))
        print(f"--- EXPLAIN {label}")
        print("\n".join(row[0] for row in env.cr.fetchall()))


def run(env):
    user_env = env(user=env.ref("base.user_admin").id, su=False)
    Partner = user_env["res.partner"]
    big = Partner.search([("name", "=", f"{MARK} big client")])
    page_domain = [("name", "=like", f"{MARK} client %")]
    clients = Partner.search(page_domain)
    check(user_env, big | clients[:20:4] | clients[-3:], clients)

    pay_spec = {"display_name": {}, **{f: {} for f in PAYMENT_FIGURES}}
    fig_spec = {"display_name": {}, **{f: {} for f in FIGURES}}
    stock_spec = {"display_name": {}, "total_invoiced": {}}

    def read(fnames):
        return lambda: Partner.browse(big.ids).read(fnames)

    def page(spec, order=None):
        return lambda: Partner.web_search_read(page_domain, spec, order=order, limit=80)

    cases = [
        (
            "(a) big client, 20,000 paid invoices",
            read(PAYMENT_FIGURES),
            read(FIGURES),
            read(["total_invoiced"]),
        ),
        (
            "(b) page of 80 of 2,000 clients (web_search_read, name + figures)",
            page(pay_spec),
            page(fig_spec),
            page(stock_spec),
        ),
        (
            "(c) page of 80 sorted (ours: by average days to pay / by balance due)",
            page(pay_spec, "client_avg_days_to_pay desc"),
            page(fig_spec, "client_balance_due desc"),
            # stock cannot sort on total_invoiced in SQL: all 2,000, sorted in Python
            lambda: sorted(Partner.search(page_domain), key=lambda p: p.total_invoiced)[
                -80:
            ],
        ),
    ]
    lines = [
        "| Case | payment figures: best ms (median) / queries | existing figures:"
        " best ms (median) / queries | stock total_invoiced: best ms (median) / queries |",
        "|---|---|---|---|",
    ]
    for label, *fns in cases:
        cells = []
        for fn in fns:
            best, median, queries = measure(user_env, fn)
            cells.append(f"{best:.1f} ({median:.1f}) / {queries}")
        lines.append(f"| {label} | {' | '.join(cells)} |")
    print("\n".join(lines))
    explain(user_env, Partner, page_domain)


generate(env)  # noqa: F821 (odoo shell)
run(env)  # noqa: F821

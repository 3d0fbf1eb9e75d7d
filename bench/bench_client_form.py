# ruff: noqa: F821  -- `env` is provided by `odoo-bin shell`
"""Benchmark of what a person waits for on the Clients screens, on the data set of
bench/bench_scale.py (1,000,000 documents; generate it first with that script).

How to run (after bench_scale.py has generated ch_scale, with this module upgraded):

    odoo-bin shell -c $CONF -d ch_scale --no-http --log-level=warn < bench/bench_client_form.py

Measures, server time of the ORM call the web client makes, warm ormcaches, cold record
cache, best and median of 11 runs (2 shared cores), SQL queries of a run:

  * open a client: the form's whole `web_read`, with the field spec of the Clients form
    view (from `get_views`: every field of the arch, x2many with their list's fields);
  * the Clients list page (80, sorted by balance due) and the "Overdue" filter with its
    count (`web_search_read`, as the list);
  * the payment behaviour of the big client;

for the admin (accounting rights) and a salesperson ("own documents only": live path).
"stock" is the same call with the module's fast paths off (`client_hub_stock_figures`
context: stock's computes of Invoiced, Total Receivable/Payable and DSO; the figures and
payment engines forced to their live path), or stock's own contact form view.
"""

import statistics
import time
from unittest.mock import patch

from lxml import etree

from odoo.fields import Command

RUNS = 11
MARK = "BENCH"
CLIENTS_DOMAIN = [("customer_rank", ">", 0)]
SALESMAN_LOGIN = "bench_form_salesman"


def spec_of(model, arch, models):
    """The web_read spec of a view arch: its fields, x2many with their subview's."""
    spec = {}
    for node in arch.iter("field"):
        if any(a.tag == "field" for a in node.iterancestors()):
            continue
        name = node.get("name")
        field = models[model]["fields"].get(name)
        if not field:
            continue
        if field["type"] in ("one2many", "many2many"):
            sub = next(iter(node.iter("list", "kanban")), None)
            comodel = field["relation"]
            spec[name] = {
                "fields": spec_of(comodel, sub, models) if sub is not None else {},
                "limit": 40,
            }
        elif field["type"] == "many2one":
            spec[name] = {"fields": {"display_name": {}}}
        else:
            spec[name] = {}
    return spec


def view_spec(user_env, xmlid):
    view = env.ref(xmlid)
    views = user_env["res.partner"].get_views([(view.id, "form")])
    arch = etree.fromstring(views["views"]["form"]["arch"])
    return spec_of("res.partner", arch, views["models"])


def measure(user_env, fn):
    fn()
    times = []
    for _i in range(RUNS):
        user_env.invalidate_all()
        before = user_env.cr.sql_log_count
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
        queries = user_env.cr.sql_log_count - before
    user_env.invalidate_all()
    return min(times), statistics.median(times), queries


class StockPaths:
    """The module's fast paths off: stock's computes, the engines' live path."""

    def __enter__(self):
        self.patch = patch.object(
            type(env["client_hub.figures.bucket"]), "_use_buckets", lambda self: False
        )
        self.patch.start()

    def __exit__(self, *exc):
        self.patch.stop()


def stock(fn):
    def run():
        with StockPaths():
            return fn()

    return run


def salesman():
    user = env["res.users"].search([("login", "=", SALESMAN_LOGIN)])
    if not user:
        user = env["res.users"].create(
            {
                "name": "BENCH salesman",
                "login": SALESMAN_LOGIN,
                "group_ids": [
                    Command.set([env.ref("sales_team.group_sale_salesman").id])
                ],
            }
        )
        env.cr.commit()
    return user


def run():
    rows = []
    for label, user in (
        ("admin", env.ref("base.user_admin")),
        ("salesperson", salesman()),
    ):
        rows += measure_user(label, user)
    return rows


def measure_user(label, user):
    """The rows of the table for ``user``."""
    rows = []
    user_env = env(
        user=user.id, su=False, context={"res_partner_search_mode": "customer"}
    )
    Partner = user_env["res.partner"]
    big = Partner.search([("name", "=", f"{MARK} big client")])
    tree = Partner.search([("name", "=", f"{MARK} contact tree")])
    client_spec = view_spec(user_env, "client_hub.res_partner_view_form_client")
    contact_spec = view_spec(user_env, "base.view_partner_form")
    stock_ctx = {"client_hub_stock_figures": True}
    list_spec = {
        "display_name": {},
        "client_balance_due": {},
        "client_overdue_amount": {},
    }
    overdue = [*CLIENTS_DOMAIN, ("client_is_overdue", "=", True)]

    def form(partner, spec, ctx=None):
        return lambda: partner.with_context(**(ctx or {})).web_read(spec)

    def page(domain, order=None):
        return lambda: Partner.web_search_read(
            domain, list_spec, limit=80, order=order, count_limit=10001
        )

    def behaviour():
        return Partner._client_payment_rows(big.ids)

    cases = [
        (
            "Clients form, big client (50,000 documents)",
            form(big, client_spec),
            stock(form(big, client_spec, stock_ctx)),
        ),
        (
            "Clients form, the 20,000-contact company",
            form(tree, client_spec),
            stock(form(tree, client_spec, stock_ctx)),
        ),
        (
            "stock contact form, big client",
            form(big, contact_spec),
            stock(form(big, contact_spec, stock_ctx)),
        ),
        ("payment behaviour, big client", behaviour, stock(behaviour)),
        (
            "Clients list, page of 80 sorted by balance due",
            page(CLIENTS_DOMAIN, "client_balance_due desc"),
            stock(page(CLIENTS_DOMAIN, "client_balance_due desc")),
        ),
        ("Clients list, Overdue + its count", page(overdue), stock(page(overdue))),
    ]
    for name, ours_fn, stock_fn in cases:
        if label == "salesperson" and "form" in name and "stock contact" in name:
            continue
        ours = measure(user_env, ours_fn)
        theirs = measure(user_env, stock_fn)
        row = (
            f"| {label} | {name} | {ours[0]:.1f} ({ours[1]:.1f}) / {ours[2]}"
            f" | {theirs[0]:.1f} ({theirs[1]:.1f}) / {theirs[2]}"
            f" | {theirs[0] / ours[0]:.1f}x, {theirs[1] / ours[1]:.1f}x |"
        )
        print(row, flush=True)
        rows.append(row)
    user_env.cr.rollback()
    return rows


print(
    "| user | measure | ours: best (median) ms / queries"
    " | stock paths: best (median) ms / queries | stock / ours (best, median) |\n"
    "|---|---|---|---|---|",
    flush=True,
)
run()

"""Benchmark: from Stripe's webhook to a Paid invoice, for one bank transfer (振込).

What a person waits for here is the accountant's screen turning "Paid" once the money is
in: the time from Stripe's `payment_intent.succeeded` to the invoice's payment state.

How to run (from /work/main, never on a real database: it writes invoices and payments):

    eval "$(bash tools/harness.sh env)"     # PGHOST..., CONF (the harness's Odoo configuration)
    createdb ch_whbench
    python3 /path/to/odoo-bin -c $CONF -d ch_whbench -i client_hub --stop-after-init
    python3 bench/bench_jp_webhook.py ch_whbench   # starts its own server on port 8169
    # stock Odoo on the same data: a database without client_hub
    createdb ch_whstock
    python3 /path/to/odoo-bin -c $CONF -d ch_whstock -i account_payment,payment_stripe \
        --stop-after-init
    python3 bench/bench_jp_webhook.py ch_whstock   # card only: stock has no bank transfer
    dropdb ch_whbench; dropdb ch_whstock

The script prepares RUNS invoices of ¥100,000 each for one client, each with a pending
transaction: bank transfer (client_hub, `customer_balance`), and card (stock
`payment_stripe`) as the reference. It starts Odoo (one process, no cron) and posts each
transaction's signed `payment_intent.succeeded` event to /payment/stripe/webhook, timing
the request on the client side (localhost). It then reads the invoice's payment state in
SQL. For stock's card, the webhook only marks the transaction done: the invoice is paid by
the post-processing (`_post_process`: the client's /payment/status page polling, or the
cron every 10 minutes), timed here in-process right after the webhook. Stripe's payment
method line gets an outstanding receipts account (Odoo 19's generic chart has none, and
without one a payment makes no journal entry: the invoice stays unpaid until the bank
statement is matched).
"""

import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request

import odoo
from odoo import SUPERUSER_ID, api
from odoo.fields import Command
from odoo.modules.registry import Registry

RUNS = 11
PORT = 8169
SECRET = "whsec_bench"
MARK = "WHBENCH"


def _env(cr):
    return api.Environment(cr, SUPERUSER_ID, {})


def prepare(dbname):
    """Create the invoices and pending transactions (committed); return their ids."""
    with Registry(dbname).cursor() as cr:
        env = _env(cr)
        jpy = env.ref("base.JPY")
        jpy.active = True
        if not jpy.rate_ids:
            env["res.currency.rate"].create({"currency_id": jpy.id, "rate": 150.0})
        provider = env.ref("payment.payment_provider_stripe")
        pm_bank = env.ref("client_hub.payment_method_jp_bank_transfer", False)
        pm_card = env.ref("payment.payment_method_card")
        methods = [("card", pm_card)]
        if pm_bank:  # client_hub installed
            methods.insert(0, ("bank", pm_bank))
        provider.write(
            {
                "state": "test",
                "stripe_publishable_key": "pk_test_bench",
                "stripe_secret_key": "sk_test_bench",
                "stripe_webhook_secret": SECRET,
                "payment_method_ids": [Command.link(pm.id) for _code, pm in methods],
            }
        )
        for _code, pm in methods:
            pm.active = True
        # Odoo 19's generic chart sets no outstanding receipts account: a payment then has no
        # journal entry and the invoice stays unpaid until the bank statement is matched. Set
        # one on Stripe's payment method line, as an accountant does to see invoices paid.
        line = env["account.payment.method.line"].search(
            [("payment_provider_id", "=", provider.id)], limit=1
        )
        if not line.payment_account_id:
            line.payment_account_id = env["account.account"].create(
                {
                    "name": "Outstanding Receipts (bench)",
                    "code": "101499",
                    "account_type": "asset_current",
                    "reconcile": True,
                }
            )
        client = env["res.partner"].create(
            {
                "name": f"{MARK} 株式会社ベンチ",
                "is_company": True,
                "email": "b@bench.example",
            }
        )
        if pm_bank:
            client.client_hub_stripe_customer_id = "cus_bench"
        runs = {}
        for method, pm in methods:
            runs[method] = []
            for _index in range(RUNS):
                invoice = env["account.move"].create(
                    {
                        "move_type": "out_invoice",
                        "partner_id": client.id,
                        "currency_id": jpy.id,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": "振込ベンチ",
                                    "price_unit": 100000,
                                    "tax_ids": [],
                                }
                            )
                        ],
                    }
                )
                invoice.action_post()
                reference = f"{MARK}-{method}-{invoice.id}"
                tx = env["payment.transaction"].create(
                    {
                        "provider_id": provider.id,
                        "payment_method_id": pm.id,
                        "amount": invoice.amount_residual,
                        "currency_id": jpy.id,
                        "partner_id": client.id,
                        "reference": reference,
                        "provider_reference": f"pi_{reference}",
                        "operation": "online_direct",
                        "invoice_ids": [Command.set(invoice.ids)],
                    }
                )
                tx._set_pending()
                runs[method].append((tx.id, invoice.id, reference))
        cr.commit()
        return runs


def _event(reference, method):
    intent = {
        "id": f"pi_{reference}",
        "object": "payment_intent",
        "description": reference,
        "status": "succeeded",
        "amount": 100000,
        "amount_received": 100000,
        "currency": "jpy",
        "customer": "cus_bench",
        "payment_method": "pm_bench",
    }
    if method == "card":
        intent.pop("customer")
    return json.dumps(
        {
            "id": f"evt_{reference}",
            "object": "event",
            "type": "payment_intent.succeeded",
            "data": {"object": intent},
        }
    ).encode()


def _post(body):
    t = int(time.time())
    signature = hmac.new(
        SECRET.encode(), f"{t}.".encode() + body, hashlib.sha256
    ).hexdigest()
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}/payment/stripe/webhook",
        data=body,
        headers={
            "Content-Type": "application/json",
            "Stripe-Signature": f"t={t},v1={signature}",
        },
    )
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
        status = response.status
    return (time.perf_counter() - start) * 1000, status


def _payment_state(dbname, invoice_id):
    with Registry(dbname).cursor() as cr:
        cr.execute("SELECT payment_state FROM account_move WHERE id = %s", [invoice_id])
        return cr.fetchone()[0]


def _post_process(dbname, tx_id):
    start = time.perf_counter()
    with Registry(dbname).cursor() as cr:
        _env(cr)["payment.transaction"].browse(tx_id)._post_process()
    return (time.perf_counter() - start) * 1000


def main():
    dbname = sys.argv[1]
    config = os.environ.get("CONF")
    odoo.tools.config.parse_config(["-c", config] if config else [])
    runs = prepare(dbname)
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, odoo.cli.command as c; sys.argv[0] = 'odoo'; c.main()",
            "server",
            *(["-c", config] if config else []),
            "-d",
            dbname,
            f"--http-port={PORT}",
            "--workers=0",
            "--max-cron-threads=0",
            "--log-level=warn",
            f"--db-filter=^{dbname}$",
        ],
    )
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/web/health", timeout=2)
                break
            except OSError:
                if server.poll() is not None:
                    raise SystemExit("the server did not start") from None
                time.sleep(1)
        _post(_event("warmup-unknown", "bank"))  # no such transaction: warms the worker
        results = {}
        for method, txs in runs.items():
            webhook, post, states = [], [], []
            for tx_id, invoice_id, reference in txs:
                elapsed, status = _post(_event(reference, method))
                assert status == 200, status
                webhook.append(elapsed)
                state_after_webhook = _payment_state(dbname, invoice_id)
                if state_after_webhook not in ("paid", "in_payment"):
                    post.append(_post_process(dbname, tx_id))
                states.append((state_after_webhook, _payment_state(dbname, invoice_id)))
            results[method] = (webhook, post, states)
    finally:
        server.terminate()
        server.wait(30)
    print(
        f"\n{RUNS} runs each, ¥100,000 invoice, signed payment_intent.succeeded (ms):"
    )
    print(
        "| Path | webhook: best (median) | state after the webhook | "
        "then post-processing: best (median) | state then |"
    )
    print("|---|---|---|---|---|")
    for method, (webhook, post, states) in results.items():
        label = f"{method} ({dbname})"
        post_text = (
            f"{min(post):.1f} ({statistics.median(post):.1f})" if post else "not needed"
        )
        print(
            f"| {label} | {min(webhook):.1f} ({statistics.median(webhook):.1f}) | "
            f"{sorted({s[0] for s in states})} | {post_text} | "
            f"{sorted({s[1] for s in states})} |"
        )


if __name__ == "__main__":
    main()

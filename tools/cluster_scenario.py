"""The scenario of the multi-server cluster (`tools/cluster.sh scenario`, after `up`).

Server A and B (prefork, one cron worker on A), a PostgreSQL primary and its hot standby,
and an SMTP sink, as tools/cluster.sh starts them. Each line checks one behaviour across
both servers; the table says what held, with its figures, and the exit code is 1 when a
line failed.

Clients, invoices and Stripe transactions are made through the ORM, in this process, on the
primary (as `odoo shell` would); their names carry a run tag, so the scenario repeats on one
database. Everything else goes over HTTP to A and B, as browsers and Stripe would. Stripe
is never called: a `payment_intent.succeeded` event carries the whole PaymentIntent, and
`payment_stripe` calls Stripe's API while processing it only for transactions that save a
card (`tokenize`), which these do not.
"""

import email
import email.policy
import hashlib
import hmac
import io
import json
import logging
import math
import os
import re
import secrets
import statistics
import sys
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from html import unescape

import psycopg2
import requests

from odoo import SUPERUSER_ID, api, fields
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.tools import config

CLUSTER = os.environ["CLUSTER_DIR"]
DB = os.environ["CLUSTER_DB"]
URL_A = os.environ["CLUSTER_URL_A"]
URL_B = os.environ["CLUSTER_URL_B"]
SERVERS = {URL_A: "A", URL_B: "B"}
PGHOST = os.environ["CLUSTER_PGHOST"]
PRIMARY_PORT = os.environ["CLUSTER_PRIMARY_PORT"]
REPLICA_PORT = os.environ["CLUSTER_REPLICA_PORT"]
MAIL_DIR = os.path.join(CLUSTER, "mail")
LOGS = {"A": f"{CLUSTER}/logs/odoo-a.log", "B": f"{CLUSTER}/logs/odoo-b.log"}

RUN = time.strftime("%H%M%S") + secrets.token_hex(2)
WEBHOOK = "/payment/stripe/webhook"
CLIENTS = 10
WEBHOOK_INVOICES = 50
SOLO_WEBHOOKS = 5  # delivered one at a time: the cost of one webhook without queueing
TARGET_P95 = float(os.environ.get("CLUSTER_TARGET_P95", "1.0"))  # s, webhook -> Paid
TIMEOUT = 180  # seconds, for the cron's work (e-mail, PDFs)
CONTEXT = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
MAGIC_RE = re.compile(r"/client/magic/[A-Za-z0-9_\-]+(?:\?[^\"'\s<>]*)?")
# werkzeug's request line: status, size, then Odoo's query count, query time and other time,
# and the cursor mode when a replica is configured
REQUEST_RE = re.compile(
    r'"(GET|POST) (\S+) HTTP/[0-9.]+" (\d+) \S+ (\d+) ([0-9.]+) ([0-9.]+) (ro|rw|ro->rw|-)\s*$'
)
PAID = ("paid", "in_payment")


# ---------------------------------------------------------------------------------------------
# Means: the ORM on the primary, the replica, the servers' logs, the mail sink, HTTP
# ---------------------------------------------------------------------------------------------
def load_registry():
    config.parse_config(
        ["-c", f"{CLUSTER}/odoo-a.conf", "--logfile", f"{CLUSTER}/logs/scenario.log"],
        setup_logging=True,
    )
    logging.getLogger("odoo").setLevel(logging.WARNING)
    return Registry(DB)


@contextmanager
def orm():
    """An environment on the primary (superuser), committed at the end."""
    with REGISTRY.cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, CONTEXT)


def pg(port, query):
    """The first row of a query, on the primary or the replica (by port)."""
    cnx = psycopg2.connect(host=PGHOST, port=port, dbname=DB, user="odoo")
    try:
        with cnx.cursor() as cr:
            cr.execute(query)
            return cr.fetchone()
    finally:
        cnx.close()


def wait_replica(timeout=30):
    """Wait until the replica has replayed what the primary wrote so far; return the wait."""
    start = time.perf_counter()
    (lsn,) = pg(PRIMARY_PORT, "SELECT pg_current_wal_lsn()::text")
    while time.perf_counter() - start < timeout:
        (behind,) = pg(
            REPLICA_PORT,
            f"SELECT pg_wal_lsn_diff('{lsn}', pg_last_wal_replay_lsn()) > 0",
        )
        if not behind:
            return time.perf_counter() - start
        time.sleep(0.005)
    raise AssertionError("the replica did not catch up in 30 s")


def replica_transactions():
    return pg(
        REPLICA_PORT,
        f"SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '{DB}'",
    )[0]


class Logs:
    """The lines the servers log from now on."""

    def __init__(self):
        self.offsets = {name: os.path.getsize(path) for name, path in LOGS.items()}

    def lines(self, name):
        with open(LOGS[name], errors="replace") as file:
            file.seek(self.offsets[name])
            return file.read().splitlines()

    def all_lines(self):
        return [(name, line) for name in LOGS for line in self.lines(name)]

    def count(self, needle):
        return sum(needle in line for _name, line in self.all_lines())

    def requests(self, path_prefix):
        """(server, method, path, status, cursor mode) of the requests logged for a path."""
        return [
            (name, *match[:3], match[-1]) for name, match in self._matches(path_prefix)
        ]

    def server_times(self, path_prefix):
        """The seconds the servers spent on each request logged for a path."""
        return [
            float(match[4]) + float(match[5])
            for _name, match in self._matches(path_prefix)
        ]

    def _matches(self, path_prefix):
        for name, line in self.all_lines():
            match = REQUEST_RE.search(line)
            if match and match.group(2).startswith(path_prefix):
                yield name, match.groups()


def wait_mail(recipient, since, timeout=TIMEOUT):
    """Return the first message the sink stored for ``recipient`` after ``since``."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for name in sorted(os.listdir(MAIL_DIR)):
            if not name.endswith(".eml") or float(name.split("-")[0]) < since:
                continue
            with open(os.path.join(MAIL_DIR, name), "rb") as file:
                message = email.message_from_binary_file(
                    file, policy=email.policy.default
                )
            if recipient in message.get_all("X-Sink-Rcpt-To", []):
                return message
        time.sleep(0.2)
    raise AssertionError(f"no e-mail to {recipient} within {timeout} s")


def message_text(message):
    return "\n".join(
        part.get_content()
        for part in message.walk()
        if part.get_content_type() in ("text/plain", "text/html")
    )


def csrf_of(session, url):
    response = session.get(url, timeout=60)
    response.raise_for_status()
    match = CSRF_RE.search(response.text)
    assert match, f"no form on {url}"
    return match.group(1), response


def stripe_event(tx):
    """A payment_intent.succeeded event carrying the whole PaymentIntent, as Stripe sends it."""
    return json.dumps(
        {
            "id": f"evt_{tx['reference']}",
            "object": "event",
            "type": "payment_intent.succeeded",
            "data": {
                "object": {
                    "id": f"pi_{tx['reference']}",
                    "object": "payment_intent",
                    "description": tx["reference"],
                    "status": "succeeded",
                    "amount": tx["amount_minor"],
                    "currency": tx["currency"],
                    "payment_method": {
                        "id": f"pm_{tx['reference']}",
                        "type": "card",
                        "card": {"brand": "visa"},
                    },
                }
            },
        }
    ).encode()


def deliver(url, payload, secret, barrier=None):
    """POST a signed event to a server; return (status, seconds until the answer)."""
    timestamp = int(time.time())
    signature = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256
    ).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "Stripe-Signature": f"t={timestamp},v1={signature}",
    }
    if barrier:
        barrier.wait()
    start = time.perf_counter()
    response = requests.post(url + WEBHOOK, data=payload, headers=headers, timeout=120)
    return response.status_code, time.perf_counter() - start


def percentile(values, q):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


# ---------------------------------------------------------------------------------------------
# The lines
# ---------------------------------------------------------------------------------------------
class Scenario:
    def __init__(self):
        self.rows = []
        self.client_session = None  # signed in as the client on B, in line 1
        self.txs = []
        self.secret = None

    def line(self, title, check):
        start = time.perf_counter()
        try:
            ok, figure = check()
        except Exception as error:  # a line that breaks fails, the next ones still run
            ok, figure = False, f"{type(error).__name__}: {error}"
        self.rows.append((title, ok, figure, time.perf_counter() - start))
        print(f"  {'ok  ' if ok else 'FAIL'} {title}: {figure}", file=sys.stderr)
        return ok

    # -- setup ------------------------------------------------------------------------------
    def setup_clients(self):
        with orm() as env:
            # A throwaway database: start each run with fresh rate-limit windows.
            env.cr.execute("DELETE FROM client_hub_rate_limit")
            companies = env["res.partner"].create(
                [
                    {
                        "name": f"Cluster {RUN} Client {i:02d}",
                        "is_company": True,
                        "customer_rank": 1,
                        "email": f"accounts{i:02d}-{RUN}@cluster.example.com",
                    }
                    for i in range(CLIENTS)
                ]
            )
            contact = env["res.partner"].create(
                {
                    "name": f"Carla {RUN}",
                    "parent_id": companies[0].id,
                    "email": f"carla-{RUN}@cluster.example.com",
                }
            )
            self.company_ids = companies.ids
            self.client_name = (
                contact.name
            )  # shown in the portal's header once signed in
            self.client_email = contact.email
            Limit = env["client_hub.rate.limit"]
            self.limits = {
                kind: Limit._get_limit(kind) for kind in ("request_email", "request_ip")
            }

    def setup_invoices(self):
        """One open invoice per transaction: 5 per client for the burst, one more of the
        first client for the duplicate event; a Stripe transaction for each."""
        with orm() as env:
            today = fields.Date.context_today(env.user)
            partners = env["res.partner"].browse(self.company_ids)
            vals = [
                {
                    "move_type": "out_invoice",
                    "partner_id": partners[i % CLIENTS].id,
                    "invoice_date": today,
                    "invoice_date_due": today + timedelta(days=30),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": f"Cluster service {RUN}-{i}",
                                "quantity": 1,
                                "price_unit": 100 + i,
                                "tax_ids": [Command.set([])],
                            }
                        )
                    ],
                }
                for i in range(WEBHOOK_INVOICES + SOLO_WEBHOOKS + 1)
            ]
            invoices = env["account.move"].create(vals)
            invoices.action_post()
            stripe = env.ref("payment.payment_provider_stripe")
            self.secret = stripe.stripe_webhook_secret
            card = env.ref("payment.payment_method_card")
            for i, invoice in enumerate(invoices):
                tx = env["payment.transaction"].create(
                    {
                        "provider_id": stripe.id,
                        "payment_method_id": card.id,
                        "reference": f"CLU{RUN}-{i:02d}",
                        "amount": invoice.amount_total,
                        "currency_id": invoice.currency_id.id,
                        "partner_id": invoice.partner_id.id,
                        "operation": "online_direct",
                        "invoice_ids": [Command.set(invoice.ids)],
                    }
                )
                self.txs.append(
                    {
                        "id": tx.id,
                        "reference": tx.reference,
                        "invoice_id": invoice.id,
                        "amount": invoice.amount_total,
                        "amount_minor": round(invoice.amount_total * 100),
                        "currency": invoice.currency_id.name.lower(),
                    }
                )
            self.zip_invoice_ids = invoices.filtered(
                lambda inv: inv.partner_id == partners[0]
            ).ids

    # -- 1. sign-in link --------------------------------------------------------------------
    def check_magic_link(self):
        since = time.time()
        browser_a = requests.Session()
        csrf, _page = csrf_of(browser_a, URL_A + "/client/login")
        asked = browser_a.post(
            URL_A + "/client/login",
            data={"email": self.client_email, "csrf_token": csrf},
            timeout=60,
        )
        assert asked.status_code == 200, f"asking on A answered {asked.status_code}"
        message = wait_mail(self.client_email, since)
        mailed = time.time() - since
        link = unescape(MAGIC_RE.search(message_text(message)).group(0))
        logs = Logs()
        browser_b = requests.Session()
        csrf, page = csrf_of(browser_b, URL_B + link)
        redirect = page.text.split('name="redirect" value="')[1].split('"')[0]
        signed_in = browser_b.post(
            URL_B + link.split("?")[0],
            data={"csrf_token": csrf, "redirect": unescape(redirect)},
            allow_redirects=False,
            timeout=60,
        )
        assert signed_in.status_code == 303, (
            f"sign-in on B answered {signed_in.status_code}"
        )
        # followed at once, as a browser does: a read-only page, on the replica
        statement_b = browser_b.get(URL_B + signed_in.headers["Location"], timeout=60)
        assert statement_b.url.endswith("/my/statement"), f"B sent to {statement_b.url}"
        assert self.client_name in statement_b.text, (
            "B does not show the client's statement"
        )
        # the same session cookie on A: sessions live in the shared data_dir
        browser_a.cookies.clear()
        browser_a.cookies.update(browser_b.cookies)
        statement_a = browser_a.get(URL_A + "/my/statement", timeout=60)
        assert self.client_name in statement_a.text, "A does not know B's session"
        self.client_session = browser_b
        modes = [f"{name} {mode}" for name, *_r, mode in logs.requests("/my/statement")]
        return True, (
            f"asked on A, e-mailed by A's cron in {mailed:.1f} s, signed in on B "
            f"(303 -> {signed_in.headers['Location']}), same session served by A; "
            f"statement right after sign-in: {', '.join(modes)}"
        )

    # -- 2. rate limits across servers ------------------------------------------------------
    def ask_link(self, url, address):
        browser = requests.Session()
        csrf, _page = csrf_of(browser, url + "/client/login")
        return browser.post(
            url + "/client/login",
            data={"email": address, "csrf_token": csrf},
            timeout=60,
        ).status_code

    def check_rate_limits(self):
        with orm() as env:
            env.cr.execute("DELETE FROM client_hub_rate_limit")
        per_email, per_ip = self.limits["request_email"], self.limits["request_ip"]
        urls = [URL_A, URL_B]
        address = f"limited-{RUN}@cluster.example.com"
        by_email = [self.ask_link(urls[i % 2], address) for i in range(per_email + 1)]
        expected = [200] * per_email + [429]
        assert by_email == expected, f"one address over A,B,A...: {by_email}"
        # the IP counter already holds per_email + 1 requests: fill it up with new addresses
        left = per_ip - (per_email + 1)
        by_ip = [
            self.ask_link(urls[i % 2], f"other{i}-{RUN}@cluster.example.com")
            for i in range(left + 2)
        ]
        assert by_ip == [200] * left + [429, 429], f"one IP over A,B,A...: {by_ip}"
        return True, (
            f"one address: {per_email} accepted, #{per_email + 1} refused (429); one IP: "
            f"{per_ip} accepted, #{per_ip + 1} refused; requests alternated A/B"
        )

    # -- PDFs: the cron on A renders the invoices posted in the setup ------------------------
    def wait_pdfs(self):
        start = time.perf_counter()
        while time.perf_counter() - start < TIMEOUT:
            with orm() as env:
                moves = env["account.move"].browse(
                    [tx["invoice_id"] for tx in self.txs]
                )
                missing = moves.filtered(lambda move: not move.invoice_pdf_report_id)
                if not missing:
                    return time.perf_counter() - start
            time.sleep(0.5)
        raise AssertionError(
            f"{len(missing)} PDFs still not rendered after {TIMEOUT} s"
        )

    # -- 3. one event, two servers, same instant --------------------------------------------
    def check_duplicate_event(self):
        tx = self.txs[-1]
        payload = stripe_event(tx)
        barrier = threading.Barrier(2)
        logs = Logs()
        with ThreadPoolExecutor(2) as pool:
            answers = list(
                pool.map(
                    lambda url: deliver(url, payload, self.secret, barrier), SERVERS
                )
            )
        assert all(status == 200 for status, _t in answers), f"answers: {answers}"
        with orm() as env:
            payments = env["account.payment"].search(
                [("payment_transaction_id", "=", tx["id"])]
            )
            invoice = env["account.move"].browse(tx["invoice_id"])
            state = invoice.payment_state
            assert len(payments) == 1, f"{len(payments)} payments for one event"
            assert state in PAID and invoice.amount_residual == 0, f"invoice {state}"
        retries = logs.count("tries left")
        return True, (
            f"A {answers[0][1] * 1000:.0f} ms, B {answers[1][1] * 1000:.0f} ms, both 200; "
            f"1 payment, invoice {state}; {retries} serialization retr{'y' if retries == 1 else 'ies'}"
        )

    # -- 4. 50 events at once over both servers ---------------------------------------------
    def check_burst(self):
        burst = self.txs[:WEBHOOK_INVOICES]
        urls = list(SERVERS)
        barrier = threading.Barrier(len(burst))
        logs = self.burst_logs = Logs()
        start = time.perf_counter()
        with ThreadPoolExecutor(len(burst)) as pool:
            answers = list(
                pool.map(
                    lambda i: deliver(
                        urls[i % 2], stripe_event(burst[i]), self.secret, barrier
                    ),
                    range(len(burst)),
                )
            )
        self.burst_seconds = time.perf_counter() - start
        self.latencies = [seconds for _status, seconds in answers]
        statuses = [status for status, _seconds in answers]
        assert statuses.count(200) == len(burst), f"answers: {statuses}"
        with orm() as env:
            payments = env["account.payment"].search(
                [("payment_transaction_id", "in", [tx["id"] for tx in burst])]
            )
            per_tx = {tx["id"]: 0 for tx in burst}
            for payment in payments:
                per_tx[payment.payment_transaction_id.id] += 1
            invoices = env["account.move"].browse([tx["invoice_id"] for tx in burst])
            paid = invoices.filtered(
                lambda inv: inv.payment_state in PAID and inv.amount_residual == 0
            )
            twice = [ref for ref, count in per_tx.items() if count > 1]
            assert not twice, f"paid twice: {twice}"
            assert len(paid) == len(burst), f"{len(paid)}/{len(burst)} invoices paid"
            amounts_ok = all(
                payment.amount == payment.payment_transaction_id.amount
                for payment in payments
            )
            assert amounts_ok, "a payment's amount differs from its transaction's"
        retries = logs.count("tries left")
        served = dict.fromkeys(LOGS, 0)
        for name, *_rest in logs.requests(WEBHOOK):
            served[name] += 1
        return True, (
            f"{len(paid)}/{len(burst)} invoices Paid, {len(payments)} payments (none twice); "
            f"served A {served['A']}, B {served['B']}; {retries} serialization retries"
        )

    def check_solo(self):
        """One webhook at a time, alternating servers: the latency without queueing, and
        what it implies for a burst on this machine's cores."""
        solo = self.txs[WEBHOOK_INVOICES : WEBHOOK_INVOICES + SOLO_WEBHOOKS]
        urls = list(SERVERS)
        latencies = []
        for i, tx in enumerate(solo):
            status, seconds = deliver(urls[i % 2], stripe_event(tx), self.secret)
            assert status == 200, f"answer {status}"
            latencies.append(seconds)
        with orm() as env:
            invoices = env["account.move"].browse([tx["invoice_id"] for tx in solo])
            paid = invoices.filtered(
                lambda inv: inv.payment_state in PAID and inv.amount_residual == 0
            )
            assert len(paid) == len(solo), f"{len(paid)}/{len(solo)} invoices paid"
        median = statistics.median(latencies)
        cores = os.cpu_count() or 1
        self.solo_median = median
        return True, (
            f"{len(solo)} webhooks one by one, all Paid at the answer: median "
            f"{median * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms; {WEBHOOK_INVOICES} at "
            f"once need >= {WEBHOOK_INVOICES} x {median * 1000:.0f} ms / {cores} cores = "
            f"{WEBHOOK_INVOICES * median / cores:.1f} s of work before the last is Paid"
        )

    def check_latency(self):
        """Delivery to answer: the answer comes once the paid invoice is committed. With
        every event sent at once, most of it is waiting for one of the four workers."""
        p50 = statistics.median(self.latencies)
        p95 = percentile(self.latencies, 0.95)
        served = statistics.median(self.burst_logs.server_times(WEBHOOK))
        rate = len(self.latencies) / self.burst_seconds
        return p95 <= TARGET_P95, (
            f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max "
            f"{max(self.latencies) * 1000:.0f} ms (target p95 <= {TARGET_P95 * 1000:.0f} ms); "
            f"server time per webhook: median {served * 1000:.0f} ms; {rate:.1f} webhooks/s"
        )

    # -- 5. read-only pages on the replica --------------------------------------------------
    def check_replica_pages(self):
        assert self.client_session, "needs the client signed in by line 1"
        lag = wait_replica()
        cookies = self.client_session.cookies
        visitor = requests.Session()
        pages = [
            (URL_A, "/my/statement", cookies),
            (URL_B, "/my/statement", cookies),
            (URL_B, "/my/statement/page/1", cookies),
            (URL_A, "/my/statement/pdf", cookies),
            (URL_B, "/my/tickets", cookies),
            (URL_A, "/my/tickets/new", cookies),
            (URL_A, "/client/login", None),
            (URL_B, "/client/login", None),
        ]
        logs = Logs()
        before = replica_transactions()
        for url, path, jar in pages:
            browser = requests.Session() if jar else visitor
            if jar:
                browser.cookies.update(jar)
            response = browser.get(url + path, timeout=120, allow_redirects=False)
            assert response.status_code == 200, (
                f"{SERVERS[url]} {path}: {response.status_code}"
            )
        time.sleep(1.5)  # PostgreSQL publishes its statistics about once a second
        served = replica_transactions() - before
        modes = {}
        for path in dict.fromkeys(path for _url, path, _jar in pages):
            for name, _method, logged, _status, mode in logs.requests(path):
                if logged.split("?")[0] == path:
                    modes[f"{name} {path}"] = mode
        not_ro = {page: mode for page, mode in modes.items() if mode != "ro"}
        assert len(modes) == len(pages), f"{len(modes)} of {len(pages)} requests logged"
        assert not not_ro, f"not served read-only: {not_ro}"
        fallbacks = logs.count("retrying with a read/write cursor") + logs.count(
            "Failed to open a readonly cursor"
        )
        assert not fallbacks, f"{fallbacks} fallbacks to the primary logged"
        assert served >= len(pages), f"the replica ran {served} transactions"
        return True, (
            f"{len(pages)} GETs on A and B all 'ro', 0 fallback logged; replica +{served} "
            f"transactions; replica caught up in {lag * 1000:.0f} ms"
        )

    # -- 6. ZIP on B of the PDFs the cron rendered on A -------------------------------------
    def check_zip(self):
        assert self.client_session, "needs the client signed in by line 1"
        browser = self.client_session
        csrf, _page = csrf_of(browser, URL_B + "/my/statement")
        response = browser.post(
            URL_B + "/my/statement/download",
            data=[("invoice_ids", str(i)) for i in self.zip_invoice_ids]
            + [("csrf_token", csrf)],
            allow_redirects=False,
            timeout=120,
        )
        assert response.status_code == 200, (
            f"download on B answered {response.status_code}"
        )
        archive = zipfile.ZipFile(io.BytesIO(response.content))
        with orm() as env:
            moves = env["account.move"].browse(self.zip_invoice_ids)
            stored = {
                move._client_hub_zip_entry_name(): move.invoice_pdf_report_id.raw
                for move in moves
            }
            env.cr.execute(
                "SELECT COUNT(*) FROM client_hub_rate_limit WHERE key LIKE 'zip_render:%'"
            )
            renders = env.cr.fetchone()[0]
        same = {name: archive.read(name) == pdf for name, pdf in stored.items()}
        assert sorted(archive.namelist()) == sorted(stored), archive.namelist()
        assert all(same.values()), f"differs from the stored PDF: {same}"
        assert not renders, "B rendered PDFs for the ZIP"
        crons = dict.fromkeys(LOGS, 0)
        for name, line in self.cron_logs.all_lines():
            crons[name] += "render and store the PDFs" in line and "starting" in line
        assert crons["A"] and not crons["B"], f"PDF cron runs logged: {crons}"
        return True, (
            f"{len(stored)} PDFs in the ZIP from B = the PDFs stored by A's cron "
            f"({crons['A']} runs on A, 0 on B, {self.pdf_wait:.1f} s after posting); "
            f"nothing rendered on B; {len(response.content) // 1024} KiB"
        )

    # -- servers' health ---------------------------------------------------------------------
    def check_logs(self):
        """No error logged, but werkzeug's "Request timed out": wkhtmltopdf, fetching a PDF's
        assets from A, leaves keep-alive connections idle, which a prefork worker drops
        after 2 s (ODOO_HTTP_SOCKET_TIMEOUT) with that line, at ERROR (Odoo's tests lower it
        to INFO). Counted, not failed."""
        lines = self.run_logs.all_lines()
        timeouts = sum("Request timed out" in line for _name, line in lines)
        errors = [
            f"{name}: {line[:160]}"
            for name, line in lines
            if (" ERROR " in line or " CRITICAL " in line or "api.stripe.com" in line)
            and "Request timed out" not in line
        ]
        assert not errors, f"{len(errors)} lines, first: {errors[0]}"
        return True, (
            "no ERROR, CRITICAL or call to api.stripe.com in A's and B's logs "
            f"({timeouts} idle keep-alive connections of wkhtmltopdf dropped)"
        )

    # -- the run -----------------------------------------------------------------------------
    def run(self):
        self.run_logs = Logs()
        self.setup_clients()
        self.line(
            "1. sign-in link asked on A, e-mailed, works on B", self.check_magic_link
        )
        self.line("2. rate limits hold across A and B", self.check_rate_limits)
        self.cron_logs = Logs()
        self.setup_invoices()
        self.pdf_wait = self.wait_pdfs()
        self.line(
            "3. one Stripe event to A and B at once pays once",
            self.check_duplicate_event,
        )
        burst_ok = self.line(
            f"4. {WEBHOOK_INVOICES} signed webhooks over A and B: all Paid, none twice",
            self.check_burst,
        )
        if burst_ok:
            self.line("4b. webhook -> Paid latency", self.check_latency)
        self.line("4c. one webhook at a time (no queue)", self.check_solo)
        self.line(
            "5. read-only portal pages served by the replica", self.check_replica_pages
        )
        self.line("6. ZIP on B of the PDFs rendered by the cron on A", self.check_zip)
        self.line("7. servers' logs clean", self.check_logs)
        return self.report()

    def report(self):
        width = max(len(title) for title, *_rest in self.rows)
        print(f"\nclient_hub cluster scenario, run {RUN} ({DB}, A {URL_A}, B {URL_B})")
        print(f"{'line':<{width}}  result  time    figure")
        for title, ok, figure, seconds in self.rows:
            print(
                f"{title:<{width}}  {'ok' if ok else 'FAIL':<6}  {seconds:5.1f}s  {figure}"
            )
        failed = sum(not ok for _title, ok, *_rest in self.rows)
        print(f"{len(self.rows) - failed} of {len(self.rows)} lines hold")
        return 1 if failed else 0


if __name__ == "__main__":
    REGISTRY = load_registry()
    sys.exit(Scenario().run())

"""Malformed input on every route of the module: a 4xx, a redirect or a page, never a 500."""

import inspect
import logging
import re
import threading
import time
import traceback
from unittest.mock import patch
from urllib.parse import quote, urlencode, urlsplit

from werkzeug import exceptions as http_exceptions

from odoo.fields import Command
from odoo.http import Request
from odoo.tests import tagged

from odoo.addons.client_hub.const import DEFAULT_RATE_LIMITS as DEFAULT_LIMITS
from odoo.addons.payment_stripe.controllers.main import StripeController

from .common import ClientHubHttpCommon, StatementCommon, StatementHttpMixin

_logger = logging.getLogger(__name__)

MODULE_PREFIX = "odoo.addons.client_hub."
SELECTION_SIZE = 10_000
OVERSIZED = (
    object()
)  # stands for a selection of SELECTION_SIZE ids, joined as the parameter expects
VALID = object()  # nothing fuzzed: every converter and parameter valid
FOREIGN = (
    object()
)  # stands for the id of another client's record, as the parameter expects
REPEATED = object()  # the parameter twice: its valid value, then another client's id

MALFORMED_VALUES = [
    ("superscript two", "²"),
    ("exponent", "1e5"),
    ("negative", "-1"),
    ("zero", "0"),
    ("30 digits", "9" * 30),
    ("letters", "abc"),
    ("semicolon list", "1;2"),
    ("NUL", "\x00"),
    ("accent", "é"),
    ("CJK", "請求書"),
    ("emoji", "😀"),
    ("right-to-left override", "\u202e1"),
    ("full-width digits", "１２３"),
    ("empty", ""),
    ("5000 digits", "1" * 5000),
    (f"{SELECTION_SIZE} ids", OVERSIZED),
    ("another client's id", FOREIGN),
    ("repeated key", REPEATED),
]
# Parameters that name a record: a request with a malformed or foreign one writes nothing
# (no ticket, transaction, message, decline, link...), whatever the others hold.
ID_TARGETS = {
    "page",
    "ticket_id",
    "selection",
    "order_id",
    "token",
    "invoice_ids",
    "invoice_id",
    "sale_order_id",
    "provider_id",
    "payment_method_id",
    "partner_id",
    "ids",
}
# ...but for these, left empty, is "none" (a ticket about no invoice is a ticket).
OPTIONAL_IDS = {"invoice_id", "sale_order_id"}
# JSON-RPC parameters also arrive typed.
MALFORMED_JSON_VALUES = [
    ("null", None),
    ("list", [1, 2]),
    ("object", {"id": 1}),
    ("true", True),
    ("30-digit int", 10**30),
]

ARCHIVE_PARAMS = (
    "date_from",
    "date_to",
    "amount_min",
    "amount_max",
    "partner_id",
    "document_type",
    "ids",
)
# Parameters a route reads from the request besides the ones named in its signature
# (form fields read through `**kw` or `request.httprequest.form`).
EXTRA_PARAMS = {
    "/my/statement/pay": ("invoice_ids",),
    "/my/statement/download": ("invoice_ids",),
    "/my/statement/transaction/<string:selection>": (
        "provider_id",
        "payment_method_id",
        "token_id",
        "flow",
        "tokenization_requested",
        "landing_route",
        "is_validation",
    ),
    "/my/tickets/new": (
        "name",
        "subject",
        "description",
        "invoice_id",
        "sale_order_id",
    ),
    "/my/tickets/<int:ticket_id>": ("created",),
    "/client_hub/archive/csv": ARCHIVE_PARAMS,
    "/client_hub/archive/zip": ARCHIVE_PARAMS,
}
# Routes for staff only: "client" is then an internal user (portal users get a 404, see
# test_isolation_matrix).
STAFF_ROUTES = {"/client_hub/archive/csv", "/client_hub/archive/zip"}
# Routes whose GET ignores every parameter (it only shows a form): fuzzed on POST only.
# (/my/tickets/new reads `invoice_id` on GET: "Ask about this invoice".)
PARAMS_IGNORED_ON_GET = set()
# Form fields sent once per id (`getlist`); other selections are joined with a separator.
LIST_PARAMS = {"invoice_ids"}
SEPARATORS = {"selection": "-"}
MAX_REQUEST_LINE = 65_000  # http.server refuses longer request lines with a 414

# JSON-RPC errors that are an answer to bad input, not a crash.
EXPECTED_RPC_ERRORS = {
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.AccessError",
    "odoo.exceptions.MissingError",
    "odoo.exceptions.AccessDenied",
    "odoo.exceptions.RedirectWarning",
    "odoo.http.SessionExpiredException",
}
CONVERTER_RE = re.compile(r"<(?:[^<>:]+:)?([^<>:]+)>")
TRACEBACK_FRAME_RE = re.compile(r'File "([^"]+)", line (\d+), in (\S+)')


class _TracebackCollector(logging.Handler):
    """Keep the errors the server logs while handling the fuzzed requests, and keep them
    out of the test output (the failure list names each one)."""

    LOGGERS = ("odoo.http", "odoo.sql_db")

    def __init__(self):
        super().__init__(logging.ERROR)
        self.tracebacks = []
        self.saved = {}

    def emit(self, record):
        if record.exc_info:
            self.tracebacks.append(
                "".join(traceback.format_exception(*record.exc_info))
            )
        else:
            self.tracebacks.append(record.getMessage())

    def __enter__(self):
        for name in self.LOGGERS:
            logger = logging.getLogger(name)
            self.saved[name] = (logger.handlers, logger.propagate)
            logger.handlers, logger.propagate = [self], False
        return self

    def __exit__(self, *exc):
        for name, (handlers, propagate) in self.saved.items():
            logging.getLogger(name).handlers, logging.getLogger(name).propagate = (
                handlers,
                propagate,
            )


def summarize_traceback(text):
    """Return where a traceback failed and its error line. Where: the innermost frame of the
    module, else the innermost frame of an Odoo add-on and the innermost frame."""
    if not text:
        return "?", "no traceback logged"
    frames = TRACEBACK_FRAME_RE.findall(text)
    own = [frame for frame in frames if "/client_hub/" in frame[0]]
    addons = [frame for frame in frames if "/addons/" in frame[0]]
    shown = own[-1:] or list(dict.fromkeys([*addons[-1:], *frames[-1:]]))
    where = " > ".join(
        f"{'/'.join(path.split('/')[-2:])}:{line} in {function}"
        for path, line, function in shown
    )
    return where or "?", text.strip().splitlines()[-1][:160]


@tagged("post_install", "-at_install")
class TestRouteFuzz(StatementCommon, StatementHttpMixin, ClientHubHttpCommon):
    """Every route the module defines or overrides, each URL converter and each parameter
    given malformed values, as a signed-in client and anonymously, with GET and POST."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.ticket = (
            env["client_hub.ticket"]
            .with_user(cls.portal_a)
            ._create_from_portal(cls.portal_a.partner_id, {"name": "Fuzz target"})
        )
        cls.ticket_bravo = (
            env["client_hub.ticket"]
            .with_user(cls.portal_b)
            ._create_from_portal(cls.portal_b.partner_id, {"name": "Bravo's"})
        )
        cls.product = env["product.product"].create(
            {"name": "Audit", "list_price": 100.0}
        )
        cls.order_bravo = env["sale.order"].create(
            {
                "partner_id": cls.client_b.id,
                "order_line": [Command.create({"product_id": cls.product.id})],
            }
        )
        cls.order_bravo.action_quotation_sent()
        cls.order_bravo._portal_ensure_token()
        # an issued document in the archive, so that its downloads have a file to pack
        attachment = env["ir.attachment"].create(
            {
                "name": "archived.pdf",
                "raw": b"%PDF archived",
                "res_model": "account.move",
                "res_id": cls.inv_overdue.id,
            }
        )
        env["client_hub.issued.document"]._archive(
            [cls.inv_overdue._client_hub_prepare_archive_vals(attachment)]
        )
        # The limiter must not answer 429 before the fuzzed code runs: its limits are raised,
        # not disabled, so that it still counts every request.
        for kind in DEFAULT_LIMITS:
            env["ir.config_parameter"].set_param(f"client_hub.rate_limit_{kind}", 10**9)

    def setUp(self):
        super().setUp()
        self.startPatcher(self._patch_stripe())

    def _patch_stripe(self):
        def fake_stripe_api(provider, method, endpoint, **kwargs):
            return {
                "id": "pi_fuzz",
                "client_secret": "pi_fuzz_secret",
                "status": "requires_payment_method",
            }

        return patch.object(
            self.env.registry["payment.provider"],
            "_send_api_request",
            autospec=True,
            side_effect=fake_stripe_api,
        )

    # ------------------------------------------------------------------
    # Route discovery
    # ------------------------------------------------------------------
    def _module_rules(self):
        """The rules of the routing map whose endpoint the module defines or overrides."""
        rules = []
        # `routing_map` finds the registry by the thread's database, as in a server thread.
        with patch.object(
            threading.current_thread(), "dbname", self.env.cr.dbname, create=True
        ):
            routing_map = self.env["ir.http"].routing_map()
        for rule in routing_map.iter_rules():
            method = getattr(rule.endpoint, "func", None)
            controller = getattr(method, "__self__", None)
            if controller is None:
                continue
            name = method.__name__
            if rule.rule == StripeController._webhook_url:
                # Its input is a signed Stripe event body, not parameters: malformed bodies and
                # signatures are sent in test_stripe_webhook.
                continue
            if any(
                name in vars(cls) and cls.__module__.startswith(MODULE_PREFIX)
                for cls in type(controller).__mro__
            ):
                rules.append(rule)
        return rules

    def _rule_params(self, rule):
        """The query/form parameters of a rule: its signature's, plus those read from `**kw`."""
        signature = inspect.signature(rule.endpoint.func)
        named = [
            param.name
            for param in signature.parameters.values()
            if param.kind not in (param.VAR_KEYWORD, param.VAR_POSITIONAL)
            and param.name not in rule.arguments
        ]
        return list(dict.fromkeys([*named, *EXTRA_PARAMS.get(rule.rule, ())]))

    # ------------------------------------------------------------------
    # Valid values, so that one malformed value at a time reaches the code behind the others
    # ------------------------------------------------------------------
    def _quotation(self):
        """A quotation the client can still decline (a new one once the last was declined)."""
        order = getattr(self, "_last_quotation", None)
        if order:
            order.invalidate_recordset(["state"])
            if order.state == "sent":
                return order
        order = self._last_quotation = self.env["sale.order"].create(
            {
                "partner_id": self.client_a.id,
                "require_signature": True,
                "order_line": [Command.create({"product_id": self.product.id})],
            }
        )
        order.action_quotation_sent()
        order._portal_ensure_token()
        self.env.flush_all()
        return order

    def _fresh_token(self, user=None):
        url = (user or self.portal_a).partner_id._get_client_magic_link_url(
            purpose="login"
        )
        self.env.flush_all()
        return urlsplit(url).path.rsplit("/", 1)[1]

    def _valid_values(self, rule):
        """Valid converter and parameter values for ``rule``, for one request (a magic link
        is used up by a sign-in, a quotation by its decline)."""
        values = {
            "page": "1",
            "ticket_id": str(self.ticket.id),
            "selection": f"{self.inv_overdue.id}-{self.inv_current.id}",
        }
        if "token" in rule.arguments:
            values["token"] = self._fresh_token()
        if "order_id" in rule.arguments:
            order = self._quotation()
            values.update(
                order_id=str(order.id),
                access_token=order.access_token,
                decline_message="No thanks",
            )
        if rule.rule == "/my/tickets/new":
            values["name"] = "Fuzzed ticket"
        if rule.rule == "/my/language":
            values["lang"] = "en_US"
        if rule.endpoint.routing["type"] == "jsonrpc":
            values.update(
                self._transaction_params(self.provider_stripe, self.pm_card, 300.0)
            )
        return values

    # ------------------------------------------------------------------
    # Requests
    # ------------------------------------------------------------------
    def _foreign_value(self, name):
        """Another client's record where ``name`` expects one of the client's (for the
        other parameters, a value of the other client's they could not have known)."""
        if name == "ticket_id":
            return str(self.ticket_bravo.id)
        if name in ("order_id", "sale_order_id"):
            return str(self.order_bravo.id)
        if name == "token":
            return self._fresh_token(self.portal_b)
        if name == "invoice_ids":
            return [str(self.inv_bravo.id)]
        if name == "selection":
            return str(self.inv_bravo.id)
        if name == "access_token":
            return self.order_bravo.access_token
        if name in ("provider_id", "payment_method_id", "token_id"):
            return "999999"
        return str(self.inv_bravo.id)

    def _encode(self, name, value, valid=None):
        if value is FOREIGN:
            return self._foreign_value(name)
        if value is REPEATED:
            valid = valid if isinstance(valid, list) else [valid]
            foreign = self._foreign_value(name)
            foreign = foreign if isinstance(foreign, list) else [foreign]
            return [str(v) for v in valid if v is not None] + foreign
        if value is OVERSIZED:
            ids = [str(i) for i in range(1, SELECTION_SIZE + 1)]
            return ids if name in LIST_PARAMS else SEPARATORS.get(name, ",").join(ids)
        return value

    def _send(self, rule, http_method, fuzzed=VALID, value=None):
        """Send one request with ``fuzzed`` (a converter or parameter name; None: all of
        them) set to ``value`` and the other ones valid.

        :return: (HTTP status or None when the request line is too long to be sent,
            name of the JSON-RPC error or None, the error's traceback or "")
        """
        values = self._valid_values(rule)
        # what the database holds once the valid values are made (a quotation...)
        self._before_request = self._written()
        params = self._rule_params(rule)
        names = {VALID: [], None: [*rule.arguments, *params]}.get(fuzzed, [fuzzed])
        for name in names:
            values[name] = self._encode(name, value, values.get(name))
        path = CONVERTER_RE.sub(
            lambda match: quote(str(values[match.group(1)]), safe="-"), rule.rule
        )
        if rule.endpoint.routing["type"] == "jsonrpc":
            if len(path) > MAX_REQUEST_LINE:
                return None, None, ""
            payload = {name: values[name] for name in params if name in values}
            response = self.url_open(
                path,
                allow_redirects=False,
                json={
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": payload,
                },
            )
            if "json" not in response.headers.get("Content-Type", ""):
                return (
                    response.status_code,
                    None,
                    "",
                )  # e.g. the 404 page: the URL matched no route
            error = response.json().get("error")
            if not error:
                return response.status_code, None, ""
            return (
                response.status_code,
                error["data"]["name"],
                error["data"].get("debug", ""),
            )
        pairs = []
        for name in params:
            if name in values:
                item = values[name]
                pairs += (
                    [(name, part) for part in item]
                    if isinstance(item, list)
                    else [(name, item)]
                )
        if http_method == "GET":
            # commas kept as they are: the 10,000 ids must fit in the server's request line
            url = (
                f"{path}?{urlencode(pairs, safe=',', quote_via=quote)}"
                if pairs
                else path
            )
            if len(url) > MAX_REQUEST_LINE:
                return None, None, ""  # the HTTP server answers 414 before Odoo sees it
            response = self.url_open(url, allow_redirects=False)
        else:
            if len(path) > MAX_REQUEST_LINE:
                return None, None, ""
            if rule.endpoint.routing.get("csrf", True):
                pairs.append(("csrf_token", Request.csrf_token(self)))
            response = self.url_open(
                path, data=pairs, method="POST", allow_redirects=False
            )
        return response.status_code, None, ""

    def _fuzz_plan(self, rule, signed_in):
        """(HTTP method, fuzzed name, label, value) of each request to send for ``rule``."""
        routing = rule.endpoint.routing
        values = MALFORMED_VALUES + (
            MALFORMED_JSON_VALUES if routing["type"] == "jsonrpc" else []
        )
        params = self._rule_params(rule)
        plan = []
        for http_method in self._http_methods(rule):
            if not signed_in and routing["auth"] == "user":
                # Refused before any parameter is read: each converter (the URL must still be
                # routed), then all of them and every parameter malformed at once.
                targets = [
                    *sorted(rule.arguments),
                    *([None] if rule.arguments or params else []),
                ]
            else:
                ignored = http_method == "GET" and rule.rule in PARAMS_IGNORED_ON_GET
                targets = [*sorted(rule.arguments), *([] if ignored else params)]
            for target in targets:
                for label, value in values:
                    if target in rule.arguments and not (
                        isinstance(value, str) or value in (OVERSIZED, FOREIGN)
                    ):
                        continue  # a URL segment is text
                    plan.append((http_method, target, label, value))
        return plan

    def _http_methods(self, rule):
        routing = rule.endpoint.routing
        return (
            ["POST"]
            if routing["type"] == "jsonrpc"
            else routing["methods"] or ["GET", "POST"]
        )

    def _sign_in(self, identity, rule=None):
        if identity == "client" and rule is not None and rule.rule in STAFF_ROUTES:
            self._login(self.agent)
            return
        self._login(self.portal_a if identity == "client" else None)

    def _written(self):
        """What a request could have written: tickets, transactions, messages, the
        documents' states, sign-in links and requests (rate-limit counters and sessions
        are not data)."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT (SELECT count(*) || ':' || coalesce(sum(stage_id), 0)
                      FROM client_hub_ticket),
                   (SELECT count(*) FROM payment_transaction),
                   (SELECT count(*) FROM mail_message WHERE model IS NOT NULL
                       AND model != 'res.partner'),
                   (SELECT string_agg(state, ',' ORDER BY id) FROM sale_order),
                   (SELECT string_agg(payment_state, ',' ORDER BY id) FROM account_move),
                   (SELECT count(*) FROM client_hub_magic_link WHERE consumed_date IS NOT NULL),
                   (SELECT count(*) FROM client_hub_magic_link_request)
            """
        )
        return self.env.cr.fetchone()

    @staticmethod
    def _must_write_nothing(target, label):
        return (
            target in ID_TARGETS
            # NUL characters are dropped: left empty
            and not (label in ("empty", "NUL") and target in OPTIONAL_IDS)
            # another client's sign-in link signs that client in: it is theirs to hold
            and not (label == "another client's id" and target == "token")
            # the valid value comes first: the framework reads the first of repeated keys
            and label != "repeated key"
        )

    def test_malformed_input_never_a_server_error(self):
        rules = sorted(self._module_rules(), key=lambda rule: rule.rule)
        urls = {rule.rule for rule in rules}
        self.assertTrue(urls, "the module's routes are found in the routing map")
        for url in (
            "/my/statement",
            "/my/statement/pay",
            "/my/statement/download",
            "/my/statement/transaction/<string:selection>",
            "/my/tickets/<int:ticket_id>",
            "/client/magic/<string:token>",
            "/client/login",
        ):
            self.assertIn(url, urls)

        # (route, parameter, status, where) -> ({who: None}, {value label: None}, error message)
        failures, sent, start = {}, 0, time.monotonic()
        written = {}
        with _TracebackCollector() as collector:
            for identity in ("client", "anonymous"):
                for rule in rules:
                    # A public route may sign the visitor in: a new session after each request to one.
                    public = rule.endpoint.routing["auth"] != "user"
                    self._sign_in(identity, rule)
                    for http_method, target, label, value in self._fuzz_plan(
                        rule, identity == "client"
                    ):
                        if public:
                            self._sign_in(identity, rule)
                        del collector.tracebacks[:]
                        status, rpc_error, debug = self._send(
                            rule, http_method, target, value
                        )
                        sent += status is not None
                        before, after = self._before_request, self._written()
                        if (
                            status is not None
                            and self._must_write_nothing(target, label)
                            and after != before
                        ):
                            changed = [
                                f"{b} -> {a}"
                                for b, a in zip(before, after, strict=True)
                                if a != b
                            ]
                            written.setdefault(
                                (rule.rule, target, f"{identity} {http_method}"), []
                            ).append(f"{label}: {changed}")
                        if status is None or (
                            status < 500 and self._is_expected_rpc_error(rpc_error)
                        ):
                            continue
                        logged = debug or (
                            collector.tracebacks[-1] if collector.tracebacks else ""
                        )
                        where, message = summarize_traceback(logged)
                        key = (
                            rule.rule,
                            target or "all parameters",
                            rpc_error or status,
                            where,
                        )
                        who, labels, _message = failures.setdefault(
                            key, ({}, {}, message)
                        )
                        who[f"{identity} {http_method}"] = labels[label] = None
        _logger.info(
            "fuzzed %s routes with %s requests in %.1fs",
            len(rules),
            sent,
            time.monotonic() - start,
        )
        self.assertFalse(
            written,
            "requests with a malformed or foreign id that wrote something "
            "(route, parameter, caller): values",
        )
        if failures:
            self.fail(
                "server errors on malformed input:\n"
                + "\n".join(
                    f"{route} {param}={list(labels)} ({', '.join(who)}): {status} at {where} -> {message}"
                    for (route, param, status, where), (
                        who,
                        labels,
                        message,
                    ) in failures.items()
                )
            )

    def test_valid_requests_reach_the_code(self):
        """The valid values the fuzzing starts from are accepted: each malformed value is
        then the only thing wrong in its request, and reaches the code behind the others."""
        for rule in sorted(self._module_rules(), key=lambda rule: rule.rule):
            for http_method in self._http_methods(rule):
                with self.subTest(route=rule.rule, method=http_method):
                    self._sign_in("client", rule)
                    status, rpc_error, debug = self._send(rule, http_method)
                    self.assertLess(status, 400)
                    self.assertIsNone(rpc_error, debug)

    @staticmethod
    def _is_expected_rpc_error(name):
        """Whether a JSON-RPC error is an answer to bad input rather than a crash."""
        if not name or name in EXPECTED_RPC_ERRORS:
            return True
        http_error = getattr(http_exceptions, name.rsplit(".", 1)[-1], None)
        return (
            name.startswith("werkzeug.exceptions.")
            and bool(http_error)
            and http_error.code < 500
        )

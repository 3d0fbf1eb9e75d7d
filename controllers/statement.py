import math
import re

from werkzeug.urls import url_encode

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.http import content_disposition, request

from odoo.addons.account_payment.controllers.portal import PortalAccount
from odoo.addons.portal.controllers.portal import pager as portal_pager

MAX_RECORD_ID = 2**31 - 1  # PostgreSQL integer
ERROR_SESSION_KEY = "client_hub_statement_error"
# Far beyond any amount due; keeps the rounding arithmetic of `compare_amounts` finite.
MAX_PAYMENT_AMOUNT = 1e15
PAYMENT_FLOWS = ("direct", "redirect", "token")


def parse_record_ids(raw_values):
    """Return the record ids given as strings, deduplicated in order, or None if any of them is
    not a plain positive database id ('abc', '1;2', '-3', '99999999999' are all refused).

    :param list raw_values: The strings received.
    :rtype: list|None
    """
    ids = []
    for raw in raw_values:
        raw = str(raw).strip()
        if not re.fullmatch(r"[0-9]{1,10}", raw) or not 0 < int(raw) <= MAX_RECORD_ID:
            return None
        ids.append(int(raw))
    return list(dict.fromkeys(ids))


def parse_record_id(raw_value):
    """Return the one id given, or None if it is not a plain positive database id.

    :param raw_value: The value received (a string, or any JSON value).
    :rtype: int|None
    """
    ids = parse_record_ids([raw_value])
    return ids[0] if ids else None


class ClientHubStatementPortal(PortalAccount):

    # ---- statement, payment, ZIP (issue 6) ----

    def _prepare_home_portal_values(self, counters):
        """Override of `portal` to count the documents of the client's statement."""
        values = super()._prepare_home_portal_values(counters)
        if "client_statement_count" in counters:
            Move = request.env["account.move"]
            values["client_statement_count"] = Move.search_count(
                request.env.user.partner_id._get_client_statement_domain(), limit=1,
            ) if Move.has_access("read") else 0
        return values

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _client_statement_moves(self, raw_ids):
        """Return the client's own statement documents among the given ids.

        The search runs with the portal user's rights, restricted to their commercial
        partner: an id of another client, or one that does not exist, makes the whole
        selection refused without telling which.

        :param list raw_ids: The ids as received.
        :rtype: account.move
        :raise UserError: If the selection is malformed or not entirely the client's.
        """
        ids = parse_record_ids(raw_ids)
        if ids is None:
            raise UserError(request.env._("The selection is invalid. Tick the documents in the list and try again."))
        if not ids:
            raise UserError(request.env._("Select at least one document first."))
        partner = request.env.user.partner_id
        moves = request.env["account.move"].search(
            [*partner._get_client_statement_domain(), ("id", "in", ids)],
        )
        if len(moves) != len(ids):
            raise UserError(request.env._("Some of the selected documents are not available."))
        # Keep the client's order (the order of the list on the page).
        return moves.sorted(key=lambda move: ids.index(move.id))

    def _client_statement_redirect(self, error=None, selected=None):
        """Go back to the statement, with a message and the ticked documents kept."""
        if error:
            request.session[ERROR_SESSION_KEY] = error
        query = {"selected": ",".join(str(i) for i in selected)} if selected else {}
        return request.redirect("/my/statement" + (f"?{url_encode(query)}" if query else ""))

    def _client_statement_form_ids(self):
        return request.httprequest.form.getlist("invoice_ids")

    def _client_statement_payment_option(self, provider_id, kwargs, partner, currency):
        """Check the payment option posted with a statement payment against those the payment
        form offers for the provider: a payment flow, and either one of the provider's
        compatible payment methods (direct and redirect flows) or one of the client's saved
        tokens of that provider (token flow). Stock `_create_transaction` trusts them.

        :param int provider_id: The provider chosen, already checked to be available.
        :param dict kwargs: The transaction route's parameters.
        :param partner: The paying partner, as a `res.partner` record.
        :param currency: The currency of the selection, as a `res.currency` record.
        :return: The checked `flow`, `payment_method_id` and `token_id`.
        :rtype: dict
        :raise ValidationError: If the option is not one the form offers.
        """
        flow = kwargs.get("flow")
        if not isinstance(flow, str) or flow not in PAYMENT_FLOWS:
            raise ValidationError(request.env._("This payment flow is not supported. Reload the page and try again."))
        if flow == "token":
            token_id = parse_record_id(kwargs.get("token_id"))
            # sudo: lists the client's own tokens of this provider, as the payment form does.
            tokens_sudo = request.env["payment.token"].sudo()._get_available_tokens([provider_id], partner.id)
            if token_id not in tokens_sudo.ids:
                raise ValidationError(request.env._("This saved payment method is not available."))
            return {"provider_id": provider_id, "flow": flow, "token_id": token_id, "payment_method_id": None}
        payment_method_id = parse_record_id(kwargs.get("payment_method_id"))
        # sudo: payment methods are configuration the portal user cannot read; this only lists them.
        methods_sudo = request.env["payment.method"].sudo()._get_compatible_payment_methods(
            [provider_id], partner.id, currency_id=currency.id,
        )
        if payment_method_id not in methods_sudo.ids:
            raise ValidationError(request.env._("This payment method is not available."))
        return {"provider_id": provider_id, "flow": flow, "payment_method_id": payment_method_id, "token_id": None}

    # ------------------------------------------------------------------
    # Routes
    # ------------------------------------------------------------------

    @http.route(
        ["/my/statement", "/my/statement/page/<int:page>"],
        type="http", auth="user", website=True, methods=["GET"],
    )
    def portal_my_statement(self, page=1, selected=None, **kw):
        partner = request.env.user.partner_id
        Move = request.env["account.move"]
        if not Move.has_access("read"):
            return request.redirect("/my")
        if not isinstance(page, int):
            # ?page=... in the query string: anything but a page number shows the first page
            # (the stock pager's `isdigit()` lets '²' through to `int()`)
            page = parse_record_id(page) or 1
        domain = partner._get_client_statement_domain()
        pager = portal_pager(
            url="/my/statement",
            total=Move.search_count(domain),
            page=page,
            step=self._items_per_page,
        )
        moves = partner._get_client_statement_moves(offset=pager["offset"], limit=self._items_per_page)
        selected_ids = parse_record_ids(selected.split(",")) if selected else []
        values = self._prepare_portal_layout_values()
        values.update({
            "page_name": "client_statement",
            "pager": pager,
            "moves": moves,
            "open_move_ids": {move.id for move in moves if move._client_hub_is_open()},
            "totals": partner._get_client_statement_totals(),
            "selected_ids": set(selected_ids or []),
            "statement_error": request.session.pop(ERROR_SESSION_KEY, None),
        })
        return request.render("client_hub.portal_my_statement", values)

    @http.route("/my/statement/pay", type="http", auth="user", website=True, methods=["POST"])
    def portal_my_statement_pay(self, pay_all=None, **kw):
        """Show the payment form for the ticked open documents, or for every open document
        of one currency ("Pay all due")."""
        partner = request.env.user.partner_id
        raw_ids = self._client_statement_form_ids()
        try:
            if pay_all:
                currency_ids = parse_record_ids([pay_all])
                if not currency_ids:
                    raise UserError(request.env._(
                        "The selection is invalid. Tick the documents in the list and try again."
                    ))
                moves = request.env["account.move"].search(
                    [*partner._get_client_statement_domain(open_only=True), ("currency_id", "=", currency_ids[0])],
                    order="invoice_date_due, id",
                )
            else:
                moves = self._client_statement_moves(raw_ids)
            amount, currency, company = moves._client_hub_check_payable()
        except UserError as error:
            return self._client_statement_redirect(error.args[0], parse_record_ids(raw_ids))
        values = self._prepare_portal_layout_values()
        values.update(self._get_common_page_view_values(
            invoices_data={
                "partner": partner,
                "company": company,
                "total_amount": amount,
                "currency": currency,
                "amount_residual": amount,
                "landing_route": "/my/statement",
                "transaction_route": f"/my/statement/transaction/{'-'.join(map(str, moves.ids))}",
            },
        ))
        values.update({
            "page_name": "client_statement_pay",
            "moves": moves,
            "amount": amount,
            "currency": currency,
        })
        return request.render("client_hub.portal_my_statement_pay", values)

    @http.route("/my/statement/transaction/<string:selection>", type="jsonrpc", auth="user")
    def portal_my_statement_transaction(self, selection, amount=None, access_token=None,
                                        payment_reference=None, **kwargs):
        """Create the transaction paying the selected documents and return its processing values.

        Everything is decided again server-side: the documents (the client's own, open, of
        one currency), the amount (their balances) and the landing route. The amount shown on
        the page must still be the amount due, or the client is asked to reload.

        :param str selection: The document ids, joined with dashes.
        :raise ValidationError: If the selection cannot be paid.
        """
        self._validate_transaction_kwargs(kwargs)
        try:
            moves = self._client_statement_moves(selection.split("-"))
            due, currency, company = moves._client_hub_check_payable()
        except UserError as error:
            raise ValidationError(error.args[0]) from None
        partner = request.env.user.partner_id
        # sudo: providers are configuration the portal user cannot read; this only lists them.
        providers_sudo = request.env["payment.provider"].sudo()._get_compatible_providers(
            company.id, partner.id, due, currency_id=currency.id,
        )
        provider_id = parse_record_id(kwargs.get("provider_id"))
        if provider_id not in providers_sudo.ids:
            raise ValidationError(request.env._("This payment method is not available."))
        kwargs.update(self._client_statement_payment_option(provider_id, kwargs, partner, currency))
        amount = self._cast_as_float(amount)
        if amount is None or not math.isfinite(amount) or abs(amount) >= MAX_PAYMENT_AMOUNT:
            raise ValidationError(request.env._("The amount to pay is invalid. Reload the page and try again."))
        if currency.compare_amounts(amount, due) != 0:
            raise ValidationError(request.env._(
                "The amount due has changed since this page was loaded. Reload the page and try again."
            ))
        # Only one invoice: its number; several: one batch communication, as stock does.
        reference = (
            moves.name if len(moves) == 1
            else moves.company_id.get_next_batch_payment_communication()
        )
        kwargs.update({
            "amount": due,
            "currency_id": currency.id,
            "partner_id": partner.id,
            "reference_prefix": reference,
            "landing_route": "/my/statement",
            "is_validation": False,
        })
        # sudo: the transaction's invoices were checked to be the client's own just above.
        tx_sudo = self._create_transaction(
            custom_create_values={"invoice_ids": [Command.set(moves.ids)]}, **kwargs,
        )
        return tx_sudo._get_processing_values()

    @http.route("/my/statement/download", type="http", auth="user", website=True, methods=["POST"])
    def portal_my_statement_download(self, **kw):
        """Download the PDFs of the ticked documents in one ZIP (limited per client when
        PDFs must be rendered, see `_client_hub_zip_reserve_rendering`)."""
        raw_ids = self._client_statement_form_ids()
        try:
            moves = self._client_statement_moves(raw_ids)
            limit = moves._client_hub_zip_max()
            if len(moves) > limit:
                raise UserError(request.env._(
                    "You selected %(count)s documents; a download holds at most %(limit)s. "
                    "Untick some and download them in several times.",
                    count=len(moves), limit=limit,
                ))
            # sudo: the documents are the client's own (checked above); their PDFs (attachments,
            # report rendering) are read like stock's portal invoice download does.
            moves_sudo = moves.sudo()
            moves_sudo._client_hub_zip_reserve_rendering()
        except UserError as error:
            return self._client_statement_redirect(error.args[0], parse_record_ids(raw_ids))
        content = moves_sudo._client_hub_zip_pdfs()
        filename = request.env._("invoices") + ".zip"
        return request.make_response(content, headers=[
            ("Content-Type", "application/zip"),
            ("Content-Length", len(content)),
            ("Content-Disposition", content_disposition(filename)),
            ("X-Content-Type-Options", "nosniff"),
        ])

    @http.route("/my/statement/pdf", type="http", auth="user", website=True, methods=["GET"])
    def portal_my_statement_pdf(self, **kw):
        """Download the statement PDF of the client's own commercial partner."""
        if not request.env["account.move"].has_access("read"):
            return request.redirect("/my")
        # sudo: the report is rendered for the user's own commercial partner only, and its
        # documents are limited to that partner by `_get_client_statement_domain`.
        partner_sudo = request.env.user.partner_id.commercial_partner_id.sudo()
        # sudo: the report action is configuration portal users cannot read; it renders their own statement only
        report_sudo = request.env["ir.actions.report"].sudo()
        content, _report_type = report_sudo._render_qweb_pdf(
            "client_hub.action_report_client_statement", partner_sudo.ids,
        )
        filename = re.sub(r"\W+", "_", request.env._("Statement %s", partner_sudo.name)) + ".pdf"
        return request.make_response(content, headers=[
            ("Content-Type", "application/pdf"),
            ("Content-Length", len(content)),
            ("Content-Disposition", content_disposition(filename)),
        ])

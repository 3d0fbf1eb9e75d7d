import re

from werkzeug.urls import url_encode

from odoo import http
from odoo.exceptions import UserError
from odoo.http import content_disposition, request

from odoo.addons.account_payment.controllers.portal import PortalAccount
from odoo.addons.portal.controllers.portal import pager as portal_pager

MAX_RECORD_ID = 2**31 - 1  # PostgreSQL integer
ERROR_SESSION_KEY = "client_hub_statement_error"


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
    """The client's statement: the page, its PDF and the ZIP of the ticked documents
    (paying them: `controllers/payment.py`)."""

    def _prepare_home_portal_values(self, counters):
        """Override of `portal` to count the documents of the client's statement."""
        values = super()._prepare_home_portal_values(counters)
        if "client_statement_count" in counters:
            Move = request.env["account.move"]
            values["client_statement_count"] = (
                Move.search_count(
                    request.env.user.partner_id._get_client_statement_domain(),
                    limit=1,
                )
                if Move.has_access("read")
                else 0
            )
        return values

    def _get_overdue_invoice_count(self):
        """Override of `account` to count what stock's "Invoices to pay" tile pays: the
        overdue invoices of the client's statement (see `portal_my_statement_overdue`)."""
        Move = request.env["account.move"]
        if not Move.has_access("read"):
            return 0
        return Move.search_count(
            request.env.user.partner_id._get_client_statement_overdue_domain()
        )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _client_statement_moves(self, raw_ids):
        """Return the client's own statement documents among the given ids, in the order of
        the list on the page (see `account.move._client_hub_get_statement_selection`).

        :param list raw_ids: The ids as received.
        :rtype: account.move
        :raise UserError: If the selection is malformed or not entirely the client's.
        """
        ids = parse_record_ids(raw_ids)
        if ids is None:
            raise UserError(
                request.env._(
                    "The selection is invalid. Tick the documents in the list and try again."
                )
            )
        return request.env["account.move"]._client_hub_get_statement_selection(
            request.env.user.partner_id, ids
        )

    def _client_statement_redirect(self, error=None, selected=None):
        """Go back to the statement, with a message and the ticked documents kept."""
        if error:
            request.session[ERROR_SESSION_KEY] = error
        query = {"selected": ",".join(str(i) for i in selected)} if selected else {}
        return request.redirect(
            "/my/statement" + (f"?{url_encode(query)}" if query else "")
        )

    def _client_statement_form_ids(self):
        return request.httprequest.form.getlist("invoice_ids")

    # ------------------------------------------------------------------
    # Routes
    # ------------------------------------------------------------------

    @http.route(
        ["/my/statement", "/my/statement/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
        readonly=True,
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
        moves = partner._get_client_statement_moves(
            offset=pager["offset"], limit=self._items_per_page
        )
        selected_ids = parse_record_ids(selected.split(",")) if selected else []
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "client_statement",
                "pager": pager,
                "moves": moves,
                "open_move_ids": {
                    move.id for move in moves if move._client_hub_is_open()
                },
                "totals": partner._get_client_statement_totals(),
                "selected_ids": set(selected_ids or []),
                "statement_error": request.session.pop(ERROR_SESSION_KEY, None),
                "payment_instructions": partner._client_hub_get_payment_instructions(),
                # sudo: the company's receiving account is what its invoices print for every
                # client; portal users may not read bank accounts
                "bank_transfer": partner.sudo()._client_hub_jp_bank_transfer(),
                "jp_summary": partner._get_client_statement_jp_summary(),
            }
        )
        return request.render("client_hub.portal_my_statement", values)

    @http.route(
        "/my/statement/overdue",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
        readonly=True,
    )
    def portal_my_statement_overdue(self, **kw):
        """Stock's "Pay Now" of overdue invoices: the statement, its overdue invoices ticked,
        so that they are paid the one way the statement pays."""
        Move = request.env["account.move"]
        if not Move.has_access("read"):
            return request.redirect("/my")
        overdue = Move.search(
            request.env.user.partner_id._get_client_statement_overdue_domain(),
            order="invoice_date_due, id",
        )
        return self._client_statement_redirect(selected=overdue.ids)

    @http.route(
        "/my/statement/download",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def portal_my_statement_download(self, **kw):
        """Download the PDFs of the ticked documents in one ZIP (limited per client when
        PDFs must be rendered, see `_client_hub_zip_reserve_rendering`)."""
        raw_ids = self._client_statement_form_ids()
        try:
            moves = self._client_statement_moves(raw_ids)
            limit = moves._client_hub_zip_max()
            if len(moves) > limit:
                raise UserError(
                    request.env._(
                        "You selected %(count)s documents; a download holds at most %(limit)s. "
                        "Untick some and download them in several times.",
                        count=len(moves),
                        limit=limit,
                    )
                )
            # sudo: the documents are the client's own (checked above); their PDFs (attachments,
            # report rendering) are read like stock's portal invoice download does.
            moves_sudo = moves.sudo()
            moves_sudo._client_hub_zip_reserve_rendering()
        except UserError as error:
            return self._client_statement_redirect(
                error.args[0], parse_record_ids(raw_ids)
            )
        content = moves_sudo._client_hub_zip_pdfs()
        filename = request.env._("invoices") + ".zip"
        return request.make_response(
            content,
            headers=[
                ("Content-Type", "application/zip"),
                ("Content-Length", len(content)),
                ("Content-Disposition", content_disposition(filename)),
                ("X-Content-Type-Options", "nosniff"),
            ],
        )

    @http.route(
        "/my/statement/pdf",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
        readonly=True,
    )
    def portal_my_statement_pdf(self, **kw):
        """Download the statement PDF of the client's own commercial partner."""
        if not request.env["account.move"].has_access("read"):
            return request.redirect("/my")
        # sudo: the report is rendered for the user's own commercial partner only, and its
        # documents are limited to that partner by `_get_client_statement_domain`.
        partner_sudo = request.env.user.partner_id.commercial_partner_id.sudo()
        return self._show_report(
            partner_sudo,
            "pdf",
            "client_hub.action_report_client_statement",
            download=True,
        )

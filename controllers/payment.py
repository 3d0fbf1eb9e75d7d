from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from odoo.addons.account_payment.controllers.payment import PaymentPortal
from odoo.addons.payment.controllers.post_processing import PaymentPostProcessing

from .statement import ClientHubStatementPortal, parse_record_id, parse_record_ids

STATEMENT_ROUTE = "/my/statement"


class ClientHubStatementPayment(ClientHubStatementPortal, PaymentPortal):
    """Paying statement documents online: the payment form of a selection, and its
    transaction, through `account_payment`'s `_process_transaction`."""

    def _client_statement_moves_to_pay(self, pay_all, raw_ids):
        """Return the ticked documents, or every open document of one currency ("Pay all
        due", ``pay_all`` being the currency's id).

        :rtype: account.move
        :raise UserError: If the selection is malformed or not entirely the client's.
        """
        if not pay_all:
            return self._client_statement_moves(raw_ids)
        currency_id = parse_record_id(pay_all)
        if not currency_id:
            raise UserError(
                request.env._(
                    "The selection is invalid. Tick the documents in the list and try again."
                )
            )
        return request.env["account.move"]._client_hub_get_statement_open_moves(
            request.env.user.partner_id,
            currency_id,
        )

    def _get_common_page_view_values(self, invoices_data, access_token=None, **kwargs):
        """Override of `account_payment` to leave out the payment methods that cannot pay
        the amount (konbini above Stripe's limit), on every page where a client pays."""
        values = super()._get_common_page_view_values(
            invoices_data, access_token=access_token, **kwargs
        )
        if "payment_methods_sudo" in values:
            values["payment_methods_sudo"] = values[
                "payment_methods_sudo"
            ]._client_hub_filter_amount(
                invoices_data["total_amount"], invoices_data["currency"]
            )
        return values

    def _client_statement_pay_page_values(self, moves):
        """Return the values of the payment page of the documents (after stock's
        `_overdue_invoices_get_page_view_values`, with credit notes deducted).

        :raise UserError: If the documents cannot be paid together.
        """
        amount, currency, company = moves._client_hub_check_payable()
        values = self._prepare_portal_layout_values()
        values |= self._get_common_page_view_values(
            invoices_data={
                "partner": request.env.user.partner_id,
                "company": company,
                "total_amount": amount,
                "currency": currency,
                "amount_residual": amount,
                "landing_route": STATEMENT_ROUTE,
                "transaction_route": f"/my/statement/transaction/{'-'.join(map(str, moves.ids))}",
            }
        )
        values |= {
            "page_name": "client_statement_pay",
            "moves": moves,
            "amount": amount,
            "currency": currency,
        }
        return values

    @http.route(
        "/my/statement/pay", type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_my_statement_pay(self, pay_all=None, **kw):
        """Show the payment form for the ticked open documents, or for every open document
        of one currency ("Pay all due")."""
        raw_ids = self._client_statement_form_ids()
        try:
            moves = self._client_statement_moves_to_pay(pay_all, raw_ids)
            values = self._client_statement_pay_page_values(moves)
        except UserError as error:
            return self._client_statement_redirect(
                error.args[0], parse_record_ids(raw_ids)
            )
        return request.render("client_hub.portal_my_statement_pay", values)

    @http.route(
        "/my/statement/transaction/<string:selection>", type="jsonrpc", auth="user"
    )
    def portal_my_statement_transaction(
        self,
        selection,
        amount=None,
        access_token=None,
        payment_reference=None,
        **kwargs,
    ):
        """Create the transaction paying the selected documents and return its processing
        values (after stock's `overdue_invoices_transaction`).

        Everything is decided again server-side (`_client_hub_prepare_statement_payment`):
        the documents (the client's own, open, of one currency), the amount (their balance,
        which the amount shown must still equal), the payment option, the reference and
        the landing route; the posted ``payment_reference`` is not used.

        Pay posted again for the same documents, amount and payment option (a double
        click, a retry) answers with the processing values of the transaction already
        started, which the client carries on with: one transaction per payment.

        :param str selection: The document ids, joined with dashes.
        :raise ValidationError: If the selection cannot be paid.
        """
        self._validate_transaction_kwargs(kwargs)
        partner = request.env.user.partner_id
        try:
            moves = self._client_statement_moves(selection.split("-"))
            tx_values = moves._client_hub_prepare_statement_payment(
                partner,
                self._cast_as_float(amount),
                provider_id=parse_record_id(kwargs.get("provider_id")),
                flow=kwargs.get("flow"),
                payment_method_id=parse_record_id(kwargs.get("payment_method_id")),
                token_id=parse_record_id(kwargs.get("token_id")),
            )
        except UserError as error:
            raise ValidationError(error.args[0]) from None
        ongoing_tx_sudo = tx_values.pop("transaction")
        if ongoing_tx_sudo:
            PaymentPostProcessing.monitor_transaction(ongoing_tx_sudo)
            return ongoing_tx_sudo._get_processing_values()
        currency_id = tx_values.pop("currency_id")
        reference = tx_values.pop("reference_prefix")
        kwargs |= tx_values | {"landing_route": STATEMENT_ROUTE, "is_validation": False}
        # the documents were established above to be the client's own and payable together
        return self._process_transaction(
            partner.id, currency_id, moves.ids, reference, **kwargs
        )

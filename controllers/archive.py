from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import UserError
from odoo.http import content_disposition, request

from ..models.archive.client_hub_issued_document_export import CSV_ROUTE, ZIP_ROUTE

SEARCH_PARAMS = (
    "date_from",
    "date_to",
    "amount_min",
    "amount_max",
    "partner_id",
    "document_type",
    "ids",
)


class ClientHubArchive(http.Controller):
    """Downloads of the Electronic Bookkeeping archive for a tax audit, for invoicing staff:
    the CSV of a search with the hashes, and the ZIP of its PDFs with a manifest. The rows
    are read with the caller's rights (record rules: the companies they work for)."""

    def _archive_search_domain(self, params):
        """Check the caller is staff and return the search's domain.

        :raise NotFound: for anyone but invoicing staff
        :raise UserError: for bad input (see `_get_archive_search_domain`)
        """
        # the archive holds every document's amount and PDF: for those who may read
        # invoices (the access rights of the rows), not for every employee
        if not request.env.user.has_group("account.group_account_invoice"):
            raise NotFound()
        values = {name: params.get(name) for name in SEARCH_PARAMS}
        return request.env["client_hub.issued.document"]._get_archive_search_domain(
            **values
        )

    def _bad_request(self, message):
        return request.make_response(
            message,
            headers=[("Content-Type", "text/plain; charset=utf-8")],
            status=400,
        )

    @http.route(CSV_ROUTE, type="http", auth="user", methods=["GET"], readonly=True)
    def client_hub_archive_csv(self, **params):
        try:
            domain = self._archive_search_domain(params)
        except UserError as error:
            return self._bad_request(error.args[0])
        Docs = request.env["client_hub.issued.document"]
        filename = request.env._("issued_documents") + ".csv"
        # read in batches, joined before the request's cursor closes
        content = b"".join(Docs._iter_csv(domain))
        return request.make_response(
            content,
            headers=[
                ("Content-Type", "text/csv; charset=utf-8"),
                ("Content-Length", len(content)),
                ("Content-Disposition", content_disposition(filename)),
                ("X-Content-Type-Options", "nosniff"),
            ],
        )

    @http.route(ZIP_ROUTE, type="http", auth="user", methods=["GET"], readonly=True)
    def client_hub_archive_zip(self, **params):
        Docs = request.env["client_hub.issued.document"]
        try:
            domain = self._archive_search_domain(params)
        except UserError as error:
            return self._bad_request(error.args[0])
        count, limit = Docs.search_count(domain), Docs._get_zip_max()
        if count > limit:
            return self._bad_request(Docs._zip_too_large_message(count, limit))
        content = Docs.search(domain)._build_audit_zip()
        filename = request.env._("issued_documents") + ".zip"
        return request.make_response(
            content,
            headers=[
                ("Content-Type", "application/zip"),
                ("Content-Length", len(content)),
                ("Content-Disposition", content_disposition(filename)),
                ("X-Content-Type-Options", "nosniff"),
            ],
        )

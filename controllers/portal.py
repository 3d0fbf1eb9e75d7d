from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.fields import Domain
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

# Largest record id PostgreSQL stores (ids are 32-bit integers).
MAX_RECORD_ID = 2**31 - 1
# The only fields a client fills in when opening a ticket (see _ticket_new_values).
TICKET_FORM_FIELDS = ("name", "description", "invoice_id", "sale_order_id")


class ClientHubTicketPortal(CustomerPortal):
    """The client's support tickets: the list, a new ticket, one ticket and closing it."""

    def _prepare_home_portal_values(self, counters):
        """Override of `portal` to count the client's tickets."""
        values = super()._prepare_home_portal_values(counters)
        if "client_ticket_count" in counters:
            Ticket = request.env["client_hub.ticket"]
            values["client_ticket_count"] = (
                Ticket.search_count([]) if Ticket.has_access("read") else 0
            )
        return values

    def _ticket_get_searchbar_sortings(self):
        return {
            "activity": {
                "label": request.env._("Last activity"),
                "order": "last_activity_date desc, id desc",
            },
            "date": {
                "label": request.env._("Newest"),
                "order": "create_date desc, id desc",
            },
            "stage": {
                "label": request.env._("Stage"),
                "order": "stage_id, last_activity_date desc, id desc",
            },
        }

    def _ticket_get_searchbar_filters(self):
        return {
            "all": {"label": request.env._("All"), "domain": []},
            "open": {
                "label": request.env._("Open"),
                "domain": [("is_closed", "=", False)],
            },
            "closed": {
                "label": request.env._("Closed"),
                "domain": [("is_closed", "=", True)],
            },
        }

    def _prepare_my_tickets_values(
        self, page, sortby, filterby, domain=None, url="/my/tickets"
    ):
        """Return the values of the ticket list (after `account`'s `_prepare_my_invoices_values`):
        ``pager`` holds the arguments of `portal_pager`, ``tickets`` a function of the page's
        offset, so that callers may change both before searching.

        :param int page: The page number.
        :param str sortby: A key of `_ticket_get_searchbar_sortings` (else: last activity).
        :param str filterby: A key of `_ticket_get_searchbar_filters` (else: all).
        :param list domain: Restricts the tickets further; record rules already keep the
            client's own.
        :param str url: The URL of the list, for the pager.
        :rtype: dict
        """
        values = self._prepare_portal_layout_values()
        Ticket = request.env["client_hub.ticket"]
        sortings = self._ticket_get_searchbar_sortings()
        filters = self._ticket_get_searchbar_filters()
        sortby = sortby if sortby in sortings else "activity"
        filterby = filterby if filterby in filters else "all"
        domain = Domain(domain or Domain.TRUE) & Domain(filters[filterby]["domain"])
        values.update(
            {
                "tickets": lambda pager_offset: Ticket.search(
                    domain,
                    order=sortings[sortby]["order"],
                    limit=self._items_per_page,
                    offset=pager_offset,
                ),
                "page_name": "client_tickets",
                "default_url": url,
                "pager": {
                    "url": url,
                    "url_args": {"sortby": sortby, "filterby": filterby},
                    "total": Ticket.search_count(domain),
                    "page": page,
                    "step": self._items_per_page,
                },
                "searchbar_sortings": sortings,
                "sortby": sortby,
                "searchbar_filters": filters,
                "filterby": filterby,
            }
        )
        return values

    @http.route(
        ["/my/tickets", "/my/tickets/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_tickets(self, page=1, sortby=None, filterby=None, **kw):
        """The client's tickets; record rules restrict the search to their own."""
        if not isinstance(page, int):
            # given in the query string (?page=...): anything but a page number shows the first
            page = self._parse_positive_int(page) or 1
        values = self._prepare_my_tickets_values(page, sortby, filterby)
        pager = portal_pager(**values["pager"])
        tickets = values["tickets"](pager["offset"])
        request.session["my_tickets_history"] = tickets.ids[:100]
        values.update({"tickets": tickets, "pager": pager})
        return request.render("client_hub.portal_my_tickets", values)

    # ------------------------------------------------------------------
    # New ticket
    # ------------------------------------------------------------------
    @staticmethod
    def _parse_positive_int(text):
        """:return: the number written in ``text`` in plain ASCII digits, when it is within
        the range of database ids (1 to 2**31 - 1), or None when ``text`` is anything else"""
        text = str(text)
        if (
            text.isascii()
            and text.isdigit()
            and len(text) <= 10
            and 0 < int(text) <= MAX_RECORD_ID
        ):
            return int(text)
        return None

    @staticmethod
    def _form_text(value):
        """A text field of a form, stripped, without the NUL characters the database refuses."""
        return (value or "").replace("\x00", "").strip()

    def _ticket_new_values(self, post):
        """Whitelist what the client typed. Ids are cast; what is not an id is kept as typed,
        and the model refuses it as it refuses an id that is not the client's."""
        values = {
            fname: self._form_text(post.get(fname)) for fname in TICKET_FORM_FIELDS
        }
        # `name` is the subject; integrations posting the form may call it that
        values["name"] = values["name"] or self._form_text(post.get("subject"))
        for fname in ("invoice_id", "sale_order_id"):
            if values[fname]:
                values[fname] = self._parse_positive_int(values[fname]) or values[fname]
            else:
                values[fname] = False
        return values

    def _ticket_uploaded_files(self):
        """The files of the form, as (name, content) pairs; empty file inputs are skipped."""
        return [
            (self._form_text(upload.filename), upload.read())
            for upload in request.httprequest.files.getlist("attachments")
            if upload and self._form_text(upload.filename)
        ]

    def _render_ticket_new(self, values=None, error=None):
        partner = request.env.user.partner_id
        Ticket = request.env["client_hub.ticket"]
        values = values or {}
        # the invoice asked about stays selected, even when older than the invoices listed
        # both read as the user: only documents of their allowed companies are offered
        invoices = Ticket._get_client_invoices(partner) | (
            Ticket._get_client_invoice(partner, values.get("invoice_id"))
        )
        page_values = self._prepare_portal_layout_values()
        page_values.update(
            {
                "page_name": "client_ticket_new",
                "form": values,
                "error": error,
                "invoices": invoices,
                "orders": Ticket._get_client_orders(partner),
                "max_size_mb": round(
                    Ticket._get_attachment_max_size() / 1024 / 1024, 1
                ),
            }
        )
        return request.render("client_hub.portal_ticket_new", page_values)

    def _readonly_on_get(self, rule, args):
        """Showing the form only reads (a replica may serve it); posting it writes."""
        return request.httprequest.method in ("GET", "HEAD")

    @http.route(
        "/my/tickets/new",
        type="http",
        auth="user",
        website=True,
        methods=["GET", "POST"],
        readonly=_readonly_on_get,
    )
    def portal_ticket_new(self, **post):
        """GET shows the form (``invoice_id``: "Ask about this invoice", the form linked to
        that invoice); POST (CSRF-checked by the framework) opens the ticket, or shows the
        form again with the error and everything the client typed."""
        if request.httprequest.method != "POST":
            if not post.get("invoice_id"):
                return self._render_ticket_new()
            invoice_id = self._parse_positive_int(self._form_text(post["invoice_id"]))
            try:
                values = request.env[
                    "client_hub.ticket"
                ]._prepare_invoice_question_values(
                    request.env.user.partner_id, invoice_id
                )
            except UserError as error:
                return self._render_ticket_new(error=error.args[0])
            return self._render_ticket_new(values)
        values = self._ticket_new_values(post)
        try:
            ticket = request.env["client_hub.ticket"]._create_from_portal(
                request.env.user.partner_id, values, self._ticket_uploaded_files()
            )
        except (UserError, ValidationError) as error:
            return self._render_ticket_new(values, error=error.args[0])
        return request.redirect(f"{ticket.access_url}?created=1")

    # ------------------------------------------------------------------
    # One ticket
    # ------------------------------------------------------------------
    def _ticket_check_access(self, ticket_id):
        """Return the ticket, sudoed but still as the current user, once the user's own
        read access (their client's tickets) is established; no access token is honoured.

        :raise AccessError|MissingError: not one of the user's tickets
        """
        if not 0 < ticket_id <= MAX_RECORD_ID:
            # the route takes any integer; beyond database ids there is no ticket to look up
            raise MissingError(request.env._("This ticket does not exist."))
        self._document_check_access("client_hub.ticket", ticket_id)
        # sudo: the client's read access was just checked; keep the user as author of changes.
        return request.env["client_hub.ticket"].sudo().browse(ticket_id)

    @http.route("/my/tickets/<int:ticket_id>", type="http", auth="user", website=True)
    def portal_my_ticket(self, ticket_id, **kw):
        try:
            ticket_sudo = self._ticket_check_access(ticket_id)
        except (AccessError, MissingError):
            return request.redirect("/my")
        # the files list links to /web/content with each file's token: clients may not read
        # attachments otherwise. Only the files shared with the client are listed.
        ticket_sudo.client_attachment_ids.generate_access_token()
        values = {
            "page_name": "client_ticket",
            "ticket": ticket_sudo,
            "created": kw.get("created"),
            "can_close": ticket_sudo._can_be_closed_by_client(),
            "priority_labels": dict(
                ticket_sudo._fields["priority"]._description_selection(request.env)
            ),
        }
        values = self._get_page_view_values(
            ticket_sudo, None, values, "my_tickets_history", False
        )
        return request.render("client_hub.portal_my_ticket", values)

    @http.route(
        "/my/tickets/<int:ticket_id>/close",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def portal_ticket_close(self, ticket_id, **kw):
        """Close the ticket (CSRF-checked POST)."""
        try:
            ticket_sudo = self._ticket_check_access(ticket_id)
        except (AccessError, MissingError):
            return request.redirect("/my")
        ticket_sudo._close_by_client()
        return request.redirect(ticket_sudo.access_url)

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import plaintext2html

# Largest record id PostgreSQL stores (ids are 32-bit integers).
MAX_RECORD_ID = 2**31 - 1
PRIORITIES = [("0", "Normal"), ("1", "High"), ("2", "Urgent")]


class ClientHubTicket(models.Model):
    _name = "client_hub.ticket"
    _description = "Support Ticket"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "priority desc, last_activity_date desc, id desc"
    _rec_names_search = ["ref", "name"]
    # A client's users only read their tickets (portal ACL), yet answer in them: the
    # portal chatter and attachment routes require this access to post.
    _mail_post_access = "read"

    def _default_stage_id(self):
        return self.env["client_hub.ticket.stage"].search(
            [("is_closed", "=", False)], limit=1
        )

    ref = fields.Char(
        string="Reference",
        required=True,
        readonly=True,
        copy=False,
        index="trigram",
        default=lambda self: self.env._("New"),
    )
    name = fields.Char(string="Subject", required=True, tracking=True)
    description = fields.Html(sanitize_style=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Contact",
        tracking=True,
        index=True,
        help="The person who opened the ticket.",
    )
    partner_email = fields.Char(related="partner_id.email", string="E-mail")
    commercial_partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        related="partner_id.commercial_partner_id",
        store=True,
        index=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Assigned to",
        tracking=True,
        index=True,
        domain=[("share", "=", False)],
    )
    stage_id = fields.Many2one(
        "client_hub.ticket.stage",
        tracking=True,
        index=True,
        copy=False,
        default=lambda self: self._default_stage_id(),
        group_expand="_read_group_stage_ids",
        ondelete="restrict",
    )
    is_closed = fields.Boolean(related="stage_id.is_closed", store=True)
    priority = fields.Selection(PRIORITIES, default="0", tracking=True)
    invoice_id = fields.Many2one(
        "account.move",
        string="Related Invoice",
        index="btree_not_null",
        domain="[('commercial_partner_id', '=', commercial_partner_id),"
        " ('move_type', 'in', ('out_invoice', 'out_refund'))]",
    )
    sale_order_id = fields.Many2one(
        "sale.order",
        string="Related Quotation",
        index="btree_not_null",
        domain="[('partner_id', 'child_of', commercial_partner_id)]",
    )
    # Every file on the ticket, internal notes' included: for staff only (clients get
    # client_attachment_ids, see client_hub_ticket_attachment.py).
    attachment_ids = fields.One2many(
        "ir.attachment",
        "res_id",
        string="Attachments",
        bypass_search_access=True,
        domain=[("res_model", "=", "client_hub.ticket")],
        groups="base.group_user",
    )
    last_activity_date = fields.Datetime(
        default=fields.Datetime.now,
        readonly=True,
        copy=False,
        help="Date of the last message written by the client or the staff.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    color = fields.Integer()

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends("ref", "name")
    def _compute_display_name(self):
        for ticket in self:
            ticket.display_name = (
                f"[{ticket.ref}] {ticket.name}" if ticket.ref else ticket.name
            )

    def _compute_access_url(self):
        """Override of `portal`: the client's ticket page."""
        for ticket in self:
            ticket.access_url = f"/my/tickets/{ticket.id}"

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        """Show every stage as a kanban column, even the empty ones."""
        # all of them on purpose: a handful of configuration records
        return stages.search([], order=stages._order)  # pylint: disable=no-search-all

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("invoice_id", "sale_order_id", "partner_id")
    def _check_related_documents(self):
        """A ticket may only refer to the client's own invoice or quotation."""
        # sudo: read-only check: the linked invoice/quotation may be unreadable by the author; nothing is returned
        for ticket_sudo in self.sudo():
            client = ticket_sudo.commercial_partner_id
            invoice, order = ticket_sudo.invoice_id, ticket_sudo.sale_order_id
            if invoice and (
                invoice.commercial_partner_id != client
                or invoice.move_type not in ("out_invoice", "out_refund")
            ):
                raise ValidationError(
                    self.env._(
                        "The related invoice must be one of the client's invoices."
                    )
                )
            if order and order.partner_id.commercial_partner_id != client:
                raise ValidationError(
                    self.env._(
                        "The related quotation must be one of the client's quotations."
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        """Override to number the tickets, have the contact follow them (so that staff
        answers reach them) and notify the support team."""
        # sudo: portal users and the mail gateway cannot read sequences; only the next ticket number is drawn
        sequence_sudo = self.env["ir.sequence"].sudo()
        for vals in vals_list:
            if not vals.get("ref") or vals["ref"] == self.env._("New"):
                vals["ref"] = sequence_sudo.next_by_code(
                    "client_hub.ticket"
                ) or self.env._("New")
        tickets = super().create(vals_list)
        for ticket in tickets.filtered("partner_id"):
            ticket.message_subscribe(partner_ids=ticket.partner_id.ids)
        tickets._notify_support_team()
        return tickets

    def write(self, vals):
        """Override to have a new contact follow the ticket."""
        res = super().write(vals)
        if vals.get("partner_id"):
            for ticket in self:
                ticket.message_subscribe(partner_ids=ticket.partner_id.ids)
        return res

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_assign_to_me(self):
        """Button: take the ticket."""
        self.write({"user_id": self.env.uid})

    def action_close(self):
        """Button: move the ticket to the final closing stage."""
        stage = self._get_final_stage()
        if not stage:
            raise UserError(self.env._("Define a closing stage first."))
        self.write({"stage_id": stage.id})

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------
    @api.model
    def _get_final_stage(self):
        """The stage a ticket closed by the client goes to: the last closing stage."""
        # stages are readable by staff and portal users alike (ir.model.access.csv)
        return self.env["client_hub.ticket.stage"].search(
            [("is_closed", "=", True)], order="sequence desc, id desc", limit=1
        )

    def _can_be_closed_by_client(self):
        self.ensure_one()
        return self.stage_id != self._get_final_stage()

    def _close_by_client(self):
        """Close the ticket at the client's request (the caller checked the client's access)."""
        self.ensure_one()
        if not self._can_be_closed_by_client():
            return False
        self.action_close()
        self._message_log(
            body=self.env._("Ticket closed by %s.", self.env.user.partner_id.name)
        )
        return True

    @api.model
    def _get_client_invoice_domain(self, client):
        """Invoices a client may relate a ticket to: its posted invoices and credit notes."""
        return [
            ("commercial_partner_id", "=", client.commercial_partner_id.id),
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("state", "=", "posted"),
        ]

    @api.model
    def _get_client_order_domain(self, client):
        """Quotations a client may relate a ticket to: the sent ones and confirmed orders."""
        return [
            ("partner_id.commercial_partner_id", "=", client.commercial_partner_id.id),
            ("state", "in", ("sent", "sale")),
        ]

    @api.model
    def _get_client_invoices(self, client):
        """:return: the invoices ``client`` may relate a ticket to, newest first, among those
        the current user may read (record rules and allowed companies, as `account`'s portal
        lists them)"""
        return self.env["account.move"].search(
            self._get_client_invoice_domain(client),
            order="invoice_date desc, id desc",
            limit=100,
        )

    @api.model
    def _get_client_invoice(self, client, invoice_id):
        """:return: the invoice ``invoice_id`` when ``client`` may relate a ticket to it (see
        `_get_client_invoice_domain`, whatever its age) and the current user may read it (record
        rules and allowed companies), else an empty recordset
        :param invoice_id: an id, or anything else (then never the client's)
        """
        Move = self.env["account.move"]
        if (
            not isinstance(invoice_id, int)
            or isinstance(invoice_id, bool)
            or not 0 < invoice_id <= MAX_RECORD_ID
        ):
            return Move
        return Move.search(
            [*self._get_client_invoice_domain(client), ("id", "=", invoice_id)], limit=1
        )

    @api.model
    def _prepare_invoice_question_values(self, client, invoice_id):
        """Return the values of the new-ticket form that "Ask about this invoice" opens: the
        invoice and a subject naming it.

        :param res.partner client: the contact asking (the current user's)
        :param invoice_id: the invoice's id, as given in the link
        :rtype: dict
        :raise UserError: when the invoice is not one the client may ask about
        """
        invoice = self._get_client_invoice(client, invoice_id)
        if not invoice:
            raise UserError(self.env._("The selected invoice is not available."))
        return {
            "name": self.env._("Question about %s", invoice.name),
            "invoice_id": invoice.id,
        }

    @api.model
    def _get_client_orders(self, client):
        """:return: the quotations ``client`` may relate a ticket to, newest first, among those
        the current user may read (record rules and allowed companies, as `sale`'s portal lists
        them)"""
        return self.env["sale.order"].search(
            self._get_client_order_domain(client),
            order="date_order desc, id desc",
            limit=100,
        )

    @api.model
    def _create_from_portal(self, partner, values, files=()):
        """Open a ticket for ``partner`` from what they typed in the portal.

        :param res.partner partner: the contact opening the ticket (the current user's)
        :param dict values: ``name``, ``description`` (plain text), ``invoice_id`` and
            ``sale_order_id`` (ids, False, or what was typed when it is not an id: refused
            like an id that is not the client's), already whitelisted by the controller
        :param list files: ``(file name, content)`` pairs to attach
        :raise UserError: with the message for the client; nothing is created then
        """
        subject = (values.get("name") or "").strip()
        if not subject:
            raise UserError(self.env._("Please enter a subject for your ticket."))
        # read as the user: a document of a company they are not allowed in is refused
        invoice = self._get_client_invoice(partner, values.get("invoice_id"))
        if values.get("invoice_id") and not invoice:
            raise UserError(self.env._("The selected invoice is not available."))
        order = self._get_client_orders(partner).filtered(
            lambda o: o.id == values.get("sale_order_id")
        )
        if values.get("sale_order_id") and not order:
            raise UserError(self.env._("The selected quotation is not available."))
        for filename, content in files:
            self._check_attachment_size(filename, len(content))
        description = (values.get("description") or "").strip()
        # sudo: portal users only read tickets; this opens one for themselves with
        # whitelisted values, keeping them as the author.
        ticket_sudo = self.sudo().create(
            {
                "name": subject[:200],
                "description": plaintext2html(description) if description else False,
                "partner_id": partner.id,
                "invoice_id": invoice.id,
                "sale_order_id": order.id,
            }
        )
        if files:
            # sudo: portal users cannot attach to tickets: the ticket was just created for them and sizes checked
            self.env["ir.attachment"].sudo().create(
                [
                    {
                        "name": filename,
                        "raw": content,
                        "res_model": self._name,
                        "res_id": ticket_sudo.id,
                    }
                    for filename, content in files
                ]
            )
        return ticket_sudo

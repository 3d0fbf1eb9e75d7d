from odoo import api, fields, models
from odoo.fields import Domain

from ..const import CLIENT_FIGURE_GROUPS


class ResPartner(models.Model):
    """Client dashboard: the figures (invoiced, paid, due, overdue), the latest
    documents and the lists they open."""

    _inherit = "res.partner"

    # The figures add up the current company's posted customer invoices and credit notes
    # per commercial partner (the engine: `client_hub.figures.bucket`): one query for a
    # whole recordset; the Clients list sorts and filters on them in SQL
    # (res_partner_dashboard_list.py).
    # Field -> aggregate of `client_hub.figures.bucket._figure_aggregates`.
    _CLIENT_FIGURE_COLUMNS = {
        "client_total_invoiced": "invoiced",
        "client_total_paid": "paid",
        "client_balance_due": "due",
        "client_overdue_amount": "overdue",
    }
    _CLIENT_DOCUMENT_LIMIT = 80
    client_currency_id = fields.Many2one(
        "res.currency", compute="_compute_client_currency_id"
    )
    client_total_invoiced = fields.Monetary(
        currency_field="client_currency_id",
        compute="_compute_client_figures",
        search="_search_client_total_invoiced",
        groups=CLIENT_FIGURE_GROUPS,
        help="Posted customer invoices minus credit notes, taxes included, in company currency.",
    )
    client_total_paid = fields.Monetary(
        currency_field="client_currency_id",
        compute="_compute_client_figures",
        search="_search_client_total_paid",
        groups=CLIENT_FIGURE_GROUPS,
        help="Money collected: total invoiced minus what is still open.",
    )
    client_balance_due = fields.Monetary(
        currency_field="client_currency_id",
        compute="_compute_client_figures",
        search="_search_client_balance_due",
        groups=CLIENT_FIGURE_GROUPS,
        help="Amount still open on posted invoices, net of open credit notes.",
    )
    client_overdue_amount = fields.Monetary(
        currency_field="client_currency_id",
        compute="_compute_client_figures",
        search="_search_client_overdue_amount",
        groups=CLIENT_FIGURE_GROUPS,
        help="Amount still open on documents past their due date.",
    )
    client_is_overdue = fields.Boolean(
        string="Is Overdue",
        compute="_compute_client_figures",
        search="_search_client_is_overdue",
        groups=CLIENT_FIGURE_GROUPS,
    )
    client_invoice_ids = fields.Many2many(
        "account.move",
        string="Client Invoices",
        compute="_compute_client_invoices",
        groups=CLIENT_FIGURE_GROUPS,
    )
    client_invoice_count = fields.Integer(
        compute="_compute_client_invoices", groups=CLIENT_FIGURE_GROUPS
    )
    client_order_ids = fields.Many2many(
        "sale.order",
        string="Client Quotations",
        compute="_compute_client_orders",
        groups="sales_team.group_sale_salesman",
    )
    client_order_count = fields.Integer(
        compute="_compute_client_orders", groups="sales_team.group_sale_salesman"
    )

    @api.depends_context("company")
    def _compute_client_currency_id(self):
        self.client_currency_id = self.env.company.currency_id

    @api.depends("commercial_partner_id")
    @api.depends_context("company", "uid")
    def _compute_client_figures(self):
        Figures = self.env["client_hub.figures.bucket"]
        if all(self._ids):
            # saved partners: their commercial partner is looked up in the same query
            figures = Figures._read_figures(self._ids, contacts=True)
            keys = {partner: partner.id for partner in self}
        else:
            # a partner being edited: the figures of the commercial partner it has now
            figures = Figures._read_figures(
                [pid for pid in self.commercial_partner_id._origin.ids if pid]
            )
            keys = {
                partner: partner.commercial_partner_id._origin.id for partner in self
            }
        for partner in self:
            row = figures.get(keys[partner], {})
            for fname, column in self._CLIENT_FIGURE_COLUMNS.items():
                partner[fname] = row.get(column, 0.0)
            partner.client_is_overdue = row.get("overdue", 0.0) > 0

    @api.depends("commercial_partner_id")
    @api.depends_context("company", "uid")
    def _compute_client_invoices(self):
        # the field's groups grant read access; record rules still apply
        self._compute_client_latest(
            "account.move",
            "_get_client_invoice_domain",
            "client_invoice_ids",
            "client_invoice_count",
        )

    @api.depends("commercial_partner_id")
    @api.depends_context("company", "uid")
    def _compute_client_orders(self):
        self._compute_client_latest(
            "sale.order",
            "_get_client_order_domain",
            "client_order_ids",
            "client_order_count",
        )

    def _compute_client_latest(
        self, model_name, domain_method, list_fname, count_fname
    ):
        """Assign the latest documents of each client to `list_fname` (a page of them,
        so the form stays fast for a client with thousands) and their number."""
        Model = self.env[model_name]
        for partner in self:
            commercial = partner.commercial_partner_id._origin
            domain = (
                getattr(commercial, domain_method)() if commercial else Domain.FALSE
            )
            partner[list_fname] = Model.search(
                domain, limit=self._CLIENT_DOCUMENT_LIMIT
            )
            partner[count_fname] = Model.search_count(domain)

    def action_client_open_invoices(self):
        """Open this client's invoices and credit notes in a full, filterable list."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action.update(
            {
                "domain": self.commercial_partner_id._get_client_invoice_domain(),
                "context": {
                    "default_move_type": "out_invoice",
                    "default_partner_id": self.commercial_partner_id.id,
                },
            }
        )
        return action

    def action_client_open_orders(self):
        """Open this client's quotations and orders in a full, filterable list."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sale.action_quotations_with_onboarding"
        )
        action.update(
            {
                "domain": self.commercial_partner_id._get_client_order_domain(),
                "context": {"default_partner_id": self.commercial_partner_id.id},
            }
        )
        return action

    def _get_client_invoice_domain(self):
        """Customer invoices and credit notes of this commercial partner in the current
        company, any state."""
        self.ensure_one()
        return [
            ("commercial_partner_id", "=", self.id),
            ("company_id", "=", self.env.company.id),
            ("move_type", "in", ["out_invoice", "out_refund"]),
        ]

    def _get_client_order_domain(self):
        """Quotations and orders of this commercial partner and its contacts in the
        current company."""
        self.ensure_one()
        return [
            ("partner_id", "child_of", self.id),
            ("company_id", "=", self.env.company.id),
        ]

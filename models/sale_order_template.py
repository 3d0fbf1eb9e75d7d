from odoo import fields, models


class SaleOrderTemplate(models.Model):
    _inherit = "sale.order.template"

    # quotation templates pick global e-mail templates, never a client's own copy
    mail_template_id = fields.Many2one(
        domain=[("model", "=", "sale.order"), ("client_hub_partner_id", "=", False)]
    )

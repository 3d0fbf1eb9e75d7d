from odoo import api, fields, models

from odoo.addons.mail.tools.parser import parse_res_ids


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    # client copies are offered only where they apply, never in the template picker
    template_id = fields.Many2one(
        domain="[('model', '=', model), ('client_hub_partner_id', '=', False), "
        "'|', ('user_id', '=', False), ('user_id', '=', uid)]",
    )

    @api.model
    def default_get(self, fields):
        """Override of `mail`: a composer opened on one document with a global template
        that the document's client replaced (e.g. "Send receipt by email" on a payment)
        starts from the client's own template."""
        result = super().default_get(fields)
        context = self.env.context
        template = self.env["mail.template"].browse(result.get("template_id"))
        mode = result.get("composition_mode") or context.get("default_composition_mode")
        if not template or template.client_hub_partner_id or mode == "mass_mail":
            return result
        model = context.get("default_model") or context.get("active_model")
        res_ids = parse_res_ids(
            context.get("default_res_ids") or context.get("active_ids"), self.env
        ) or ([context["active_id"]] if context.get("active_id") else [])
        if model != template.model or len(res_ids) != 1:
            return result
        client_template = template._client_hub_get_client_replacement(
            self.env[model].browse(res_ids)
        )
        if client_template:
            result["template_id"] = client_template.id
        return result

    def _prepare_mail_values_dynamic(self, res_ids):
        """Override of `mail`: in a batch sent with a global template left as it is (e.g.
        "Send receipts by email" on several payments), the documents of clients that have
        their own template get that template's subject and body."""
        values = super()._prepare_mail_values_dynamic(res_ids)
        template = self.template_id
        if (
            (self.composition_mode != "mass_mail" and not self.composition_batch)
            or not template
            or template.client_hub_partner_id
            or self.subject != template.subject
            or not self.body_has_template_value
            or "partner_id" not in self.env[self.model]._fields
        ):
            return values
        records = self.env[self.model].browse(res_ids)
        for client_records in records.grouped(
            lambda record: record.partner_id.commercial_partner_id
        ).values():
            client_template = template._client_hub_get_client_replacement(
                client_records
            )
            if not client_template:
                continue
            subjects = client_template._render_field(
                "subject", client_records.ids, compute_lang=True
            )
            bodies = client_template._render_field(
                "body_html",
                client_records.ids,
                compute_lang=True,
                options={"preserve_comments": self.composition_mode == "mass_mail"},
            )
            for record in client_records:
                record_values = values[record.id]
                record_values.update(
                    subject=subjects[record.id], body=bodies[record.id]
                )
                if "body_html" in record_values:
                    record_values["body_html"] = bodies[record.id]
        return values

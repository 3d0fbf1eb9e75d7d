from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Command


class ClientHubDemo(models.AbstractModel):
    """Builds the demo documents of `make run`: invoices in every state and quotations
    sent, accepted and rejected, through the same business methods staff use."""

    _name = "client_hub.demo"
    _description = "Client Hub Demo Data"

    @api.model
    def _load_demo_documents(self):
        today = fields.Date.context_today(self)
        product = self.env.ref("client_hub.product_demo_consulting")
        sakura = self.env.ref("client_hub.partner_demo_sakura")
        atomium = self.env.ref("client_hub.partner_demo_brussels")
        spree = self.env.ref("client_hub.partner_demo_berlin")
        camille = self.env.ref("client_hub.partner_demo_individual")
        if self.env.company.currency_id.name == "JPY":
            # the demo of a company in Japan (tools/demo_japan.py): a consulting day in yen
            product.list_price = 80000

        def invoice(
            partner,
            days_ago,
            quantity,
            move_type="out_invoice",
            post=True,
            term_days=30,
        ):
            move = self.env["account.move"].create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "invoice_date": today - timedelta(days=days_ago),
                    "invoice_date_due": today - timedelta(days=days_ago - term_days),
                    "invoice_line_ids": [
                        Command.create({"product_id": product.id, "quantity": quantity})
                    ],
                }
            )
            if post:
                move.action_post()
            return move

        def pay(move, amount=None):
            self.env["account.payment.register"].with_context(
                active_model="account.move",
                active_ids=move.ids,
            ).create({"amount": amount or move.amount_residual})._create_payments()

        # Sakura: one invoice in every state
        invoice(sakura, 0, 3, post=False)  # draft
        invoice(sakura, 5, 8).is_move_sent = True  # sent, not yet due
        pay(
            partial := invoice(sakura, 20, 10), partial.amount_total / 2
        )  # partially paid
        pay(invoice(sakura, 90, 12))  # paid
        invoice(sakura, 75, 6).is_move_sent = True  # overdue (45 days)
        invoice(sakura, 130, 4).is_move_sent = True  # overdue (100 days)
        invoice(sakura, 40, 2).button_cancel()  # cancelled
        invoice(sakura, 15, 1, move_type="out_refund")  # credit note
        # other clients
        invoice(atomium, 10, 5)
        invoice(atomium, 45, 7)
        pay(invoice(atomium, 100, 9))
        pay(invoice(spree, 60, 20))
        invoice(camille, 3, 1)

        # quotations: draft, sent, accepted, rejected by the client, cancelled by staff
        def quotation(partner, quantity):
            return self.env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "order_line": [
                        Command.create(
                            {"product_id": product.id, "product_uom_qty": quantity}
                        )
                    ],
                }
            )

        quotation(sakura, 5)
        quotation(sakura, 15).action_quotation_sent()
        quotation(sakura, 25).action_confirm()
        rejected = quotation(sakura, 40)
        rejected.action_quotation_sent()
        rejected._client_hub_reject(self.env._("Budget postponed to next year."))
        quotation(sakura, 2)._action_cancel()
        quotation(atomium, 8).action_quotation_sent()
        quotation(spree, 30).action_confirm()

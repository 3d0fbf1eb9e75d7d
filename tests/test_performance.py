"""Query counts of the client figures, as an accountant reads them: the four figures of one
client, and the page of 80 clients the Clients list opens on.

The counts are those measured on this code (the same on every run): a change that costs
more queries fails here, one that saves some is logged; set them again when that is meant.
"""

from datetime import timedelta

from odoo.fields import Command
from odoo.tests import new_test_user, tagged, users, warmup
from odoo.tools.safe_eval import safe_eval

from .common import FIGURES, ClientHubCommon

FIGURES_READ_QUERIES = 4
# + 1 aggregate for the payment behaviour columns (average days, on time, last payment)
CLIENTS_PAGE_QUERIES = 20


@tagged("post_install", "-at_install")
class TestFiguresPerformance(ClientHubCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(
            cls.env,
            login="ch_accountant",
            name="Ann Accountant",
            groups="base.group_user,account.group_account_invoice",
        )
        cls.clients = cls.env["res.partner"].create(
            [
                {"name": f"Client {i:02d}", "is_company": True, "customer_rank": 1}
                for i in range(80)
            ]
        )
        # each client: an invoice of 100 due in 30 days, and one of 50 due 10 days ago (overdue)
        moves = cls.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": client.id,
                    "invoice_date": cls.today - timedelta(days=40),
                    "invoice_payment_term_id": False,
                    "invoice_date_due": cls.today + timedelta(days=due_in),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Consulting",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.set([])],
                            }
                        )
                    ],
                }
                for client in cls.clients
                for amount, due_in in ((100.0, 30), (50.0, -10))
            ]
        )
        moves.action_post()
        # every fourth client paid its overdue invoice
        overdue = moves.filtered(lambda move: move.amount_total == 50.0)
        cls._register_payment(
            overdue.filtered(lambda move: move.partner_id in cls.clients[::4])
        )

    @users("ch_accountant")
    @warmup
    def test_figures_of_one_client(self):
        client = self.env["res.partner"].browse(self.clients[1].id)
        self.env.invalidate_all()
        with self.assertQueryCount(FIGURES_READ_QUERIES):
            figures = [client[fname] for fname in FIGURES]
        self.assertEqual(figures, [150.0, 0.0, 150.0, 50.0])

    @users("ch_accountant")
    @warmup
    def test_clients_list_page(self):
        """The first page of the Clients list (`web_search_read` of its list view's fields)."""
        Partner = self.env["res.partner"]
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "client_hub.res_partner_action_client"
        )
        list_view_id = next(
            view_id for view_id, view_type in action["views"] if view_type == "list"
        )
        views = Partner.get_views([(list_view_id, "list")])
        fields = views["models"]["res.partner"]["fields"]
        specification = {
            fname: {"fields": {"display_name": {}}}
            if field["type"] in ("many2one", "one2many", "many2many")
            else {}
            for fname, field in fields.items()
        }
        self.assertTrue(set(FIGURES) <= set(specification))
        domain = [*safe_eval(action["domain"]), ("id", "in", self.clients.ids)]
        self.env.invalidate_all()
        with self.assertQueryCount(CLIENTS_PAGE_QUERIES):
            page = Partner.web_search_read(
                domain, specification, limit=80, order="name"
            )
        self.assertEqual(page["length"], 80)
        figures = [
            (record["client_balance_due"], record["client_overdue_amount"])
            for record in page["records"]
        ]
        self.assertEqual(
            figures[:4], [(100.0, 0.0), (150.0, 50.0), (150.0, 50.0), (150.0, 50.0)]
        )

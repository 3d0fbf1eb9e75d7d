"""Fixtures of the Electronic Bookkeeping archive tests (`client_hub.issued.document`)."""

import hashlib
from datetime import date
from unittest.mock import patch

from odoo.fields import Command
from odoo.tests import new_test_user

from .common import ClientHubFixtures

DOCS = "client_hub.issued.document"


def sha256(content):
    return hashlib.sha256(content).hexdigest()


class ArchiveFixtures(ClientHubFixtures):
    """A client without e-invoicing formats (its PDF is the whole document), staff of the
    main company and of another one, and helpers that issue documents the ways the module
    archives them."""

    @classmethod
    def _setup_archive(cls):
        env = cls.env
        cls._setup_clients()
        cls.client = env["res.partner"].create(
            {"name": "Kaisha Archive", "is_company": True, "email": "k@archive.example"}
        )
        cls.client_contact = env["res.partner"].create(
            {
                "name": "Taro",
                "parent_id": cls.client.id,
                "email": "taro@archive.example",
            }
        )
        cls.staff = new_test_user(
            env,
            login="ch_archive_staff",
            groups="base.group_user,base.group_partner_manager,account.group_account_invoice,"
            "sales_team.group_sale_salesman",
        )
        cls.admin = env.ref("base.user_admin")
        cls.company_2 = env["res.company"].create({"name": "Archive Other Co"})
        cls.staff_2 = new_test_user(
            env,
            login="ch_archive_staff_2",
            groups="base.group_user,account.group_account_invoice",
            company_id=cls.company_2.id,
            company_ids=[Command.set(cls.company_2.ids)],
        )
        cls.product = env["product.product"].create(
            {"name": "Archive Service", "list_price": 1000.0}
        )

    def _invoice(self, amount=1000.0, move_type="out_invoice", partner=None):
        return self._make_invoice(
            partner or self.client_contact, amount, move_type=move_type
        )

    def _send_and_print(self, invoices, user=None):
        """Odoo's Send & Print, as ``user`` (tests store the HTML rendering as the PDF)."""
        Send = self.env["account.move.send"].with_user(user or self.staff)
        Send._generate_and_send_invoices(
            invoices.with_user(user or self.staff), sending_methods={"manual"}
        )
        invoices.invalidate_recordset()

    def _rows(self, records):
        return (
            self.env[DOCS]
            .sudo()
            .search(
                [("res_model", "=", records._name), ("res_id", "in", records.ids)],
                order="id",
            )
        )

    def _patch_wkhtmltopdf(self):
        """wkhtmltopdf is an outside process: each run returns distinct bytes."""
        runs = []

        def fake_run(report, bodies, *args, **kwargs):
            runs.append(len(bodies))
            return (
                b"%PDF-1.4 fake " + sha256("".join(map(str, bodies)).encode()).encode()
            )

        self.startPatcher(
            patch.object(
                self.env.registry["ir.actions.report"], "_run_wkhtmltopdf", fake_run
            )
        )
        return runs

    def _issue(self, partner, day, amount, company=None, name=None, content=None):
        """Archive a document directly (search tests need many of them)."""
        company = company or self.env.company
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"{name or day}.pdf",
                "raw": content or f"%PDF {partner.id} {day} {amount}".encode(),
                "res_model": "res.partner",
                "res_id": partner.id,
            }
        )
        vals = self.env[DOCS]._prepare_archive_vals(
            partner,
            attachment,
            document_type="invoice",
            date=date.fromisoformat(day),
            amount=amount,
            currency_id=company.currency_id.id,
            partner_id=partner.commercial_partner_id.id,
            company_id=company.id,
            name=name or f"INV/{day}/{amount}",
        )
        return self.env[DOCS]._archive([vals])

    def _quotation(self, partner=None):
        return self.env["sale.order"].create(
            {
                "partner_id": (partner or self.client_contact).id,
                "user_id": self.staff.id,
                "order_line": [Command.create({"product_id": self.product.id})],
            }
        )

    def _send_with_composer(self, action, user=None):
        composer = (
            self.env["mail.compose.message"]
            .with_user(user or self.staff)
            .with_context(**action["context"])
            .create({})
        )
        composer.action_send_mail()

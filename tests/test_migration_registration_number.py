"""Upgrade to 19.0.1.5.0: the registration number of client_hub's former field
`res.company.client_hub_jp_registration_number` moves into the company's Tax ID, nothing lost.

The migration script runs against rows prepared with SQL: the test re-adds the old column in
its own transaction, which rolls it back."""

import importlib.util

from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL
from odoo.tools.misc import file_path

MIGRATION = "client_hub/migrations/19.0.1.5.0/post-migrate.py"
MIGRATION_LOGGER = "odoo.addons.client_hub.migrations.post_migrate_19_0_1_5_0"


def load_migration():
    spec = importlib.util.spec_from_file_location(
        MIGRATION_LOGGER, file_path(MIGRATION)
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestRegistrationNumberMigration(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.migration = load_migration()
        japan = cls.env.ref("base.jp")
        cls.empty, cls.equal, cls.differ, cls.none = cls.env["res.company"].create(
            [
                {"name": name, "country_id": japan.id, "vat": vat}
                for name, vat in (
                    ("Empty Tax ID K.K.", False),
                    ("Same Number K.K.", "T7000012050002"),
                    ("Two Numbers K.K.", "T7000012050002"),
                    ("No Number K.K.", "T2011001234567"),
                )
            ]
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "Contact of Empty", "parent_id": cls.empty.partner_id.id}
        )

    def _migrate(self, numbers):
        """Re-add the old column, fill it with `numbers` (company -> number) and migrate."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            SQL(
                "ALTER TABLE res_company ADD COLUMN %s varchar",
                SQL.identifier(self.migration.OLD_COLUMN),
            )
        )
        for company, number in numbers.items():
            cr.execute(
                SQL(
                    "UPDATE res_company SET %s = %s WHERE id = %s",
                    SQL.identifier(self.migration.OLD_COLUMN),
                    number,
                    company.id,
                )
            )
        self.migration.migrate(cr, "19.0.1.4.0")
        self.env.flush_all()
        self.env.invalidate_all()

    def _notes(self, company):
        return company.partner_id.message_ids.filtered(
            lambda message: "registration number" in (message.body or "")
        )

    def test_moved_kept_or_noted(self):
        with self.assertLogs(MIGRATION_LOGGER, "INFO") as logs:
            self._migrate(
                {
                    self.empty: "T1011001098765",
                    self.equal: " T7000012050002 ",
                    self.differ: "T1011001098765",
                }
            )

        # empty Tax ID: the number moves in, and reaches the company's contacts
        self.assertEqual(self.empty.vat, "T1011001098765")
        self.assertEqual(self.empty.partner_id.vat, "T1011001098765")
        self.assertEqual(self.contact.vat, "T1011001098765")
        self.assertFalse(self._notes(self.empty))

        # equal: nothing to do
        self.assertEqual(self.equal.vat, "T7000012050002")
        self.assertFalse(self._notes(self.equal))

        # different: the Tax ID stays, the conflict is logged and the old number noted
        self.assertEqual(self.differ.vat, "T7000012050002")
        [warning] = [line for line in logs.output if line.startswith("WARNING")]
        for part in ("Two Numbers K.K.", "T7000012050002", "T1011001098765"):
            self.assertIn(part, warning)
        [note] = self._notes(self.differ)
        self.assertIn("T1011001098765", note.body)
        self.assertIn("T7000012050002", note.body)

        self.assertEqual(self.none.vat, "T2011001234567", "no old number: untouched")

    def test_rerun_changes_nothing(self):
        numbers = {self.empty: "T1011001098765"}
        self._migrate(numbers)
        self.migration.migrate(self.env.cr, "19.0.1.4.0")
        self.env.invalidate_all()
        self.assertEqual(self.empty.vat, "T1011001098765")
        self.assertFalse(self._notes(self.empty))

    def test_without_the_old_column_nothing_happens(self):
        self.migration.migrate(self.env.cr, "19.0.1.4.0")
        self.env.invalidate_all()
        self.assertFalse(self.empty.vat)

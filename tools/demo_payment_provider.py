# Run through `odoo shell` by the harness, only on the databases it installs with payment_demo
# (`make run`'s demo, `make test`'s lifecycle database): makes Odoo's Demo provider pay the
# statement there. client_hub itself never publishes it: a published Demo provider settles
# invoices without any money, so it has no place in a real database.
import sys

if env["ir.module.module"].search([("name", "=", "payment_demo")]).state != "installed":  # noqa: F821
    print("[client_hub] payment_demo is not installed: the Demo provider is left alone")
    sys.exit(1)
provider = env.ref("payment.payment_provider_demo")  # noqa: F821
bank_journal = env["account.journal"].search(  # noqa: F821
    [("type", "=", "bank"), ("company_id", "=", provider.company_id.id)],
    limit=1,
)
# Test mode, published; its payments go to the bank journal, so paid invoices are reconciled at once.
provider.write({"state": "test", "is_published": True, "journal_id": bank_journal.id})
env.cr.commit()  # noqa: F821
print(
    f"[client_hub] Demo payment provider: test mode, published, journal {bank_journal.name}"
)

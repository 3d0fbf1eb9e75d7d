# ruff: noqa: F821 (`env` is given by `odoo shell`)
"""Set up the database of tools/cluster.sh; run by it in `odoo shell`, before the servers start
(the parameters below are cached by each server process).

- The base URL (links in e-mails, wkhtmltopdf's assets) is server A's, and frozen.
- Stripe in test mode with fake keys and a webhook signing secret, so that the scenario
  (tools/cluster_scenario.py) can deliver signed events. Nothing here ever reaches Stripe: a
  throwaway database, and the module's data ships no key.
- Stock's VIES synchronisation cron off: the cluster does not reach the Internet.
"""

import os
import secrets

base_url = os.environ["CLUSTER_BASE_URL"]
ICP = env["ir.config_parameter"].sudo()
for key, value in {
    "web.base.url": base_url,
    "web.base.url.freeze": "True",
    "report.url": base_url,
}.items():
    ICP.set_param(key, value)

company = env.company
if not company.email:
    company.email = "billing@cluster.example.com"
journal = env["account.journal"].search(
    [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
)
stripe = env.ref("payment.payment_provider_stripe")
stripe.write(
    {
        "state": "test",
        "is_published": True,
        "journal_id": journal.id,
        "stripe_secret_key": "sk_test_cluster_fake",
        "stripe_publishable_key": "pk_test_cluster_fake",
        "stripe_webhook_secret": stripe.stripe_webhook_secret
        or f"whsec_cluster_{secrets.token_hex(16)}",
    }
)
env.ref("payment.payment_method_card").active = True
# The cluster has no Internet: stock's VIES synchronisation would log an error at each run.
if vies_cron := env.ref("base_vat.vies_iap_check_update", raise_if_not_found=False):
    vies_cron.active = False
env.cr.commit()
print("cluster setup done")

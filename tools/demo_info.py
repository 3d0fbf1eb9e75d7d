# Run through `odoo shell` by `make run`: prints where to start in the demo.
base_url = env["ir.config_parameter"].sudo().get_param("web.base.url")  # noqa: F821
client = env.ref("client_hub.partner_demo_sakura", raise_if_not_found=False)  # noqa: F821
lines = [
    "",
    "client_hub demo",
    f"  Staff (backend):  {base_url}/odoo/clients   login: admin / password: admin",
]
if client:
    lines.append(f"  Demo client:      {client.name} ({client.email})")
    link = client._get_client_magic_link_url()
    env.cr.commit()  # noqa: F821
    lines.append(f"  Client portal:    {link}")
    lines.append(
        "                    (magic link: opens the client's statement, valid for 30 days;"
    )
    lines.append(
        "                     a fresh one: staff button 'Send portal link' or /client/login)"
    )
# the Japanese demo (tools/demo_japan.py): a qualified invoice at 10 % and 8 %
qualified = env.ref(  # noqa: F821
    "__client_hub_demo__.invoice_sakura_workshop", raise_if_not_found=False
)
if qualified:
    lines.append(
        f"  Qualified invoice: {qualified.name} of {qualified.company_id.name} "
        f"({qualified.company_id.vat}), 10 % and 8 %"
    )
transfer_account = env.ref(  # noqa: F821
    "__client_hub_demo__.bank_account_company", raise_if_not_found=False
)
if transfer_account:
    lines.append(
        f"  Bank transfers:   to {transfer_account.bank_id.name} "
        f"{transfer_account.client_hub_branch_name} {transfer_account.acc_number} "
        "(振込先 on invoices and statements)"
    )
    stripe = env.ref("payment.payment_provider_stripe")  # noqa: F821
    japanese_methods = stripe.with_context(
        active_test=False
    ).payment_method_ids.filtered(
        lambda method: method.code in ("jp_bank_transfer", "konbini")
    )
    if stripe.state == "disabled" and japanese_methods:
        lines.append(
            f"  Stripe:           {', '.join(japanese_methods.mapped('name'))} set up, "
            "disabled: enter the keys as README.md's"
        )
        lines.append(
            "                    'Bank transfers (振込) and konbini with Stripe' tells"
        )
lines += [
    f"  Look first at:    Clients > {client.name if client else 'Sakura Trading K.K.'} "
    "(dashboard, e-mail templates, tickets),",
    "                    then the client portal link above (statement, pay, ZIP, support).",
    "",
]
print("\n".join(lines))

# Run through `odoo shell` by tools/harness.sh (upgrade_check): an upgrade from the module of an
# earlier commit keeps the data of a database in use. One script for three steps, chosen by
# CLIENT_HUB_UPGRADE_STEP:
#   populate  (earlier module) two clients with invoices, a partial payment, a quotation, a
#             client's own e-mail templates, magic links and a ticket with messages;
#   snapshot  (earlier module) write what the clients' data reads like to CLIENT_HUB_SNAPSHOT;
#   compare   (after `-u client_hub` with the current code) read it again and compare.
# The populate step may use the earlier module's methods; snapshot and compare read only the
# public contract (model and field names), which both versions share. Exit status 0 when equal.
import json
import os
import sys
from datetime import timedelta

from odoo import Command, fields

env = env  # noqa: F821 (given by odoo shell)
PREFIX = "Upgrade Check"
TEMPLATE_KINDS = ("invoice", "credit_note", "quotation", "order", "receipt")
FIGURES = [
    "client_billing_email",
    "client_billing_phone",
    "client_total_invoiced",
    "client_total_paid",
    "client_balance_due",
    "client_overdue_amount",
    "client_is_overdue",
    "client_invoice_count",
    "client_order_count",
]
LINK_FIELDS = [
    "partner_id",
    "token_hash",
    "purpose",
    "expiration_date",
    "consumed_date",
    "revoked",
    "create_ip",
    "last_used_date",
    "last_used_ip",
]
TICKET_FIELDS = [
    "ref",
    "name",
    "description",
    "partner_id",
    "commercial_partner_id",
    "user_id",
    "stage_id",
    "is_closed",
    "priority",
    "invoice_id",
    "sale_order_id",
    "company_id",
]
MOVE_FIELDS = [
    "name",
    "move_type",
    "state",
    "partner_id",
    "invoice_date",
    "invoice_date_due",
    "amount_total",
    "amount_residual",
    "payment_state",
    "client_invoice_status",
]
TEMPLATE_FIELDS = [
    "name",
    "model",
    "subject",
    "body_html",
    "email_layout_xmlid",
    "client_hub_partner_id",
    "client_hub_kind",
]


def populate():
    today = fields.Date.context_today(env["res.partner"])
    partners = env["res.partner"]
    client_a = partners.create(
        {
            "name": f"{PREFIX} Atomium",
            "is_company": True,
            "email": "office@atomium.example.com",
            "client_billing_email": "finance@atomium.example.com",
            "client_billing_phone": "+32 2 555 01 01",
            "street": "Boulevard du Centenaire 1",
            "city": "Brussels",
            "zip": "1020",
        }
    )
    contact_a = partners.create(
        {
            "name": f"{PREFIX} Ada Contact",
            "parent_id": client_a.id,
            "email": "ada@atomium.example.com",
        }
    )
    client_b = partners.create(
        {
            "name": f"{PREFIX} Borealis",
            "is_company": True,
            "email": "ap@borealis.example.com",
        }
    )

    def invoice(partner, amount, days_ago, move_type="out_invoice", post=True):
        move = env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_date": today - timedelta(days=days_ago),
                "invoice_date_due": today - timedelta(days=days_ago - 30),
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Consulting", "quantity": 1, "price_unit": amount}
                    )
                ],
            }
        )
        if post:
            move.action_post()
        return move

    def pay(moves, amount=None):
        wizard = (
            env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=moves.ids)
            .create({} if amount is None else {"amount": amount})
        )
        wizard._create_payments()

    # Atomium: one overdue invoice partly paid, one open, a credit note, a draft
    overdue = invoice(client_a, 1000.0, 60)
    pay(overdue, 400.0)
    invoice(client_a, 250.0, 5)
    invoice(client_a, 100.0, 3, move_type="out_refund")
    invoice(client_a, 75.0, 1, post=False)
    # Borealis: one paid, one overdue
    pay(invoice(client_b, 500.0, 40))
    invoice(client_b, 300.0, 45)

    product = env["product.product"].create(
        {"name": f"{PREFIX} Audit", "list_price": 800.0}
    )
    order = env["sale.order"].create(
        {
            "partner_id": client_a.id,
            "order_line": [
                Command.create({"product_id": product.id, "product_uom_qty": 2})
            ],
        }
    )
    orders_b = env["sale.order"].create(
        [
            {
                "partner_id": client_b.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": qty})
                ],
            }
            for qty in (1, 3)
        ]
    )
    orders_b[0].action_confirm()
    orders_b[1]._client_hub_reject("Too expensive this year.")

    # Atomium's own invoice and quotation e-mails (copies of the global templates)
    client_a.write(
        {
            "client_invoice_template_subject": "Invoice {{ object.name }} for Atomium",
            "client_invoice_template_body": '<p>Dear Atomium, invoice <t t-out="object.name"/>.</p>',
            "client_quotation_template_subject": "Quotation {{ object.name }} for Atomium",
            "client_quotation_template_body": "<p>Our quotation, with thanks.</p>",
        }
    )

    # magic links: a document link, a used sign-in link, a revoked one
    client_a._get_client_magic_link_url()
    contact_a._get_client_magic_link_url(
        redirect=order.get_portal_url(), purpose="login"
    )
    links = env["client_hub.magic.link"].search([("partner_id", "=", contact_a.id)])
    links.write(
        {
            "consumed_date": fields.Datetime.now(),
            "last_used_date": fields.Datetime.now(),
            "last_used_ip": "192.0.2.10",
        }
    )
    client_b._get_client_magic_link_url()
    env["client_hub.magic.link"].search([("partner_id", "=", client_b.id)])._revoke()

    # a ticket about the overdue invoice, with a client message and an answer
    ticket = env["client_hub.ticket"].create(
        {
            "name": "Question about the overdue invoice",
            "description": "<p>Can we pay in two parts?</p>",
            "partner_id": contact_a.id,
            "invoice_id": overdue.id,
            "priority": "1",
        }
    )
    ticket.message_post(
        body="Second part next month.",
        author_id=contact_a.id,
        message_type="comment",
        subtype_xmlid="mail.mt_comment",
    )
    ticket.message_post(
        body="Fine for us.", message_type="comment", subtype_xmlid="mail.mt_comment"
    )
    env["ir.config_parameter"].set_param(
        "client_hub.magic_link_document_ttl_days", "45"
    )
    env.cr.commit()
    print(
        f"[client_hub] upgrade check: data created for {client_a.name}, {client_b.name}"
    )


def _plain(value):
    """JSON-able, comparable form of a read() value (records by id, dates as text)."""
    if isinstance(value, tuple):  # many2one as read() gives it
        return value[0]
    if isinstance(value, (list, dict, str, int, float, bool)) or value is None:
        return value
    return str(value)


def _rows(records, field_names):
    return {
        str(row["id"]): {name: _plain(row[name]) for name in field_names}
        for row in records.read(field_names, load=None)
    }


def snapshot():
    partners = (
        env["res.partner"]
        .with_context(active_test=False)
        .search([("name", "=like", f"{PREFIX}%")], order="id")
    )
    clients = partners.filtered("is_company")
    moves = env["account.move"].search([("partner_id", "in", partners.ids)], order="id")
    templates = (
        env["mail.template"]
        .with_context(active_test=False)
        .search([("client_hub_partner_id", "in", partners.ids)], order="id")
    )
    tickets = env["client_hub.ticket"].search(
        [("partner_id", "in", partners.ids)], order="id"
    )
    messages = env["mail.message"].search(
        [("model", "=", "client_hub.ticket"), ("res_id", "in", tickets.ids)], order="id"
    )
    Partner = env["res.partner"]
    return {
        "clients": _rows(clients, FIGURES),
        "client_templates": _rows(
            clients,
            [
                f"client_{kind}_template_{part}"
                for kind in TEMPLATE_KINDS
                for part in ("id", "subject", "body")
            ],
        ),
        # the figures also through search, which runs the figures' SQL instead of the compute
        "searches": {
            domain: Partner.search([("id", "in", clients.ids), *json.loads(domain)]).ids
            for domain in (
                '[["client_balance_due", ">", 0]]',
                '[["client_is_overdue", "=", true]]',
                '[["client_total_paid", ">=", 500]]',
                '[["client_overdue_amount", ">", 300]]',
            )
        },
        "sorted_by_balance": Partner.search(
            [("id", "in", clients.ids)], order="client_balance_due desc"
        ).ids,
        "moves": _rows(moves, MOVE_FIELDS),
        "orders": _rows(
            env["sale.order"].search([("partner_id", "in", partners.ids)], order="id"),
            [
                "name",
                "state",
                "amount_total",
                "client_quotation_status",
                "client_rejected_date",
                "client_reject_reason",
            ],
        ),
        "templates": _rows(templates, TEMPLATE_FIELDS),
        "links": _rows(
            env["client_hub.magic.link"]
            .with_context(active_test=False)
            .search([], order="id"),
            LINK_FIELDS,
        ),
        "tickets": _rows(tickets, TICKET_FIELDS),
        "messages": _rows(
            messages, ["res_id", "body", "author_id", "message_type", "subtype_id"]
        ),
        "parameters": dict(
            env["ir.config_parameter"]
            .search([("key", "=like", "client_hub.%")], order="key")
            .mapped(lambda p: (p.key, p.value))
        ),
    }


def differences(before, after, path=""):
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after)):
            if key not in after:
                yield f"{path}/{key}: gone (was {before[key]!r})"
            elif key not in before:
                yield f"{path}/{key}: new ({after[key]!r})"
            else:
                yield from differences(before[key], after[key], f"{path}/{key}")
    elif before != after:
        yield f"{path}: {before!r} -> {after!r}"


step = os.environ.get("CLIENT_HUB_UPGRADE_STEP")
path = os.environ.get("CLIENT_HUB_SNAPSHOT")
if step == "populate":
    populate()
elif step == "snapshot":
    data = snapshot()
    if (
        not data["clients"]
        or not data["links"]
        or not data["tickets"]
        or not data["templates"]
    ):
        sys.exit(
            f"[client_hub] upgrade check: the snapshot misses data: {sorted(k for k, v in data.items() if not v)}"
        )
    with open(path, "w", encoding="utf-8") as file:
        json.dump(data, file, indent=1, sort_keys=True)
    print(
        f"[client_hub] upgrade check: snapshot of {len(data['clients'])} clients, {len(data['moves'])} moves, "
        f"{len(data['templates'])} templates, {len(data['links'])} links, {len(data['tickets'])} tickets, "
        f"{len(data['messages'])} messages"
    )
elif step == "compare":
    with open(path, encoding="utf-8") as file:
        before = json.load(file)
    after = json.loads(json.dumps(snapshot(), sort_keys=True))
    found = list(differences(before, after))
    for line in found:
        print(f"[client_hub] upgrade check: {line}")
    print(
        "[client_hub] upgrade check: data "
        + ("CHANGED by the upgrade" if found else "unchanged")
    )
    sys.exit(1 if found else 0)
else:
    sys.exit(f"CLIENT_HUB_UPGRADE_STEP={step!r}: populate, snapshot or compare")

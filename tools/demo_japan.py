# Run through `odoo shell` by the harness on the databases it sets up like the demo (`make run`'s,
# `make test`'s lifecycle database) unless DEMO_COUNTRY=us: a company in Japan invoicing in yen.
# client_hub itself depends on no localisation: l10n_jp is installed there only.
#
#   CLIENT_HUB_DEMO_JAPAN_STEP=company  on a database with `account` and its demo data, before
#       client_hub: the main company becomes a company in Tokyo with Odoo's Japanese chart of
#       accounts and taxes (l10n_jp, installed by loading it, with the accounting demo data
#       made again in yen, as switching a demo's chart does), its users reading Japanese.
#   CLIENT_HUB_DEMO_JAPAN_STEP=clients  once client_hub is installed with its demo data: the
#       company's Tax ID (its qualified invoice registration number, 登録番号), Japanese clients
#       reading Japanese at Japanese addresses, and their invoices at the standard 10 % and the
#       reduced 8 % rates, the company's bank account clients transfer to (振込先), its seal
#       (角印, drawn here), and Stripe with bank transfers (Japan) and konbini, without keys,
#       disabled. Run again, it changes nothing.
import base64
import io
import math
import os
import subprocess
import sys
from datetime import timedelta

from PIL import Image, ImageDraw, ImageFont, features  # Odoo's own dependency

from odoo import fields
from odoo.fields import Command

env = env  # noqa: F821 (given by odoo shell)
step = os.environ.get("CLIENT_HUB_DEMO_JAPAN_STEP")
# the xml ids of the records this script makes, found again on a rerun
XMLID_MODULE = "__client_hub_demo__"


def say(message):
    print(f"[client_hub] Japanese demo: {message}")


def ref(name):
    return env.ref(f"{XMLID_MODULE}.{name}", raise_if_not_found=False)


def make(name, model, values):
    """Return the record of xml id `name`, created with `values` the first time."""
    if record := ref(name):
        return record
    record = env[model].create(values)
    env["ir.model.data"].create(
        {"module": XMLID_MODULE, "name": name, "model": model, "res_id": record.id}
    )
    return record


def setup_company(env):
    company = env.ref("base.main_company")
    if company.chart_template == "jp":
        say(f"{company.name} already has the Japanese chart")
        return
    if (
        env["ir.module.module"].search([("name", "=", "client_hub")]).state
        != "uninstalled"
    ):
        say(
            "the chart can change only before client_hub's demo documents exist: left as is"
        )
        sys.exit(1)
    env["ir.module.module"].search(
        [("name", "=", "l10n_jp")]
    ).button_immediate_install()
    env.transaction.reset()
    env = env()  # of the registry installing l10n_jp made
    company = env.ref("base.main_company")
    # Japanese installed beside English, which stays the default language of new contacts
    env["base.language.install"].create(
        {"lang_ids": [Command.set(env.ref("base.lang_ja_JP").ids)]}
    ).lang_install()
    # Odoo's way of switching a demo database's chart: the accounting demo data of the former
    # chart is removed and made again with this one; the company's currency becomes the yen.
    env["account.chart.template"].try_loading("jp", company, install_demo=True)
    company.write(
        {
            "name": "株式会社ひかりソリューションズ",
            "street": "神南1-2-3",
            "city": "渋谷区",
            "zip": "150-0041",
            "state_id": env.ref("base.state_jp_jp-13").id,
            "country_id": env.ref("base.jp").id,
            "phone": "+81 3-5555-0100",
            "email": "info@hikari-solutions.example.com",
            "website": "https://hikari-solutions.example.com",
        }
    )
    company.partner_id.lang = "ja_JP"
    env.ref("base.user_admin").write({"lang": "ja_JP", "tz": "Asia/Tokyo"})
    # the companies of the localisations' own demo data (l10n_us, l10n_jp) stay out of the
    # users' company switcher: the demo is this company's
    others = env["res.company"].search([("id", "!=", company.id)])
    for user in (
        env["res.users"]
        .with_context(active_test=False)
        .search([("company_ids", "in", others.ids), ("company_id", "=", company.id)])
    ):
        user.company_ids -= others
    env.cr.commit()
    say(
        f"{company.name}, Tokyo, chart {company.chart_template}, in "
        f"{company.currency_id.name}; ja_JP active"
    )


def japanese_client(name, values, contact_values):
    client = make(
        name, "res.partner", {"is_company": True, "customer_rank": 1, **values}
    )
    make(f"{name}_contact", "res.partner", {"parent_id": client.id, **contact_values})
    return client


def setup_clients():
    company = env.ref("base.main_company")
    if company.country_code != "JP" or company.chart_template != "jp":
        say(
            f"{company.name} is not a company in Japan with l10n_jp's chart: nothing to do"
        )
        return
    ChartTemplate = env["account.chart.template"].with_company(company)
    tax_10 = ChartTemplate.ref("l10n_jp_tax_sale_exc_10")
    tax_8 = ChartTemplate.ref("l10n_jp_tax_sale_exc_8")
    company.write(
        {
            # the qualified invoice registration number (登録番号), checked by base_vat
            "vat": "T1011001098765",
            # a qualified invoice rounds its consumption tax once per tax rate, not per line
            "tax_calculation_rounding_method": "round_globally",
        }
    )

    bank = setup_bank_transfers(company)
    setup_seal(company)

    # Sakura Trading, in Japan, named and addressed in Japanese, reads Japanese, its formal
    # invoice e-mail too
    sakura = env.ref("client_hub.partner_demo_sakura")
    sakura.write(
        {
            "name": "株式会社さくら商事",
            "zip": "100-0005",
            "state_id": env.ref("base.state_jp_jp-13").id,
            "city": "千代田区",
            "street": "丸の内1-2-3",
        }
    )
    env.ref("client_hub.partner_demo_sakura_contact").name = "田中 遥"
    (sakura | sakura.child_ids).lang = "ja_JP"
    sakura.with_context(lang="ja_JP").write(
        {
            "client_invoice_template_subject": "【請求書】{{ object.name or '' }}（{{ object.company_id.name }}）",
            "client_invoice_template_body": SAKURA_INVOICE_BODY,
        }
    )
    midori = japanese_client(
        "partner_midori",
        {
            "name": "株式会社みどり食品",
            "email": "keiri@midori-foods.example.com",
            "phone": "+81 6-5555-0200",
            "street": "梅田1-1-1",
            "city": "大阪市北区",
            "zip": "530-0001",
            "state_id": env.ref("base.state_jp_jp-27").id,
            "country_id": env.ref("base.jp").id,
            "vat": "T9120001077777",
            "lang": "ja_JP",
        },
        {
            "name": "山田 花子",
            "email": "hanako.yamada@midori-foods.example.com",
            "function": "経理部",
            "lang": "ja_JP",
        },
    )

    consulting = env.ref("client_hub.product_demo_consulting")
    consulting.with_context(lang="ja_JP").name = "コンサルティング（1日）"
    bento = make(
        "product_bento",
        "product.product",
        {
            "name": "Workshop bento (takeaway)",
            "type": "consu",
            "list_price": 1200,
            "taxes_id": [Command.set(tax_8.ids)],  # food, taken away: the reduced rate
        },
    )
    bento.with_context(lang="ja_JP").name = "ワークショップ用弁当（持ち帰り）"
    consulting.taxes_id = tax_10

    today = fields.Date.context_today(consulting)

    def invoice(name, partner, days_ago, days, bentos, sent=True):
        if move := ref(name):
            return move
        move = make(
            name,
            "account.move",
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": today - timedelta(days=days_ago),
                "invoice_date_due": today - timedelta(days=days_ago - 30),
                "invoice_line_ids": [
                    Command.create({"product_id": consulting.id, "quantity": days}),
                    Command.create({"product_id": bento.id, "quantity": bentos}),
                ],
            },
        )
        move.action_post()
        move.is_move_sent = sent
        return move

    # a workshop each: consulting days at 10 %, the participants' lunches at 8 %
    invoice("invoice_sakura_workshop", sakura, 12, 3, 25)
    invoice("invoice_midori_workshop", midori, 50, 2, 14)  # overdue
    invoice("invoice_midori_followup", midori, 3, 1, 8, sent=False)
    env.cr.commit()
    say(
        f"registration number (Tax ID) {company.vat}; "
        f"{sakura.name} and {midori.name} read Japanese; invoices at 10 % and 8 %; "
        f"transfers to {bank.bank_id.name} {bank.client_hub_branch_name} {bank.acc_number}"
    )


def setup_bank_transfers(company):
    """The company's bank account clients transfer to (振込先), the account of its bank
    journal; Stripe with bank transfers (Japan) and konbini, without keys, disabled: the README
    tells how to enable it. Return the bank account."""
    bank = make(
        "bank_mufg",
        "res.bank",
        {"name": "三菱UFJ銀行", "bic": "BOTKJPJT", "country": env.ref("base.jp").id},
    )
    account = make(
        "bank_account_company",
        "res.partner.bank",
        {
            "partner_id": company.partner_id.id,
            "bank_id": bank.id,
            "acc_number": "1234567",
            "acc_holder_name": company.name,
            "client_hub_branch_name": "丸の内支店",
            "client_hub_branch_code": "001",
            "client_hub_account_type": "ordinary",
            "client_hub_holder_kana": "カ）ヒカリソリューションズ",
        },
    )
    if not account.allow_out_payment:
        # trusted, as Odoo posts customer invoices only with a trusted account, by the
        # administrator: Odoo lets no automated flow (this shell's superuser) trust one
        account.with_user(env.ref("base.user_admin")).allow_out_payment = True
    # the company's receiving account: its bank journal's, first of its accounts; the
    # placeholder account of Odoo's accounting demo data (BANK…) is archived, so that the
    # documents it was put on print this one (`account.move._client_hub_jp_bank_transfer`)
    account.sequence = 1
    journal = env["account.journal"].search(
        [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
    )
    if journal:
        journal.bank_account_id = account
    placeholder = env.ref(f"account.{company.id}_demo_bank_1", raise_if_not_found=False)
    if placeholder and placeholder != account:
        placeholder.action_archive()
    # linked when client_hub's Stripe bank transfer and konbini methods exist
    stripe = env.ref("payment.payment_provider_stripe", raise_if_not_found=False)
    methods = (
        env["payment.method"]
        .with_context(active_test=False)
        .search([("code", "in", ("jp_bank_transfer", "konbini"))])
    )
    if stripe and methods:
        stripe.payment_method_ids = [Command.link(method.id) for method in methods]
        say(
            f"Stripe: {', '.join(methods.mapped('name'))} linked; no keys, "
            f"{stripe.state} (README: Bank transfers (振込) and konbini with Stripe)"
        )
    return account


def setup_seal(company):
    """The company's square seal (角印), printed over its name on its documents: its name
    and 印 in red, in columns read from the right, drawn now with the Japanese font the
    harness installs (no seal without one). The demo's only: the module ships none."""
    if company.client_hub_seal:
        return
    font = subprocess.run(
        ["fc-match", "-f", "%{file}", "Noto Serif CJK JP:bold"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    if "CJK" not in font:
        say("no Noto CJK font (fc-match): the company has no seal")
        return
    company.client_hub_seal = base64.b64encode(seal_png(company.name, font))
    say(f"seal (角印) of {company.name} drawn with {font}")


def seal_png(name, font_path, size=480, red=(200, 30, 40, 255)):
    """Return a PNG of the square seal of ``name``: a red border, the characters of the
    name then 印 in a square grid, top to bottom in columns from the right, on a transparent
    background (the text under the seal shows through)."""
    chars = [*name, "印"]
    rows = math.ceil(math.sqrt(len(chars)))
    columns = math.ceil(len(chars) / rows)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    border = size // 22
    draw.rectangle(
        [border // 2, border // 2, size - border // 2 - 1, size - border // 2 - 1],
        outline=red,
        width=border,
    )
    inner = size - 4 * border
    cell_w, cell_h = inner / columns, inner / rows
    font = ImageFont.truetype(font_path, int(min(cell_w, cell_h) * 0.92))
    # vertical forms (ー upright, small kana placed) need libraqm's text layout
    vertical = (
        {"direction": "ttb", "features": ["vert"]} if features.check("raqm") else {}
    )
    for i, char in enumerate(chars):
        column, row = divmod(i, rows)
        center = (
            2 * border + inner - (column + 0.5) * cell_w,
            2 * border + (row + 0.5) * cell_h,
        )
        draw.text(center, char, font=font, fill=red, anchor="mm", **vertical)
    png = io.BytesIO()
    image.save(png, "PNG", optimize=True)
    return png.getvalue()


SAKURA_INVOICE_BODY = """<div style="margin: 0px; padding: 0px;">
<p style="margin: 0px; padding: 0px; font-size: 13px;">
    <t t-out="object.commercial_partner_id.name or ''">株式会社さくら商事</t> 経理部 御中
    <br/><br/>
    <t t-out="object.partner_id.name or ''">田中 遥</t> 様
    <br/><br/>
    平素より格別のお引き立てを賜り、厚く御礼申し上げます。
    <br/>
    請求書 <strong t-out="object.name or ''">INV/2026/00001</strong>（ご請求金額
    <strong t-out="format_amount(object.amount_total, object.currency_id) or ''">¥100,000</strong>、
    お支払期限 <strong t-out="format_date(object.invoice_date_due) or ''">2026/12/31</strong>）をお送りいたします。
    <br/><br/>
    お振込みの際は、お振込み名義に参照番号
    <strong t-out="object.payment_reference or object.name or ''">INV/2026/00001</strong> をご記入ください。
    請求書はオンラインでもご確認・お支払いいただけます。
    <br/><br/>
    ご不明な点がございましたら、お気軽にお問い合わせください。
    <br/><br/>
    今後ともよろしくお願い申し上げます。
    <br/>
    <t t-out="object.company_id.name or ''">YourCompany</t>
</p>
</div>"""

if step == "company":
    setup_company(env)
elif step == "clients":
    setup_clients()
else:
    say(f"CLIENT_HUB_DEMO_JAPAN_STEP={step!r}: expected company or clients")
    sys.exit(2)

# Run through `odoo shell`: uninstall client_hub from a database with data and check that
# nothing of it is left behind. Exit status 0 when clean.
import sys

module = env["ir.module.module"].search([("name", "=", "client_hub")])  # noqa: F821
assert module.state == "installed", f"client_hub is {module.state}, expected installed"
module.button_immediate_uninstall()
env.invalidate_all()  # noqa: F821
cr = env.cr  # noqa: F821
problems = []
if module.state != "uninstalled":
    problems.append(f"module state is {module.state}")
cr.execute(
    "SELECT column_name FROM information_schema.columns "
    "WHERE table_name = 'res_partner' AND column_name LIKE 'client\\_%%'"
)
problems += [f"column res_partner.{name} left behind" for (name,) in cr.fetchall()]
cr.execute(
    "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'client\\_hub\\_%%'"
)
problems += [f"table {name} left behind" for (name,) in cr.fetchall()]
# Business records of the demo (partners, products) stay when posted accounting entries
# reference them, as in stock Odoo; anything technical must be gone.
cr.execute(
    "SELECT model, name FROM ir_model_data WHERE module = 'client_hub' AND model NOT IN %s",
    [("res.partner", "product.product", "product.template")],
)
problems += [f"{model} {name} left behind" for model, name in cr.fetchall()]
cr.execute(
    "SELECT count(*) FROM ir_ui_view WHERE arch_db::text LIKE '%%client_hub%%' AND active"
)
if left := cr.fetchone()[0]:
    problems.append(f"{left} views still mention client_hub")
env.cr.commit()  # noqa: F821
for problem in problems:
    print(f"[client_hub] lifecycle: {problem}")
print("[client_hub] lifecycle: uninstall " + ("FAILED" if problems else "clean"))
sys.exit(1 if problems else 0)

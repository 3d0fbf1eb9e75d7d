from odoo.tools import SQL


def migrate(cr, version):
    """Drop the unique key of the figures rows (one row per client, company and due date,
    upserted by the trigger up to 19.0.1.2.0): the trigger now only adds rows, which
    `_compact` folds. The model's `init` installs the new trigger and rebuilds the rows
    from account_move in the compact shape; nothing is lost, every row is derived data.
    """
    cr.execute(SQL("DROP INDEX IF EXISTS client_hub_figures_bucket__bucket_key"))

from odoo.tools import SQL


def migrate(cr, version):
    """Drop the dashboard's figures table, its trigger and function, created by hand in
    `account.move.init` up to 19.0.1.1.0 (no `id` column, a primary key on the bucket's key).

    The table is now the model `client_hub.figures.bucket`: the ORM creates it afresh, and
    the model's `init` installs the trigger again and rebuilds the rows from account_move.
    Nothing is lost: every row is derived from the documents.
    """
    cr.execute(
        SQL(
            "DROP TRIGGER IF EXISTS client_hub_figures_bucket_sync ON account_move;"
            "DROP TRIGGER IF EXISTS client_hub_figures_bucket_sync_update ON account_move;"
            "DROP FUNCTION IF EXISTS client_hub_figures_bucket_sync();"
            "DROP TABLE IF EXISTS client_hub_figures_bucket"
        )
    )

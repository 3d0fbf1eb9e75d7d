from odoo import models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _get_fk_on(self, table):
        """Override of `base` to leave the client dashboard's figures buckets out of the
        generic update of foreign keys.

        Their key holds the commercial partner, and the trigger on account_move already
        moves the figures of the documents the wizard moves: the generic UPDATE would
        collide with those rows (or count the documents twice). `_update_foreign_keys`
        rebuilds the buckets instead.
        """
        return [
            (fk_table, column)
            for fk_table, column in super()._get_fk_on(table)
            if fk_table != self.env["client_hub.figures.bucket"]._table
        ]

    def _update_foreign_keys(self, src_partners, dst_partner):
        """Override of `base` to rebuild the figures buckets of the merged partners from
        their documents once these point to the destination: its figures are exact, and
        the merged partners keep no rows."""
        res = super()._update_foreign_keys(src_partners, dst_partner)
        self.env["client_hub.figures.bucket"]._rebuild((src_partners | dst_partner).ids)
        return res

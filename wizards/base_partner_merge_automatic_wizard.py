from markupsafe import Markup

from odoo import models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _get_fk_on(self, table):
        """Override of `base` to leave the client dashboard's figures buckets out of the
        generic update of foreign keys.

        Their key holds the commercial partner, and the triggers on account_move already
        move the figures and payments of the documents the wizard moves: the generic UPDATE would
        collide with those rows (or count the documents twice). `_update_foreign_keys`
        rebuilds the buckets instead.
        """
        return [
            (fk_table, column)
            for fk_table, column in super()._get_fk_on(table)
            if fk_table not in self._client_hub_derived_tables()
        ]

    def _client_hub_derived_tables(self):
        """The tables of the figures and payment engines, kept by their triggers."""
        return {
            self.env[model]._table
            for model in (
                "client_hub.figures.bucket",
                "client_hub.payment.bucket",
                "client_hub.payment.partial",
            )
        }

    def _update_foreign_keys(self, src_partners, dst_partner):
        """Override of `base` to rebuild the figures buckets of the merged partners from
        their documents once these point to the destination: its figures are exact, and
        the merged partners keep no rows.

        The merged partners' magic links and the lasting credentials of their portal
        users are revoked first: the generic update would move them to the destination,
        signing whoever holds them in as its contact. The destination keeps its own.
        """
        self._client_hub_revoke_merged_access(src_partners, dst_partner)
        # the documents of a merged contact keep the commercial partner they have
        src_partners._client_hub_flag_moved_documents(
            (src_partners | dst_partner).commercial_partner_id
        )
        res = super()._update_foreign_keys(src_partners, dst_partner)
        self.env["client_hub.figures.bucket"]._rebuild((src_partners | dst_partner).ids)
        return res

    def _client_hub_revoke_merged_access(self, src_partners, dst_partner):
        """Revoke the links of ``src_partners`` and the lasting credentials of their
        portal users, and log it on ``dst_partner`` when there was any."""
        links_sudo = self.env["client_hub.magic.link"]._revoke_for_partners(
            src_partners
        )
        users = src_partners.with_context(active_test=False).user_ids.filtered("share")
        if not (links_sudo or users):
            return
        removed = users._client_hub_revoke_credentials()
        dst_partner._message_log(
            body=Markup("<p>%s</p><p>%s</p>")
            % (
                self.env._(
                    "Portal links of the merged contacts (%(contacts)s) revoked: %(count)s.",
                    contacts=", ".join(src_partners.mapped("display_name")),
                    count=len(links_sudo),
                ),
                self.env["res.users"]._client_hub_describe_removed_credentials(removed),
            )
        )

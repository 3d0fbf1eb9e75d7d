from odoo import fields, models


class ResPartner(models.Model):
    """Client statement: what the client owes, its portal page, PDF and e-mail."""

    _inherit = "res.partner"

    def action_client_print_statement(self):
        """Download the client's statement PDF."""
        self.ensure_one()
        return self.env.ref("client_hub.action_report_client_statement").report_action(
            self.commercial_partner_id,
        )

    def action_client_send_statement(self):
        """Open the e-mail composer with the client's statement PDF and a link to pay online."""
        self.ensure_one()
        template = self.env.ref("client_hub.mail_template_client_statement")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send Statement"),
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": "res.partner",
                "default_res_ids": self.commercial_partner_id.ids,
                "default_template_id": template.id,
                "default_composition_mode": "comment",
                "default_email_layout_xmlid": "mail.mail_notification_light",
            },
        }

    def _get_client_statement_domain(self, open_only=False):
        """Domain of the client's statement: the posted customer invoices and credit notes of
        the whole commercial entity, in the current companies.

        :param bool open_only: Keep only the documents that still have a balance.
        :rtype: list
        """
        self.ensure_one()
        domain = [
            ("commercial_partner_id", "=", self.commercial_partner_id.id),
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("state", "=", "posted"),
            ("company_id", "in", self.env.companies.ids),
        ]
        if open_only:
            domain += [
                ("payment_state", "in", ("not_paid", "partial")),
                ("amount_residual", "!=", 0),
            ]
        return domain

    def _get_client_statement_moves(self, offset=0, limit=None):
        """Return one page of the statement: open documents first (oldest due date first),
        then the settled ones (newest first).

        :rtype: account.move
        """
        Move = self.env["account.move"]
        open_domain = self._get_client_statement_domain(open_only=True)
        settled_domain = [
            *self._get_client_statement_domain(),
            "|",
            ("payment_state", "not in", ("not_paid", "partial")),
            ("amount_residual", "=", 0),
        ]
        open_count = Move.search_count(open_domain)
        moves = Move.search(
            open_domain, order="invoice_date_due, id", offset=offset, limit=limit
        )
        if limit is None or len(moves) < limit:
            moves |= Move.search(
                settled_domain,
                order="invoice_date desc, id desc",
                offset=max(offset - open_count, 0),
                limit=None if limit is None else limit - len(moves),
            )
        return moves

    def _get_client_statement_totals(self):
        """Return what the client owes, per currency: total due (credit notes deducted) and
        overdue (invoices past their due date).

        :return: ``[{'currency': res.currency, 'due': float, 'overdue': float}]`` by currency
        :rtype: list
        """
        Move = self.env["account.move"]
        open_domain = self._get_client_statement_domain(open_only=True)
        totals = {}
        for currency, move_type, residual in Move._read_group(
            open_domain,
            ["currency_id", "move_type"],
            ["amount_residual:sum"],
        ):
            sign = -1 if move_type == "out_refund" else 1
            totals.setdefault(
                currency, {"currency": currency, "due": 0.0, "overdue": 0.0}
            )
            totals[currency]["due"] += sign * residual
        overdue_domain = [
            *open_domain,
            ("move_type", "=", "out_invoice"),
            ("invoice_date_due", "<", fields.Date.context_today(self)),
        ]
        for currency, residual in Move._read_group(
            overdue_domain, ["currency_id"], ["amount_residual:sum"]
        ):
            totals[currency]["overdue"] += residual
        return sorted(totals.values(), key=lambda total: total["currency"].name)

    def _get_client_statement_url(self):
        """Return the link of the statement e-mail: a stand-in that becomes a magic link
        (no password needed) only in the copy sent to the client, so that the composer,
        the chatter and the copies to followers never hold a live link."""
        self.ensure_one()
        return self.env["client_hub.magic.link"]._get_placeholder_url(
            self.commercial_partner_id, redirect="/my/statement"
        )

    def _get_report_base_filename(self):
        """Name of the statement PDF downloaded from the portal (see `CustomerPortal._show_report`)."""
        self.ensure_one()
        return self.env._("Statement %s", self.name)

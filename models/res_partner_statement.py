import base64

from odoo import fields, models
from odoo.tools.image import image_data_uri

# Open documents listed in the statement e-mail; the statement page lists them all.
STATEMENT_EMAIL_MAX_LINES = 20


class ResPartner(models.Model):
    """Client statement: what the client owes, its portal page, PDF and e-mail, and the
    log of the statements sent."""

    _inherit = "res.partner"

    client_statement_log_ids = fields.One2many(
        "client_hub.statement.log",
        "partner_id",
        string="Statements Sent",
        domain=[("state", "=", "sent")],
        groups="base.group_user",
    )
    client_statement_log_count = fields.Integer(
        string="Statements",
        compute="_compute_client_statement_log_count",
        groups="base.group_user",
    )

    def _compute_client_statement_log_count(self):
        counts = dict(
            self.env["client_hub.statement.log"]._read_group(
                [("partner_id", "in", self._origin.ids), ("state", "=", "sent")],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.client_statement_log_count = counts.get(partner._origin, 0)

    def action_client_open_statement_logs(self):
        """Smart button: the statements sent to the client, opened and paid from."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "client_hub.client_hub_statement_log_action"
        )
        action["domain"] = [
            ("partner_id", "=", self.commercial_partner_id.id),
            ("state", "=", "sent"),
        ]
        return action

    def action_client_print_statement(self):
        """Download the client's statement PDF."""
        self.ensure_one()
        return self.env.ref("client_hub.action_report_client_statement").report_action(
            self.commercial_partner_id,
        )

    def action_client_send_statement(self):
        """Open the e-mail composer with the client's statement PDF and a link to pay online."""
        self.ensure_one()
        template = self.commercial_partner_id._get_client_statement_template()
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

    def _get_client_statement_overdue_domain(self):
        """Domain of the overdue documents of the client's statement: the open invoices past
        their due date (credit notes are never overdue).

        :rtype: list
        """
        return [
            *self._get_client_statement_domain(open_only=True),
            ("move_type", "=", "out_invoice"),
            ("invoice_date_due", "<", fields.Date.context_today(self)),
        ]

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
        for currency, residual in Move._read_group(
            self._get_client_statement_overdue_domain(),
            ["currency_id"],
            ["amount_residual:sum"],
        ):
            totals[currency]["overdue"] += residual
        return sorted(totals.values(), key=lambda total: total["currency"].name)

    def _get_client_statement_template(self):
        """Return the template the client's statement is e-mailed with: the client's own
        statement template when it renders, else the global one."""
        self.ensure_one()
        MailTemplate = self.env["mail.template"]
        return MailTemplate._client_hub_pick(
            self._get_client_mail_template("statement"),
            MailTemplate._client_hub_get_global_template("statement"),
            self.commercial_partner_id,
        )

    def _get_client_statement_url(self):
        """Return the link of the statement e-mail: a stand-in that becomes a magic link
        (no password needed) only in the copy sent to the client, so that the composer,
        the chatter and the copies to followers never hold a live link. After sign-in it
        opens the statement with the overdue invoices ticked, ready to pay."""
        self.ensure_one()
        return self.env["client_hub.magic.link"]._get_placeholder_url(
            self.commercial_partner_id, redirect="/my/statement/overdue"
        )

    def _get_client_statement_page_url(self):
        """Return the address of the statement page printed on paper: it asks the client
        to sign in, and never holds a sign-in token."""
        self.ensure_one()
        return f"{self.get_base_url()}/my/statement"

    def _get_client_statement_qr_code(self):
        """Return the QR code of `_get_client_statement_page_url`, as an image data URI
        (rendered by Odoo's report barcodes, as `account_payment` does for invoices)."""
        barcode = self.env["ir.actions.report"].barcode(
            "QR",
            self._get_client_statement_page_url(),
            width=140,
            height=140,
            quiet=False,
        )
        return image_data_uri(base64.b64encode(barcode))

    def _get_client_statement_email_moves(self):
        """Return the open documents the statement e-mail lists (oldest due date first),
        and how many more the statement page holds.

        :return: (account.move, int)
        """
        self.ensure_one()
        Move = self.env["account.move"]
        domain = self._get_client_statement_domain(open_only=True)
        moves = Move.search(
            domain, order="invoice_date_due, id", limit=STATEMENT_EMAIL_MAX_LINES
        )
        more = 0
        if len(moves) == STATEMENT_EMAIL_MAX_LINES:
            more = Move.search_count(domain) - len(moves)
        return moves, more

    def _get_report_base_filename(self):
        """Name of the statement PDF downloaded from the portal (see `CustomerPortal._show_report`)."""
        self.ensure_one()
        return self.env._("Statement %s", self.name)

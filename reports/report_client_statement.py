from odoo import api, fields, models


class ReportClientStatement(models.AbstractModel):
    """The data of the client statement PDF: each client's open documents, the aging bucket
    of each, and the totals per currency and bucket. The QWeb template only prints them."""

    _name = "report.client_hub.report_client_statement"
    _description = "Client Statement Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        """Override of `ir.actions.report`'s report model hook: compute every statement once.

        Labels are translated in each client's language, as the template prints the
        document in it (``t-lang``).

        :param list docids: The partners printed (a contact prints its company's statement).
        :return: The rendering values, with ``statements`` by partner id (see `_get_statement`).
        :rtype: dict
        """
        partners = self.env["res.partner"].browse(docids)
        today = fields.Date.context_today(self)
        return {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": partners,
            "data": data,
            "today": today,
            "statements": {
                partner.id: self.with_context(
                    lang=partner.lang or self.env.lang
                )._get_statement(partner, today)
                for partner in partners
            },
        }

    @api.model
    def _get_statement(self, partner, today=None):
        """Return the open documents of the client's statement with their aging bucket, and
        the totals per currency.

        :param partner: The client or one of its contacts, as a `res.partner` record.
        :param date today: The day the documents are aged at (default: today).
        :return: ``{'partner', 'today', 'bucket_labels': [(key, label)],
            'lines': [{'move', 'bucket', 'bucket_label', 'days', 'residual', 'in_question'}],
            'totals': [{'currency', 'total', <bucket key>: float, ...}],
            'page_url', 'qr_code', 'bank_transfer', 'jp_summary'}``: the statement page (it
            asks the client to sign in: paper never carries a sign-in token) and its QR code,
            as an image data URI; for a company in Japan, the account to transfer to (see
            `res.partner._client_hub_jp_bank_transfer`) and, for a client with a closing day,
            the monthly invoice printed instead of the open documents (see
            `res.partner._get_client_statement_jp_summary`, else None)
        :rtype: dict
        """
        client = partner.commercial_partner_id
        today = today or fields.Date.context_today(self)
        # the company of the letterhead (`web.external_layout`)
        company = client.company_id or self.env.company
        moves = self.env["account.move"].search(
            client._get_client_statement_domain(open_only=True),
            order="invoice_date_due, id",
        )
        bucket_labels = self._get_bucket_labels()
        label_by_bucket = dict(bucket_labels)
        lines, totals = [], {}
        for move in moves:
            bucket = move._client_hub_aging_bucket(today)
            residual = move._client_hub_residual_signed()
            lines.append(
                {
                    "move": move,
                    "bucket": bucket,
                    "bucket_label": label_by_bucket[bucket],
                    "days": max(move._client_hub_days_past_due(today), 0),
                    "residual": residual,
                    "in_question": move.client_in_question,
                }
            )
            total = totals.setdefault(
                move.currency_id,
                dict.fromkeys(["total", *label_by_bucket], 0.0)
                | {"currency": move.currency_id},
            )
            total[bucket] += residual
            total["total"] += residual
        return {
            "partner": client,
            "today": today,
            "bucket_labels": bucket_labels,
            "lines": lines,
            "totals": sorted(totals.values(), key=lambda total: total["currency"].name),
            "page_url": client._get_client_statement_page_url(),
            "qr_code": client._get_client_statement_qr_code(),
            # in the statement's language
            "bank_transfer": client.with_env(self.env)._client_hub_jp_bank_transfer(
                company
            ),
            "jp_summary": client._get_client_statement_jp_summary(company, today),
        }

    @api.model
    def _get_bucket_labels(self):
        """Return the aging buckets with their labels, named from their bounds in
        `account.move._client_hub_aging_buckets`, the one definition of the buckets.

        :return: ``[(key, label)]`` in the order of the buckets.
        :rtype: list
        """
        labels = []
        for key, first_day, last_day in self.env[
            "account.move"
        ]._client_hub_aging_buckets:
            if first_day is None:
                label = self.env._("Current")
            elif last_day is None:
                label = self.env._("Over %(days)s days", days=first_day - 1)
            else:
                label = self.env._(
                    "%(first)s–%(last)s days", first=first_day, last=last_day
                )
            labels.append((key, label))
        return labels

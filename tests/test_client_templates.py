import html
from ast import literal_eval

from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import email_normalize, format_amount, format_date

from odoo.addons.mail.tests.common import MailCommon

from .common import ClientHubAccountingCommon, ClientHubHttpCommon

FORMAL_SUBJECT = (
    "Formal notice: invoice {{ object.name }} for {{ object.partner_id.name }}"
)
FORMAL_BODY = (
    '<p>Dear <t t-out="object.partner_id.name"/>, we respectfully submit invoice '
    '<t t-out="object.name"/> of <t t-out="format_amount(object.amount_total, object.currency_id)"/>, '
    'due on <t t-out="format_date(object.invoice_date_due)"/>.</p>'
)


@tagged("post_install", "-at_install")
class TestClientTemplates(ClientHubAccountingCommon, MailCommon):
    """Alpha (and its contact Arthur) is written to with its own templates, Bravo with the
    global ones."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.group_ids |= cls.env.ref(
            "sales_team.group_sale_salesman_all_leads"
        )
        cls.client_formal, cls.client_formal_contact, cls.client_plain = (
            cls.client_a,
            cls.contact_a,
            cls.client_b,
        )
        (
            cls.client_formal | cls.client_formal_contact | cls.client_plain
        ).invoice_sending_method = "email"
        cls.client_formal.write(
            {
                "client_invoice_template_subject": FORMAL_SUBJECT,
                "client_invoice_template_body": FORMAL_BODY,
                "client_quotation_template_subject": "Our formal quotation {{ object.name }}",
                "client_quotation_template_body": '<p>Dear <t t-out="object.partner_id.name"/>, please find quotation '
                '<t t-out="object.name"/> of <t t-out="format_amount(object.amount_total, object.currency_id)"/>.</p>',
                "client_order_template_subject": "Order {{ object.name }} confirmed with gratitude",
                "client_order_template_body": '<p>We confirm order <t t-out="object.name"/> with gratitude.</p>',
                "client_receipt_template_subject": "Receipt {{ object.name }} - with our thanks",
                "client_receipt_template_body": (
                    "<p>We acknowledge receipt of "
                    '<t t-out="format_amount(object.amount, object.currency_id)"/>.</p>'
                ),
            }
        )
        cls.global_invoice_template = cls.env.ref("account.email_template_edi_invoice")

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _mails_to(self, partner):
        """Outgoing e-mails (as handed to SMTP) addressed to `partner`, body unescaped."""
        return [
            {**mail, "body": html.unescape(mail["body"])}
            for mail in self._mails
            if partner.email
            in {email_normalize(address) for address in mail["email_to"]}
        ]

    def _last_message(self, record):
        return self.env["mail.message"].search(
            [
                ("model", "=", record._name),
                ("res_id", "=", record.id),
                ("message_type", "=", "comment"),
            ],
            order="id desc",
            limit=1,
        )

    def _expected_formal_body(self, invoice):
        return (
            f"Dear {invoice.partner_id.name}, we respectfully submit invoice {invoice.name} of "
            f"{format_amount(self.env, invoice.amount_total, invoice.currency_id)}, "
            f"due on {format_date(self.env, invoice.invoice_date_due)}."
        )

    def _assert_invoice_mail(self, invoice, formal):
        """The invoice e-mail reached its customer, worded with the client template or not."""
        [mail] = self._mails_to(invoice.partner_id)
        message = self._last_message(invoice)
        if formal:
            subject = (
                f"Formal notice: invoice {invoice.name} for {invoice.partner_id.name}"
            )
            self.assertEqual(mail["subject"], subject)
            self.assertEqual(message.subject, subject)
            self.assertIn(self._expected_formal_body(invoice), mail["body"])
            self.assertIn(
                self._expected_formal_body(invoice), html.unescape(message.body)
            )
        else:
            subject = f"{invoice.company_id.name} Invoice (Ref {invoice.name})"
            self.assertEqual(mail["subject"], subject)
            self.assertNotIn("respectfully", mail["body"])
            self.assertIn("Here is your", mail["body"])
            self.assertIn(invoice.name, mail["body"])

    def _create_order(self, partner):
        return self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.product_a.id, "product_uom_qty": 2}
                    )
                ],
            }
        )

    def _send_with_composer(self, context):
        composer_form = Form(self.env["mail.compose.message"].with_context(**context))
        composer = composer_form.save()
        with self.mock_mail_gateway():
            composer._action_send_mail()
        return composer

    # ------------------------------------------------------------------
    # Invoices
    # ------------------------------------------------------------------
    def test_invoice_send_wizard(self):
        """Send button: the client's template for the client and its contacts, the global
        one for a client without a template."""
        for partner, formal in (
            (self.client_formal, True),
            (self.client_plain, False),
            (self.client_formal_contact, True),
        ):
            with self.subTest(partner=partner.name):
                invoice = self.init_invoice(
                    "out_invoice", partner=partner, amounts=[1000], post=True
                )
                wizard = self._create_account_move_send_wizard_single(
                    invoice, sending_methods=["email"]
                )
                expected_template = (
                    self.client_formal.client_invoice_template_id
                    if formal
                    else self.global_invoice_template
                )
                self.assertEqual(wizard.template_id, expected_template)
                with self.mock_mail_gateway():
                    wizard.action_send_and_print()
                self._assert_invoice_mail(invoice, formal)
                self.assertTrue(invoice.is_move_sent)

    def test_invoice_send_batch_wizard(self):
        """Batch sending (through its cron, as in production) words each invoice after its client."""
        invoices = {
            partner: self.init_invoice(
                "out_invoice", partner=partner, amounts=[500], post=True
            )
            for partner in (
                self.client_formal,
                self.client_plain,
                self.client_formal_contact,
            )
        }
        moves = self.env["account.move"].concat(*invoices.values())
        wizard = self._create_account_move_send_wizard_multi(moves)
        self.assertEqual(wizard.summary_data["email"]["count"], 3)
        wizard.action_send_and_print()
        with self.mock_mail_gateway(), self.enter_registry_test_mode():
            self.env.ref("account.ir_cron_account_move_send").method_direct_trigger()
            # the cron queues the e-mails; hand them to the (mocked) SMTP server
            self.assertEqual(len(self._new_mails), 3)
            self._new_mails.send()
        self._assert_invoice_mail(invoices[self.client_formal], formal=True)
        self._assert_invoice_mail(invoices[self.client_plain], formal=False)
        self._assert_invoice_mail(invoices[self.client_formal_contact], formal=True)

    def test_invoice_sent_automatically(self):
        """Automatic sending (e.g. after an online payment) imposes the template chosen in
        Settings: the client's own template still replaces it."""
        settings_template = self.global_invoice_template.copy(
            {"subject": "Settings template {{ object.name }}"}
        )
        for partner, subject in (
            (self.client_formal_contact, "Formal notice: invoice {} for Arthur Alpha"),
            (self.client_plain, "Settings template {}"),
        ):
            invoice = self.init_invoice(
                "out_invoice", partner=partner, amounts=[100], post=True
            )
            with self.mock_mail_gateway():
                self.env["account.move.send"]._generate_and_send_invoices(
                    invoice,
                    allow_raising=False,
                    allow_fallback_pdf=True,
                    mail_template=settings_template,
                )
            self.assertEqual(
                self._last_message(invoice).subject, subject.format(invoice.name)
            )

    def test_credit_note_uses_its_own_kind(self):
        """Credit notes follow the credit note template, not the client's invoice one."""
        self.client_formal.client_credit_note_template_subject = (
            "Credit {{ object.name }} granted"
        )
        refund = self.init_invoice(
            "out_refund", partner=self.client_formal, amounts=[100], post=True
        )
        wizard = self._create_account_move_send_wizard_single(
            refund, sending_methods=["email"]
        )
        self.assertEqual(
            wizard.template_id, self.client_formal.client_credit_note_template_id
        )
        self.assertEqual(wizard.subject, f"Credit {refund.name} granted")
        # a client with an invoice template only still gets the global credit note
        self.assertFalse(self.client_plain.client_credit_note_template_id)
        refund_plain = self.init_invoice(
            "out_refund", partner=self.client_plain, amounts=[100], post=True
        )
        self.assertEqual(
            refund_plain._get_mail_template(),
            self.env.ref("account.email_template_edi_credit_note"),
        )

    def test_client_language(self):
        """Each contact gets the client template in its own language; editing in a language
        writes that language's translation."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.client_formal.with_context(
            lang="fr_FR"
        ).client_invoice_template_subject = "Avis formel : facture {{ object.name }}"
        template = self.client_formal.client_invoice_template_id
        self.assertEqual(
            template.with_context(lang="fr_FR").subject,
            "Avis formel : facture {{ object.name }}",
        )
        self.assertEqual(template.with_context(lang="en_US").subject, FORMAL_SUBJECT)
        self.assertEqual(
            self.client_formal.with_context(
                lang="fr_FR"
            ).client_invoice_template_subject,
            "Avis formel : facture {{ object.name }}",
        )
        french_contact = self.env["res.partner"].create(
            {
                "name": "Marie Dupont",
                "parent_id": self.client_formal.id,
                "email": "marie@alpha.example.com",
                "lang": "fr_FR",
            }
        )
        for partner, subject in (
            (french_contact, "Avis formel : facture {}"),
            (self.client_formal_contact, "Formal notice: invoice {} for Arthur Alpha"),
        ):
            invoice = self.init_invoice(
                "out_invoice", partner=partner, amounts=[100], post=True
            )
            wizard = self._create_account_move_send_wizard_single(
                invoice, sending_methods=["email"]
            )
            self.assertEqual(wizard.lang, partner.lang)
            with self.mock_mail_gateway():
                wizard.action_send_and_print()
            [mail] = self._mails_to(partner)
            self.assertEqual(mail["subject"], subject.format(invoice.name))

    # ------------------------------------------------------------------
    # Sales
    # ------------------------------------------------------------------
    def test_quotation_send(self):
        for partner, formal in (
            (self.client_formal, True),
            (self.client_plain, False),
            (self.client_formal_contact, True),
        ):
            with self.subTest(partner=partner.name):
                order = self._create_order(partner)
                action = order.action_quotation_send()
                template = self.env["mail.template"].browse(
                    action["context"]["default_template_id"]
                )
                self.assertEqual(
                    template,
                    self.client_formal.client_quotation_template_id
                    if formal
                    else self.env.ref("sale.email_template_edi_sale"),
                )
                self._send_with_composer(action["context"])
                [mail] = self._mails_to(partner)
                self.assertEqual(order.state, "sent")
                if formal:
                    self.assertEqual(
                        mail["subject"], f"Our formal quotation {order.name}"
                    )
                    amount = format_amount(
                        self.env, order.amount_total, order.currency_id
                    )
                    self.assertIn(
                        f"Dear {partner.name}, please find quotation {order.name} of {amount}.",
                        mail["body"],
                    )
                else:
                    self.assertEqual(
                        mail["subject"],
                        f"{order.company_id.name} Quotation (Ref {order.name})",
                    )
                    self.assertNotIn("formal", mail["body"])

    def test_order_confirmation_mail(self):
        """The automatic confirmation e-mail uses the client's order template."""
        for partner, formal in (
            (self.client_formal_contact, True),
            (self.client_plain, False),
        ):
            with self.subTest(partner=partner.name):
                order = self._create_order(partner)
                with self.mock_mail_gateway():
                    order.with_context(send_email=True).action_confirm()
                [mail] = self._mails_to(partner)
                if formal:
                    self.assertEqual(
                        mail["subject"], f"Order {order.name} confirmed with gratitude"
                    )
                    self.assertIn(
                        f"We confirm order {order.name} with gratitude.", mail["body"]
                    )
                else:
                    self.assertNotIn("gratitude", mail["subject"])
                    self.assertIn(order.name, mail["subject"])

    # ------------------------------------------------------------------
    # Payment receipts
    # ------------------------------------------------------------------
    def test_payment_receipt(self):
        """ "Send receipt by email" on a registered payment starts from the client's receipt template."""
        invoice = self.init_invoice(
            "out_invoice", partner=self.client_formal_contact, amounts=[300], post=True
        )
        payment = (
            self.env["account.payment.register"]
            .with_context(
                active_model="account.move",
                active_ids=invoice.ids,
            )
            .create({})
            ._create_payments()
        )
        action = self.env.ref("account.account_send_payment_receipt_by_email_action")
        context = {
            **literal_eval(action.context),
            "active_model": "account.payment",
            "active_id": payment.id,
            "active_ids": payment.ids,
        }
        self.assertEqual(
            context["default_template_id"],
            self.env.ref("account.mail_template_data_payment_receipt").id,
        )
        composer = self._send_with_composer(context)
        self.assertEqual(
            composer.template_id, self.client_formal.client_receipt_template_id
        )
        # the payment is made out to the commercial partner, the receipt goes there
        self.assertEqual(payment.partner_id, self.client_formal)
        [mail] = self._mails_to(self.client_formal)
        self.assertEqual(mail["subject"], f"Receipt {payment.name} - with our thanks")
        amount = format_amount(self.env, payment.amount, payment.currency_id)
        self.assertIn(f"We acknowledge receipt of {amount}.", mail["body"])

        # a client without a receipt template of its own keeps the global one
        other_payment = self.env["account.payment"].create(
            {
                "partner_id": self.client_plain.id,
                "amount": 50,
                "payment_type": "inbound",
                "partner_type": "customer",
            }
        )
        composer = Form(
            self.env["mail.compose.message"].with_context(
                **{
                    **context,
                    "active_id": other_payment.id,
                    "active_ids": other_payment.ids,
                }
            )
        ).save()
        self.assertEqual(
            composer.template_id,
            self.env.ref("account.mail_template_data_payment_receipt"),
        )

    def test_payment_receipts_batch(self):
        """ "Send receipts by email" on several payments words each after its client."""
        payments = self.env["account.payment"].create(
            [
                {
                    "partner_id": partner.id,
                    "amount": amount,
                    "payment_type": "inbound",
                    "partner_type": "customer",
                }
                for partner, amount in (
                    (self.client_formal, 70),
                    (self.client_plain, 80),
                )
            ]
        )
        payments.action_post()
        action = self.env.ref(
            "account.account_send_payment_receipt_by_email_action_multi"
        )
        self._send_with_composer(
            {
                **literal_eval(action.context),
                "active_model": "account.payment",
                "active_ids": payments.ids,
            }
        )
        [formal_mail] = self._mails_to(self.client_formal)
        self.assertEqual(
            formal_mail["subject"], f"Receipt {payments[0].name} - with our thanks"
        )
        amount = format_amount(self.env, 70, payments[0].currency_id)
        self.assertIn(f"We acknowledge receipt of {amount}.", formal_mail["body"])
        [plain_mail] = self._mails_to(self.client_plain)
        self.assertNotIn("with our thanks", plain_mail["subject"])
        self.assertIn(payments[1].name, plain_mail["subject"])

    # ------------------------------------------------------------------
    # Editing
    # ------------------------------------------------------------------
    def test_client_copy_is_isolated(self):
        """The first edit copies the global template for that client only; later edits change
        only that client's copy; the global template is never written."""
        global_template = self.global_invoice_template
        global_subject, global_body = global_template.subject, global_template.body_html
        template = self.client_formal.client_invoice_template_id
        self.assertNotEqual(template, global_template)
        self.assertEqual(template.client_hub_partner_id, self.client_formal)
        self.assertEqual(template.client_hub_kind, "invoice")
        self.assertEqual(template.name, "Invoice – Alpha Corp")
        self.assertEqual(template.email_from, global_template.email_from)

        other = self.client_plain.copy({"name": "Other Formal Co"})
        other.client_invoice_template_subject = "Other {{ object.name }}"
        other_template = other.client_invoice_template_id
        self.client_formal.client_invoice_template_subject = "Changed {{ object.name }}"
        self.client_formal.client_invoice_template_body = "<p>Changed body</p>"

        self.assertEqual(
            self.client_formal.client_invoice_template_id, template, "edited in place"
        )
        self.assertEqual(template.subject, "Changed {{ object.name }}")
        self.assertEqual(other_template.subject, "Other {{ object.name }}")
        self.assertIn("Here is your", other_template.body_html)
        self.assertEqual(
            (global_template.subject, global_template.body_html),
            (global_subject, global_body),
        )
        self.assertFalse(self.client_plain.client_invoice_template_id)
        self.assertEqual(
            self.client_plain.client_invoice_template_subject, global_subject
        )

        # a template shared by integrations is copied before an edit, never written
        template_shared = self.env.ref("sale.email_template_edi_sale")
        other.client_quotation_template_id = template_shared
        other.client_quotation_template_subject = "Other quotation {{ object.name }}"
        self.assertNotEqual(other.client_quotation_template_id, template_shared)
        self.assertNotEqual(
            template_shared.subject, "Other quotation {{ object.name }}"
        )

        # client copies are not offered where global templates are chosen
        settings_domain = (
            self.env["res.config.settings"]._fields["invoice_mail_template_id"].domain
        )
        self.assertNotIn(template, self.env["mail.template"].search(settings_domain))

    def test_client_form_tab(self):
        """Staff edit the wording on the client form; the tab shows the global template
        until the first change."""
        client = self.client_plain.copy({"name": "Form Client"})
        with Form(
            client, view="client_hub.res_partner_view_form_client"
        ) as client_form:
            self.assertEqual(
                client_form.client_quotation_template_subject,
                self.env.ref("sale.email_template_edi_sale").subject,
            )
            client_form.client_quotation_template_subject = (
                "Your quotation {{ object.name }}"
            )
            client_form.client_quotation_template_body = (
                '<p>Hello <t t-out="object.partner_id.name"/></p>'
            )
        template = client.client_quotation_template_id
        self.assertEqual(template.client_hub_partner_id, client)
        self.assertEqual(template.subject, "Your quotation {{ object.name }}")
        self.assertIn('t-out="object.partner_id.name"', template.body_html)
        self.assertFalse(
            client.client_invoice_template_id,
            "untouched kinds keep the global template",
        )
        order = self._create_order(client)
        self.assertEqual(
            template._render_field("body_html", order.ids)[order.id],
            "<p>Hello Form Client</p>",
        )

    def test_only_template_editors_edit(self):
        """Templates run expressions: as on Odoo's own template form, staff outside the Mail
        Template Editor group see the tab read-only and cannot write through it."""
        self.env["ir.config_parameter"].set_param(
            "mail.restrict.template.rendering", True
        )
        clerk = new_test_user(
            self.env,
            "client_hub_clerk",
            groups="base.group_user,base.group_partner_manager",
        )
        client = self.client_formal.with_user(clerk)
        self.assertFalse(client.client_template_editable)
        self.assertTrue(self.client_formal.client_template_editable)
        with self.assertRaises(AccessError):
            client.client_invoice_template_body = (
                '<p><t t-out="object.sudo().company_id.name"/></p>'
            )
            client.env.flush_all()

    def test_broken_template_refused(self):
        for values in (
            {"client_invoice_template_subject": "Invoice {{ object.no_such_field }}"},
            {"client_invoice_template_subject": "Invoice {{ object.name + }}"},
            {
                "client_invoice_template_body": '<p><t t-out="object.no_such_field"/></p>'
            },
            {"client_receipt_template_body": '<p><t t-out="object.amount +"/></p>'},
        ):
            with (
                self.subTest(values=values),
                self.assertRaisesRegex(ValidationError, "cannot be rendered"),
            ):
                self.client_plain.write(values)
        self.assertFalse(self.client_plain.client_invoice_template_id)
        self.assertFalse(self.client_plain.client_receipt_template_id)
        # integrations setting the public fields cannot pick a template of another document
        with self.assertRaisesRegex(ValidationError, "not made for"):
            self.client_plain.client_invoice_template_id = self.env.ref(
                "sale.email_template_edi_sale"
            )
        # editing the client template directly is checked as well
        with self.assertRaisesRegex(ValidationError, "Alpha Corp"):
            self.client_formal.client_invoice_template_id.subject = (
                "{{ object.no_such_field }}"
            )

    def test_template_failing_at_send_time_falls_back(self):
        """A template rendering for the client itself but not for one of its contacts never
        blocks sending: that contact gets the global template, and it is logged."""
        self.client_formal.ref = "SAKURA"
        self.client_formal.client_invoice_template_subject = (
            "Invoice {{ object.partner_id.ref.lower() }}"
        )
        invoice = self.init_invoice(
            "out_invoice", partner=self.client_formal_contact, amounts=[100], post=True
        )
        with self.assertLogs("odoo.addons.client_hub.models.mail_template", "WARNING"):
            wizard = self._create_account_move_send_wizard_single(
                invoice, sending_methods=["email"]
            )
            self.assertEqual(wizard.template_id, self.global_invoice_template)
        with self.mock_mail_gateway():
            wizard.action_send_and_print()
        self._assert_invoice_mail(invoice, formal=False)

    def test_reset_and_preview(self):
        template = self.client_formal.client_invoice_template_id
        invoice = self.init_invoice(
            "out_invoice", partner=self.client_formal, amounts=[100], post=True
        )
        action = self.client_formal.with_context(
            client_template_kind="invoice"
        ).action_client_template_preview()
        preview = self.env["mail.template.preview"].browse(action["res_id"])
        self.assertEqual(preview.mail_template_id, template)
        self.assertEqual(preview.resource_ref, invoice)
        self.assertEqual(
            preview.subject,
            f"Formal notice: invoice {invoice.name} for {self.client_formal.name}",
        )

        self.client_formal.with_context(
            client_template_kind="invoice"
        ).action_client_template_reset()
        self.assertFalse(self.client_formal.client_invoice_template_id)
        self.assertFalse(template.exists())
        self.assertEqual(invoice._get_mail_template(), self.global_invoice_template)
        self.assertEqual(
            self.client_formal.client_invoice_template_subject,
            self.global_invoice_template.subject,
        )


@tagged("post_install", "-at_install")
class TestClientTemplatesTour(ClientHubHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.staff = new_test_user(
            cls.env,
            "client_hub_templates_staff",
            groups="base.group_user,base.group_partner_manager,account.group_account_invoice,"
            "sales_team.group_sale_salesman_all_leads,mail.group_mail_template_editor",
        )

    def test_client_templates_tab(self):
        """A salesperson writes a client's own invoice subject on the client form."""
        self.start_tour(
            f"/odoo/action-client_hub.res_partner_action_client/{self.client_a.id}",
            "client_hub_client_templates_tour",
            login=self.staff.login,
        )
        template = self.client_a.client_invoice_template_id
        self.assertEqual(template.subject, "Tour invoice {{ object.name }}")
        self.assertEqual(template.client_hub_partner_id, self.client_a)
        self.assertFalse(self.client_b.client_invoice_template_id)
        self.assertNotEqual(
            self.env.ref("account.email_template_edi_invoice").subject, template.subject
        )

    def test_client_templates_tab_untouched(self):
        """Saving the client form without editing its e-mails creates no template."""
        template_count = self.env["mail.template"].search_count([])
        self.start_tour(
            f"/odoo/action-client_hub.res_partner_action_client/{self.client_a.id}",
            "client_hub_client_templates_untouched_tour",
            login=self.staff.login,
        )
        self.assertEqual(self.client_a.phone, "+32 2 555 00 00")
        self.assertFalse(self.client_a.client_invoice_template_id)
        self.assertEqual(self.env["mail.template"].search_count([]), template_count)

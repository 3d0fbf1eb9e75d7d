from lxml import html

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged
from odoo.tools import email_normalize

from odoo.addons.mail.tests.common import MailCommon

from ..const import CLIENT_TEMPLATE_KINDS
from .common import MAGIC_RE, ClientHubAccountingCommon

SCRIPT_SUBJECT = "Formal notice <script>alert('subject')</script> {{ object.name }}"
SCRIPT_BODY = (
    '<p>Dear <t t-out="object.partner_id.name"/>, we respectfully submit invoice '
    '<t t-out="object.name"/>.</p>'
    "<p>Please never type &lt;script&gt;alert('body')&lt;/script&gt; here.</p>"
)


def _texts(markup, tag):
    """:return: the text of the ``tag`` elements of an HTML fragment, joined"""
    tree = html.fragment_fromstring(str(markup), create_parent="div")
    return " ".join(element.text_content() for element in tree.iter(tag))


@tagged("post_install", "-at_install")
class TestTemplateTools(ClientHubAccountingCommon, MailCommon):
    """Alpha has its own template of every kind; staff compare them with the global
    templates and e-mail themselves tests of them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.group_ids |= cls.env.ref(
            "sales_team.group_sale_salesman_all_leads"
        )
        cls.env["ir.config_parameter"].set_param(
            "mail.restrict.template.rendering", True
        )
        cls.staff = new_test_user(
            cls.env,
            "ch_tpl_staff",
            name="Stella Staff",
            email="stella@ourcompany.example.com",
            groups="base.group_user,base.group_partner_manager,account.group_account_invoice,"
            "sales_team.group_sale_salesman_all_leads,mail.group_mail_template_editor",
        )
        cls.client = cls.client_a
        cls.client.write(
            {
                "client_invoice_template_subject": SCRIPT_SUBJECT,
                "client_invoice_template_body": SCRIPT_BODY,
                **{
                    f"client_{kind}_template_subject": f"Formal {kind} {{{{ object.name }}}}"
                    for kind in CLIENT_TEMPLATE_KINDS
                    if kind != "invoice"
                },
            }
        )
        # the template's own recipients must not receive a test
        cls.client.client_invoice_template_id.write(
            {
                "partner_to": "{{ object.partner_id.id }}",
                "email_to": "{{ object.partner_id.email }}",
                "email_cc": "cc@alpha.example.com",
            }
        )
        cls.client_emails = {
            "billing@alpha.example.com",
            "arthur@alpha.example.com",
            "alice@alpha.example.com",
            "cc@alpha.example.com",
        }

    def _compare(self, kind, partner=None, user=None):
        action = (
            (partner or self.client)
            .with_user(user or self.staff)
            .with_context(client_template_kind=kind)
            .action_client_template_compare()
        )
        self.assertEqual(action["res_model"], "client_hub.template.compare")
        return (
            self.env["client_hub.template.compare"]
            .with_user(user or self.staff)
            .browse(action["res_id"])
        )

    def _send_test(self, kind, partner=None, user=None):
        with self.mock_mail_gateway():
            return (
                (partner or self.client)
                .with_user(user or self.staff)
                .with_context(client_template_kind=kind)
                .action_client_template_send_test()
            )

    def _create_order(self):
        return self.env["sale.order"].create(
            {
                "partner_id": self.client.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.product_a.id, "product_uom_qty": 1}
                    )
                ],
            }
        )

    def _messages_of(self, record):
        return self.env["mail.message"].search(
            [("model", "=", record._name), ("res_id", "=", record.id)]
        )

    # ------------------------------------------------------------------
    # Compare with default
    # ------------------------------------------------------------------
    def test_compare_shows_changes_escaped(self):
        wizard = self._compare("invoice")
        self.assertEqual(wizard.template_id, self.client.client_invoice_template_id)
        self.assertEqual(
            wizard.global_template_id,
            self.env.ref("account.email_template_edi_invoice"),
        )
        # subject: the global wording struck out, the client's added, as text
        self.assertIn("Formal notice", _texts(wizard.subject_diff, "ins"))
        self.assertIn(
            "<script>alert('subject')</script>", _texts(wizard.subject_diff, "ins")
        )
        self.assertIn("Invoice (Ref", _texts(wizard.subject_diff, "del"))
        # body wording: placeholders as {{ expressions }}, the global text struck out
        added = _texts(wizard.body_diff, "ins")
        self.assertIn("respectfully", added)
        self.assertIn("{{ object.name }}", added)
        self.assertIn("<script>alert('body')</script>", added)
        self.assertIn("Here is your", _texts(wizard.body_diff, "del"))
        # the HTML source shows the template's markup as text
        self.assertIn('<t t-out="object.name"/>', _texts(wizard.source_diff, "ins"))
        for diff in (wizard.subject_diff, wizard.body_diff, wizard.source_diff):
            self.assertNotIn("<script", str(diff))
            tree = html.fragment_fromstring(str(diff), create_parent="div")
            self.assertFalse(tree.xpath("//script|//t|//a"))
        self.assertIn("&lt;script&gt;", str(wizard.subject_diff))

    def test_compare_alike_lines_word_by_word(self):
        """A line changed by a word shows that word only; the same wording says so."""
        self.client.client_invoice_template_body = self.env.ref(
            "account.email_template_edi_invoice"
        ).body_html.replace(
            "Do not hesitate to contact us", "Do not ever hesitate to contact us"
        )
        wizard = self._compare("invoice")
        self.assertEqual(_texts(wizard.body_diff, "ins").strip(), "ever")
        self.assertFalse(_texts(wizard.body_diff, "del").strip())
        self.assertIn("Do not", _texts(wizard.body_diff, "div"))
        self.assertIn("Here is your", _texts(wizard.body_diff, "div"))
        self.assertEqual(_texts(wizard.source_diff, "ins").strip(), "ever")

    def test_compare_each_kind(self):
        for kind in CLIENT_TEMPLATE_KINDS:
            with self.subTest(kind=kind):
                wizard = self._compare(kind)
                self.assertEqual(wizard.kind, kind)
                self.assertEqual(
                    wizard.template_id, self.client[f"client_{kind}_template_id"]
                )
                self.assertEqual(
                    wizard.global_template_id,
                    self.env["mail.template"]._client_hub_get_global_template(kind),
                )
                self.assertIn("Formal", _texts(wizard.subject_diff, "ins"))
                if kind != "invoice":  # only the subject was changed
                    self.assertIn("Same as the global template", str(wizard.body_diff))
                    self.assertIn(
                        "Same as the global template", str(wizard.source_diff)
                    )

    def test_tools_need_own_template(self):
        """Without a template of its own, the client has nothing to compare or test: the
        buttons are hidden and refuse when called anyway."""
        self.assertFalse(self.client_b.client_invoice_template_id)
        for action in (
            "action_client_template_compare",
            "action_client_template_send_test",
        ):
            with (
                self.subTest(action=action),
                self.assertRaisesRegex(UserError, "global one"),
            ):
                getattr(
                    self.client_b.with_user(self.staff).with_context(
                        client_template_kind="invoice"
                    ),
                    action,
                )()
        arch = html.fromstring(
            self.env.ref("client_hub.res_partner_view_form_client_templates").arch
        )
        for kind in CLIENT_TEMPLATE_KINDS:
            for action in (
                "action_client_template_compare",
                "action_client_template_send_test",
            ):
                [button] = [
                    button
                    for button in arch.xpath(f"//button[@name='{action}']")
                    if f"'{kind}'" in button.get("context")
                ]
                self.assertEqual(
                    button.get("invisible"), f"not client_{kind}_template_id"
                )

    # ------------------------------------------------------------------
    # Send me a test
    # ------------------------------------------------------------------
    def test_send_test_reaches_staff_only(self):
        older = self._make_invoice(self.client, 100.0, due_in=-60)
        latest = self._make_invoice(self.contact_a, 200.0, due_in=10)
        # drafts are not sent: the latest posted invoice is the one rendered
        self._make_invoice(self.client, 999.0, due_in=40, post=False)
        messages = self._messages_of(latest)
        action = self._send_test("invoice")
        self.assertEqual(action["params"]["type"], "success")
        [mail] = self._mails
        self.assertEqual(mail["email_to"], [self.staff.email_formatted])
        addresses = {
            email_normalize(address)
            for key in ("email_to", "email_cc", "email_bcc")
            for address in mail.get(key) or []
        }
        self.assertEqual(addresses, {"stella@ourcompany.example.com"})
        self.assertFalse(addresses & self.client_emails)
        self.assertFalse(self._new_mails.recipient_ids)
        self.assertEqual(
            mail["subject"],
            f"[Test] Formal notice <script>alert('subject')</script> {latest.name}",
        )
        self.assertIn(f"we respectfully submit invoice {latest.name}", mail["body"])
        self.assertNotIn(older.name, mail["body"])
        # nothing in the document's chatter, no notification
        self.assertEqual(self._messages_of(latest), messages)
        self.assertFalse(self._new_mails.model)
        self.assertFalse(self._new_mails.mail_message_id.notification_ids)

    def test_send_test_latest_document_of_each_kind(self):
        invoice = self._make_invoice(self.client, 100.0)
        refund = self._make_invoice(self.client, 30.0, move_type="out_refund")
        payment = self._register_payment(invoice, amount=40.0)
        order, quotation = self._create_order(), self._create_order()
        order.action_confirm()
        for kind, document in (
            ("credit_note", refund),
            ("quotation", quotation),
            ("order", order),
            ("receipt", payment),
            ("statement", self.client),
        ):
            with self.subTest(kind=kind):
                self._send_test(kind)
                [mail] = self._mails
                self.assertEqual(
                    mail["subject"], f"[Test] Formal {kind} {document.name}"
                )
                self.assertEqual(mail["email_to"], [self.staff.email_formatted])

    def test_send_test_carries_no_usable_link(self):
        """The statement e-mail holds the client's sign-in link stand-in; a template may
        even make live links itself: the staff member's test gets neither."""
        Link = self.env["client_hub.magic.link"].sudo()
        usable = Link._get_usable_domain()
        self.assertIn(
            "_get_client_statement_url",
            self.client.client_statement_template_id.body_html,
        )
        links = Link.search([])
        self._send_test("statement")
        [mail] = self._mails
        self.assertIn("/client/login", mail["body"])
        self.assertNotIn("client_hub_link", mail["body"])
        self.assertNotIn("client_hub_link", self._new_mails.body_html)
        self.assertIsNone(MAGIC_RE.search(mail["body"]))
        self.assertEqual(Link.search([]), links)

        self.client.client_statement_template_body = (
            '<p><a t-att-href="object._get_client_magic_link_url()">Sign in</a></p>'
        )
        usable_links = Link.search(usable)
        self._send_test("statement")
        [mail] = self._mails
        self.assertIn("/client/login", mail["body"])
        self.assertIsNone(MAGIC_RE.search(mail["body"]))
        made = Link.search([("id", ">", max(links.ids, default=0))]) - usable_links
        self.assertTrue(made, "the rendering made a link")
        self.assertTrue(all(made.mapped("revoked")))
        self.assertEqual(Link.search(usable), usable_links)

    def test_send_test_refused(self):
        self.client_b.client_invoice_template_subject = "Bravo {{ object.name }}"
        with self.assertRaisesRegex(UserError, "has no Invoice"):
            self._send_test("invoice", partner=self.client_b)
        self._make_invoice(self.client, 100.0)
        self.staff.email = False
        with self.assertRaisesRegex(UserError, "no valid e-mail address"):
            self._send_test("invoice")
        self.assertFalse(self._mails)

    # ------------------------------------------------------------------
    # Access
    # ------------------------------------------------------------------
    def test_only_template_editors(self):
        self._make_invoice(self.client, 100.0)
        clerk = new_test_user(
            self.env,
            "ch_tpl_clerk",
            groups="base.group_user,base.group_partner_manager",
        )
        reader = new_test_user(
            self.env,
            "ch_tpl_reader",
            groups="base.group_user,mail.group_mail_template_editor",
        )
        self.assertFalse(clerk.has_group("mail.group_mail_template_editor"))
        for user in (self.portal_a, clerk, reader):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self._compare("invoice", user=user)
                with self.assertRaises(AccessError):
                    self.env["client_hub.template.compare"].with_user(user).create(
                        {"partner_id": self.client.id, "kind": "invoice"}
                    )
                with self.assertRaises(AccessError):
                    self._send_test("invoice", user=user)
                self.assertFalse(self._mails)

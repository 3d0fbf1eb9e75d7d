from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import ClientHubAccountingCommon

SECRET_QUOTATION = "SECRET-Q-0042"
OWN_QUOTATION = "OWN-Q-0007"
SECRET_SIGNUP = "secret-signup-marker"


@tagged("post_install", "-at_install")
class TestClientTemplateCheck(ClientHubAccountingCommon):
    """Saving a client template checks that it renders: as the user saving it, on a record
    they may read, and a failure reads as a short message, not a traceback."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param(
            "mail.restrict.template.rendering", True
        )
        # sees its own quotations only; not an administrator (cannot read `signup_type`)
        cls.editor = new_test_user(
            cls.env,
            "ch_tpl_editor",
            name="Erin Editor",
            groups="base.group_user,base.group_partner_manager,account.group_account_invoice,"
            "sales_team.group_sale_salesman,mail.group_mail_template_editor",
        )
        cls.other_seller = new_test_user(
            cls.env,
            "ch_tpl_seller",
            name="Oscar Other",
            groups="base.group_user,sales_team.group_sale_salesman",
        )
        cls.clerk = new_test_user(
            cls.env,
            "ch_tpl_clerk",
            name="Clara Clerk",
            groups="base.group_user,base.group_partner_manager",
        )
        SaleOrder = cls.env["sale.order"].sudo()
        cls.secret_quotation = SaleOrder.create(
            {
                "name": SECRET_QUOTATION,
                "partner_id": cls.client_a.id,
                "user_id": cls.other_seller.id,
            }
        )
        cls.client_a.sudo().signup_type = SECRET_SIGNUP

    def _save_as(self, user, values):
        """Save template fields on Alpha's form as ``user``; return the error raised."""
        with self.assertRaises(ValidationError) as caught:
            self.client_a.with_user(user).write(values)
            self.env.flush_all()
        return str(caught.exception)

    def test_check_renders_on_documents_the_user_may_read(self):
        """Another seller's quotation of the client is never the sample: its name cannot
        come back in the error; the editor's own quotation is."""
        subject = {
            "client_quotation_template_subject": "Quotation {{ int(object.name) }}"
        }
        message = self._save_as(self.editor, subject)
        self.assertNotIn(SECRET_QUOTATION, message)
        self.assertIn("'New'", message, "a blank quotation: none is readable")
        self.env["sale.order"].sudo().create(
            {
                "name": OWN_QUOTATION,
                "partner_id": self.client_a.id,
                "user_id": self.editor.id,
            }
        )
        message = self._save_as(self.editor, subject)
        self.assertNotIn(SECRET_QUOTATION, message)
        self.assertIn(OWN_QUOTATION, message)
        self.assertFalse(self.client_a.client_quotation_template_id)

    def test_check_reads_no_field_the_user_may_not_read(self):
        """A statement template is checked on the client itself, with the editor's field
        rights: a field only administrators read stays unread."""
        message = self._save_as(
            self.editor,
            {"client_statement_template_subject": "{{ int(object.signup_type) }}"},
        )
        self.assertNotIn(SECRET_SIGNUP, message)
        self.assertIn("AccessError", message)
        self.assertIn("signup_type", message)
        message = self._save_as(
            self.editor,
            {
                "client_statement_template_body": (
                    '<p><t t-out="int(object.signup_type)"/></p>'
                )
            },
        )
        self.assertNotIn(SECRET_SIGNUP, message)
        self.assertFalse(self.client_a.client_statement_template_id)

    def test_statement_checked_with_the_rights_of_the_user(self):
        """The statement e-mail lists the client's documents: staff who may not read
        invoices cannot have it checked, and are told why in one line."""
        editor = new_test_user(
            self.env,
            "ch_tpl_editor_no_invoices",
            groups="base.group_user,base.group_partner_manager,"
            "mail.group_mail_template_editor",
        )
        subject = {"client_statement_template_subject": "Statement {{ object.name }}"}
        message = self._save_as(editor, subject)
        self.assertIn(
            "AccessError: You are not allowed to access 'Journal Entry'", message
        )
        self.client_a.with_user(self.editor).write(subject)
        self.assertTrue(self.client_a.client_statement_template_id)

    def test_sudo_in_a_template_refused_to_non_editors(self):
        """Odoo's own limit, which the check must not lift by rendering as superuser: staff
        outside the Mail Template Editor group cannot save an expression such as
        ``object.env[...].sudo()``."""
        for values in (
            {
                "client_statement_template_subject": "{{ int(object.env['res.users']"
                ".sudo().search([], limit=1).login) }}"
            },
            {
                "client_statement_template_body": '<p><t t-out="int(object.env'
                "['res.users'].sudo().search([], limit=1).login)\"/></p>"
            },
        ):
            with self.subTest(values=values), self.assertRaises(AccessError) as caught:
                self.client_a.with_user(self.clerk).write(values)
                self.env.flush_all()
            self.assertIn("Mail Template Editor", str(caught.exception))
            self.assertNotIn("__system__", str(caught.exception))
        self.assertFalse(self.client_a.client_statement_template_id)

    def test_message_is_short_and_clean(self):
        """The template, the field and the error's reason; no traceback, no generated
        code, no template dump."""
        cases = (
            (
                {"client_statement_template_body": '<p><t t-out="1 / 0"/></p>'},
                "Body",
                "ZeroDivisionError: division by zero",
            ),
            (
                {"client_statement_template_subject": "Statement {{ 1 / 0 }}"},
                "Subject",
                "division by zero",
            ),
            (
                {"client_statement_template_body": '<p><t t-out="object.name +"/></p>'},
                "Body",
                "SyntaxError",
            ),
        )
        for values, field, reason in cases:
            with self.subTest(values=values):
                message = self._save_as(self.editor, values)
                self.assertIn("Statement e-mail template of Alpha Corp", message)
                self.assertIn(f"correct its {field}", message)
                self.assertIn(reason, message)
                for noise in (
                    "Traceback",
                    "QWeb generated code",
                    "Template Source Snippet",
                    "Target Model",
                    "<p>",
                    "File ",
                ):
                    self.assertNotIn(noise, message)
                self.assertLess(len(message), 400, message)

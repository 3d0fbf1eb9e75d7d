"""Numeric system parameters of client_hub: one typed reader, the defaults of `const.py`."""

from datetime import timedelta

from odoo.tests import tagged

from odoo.addons.client_hub import const

from .common import ClientHubCommon


@tagged("post_install", "-at_install")
class TestSettings(ClientHubCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ICP = cls.env["ir.config_parameter"]

    def _set(self, key, value):
        self.ICP.set_param(key, value)

    def test_number_typed_like_default(self):
        key = "client_hub.test_number"
        for value, default, minimum, expected in [
            (False, 7, None, 7),  # unset
            ("12", 7, None, 12),
            (" 12 ", 7, None, 12),
            ("2.5", 7, None, 7),  # not an int
            ("2.5", 7.0, None, 2.5),
            ("abc", 7, None, 7),
            ("nan", 7.0, None, 7.0),
            ("inf", 7.0, None, 7.0),
            ("0", 7, None, 0),
            ("0", 7, 1, 7),  # below the minimum
            ("-3", 7, 1, 7),
        ]:
            with self.subTest(value=value, default=default, minimum=minimum):
                self._set(key, value)
                number = self.ICP._client_hub_get_number(key, default, minimum=minimum)
                self.assertEqual(number, expected)
                self.assertIs(type(number), type(default))

    def test_readable_by_portal_users(self):
        """Portal users cannot read system parameters; the helper reads the one asked for."""
        self._set(const.PARAM_MAGIC_LINK_LOGIN_TTL_MINUTES, "9")
        self.assertFalse(self.ICP.with_user(self.portal_a).has_access("read"))
        self.assertEqual(
            self.ICP.with_user(self.portal_a)._client_hub_get_number(
                const.PARAM_MAGIC_LINK_LOGIN_TTL_MINUTES, 15
            ),
            9,
        )

    def test_link_lifetimes_fall_back_on_defaults(self):
        """A lifetime that is not a positive number gives the default, not an error (it
        was a ValueError on the sign-in page) nor links born expired."""
        Link = self.env["client_hub.magic.link"]
        for value in ("abc", "-5", "0", ""):
            with self.subTest(value=value):
                self._set(const.PARAM_MAGIC_LINK_DOCUMENT_TTL_DAYS, value)
                self._set(const.PARAM_MAGIC_LINK_LOGIN_TTL_MINUTES, value)
                self.assertEqual(
                    Link._get_ttl("document"),
                    timedelta(days=const.DEFAULT_MAGIC_LINK_DOCUMENT_TTL_DAYS),
                )
                self.assertEqual(
                    Link._get_ttl("login"),
                    timedelta(minutes=const.DEFAULT_MAGIC_LINK_LOGIN_TTL_MINUTES),
                )
        self._set(const.PARAM_MAGIC_LINK_LOGIN_TTL_MINUTES, "3")
        self.assertEqual(
            Link.with_user(self.portal_a)._get_ttl("login"), timedelta(minutes=3)
        )

    def test_rate_limits(self):
        RateLimit = self.env["client_hub.rate.limit"]
        self._set(const.PARAM_RATE_LIMIT_WINDOW_MINUTES, "abc")
        self.assertEqual(
            RateLimit._get_window(),
            timedelta(minutes=const.DEFAULT_RATE_LIMIT_WINDOW_MINUTES),
        )
        self._set(const.PARAM_RATE_LIMIT_WINDOW_MINUTES, "-1")
        self.assertEqual(
            RateLimit._get_window(),
            timedelta(minutes=const.DEFAULT_RATE_LIMIT_WINDOW_MINUTES),
        )
        self._set(const.PARAM_RATE_LIMIT_WINDOW_MINUTES, "5")
        self.assertEqual(RateLimit._get_window(), timedelta(minutes=5))
        key = const.PARAM_RATE_LIMIT_PREFIX + "use_ip"
        self._set(key, "abc")
        self.assertEqual(
            RateLimit._get_limit("use_ip"), const.DEFAULT_RATE_LIMITS["use_ip"]
        )
        self._set(key, "0")
        self.assertEqual(RateLimit._get_limit("use_ip"), 0, "0 switches the limit off")

    def test_ticket_attachment_size(self):
        Ticket = self.env["client_hub.ticket"].with_user(self.portal_a)
        self._set(const.PARAM_TICKET_ATTACHMENT_MAX_SIZE_MB, "abc")
        self.assertEqual(
            Ticket._get_attachment_max_size(),
            int(const.DEFAULT_TICKET_ATTACHMENT_MAX_SIZE_MB * 1024 * 1024),
        )
        self._set(const.PARAM_TICKET_ATTACHMENT_MAX_SIZE_MB, "0.5")
        self.assertEqual(Ticket._get_attachment_max_size(), 512 * 1024)

    def test_order_confirmation_template_from_settings(self):
        MailTemplate = self.env["mail.template"]
        stock = self.env.ref("sale.mail_template_sale_confirmation")
        other = stock.copy({"name": "Other confirmation"})
        self._set(const.PARAM_SALE_CONFIRMATION_TEMPLATE, str(other.id))
        self.assertEqual(MailTemplate._client_hub_get_global_template("order"), other)
        for value in ("abc", "0", str(other.id + 10_000)):
            with self.subTest(value=value):
                self._set(const.PARAM_SALE_CONFIRMATION_TEMPLATE, value)
                self.assertEqual(
                    MailTemplate._client_hub_get_global_template("order"), stock
                )

"""Addresses in Japan, written in Japanese, read as Japanese write them: 〒 and the postal code,
then the prefecture, city and street run together; other addresses are as Odoo writes them.
The invoice PDF's are in tests/test_invoice_jp.py."""

from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged


class JapaneseAddressFixtures:
    @classmethod
    def _japanese_address(cls, **values):
        return {
            "country_id": cls.env.ref("base.jp").id,
            "state_id": cls.env.ref("base.state_jp_jp-13").id,
            "zip": "100-0005",
            "city": "千代田区",
            "street": "丸の内1-2-3",
            **values,
        }


@tagged("post_install", "-at_install")
class TestJapaneseAddress(JapaneseAddressFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sakura = cls.env["res.partner"].create(
            {
                "name": "株式会社さくら商事",
                "is_company": True,
                **cls._japanese_address(street2="丸の内ビル5階"),
            }
        )

    def test_japanese_order(self):
        self.assertEqual(
            self.sakura._display_address(without_company=True),
            "〒100-0005\n東京都千代田区丸の内1-2-3\n丸の内ビル5階\nJapan",
        )
        self.assertEqual(
            self.sakura._display_address(),
            "株式会社さくら商事\n〒100-0005\n東京都千代田区丸の内1-2-3\n丸の内ビル5階\nJapan",
        )
        self.env["res.lang"]._activate_lang("ja_JP")
        self.assertEqual(
            self.sakura.with_context(lang="ja_JP")._display_address(
                without_company=True
            ),
            "〒100-0005\n東京都千代田区丸の内1-2-3\n丸の内ビル5階\n"
            + self.env.ref("base.jp").with_context(lang="ja_JP").name,
        )

    def test_without_postal_code_no_mark(self):
        self.sakura.write({"zip": False, "street2": False})
        self.assertEqual(
            self.sakura._display_address(without_company=True),
            "東京都千代田区丸の内1-2-3\n\nJapan",
        )

    def test_as_documents_and_the_portal_print_it(self):
        """The `contact` widget of the reports and portal pages."""
        html = self.env["ir.qweb.field.contact"].value_to_html(
            self.sakura, {"fields": ["name", "address"], "no_marker": True}
        )
        self.assertIn(
            "〒100-0005<br/>東京都千代田区丸の内1-2-3<br/>丸の内ビル5階<br/>Japan", html
        )

    def test_romanised_address_in_japan_keeps_odoo_format(self):
        partner = self.env["res.partner"].create(
            {
                "name": "Sakura Trading K.K.",
                **self._japanese_address(city="Chiyoda-ku", street="1-2-3 Marunouchi"),
            }
        )
        self.assertEqual(
            partner._display_address(without_company=True),
            "100-0005\n東京都 Chiyoda-ku\n1-2-3 Marunouchi\n\nJapan",
        )

    def test_other_countries_unchanged(self):
        partner = self.env["res.partner"].create(
            {
                "name": "Atomium Consulting SRL",
                "street": "Boulevard du Centenaire 1",
                "zip": "1020",
                "city": "Brussels",
                "country_id": self.env.ref("base.be").id,
            }
        )
        self.assertEqual(
            partner._display_address(without_company=True),
            "Boulevard du Centenaire 1\n\n1020 Brussels\nBelgium",
        )
        partner.write({"country_id": False, "state_id": False, "city": "東京"})
        self.assertEqual(
            partner._display_address(without_company=True),
            "Boulevard du Centenaire 1\n\n東京  1020\n",
            "no country: Odoo's default format, whatever the script",
        )


@tagged("post_install", "-at_install")
class TestJapaneseAddressPortal(JapaneseAddressFixtures, HttpCase):
    def test_portal_shows_the_address_in_japanese_order(self):
        user = new_test_user(
            self.env, login="ch_jp_hanako", groups="base.group_portal", name="佐藤 花子"
        )
        user.partner_id.write(self._japanese_address())
        self.authenticate(user.login, user.login)
        response = self.url_open("/my/home")
        self.assertEqual(response.status_code, 200)
        self.assertIn("〒100-0005", response.text)
        self.assertIn("東京都千代田区丸の内1-2-3", response.text)

import polib

from odoo.tests import tagged
from odoo.tools.misc import file_path
from odoo.tools.translate import TranslationModuleReader

from .common import ClientHubCommon


@tagged("post_install", "-at_install")
class TestTranslations(ClientHubCommon):
    """The template lists every translatable term of the module, and Japanese translates them all."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pot = polib.pofile(file_path("client_hub/i18n/client_hub.pot"))
        cls.ja = polib.pofile(file_path("client_hub/i18n/ja.po"))

    def test_pot_is_complete(self):
        reader = TranslationModuleReader(self.env.cr, modules=["client_hub"])
        current = {row[4] for row in reader if row[0] == "client_hub"}
        missing = sorted(current - {entry.msgid for entry in self.pot})
        self.assertFalse(
            missing,
            "terms missing from i18n/client_hub.pot (run tools/harness.sh i18n):\n"
            + "\n".join(missing[:30]),
        )

    def test_japanese_is_complete(self):
        translated = {
            entry.msgid
            for entry in self.ja
            if entry.msgstr and not entry.fuzzy and not entry.obsolete
        }
        missing = sorted(
            entry.msgid for entry in self.pot if entry.msgid not in translated
        )
        self.assertFalse(
            missing,
            f"{len(missing)} terms without a Japanese translation in i18n/ja.po:\n"
            + "\n".join(missing[:30]),
        )

    def test_japanese_keeps_placeholders(self):
        for entry in self.ja:
            if not entry.msgstr or entry.obsolete:
                continue
            for placeholder in ("%s", "%d", "%(", "{"):
                with self.subTest(msgid=entry.msgid[:60], placeholder=placeholder):
                    self.assertEqual(
                        entry.msgid.count(placeholder), entry.msgstr.count(placeholder)
                    )

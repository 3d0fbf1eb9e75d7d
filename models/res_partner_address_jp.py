import re

from odoo import api, models

# kana and kanji: an address written in Japanese, not romanised
JAPANESE_SCRIPT_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")


class ResPartner(models.Model):
    """Addresses in Japan written as Japanese write them, on documents and in the portal
    (both print addresses through `_display_address`, the `contact` widget's)."""

    _inherit = "res.partner"

    @api.model
    def _get_address_format(self):
        """Override of `base`: an address in Japan written in Japanese reads 〒 and the postal
        code, then the prefecture, city and street run together (東京都千代田区丸の内1-2-3), the
        building on its own line. Base's prefectures of Japan are named in Japanese (東京都).
        A romanised address keeps the country's format, which is the Western order it is
        written in; so do letters sent by `snailmail`, whose address is read by its printing
        service."""
        if not self._client_hub_is_japanese_address() or self.env.context.get(
            "snailmail_layout"
        ):
            return super()._get_address_format()
        postal_code = "〒%(zip)s\n" if self.zip else ""
        return (
            postal_code
            + "%(state_name)s%(city)s%(street)s\n%(street2)s\n%(country_name)s"
        )

    def _client_hub_is_japanese_address(self):
        """Return whether the partner's address is in Japan, written in Japanese."""
        return (
            len(self) == 1
            and self.country_id.code == "JP"
            and bool(
                JAPANESE_SCRIPT_RE.search(
                    "".join(
                        self[fname] or "" for fname in ("city", "street", "street2")
                    )
                )
            )
        )

from odoo import models
from odoo.exceptions import AccessError


class IrBinary(models.AbstractModel):
    _inherit = "ir.binary"

    def _find_record(
        self,
        xmlid=None,
        res_model="ir.attachment",
        res_id=None,
        access_token=None,
        field=None,
    ):
        """Override of `base`: a ticket file that is not shared with the client (e.g. one
        attached to an internal note) is served to employees only, whatever access token
        comes with the request: a token given for another reason opens nothing here."""
        record = super()._find_record(
            xmlid=xmlid,
            res_model=res_model,
            res_id=res_id,
            access_token=access_token,
            field=field,
        )
        if (
            record._name == "ir.attachment"
            and not self.env.user._is_internal()
            and record._filter_client_hub_staff_only()
        ):
            raise AccessError(
                self.env._("Sorry, you are not allowed to access this document.")
            )
        return record

from odoo import api, models
from odoo.fields import Domain

TICKET_MODEL = "client_hub.ticket"
# Writes that may put a file on a ticket, or change the content of one already there.
TICKET_FILE_FIELDS = {"res_model", "res_id", "raw", "datas", "db_datas"}


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        """Override to hold the files clients put on tickets to the size limit, whichever
        route creates them (ticket form, chatter upload, ``message_post`` over RPC)."""
        attachments = super().create(vals_list)
        attachments._check_client_hub_ticket_file_size()
        return attachments

    def write(self, vals):
        """Override to hold the files clients put on tickets to the size limit, e.g. a
        pending upload bound to a ticket by ``message_post`` or a message edit."""
        res = super().write(vals)
        if TICKET_FILE_FIELDS & vals.keys():
            self._check_client_hub_ticket_file_size()
        return res

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------
    def _check_client_hub_ticket_file_size(self):
        """Refuse a ticket file over the size limit when it comes from someone other than an
        employee (a client's contact, whatever the route). Employees are trusted with large
        files; e-mails are limited in `client_hub.ticket._process_attachments_for_post`.

        :raise UserError: with the message for the client
        """
        user = self.env.user
        if not self or not user or user._is_internal():
            return
        Ticket = self.env[TICKET_MODEL]
        # sudo: the caller just wrote these files; only their location, name and size are read
        for attachment in self.sudo().filtered(lambda a: a.res_model == TICKET_MODEL):
            Ticket._check_attachment_size(attachment.name, attachment.file_size)

    def _filter_client_hub_staff_only(self):
        """:return: the files of ``self`` that are on a ticket but not shared with its client
        (see `client_hub.ticket._get_client_attachment_domain`)"""
        # sudo: only the files' location and their messages are looked at, nothing is returned
        # beyond a subset of ``self``
        ticket_files = self.sudo().filtered(lambda a: a.res_model == TICKET_MODEL)
        if not ticket_files:
            return self.browse()
        shared = ticket_files.with_context(active_test=False).search(
            Domain("id", "in", ticket_files.ids)
            & self.env[TICKET_MODEL]._get_client_attachment_domain()
        )
        return self.browse((ticket_files - shared).ids)

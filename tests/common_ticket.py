from odoo.tests import new_test_user

# A plain e-mail as a mail server hands it to the gateway.
TICKET_MAIL_TEMPLATE = """Return-Path: {return_path}
To: {to}
cc: {cc}
From: {email_from}
Subject: {subject}
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Date: {date}
Message-ID: {msg_id}
{extra}

Hello, our printer prints the invoices in pink. Can you help?
"""


class TicketFixtures:
    """Two clients (A and B), each with a company, a portal contact; a support agent."""

    @classmethod
    def _setup_ticket_fixtures(cls):
        env = cls.env
        Partner = env["res.partner"]
        cls.client_a = Partner.create({
            "name": "Alpha Client Corp", "is_company": True, "customer_rank": 1,
            "email": "office@alpha-client.example.com",
        })
        cls.client_b = Partner.create({
            "name": "Beta Client Corp", "is_company": True, "customer_rank": 1,
            "email": "office@beta-client.example.com",
        })
        cls.portal_a = new_test_user(
            env, login="tck_alice", groups="base.group_portal", name="Alice Alpha",
            email="alice@alpha-client.example.com",
        )
        cls.portal_a.partner_id.parent_id = cls.client_a
        cls.portal_a2 = new_test_user(
            env, login="tck_andy", groups="base.group_portal", name="Andy Alpha",
            email="andy@alpha-client.example.com",
        )
        cls.portal_a2.partner_id.parent_id = cls.client_a
        cls.portal_b = new_test_user(
            env, login="tck_bob", groups="base.group_portal", name="Bob Beta",
            email="bob@beta-client.example.com",
        )
        cls.portal_b.partner_id.parent_id = cls.client_b
        cls.agent = new_test_user(
            env, login="tck_agent", groups="base.group_user,client_hub.group_support",
            name="Sam Support", email="sam@ourcompany.example.com", notification_type="inbox",
        )
        cls.stage_new = env.ref("client_hub.ticket_stage_new")
        cls.stage_in_progress = env.ref("client_hub.ticket_stage_in_progress")
        cls.stage_waiting = env.ref("client_hub.ticket_stage_waiting")
        cls.stage_closed = env.ref("client_hub.ticket_stage_closed")

    @classmethod
    def _new_ticket(cls, user, name="Question", **values):
        """Open a ticket as the portal ``user`` would (through the portal's model method)."""
        ticket = cls.env["client_hub.ticket"].with_user(user)._create_from_portal(
            user.partner_id, {"name": name, **values})
        return cls.env["client_hub.ticket"].browse(ticket.id)

# An e-mail with two files, as a mail server hands it to the gateway.
TICKET_MAIL_WITH_FILES_TEMPLATE = """Return-Path: {return_path}
To: {to}
cc: {cc}
From: {email_from}
Subject: {subject}
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="ticket-files-boundary"
Date: {date}
Message-ID: {msg_id}
{extra}

--ticket-files-boundary
Content-Type: text/plain; charset=utf-8

Here are the scans of the pink invoices.

--ticket-files-boundary
Content-Type: application/octet-stream; name="{big_name}"
Content-Disposition: attachment; filename="{big_name}"
Content-Transfer-Encoding: base64

{big_b64}
--ticket-files-boundary
Content-Type: application/octet-stream; name="{small_name}"
Content-Disposition: attachment; filename="{small_name}"
Content-Transfer-Encoding: base64

{small_b64}
--ticket-files-boundary--
"""

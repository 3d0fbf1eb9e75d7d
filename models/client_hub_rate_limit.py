import hashlib
import ipaddress
import math
from datetime import datetime, timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..const import (
    DEFAULT_RATE_LIMIT_WINDOW_MINUTES,
    DEFAULT_RATE_LIMITS,
    PARAM_RATE_LIMIT_PREFIX,
    PARAM_RATE_LIMIT_WINDOW_MINUTES,
)

# An IPv6 client (a home, a phone, a server) is given a whole /64: its counters are
# kept per /64, or it could take a fresh address for every attempt.
IPV6_KEY_PREFIX = 64


class ClientHubRateLimit(models.Model):
    """Fixed-window counters shared by every worker and server.

    One row per (key, window start). :meth:`_hit` increments the row with one atomic
    ``INSERT ... ON CONFLICT DO UPDATE``, so concurrent requests in other workers
    never lose a count. A new window starts a new row: the limit resets by itself.
    """

    _name = "client_hub.rate.limit"
    _description = "Client Portal Rate Limit Counter"
    _order = "window_start desc"
    _log_access = False

    key = fields.Char(required=True, readonly=True)
    window_start = fields.Datetime(required=True, readonly=True, index=True)
    count = fields.Integer(readonly=True)

    _key_window_unique = models.UniqueIndex("(key, window_start)")

    @api.model
    def _get_window(self):
        """Return the length of a rate-limit window as a timedelta."""
        return timedelta(
            minutes=self.env["ir.config_parameter"]._client_hub_get_number(
                PARAM_RATE_LIMIT_WINDOW_MINUTES,
                DEFAULT_RATE_LIMIT_WINDOW_MINUTES,
                minimum=1,
            )
        )

    @api.model
    def _get_limit(self, kind):
        """Return the attempts allowed per window for ``kind`` (0 or less: no limit)."""
        return self.env["ir.config_parameter"]._client_hub_get_number(
            PARAM_RATE_LIMIT_PREFIX + kind, DEFAULT_RATE_LIMITS[kind]
        )

    @api.model
    def _make_key(self, kind, value):
        """Key of a counter: the value is hashed so that the table holds no e-mail
        address or IP in clear. IPs (kinds ``*_ip``) are counted per client network,
        see :meth:`_get_ip_key`."""
        value = value.strip().lower()
        if kind.endswith("_ip"):
            value = self._get_ip_key(value)
        return f"{kind}:{hashlib.sha256(value.encode()).hexdigest()}"

    @api.model
    def _get_ip_key(self, address):
        """Return what the counters of ``address`` are kept for: the IPv4 address itself
        (also when written as an IPv4-mapped IPv6 address), the /64 network of an IPv6
        address, anything unparsable as is.

        :param str address: the client address as Odoo gives it (``remote_addr``)
        :rtype: str
        """
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return address
        if ip.version == 6 and ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        if ip.version == 6:
            return str(ipaddress.IPv6Network((int(ip), IPV6_KEY_PREFIX), strict=False))
        return str(ip)

    @api.model
    def _hit(self, kind, value):
        """Count one attempt of ``kind`` for ``value`` (an IP or an e-mail address).

        :return: 0 when the attempt is allowed, else the number of minutes (at least 1)
            until the current window ends and attempts are allowed again
        :rtype: int
        """
        limit = self._get_limit(kind)
        if limit <= 0 or not value:
            return 0
        window = self._get_window()
        now = fields.Datetime.now()
        epoch = datetime(1970, 1, 1)
        window_start = epoch + window * ((now - epoch) // window)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """INSERT INTO client_hub_rate_limit AS rl (key, window_start, count)
               VALUES (%(key)s, %(start)s, 1)
               ON CONFLICT (key, window_start) DO UPDATE SET count = rl.count + 1
               RETURNING count""",
                key=self._make_key(kind, value),
                start=window_start,
            )
        )
        [count] = self.env.cr.fetchone()
        if count <= limit:
            return 0
        return max(1, math.ceil((window_start + window - now).total_seconds() / 60))

    @api.model
    def _gc_rate_limits(self):
        """Cron: delete the counters of windows that ended."""
        # sudo: cron clean-up: deletes only counters of windows that already ended
        self.sudo().search(
            [
                ("window_start", "<", fields.Datetime.now() - self._get_window()),
            ]
        ).unlink()

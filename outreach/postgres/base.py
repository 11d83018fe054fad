"""Django's PostgreSQL backend, with a health check that costs no round trip while the server
has said nothing.

With CONN_HEALTH_CHECKS, Django asks a reused connection `SELECT 1` before a request's first
query, so that a request after a database restart reconnects instead of failing: one round trip
per request. A server that restarts, or ends the connection for any other reason, tells the
client why and closes its end, which leaves the socket readable. So a socket with nothing to read
is a connection still open, and only a readable one is asked as Django asks it.
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        if self.connection is None or self.connection.closed:
            return False
        pgconn = self.connection.pgconn
        if pgconn.status != pq.ConnStatus.OK:
            return False
        try:
            readable, _, _ = select.select([pgconn.socket], [], [], 0)
        except (OSError, ValueError):
            return False
        return super().is_usable() if readable else True

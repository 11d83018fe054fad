"""Claiming a session's seat, and how long a registration may wait for the locks it meets."""

import time

from django.conf import settings
from django.db import OperationalError, connection

from events.models import Session
from registrations.models import Registration, RegistrationStatus


class SeatsBusy(Exception):
    """Others held the session (or the same organisation or address) too long: try again."""


class LockWait:
    """The time a registration may spend waiting for locks, in all (OUTREACH_LOCK_TIMEOUT_MS).

    PostgreSQL's lock_timeout bounds each wait on its own, so a registration that met two locks
    in a row could wait twice as long. Made at the start of the transaction, this sets the whole
    budget as the lock timeout; `spend()`, called before each later statement that may wait,
    lowers it to what is left once time has gone by (one more statement, only then), and raises
    SeatsBusy when nothing is left. SQLite waits for its one writer lock on its own timeout.
    """

    # Time the statements between two calls may take, having met no lock, without the budget
    # being set again (on a busy machine a few statements can take tens of milliseconds).
    SLACK = 0.1

    def __init__(self):
        self.budget = settings.OUTREACH_LOCK_TIMEOUT_MS / 1000
        self.started = time.monotonic()
        self.set_for = self.budget
        self._set(self.budget)

    def spend(self) -> None:
        left = self.budget - (time.monotonic() - self.started)
        if left <= 0:
            raise SeatsBusy
        if self.set_for - left > self.SLACK:
            self._set(left)

    def _set(self, seconds: float) -> None:
        self.set_for = seconds
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('lock_timeout', %s, true)",
                    [f"{max(1, int(seconds * 1000))}ms"],
                )


def waited_too_long(error: OperationalError) -> bool:
    """Whether the error is the lock timeout (PostgreSQL's lock_not_available, SQLite's busy
    database) rather than a database that cannot be reached."""
    return getattr(error.__cause__, "sqlstate", None) == "55P03" or "database is locked" in str(
        error
    )


def claim_seat(session: Session) -> tuple[bool, bool]:
    """Take one of the session's seats if one is free, in one statement: (taken, whether anyone
    is on the waitlist). Once taken, the session's row stays locked until the transaction ends.

    The waitlist is read in the same statement, from the moment it began: a waitlist emptied by
    a transaction this one waited for may still show people, so a caller that finds someone
    waiting looks again (`someone_waits`) before letting them go first.
    """
    quote = connection.ops.quote_name
    seats = Session._meta
    registrations = Registration._meta
    count = quote(seats.get_field("confirmed_count").column)
    # Names from the models' metadata, quoted; every value a parameter.
    sql = (
        f"UPDATE {quote(seats.db_table)} SET {count} = {count} + 1 "  # noqa: S608
        f"WHERE {quote(seats.pk.column)} = %s "
        f"AND {count} < {quote(seats.get_field('capacity').column)} "
        f"RETURNING EXISTS (SELECT 1 FROM {quote(registrations.db_table)} "
        f"WHERE {quote(registrations.get_field('session').column)} = %s "
        f"AND {quote(registrations.get_field('status').column)} = %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [session.pk, session.pk, RegistrationStatus.WAITLISTED])
        row = cursor.fetchone()
    if row is None:
        return False, False
    return True, bool(row[0])


def someone_waits(session: Session) -> bool:
    """Nobody jumps the queue: while people wait, a new registrant waits behind them."""
    return Registration.objects.filter(
        session=session, status=RegistrationStatus.WAITLISTED
    ).exists()

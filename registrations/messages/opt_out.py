"""Opting out of non-essential messages: follow-ups, surveys, outcome surveys, messages to a
group. Confirmations, changes and cancellations always go (registrations.messages.delivery).

Every non-essential email carries a link with a signed token of the person's id (salted, with no
expiry: an old email's link keeps working). Whoever holds the link may stop those messages, and
start them again: nothing else is reachable through it.
"""

from datetime import datetime

from django.core import signing
from django.utils import timezone

from outreach.models import User

SALT = "registrations.opt-out"


def opt_out_token(person: User) -> str:
    return signing.dumps(person.pk, salt=SALT)


def person_for_token(token: str) -> User | None:
    """The person a link names, or None for a tampered, truncated or stale link."""
    try:
        pk = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return User.objects.filter(pk=pk).first()


def opt_out(person: User, *, now: datetime | None = None) -> User:
    """Stop the person's non-essential messages from now on (those queued are skipped when
    their turn comes). Writes User.opted_out_at, the first time only."""
    User.objects.filter(pk=person.pk, opted_out_at__isnull=True).update(
        opted_out_at=now or timezone.now()
    )
    person.refresh_from_db(fields=["opted_out_at"])
    return person


def opt_in(person: User) -> User:
    """Start the person's non-essential messages again. Writes User.opted_out_at (None)."""
    User.objects.filter(pk=person.pk).update(opted_out_at=None)
    person.refresh_from_db(fields=["opted_out_at"])
    return person

"""Messages to a group: an organiser (or a co-host manager, for its own sessions) writes to the
registered, attended, no-show or waitlisted people of a session or a series, in three languages.

Who is written to is `recipients`; `send_bulk_message` records the message, its audit entry and
one Message per recipient, spread over the minutes so that the workers send at most
settings.OUTREACH_BULK_MESSAGES_PER_MINUTE a minute. Each recipient reads it in their own
language (`text_for`); registrations.messages.emails builds the email (MessageKind.BULK).
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.module_loading import import_string

from events.models import Series, Session
from outreach import audit
from outreach.models import AuditAction, User
from outreach.tasks import enqueue_on_commit
from registrations.models import (
    BulkMessage,
    Message,
    MessageKind,
    MessageStatus,
    Registration,
    RegistrationStatus,
    Segment,
)
from registrations.services import SEND_MESSAGE

LANGUAGES = [code for code, _name in settings.LANGUAGES]
LANGUAGE_NAMES = dict(settings.LANGUAGES)


class NobodyToWrite(ValueError):
    """The segment holds nobody who may be written to: nothing is sent."""


# --- Who is written to ------------------------------------------------------------------------


def _segment(segment: str, *, now: datetime) -> Q:
    """The registrations of a segment.

    No-shows are the confirmed registrants marked absent (an attendance import marks every
    confirmed registrant attended or absent) and, once the session has ended and its attendance
    is known from a check-in that marks only those present, the confirmed registrants nobody
    marked. Before any attendance is known, nobody is a no-show.
    """
    confirmed = Q(status=RegistrationStatus.CONFIRMED)
    if segment == Segment.REGISTERED:
        return confirmed
    if segment == Segment.ATTENDED:
        return confirmed & Q(attended=True)
    if segment == Segment.NO_SHOW:
        attendance_known = Exists(
            Registration.objects.filter(session=OuterRef("session"), attended__isnull=False)
        )
        unmarked = Q(attended__isnull=True, session__ends_at__lte=now) & Q(attendance_known)
        return confirmed & (Q(attended=False) | unmarked)
    if segment == Segment.WAITLISTED:
        return Q(status=RegistrationStatus.WAITLISTED)
    raise ValueError(f"Unknown segment {segment!r}.")


def recipients(
    *,
    session: Session | None = None,
    series: Series | None = None,
    segment: str,
    now: datetime | None = None,
) -> QuerySet[Registration]:
    """The registrations a message to `segment` of a session or a series goes to: one per
    person, with the person and the session fetched.

    Left out: anonymised registrations (nobody to write to), people who opted out of messages
    that are not essential (User.opted_out_at), and cancelled registrations (no segment holds
    them). In a series, a person registered for several sessions of the segment is written to
    once, through the registration for the latest session (the latest registered, at equal
    start), whose language of delivery is the fallback of their message.
    """
    if (session is None) == (series is None):
        raise ValueError("Write to a session or to a series.")
    now = now or timezone.now()
    eligible = Registration.objects.filter(
        _segment(segment, now=now),
        person__isnull=False,
        anonymised_at__isnull=True,
        person__opted_out_at__isnull=True,
    )
    if session is not None:
        chosen = eligible.filter(session=session)
    else:
        in_series = eligible.filter(session__series=series)
        latest = in_series.filter(person=OuterRef("person")).order_by(
            "-session__starts_at", "-created_at", "-pk"
        )
        chosen = in_series.filter(pk=Subquery(latest.values("pk")[:1]))
    return chosen.select_related("person", "session").order_by("pk")


# --- In each recipient's language ---------------------------------------------------------------


def text_for(bulk: BulkMessage, *, language: str, fallback: str = "en") -> tuple[str, str, str]:
    """The subject and body a reader of `language` gets, and the language they are in: their own
    when the organiser wrote it, else `fallback` (the session's language), else English, else
    whichever language was written."""
    for candidate in dict.fromkeys((language, fallback, "en", *LANGUAGES)):
        subject = getattr(bulk, f"subject_{candidate}", "") or ""
        body = getattr(bulk, f"body_{candidate}", "") or ""
        if subject and body:
            return subject, body, candidate
    return "", "", ""


def draft(texts: dict[str, tuple[str, str]]) -> BulkMessage:
    """An unsaved message holding `texts` ({language: (subject, body)}), to preview."""
    message = BulkMessage()
    for language in LANGUAGES:
        subject, body = texts.get(language, ("", ""))
        setattr(message, f"subject_{language}", subject.strip())
        setattr(message, f"body_{language}", body.strip())
    return message


@dataclass
class PreviewGroup:
    """Recipients who read `language` and get the message in `shown_in`."""

    language: str
    shown_in: str
    count: int
    subject: str
    body: str

    @property
    def language_name(self) -> str:
        return str(LANGUAGE_NAMES[self.language])

    @property
    def shown_in_name(self) -> str:
        return str(LANGUAGE_NAMES.get(self.shown_in, ""))


def preview(
    bulk: BulkMessage,
    *,
    session: Session | None = None,
    series: Series | None = None,
    segment: str,
) -> list[PreviewGroup]:
    """The message as each language's recipients will see it, with how many they are; `bulk`
    is unsaved (the texts typed so far). One query, whatever the number of recipients."""
    counts = (
        recipients(session=session, series=series, segment=segment)
        .order_by()
        .values("person__language", "session__language")
        .annotate(count=Count("pk"))
    )
    groups: dict[tuple[str, str], PreviewGroup] = {}
    for row in counts:
        language = row["person__language"]
        subject, body, shown_in = text_for(
            bulk, language=language, fallback=row["session__language"]
        )
        key = (language, shown_in)
        if key in groups:
            groups[key].count += row["count"]
        else:
            groups[key] = PreviewGroup(language, shown_in, row["count"], subject, body)
    return sorted(groups.values(), key=lambda g: (LANGUAGES.index(g.language), g.shown_in))


def preview_without_counts(bulk: BulkMessage, *, fallback: str) -> list[PreviewGroup]:
    """The message as a reader of each language would see it, with no count: what a co-host
    previews. A count of recipients, or which languages they read, could give away a number
    the co-host's figures hide to protect people (impact.suppression)."""
    groups = []
    for language in LANGUAGES:
        subject, body, shown_in = text_for(bulk, language=language, fallback=fallback)
        groups.append(PreviewGroup(language, shown_in, 0, subject, body))
    return groups


# --- Sending ---------------------------------------------------------------------------------


def new_send_token() -> str:
    """The token a form carries from writing to sending: the same token sends once."""
    return secrets.token_urlsafe(16)


def _key(token: str, registration_pk: int) -> str:
    return f"bulk:{token}:{registration_pk}"


def _first_minute(now: datetime) -> datetime:
    """When this message's first recipients are due: now, or, while earlier messages to groups
    are still waiting, the minute after the last of them, so that the rate holds across them."""
    last = Message.objects.filter(
        kind=MessageKind.BULK, status=MessageStatus.PENDING, due_at__gt=now
    ).aggregate(last=Max("due_at"))["last"]
    return now if last is None else last + timedelta(minutes=1)


def send_bulk_message(
    *,
    session: Session | None = None,
    series: Series | None = None,
    segment: str,
    texts: dict[str, tuple[str, str]],
    token: str,
    by: User,
    now: datetime | None = None,
) -> BulkMessage:
    """Write `texts` ({language: (subject, body)}, at least one language with both) to the
    people of `segment` of a session or a series.

    In one transaction: records the BulkMessage with its count, the audit entry
    (BULK_MESSAGE_SENT), and one pending Message per recipient (bulk inserts), due in batches of
    settings.OUTREACH_BULK_MESSAGES_PER_MINUTE a minute; their send tasks are queued after
    commit with those times. The same `token` sends once: a second call (a double click, a
    reload) returns the message sent the first time. Raises NobodyToWrite for an empty segment.
    """
    if (session is None) == (series is None):
        raise ValueError("Write to a session or to a series.")
    written = {
        language: (subject.strip(), body.strip())
        for language, (subject, body) in texts.items()
        if language in LANGUAGES and subject.strip() and body.strip()
    }
    if not written:
        raise ValueError("A message needs a subject and a text in at least one language.")
    now = now or timezone.now()
    per_minute = max(1, settings.OUTREACH_BULK_MESSAGES_PER_MINUTE)
    with transaction.atomic():
        # Two submissions of one form wait for each other here; the second finds the first's
        # messages by their keys (unique in the database, so it could never send twice).
        if session is not None:
            Session.objects.select_for_update().get(pk=session.pk)
        else:
            Series.objects.select_for_update().get(pk=series.pk)
        already = (
            Message.objects.filter(key__startswith=_key(token, ""), bulk__isnull=False)
            .select_related("bulk")
            .first()
        )
        if already is not None:
            return already.bulk
        chosen = list(recipients(session=session, series=series, segment=segment, now=now))
        if not chosen:
            raise NobodyToWrite(segment)
        bulk = draft(written)
        bulk.session, bulk.series, bulk.segment = session, series, segment
        bulk.created_by, bulk.created_at, bulk.sent_at = by, now, now
        bulk.recipient_count = len(chosen)
        bulk.save()
        start = _first_minute(now)
        messages = Message.objects.bulk_create(
            [
                Message(
                    key=_key(token, registration.pk),
                    registration=registration,
                    kind=MessageKind.BULK,
                    session_sequence=registration.session.sequence,
                    due_at=start + timedelta(minutes=index // per_minute),
                    created_at=now,
                    bulk=bulk,
                )
                for index, registration in enumerate(chosen)
            ],
            batch_size=1000,
        )
        audit.record(
            by,
            AuditAction.BULK_MESSAGE_SENT,
            session or series,
            segment=segment,
            recipients=len(chosen),
            languages=sorted(written),
            bulk_message=bulk.pk,
        )
        send = import_string(SEND_MESSAGE)
        for message in messages:
            run_after = message.due_at if message.due_at > now else None
            enqueue_on_commit(send, message.pk, run_after=run_after)
    return bulk


# --- Reading what was sent --------------------------------------------------------------------


def sent_messages(
    *, session: Session | None = None, series: Series | None = None
) -> QuerySet[BulkMessage]:
    """The messages written to a session's or a series' registrants, newest first, with who
    wrote them."""
    if session is not None:
        found = BulkMessage.objects.filter(session=session)
    else:
        found = BulkMessage.objects.filter(series=series)
    return found.select_related("created_by").order_by("-created_at", "-pk")

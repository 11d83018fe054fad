"""After a session: one follow-up to each registrant, by attendance, automatically.

What is promised
----------------
When a session's attendance becomes known (a report imported, a Zoom pull, a check-in at the
door: `mark_attendance_known`), its follow-ups are due `follow_up_delay_minutes` after the later
of the session's end and that moment; when no attendance is known `attendance_wait_hours` after
the end, they are due then. The periodic job (`queue_due_follow_ups`, every five minutes) queues
them once per session, with the session's SessionFollowUp row locked and claimed
(`queued_at`), so several workers never queue them twice:

- a confirmed registrant who attended gets FOLLOW_UP_ATTENDED: thanks, and the single-use link
  to the session's survey (created here, with its one reminder);
- a confirmed registrant who did not attend (or whose attendance the report does not give) gets
  FOLLOW_UP_MISSED: "sorry we missed you" and the next sessions in their language;
- when no attendance came at all, every confirmed registrant gets the same FOLLOW_UP.

Each registration gets one follow-up, ever: a later import (after the fallback went out) or a
second run sends nothing more. Nothing goes for a cancelled session, a session whose organisers
switched follow-ups off (`Session.follow_ups_enabled`, checked again at sending), nor to a
cancelled or waitlisted registration (they did not hold a seat: the follow-up speaks of a session
they were expected at), an anonymised one or one past its retention period, nor to a person who
opted out of non-essential messages (`User.opted_out_at`, checked again at sending).

A session whose follow-ups were due more than TOO_LATE ago is left alone: a thank-you weeks
late (a server down for long, or sessions that ended before follow-ups existed) is not sent.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from events.models import Session, SessionStatus
from registrations import privacy, signals
from registrations.certificates import services as certificates
from registrations.courses import services as courses
from registrations.models import (
    Message,
    MessageKind,
    Registration,
    RegistrationStatus,
    SessionFollowUp,
)
from registrations.services import queue_message
from registrations.surveys import services as surveys

FOLLOW_UP_KINDS = (
    MessageKind.FOLLOW_UP_ATTENDED,
    MessageKind.FOLLOW_UP_MISSED,
    MessageKind.FOLLOW_UP,
)
# The key's suffix of every follow-up (registrations.services.queue_message).
UNIQUE = "follow-up"
TOO_LATE = timedelta(days=3)
# The longest a series may make a session wait (Series' validators): older sessions are never due.
LONGEST_WAIT = timedelta(days=30) + timedelta(days=7) + TOO_LATE


@dataclass(frozen=True)
class FollowUpStatus:
    """What the organiser's pages say about a session's follow-ups."""

    enabled: bool
    attendance_known_at: datetime | None
    due_at: datetime
    queued_at: datetime | None
    # Due so long ago that they will not go (TOO_LATE), and never queued.
    too_late: bool


def mark_attendance_known(session: Session, *, now: datetime | None = None) -> None:
    """Record that the session's attendance is known, the first time only (later imports do
    not move the follow-ups further away). Writes the session's SessionFollowUp, and the
    completion of the course enrolments it may complete (registrations.courses) and the
    certificates of attendance not issued yet (registrations.certificates), at every call; after
    commit, sends `signals.attendance_recorded`."""
    now = now or timezone.now()
    SessionFollowUp.objects.bulk_create([SessionFollowUp(session=session)], ignore_conflicts=True)
    SessionFollowUp.objects.filter(session=session, attendance_known_at__isnull=True).update(
        attendance_known_at=now
    )
    # A course's session: its enrolments may complete the course now.
    courses.update_session_completions(session, now=now)
    # Everyone who attended gets their certificate of attendance (once: registrations.certificates).
    certificates.issue_attendance_certificates(session)
    transaction.on_commit(lambda: signals.attendance_recorded.send(sender=Session, session=session))


def due_at(session: Session, attendance_known_at: datetime | None) -> datetime:
    """When the session's follow-ups are due, given when its attendance became known."""
    if attendance_known_at is None:
        return session.ends_at + timedelta(hours=session.attendance_wait_hours)
    return max(session.ends_at, attendance_known_at) + timedelta(
        minutes=session.follow_up_delay_minutes
    )


def status(session: Session, *, now: datetime | None = None) -> FollowUpStatus:
    now = now or timezone.now()
    follow_up = SessionFollowUp.objects.filter(session=session).first()
    known = follow_up.attendance_known_at if follow_up else None
    queued = follow_up.queued_at if follow_up else None
    due = due_at(session, known)
    return FollowUpStatus(
        enabled=session.follow_ups_enabled,
        attendance_known_at=known,
        due_at=due,
        queued_at=queued,
        too_late=queued is None and now > due + TOO_LATE,
    )


def _candidates(now: datetime):
    return (
        Session.objects.filter(
            follow_ups_enabled=True,
            status__in=[SessionStatus.PUBLISHED, SessionStatus.FINISHED],
            ends_at__lte=now,
            ends_at__gt=now - LONGEST_WAIT,
        )
        .filter(Q(follow_up__isnull=True) | Q(follow_up__queued_at__isnull=True))
        .select_related("series", "follow_up")
        .order_by("ends_at", "pk")
    )


def _known_at(session: Session) -> datetime | None:
    try:
        return session.follow_up.attendance_known_at
    except SessionFollowUp.DoesNotExist:
        return None


def queue_due_follow_ups(*, now: datetime | None = None) -> int:
    """Queue the follow-ups of every session due by `now` (see the module's docstring), each
    session in its own transaction. Returns how many messages were queued."""
    now = now or timezone.now()
    count = 0
    for session in _candidates(now):
        due = due_at(session, _known_at(session))
        if now < due or now > due + TOO_LATE:
            continue
        count += queue_follow_ups(session, now=now)
    return count


@transaction.atomic
def queue_follow_ups(session: Session, *, now: datetime | None = None) -> int:
    """Claim the session's follow-ups and queue them, if due and not queued yet.

    Locks the session's SessionFollowUp (another worker holding it skips the session), writes
    `queued_at`, the survey invitations of the attendees, and one message per registrant
    (sent after commit), and queues the survey's reminder round. Returns how many messages.
    """
    now = now or timezone.now()
    SessionFollowUp.objects.bulk_create([SessionFollowUp(session=session)], ignore_conflicts=True)
    follow_up = (
        SessionFollowUp.objects.select_for_update(skip_locked=True)
        .filter(session=session, queued_at__isnull=True)
        .first()
    )
    if follow_up is None:
        return 0
    session = Session.objects.select_related("series").get(pk=session.pk)
    due = due_at(session, follow_up.attendance_known_at)
    if (
        not session.follow_ups_enabled
        or session.status == SessionStatus.CANCELLED
        or now < due
        or now > due + TOO_LATE
        or privacy.is_past_retention(session, now=now)
    ):
        return 0
    follow_up.queued_at = now
    follow_up.save(update_fields=["queued_at"])
    known = follow_up.attendance_known_at is not None
    already = set(
        Message.objects.filter(registration__session=session, kind__in=FOLLOW_UP_KINDS).values_list(
            "registration_id", flat=True
        )
    )
    registrations = (
        Registration.objects.filter(
            session=session,
            status=RegistrationStatus.CONFIRMED,
            person__isnull=False,
            person__opted_out_at__isnull=True,
        )
        .exclude(pk__in=already)
        .select_related("session")
    )
    survey = surveys.survey_for(session) if known else None
    queued = invited = 0
    for registration in registrations:
        if not known:
            kind = MessageKind.FOLLOW_UP
        elif registration.attended:
            kind = MessageKind.FOLLOW_UP_ATTENDED
            if survey is not None and surveys.invite(registration, survey=survey, now=now):
                invited += 1
        else:
            kind = MessageKind.FOLLOW_UP_MISSED
        if queue_message(registration, kind, unique=UNIQUE) is not None:
            queued += 1
    if invited:
        surveys.schedule_reminder(session, survey=survey, now=now)
    return queued

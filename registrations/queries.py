"""Reads of registrations: querysets filtered, ordered and prefetched."""

from datetime import datetime

from django.db.models import Count, F, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from events.models import Series, Session
from events.queries import with_related
from outreach.models import Organisation
from registrations.models import (
    AttendanceRecord,
    Message,
    MessageStatus,
    Registration,
    RegistrationStatus,
)
from registrations.permissions import shared_with_cohost


def registration_by_token(token: str) -> Registration | None:
    if not token or len(token) > 64:
        return None
    return (
        Registration.objects.select_related("session", "person", "organisation")
        .filter(token=token)
        .first()
    )


def my_registrations(person, *, now: datetime) -> tuple[list, list]:
    """A person's registrations not cancelled: upcoming soonest first, past latest first."""
    registrations = (
        Registration.objects.filter(person=person)
        .exclude(status=RegistrationStatus.CANCELLED)
        .select_related("session", "session__series")
    )
    upcoming = list(registrations.filter(session__ends_at__gt=now).order_by("session__starts_at"))
    past = list(registrations.filter(session__ends_at__lte=now).order_by("-session__starts_at"))
    return upcoming, past


def sessions_in_personal_feed(person) -> QuerySet[Session]:
    """The sessions a person holds a seat at (cancelled sessions stay, marked so)."""
    return with_related(
        Session.objects.filter(
            registrations__person=person, registrations__status=RegistrationStatus.CONFIRMED
        ).order_by("starts_at")
    )


def session_registrations(
    session: Session, *, status: str = "", economy: str = "", text: str = ""
) -> QuerySet[Registration]:
    """An organiser's view of one session's registrations, waitlist in order."""
    registrations = Registration.objects.filter(session=session).select_related(
        "person", "organisation__economy", "source_organisation"
    )
    if status:
        registrations = registrations.filter(status=status)
    if economy:
        registrations = registrations.filter(organisation__economy_id=economy)
    for word in text.split()[:5]:
        registrations = registrations.filter(
            Q(person__full_name__icontains=word)
            | Q(person__email__icontains=word)
            | Q(organisation__name__icontains=word)
        )
    return registrations.order_by("status", "waitlisted_at", "created_at", "pk")


def status_counts(session: Session) -> dict[str, int]:
    counts = dict.fromkeys(RegistrationStatus.values, 0)
    rows = Registration.objects.filter(session=session).values("status").order_by()
    for status, count in rows.annotate(n=Count("pk")).values_list("status", "n"):
        counts[status] = count
    return counts


def failed_messages(session: Session) -> QuerySet[Message]:
    return (
        Message.objects.filter(registration__session=session, status=MessageStatus.FAILED)
        .select_related("registration__person")
        .order_by("-last_attempt_at")
    )


def cohost_registrants(session: Session, organisation_id: int) -> QuerySet[Registration]:
    """The people registered for a co-hosted session that this co-host may list: not
    cancelled, and only those whose details it may see (registrations.permissions
    .shared_with_cohost). Nothing of the others is listed, not even their economy, kind or
    size: the co-host's figures count them (impact.outside)."""
    return (
        Registration.objects.filter(shared_with_cohost(organisation_id), session=session)
        .exclude(status=RegistrationStatus.CANCELLED)
        .select_related("person", "organisation__economy", "source_organisation")
        .prefetch_related(
            Prefetch("shared_with", queryset=Organisation.objects.filter(pk=organisation_id))
        )
        .order_by("created_at", "pk")
    )


def unmatched_attendance(session: Session) -> QuerySet[AttendanceRecord]:
    """The people of a session's reports who matched no registration, by name."""
    return AttendanceRecord.objects.filter(session=session, registration__isnull=True).order_by(
        "name", "pk"
    )


def registrations_to_link(session: Session, words: str, *, limit: int = 10) -> list:
    """The registrations an unmatched report row may be linked to that an organiser's words
    name: the one with that email, else those with that name, else those whose name or email
    holds the words (case aside). Only registrations not cancelled, of a person not erased, and
    not linked to a report row already; at most `limit`, by name."""
    words = " ".join(words.split())[:254]
    if not words:
        return []
    candidates = (
        Registration.objects.filter(
            session=session, attendance_record__isnull=True, person__isnull=False
        )
        .exclude(status=RegistrationStatus.CANCELLED)
        .select_related("person")
        .order_by("person__full_name", "pk")
    )
    for condition in (
        Q(person__email__iexact=words),
        Q(person__full_name__iexact=words),
        Q(person__email__icontains=words) | Q(person__full_name__icontains=words),
    ):
        found = list(candidates.filter(condition)[:limit])
        if found:
            return found
    return []


def waitlist_place(registration: Registration) -> int | None:
    """A waitlisted registration's place in line (1 for the next to get a seat), counted in the
    order promotion gives seats (services.promote_from_waitlist: waitlisted_at, then pk), among
    the same session's waiting people only; None when it is not waitlisted."""
    if registration.status != RegistrationStatus.WAITLISTED or registration.waitlisted_at is None:
        return None
    ahead = Registration.objects.filter(
        Q(waitlisted_at__lt=registration.waitlisted_at)
        | Q(waitlisted_at=registration.waitlisted_at, pk__lt=registration.pk),
        session_id=registration.session_id,
        status=RegistrationStatus.WAITLISTED,
    ).count()
    return ahead + 1


def own_registration(session: Session, *, pk: int, person) -> Registration | None:
    """The registration the thanks page shows: this one, at this session, not cancelled, with a
    person behind it; a signed-in visitor sees only their own."""
    registrations = Registration.objects.filter(
        pk=pk, session=session, person__isnull=False
    ).exclude(status=RegistrationStatus.CANCELLED)
    if getattr(person, "is_authenticated", False):
        registrations = registrations.filter(person=person)
    return registrations.select_related("person").first()


def retention_periods() -> QuerySet:
    """The series that set a retention period, by title: the privacy notice lists them."""
    return Series.objects.filter(retention_months__isnull=False).order_by("title")


def waitlist_places(registrations) -> dict[int, int]:
    """The place in line of each waitlisted registration among `registrations`, by pk, in one
    query (the order of waitlist_place) so that a list's query count does not grow with it."""
    waiting = [r for r in registrations if r.status == RegistrationStatus.WAITLISTED]
    if not waiting:
        return {}
    lines = (
        Registration.objects.filter(
            session_id__in={r.session_id for r in waiting}, status=RegistrationStatus.WAITLISTED
        )
        .annotate(
            place=Window(
                RowNumber(), partition_by=[F("session_id")], order_by=[F("waitlisted_at"), F("pk")]
            )
        )
        .values_list("pk", "place")
    )
    wanted = {r.pk for r in waiting}
    return {pk: place for pk, place in lines if pk in wanted}

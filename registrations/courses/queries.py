"""Reads for courses: a person's enrolments with their progress, a course's enrolments for its
organisers. Each list reads a fixed number of queries, whatever its length."""

from django.db.models import Prefetch, QuerySet

from events.models import Series, Session, SessionStatus
from registrations.courses.services import course_sessions, progress
from registrations.models import Enrolment, Registration, RegistrationStatus


def enrolment_by_token(token: str) -> Enrolment | None:
    """The enrolment behind a leave link, with its course; None for an unknown or anonymised
    one."""
    return (
        Enrolment.objects.select_related("series", "person")
        .filter(token=token, anonymised_at__isnull=True)
        .first()
    )


def course_sessions_of(series_ids) -> QuerySet[Session]:
    """The sessions of these courses (services.course_sessions), in order."""
    return Session.objects.filter(
        series_id__in=series_ids, status__in=[SessionStatus.PUBLISHED, SessionStatus.FINISHED]
    ).order_by("starts_at", "pk")


def waitlist_place(enrolment: Enrolment) -> int | None:
    """The enrolment's place in its course's line (1: next), or None when it is not waiting."""
    if enrolment.status != RegistrationStatus.WAITLISTED:
        return None
    return Enrolment.objects.filter(
        series_id=enrolment.series_id,
        status=RegistrationStatus.WAITLISTED,
        waitlisted_at__lte=enrolment.waitlisted_at,
    ).count()


def _with_progress(enrolments: list[Enrolment]) -> list[Enrolment]:
    """Each enrolment's `progress` (services.progress), reading every course's sessions in one
    query."""
    sessions_of: dict[int, list] = {}
    series_ids = {enrolment.series_id for enrolment in enrolments}
    for session in course_sessions_of(series_ids):
        sessions_of.setdefault(session.series_id, []).append(session)
    for enrolment in enrolments:
        enrolment.progress = progress(enrolment, sessions_of.get(enrolment.series_id, []))
    return enrolments


def my_enrolments(person) -> list[Enrolment]:
    """A person's courses not left, newest first, each with its `progress`."""
    enrolments = list(
        Enrolment.objects.filter(person=person)
        .exclude(status=RegistrationStatus.CANCELLED)
        .select_related("series")
        .prefetch_related(
            Prefetch(
                "registrations",
                queryset=Registration.objects.only(
                    "pk", "session_id", "status", "attended", "minutes_attended", "enrolment_id"
                ),
            )
        )
        .order_by("-created_at", "-pk")
    )
    return _with_progress(enrolments)


def course_enrolments(series: Series) -> list[Enrolment]:
    """A course's enrolments for its organisers: confirmed first, then the waitlist in its
    order, then those who left; each with its person, organisation and `progress`."""
    order = {
        RegistrationStatus.CONFIRMED: 0,
        RegistrationStatus.WAITLISTED: 1,
        RegistrationStatus.CANCELLED: 2,
    }
    enrolments = list(
        Enrolment.objects.filter(series=series)
        .select_related("person", "organisation", "organisation__economy", "series")
        .prefetch_related("registrations")
        .order_by("waitlisted_at", "created_at", "pk")
    )
    enrolments.sort(key=lambda e: order.get(e.status, 3))
    sessions = list(course_sessions(series))
    for enrolment in enrolments:
        enrolment.progress = progress(enrolment, sessions)
    return enrolments


def courses() -> QuerySet[Series]:
    return Series.objects.filter(is_course=True).order_by("slug")

"""Reads of registrations: querysets filtered, ordered and prefetched."""

import functools
from datetime import datetime

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import RowNumber

from events import permissions as events_permissions
from events.models import Series, Session
from events.queries import with_related
from outreach.models import Economy, Organisation
from registrations.models import (
    Answer,
    AttendanceRecord,
    Message,
    MessageStatus,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
    Survey,
    SurveyPurpose,
    SurveyResponse,
)
from registrations.permissions import shared_with_cohost
from registrations.questions.answers import ANSWER_PREFETCH, answer_values


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


# Between co-host names in `cohost_names`: a character no name holds (forms strip controls).
_NAME_SEPARATOR = "\x1f"


def _for_registration(sessions: QuerySet[Session]) -> QuerySet[Session]:
    cohost = Session.cohosts.through.objects.filter(session=OuterRef("pk"))
    names = (
        cohost.values("session")
        .annotate(
            # In any order (SQLite before 3.44 cannot order an aggregate): sorted below.
            names=StringAgg("organisation__name", delimiter=Value(_NAME_SEPARATOR))
        )
        .values("names")
    )
    questions = Survey.objects.filter(purpose=SurveyPurpose.REGISTRATION, archived_at=None).filter(
        Q(session=OuterRef("pk")) | Q(series=OuterRef("series_id"))
    )
    return sessions.annotate(
        cohost_names=Subquery(names),
        has_target_economies=Exists(
            Session.target_economies.through.objects.filter(session=OuterRef("pk"))
        ),
        has_registration_questions=Exists(questions),
        series_is_course=F("series__is_course"),
        series_slug=F("series__slug"),
    )


# A key no session has: where the compiled query takes the session's key.
_ANY_KEY = -918_273_645


@functools.cache
def _public_session_to_register(vendor: str) -> tuple[str, tuple, int]:
    """The SQL of `_for_registration(public_sessions())` for one session, compiled once per
    process (building it costs more than running it): the SQL, its parameters, and where among
    them the session's key goes."""
    query = _for_registration(events_permissions.public_sessions()).filter(pk=_ANY_KEY).query
    sql, params = query.sql_with_params()
    return sql, tuple(params), list(params).index(_ANY_KEY)


def session_to_register(user, pk: int) -> Session | None:
    """The session of the registration form, if `user` may see it, with what a submitted form
    needs of it in the same query: `cohost_name_list`, its co-hosts' names;
    `has_target_economies`, whether it is meant for firms of some economies;
    `has_registration_questions`, whether its form asks questions (registration_survey then
    finds them); `series_is_course` and `series_slug`. None when there is no such session.

    For anyone who sees only public sessions (every firm), the query is compiled once."""
    if events_permissions.sees_only_public_sessions(user):
        sql, params, at = _public_session_to_register(connection.vendor)
        params = (*params[:at], pk, *params[at + 1 :])
        found = list(Session.objects.raw(sql, params))
    else:
        visible = events_permissions.visible_sessions(user)
        found = list(_for_registration(visible).filter(pk=pk)[:1])
    if not found:
        return None
    session = found[0]
    names = session.cohost_names
    session.cohost_name_list = sorted(names.split(_NAME_SEPARATOR)) if names else []
    return session


def sessions_in_personal_feed(person) -> QuerySet[Session]:
    """The sessions a person holds a seat at (cancelled sessions stay, marked so)."""
    return with_related(
        Session.objects.filter(
            registrations__person=person, registrations__status=RegistrationStatus.CONFIRMED
        ).order_by("starts_at")
    )


# --- Registration questions ----------------------------------------------------------------

# The kinds of registration question an organiser's list filters by, and how a value in the
# address (?q_<code>=<value>) reads: "yes"/"no", a choice code, an economy code, a number.
FILTERABLE_KINDS = (
    QuestionKind.YES_NO,
    QuestionKind.SINGLE,
    QuestionKind.MULTIPLE,
    QuestionKind.ECONOMIES,
    QuestionKind.SCALE,
    QuestionKind.NPS,
)


def registration_survey(session: Session) -> Survey | None:
    """The questions a session's registration form adds (purpose "registration"): the
    session's own current ones, else its series', else none. Questions and their choices come
    prefetched, in order (`survey.questions.all()`)."""
    current = Survey.objects.filter(
        purpose=SurveyPurpose.REGISTRATION, archived_at=None
    ).prefetch_related(Prefetch("questions", queryset=Question.objects.prefetch_related("choices")))
    if session.series_id:
        # One query for both: the session's own survey sorts first and overrides its series'.
        surveys = list(current.filter(Q(session=session) | Q(series_id=session.series_id)))
        surveys.sort(key=lambda survey: survey.session_id is None)
        return surveys[0] if surveys else None
    return current.filter(session=session).first()


def _answer_condition(question: Question, value: str) -> Q | None:
    """How an answer to `question` matches `value` from the address; None for a value that
    cannot match (a filter that finds nobody rather than one that is ignored)."""
    if question.kind == QuestionKind.YES_NO:
        return Q(boolean=value == "yes") if value in ("yes", "no") else None
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return Q(choices__code=value)
    if question.kind == QuestionKind.ECONOMIES:
        return Q(economies__code=value.upper())
    if question.kind in (QuestionKind.SCALE, QuestionKind.NPS):
        return Q(number=int(value)) if value.isdigit() and len(value) <= 2 else None
    return None


def with_answers(
    registrations: QuerySet[Registration], answers: dict[Question, str] | None = None
) -> QuerySet[Registration]:
    """Registrations with their answers to registration questions, prefetched in a fixed
    number of queries (`registration.registration_responses`, a list of at most one response
    per registration form version; read with registrations.questions.answers.answer_values),
    and kept only where they answered each question of `answers` (or the same question of an
    earlier version of its survey) with its value."""
    for question, value in (answers or {}).items():
        condition = _answer_condition(question, value)
        if condition is None:
            return registrations.none()
        # The same question in every version of its survey (a changed survey keeps its codes):
        # answers given before a change are found too.
        family = Survey.objects.filter(pk=question.survey_id).values("family")
        registrations = registrations.filter(
            Exists(
                Answer.objects.filter(
                    condition,
                    response__registration=OuterRef("pk"),
                    question__code=question.code,
                    question__survey__family__in=family,
                )
            )
        )
    return registrations.prefetch_related(
        Prefetch(
            "survey_responses",
            queryset=SurveyResponse.objects.filter(
                survey__purpose=SurveyPurpose.REGISTRATION
            ).prefetch_related(*ANSWER_PREFETCH),
            to_attr="registration_responses",
        )
    )


def registration_answers(registration: Registration) -> dict:
    """A registrant's answers to the registration questions by question code, as people read
    them, from what `with_answers` prefetched."""
    values = {}
    for response in getattr(registration, "registration_responses", ()):
        values.update(answer_values(response))
    return values


def answered_economies(question: Question) -> list[Economy]:
    """The economies some registrant named in answer to an economies question, by name: the
    choices of the organisers' filter by that question."""
    family = Survey.objects.filter(pk=question.survey_id).values("family")
    answers = Answer.objects.filter(
        question__code=question.code, question__survey__family__in=family
    )
    return list(
        Economy.objects.filter(pk__in=answers.values("economies")).order_by("sort_name", "code")
    )


def session_registrations(
    session: Session,
    *,
    status: str = "",
    economy: str = "",
    text: str = "",
    answers: dict[Question, str] | None = None,
) -> QuerySet[Registration]:
    """An organiser's view of one session's registrations, waitlist in order, with their
    answers to the registration questions (`with_answers`, filtered by `answers`)."""
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
    registrations = with_answers(registrations, answers)
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
    size, nor their answers to the registration questions: the co-host's figures count them
    (impact.outside). The answers of those listed come prefetched (`with_answers`)."""
    registrations = (
        Registration.objects.filter(shared_with_cohost(organisation_id), session=session)
        .exclude(status=RegistrationStatus.CANCELLED)
        .select_related("person", "organisation__economy", "source_organisation")
        .prefetch_related(
            Prefetch("shared_with", queryset=Organisation.objects.filter(pk=organisation_id))
        )
        .order_by("created_at", "pk")
    )
    # Their answers to the registration questions travel with the details they share.
    return with_answers(registrations)


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

"""Impact figures, computed from the rows every time, never stored by hand.

Definitions (the same in the dashboard, every export and the tests):
- held sessions: published or finished sessions that have ended, started within the period;
  drafts, declined proposals and cancelled sessions are not held;
- registrations: registrations of held sessions that were not cancelled;
- attendees: those registrations marked attended (by a report or the check-in);
- attendance rate: confirmed registrations that attended / confirmed registrations;
- unique organisations and firms: distinct organisations among the registrations (firms: of
  kind firm), so a firm attending many sessions counts once;
- economies reached: distinct economies of organisations with at least one attendee;
- shares of women-led, youth-led and micro firms: among the unique firms, a firm counting as
  women-led (youth-led, micro) if it was so at one of its registrations counted;
- survey indicators: over the answers given to held sessions' surveys, with their number.
Filters on economy, region, group, firm size and kind apply to the organisation's facts as they
were when the person registered (kept on the registration; for survey answers, the facts the
response kept). A firm that grew counts as micro in the periods it registered as micro. Periods,
quarters and years follow one rule (outreach.periods): a session is on the day its start shows on
its own time zone's clock, whoever looks, so a figure never depends on the viewer's time zone.

How they are computed: registrations are first grouped per economy and organisation (and the
breakdown's key), then those groups are summed and counted. On PostgreSQL the first step streams
through the covering index registration_impact, in economy and organisation order, instead of
hashing a hundred thousand groups; see STREAMING_GROUPS.
"""

from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Avg, Count, F, Min, Q, QuerySet
from django.utils import timezone

from events.models import Session, SessionStatus
from impact.filters import GROUPS, ImpactFilters
from impact.suppression import THRESHOLD
from outreach.economies import REGIONS
from outreach.models import Economy, OrganisationKind, SizeBand
from outreach.periods import (
    quarter_key,
    session_local_date,
    session_quarter_expression,
    session_year_expression,
    starting_within,
)
from registrations.models import (
    Answer,
    Choice,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
    SurveyPurpose,
    SurveyResponse,
)
from registrations.permissions import shared_with_cohost

SMALL_NUMBER = THRESHOLD  # the small-number rule lives in impact.suppression
HELD = (SessionStatus.PUBLISHED, SessionStatus.FINISHED)


@dataclass(frozen=True)
class Audience:
    """Who reads the figures: staff see everything; a co-host sees its own sessions only;
    outside audiences (co-hosts, the public) see small numbers suppressed."""

    cohost_id: int | None = None
    suppress_small_numbers: bool = False

    @classmethod
    def staff(cls) -> "Audience":
        return cls()

    @classmethod
    def cohost(cls, organisation_id: int) -> "Audience":
        return cls(cohost_id=organisation_id, suppress_small_numbers=True)

    @classmethod
    def public(cls) -> "Audience":
        return cls(suppress_small_numbers=True)


def held_sessions(
    filters: ImpactFilters, audience: Audience, *, now: datetime | None = None
) -> QuerySet[Session]:
    now = now or timezone.now()
    sessions = Session.objects.filter(status__in=HELD, ends_at__lte=now)
    if filters.start or filters.end:
        sessions = sessions.filter(starting_within(filters.start, filters.end))
    if filters.language:
        sessions = sessions.filter(language=filters.language)
    if filters.series:
        sessions = sessions.filter(series__slug=filters.series)
    if filters.format:
        sessions = sessions.filter(format=filters.format)
    if filters.session:
        sessions = sessions.filter(pk=filters.session)
    if filters.cohost:
        sessions = sessions.filter(cohosts=filters.cohost)
    if audience.cohost_id is not None:
        sessions = sessions.filter(cohosts=audience.cohost_id)
    return sessions


def first_held_day(*, now: datetime | None = None) -> date | None:
    """The day of the first held session, by the rule of outreach.periods (None before any)."""
    held = held_sessions(ImpactFilters(), Audience.staff(), now=now)
    return held.aggregate(first=Min(session_local_date()))["first"]


def _facts_filter(filters: ImpactFilters) -> Q:
    """The organisation facts filters, on a registration's or a survey response's own copy of
    them (both name them economy, organisation_kind and size_band). Regions and groups become
    lists of economies, so that no row needs a join to be kept or dropped."""
    condition = Q()
    if filters.economy:
        condition &= Q(economy_id=filters.economy)
    if filters.region or filters.group:
        economies = Economy.objects.all()
        if filters.region:
            field = "region" if filters.region in REGIONS else "sub_region"
            economies = economies.filter(**{field: filters.region})
        if filters.group:
            economies = economies.filter(**{GROUPS[filters.group]: True})
        condition &= Q(economy_id__in=list(economies.values_list("code", flat=True)))
    if filters.size_band:
        condition &= Q(size_band=filters.size_band)
    if filters.kind:
        condition &= Q(organisation_kind=filters.kind)
    return condition


def has_facts_filter(filters: ImpactFilters) -> bool:
    return any((filters.economy, filters.region, filters.group, filters.size_band, filters.kind))


def registrations_in_scope(
    filters: ImpactFilters, audience: Audience, *, now: datetime | None = None
) -> QuerySet[Registration]:
    return _registrations_of(_held_session_ids(filters, audience, now=now), filters)


def _held_session_ids(
    filters: ImpactFilters, audience: Audience, *, now: datetime | None = None
) -> list[int]:
    return list(held_sessions(filters, audience, now=now).values_list("pk", flat=True))


def _registrations_of(session_ids: list[int], filters: ImpactFilters) -> QuerySet[Registration]:
    # The held sessions as a list of ids (a few thousand at most): PostgreSQL then checks each
    # registration against a hashed list while reading the index in order, with no join.
    return (
        Registration.objects.filter(session_id__in=session_ids)
        .exclude(status=RegistrationStatus.CANCELLED)
        .filter(_facts_filter(filters))
    )


def responses_in_scope(
    filters: ImpactFilters, audience: Audience, *, now: datetime | None = None
) -> QuerySet[SurveyResponse]:
    """The survey responses of the held sessions in scope; never the answers to registration
    questions (NOT_SURVEY_RESULTS)."""
    return (
        SurveyResponse.objects.filter(session__in=held_sessions(filters, audience, now=now))
        .exclude(survey__purpose=SurveyPurpose.REGISTRATION)
        .filter(_facts_filter(filters))
    )


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# Planner settings for the few queries that read every registration or answer in scope. JIT
# compiling costs more than it saves on queries of this size. Grouping a million registrations
# by economy and organisation is fastest as a stream over the index registration_impact, which
# is in that order; left alone, PostgreSQL hashes the hundred thousand groups instead, which
# takes about twice as long. Parallel workers each stream a part of the index and hand over
# their groups, ten times fewer than the rows they read: at the default cost of handing over a
# row PostgreSQL never uses them here, and with them the step takes about a third less time.
WITHOUT_JIT = {"jit": "off"}
STREAMING_GROUPS = {
    "enable_hashagg": "off",
    "jit": "off",
    "work_mem": "64MB",
    "parallel_tuple_cost": "0.01",
}


@contextmanager
def _planner_settings(settings: dict):
    """PostgreSQL settings for the queries run inside, and only for them: they are set for the
    transaction (a savepoint inside a request's) and set back before it goes on."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        before = {}
        for name, value in settings.items():
            cursor.execute(
                "SELECT current_setting(%s), set_config(%s, %s, true)", [name, name, value]
            )
            before[name] = cursor.fetchone()[0]
        yield
        for name, value in before.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


# The first step, per organisation (and economy, and a breakdown's key): how many
# registrations, how many of them confirmed, attended, of a firm, of a women-led, youth-led or
# micro firm. They count the (never empty) organisation column rather than ids so that the
# index holds all they read.
_REGISTRATIONS = Count("*")
_CONFIRMED = Count("organisation", filter=Q(status=RegistrationStatus.CONFIRMED))
_ATTENDEES = Count("organisation", filter=Q(attended=True))
_CONFIRMED_ATTENDEES = Count(
    "organisation", filter=Q(attended=True, status=RegistrationStatus.CONFIRMED)
)
_FIRM = Q(organisation_kind=OrganisationKind.FIRM)
_FIRMS = Count("organisation", filter=_FIRM)
_WOMEN_LED = Count("organisation", filter=_FIRM & Q(women_led=True))
_YOUTH_LED = Count("organisation", filter=_FIRM & Q(youth_led=True))
_MICRO = Count("organisation", filter=_FIRM & Q(size_band=SizeBand.MICRO))

# The second step, over the groups. Organisations are counted distinct: one may sit in two
# groups (a different economy or size at two registrations) and still counts once. Sums are
# cast back to whole numbers: PostgreSQL's SUM of counts is a decimal.
_SUM = "CAST(COALESCE(SUM({}), 0) AS BIGINT) AS {}"
_DISTINCT = "COUNT(DISTINCT CASE WHEN {} > 0 THEN org_id END) AS {}"


@dataclass(frozen=True)
class Counts:
    """What the two steps compute: aggregates per organisation, then SQL over them."""

    per_organisation: dict
    over_organisations: tuple[str, ...]


HEADLINE_COUNTS = Counts(
    per_organisation={
        "n_registrations": _REGISTRATIONS,
        "n_confirmed": _CONFIRMED,
        "n_attendees": _ATTENDEES,
        "n_confirmed_attendees": _CONFIRMED_ATTENDEES,
        "n_firms": _FIRMS,
        "n_women_led": _WOMEN_LED,
        "n_youth_led": _YOUTH_LED,
        "n_micro": _MICRO,
    },
    over_organisations=(
        _SUM.format("n_registrations", "registrations"),
        _SUM.format("n_confirmed", "confirmed"),
        _SUM.format("n_attendees", "attendees"),
        _SUM.format("n_confirmed_attendees", "confirmed_attendees"),
        "COUNT(DISTINCT org_id) AS organisations",
        _DISTINCT.format("n_firms", "firms"),
        _DISTINCT.format("n_women_led", "women_led"),
        _DISTINCT.format("n_youth_led", "youth_led"),
        _DISTINCT.format("n_micro", "micro"),
        "COUNT(DISTINCT CASE WHEN n_attendees > 0 THEN economy_code END) AS economies_reached",
    ),
)
BREAKDOWN_COUNTS = Counts(
    per_organisation={
        "n_registrations": _REGISTRATIONS,
        "n_attendees": _ATTENDEES,
        "n_firms": _FIRMS,
    },
    over_organisations=(
        _SUM.format("n_registrations", "registrations"),
        _SUM.format("n_attendees", "attendees"),
        "COUNT(DISTINCT org_id) AS organisations",
        _DISTINCT.format("n_firms", "firms"),
    ),
)
# By economy, each group of the first step is one organisation in one economy: counting the
# groups counts the organisations, with no DISTINCT to sort for.
ECONOMY_COUNTS = Counts(
    per_organisation=BREAKDOWN_COUNTS.per_organisation,
    over_organisations=(
        _SUM.format("n_registrations", "registrations"),
        _SUM.format("n_attendees", "attendees"),
        "COUNT(*) AS organisations",
        "COUNT(CASE WHEN n_firms > 0 THEN 1 END) AS firms",
    ),
)


def _over_organisations(
    registrations: QuerySet[Registration], counts: Counts, dimension: "Dimension | None" = None
) -> list[dict]:
    """Both steps in one query: registrations grouped per economy, organisation and the
    dimension's keys, then summed and counted per the dimension's columns (or in all).

    The outer SQL is this module's own text around SQL that Django compiled with its values
    left as parameters, so nothing a user typed is pasted into it.
    """
    keys = dimension.keys if dimension else {}
    columns = dimension.columns if dimension else {}
    grouped = (
        registrations.values(economy_code=F("economy_id"), org_id=F("organisation_id"), **keys)
        .order_by()
        .annotate(**counts.per_organisation)
    )
    try:
        inner, params = grouped.query.sql_with_params()
    except EmptyResultSet:  # no session in scope: nothing to count
        return []
    select = [f"{sql} AS {alias}" for alias, sql in columns.items()]
    select += counts.over_organisations
    sql = f"SELECT {', '.join(select)} FROM ({inner}) per_org"  # noqa: S608
    if dimension and dimension.joins_economy:
        sql += f" JOIN {Economy._meta.db_table} economy ON economy.code = per_org.economy_code"
    if columns:
        sql += f" GROUP BY {', '.join(columns.values())}"
    with _planner_settings(STREAMING_GROUPS), connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def headline_figures(
    filters: ImpactFilters, audience: Audience, *, now: datetime | None = None
) -> dict:
    """The dashboard's figures, in a handful of aggregate queries whatever the data size."""
    session_ids = _held_session_ids(filters, audience, now=now)
    registrations = _registrations_of(session_ids, filters)
    counts = _over_organisations(registrations, HEADLINE_COUNTS) or [{}]
    counts = defaultdict(int, counts[0])
    if has_facts_filter(filters):
        # Sessions held for the registrants asked about: those with at least one of them.
        sessions = registrations.order_by().values("session_id").distinct().count()
    else:
        sessions = len(session_ids)
    return {
        "sessions": sessions,
        "registrations": counts["registrations"],
        "attendees": counts["attendees"],
        "attendance_rate": _share(counts["confirmed_attendees"], counts["confirmed"]),
        "organisations": counts["organisations"],
        "firms": counts["firms"],
        "economies_reached": counts["economies_reached"],
        "women_led_share": _share(counts["women_led"], counts["firms"]),
        "youth_led_share": _share(counts["youth_led"], counts["firms"]),
        "micro_share": _share(counts["micro"], counts["firms"]),
        **survey_indicators(filters, audience, now=now),
    }


def survey_indicators(
    filters: ImpactFilters, audience: Audience, *, now: datetime | None = None
) -> dict:
    """Shares of yes, average satisfaction and likelihood to recommend, each with its count."""
    answers = (
        Answer.objects.filter(
            response__in=responses_in_scope(filters, audience, now=now),
            question__code__in=(
                "simplifies_market_research",
                "informs_export_decision",
                "satisfaction",
                "recommend",
            ),
        )
        .values("question__code")
        .order_by()
        .annotate(
            yes=Count("pk", filter=Q(boolean=True)),
            yes_or_no=Count("boolean"),
            average=Avg("number"),
            numbers=Count("number"),
        )
    )
    with _planner_settings(WITHOUT_JIT):
        per_question = {row["question__code"]: row for row in answers}
    empty = {"yes": 0, "yes_or_no": 0, "average": None, "numbers": 0}
    simplifies = per_question.get("simplifies_market_research", empty)
    informs = per_question.get("informs_export_decision", empty)
    satisfaction = per_question.get("satisfaction", empty)
    recommend = per_question.get("recommend", empty)
    return {
        "simplifies_market_research_share": _share(simplifies["yes"], simplifies["yes_or_no"]),
        "simplifies_market_research_answers": simplifies["yes_or_no"],
        "informs_export_decision_share": _share(informs["yes"], informs["yes_or_no"]),
        "informs_export_decision_answers": informs["yes_or_no"],
        "satisfaction_average": _average(satisfaction),
        "satisfaction_answers": satisfaction["numbers"],
        "recommend_average": _average(recommend),
        "recommend_answers": recommend["numbers"],
    }


def _average(row: dict) -> float | None:
    return round(row["average"], 2) if row["average"] is not None else None


# --- Breakdowns ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Dimension:
    """How a breakdown groups: the keys the first step groups by besides organisation and
    economy, and the columns the second step groups by (alias → SQL over the first step)."""

    keys: dict
    columns: dict
    joins_economy: bool = False
    counts: Counts = BREAKDOWN_COUNTS


DIMENSIONS = {
    "economy": Dimension(keys={}, columns={"economy": "economy_code"}, counts=ECONOMY_COUNTS),
    "region": Dimension(keys={}, columns={"region": "economy.region"}, joins_economy=True),
    "quarter": Dimension(
        keys={
            "year": session_year_expression("session__"),
            "quarter": session_quarter_expression("session__"),
        },
        columns={"year": "year", "quarter": "quarter"},
    ),
    "language": Dimension(keys={"dim": F("session__language")}, columns={"language": "dim"}),
    "size": Dimension(keys={"dim": F("size_band")}, columns={"size": "dim"}),
    "kind": Dimension(keys={"dim": F("organisation_kind")}, columns={"kind": "dim"}),
    "session": Dimension(keys={"dim": F("session_id")}, columns={"session": "dim"}),
}


def breakdown(
    filters: ImpactFilters, by: str, audience: Audience, *, now: datetime | None = None
) -> list[dict]:
    """Registrations, attendees, organisations and firms per value of one dimension, in one
    query (two steps, see the module's docstring). Rows are sorted by attendees, most first
    (quarters in time order)."""
    if by not in DIMENSIONS:
        raise ValueError(f"Cannot break down by {by!r}.")
    dimension = DIMENSIONS[by]
    rows = _over_organisations(
        registrations_in_scope(filters, audience, now=now), dimension.counts, dimension
    )
    result = []
    for row in rows:
        key = quarter_key(row["year"], row["quarter"]) if by == "quarter" else row[by]
        result.append(
            {
                "key": key if key is not None else "",
                "registrations": row["registrations"],
                "attendees": row["attendees"],
                "organisations": row["organisations"],
                "firms": row["firms"],
                "_order": row["attendees"],
            }
        )
    if by == "quarter":
        result.sort(key=lambda r: r["key"])
    else:
        result.sort(key=lambda r: (-r["_order"], str(r["key"])))
    for row in result:
        del row["_order"]
    return result


def registration_rows(filters: ImpactFilters, audience: Audience, *, now: datetime | None = None):
    """Row-level registrations for exports: one per registration, streamed from the database."""
    return (
        registrations_in_scope(filters, audience, now=now)
        .values(
            "pk",
            "session_id",
            "session__language",
            "session__starts_at",
            "economy_id",
            "economy__region",
            "organisation_kind",
            "size_band",
            "women_led",
            "youth_led",
            "status",
            "attended",
            "minutes_attended",
            "source",
            organisation_name=F("organisation__name"),
        )
        .order_by("pk")
    )


# --- One session's survey results --------------------------------------------------------------

NPS_GROUPS = (("detractors", range(0, 7)), ("passives", range(7, 9)), ("promoters", range(9, 11)))


def question_values(question: Question) -> list[str]:
    """The values an answer to this question can take, in the order results show them: "1"…"5"
    on a scale, "0"…"10" from 0 to 10, "yes" and "no", or the choices' codes (of a question
    from `survey_questions`); none for text."""
    if question.kind == QuestionKind.SCALE:
        return [str(n) for n in range(1, 6)]
    if question.kind == QuestionKind.NPS:
        return [str(n) for n in range(11)]
    if question.kind == QuestionKind.YES_NO:
        return ["yes", "no"]
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return [choice.code for choice in question.ordered_choices]
    return []


def answer_values(answer: dict, choices: list[str]) -> list[str]:
    """What one answer (a row of `number`, `boolean` and `text`, and its choices' codes) says, as
    values of `question_values`; ["text"] for a comment, [] for a question left blank."""
    if answer["number"] is not None:
        return [str(answer["number"])]
    if answer["boolean"] is not None:
        return ["yes" if answer["boolean"] else "no"]
    if choices:
        return list(choices)
    if answer["text"].strip():
        return ["text"]
    return []


# Answers that are no survey's results: the outcome survey's have their own figures
# (impact.outcomes); the registration questions' are the registrants' own, shown to organisers and
# to the co-hosts each agreed to share with (registrations.queries), never counted here.
NOT_SURVEY_RESULTS = (SurveyPurpose.OUTCOME, SurveyPurpose.REGISTRATION)


def survey_answer_records(session_ids) -> list[dict]:
    """Every answer given for these sessions to a survey (not to the outcome survey nor to
    registration questions: NOT_SURVEY_RESULTS), one record each: session, the response's
    economy, the question's code and the values it says (`answer_values`)."""
    answers = list(
        Answer.objects.filter(response__session_id__in=session_ids)
        .exclude(response__survey__purpose__in=NOT_SURVEY_RESULTS)
        .values("pk", "question__code", "number", "boolean", "text", "response__session_id")
        .annotate(economy=F("response__economy_id"))
        .order_by("pk")
    )
    choices = defaultdict(list)
    for answer_id, code in (
        Answer.choices.through.objects.filter(answer__response__session_id__in=session_ids)
        .exclude(answer__response__survey__purpose__in=NOT_SURVEY_RESULTS)
        .order_by("choice__position", "choice_id")
        .values_list("answer_id", "choice__code")
    ):
        choices[answer_id].append(code)
    return [
        {
            "session": answer["response__session_id"],
            "economy": answer["economy"] or "",
            "question": answer["question__code"],
            "values": answer_values(answer, choices[answer["pk"]]),
        }
        for answer in answers
    ]


def survey_questions(session_ids) -> list[Question]:
    """The questions answered for these sessions, in their survey's order, each with its
    choices in order as `ordered_choices` (two queries, whether or not any was answered)."""
    answered = Question.objects.filter(answers__response__session_id__in=session_ids).exclude(
        survey__purpose__in=NOT_SURVEY_RESULTS
    )
    questions = list(answered.distinct().order_by("survey_id", "position", "pk"))
    choices = defaultdict(list)
    for choice in (
        Choice.objects.filter(question__in=answered).distinct().order_by("position", "pk")
    ):
        choices[choice.question_id].append(choice)
    for question in questions:
        question.ordered_choices = choices[question.pk]
    return questions


def survey_results(session: Session) -> list[dict]:
    """Each question answered for this session: its number of answers and the count of each of
    its values (`question_values`), and for a 0 to 10 question its detractors (0 to 6), passives
    (7, 8) and promoters (9, 10). Only this session's answers; four queries."""
    questions = survey_questions([session.pk])
    records = survey_answer_records([session.pk])
    results = []
    for question in questions:
        mine = [r for r in records if r["question"] == question.code and r["values"]]
        values = question_values(question)
        counts = {value: sum(value in r["values"] for r in mine) for value in values}
        groups = {}
        if question.kind == QuestionKind.NPS:
            groups = {name: sum(counts[str(n)] for n in numbers) for name, numbers in NPS_GROUPS}
        results.append(
            {"question": question, "answers": len(mine), "counts": counts, "groups": groups}
        )
    return results


def session_comments(session: Session, *, cohost_id: int | None = None) -> QuerySet[Answer]:
    """The free-text answers given for this session, oldest first, with their response (its
    language) and session; for a co-host only those of people who agreed to share their details
    with it (registrations.permissions.shared_with_cohost: never an anonymous survey's)."""
    comments = (
        Answer.objects.filter(response__session=session, question__kind=QuestionKind.TEXT)
        .exclude(text__regex=r"^\s*$")
        .exclude(response__survey__purpose=SurveyPurpose.REGISTRATION)
    )
    if cohost_id is not None:
        comments = comments.filter(
            response__registration__in=Registration.objects.filter(shared_with_cohost(cohost_id))
        )
    return comments.select_related("question", "response__session").order_by(
        "response__submitted_at", "pk"
    )

"""Every impact figure, counted again here from the raw rows in plain Python, equals what the
dashboard's functions (impact.queries), the JSON export and the CSV export say.

The data is what real programmes produce: sessions held and not held (a draft, a cancelled
session, a declined proposal, one under way, one to come, one held with nobody registered),
registrations confirmed, waitlisted and cancelled, attendance true, false and unknown, a firm
attending session after session (twice in one), a waitlisted person the report matched anyway,
someone who cancelled and came, walk-ins nobody registered, a person whose data was erased, and
survey responses including an anonymous one.

The independent count below reads the definitions in impact/queries.py's docstring and nothing
else of impact.queries; only the query string is parsed with impact.filters.filters_from.
"""

import csv
import io
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from events.models import Session
from impact.exports import OUTCOME_FIGURES
from impact.filters import GROUPS, ImpactFilters, filters_from
from impact.queries import Audience, breakdown, headline_figures
from outreach.models import OrganisationKind
from outreach.periods import session_date, session_quarter
from registrations.models import (
    Answer,
    AttendanceRecord,
    Choice,
    Registration,
    Survey,
    SurveyResponse,
)
from tests.factories import (
    FirmFactory,
    OrganisationFactory,
    OrganiserFactory,
    RegistrationFactory,
    SeriesFactory,
    SessionFactory,
    UserFactory,
    economy,
)

DIMENSIONS = ("economy", "region", "quarter", "language", "size", "kind", "session")
KEY_COLUMNS = {"size": "size_band"}  # the export's column code where it is not the dimension


# --- The data -------------------------------------------------------------------------------


def at(year, month, day, hour=13):
    return datetime(year, month, day, hour, tzinfo=UTC)


def held_session(starts_at, language, **fields):
    return SessionFactory(
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=90),
        language=language,
        **{f"title_{language}": f"Session of {starts_at:%d %B %Y}", "status": "finished", **fields},
    )


def register(session, organisation, status="confirmed", attended=None, *, person=None):
    fields = {
        "confirmed": {},
        "waitlisted": {"waitlisted_at": session.starts_at - timedelta(days=3)},
        "cancelled": {"cancelled_at": session.starts_at - timedelta(days=1)},
    }[status]
    return RegistrationFactory(
        session=session,
        person=person or UserFactory(organisation=organisation),
        organisation=organisation,
        status=status,
        attended=attended,
        minutes_attended={True: 75, False: 2, None: None}[attended],
        **fields,
    )


def respond(registration, answers, *, session=None, anonymous_facts=None):
    """A survey response with its answers; an anonymous one keeps only the facts."""
    survey = Survey.objects.get(slug="impact")
    organisation = registration.organisation if registration else None
    facts = anonymous_facts or {
        "economy": organisation.economy,
        "organisation_kind": organisation.kind,
        "size_band": organisation.size_band,
    }
    response = SurveyResponse.objects.create(
        survey=survey,
        session=session or registration.session,
        registration=registration,
        language="en",
        **facts,
    )
    for code, value in answers.items():
        question = survey.questions.get(code=code)
        answer = Answer.objects.create(
            response=response,
            question=question,
            number=value if isinstance(value, int) and not isinstance(value, bool) else None,
            boolean=value if isinstance(value, bool) else None,
            text=value if isinstance(value, str) else "",
        )
        if isinstance(value, list):
            answer.choices.set(Choice.objects.filter(question=question, code__in=value))
    return response


def build_world() -> dict:
    now = timezone.now()
    andes = FirmFactory(
        name="Andes Fruit SpA", economy=economy("CL"), size_band="micro", women_led=True
    )
    nairobi = FirmFactory(
        name="Nairobi Leather Ltd", economy=economy("KE"), size_band="small", youth_led=True
    )
    dakar = FirmFactory(name='=HYPERLINK("http://evil")', economy=economy("SN"), size_band="micro")
    himalaya = FirmFactory(
        name="Himalaya Tea",
        economy=economy("NP"),
        size_band="micro",
        women_led=True,
        youth_led=True,
    )
    suva = FirmFactory(name="Suva Coconut Co", economy=economy("FJ"), size_band="medium")
    wines = FirmFactory(name="Valparaíso Wines", economy=economy("CL"), size_band="small")
    mezcal = FirmFactory(
        name="Oaxaca Mezcal", economy=economy("MX"), size_band="micro", women_led=True
    )
    chamber = OrganisationFactory(name="Chambre de commerce de Dakar", economy=economy("SN"))
    ministry = OrganisationFactory(
        name="Ministry of Trade, Kenya", economy=economy("KE"), kind=OrganisationKind.GOVERNMENT
    )
    series = SeriesFactory(slug="open-webinar")

    s1 = held_session(at(2025, 8, 5), "en", series=series)
    s1.cohosts.set([ministry])
    s2 = held_session(at(2025, 9, 16), "fr", series=series)
    s3 = held_session(at(2025, 11, 4), "es", status="published")  # ended, never marked finished
    s4 = held_session(at(2025, 12, 2), "en")  # held, nobody registered
    s5 = held_session(at(2026, 2, 10), "fr", format="hybrid", venue="Geneva")
    not_held = {
        "draft": held_session(at(2025, 10, 1), "en", status="draft"),
        "cancelled": held_session(at(2025, 10, 8), "fr", status="cancelled"),
        "declined": held_session(at(2025, 10, 10), "en", status="declined"),
        "upcoming": held_session(now + timedelta(days=7), "es", status="published"),
        "under way": SessionFactory(
            starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(minutes=60)
        ),
    }

    # Maria of Andes Fruit comes to every session.
    maria = UserFactory(full_name="María Quispe", organisation=andes)
    # Himalaya Tea's person asked to be erased: name and email are gone, the registration
    # (and so the organisation it counts for) stays.
    erased = UserFactory(full_name="", email="erased-4711@invalid", organisation=himalaya)

    r = {}
    r["s1 maria"] = register(s1, andes, attended=True, person=maria)
    r["s1 andes colleague"] = register(s1, andes, attended=False)  # same firm, same session
    r["s1 nairobi"] = register(s1, nairobi, attended=True)
    register(s1, dakar)  # no report row: attended unknown
    register(s1, chamber, attended=True)
    register(s1, ministry, attended=True)  # the co-host's own staff
    register(s1, suva, "waitlisted")
    register(s1, himalaya, "cancelled")
    register(s1, mezcal, "cancelled", attended=True)  # cancelled, came anyway: not counted
    register(s2, andes, attended=True, person=maria)
    register(s2, dakar, attended=True)
    r["s2 chamber"] = register(s2, chamber, attended=False)
    register(s2, himalaya, attended=True, person=erased)
    register(s2, wines, "waitlisted")
    register(s2, nairobi, "waitlisted", attended=True)  # matched by the report all the same
    # Suva Coconut Co grew from medium to large between s2 and s3: each registration counts it
    # as it was when it was made.
    suva.size_band = "large"
    suva.save()
    r["s3 maria"] = register(s3, andes, attended=True, person=maria)
    register(s3, suva, attended=False)
    register(s3, wines, "waitlisted")
    register(s3, mezcal, "cancelled")
    register(s5, andes, attended=True, person=maria)
    register(s5, himalaya)
    register(s5, dakar, "cancelled")
    # Registrations of sessions not held count nowhere.
    register(not_held["draft"], andes, attended=True, person=maria)
    r["cancelled nairobi"] = register(not_held["cancelled"], nairobi, attended=True)
    register(not_held["cancelled"], dakar)
    register(not_held["declined"], chamber)
    register(not_held["upcoming"], andes, person=maria)
    register(not_held["upcoming"], suva, "waitlisted")
    register(not_held["under way"], himalaya, attended=True)

    # Walk-ins: in the report, matching no registration.
    AttendanceRecord.objects.create(session=s1, name="Guest 1", minutes=45, attended=True)
    AttendanceRecord.objects.create(session=s1, name="Guest 2", minutes=3, attended=False)
    AttendanceRecord.objects.create(session=s2, email="x@y.example", minutes=50, attended=True)
    AttendanceRecord.objects.create(
        session=not_held["cancelled"], name="Lost", minutes=20, attended=True
    )

    full = {"simplifies_market_research": True, "informs_export_decision": True}
    respond(r["s1 maria"], {"satisfaction": 5, **full, "recommend": 9, "comments": "Useful"})
    respond(
        r["s1 nairobi"],
        {
            "satisfaction": 4,
            "simplifies_market_research": False,
            "informs_export_decision": True,
            "recommend": 7,
            "markets_considered": ["africa", "europe"],
        },
    )
    respond(
        None,
        {
            "satisfaction": 3,
            "simplifies_market_research": True,
            "informs_export_decision": False,
            "recommend": 6,
            "comments": "=1+1",
        },
        session=s2,
        anonymous_facts={
            "economy": economy("NP"),
            "organisation_kind": "firm",
            "size_band": "micro",
        },
    )
    respond(r["s2 chamber"], {"satisfaction": 4, "simplifies_market_research": True})
    respond(r["s3 maria"], {"satisfaction": 2, "informs_export_decision": False, "recommend": 10})
    respond(r["cancelled nairobi"], {"satisfaction": 1, "simplifies_market_research": False})

    return {
        "organisations": {"andes": andes, "ministry": ministry},
        "sessions": {"s1": s1, "s2": s2, "s3": s3, "s4": s4, "s5": s5, **not_held},
        "organiser": OrganiserFactory(),
    }


@pytest.fixture(scope="module")
def _world_for_the_module(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(_world_for_the_module, db):
    return _world_for_the_module


# --- The independent count ------------------------------------------------------------------


def is_held(session, f: ImpactFilters, now) -> bool:
    day = session_date(session.starts_at, session.time_zone)
    return (
        session.status in ("published", "finished")
        and session.ends_at <= now
        and (f.start is None or day >= f.start)
        and (f.end is None or day <= f.end)
        and (not f.language or session.language == f.language)
        and (not f.series or (session.series is not None and session.series.slug == f.series))
        and (not f.format or session.format == f.format)
        and (not f.session or session.pk == f.session)
        and (not f.cohost or f.cohost in {o.pk for o in session.cohosts.all()})
    )


def facts_match(economy_, size_band: str, kind: str, f: ImpactFilters) -> bool:
    return (
        (not f.economy or economy_.code == f.economy)
        and (not f.region or f.region in (economy_.region, economy_.sub_region))
        and (not f.group or getattr(economy_, GROUPS[f.group]))
        and (not f.size_band or size_band == f.size_band)
        and (not f.kind or kind == f.kind)
    )


def counted_registrations(f: ImpactFilters, now) -> list[Registration]:
    everything = Registration.objects.select_related("session__series", "economy").prefetch_related(
        "session__cohosts"
    )
    return [
        r
        for r in everything
        if r.status != "cancelled"
        and is_held(r.session, f, now)
        and facts_match(r.economy, r.size_band, r.organisation_kind, f)
    ]


def counted_answers(f: ImpactFilters, now) -> list[Answer]:
    everything = Answer.objects.select_related(
        "question", "response__economy", "response__session__series"
    ).prefetch_related("response__session__cohosts")
    return [
        a
        for a in everything
        if is_held(a.response.session, f, now)
        and facts_match(a.response.economy, a.response.size_band, a.response.organisation_kind, f)
    ]


def share(part: int, whole: int):
    return round(part / whole, 4) if whole else None


def average(numbers: list[int]):
    return round(sum(numbers) / len(numbers), 2) if numbers else None


def has_organisation_filter(f: ImpactFilters) -> bool:
    return bool(f.economy or f.region or f.group or f.size_band or f.kind)


def expected_headline(f: ImpactFilters, now) -> dict:
    registrations = counted_registrations(f, now)
    attended = [r for r in registrations if r.attended is True]
    confirmed = [r for r in registrations if r.status == "confirmed"]
    organisations = {r.organisation_id for r in registrations}
    firm_registrations = [r for r in registrations if r.organisation_kind == "firm"]
    firms = {r.organisation_id for r in firm_registrations}

    def firms_that_were(condition):
        return len({r.organisation_id for r in firm_registrations if condition(r)})

    if has_organisation_filter(f):
        sessions = {r.session_id for r in registrations}
    else:
        everything = Session.objects.select_related("series").prefetch_related("cohosts")
        sessions = {s.pk for s in everything if is_held(s, f, now)}
    answers = counted_answers(f, now)

    def given(code, field):
        return [
            getattr(a, field)
            for a in answers
            if a.question.code == code and getattr(a, field) is not None
        ]

    simplifies = given("simplifies_market_research", "boolean")
    informs = given("informs_export_decision", "boolean")
    satisfaction = given("satisfaction", "number")
    recommend = given("recommend", "number")
    return {
        "sessions": len(sessions),
        "registrations": len(registrations),
        "attendees": len(attended),
        "attendance_rate": share(
            len([r for r in attended if r.status == "confirmed"]), len(confirmed)
        ),
        "organisations": len(organisations),
        "firms": len(firms),
        "economies_reached": len({r.economy_id for r in attended}),
        "women_led_share": share(firms_that_were(lambda r: r.women_led), len(firms)),
        "youth_led_share": share(firms_that_were(lambda r: r.youth_led), len(firms)),
        "micro_share": share(firms_that_were(lambda r: r.size_band == "micro"), len(firms)),
        "simplifies_market_research_share": share(simplifies.count(True), len(simplifies)),
        "simplifies_market_research_answers": len(simplifies),
        "informs_export_decision_share": share(informs.count(True), len(informs)),
        "informs_export_decision_answers": len(informs),
        "satisfaction_average": average(satisfaction),
        "satisfaction_answers": len(satisfaction),
        "recommend_average": average(recommend),
        "recommend_answers": len(recommend),
    }


def key_of(registration: Registration, by: str):
    session = registration.session
    return {
        "economy": lambda: registration.economy_id,
        "region": lambda: registration.economy.region,
        "quarter": lambda: "{}-Q{}".format(*session_quarter(session.starts_at, session.time_zone)),
        "language": lambda: session.language,
        "size": lambda: registration.size_band,
        "kind": lambda: registration.organisation_kind,
        "session": lambda: session.pk,
    }[by]()


def expected_breakdown(f: ImpactFilters, by: str, now) -> dict:
    """{key: row}, as breakdown() returns rows."""
    groups = defaultdict(list)
    for registration in counted_registrations(f, now):
        groups[key_of(registration, by)].append(registration)
    return {
        key: {
            "key": key,
            "registrations": len(rows),
            "attendees": len([r for r in rows if r.attended is True]),
            "organisations": len({r.organisation_id for r in rows}),
            "firms": len({r.organisation_id for r in rows if r.organisation_kind == "firm"}),
        }
        for key, rows in groups.items()
    }


# The filters the figures are compared under; "ministry" stands for the co-host's id.
QUERIES = [
    {},
    {"quarter": "2025-Q3"},
    {"year": "2025", "language": "en"},
    {"language": "fr"},
    {"start": "2025-09-01", "end": "2025-11-04"},
    {"region": "002"},  # Africa
    {"region": "419"},  # Latin America and the Caribbean (a sub-region)
    {"group": "ldc"},
    {"group": "sids"},
    {"size_band": "micro"},
    {"kind": "firm"},
    {"economy": "CL"},
    {"series": "open-webinar"},
    {"format": "hybrid"},
    {"cohost": "ministry"},
    {"quarter": "2025-Q3", "group": "ldc", "kind": "firm"},
    {"quarter": "2024-Q1"},  # nothing at all
]
IDS = ["&".join(f"{k}={v}" for k, v in query.items()) or "no filter" for query in QUERIES]


def params(query: dict, world: dict) -> dict:
    if query.get("cohost") == "ministry":
        return {**query, "cohost": str(world["organisations"]["ministry"].pk)}
    return query


# --- The count itself, checked by hand once -------------------------------------------------


def test_the_independent_count_gives_the_figures_worked_out_by_hand(world):
    """Held: s1, s2, s3, s4, s5. Counted registrations: 7 + 6 + 3 + 0 + 2 = 18, of them 14
    confirmed; 10 attended (4 + 4 + 1 + 1, the waitlisted one in s2 included;
    9 of them confirmed, so the rate is 9 of 14); organisations:
    Andes, Nairobi, Dakar, Suva, Himalaya, Valparaíso (6 firms), the chamber and the ministry;
    attendees came from CL, KE, SN and NP. Survey answers of held sessions: market research
    yes 3 of 4, export decision yes 2 of 4, satisfaction 5 4 3 4 2, recommend 9 7 6 10."""
    figures = expected_headline(ImpactFilters(), timezone.now())

    assert figures == {
        "sessions": 5,
        "registrations": 18,
        "attendees": 10,
        "attendance_rate": 0.6429,
        "organisations": 8,
        "firms": 6,
        "economies_reached": 4,
        "women_led_share": 0.3333,
        "youth_led_share": 0.3333,
        "micro_share": 0.5,
        "simplifies_market_research_share": 0.75,
        "simplifies_market_research_answers": 4,
        "informs_export_decision_share": 0.5,
        "informs_export_decision_answers": 4,
        "satisfaction_average": 3.6,
        "satisfaction_answers": 5,
        "recommend_average": 8.0,
        "recommend_answers": 4,
    }


def test_the_independent_breakdown_by_economy_worked_out_by_hand(world):
    rows = expected_breakdown(ImpactFilters(), "economy", timezone.now())

    assert rows == {
        "CL": {"key": "CL", "registrations": 7, "attendees": 4, "organisations": 2, "firms": 2},
        "KE": {"key": "KE", "registrations": 3, "attendees": 3, "organisations": 2, "firms": 1},
        "SN": {"key": "SN", "registrations": 4, "attendees": 2, "organisations": 2, "firms": 1},
        "NP": {"key": "NP", "registrations": 2, "attendees": 1, "organisations": 1, "firms": 1},
        "FJ": {"key": "FJ", "registrations": 2, "attendees": 0, "organisations": 1, "firms": 1},
    }


# --- The dashboard's functions --------------------------------------------------------------


@pytest.mark.parametrize("query", QUERIES, ids=IDS)
def test_headline_figures_equal_the_independent_count(world, query):
    filters = filters_from(params(query, world))

    figures = headline_figures(filters, Audience.staff())

    assert figures == expected_headline(filters, timezone.now())


@pytest.mark.parametrize("by", DIMENSIONS)
@pytest.mark.parametrize("query", QUERIES, ids=IDS)
def test_breakdowns_equal_the_independent_count(world, query, by):
    filters = filters_from(params(query, world))

    rows = breakdown(filters, by, Audience.staff())

    assert {row["key"]: row for row in rows} == expected_breakdown(filters, by, timezone.now())
    if by == "quarter":
        assert [row["key"] for row in rows] == sorted(row["key"] for row in rows)
    else:
        assert [row["attendees"] for row in rows] == sorted(
            (row["attendees"] for row in rows), reverse=True
        )


# --- The exports ----------------------------------------------------------------------------


def export(client, world, name: str, query: dict, **kwargs):
    client.force_login(world["organiser"])
    # With codes (?codes=1): column codes and the keys the independent count uses.
    query = {**params(query, world), "codes": "1"}
    response = client.get(reverse(f"impact:{name}", kwargs=kwargs), query)
    assert response.status_code == 200
    return response


def csv_table(response) -> tuple[list, list]:
    """(header, data rows) of a streamed CSV export."""
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(content))
    return header, rows


def text(value) -> str:
    """A figure as the CSV writes it."""
    return "" if value is None else str(value)


@pytest.mark.parametrize("query", QUERIES, ids=IDS)
def test_json_export_carries_the_independent_figures(client, world, query):
    filters = filters_from(params(query, world))
    expected = expected_headline(filters, timezone.now())

    data = export(client, world, "export-aggregate", query, by="headline", fmt="json").json()

    assert data["filters"] == filters.as_query()
    # The realised outcomes follow (counted again in tests/impact/test_outcomes.py).
    assert set(data["figures"]) == set(expected) | set(OUTCOME_FIGURES)
    assert {name: data["figures"][name] for name in expected} == expected
    assert data["rows"] == [data["figures"]]


@pytest.mark.parametrize("by", DIMENSIONS)
@pytest.mark.parametrize("query", QUERIES, ids=IDS)
def test_json_breakdown_carries_the_independent_figures(client, world, query, by):
    filters = filters_from(params(query, world))
    column = KEY_COLUMNS.get(by, by)

    data = export(client, world, "export-aggregate", query, by=by, fmt="json").json()

    assert data["by"] == by
    assert data["figures"] == expected_headline(filters, timezone.now())
    assert {
        row[column]: {
            "key": row[column],
            **{figure: row[figure] for figure in ("registrations", "attendees")},
            **{figure: row[figure] for figure in ("organisations", "firms")},
        }
        for row in data["rows"]
    } == expected_breakdown(filters, by, timezone.now())


@pytest.mark.parametrize("query", QUERIES, ids=IDS)
def test_csv_export_cells_carry_the_independent_figures(client, world, query):
    filters = filters_from(params(query, world))
    expected = expected_headline(filters, timezone.now())

    codes, rows = csv_table(
        export(client, world, "export-aggregate", query, by="headline", fmt="csv")
    )

    assert [
        [cell for code, cell in zip(codes, row, strict=True) if code in expected] for row in rows
    ] == [[text(expected[code]) for code in codes if code in expected]]
    assert set(codes) == set(expected) | set(OUTCOME_FIGURES)


@pytest.mark.parametrize("by", DIMENSIONS)
@pytest.mark.parametrize("query", QUERIES, ids=IDS)
def test_csv_breakdown_cells_carry_the_independent_figures(client, world, query, by):
    filters = filters_from(params(query, world))
    figures = ("registrations", "attendees", "organisations", "firms")
    column = KEY_COLUMNS.get(by, by)

    codes, rows = csv_table(export(client, world, "export-aggregate", query, by=by, fmt="csv"))

    cells = [dict(zip(codes, row, strict=True)) for row in rows]
    assert {row[column]: [row[figure] for figure in figures] for row in cells} == {
        text(key): [text(row[figure]) for figure in figures]
        for key, row in expected_breakdown(filters, by, timezone.now()).items()
    }


@pytest.mark.parametrize("query", QUERIES, ids=IDS)
def test_registration_rows_are_the_counted_registrations(client, world, query):
    filters = filters_from(params(query, world))
    expected = counted_registrations(filters, timezone.now())

    codes, rows = csv_table(
        export(client, world, "export-rows", query, what="registrations", fmt="csv")
    )

    cells = [dict(zip(codes, row, strict=True)) for row in rows]
    assert [row["registration"] for row in cells] == sorted((str(r.pk) for r in expected), key=int)
    assert [row["attended"] for row in cells].count("true") == len(
        [r for r in expected if r.attended is True]
    )
    assert len({row["organisation"] for row in cells}) == len({r.organisation for r in expected})


@pytest.mark.parametrize("query", QUERIES, ids=IDS)
def test_attendance_rows_are_the_counted_registrations_and_the_walk_ins(client, world, query):
    filters = filters_from(params(query, world))
    now = timezone.now()
    expected = counted_registrations(filters, now)
    walk_ins = (
        []
        if has_organisation_filter(filters)
        else [
            record
            for record in AttendanceRecord.objects.filter(registration=None)
            if is_held(record.session, filters, now)
        ]
    )

    codes, rows = csv_table(
        export(client, world, "export-rows", query, what="attendance", fmt="csv")
    )

    cells = [dict(zip(codes, row, strict=True)) for row in rows]
    registered = [row for row in cells if row["walk_in"] == "false"]
    walked_in = [row for row in cells if row["walk_in"] == "true"]
    assert len(registered) == len(expected)
    assert [row["attended"] for row in registered].count("true") == len(
        [r for r in expected if r.attended is True]
    )
    assert sorted(int(row["minutes_attended"]) for row in walked_in) == sorted(
        record.minutes for record in walk_ins
    )
    assert {row["organisation"] for row in walked_in} <= {""}


@pytest.mark.parametrize("query", QUERIES, ids=IDS)
def test_answer_rows_are_the_counted_answers(client, world, query):
    filters = filters_from(params(query, world))
    expected = counted_answers(filters, timezone.now())

    codes, rows = csv_table(export(client, world, "export-rows", query, what="answers", fmt="csv"))

    cells = [dict(zip(codes, row, strict=True)) for row in rows]
    assert sorted((row["response"], row["question"]) for row in cells) == sorted(
        (str(a.response_id), a.question.code) for a in expected
    )
    satisfaction = [int(row["number"]) for row in cells if row["question"] == "satisfaction"]
    assert (
        average(satisfaction) == expected_headline(filters, timezone.now())["satisfaction_average"]
    )


# --- Time zones -----------------------------------------------------------------------------


@pytest.fixture
def at_a_quarters_edge(db):
    """A session on the evening of 30 September in UTC: already 1 October in Auckland."""
    session = held_session(at(2025, 9, 30, hour=20), "en")
    register(session, FirmFactory(economy=economy("FJ")), attended=True)
    return session


def test_dashboard_figures_do_not_depend_on_the_viewers_time_zone(at_a_quarters_edge):
    filters = filters_from({"quarter": "2025-Q3"})
    in_utc = (
        headline_figures(filters, Audience.staff()),
        breakdown(ImpactFilters(), "quarter", Audience.staff()),
    )

    with timezone.override("Pacific/Auckland"):
        in_auckland = (
            headline_figures(filters, Audience.staff()),
            breakdown(ImpactFilters(), "quarter", Audience.staff()),
        )

    assert in_auckland == in_utc


def test_exports_put_a_session_in_its_own_zones_quarter_whoever_asks(client, at_a_quarters_edge):
    now = timezone.now()
    expected = expected_breakdown(ImpactFilters(), "quarter", now)
    figures = ("registrations", "attendees", "organisations", "firms")
    client.force_login(OrganiserFactory(role="analyst", time_zone="Pacific/Auckland"))

    def get(fmt, query=None):
        url = reverse("impact:export-aggregate", kwargs={"by": "quarter", "fmt": fmt})
        return client.get(url, query or {})

    codes, csv_rows = csv_table(get("csv", {"codes": "1"}))
    json_rows = get("json").json()["rows"]
    in_quarter = get("json", {"quarter": "2025-Q3"}).json()["figures"]

    assert "2025-Q3" in expected
    assert {row[0]: row[1:] for row in csv_rows} == {
        key: [text(row[figure]) for figure in figures] for key, row in expected.items()
    }
    assert codes == ["quarter", *figures]
    assert {row["quarter"]: [row[figure] for figure in figures] for row in json_rows} == {
        key: [row[figure] for figure in figures] for key, row in expected.items()
    }
    assert in_quarter == expected_headline(filters_from({"quarter": "2025-Q3"}), now)


def test_a_firm_counts_as_it_was_when_it_registered(world):
    """Suva Coconut Co was medium-sized at s1 and large at s3: last year's figures keep it
    medium where it registered as medium."""
    rows = {row["key"]: row for row in breakdown(ImpactFilters(), "size", Audience.staff())}

    assert rows["medium"] == {
        "key": "medium",
        "registrations": 1,
        "attendees": 0,
        "organisations": 1,
        "firms": 1,
    }
    assert rows["large"] == {
        "key": "large",
        "registrations": 1,
        "attendees": 0,
        "organisations": 1,
        "firms": 1,
    }


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="planner settings exist on PostgreSQL only"
)
def test_planner_settings_for_the_figures_do_not_outlive_them(world):
    def setting(name):
        with connection.cursor() as cursor:
            cursor.execute(f"SHOW {name}")
            return cursor.fetchone()[0]

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '7MB'")  # set by someone else before: kept
    before = {
        name: setting(name) for name in ("enable_hashagg", "jit", "work_mem", "parallel_tuple_cost")
    }

    headline_figures(ImpactFilters(), Audience.staff())
    breakdown(ImpactFilters(), "economy", Audience.staff())

    assert {name: setting(name) for name in before} == before
    assert before["enable_hashagg"] == "on"
    assert before["work_mem"] == "7MB"

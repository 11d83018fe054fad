"""Each impact filter keeps what it names and drops the rest, alone and together with the others:
a filter that lost its economy when a size band was added, or a period that lost its end, passes
any test where nothing else stands next to what is asked for. Each test here keeps a second
economy, size, kind, session or co-host beside it that must not count. Found by mutation testing
(docs/mutation-testing.md)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from impact.filters import ImpactFilters
from impact.queries import (
    Audience,
    breakdown,
    has_facts_filter,
    headline_figures,
    registration_rows,
    registrations_in_scope,
    responses_in_scope,
    survey_indicators,
)
from outreach.models import OrganisationKind
from tests.factories import (
    FirmFactory,
    OrganisationFactory,
    RegistrationFactory,
    SeriesFactory,
    SessionFactory,
    SurveyResponseFactory,
    UserFactory,
    economy,
)

pytestmark = pytest.mark.django_db


def held(day: date, *, hour=12, **fields):
    """A finished session starting at noon UTC (early afternoon on its Zurich clock)."""
    starts_at = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
    return SessionFactory(
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=90),
        **{"status": "finished", **fields},
    )


def register(session, organisation, *, attended=True, status="confirmed", **fields):
    if status == "cancelled":
        fields["cancelled_at"] = session.starts_at - timedelta(days=1)
    if status == "waitlisted":
        fields["waitlisted_at"] = session.starts_at - timedelta(days=2)
    return RegistrationFactory(
        session=session,
        person=UserFactory(organisation=organisation),
        organisation=organisation,
        status=status,
        attended=attended,
        **fields,
    )


@pytest.fixture
def world():
    """Two sessions held in May 2026 and one that never was, with firms of two economies and
    two sizes, a ministry of a least developed and landlocked economy, and a cancellation."""
    ministry_ke = OrganisationFactory(
        name="Kenya Trade", economy=economy("KE"), kind=OrganisationKind.GOVERNMENT
    )
    english = SeriesFactory(slug="english-series")
    main = held(date(2026, 5, 14), language="en", series=english, cohosts=[ministry_ke])
    other = held(date(2026, 5, 20), language="fr", format="hybrid", venue="Geneva")
    never = held(date(2026, 5, 21), language="en", status="cancelled")
    firms = {
        "cl small": FirmFactory(name="CL small", economy=economy("CL"), size_band="small"),
        "cl micro": FirmFactory(name="CL micro", economy=economy("CL"), size_band="micro"),
        "pe small": FirmFactory(name="PE small", economy=economy("PE"), size_band="small"),
        "bo small": FirmFactory(name="BO small", economy=economy("BO"), size_band="small"),
        "fr small": FirmFactory(name="FR small", economy=economy("FR"), size_band="small"),
    }
    nepal = OrganisationFactory(
        name="Nepal ministry", economy=economy("NP"), kind=OrganisationKind.GOVERNMENT
    )
    r = {
        "main cl small": register(main, firms["cl small"]),
        "main cl micro": register(main, firms["cl micro"], attended=False),
        "main pe small": register(main, firms["pe small"]),
        "main np ministry": register(main, nepal),
        "main bo small": register(main, firms["bo small"]),
        "other cl small": register(other, firms["cl small"]),
        "other fr small": register(other, firms["fr small"], attended=False),
    }
    # Counted nowhere: a cancellation, and a session that was not held.
    register(main, firms["pe small"], status="cancelled")
    register(never, firms["cl small"])
    return {"main": main, "other": other, "cohost": ministry_ke, "r": r}


def names_in_scope(world, audience=None, **filters) -> set[str]:
    scope = registrations_in_scope(ImpactFilters(**filters), audience or Audience.staff())
    pks = set(scope.values_list("pk", flat=True))
    return {name for name, registration in world["r"].items() if registration.pk in pks}


def figures(audience=None, **filters) -> dict:
    return headline_figures(ImpactFilters(**filters), audience or Audience.staff())


# --- Facts of the organisations -----------------------------------------------------------------


def test_an_economy_and_a_size_band_together_keep_only_firms_of_both(world):
    assert names_in_scope(world, economy="CL", size_band="small") == {
        "main cl small",
        "other cl small",
    }


def test_a_size_band_and_an_economy_each_alone_keep_all_of_theirs(world):
    assert names_in_scope(world, economy="CL") == {
        "main cl small",
        "main cl micro",
        "other cl small",
    }
    assert names_in_scope(world, size_band="micro") == {"main cl micro"}


def test_a_kind_together_with_an_economy_keeps_only_organisations_of_both(world):
    assert names_in_scope(world, kind="firm", economy="PE") == {"main pe small"}
    assert names_in_scope(world, kind="government", economy="PE") == set()
    assert names_in_scope(world, kind="government") == {"main np ministry"}


def test_a_region_keeps_its_economies_and_a_sub_region_its_own(world):
    americas = {"main cl small", "main cl micro", "main pe small", "main bo small"}
    assert names_in_scope(world, region="019") == americas | {"other cl small"}
    assert names_in_scope(world, region="419") == americas | {"other cl small"}
    assert names_in_scope(world, region="155") == {"other fr small"}


def test_a_group_keeps_its_economies_and_together_with_a_region_only_those_in_both(world):
    assert names_in_scope(world, group="lldc") == {"main np ministry", "main bo small"}
    assert names_in_scope(world, group="lldc", region="019") == {"main bo small"}
    assert names_in_scope(world, group="ldc") == {"main np ministry"}


def test_an_economy_together_with_its_region_or_group_keeps_that_economy_only(world):
    assert names_in_scope(world, economy="PE", region="019") == {"main pe small"}
    assert names_in_scope(world, economy="BO", group="lldc") == {"main bo small"}
    assert names_in_scope(world, economy="FR", region="019") == set()


def test_a_size_band_with_a_group_keeps_only_firms_of_that_size_in_that_group(world):
    assert names_in_scope(world, group="lldc", size_band="small") == {"main bo small"}


def test_any_fact_asked_for_counts_as_a_facts_filter_and_nothing_else_does():
    for name, value in [
        ("economy", "CL"),
        ("region", "019"),
        ("group", "ldc"),
        ("size_band", "small"),
        ("kind", "firm"),
    ]:
        assert has_facts_filter(ImpactFilters(**{name: value})), name
    assert not has_facts_filter(ImpactFilters(language="en", series="x", format="online"))


def test_headline_figures_with_an_economy_and_a_size_count_only_those_registrants(world):
    result = figures(economy="CL", size_band="small")

    assert result["registrations"] == 2
    assert result["attendees"] == 2
    assert result["organisations"] == 1
    assert result["firms"] == 1
    assert result["economies_reached"] == 1
    # Sessions held for those registrants: both had one of them.
    assert result["sessions"] == 2


def test_the_sessions_counted_for_a_fact_are_those_with_one_such_registrant(world):
    assert figures(kind="government")["sessions"] == 1
    assert figures()["sessions"] == 2


def test_a_breakdown_by_size_with_an_economy_counts_that_economys_firms_only(world):
    rows = breakdown(ImpactFilters(economy="CL"), "size", Audience.staff())

    assert rows == [
        {"key": "small", "registrations": 2, "attendees": 2, "organisations": 1, "firms": 1},
        {"key": "micro", "registrations": 1, "attendees": 0, "organisations": 1, "firms": 1},
    ]


def test_export_rows_with_an_economy_and_a_size_are_those_registrations(world):
    rows = list(registration_rows(ImpactFilters(economy="CL", size_band="small"), Audience.staff()))

    assert [row["pk"] for row in rows] == sorted(
        [world["r"]["main cl small"].pk, world["r"]["other cl small"].pk]
    )


# --- Sessions -----------------------------------------------------------------------------------


def test_a_language_keeps_its_sessions_only(world):
    assert names_in_scope(world, language="fr") == {"other cl small", "other fr small"}


def test_a_series_keeps_its_sessions_only(world):
    assert names_in_scope(world, series="english-series") == {
        "main cl small",
        "main cl micro",
        "main pe small",
        "main np ministry",
        "main bo small",
    }


def test_a_format_keeps_its_sessions_only(world):
    assert names_in_scope(world, format="hybrid") == {"other cl small", "other fr small"}


def test_one_session_keeps_that_session_only_and_with_an_economy_its_registrants_of_it(world):
    assert names_in_scope(world, session=world["other"].pk) == {"other cl small", "other fr small"}
    assert names_in_scope(world, session=world["other"].pk, economy="CL") == {"other cl small"}


def test_a_cohost_filter_and_a_cohosts_own_view_keep_its_sessions_only(world):
    cohost = world["cohost"].pk
    main_only = {
        "main cl small",
        "main cl micro",
        "main pe small",
        "main np ministry",
        "main bo small",
    }
    assert names_in_scope(world, cohost=cohost) == main_only
    assert names_in_scope(world, audience=Audience.cohost(cohost)) == main_only
    assert names_in_scope(world, audience=Audience.cohost(cohost), language="fr") == set()


def test_a_session_still_under_way_or_to_come_is_not_held():
    now = timezone.now()
    firm = FirmFactory()
    under_way = SessionFactory(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1))
    ended_now = SessionFactory(starts_at=now - timedelta(hours=1), ends_at=now)
    register(under_way, firm)
    counted = register(ended_now, firm)

    scope = registrations_in_scope(ImpactFilters(), Audience.staff(), now=now)

    assert list(scope.values_list("pk", flat=True)) == [counted.pk]


def test_waitlisted_registrations_count_and_cancelled_ones_do_not():
    session = held(date(2026, 3, 3))
    firm = FirmFactory()
    waiting = register(session, firm, status="waitlisted", attended=None)
    register(session, firm, status="cancelled")

    scope = registrations_in_scope(ImpactFilters(), Audience.staff())

    assert list(scope.values_list("pk", flat=True)) == [waiting.pk]


# --- The period ---------------------------------------------------------------------------------


@pytest.fixture
def quarter_edges():
    """Sessions on the last day of March, the first and last days of the second quarter, and
    the first day of July; one more at 23:30 UTC on 30 June, already 1 July on its Zurich
    clock."""
    firm = FirmFactory()
    sessions = {
        "31 March": held(date(2026, 3, 31)),
        "1 April": held(date(2026, 4, 1)),
        "30 June": held(date(2026, 6, 30)),
        "1 July in Zurich": held(date(2026, 6, 30), hour=23),
        "1 July": held(date(2026, 7, 1)),
    }
    return {name: register(session, firm).pk for name, session in sessions.items()}


def days_in(quarter_edges, **period) -> set[str]:
    scope = registrations_in_scope(ImpactFilters(**period), Audience.staff())
    pks = set(scope.values_list("pk", flat=True))
    return {name for name, pk in quarter_edges.items() if pk in pks}


def test_a_period_holds_its_first_and_last_days_and_not_the_days_around_it(quarter_edges):
    assert days_in(quarter_edges, start=date(2026, 4, 1), end=date(2026, 6, 30)) == {
        "1 April",
        "30 June",
    }


def test_a_period_with_only_an_end_stops_at_that_day(quarter_edges):
    assert days_in(quarter_edges, end=date(2026, 6, 30)) == {"31 March", "1 April", "30 June"}


def test_a_period_with_only_a_start_begins_on_that_day(quarter_edges):
    assert days_in(quarter_edges, start=date(2026, 7, 1)) == {"1 July in Zurich", "1 July"}


def test_the_quarter_breakdown_puts_each_session_in_the_quarter_of_its_own_clock(quarter_edges):
    rows = breakdown(ImpactFilters(), "quarter", Audience.staff())

    assert [(row["key"], row["registrations"]) for row in rows] == [
        ("2026-Q1", 1),
        ("2026-Q2", 2),
        ("2026-Q3", 2),
    ]


# --- Survey answers -----------------------------------------------------------------------------


def test_survey_answers_with_an_economy_and_a_size_are_those_respondents_only(world):
    r = world["r"]
    SurveyResponseFactory(registration=r["main cl small"], answers={"satisfaction": 5})
    SurveyResponseFactory(registration=r["main cl micro"], answers={"satisfaction": 1})
    SurveyResponseFactory(registration=r["main pe small"], answers={"satisfaction": 2})
    SurveyResponseFactory(registration=r["other cl small"], answers={"satisfaction": 4})

    filters = ImpactFilters(economy="CL", size_band="small")
    indicators = survey_indicators(filters, Audience.staff())
    responses = responses_in_scope(filters, Audience.staff())

    assert {response.registration_id for response in responses} == {
        r["main cl small"].pk,
        r["other cl small"].pk,
    }
    assert (indicators["satisfaction_average"], indicators["satisfaction_answers"]) == (4.5, 2)


def test_survey_answers_of_another_session_or_one_not_held_do_not_count(world):
    r = world["r"]
    SurveyResponseFactory(
        registration=r["main cl small"],
        answers={"informs_export_decision": True, "recommend": 9},
    )
    SurveyResponseFactory(
        registration=r["other cl small"],
        answers={"informs_export_decision": False, "recommend": 3},
    )
    upcoming = SessionFactory()
    SurveyResponseFactory(
        registration=RegistrationFactory(session=upcoming, attended=True),
        answers={"informs_export_decision": False, "recommend": 0},
    )

    indicators = survey_indicators(ImpactFilters(session=world["main"].pk), Audience.staff())

    assert indicators["informs_export_decision_share"] == 1.0
    assert indicators["informs_export_decision_answers"] == 1
    assert (indicators["recommend_average"], indicators["recommend_answers"]) == (9, 1)
    assert indicators["simplifies_market_research_share"] is None
    assert indicators["simplifies_market_research_answers"] == 0


def test_figures_as_of_a_past_moment_leave_out_sessions_that_ended_after_it(world):
    may_17 = datetime(2026, 5, 17, tzinfo=UTC)

    before_the_other = registrations_in_scope(ImpactFilters(), Audience.staff(), now=may_17)

    assert {r.session_id for r in before_the_other} == {world["main"].pk}
    assert headline_figures(ImpactFilters(), Audience.staff(), now=may_17)["sessions"] == 1

"""Course completions in the impact figures (issue 16, item 2): enrolled and completed by
economy, women-led, youth-led, size and course, equal to a count made here from the rows, the
small-number rule for outside audiences, on the dashboard and in the exports.

The independent count reads the definitions in impact/completions.py's docstring and nothing
else of impact: an enrolment holding a place (confirmed) counts with the facts and the session
of its first registration (by the session's start), if that session is held and in the filters.
Enrolments are built directly with the models (Series(is_course=True), Enrolment,
Registration(enrolment=…)), as registrations.courses would leave them.
"""

import csv
import io
from collections import defaultdict
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from impact import completions
from impact.filters import ImpactFilters
from impact.outside import Figures, for_cohost, for_public
from impact.queries import Audience
from impact.suppression import key
from outreach.models import OrganisationKind, Role
from registrations.models import Enrolment, Registration
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
from tests.queries import assert_same_queries_for_1_and_more

pytestmark = pytest.mark.django_db

BY = completions.DIMENSIONS


# --- Building the rows ------------------------------------------------------------------------


def course(slug, days_ago, *, language="en", cohosts=()):
    """A course whose sessions started these many days ago (negative: still to come)."""
    series = SeriesFactory(slug=slug, is_course=True, capacity=100)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    sessions = [
        SessionFactory(
            series=series,
            starts_at=now - timedelta(days=days),
            ends_at=now - timedelta(days=days) + timedelta(minutes=90),
            language=language,
            status="finished" if days > 0 else "published",
            cohosts=list(cohosts),
        )
        for days in days_ago
    ]
    return series, sessions


def enrol(
    series, sessions, organisation, *, status="confirmed", completed=False, grew_to=None, start=0
):
    """An enrolment with one registration per session from `start` on; `grew_to`: the size the
    firm had at the later registrations (the first keeps the one it had then)."""
    now = timezone.now()
    person = UserFactory(organisation=organisation)
    enrolment = Enrolment.objects.create(
        series=series,
        person=person,
        organisation=organisation,
        status=status,
        waitlisted_at=now if status == "waitlisted" else None,
        confirmed_at=now if status == "confirmed" else None,
        cancelled_at=now if status == "cancelled" else None,
        completed_at=now if completed else None,
    )
    for index, session in enumerate(sessions[start:]):
        registration = RegistrationFactory(
            session=session,
            person=person,
            organisation=organisation,
            enrolment=enrolment,
            status=status,
            waitlisted_at=now if status == "waitlisted" else None,
            cancelled_at=now if status == "cancelled" else None,
        )
        if index and grew_to:
            Registration.objects.filter(pk=registration.pk).update(size_band=grew_to)
    return enrolment


# --- The independent count ---------------------------------------------------------------------


def recount(filters: dict, now, *, cohost=None) -> list[dict]:
    """One record per enrolment in the figures, from the rows."""
    records = []
    for enrolment in Enrolment.objects.filter(status="confirmed"):
        registrations = sorted(
            (r for r in enrolment.registrations.select_related("session", "economy")),
            key=lambda r: (r.session.starts_at, r.pk),
        )
        registrations = [r for r in registrations if r.status != "cancelled"]
        if not registrations:
            continue
        first = registrations[0]
        session = first.session
        if session.status not in ("published", "finished") or session.ends_at > now:
            continue
        if cohost is not None and cohost not in {o.pk for o in session.cohosts.all()}:
            continue
        record = {
            "economy": first.economy_id,
            "size": first.size_band,
            "women_led": first.women_led,
            "youth_led": first.youth_led,
            "series": enrolment.series.slug,
            "language": session.language,
            "session": session.pk,
            "completed": enrolment.completed_at is not None,
        }
        wanted = {
            "economy": lambda r, v: r["economy"] == v,
            "size_band": lambda r, v: r["size"] == v,
            "language": lambda r, v: r["language"] == v,
            "series": lambda r, v: r["series"] == v,
        }
        if all(wanted[name](record, value) for name, value in filters.items()):
            records.append(record)
    return records


def expected(records) -> dict:
    enrolled = len(records)
    completed = sum(r["completed"] for r in records)
    return {
        "course_enrolled": enrolled,
        "course_completed": completed,
        "course_completion_rate": round(completed / enrolled, 4) if enrolled else None,
    }


def expected_breakdown(records, by) -> dict:
    groups = defaultdict(list)
    for record in records:
        groups[record[by]].append(record)
    return {value: expected(group) for value, group in groups.items()}


def without_key(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != "key"}


# --- Worked out by hand ---------------------------------------------------------------------------


@pytest.fixture
def programme():
    """Two courses: Digital Champions (held, French, co-hosted by a ministry) with eight firms
    of Chile and two of Senegal enrolled, and one still to come."""
    ministry = OrganisationFactory(name="Ministry", kind=OrganisationKind.GOVERNMENT)
    champions, sessions = course("champions", (30, 23, 16), language="fr", cohosts=[ministry])
    later, later_sessions = course("later", (-5, -12))
    chile = [
        FirmFactory(economy=economy("CL"), size_band="micro", women_led=n < 3, youth_led=n == 0)
        for n in range(8)
    ]
    for n, firm in enumerate(chile):
        # Six completed; one firm grew to medium after its first session: it counts as micro.
        enrol(champions, sessions, firm, completed=n < 6, grew_to="medium" if n == 7 else None)
    senegal = [FirmFactory(economy=economy("SN"), size_band="small") for _ in range(2)]
    enrol(champions, sessions, senegal[0], completed=True, start=1)  # joined at the second
    enrol(champions, sessions, senegal[1], status="waitlisted")  # no place: not counted
    enrol(champions, sessions, FirmFactory(economy=economy("SN")), status="cancelled")
    enrol(later, later_sessions, chile[0])  # not held yet: not counted
    return {"ministry": ministry, "champions": champions, "sessions": sessions}


def test_the_figures_worked_out_by_hand(programme):
    figures = Figures(Audience.staff())

    assert figures.completions(ImpactFilters()) == {
        "course_enrolled": 9,
        "course_completed": 7,
        "course_completion_rate": round(7 / 9, 4),
    }
    by_economy = {
        row["key"]: without_key(row)
        for row in figures.completion_breakdown(ImpactFilters(), "economy")
    }
    assert by_economy == {
        "CL": {"course_enrolled": 8, "course_completed": 6, "course_completion_rate": 0.75},
        "SN": {"course_enrolled": 1, "course_completed": 1, "course_completion_rate": 1.0},
    }
    by_size = {
        r["key"]: r["course_enrolled"]
        for r in figures.completion_breakdown(ImpactFilters(), "size")
    }
    assert by_size == {"micro": 8, "small": 1}
    women = {
        r["key"]: r["course_completed"]
        for r in figures.completion_breakdown(ImpactFilters(), "women_led")
    }
    assert women == {True: 3, False: 4}


def test_filters_leave_the_other_economy_and_course_untouched(programme):
    figures = Figures(Audience.staff())

    senegal = figures.completions(ImpactFilters(economy="SN"))
    in_english = figures.completions(ImpactFilters(language="en"))
    champions = figures.completions(ImpactFilters(series="champions"))
    micro = figures.completions(ImpactFilters(size_band="micro"))

    assert (senegal["course_enrolled"], senegal["course_completed"]) == (1, 1)
    assert in_english["course_enrolled"] == 0
    assert champions["course_enrolled"] == 9
    assert micro["course_enrolled"] == 8


def test_an_outside_audience_sees_small_counts_hidden(programme):
    for figures in (
        Figures(Audience.cohost(programme["ministry"].pk)),
        Figures(Audience.public()),
    ):
        shown = figures.completions(ImpactFilters())
        # Nine enrolled, seven completed: the two who did not are hidden, so one of the two
        # counts is too, and the rate with it.
        assert shown["course_completion_rate"] is None
        assert None in (shown["course_enrolled"], shown["course_completed"])
    cohost = Figures(Audience.cohost(programme["ministry"].pk))
    senegal = {r["key"]: r for r in cohost.completion_breakdown(ImpactFilters(), "economy")}
    assert senegal["SN"]["course_enrolled"] is None
    assert Figures(Audience.public()).completion_breakdown(ImpactFilters(), "economy") == []


def test_the_dashboard_shows_the_courses(client, programme):
    client.force_login(OrganiserFactory())

    response = client.get(reverse("impact:dashboard"))

    content = response.content.decode()
    assert 'id="courses-heading"' in content
    assert '<dd data-completion-figure="course_enrolled">9</dd>' in content
    assert '<dd data-completion-figure="course_completed">7</dd>' in content
    assert 'data-breakdown="completion-economy"' in content
    assert 'data-breakdown="completion-women_led"' in content


def test_the_economy_page_shows_its_courses(client, programme):
    client.force_login(OrganiserFactory())

    response = client.get(reverse("impact:economy", args=["CL"]))

    assert '<dd data-completion-figure="course_enrolled">8</dd>' in response.content.decode()


def test_a_cohost_sees_the_courses_suppressed(client, programme):
    member = UserFactory(role=Role.COHOST, organisation=programme["ministry"])
    client.force_login(member)

    content = client.get(reverse("impact:dashboard")).content.decode()

    assert 'id="courses-heading"' in content
    assert '<dd data-completion-figure="course_completion_rate">' in content
    assert '<dd data-completion-figure="course_enrolled">9</dd>' not in content or (
        '<dd data-completion-figure="course_completed">7</dd>' not in content
    )


def test_no_course_no_section(client):
    client.force_login(OrganiserFactory())

    assert 'id="courses-heading"' not in client.get(reverse("impact:dashboard")).content.decode()


def test_the_dashboards_queries_do_not_grow_with_enrolments(client):
    client.force_login(OrganiserFactory())
    champions, sessions = course("champions", (30, 23))

    def add(count):
        for n in range(count):
            enrol(champions, sessions, FirmFactory(economy=economy("CL")), completed=n % 2 == 0)

    assert_same_queries_for_1_and_more(client, reverse("impact:dashboard"), add)


def _csv(response) -> list[dict]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_exports_hold_the_completions(client, programme):
    client.force_login(OrganiserFactory())

    total = _csv(
        client.get(reverse("impact:export-aggregate", args=["completions", "csv"]), {"codes": 1})
    )
    by_economy = _csv(
        client.get(
            reverse("impact:export-aggregate", args=["completions-economy", "csv"]), {"codes": 1}
        )
    )
    by_women = _csv(
        client.get(reverse("impact:export-aggregate", args=["completions-women_led", "csv"]))
    )
    headline = _csv(
        client.get(reverse("impact:export-aggregate", args=["headline", "csv"]), {"codes": 1})
    )

    assert total == [
        {"course_enrolled": "9", "course_completed": "7", "course_completion_rate": "0.7778"}
    ]
    assert [(r["economy"], r["course_enrolled"], r["course_completed"]) for r in by_economy] == [
        ("CL", "8", "6"),
        ("SN", "1", "1"),
    ]
    assert [r["Women-led"] for r in by_women] == ["No", "Yes"]
    # The headline export keeps its columns: completions are an export of their own.
    assert not any(column.startswith("course_") for column in headline[0])


# --- The property: the figures equal the independent count, with suppression --------------------

organisations = st.lists(
    st.tuples(
        st.sampled_from(["CL", "PE", "SN"]),
        st.sampled_from(["micro", "small", "medium"]),
        st.booleans(),  # women-led
        st.booleans(),  # youth-led
    ),
    min_size=1,
    max_size=6,
)
courses = st.lists(
    st.tuples(
        st.sampled_from([200, 100, -10]),  # days ago of the first session (-10: to come)
        st.sampled_from(["en", "fr", "es"]),
        st.booleans(),  # co-hosted by the ministry
    ),
    min_size=1,
    max_size=3,
)
enrolments = st.lists(
    st.tuples(
        st.integers(0, 5),  # organisation
        st.integers(0, 2),  # course
        st.sampled_from(["confirmed", "confirmed", "confirmed", "waitlisted", "cancelled"]),
        st.booleans(),  # completed
        st.sampled_from([None, None, "large"]),  # grew to
        st.integers(0, 1),  # first session registered for
    ),
    min_size=1,
    max_size=25,
)
filter_choices = st.sampled_from(
    [{}, {"economy": "CL"}, {"size_band": "micro"}, {"language": "fr"}, {"series": "course-0"}]
)

SLOW = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def build(organisation_rows, course_rows, enrolment_rows):
    ministry = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)
    built = [
        course(
            f"course-{n}",
            (days, days - 7, days - 14),
            language=language,
            cohosts=[ministry] if cohosted else [],
        )
        for n, (days, language, cohosted) in enumerate(course_rows)
    ]
    firms = [
        FirmFactory(economy=economy(code), size_band=size, women_led=w, youth_led=y)
        for code, size, w, y in organisation_rows
    ]
    enrolled = set()
    for org, index, status, completed, grew_to, start in enrolment_rows:
        firm, (series, sessions) = firms[org % len(firms)], built[index % len(built)]
        if (firm.pk, series.pk) in enrolled:
            continue
        enrolled.add((firm.pk, series.pk))
        enrol(
            series,
            sessions,
            firm,
            status=status,
            completed=completed and status == "confirmed",
            grew_to=grew_to,
            start=start,
        )
    return ministry


@SLOW
@given(
    organisation_rows=organisations,
    course_rows=courses,
    enrolment_rows=enrolments,
    query=filter_choices,
)
def test_completion_figures_equal_the_independent_count(
    organisation_rows, course_rows, enrolment_rows, query
):
    with transaction.atomic():
        build(organisation_rows, course_rows, enrolment_rows)
        now = timezone.now()
        records = recount(query, now)
        figures = Figures(Audience.staff(), now=now)

        assert figures.completions(ImpactFilters(**query)) == expected(records)
        for by in BY:
            got = {
                row["key"]: without_key(row)
                for row in figures.completion_breakdown(ImpactFilters(**query), by)
            }
            assert got == expected_breakdown(records, by), by
        transaction.set_rollback(True)


def worked_out(shown) -> dict:
    """What an adversary works out from the shown completion counts: a hidden cell that is a
    shown total minus its shown parts (over any one dimension, or a course over the sessions
    its enrolments started with), and the enrolled who did not complete (enrolled minus
    completed) where both are shown."""
    cells = {c: v for c, v in shown.cells.items() if c[0] in completions.MEASURES}
    found = {}
    for cell, value in cells.items():
        if cell[0] == "course_enrolled":
            completed = ("course_completed", cell[1])
            if cell not in shown.hidden and completed in cells and completed not in shown.hidden:
                found[("not completed", cell[1])] = value - cells[completed]
    for measure in completions.MEASURES:
        total = key(measure)
        if total not in cells or total in shown.hidden:
            continue
        for by in (*BY, "session"):
            parts = [c for c in cells if c[0] == measure and [d for d, _v in c[1]] == [by]]
            hidden = [c for c in parts if c in shown.hidden]
            if len(hidden) == 1:
                found[hidden[0]] = cells[total] - sum(
                    cells[c] for c in parts if c not in shown.hidden
                )
    return found


@SLOW
@given(organisation_rows=organisations, course_rows=courses, enrolment_rows=enrolments)
def test_outside_audiences_see_no_small_completion_count_nor_one_worked_out(
    organisation_rows, course_rows, enrolment_rows
):
    with transaction.atomic():
        ministry = build(organisation_rows, course_rows, enrolment_rows)
        now = timezone.now()
        for shown, cohost in (
            (for_cohost(ministry.pk, now=now), ministry.pk),
            (for_public(now=now)[0], None),
        ):
            records = recount({}, now, cohost=cohost)
            cells = {c: v for c, v in shown.cells.items() if c[0] in completions.MEASURES}
            # The counts are the recount's.
            assert cells.get(key("course_enrolled"), 0) == len(records)
            for cell, value in cells.items():
                if cell not in shown.hidden:
                    assert value == 0 or value >= 5, cell
            for cell, value in worked_out(shown).items():
                assert value == 0 or value >= 5, cell
        transaction.set_rollback(True)

"""The small-number rule (impact.suppression) on examples worked out by hand, without a request,
and on the pages that use it: the public reach page, a co-host's pages, staff's pages."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from impact import outside
from impact.filters import ImpactFilters
from impact.queries import Audience, breakdown
from impact.suppression import Relation, attack, key, protect, tabulate
from outreach.models import CohostRole, OrganisationKind, Role
from tests.factories import OrganisationFactory, OrganiserFactory, SessionFactory, UserFactory
from tests.impact.test_dashboard import attendee, held_session, shown_figures, table_rows

# --- The rule, by hand ---------------------------------------------------------------------


def region_of(**economies) -> tuple[dict, list[Relation]]:
    """Attendees of one region's economies, the region's total and the relation between them."""
    cells = {("economy", code): count for code, count in economies.items()}
    cells["region"] = sum(economies.values())
    return cells, [Relation("region", tuple(("economy", code) for code in economies))]


def test_a_region_with_one_small_economy_hides_a_second_the_smallest():
    cells, relations = region_of(CL=12, PE=2, MX=7, AR=30)

    hidden = protect(cells, relations)

    assert hidden == {("economy", "PE"), ("economy", "MX")}


def test_a_region_total_minus_its_shown_economies_no_longer_gives_the_hidden_one():
    cells, relations = region_of(CL=12, PE=2, MX=7, AR=30)
    hidden = protect(cells, relations)

    shown = {cell: value for cell, value in cells.items() if cell not in hidden}
    worked_out = attack(shown, dict.fromkeys(hidden, 1), relations, values=cells)

    assert worked_out == {}
    assert shown["region"] - sum(v for c, v in shown.items() if c != "region") == 9  # PE + MX


def test_the_adversary_pins_a_lone_hidden_cell():
    _cells, relations = region_of(CL=12, PE=2)

    worked_out = attack({"region": 14, ("economy", "CL"): 12}, {("economy", "PE"): 1}, relations)

    assert worked_out == {("economy", "PE"): 2}


def test_a_small_total_is_hidden_with_its_parts():
    cells, relations = region_of(CL=1, PE=2)

    hidden = protect(cells, relations)

    assert hidden == {"region", ("economy", "CL"), ("economy", "PE")}


def test_two_hidden_parts_of_one_each_are_not_left_pinned_by_their_total():
    # Shown total 7 = 5 + 1 + 1: hiding the two ones alone leaves 2 for two cells of at least 1.
    cells, relations = region_of(CL=5, PE=1, MX=1)

    hidden = protect(cells, relations)

    shown = {cell: value for cell, value in cells.items() if cell not in hidden}
    assert attack(shown, dict.fromkeys(hidden, 1), relations, values=cells) == {}
    assert {("economy", "PE"), ("economy", "MX")} < hidden


def test_zeros_and_large_numbers_alone_are_not_hidden():
    cells, relations = region_of(CL=12, PE=0, MX=7)

    assert protect(cells, relations) == frozenset()


def test_what_the_audience_knows_person_by_person_is_no_secret():
    # Chile's 3 registrants all shared their details with this co-host: nothing to hide. Peru
    # has 9, of whom 7 shared: 2 are unknown, so Peru is hidden (and Mexico with it).
    cells, relations = region_of(CL=3, PE=9, MX=20)
    known = {("economy", "CL"): 3, ("economy", "PE"): 7, "region": 10}

    hidden = protect(cells, relations, known=known)

    assert hidden == {("economy", "PE"), ("economy", "MX")}


def test_linked_tables_are_protected_together():
    # A session by economy and an economy by session share their cells: hiding Peru in the
    # session also hides it, and a second cell, on the economy's side.
    records = [
        {"session": session, "economy": code}
        for session, code, count in ((1, "CL", 6), (1, "PE", 2), (2, "CL", 9), (2, "PE", 8))
        for _ in range(count)
    ]
    tables = tabulate(
        records,
        {"registrations": outside.COUNTS["registrations"]},
        [(), ("economy",), ("session",), ("economy", "session")],
    )

    hidden = protect(tables.cells, tables.relations)

    assert key("registrations", economy="PE", session=1) in hidden
    assert key("registrations", economy="PE", session=2) in hidden  # Peru's other session
    shown = {cell: value for cell, value in tables.cells.items() if cell not in hidden}
    assert attack(shown, dict.fromkeys(hidden, 1), tables.relations, values=tables.cells) == {}


# --- The pages -------------------------------------------------------------------------------

pytestmark_db = pytest.mark.django_db


@pytestmark_db
def test_the_reach_page_hides_a_second_economy_beside_a_small_one(client):
    session = held_session()
    for code, count in (("CL", 9), ("PE", 2), ("MX", 6), ("SN", 7)):
        for _ in range(count):
            attendee(session, code=code)

    response = client.get(reverse("impact:reach"))

    economies = dict(
        re.findall(
            r'<li data-key="\w+">([^<]+) <span class="text-body-secondary">\(([^)]*)\)</span>',
            response.content.decode(),
        )
    )
    assert economies == {"Chile": "9", "Peru": "hidden", "Mexico": "hidden", "Senegal": "7"}
    assert table_rows(response, "table-region") == {"Americas": ["17"], "Africa": ["7"]}
    assert shown_figures(response)["attendees"] == "24"


def cohost_member(organisation):
    return UserFactory(role=Role.COHOST, cohost_role=CohostRole.VIEWER, organisation=organisation)


@pytestmark_db
def test_a_second_cohosts_figures_stay_untouched_and_staff_see_exact_counts(client):
    ministry_a = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)
    ministry_b = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)
    small = held_session(cohosts=[ministry_a])
    for code, count in (("CL", 9), ("PE", 2), ("MX", 6)):
        for _ in range(count):
            attendee(small, code=code)
    large = held_session(cohosts=[ministry_b])
    for code, count in (("CL", 8), ("PE", 6), ("MX", 7)):
        for _ in range(count):
            attendee(large, code=code)

    client.force_login(cohost_member(ministry_a))
    seen_by_a = table_rows(client.get("/en/impact/"), "table-economy")
    client.force_login(cohost_member(ministry_b))
    seen_by_b = table_rows(client.get("/en/impact/"), "table-economy")
    client.force_login(OrganiserFactory(role=Role.ANALYST))
    seen_by_staff = client.get(reverse("impact:session", args=[small.pk]))

    # Peru (2) is hidden for ministry A, and so is Mexico (6), the smallest beside it.
    assert seen_by_a["Peru"] == ["hidden", "hidden", "hidden", "hidden"]
    assert seen_by_a["Mexico"] == ["hidden", "hidden", "hidden", "hidden"]
    assert seen_by_b == {
        "Chile": ["8", "8", "8", "8"],
        "Mexico": ["7", "7", "7", "7"],
        "Peru": ["6", "6", "6", "6"],
    }
    assert table_rows(seen_by_staff, "table-economy") == {
        "Chile": ["9", "9", "9", "9"],
        "Mexico": ["6", "6", "6", "6"],
        "Peru": ["2", "2", "2", "2"],
    }


@pytestmark_db
def test_a_cohost_and_staff_put_a_session_in_the_same_quarter_by_its_own_zones_clock():
    ministry = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)
    # 00:30 on 1 April in Zurich is still 31 March (Q1) in UTC: the session counts in Q2.
    starts_at = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)
    session = SessionFactory(
        starts_at=starts_at, ends_at=starts_at + timedelta(minutes=90), time_zone="Europe/Zurich"
    )
    session.cohosts.set([ministry])
    for _ in range(6):
        attendee(session)

    seen_by_cohost = outside.Figures(Audience.cohost(ministry.pk)).breakdown(
        ImpactFilters(), "quarter"
    )
    seen_by_staff = breakdown(ImpactFilters(), "quarter", Audience.staff())

    assert [row["key"] for row in seen_by_cohost] == ["2026-Q2"]
    assert [row["key"] for row in seen_by_staff] == ["2026-Q2"]

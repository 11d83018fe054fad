"""The small-number rule against an adversary: whatever the data, nothing one outside audience
sees pins a hidden count to one value.

Hypothesis builds programmes (firms of several economies in several regions, of several sizes
and kinds, registered at several sessions in different quarters and languages, some attending,
some waitlisted, some sharing their details with the co-host), computes everything a co-host's
members see (impact.outside: the dashboard, economy and session drill-downs, the workspace's
session list, session pages and registrant file) and what the public sees (the reach page), and
attacks it. The adversary here is written apart from impact.suppression: it knows nothing of
its relations, only what each shown number counts, in small units (a kind of registration at
one session; a kind of organisation in one period), and what the co-host knows person by
person. From that it finds which numbers are sums of which (a total and a table's rows, a
count and its two halves) and then
- solves every combination of those sums at once (all subtractions of parts from totals,
  across rows, columns, pages and headlines; shares are shown only with their two counts, so
  a share with its whole is one more such count), and
- uses that a hidden count is never zero: a shown total minus its shown parts spread over as
  many hidden parts as it is large gives each of them away.
"""

from collections import defaultdict
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from impact import outside
from impact.suppression import Protected
from outreach.models import OrganisationKind, SizeBand
from outreach.periods import quarter_key, session_quarter
from tests.factories import (
    FirmFactory,
    OrganisationFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    economy,
)

pytestmark = pytest.mark.django_db

ECONOMIES = {"CL": "019", "PE": "019", "MX": "019", "SN": "002", "KE": "002", "VN": "142"}
SESSION_ONE = {"registrations", "confirmed", "waitlisted", "via_link"}
PERIODS = ("session", "quarter", "language")  # a distinct count adds up over none of them

organisations = st.lists(
    st.tuples(
        st.sampled_from(sorted(ECONOMIES)),
        st.sampled_from([OrganisationKind.FIRM, OrganisationKind.FIRM, OrganisationKind.SUPPORT]),
        st.sampled_from([SizeBand.MICRO, SizeBand.SMALL, SizeBand.MEDIUM]),
        st.booleans(),  # women-led
    ),
    min_size=1,
    max_size=7,
)
registrations = st.lists(
    st.tuples(
        st.integers(0, 6),  # organisation (modulo how many)
        st.integers(0, 2),  # session
        st.sampled_from(["confirmed", "confirmed", "confirmed", "waitlisted"]),
        st.booleans(),  # attended
        st.sampled_from([False, False, True]),  # shares with the co-host
        st.booleans(),  # came through the co-host's link
    ),
    min_size=1,
    max_size=30,
)
sessions = st.lists(
    st.tuples(st.sampled_from([20, 40, 130, 230]), st.sampled_from(["en", "fr", "es"])),
    min_size=1,
    max_size=3,
)


# --- The data --------------------------------------------------------------------------------


def build(ministry, organisation_rows, session_rows, registration_rows) -> list[dict]:
    """The rows in the database, and the same as plain records for the adversary."""
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    held = []
    for days_ago, language in session_rows:
        session = SessionFactory(starts_at=now - timedelta(days=days_ago), language=language)
        session.cohosts.set([ministry])
        held.append(session)
    firms = []
    for code, kind, size, women_led in organisation_rows:
        firms.append(
            (FirmFactory if kind == OrganisationKind.FIRM else OrganisationFactory)(
                economy=economy(code),
                kind=kind,
                size_band=size if kind == OrganisationKind.FIRM else "",
                women_led=women_led and kind == OrganisationKind.FIRM,
            )
        )
    records = []
    for org_index, session_index, status, attended, shares, via in registration_rows:
        organisation = firms[org_index % len(firms)]
        session = held[session_index % len(held)]
        RegistrationFactory(
            session=session,
            person=UserFactory(organisation=organisation),
            status=status,
            attended=attended,
            shares_with_cohosts=shares,
            source="cohost" if via else "direct",
            source_organisation=ministry if via else None,
            waitlisted_at=now if status == "waitlisted" else None,
            confirmed_at=now if status == "confirmed" else None,
        )
        records.append(
            {
                "session": session.pk,
                "quarter": quarter_key(*session_quarter(session.starts_at, session.time_zone)),
                "language": session.language,
                "economy": organisation.economy_id,
                "region": ECONOMIES[organisation.economy_id],
                "size": organisation.size_band,
                "kind": organisation.kind,
                "org": organisation.pk,
                "women_led": organisation.women_led,
                "status": status,
                "attended": attended,
                "via_link": via,
                "shared": shares,
            }
        )
    return records


# --- What each shown number counts, in the smallest units --------------------------------------

FIRM = OrganisationKind.FIRM
REGISTRATION_MEASURES = {
    "registrations": lambda r: True,
    "attendees": lambda r: r["attended"],
    "confirmed": lambda r: r["status"] == "confirmed",
    "waitlisted": lambda r: r["status"] == "waitlisted",
    "via_link": lambda r: r["via_link"],
    "confirmed_attendees": lambda r: r["status"] == "confirmed" and r["attended"],
    "confirmed_absent": lambda r: r["status"] == "confirmed" and not r["attended"],
}
ORGANISATION_MEASURES = {
    "organisations": lambda r: True,
    "firms": lambda r: r["kind"] == FIRM,
    "women_led": lambda r: r["kind"] == FIRM and r["women_led"],
    "other_than_women_led": lambda r: r["kind"] == FIRM and not r["women_led"],
    "micro": lambda r: r["kind"] == FIRM and r["size"] == SizeBand.MICRO,
    "other_than_micro": lambda r: r["kind"] == FIRM and r["size"] != SizeBand.MICRO,
    "youth_led": lambda r: False,  # nobody in these programmes is youth-led
    "other_than_youth_led": lambda r: r["kind"] == FIRM,
}


def universe(records: list[dict]) -> list[dict]:
    """Every kind of registration the adversary must allow for: each session, economy, size
    and kind of organisation seen together, with any status, attendance and link (that none of
    some kind exists is no more known to it than any other count)."""
    seen = {(r["session"], r["economy"], r["size"], r["kind"]) for r in records}
    facts = {r["session"]: (r["quarter"], r["language"]) for r in records}
    return [
        {
            "session": session,
            "quarter": facts[session][0],
            "language": facts[session][1],
            "economy": code,
            "region": ECONOMIES[code],
            "size": size,
            "kind": kind,
            "status": status,
            "attended": attended,
            "via_link": via,
            "women_led": women_led,
        }
        for session, code, size, kind in sorted(seen, key=repr)
        for status in ("confirmed", "waitlisted")
        for attended in (False, True)
        for via in (False, True)
        for women_led in (False, True)
    ]


# What the registrant list shows of those who shared (organisation, economy, kind, size,
# status, the co-host's link).
KNOWN = {
    "registrations",
    "confirmed",
    "waitlisted",
    "via_link",
    "organisations",
    "firms",
    "micro",
    "other_than_micro",
}
SHARE_PARTS = (
    ("women_led", "other_than_women_led"),
    ("youth_led", "other_than_youth_led"),
    ("micro", "other_than_micro"),
    ("confirmed_attendees", "confirmed_absent"),
)
REGISTRATION_UNIT = ("session", "economy", "size", "kind", "status", "attended", "via_link")
ORGANISATION_UNIT = ("economy", "size", "kind", "women_led")


def units(records: list[dict], kinds: list[dict], cell) -> tuple[dict, dict]:
    """The units a cell counts, {unit: how many} (0 for a kind nobody is of) and {unit: how
    many the audience knows}.

    A registration unit is a kind of registration at one session; an organisation unit a kind
    of organisation within the cell's period (distinct organisations do not add up over
    sessions, quarters or languages)."""
    measure, dims = cell[0], dict(cell[1])

    def matches(r):
        return all(r[dim] == value for dim, value in dims.items())

    counts, known = defaultdict(int), defaultdict(int)
    if measure in REGISTRATION_MEASURES:
        predicate = REGISTRATION_MEASURES[measure]
        for kind in kinds:
            if matches(kind) and predicate(kind):
                counts[tuple(kind[a] for a in REGISTRATION_UNIT)] += 0
        for r in records:
            if matches(r) and predicate(r):
                unit = tuple(r[a] for a in REGISTRATION_UNIT)
                counts[unit] += 1
                # The co-host knows those who shared their details with it as its registrant
                # list shows them (not whether they attended).
                if r["shared"] and measure in KNOWN:
                    known[unit] += 1
        return counts, known
    period = tuple((dim, dims[dim]) for dim in PERIODS if dim in dims)
    predicate = ORGANISATION_MEASURES[measure]
    seen, shared = defaultdict(set), defaultdict(set)
    for kind in kinds:
        if matches(kind) and predicate(kind):
            seen[("organisation", period, *(kind[a] for a in ORGANISATION_UNIT))]
    for r in records:
        if matches(r) and predicate(r):
            unit = ("organisation", period, *(r[a] for a in ORGANISATION_UNIT))
            seen[unit].add(r["org"])
            if r["shared"] and measure in KNOWN:
                shared[unit].add(r["org"])
    return (
        {unit: len(orgs) for unit, orgs in seen.items()},
        {unit: len(orgs) for unit, orgs in shared.items()},
    )


# --- The adversary -----------------------------------------------------------------------------

PRIME = (1 << 61) - 1


def basis(rows: list[dict]) -> dict:
    """An echelon basis of `rows` (sparse vectors), modulo a prime."""
    pivots = {}
    for row in rows:
        row = reduce(dict(row), pivots)
        if row:
            pivot = min(row, key=repr)
            inverse = pow(row[pivot], PRIME - 2, PRIME)
            pivots[pivot] = {u: c * inverse % PRIME for u, c in row.items()}
    return pivots


def span_contains(pivots: dict, target: dict) -> bool:
    """Whether `target` is a linear combination of the rows of `pivots` (see `basis`)."""
    return not reduce(dict(target), pivots)


def reduce(row: dict, pivots: dict) -> dict:
    changed = True
    while changed:
        changed = False
        for pivot, pivot_row in pivots.items():
            if pivot in row:
                factor = row[pivot]
                for unit, coefficient in pivot_row.items():
                    value = (row.get(unit, 0) - factor * coefficient) % PRIME
                    if value:
                        row[unit] = value
                    else:
                        row.pop(unit, None)
                changed = True
    return row


def pinned_cells(shown: Protected, records: list[dict]) -> dict:
    """Every hidden cell the adversary works out, with why.

    It finds for itself which shown numbers are sums of which others: a number whose units are
    exactly those of a row of another table (an economy's registrations and its sessions'), or
    of two other numbers (registrations: confirmed and waitlisted; firms: women-led and not).
    Then it subtracts, over all those sums at once, and uses that hidden counts are never 0."""
    cells = dict(shown.cells)
    kinds = universe(records)
    unit_sets, residual = {}, {}
    for cell in cells:
        counts, known = units(records, kinds, cell)
        assert sum(counts.values()) == cells[cell], cell  # the page counts what it says
        unit_sets[cell] = frozenset(counts)
        residual[cell] = cells[cell] - sum(known.values())
    hidden = {c for c in cells if c in shown.hidden}
    for cell in hidden:
        assert residual[cell] > 0, f"{cell} is hidden but holds no one unknown"
    # The two counts of a share are on no page: only the share (with its whole) shows them,
    # and only when neither is hidden. Otherwise the audience sees neither.
    for part, rest in SHARE_PARTS:
        for cell in list(cells):
            if cell[0] == part and ((rest, cell[1]) in hidden or cell in hidden):
                for unseen in (cell, (rest, cell[1])):
                    hidden.discard(unseen)
                    cells = {c: v for c, v in cells.items() if c != unseen}
    # The sums it can see: totals and the rows of a table that cover them exactly.
    families = defaultdict(list)
    for cell in cells:
        if unit_sets[cell]:
            families[cell[0], tuple(dim for dim, _v in cell[1])].append(cell)
    sums = []
    for total in cells:
        for members in families.values():
            inside = [c for c in members if c != total and unit_sets[c] <= unit_sets[total]]
            covered = frozenset().union(*(unit_sets[c] for c in inside)) if inside else None
            if covered == unit_sets[total] and sum(len(unit_sets[c]) for c in inside) == len(
                covered
            ):
                sums.append((total, inside))
    by_units = defaultdict(list)
    for cell in cells:
        by_units[unit_sets[cell]].append(cell)
    for total in cells:
        for part in cells:
            if part != total and unit_sets[part] < unit_sets[total]:
                for other in by_units.get(unit_sets[total] - unit_sets[part], []):
                    sums.append((total, [part, other]))
    # Subtraction over all the sums at once: a hidden cell is pinned when it is a linear
    # combination of them (with shown numbers as constants).
    rows = []
    for total, parts in sums:
        row = defaultdict(int)
        for cell, sign in ((total, 1), *((part, -1) for part in parts)):
            if cell in hidden:
                row[cell] = (row[cell] + sign) % PRIME
        row = {cell: value for cell, value in row.items() if value}
        if row:
            rows.append(row)
    pinned = {}
    pivots = basis(rows)
    for cell in sorted(hidden, key=repr):
        if span_contains(pivots, {cell: 1}):
            pinned[cell] = "sums and differences of shown numbers"
    # A shown total minus its shown parts, spread over as many hidden parts as it is large.
    for total, parts in sums:
        if total in hidden:
            continue
        hidden_parts = [c for c in parts if c in hidden]
        rest = residual[total] - sum(residual[c] for c in parts if c not in hidden)
        if hidden_parts and rest == len(hidden_parts):
            for cell in hidden_parts:
                pinned[cell] = f"{total} minus its shown parts"
    return pinned


# --- The properties ----------------------------------------------------------------------------

SLOW = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SLOW
@given(organisation_rows=organisations, session_rows=sessions, registration_rows=registrations)
def test_no_hidden_cell_a_cohost_sees_can_be_worked_out(
    organisation_rows, session_rows, registration_rows
):
    with transaction.atomic():
        ministry = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)
        records = build(ministry, organisation_rows, session_rows, registration_rows)

        shown = outside.for_cohost(ministry.pk)

        assert pinned_cells(shown, records) == {}
        transaction.set_rollback(True)


@SLOW
@given(organisation_rows=organisations, session_rows=sessions, registration_rows=registrations)
def test_no_hidden_cell_of_the_public_reach_page_can_be_worked_out(
    organisation_rows, session_rows, registration_rows
):
    with transaction.atomic():
        ministry = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)
        records = build(ministry, organisation_rows, session_rows, registration_rows)
        # The public knows nobody person by person.
        records = [{**r, "shared": False} for r in records]

        shown, _figures = outside.for_public()

        assert pinned_cells(shown, records) == {}
        transaction.set_rollback(True)

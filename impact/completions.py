"""Course completions: of the people enrolled in a course (registrations.Enrolment), how many
completed it by its completion rule (Enrolment.completed_at, recorded from attendance).

Definitions (the same on every page, in every export and in the tests):
- enrolled: course enrolments holding a place (confirmed; neither waitlisted nor cancelled),
  each counted once, with the session of its first registration (the first of the course's
  sessions it is registered for, by start): the enrolment is in the figures when that session
  is a held session in them (impact.queries.held_sessions: period, language, series, co-host);
- completed: those enrolments with a completion recorded;
- completion rate: completed / enrolled, in every cell;
- the organisation's facts (economy, region, size, kind, women-led, youth-led) are those its
  first registration recorded, as every figure reads them (impact.queries), and the filters on
  the organisation read them too. A session's quarter and language are those of that first
  session.

Everything is counted from one list of records (one per enrolment, read in one query whatever
their number) by impact.suppression.tabulate, so that programme staff's figures and the cells an
outside audience's rule protects (impact.outside) are the same counts.
"""

from collections.abc import Callable
from datetime import datetime

from django.db.models import F, OuterRef, Subquery

from impact.filters import ImpactFilters
from impact.queries import Audience, _registrations_of, held_sessions
from impact.suppression import Measure, Relation, Tables, key, split_relations, tabulate
from outreach.periods import quarter_key, session_quarter
from registrations.models import Registration, RegistrationStatus

# The breakdowns: the organisation's facts (as the issue asks: economy, women-led, youth-led,
# size) and the course.
DIMENSIONS = ("economy", "size", "women_led", "youth_led", "series")
# What an outside audience reads: the headline, one economy's and one session's, and each
# breakdown.
OUTSIDE_MARGINALS = ((), *((d,) for d in DIMENSIONS), ("session",))
PUBLIC_MARGINALS = ((),)

MEASURES = {
    "course_enrolled": Measure(lambda r: True),
    "course_completed": Measure(lambda r: r["completed"]),
}
# Enrolled minus completed: shown nowhere, but a count of people like the others (the
# complement of the completion rate), so that the rule hides it when small and, with it, what
# would give it away (impact.suppression, rule 4).
NOT_COMPLETED = "course_not_completed"


# --- The records -------------------------------------------------------------------------------


def records_of(session_ids: list[int], filters: ImpactFilters) -> list[dict]:
    """One record per enrolment holding a place whose first registration is of one of these
    held sessions and kept by the filters on the organisation (one query)."""
    first = (
        Registration.objects.filter(enrolment=OuterRef("enrolment_id"))
        .exclude(status=RegistrationStatus.CANCELLED)
        .order_by("session__starts_at", "pk")
        .values("pk")[:1]
    )
    rows = (
        _registrations_of(session_ids, filters)
        .filter(enrolment__status=RegistrationStatus.CONFIRMED, pk=Subquery(first))
        .values(
            c_session=F("session_id"),
            c_starts_at=F("session__starts_at"),
            c_time_zone=F("session__time_zone"),
            c_language=F("session__language"),
            c_series=F("enrolment__series__slug"),
            c_economy=F("economy_id"),
            c_region=F("economy__region"),
            c_size=F("size_band"),
            c_kind=F("organisation_kind"),
            c_women_led=F("women_led"),
            c_youth_led=F("youth_led"),
            c_completed_at=F("enrolment__completed_at"),
        )
        .order_by("enrolment_id")
    )
    return [
        {
            "session": row["c_session"],
            "quarter": quarter_key(*session_quarter(row["c_starts_at"], row["c_time_zone"])),
            "language": row["c_language"],
            "series": row["c_series"] or "",
            "economy": row["c_economy"] or "",
            "region": row["c_region"] or "",
            "size": row["c_size"] or "",
            "kind": row["c_kind"] or "",
            "women_led": bool(row["c_women_led"]),
            "youth_led": bool(row["c_youth_led"]),
            "completed": row["c_completed_at"] is not None,
        }
        for row in rows
    ]


def completion_records(
    filters: ImpactFilters, audience: Audience, *, now: datetime | None = None
) -> list[dict]:
    """The records (`records_of`) of the held sessions in the figures."""
    session_ids = list(held_sessions(filters, audience, now=now).values_list("pk", flat=True))
    return records_of(session_ids, filters)


# --- The tables ----------------------------------------------------------------------------------


def completion_tables(records: list[dict], marginals) -> Tables:
    """Enrolled and completed over these marginals, related as they add up: over every
    dimension (each enrolment is counted once, in one cell of each), enrolled as completed
    and not completed, and a course as the sessions its enrolments started with."""
    tables = tabulate(records, MEASURES, marginals)
    for cell in [c for c in tables.cells if c[0] == "course_enrolled"]:
        completed = ("course_completed", cell[1])
        if completed in tables.cells:
            tables.cells[(NOT_COMPLETED, cell[1])] = tables.cells[cell] - tables.cells[completed]
    tables.relations += split_relations(
        tables, "course_enrolled", ("course_completed", NOT_COMPLETED)
    )
    marginals = {tuple(sorted(m)) for m in marginals}
    if ("series",) in marginals and ("session",) in marginals:
        series_of = {r["session"]: r["series"] for r in records}
        for cell in [c for c in tables.cells if dict(c[1]).keys() == {"series"}]:
            series = dict(cell[1])["series"]
            parts = tuple(
                key(cell[0], session=session)
                for session in sorted(series_of)
                if series_of[session] == series and key(cell[0], session=session) in tables.cells
            )
            if parts:
                tables.relations.append(Relation(cell, parts))
    return tables


# --- Reading the figures ------------------------------------------------------------------------


def _share(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return round(part / whole, 4)


def figures_from(value: Callable, shows: Callable, **dims) -> dict:
    """The completion figures of one cell: `value(measure, **dims)` gives a count (None where
    hidden), `shows(measure, **dims)` whether it is shown. The rate is None when either count,
    or those who did not complete, is hidden."""
    enrolled = value("course_enrolled", **dims)
    completed = value("course_completed", **dims)
    rate = _share(completed, enrolled) if shows(NOT_COMPLETED, **dims) else None
    return {
        "course_enrolled": enrolled,
        "course_completed": completed,
        "course_completion_rate": rate,
    }


def _reader(cells: dict):
    """A staff reader of counts: every count shown, 0 where nothing is counted."""
    return (lambda measure, **dims: cells.get(key(measure, **dims), 0)), (
        lambda measure, **dims: True
    )


def staff_figures(records: list[dict]) -> dict:
    """Programme staff's completion figures over these records (`completion_records`)."""
    return figures_from(*_reader(completion_tables(records, [()]).cells))


def staff_breakdown(records: list[dict], by: str) -> list[dict]:
    """Programme staff's completion figures per value of `by`, most enrolled first."""
    if by not in DIMENSIONS:
        raise ValueError(f"Cannot break down completions by {by!r}.")
    cells = completion_tables(records, [(by,)]).cells
    value, shows = _reader(cells)
    keys = dict.fromkeys(dict(c[1])[by] for c in cells if c[0] == "course_enrolled")
    rows = [{"key": k, **figures_from(value, shows, **{by: k})} for k in keys]
    return sorted(
        rows,
        key=lambda row: (-row["course_enrolled"], -row["course_completed"], str(row["key"])),
    )

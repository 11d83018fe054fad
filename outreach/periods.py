"""Quarters and years: one rule for every figure, filter, export and plan.

The rule: a session belongs to the day, quarter and year of its start **on the clock of its own
time zone** (the zone the organiser set it in, `Session.time_zone`). A session on Monday 5 January
at 09:00 in Tokyo is in Q1, although it starts on 4 January in UTC and on Sunday evening in
Bogotá; a session on 31 December at 20:00 in Santiago is in Q4 of that year although it is already
1 January in UTC. So a session's quarter never depends on who looks, from where, or when an export
is read, and it is the quarter the organiser planned it in.

A quarter is written "2026-Q3" wherever it is a key (filters, breakdowns, exports and their file
names): `quarter_key` writes it and `parse_quarter_key` reads it, nowhere else.

`session_date`, `session_quarter` apply the rule to one session in Python; `LocalDate`,
`session_year_expression`, `session_quarter_expression` and `starting_within` apply it in SQL
(PostgreSQL and SQLite), for figures computed in the database.
"""

import re
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

from django.db import NotSupportedError
from django.db.models import DateField, F, Func, Q
from django.db.models.functions import ExtractQuarter, ExtractYear
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual


def quarter_of(day: date) -> tuple[int, int]:
    """The (year, quarter) a calendar day falls in: 15 August 2026 → (2026, 3)."""
    return day.year, (day.month - 1) // 3 + 1


def quarter_key(year: int, quarter: int) -> str:
    """A quarter as a key: (2026, 3) → "2026-Q3"; `quarter_of(day)` gives a day's."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError("A quarter is 1, 2, 3 or 4.")
    return f"{year}-Q{quarter}"


QUARTER_KEY = re.compile(r"(\d{4})-?[Qq]([1-4])")


def parse_quarter_key(text: str) -> tuple[int, int]:
    """The (year, quarter) of a key: "2026-Q3" → (2026, 3); "2026Q3" and "2026-q3" too, spaces
    around it aside. Raises ValueError for anything else ("2026-Q5", "Q3 2026")."""
    match = QUARTER_KEY.fullmatch(str(text).strip())
    if not match:
        raise ValueError(f"Not a quarter: {text!r} (write 2026-Q3).")
    return int(match.group(1)), int(match.group(2))


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """The first and last day of a calendar quarter."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError("A quarter is 1, 2, 3 or 4.")
    first = date(year, 3 * quarter - 2, 1)
    next_first = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, next_first - timedelta(days=1)


def next_quarter(day: date) -> tuple[int, int]:
    """The (year, quarter) after the one `day` is in."""
    year, quarter = quarter_of(day)
    return (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def session_date(starts_at: datetime, time_zone: str) -> date:
    """The day a session is on, by the rule: its start on its own zone's clock."""
    return starts_at.astimezone(zoneinfo.ZoneInfo(time_zone)).date()


def session_quarter(starts_at: datetime, time_zone: str) -> tuple[int, int]:
    """The (year, quarter) a session counts in, by the rule."""
    return quarter_of(session_date(starts_at, time_zone))


class LocalDate(Func):
    """SQL: the date of a moment column on the clock of the zone named in another column
    (`LocalDate("starts_at", "time_zone")`, or through a relation: "session__starts_at")."""

    output_field = DateField()
    arity = 2

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError(f"LocalDate has no SQL for {connection.vendor}.")

    def as_postgresql(self, compiler, connection, **extra_context):
        moment, moment_params = compiler.compile(self.source_expressions[0])
        zone, zone_params = compiler.compile(self.source_expressions[1])
        return f"(({moment}) AT TIME ZONE ({zone}))::date", (*moment_params, *zone_params)

    def as_sqlite(self, compiler, connection, **extra_context):
        # Django's own function for datetime→date in a zone; the zone may be a column here.
        moment, moment_params = compiler.compile(self.source_expressions[0])
        zone, zone_params = compiler.compile(self.source_expressions[1])
        return (
            f"django_datetime_cast_date({moment}, {zone}, %s)",
            (*moment_params, *zone_params, connection.timezone_name),
        )


def session_local_date(prefix: str = "") -> LocalDate:
    """The rule in SQL, for Session rows (prefix "") or rows related to one ("session__")."""
    return LocalDate(F(f"{prefix}starts_at"), F(f"{prefix}time_zone"))


def session_year_expression(prefix: str = "") -> ExtractYear:
    return ExtractYear(session_local_date(prefix))


def session_quarter_expression(prefix: str = "") -> ExtractQuarter:
    return ExtractQuarter(session_local_date(prefix))


def starting_within(first: date | None, last: date | None, *, prefix: str = "") -> Q:
    """Sessions whose day (by the rule) is from `first` to `last`, both included; either may be
    None for an open end. A UTC window one day wider comes first, so an index on starts_at
    still narrows the rows (no zone is more than 14 hours from UTC)."""
    condition = Q()
    if first is not None:
        condition &= Q(
            **{
                f"{prefix}starts_at__gte": datetime.combine(
                    first - timedelta(days=1), time.min, UTC
                )
            }
        )
    if last is not None:
        condition &= Q(
            **{f"{prefix}starts_at__lt": datetime.combine(last + timedelta(days=2), time.min, UTC)}
        )
    local = session_local_date(prefix)
    if first is not None:
        condition &= Q(GreaterThanOrEqual(local, first))
    if last is not None:
        condition &= Q(LessThanOrEqual(local, last))
    return condition

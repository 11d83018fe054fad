"""One rule for quarters and years: the session's day on its own time zone's clock."""

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.models import Session
from impact.filters import filters_from
from impact.queries import Audience, breakdown, held_sessions
from outreach.periods import (
    next_quarter,
    parse_quarter_key,
    quarter_bounds,
    quarter_key,
    quarter_of,
    session_date,
    session_local_date,
    session_quarter,
    starting_within,
)
from tests.factories import RegistrationFactory, SessionFactory

ZONES = (
    "Pacific/Auckland",
    "Pacific/Kiritimati",  # UTC+14
    "Pacific/Pago_Pago",  # UTC-11
    "America/Santiago",
    "Asia/Tokyo",
    "Europe/Paris",
    "UTC",
)


def test_a_quarter_is_three_calendar_months():
    assert [quarter_bounds(2026, q) for q in (1, 2, 3, 4)] == [
        (date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 7, 1), date(2026, 9, 30)),
        (date(2026, 10, 1), date(2026, 12, 31)),
    ]
    assert [quarter_of(date(2026, month, 15)) for month in (1, 4, 9, 12)] == [
        (2026, 1),
        (2026, 2),
        (2026, 3),
        (2026, 4),
    ]
    assert next_quarter(date(2026, 11, 30)) == (2027, 1)


def test_a_quarter_key_is_written_and_read_one_way():
    assert quarter_key(2026, 3) == "2026-Q3"
    assert quarter_key(*quarter_of(date(2026, 12, 31))) == "2026-Q4"
    assert [parse_quarter_key(text) for text in ("2026-Q3", " 2026q3 ", "2026Q1")] == [
        (2026, 3),
        (2026, 3),
        (2026, 1),
    ]


@pytest.mark.parametrize("text", ["2026-Q5", "2026-Q0", "Q3 2026", "26-Q3", "", "2026-Q3x"])
def test_a_quarter_key_that_names_no_quarter_is_refused(text):
    with pytest.raises(ValueError, match="Not a quarter"):
        parse_quarter_key(text)


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)))
def test_a_days_quarter_key_reads_back_as_the_quarter_holding_that_day(day):
    year, quarter = parse_quarter_key(quarter_key(*quarter_of(day)))

    first, last = quarter_bounds(year, quarter)
    assert first <= day <= last


def test_a_session_belongs_to_its_own_zones_day_not_utcs():
    new_years_eve_in_santiago = datetime(2027, 1, 1, 0, 30, tzinfo=UTC)  # 21:30 on the 31st there

    assert session_date(new_years_eve_in_santiago, "America/Santiago") == date(2026, 12, 31)
    assert session_quarter(new_years_eve_in_santiago, "America/Santiago") == (2026, 4)
    assert session_quarter(new_years_eve_in_santiago, "Asia/Tokyo") == (2027, 1)


@pytest.mark.django_db
def test_figures_count_a_session_at_a_years_edge_in_its_own_zones_year_whoever_looks():
    now = datetime(2027, 2, 1, tzinfo=UTC)
    santiago = SessionFactory(
        time_zone="America/Santiago",
        starts_at=datetime(2027, 1, 1, 0, 30, tzinfo=UTC),  # 31 December, 21:30 in Santiago
        ends_at=datetime(2027, 1, 1, 2, 0, tzinfo=UTC),
        status="finished",
    )
    auckland = SessionFactory(
        time_zone="Pacific/Auckland",
        starts_at=datetime(2026, 12, 31, 20, 0, tzinfo=UTC),  # 1 January, 09:00 in Auckland
        ends_at=datetime(2026, 12, 31, 21, 0, tzinfo=UTC),
        status="finished",
    )
    RegistrationFactory(session=santiago)
    RegistrationFactory(session=auckland)
    RegistrationFactory(session=auckland)

    for viewer in ("UTC", "Pacific/Auckland", "America/Santiago"):
        with timezone.override(viewer):
            in_2026 = held_sessions(filters_from({"year": "2026"}), Audience.staff(), now=now)
            in_q1 = held_sessions(filters_from({"quarter": "2027-Q1"}), Audience.staff(), now=now)
            rows = breakdown(filters_from({}), "quarter", Audience.staff(), now=now)

        assert list(in_2026) == [santiago]
        assert list(in_q1) == [auckland]
        assert [(row["key"], row["registrations"]) for row in rows] == [
            ("2026-Q4", 1),
            ("2027-Q1", 2),
        ]


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    zone=st.sampled_from(ZONES),
    moment=st.datetimes(
        min_value=datetime(2026, 12, 30), max_value=datetime(2027, 1, 3), timezones=st.just(UTC)
    ),
    first=st.dates(min_value=date(2026, 12, 30), max_value=date(2027, 1, 2)),
    days=st.integers(0, 2),
)
def test_the_sql_rule_is_the_python_rule(zone, moment, first, days):
    session = SessionFactory(time_zone=zone, starts_at=moment, ends_at=moment + timedelta(hours=1))
    last = first + timedelta(days=days)

    stored = Session.objects.filter(pk=session.pk)
    local_day = stored.values_list(session_local_date(), flat=True).get()
    within = stored.filter(starting_within(first, last)).exists()

    day = moment.astimezone(zoneinfo.ZoneInfo(zone)).date()
    assert local_day == day == session_date(moment, zone)
    assert within == (first <= day <= last)
    session.delete()

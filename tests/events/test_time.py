"""Times are stored in UTC and shown in the viewer's zone, in Babel's format, zone named."""

import zoneinfo
from datetime import UTC, datetime

import pytest

from outreach.timezones import (
    AmbiguousLocalTime,
    NonExistentLocalTime,
    aware,
    fold_of,
    format_time_range,
)

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("day", "paris_time", "paris_zone"),
    [
        # Both in standard time for Paris, summer time for Santiago: 6 hours apart.
        (datetime(2027, 1, 14, 10), "14:00", "heure normale d’Europe centrale"),
        # Paris moved to summer time on 28 March; Santiago still on summer time: 5 hours.
        (datetime(2027, 4, 1, 10), "15:00", "heure d’été d’Europe centrale"),
        # Santiago back to standard time on 4 April: 6 hours again.
        (datetime(2027, 4, 8, 10), "16:00", "heure d’été d’Europe centrale"),
        (datetime(2027, 7, 15, 10), "16:00", "heure d’été d’Europe centrale"),
    ],
)
def test_ten_in_santiago_shows_right_in_paris_on_both_sides_of_daylight_saving(
    day, paris_time, paris_zone
):
    starts_at = aware(day, "America/Santiago")

    shown = format_time_range(starts_at, starts_at, PARIS, "fr")

    assert shown["start"] == paris_time
    assert shown["zone"] == paris_zone


def test_a_time_range_reads_naturally_in_each_language():
    starts_at = aware(datetime(2027, 1, 14, 10), "America/Santiago")
    ends_at = aware(datetime(2027, 1, 14, 11, 30), "America/Santiago")

    assert format_time_range(starts_at, ends_at, PARIS, "fr") | {"iso": ""} == {
        "date": "jeudi 14 janvier 2027",
        "start": "14:00",
        "end": "15:30",
        "zone": "heure normale d’Europe centrale",
        "iso": "",
    }
    assert (
        format_time_range(starts_at, ends_at, PARIS, "en")["date"] == "Thursday, January 14, 2027"
    )
    assert (
        format_time_range(starts_at, ends_at, PARIS, "es")["date"] == "jueves, 14 de enero de 2027"
    )


def test_utc_is_named_utc():
    starts_at = aware(datetime(2027, 1, 14, 10), "UTC")

    assert format_time_range(starts_at, starts_at, zoneinfo.ZoneInfo("UTC"), "fr")["zone"] == "UTC"


def test_a_time_inside_a_daylight_saving_gap_is_refused():
    with pytest.raises(NonExistentLocalTime, match="does not exist in Europe/Paris"):
        aware(datetime(2027, 3, 28, 2, 30), "Europe/Paris")


def test_an_ambiguous_autumn_time_is_refused_naming_both_offsets():
    with pytest.raises(AmbiguousLocalTime) as refused:
        aware(datetime(2027, 10, 31, 2, 30), "Europe/Paris")

    assert refused.value.offsets == ("UTC+02:00", "UTC+01:00")
    assert str(refused.value) == (
        "2027-10-31 02:30 occurs twice in Europe/Paris, at UTC+02:00 and again at UTC+01:00: "
        "the clocks go back that night. Choose one."
    )


def test_an_ambiguous_autumn_time_is_either_occurrence_when_asked():
    first = aware(datetime(2027, 10, 31, 2, 30), "Europe/Paris", fold=0)
    second = aware(datetime(2027, 10, 31, 2, 30), "Europe/Paris", fold=1)

    assert first == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    assert second == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)
    assert (fold_of(first, "Europe/Paris"), fold_of(second, "Europe/Paris")) == (0, 1)

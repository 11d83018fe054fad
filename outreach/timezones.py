"""Time for people: local times made strict, and shown in Babel's format for a language."""

import zoneinfo
from datetime import UTC, datetime
from functools import cache

from babel.dates import format_date, format_time, get_timezone_location, get_timezone_name
from django.utils.translation import gettext as _


class NonExistentLocalTime(ValueError):
    """A wall-clock time that a daylight-saving change skips (02:30 on a spring-forward night)."""


class AmbiguousLocalTime(ValueError):
    """A wall-clock time that occurs twice (01:30 on the night clocks go back): `offsets` are
    the two UTC offsets it may be read with, first occurrence first ("UTC+02:00", "UTC+01:00")."""

    def __init__(self, local: datetime, zone_name: str, offsets: tuple[str, str]):
        self.local = local
        self.zone_name = zone_name
        self.offsets = offsets
        super().__init__(
            _(
                "%(time)s occurs twice in %(zone)s, at %(first)s and again at %(second)s: "
                "the clocks go back that night. Choose one."
            )
            % {
                "time": local.strftime("%Y-%m-%d %H:%M"),
                "zone": zone_name,
                "first": offsets[0],
                "second": offsets[1],
            }
        )


def utc_offset_label(moment: datetime) -> str:
    """A moment's offset from UTC as people read it: "UTC+02:00", "UTC-03:00", "UTC+05:45"."""
    minutes = int(moment.utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def occurrences(local: datetime, zone_name: str) -> list[datetime]:
    """Every moment a wall-clock time names in a zone, in UTC and in time order: none in a gap
    (clocks go forward), two in a repeated hour (clocks go back), one otherwise.

    In UTC because Python compares and adds datetimes of one zone on the wall clock, ignoring
    `fold`, and never finds a second occurrence (fold=1) equal to any moment of another zone."""
    zone = zoneinfo.ZoneInfo(zone_name)
    naive = local.replace(tzinfo=None)
    found = []
    for fold in (0, 1):
        candidate = naive.replace(tzinfo=zone, fold=fold)
        # A time that exists survives the round trip through UTC; one in a gap comes back moved.
        if candidate.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
            continue
        moment = candidate.astimezone(UTC)
        if moment not in found:
            found.append(moment)
    return sorted(found)


def aware(local: datetime, zone_name: str, *, fold: int | None = None) -> datetime:
    """Attach a time zone to a wall-clock time, refusing one that does not exist there, and one
    that occurs twice unless `fold` says which occurrence (0 the first, 1 the second; that
    moment is then given in UTC, see `occurrences`)."""
    moments = occurrences(local, zone_name)
    if not moments:
        raise NonExistentLocalTime(
            _("%(time)s does not exist in %(zone)s: the clocks change that night.")
            % {"time": local.strftime("%Y-%m-%d %H:%M"), "zone": zone_name}
        )
    if len(moments) == 1:
        return moments[0].astimezone(zoneinfo.ZoneInfo(zone_name))
    if fold is None:
        raise AmbiguousLocalTime(local, zone_name, offset_labels(moments, zone_name))
    return moments[1 if fold else 0]


def offset_labels(moments: list[datetime], zone_name: str) -> tuple[str, ...]:
    zone = zoneinfo.ZoneInfo(zone_name)
    return tuple(utc_offset_label(moment.astimezone(zone)) for moment in moments)


def fold_of(moment: datetime, zone_name: str) -> int | None:
    """For a stored moment, which occurrence of its wall-clock time it is (0 or 1) when that
    time occurs twice in the zone, else None."""
    local = moment.astimezone(zoneinfo.ZoneInfo(zone_name))
    moments = occurrences(local, zone_name)
    if len(moments) < 2:
        return None
    return 0 if moments[0] == moment.astimezone(UTC) else 1


def zone_label(moment: datetime, zone: zoneinfo.ZoneInfo, language: str) -> str:
    """The zone's name for that moment (summer or standard time) in a language."""
    if getattr(zone, "key", "") == "UTC":
        return "UTC"
    local = moment.astimezone(zone)
    name = get_timezone_name(local, width="long", locale=language)
    if name.startswith(("GMT", "UTC")):
        # CLDR has no long name for some zones (Asia/Kathmandu): name its place instead.
        return get_timezone_location(local, locale=language)
    return name


def format_time_range(
    starts_at: datetime, ends_at: datetime, zone: zoneinfo.ZoneInfo, language: str
) -> dict[str, str]:
    """The parts a page shows of a session's time, in the viewer's zone and language."""
    start = starts_at.astimezone(zone)
    end = ends_at.astimezone(zone)
    same_day = start.date() == end.date()
    return {
        "date": format_date(start, format="full", locale=language),
        "start": format_time(start, format="short", locale=language),
        "end": format_time(end, format="short", locale=language)
        if same_day
        else f"{format_date(end, format='medium', locale=language)} "
        f"{format_time(end, format='short', locale=language)}",
        "zone": zone_label(start, zone, language),
        "iso": start.isoformat(),
    }


def format_moment(moment: datetime, zone: zoneinfo.ZoneInfo, language: str) -> str:
    """A single moment as "date, time (zone)" for a language."""
    local = moment.astimezone(zone)
    return (
        f"{format_date(local, format='long', locale=language)} "
        f"{format_time(local, format='short', locale=language)} "
        f"({zone_label(local, zone, language)})"
    )


@cache
def known_zones() -> frozenset[str]:
    """Every IANA zone name; read from disk once (zoneinfo scans the files on every call)."""
    return frozenset(zoneinfo.available_timezones())


def is_known_zone(name: str) -> bool:
    return name in known_zones()

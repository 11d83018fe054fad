"""Time for people: local times made strict, and shown in Babel's format for a language."""

import zoneinfo
from datetime import UTC, datetime
from functools import cache

from babel.dates import format_date, format_time, get_timezone_location, get_timezone_name
from django.utils.translation import gettext as _


class NonExistentLocalTime(ValueError):
    """A wall-clock time that a daylight-saving change skips (02:30 on a spring-forward night)."""


def aware(local: datetime, zone_name: str) -> datetime:
    """Attach a time zone to a wall-clock time, refusing one that does not exist there."""
    zone = zoneinfo.ZoneInfo(zone_name)
    candidate = local.replace(tzinfo=zone)
    round_trip = candidate.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != local.replace(tzinfo=None):
        raise NonExistentLocalTime(
            _("%(time)s does not exist in %(zone)s: the clocks change that night.")
            % {"time": local.strftime("%Y-%m-%d %H:%M"), "zone": zone_name}
        )
    return candidate


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

"""Time for people: local times made strict, and shown in Babel's format for a language."""

import re
import zoneinfo
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, date, datetime, time
from functools import cache, lru_cache
from importlib.util import find_spec
from pathlib import Path

from babel.core import get_global
from babel.dates import format_date, format_time, get_timezone_location, get_timezone_name
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from outreach.economies import economy_name, economy_regions, region_name, sort_key


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


# French writes the first day of a month as an ordinal: "1er octobre", "1er oct." (CLDR: "1").
FRENCH_FIRST_DAY = re.compile(r"\b1(?=\s\D)")


def format_day(value: date | datetime, format: str, language: str) -> str:
    """A date in Babel's format for a language, with "1er" for the first of a month in French."""
    text = format_date(value, format=format, locale=language)
    if language.startswith("fr") and value.day == 1:
        text = FRENCH_FIRST_DAY.sub("1er", text, count=1)
    return text


def format_time_range(
    starts_at: datetime, ends_at: datetime, zone: zoneinfo.ZoneInfo, language: str
) -> dict[str, str]:
    """The parts a page shows of a session's time, in the viewer's zone and language."""
    start = starts_at.astimezone(zone)
    end = ends_at.astimezone(zone)
    same_day = start.date() == end.date()
    return {
        "date": format_day(start, "full", language),
        "start": format_time(start, format="short", locale=language),
        "end": format_time(end, format="short", locale=language)
        if same_day
        else f"{format_day(end, 'medium', language)} "
        f"{format_time(end, format='short', locale=language)}",
        "zone": zone_label(start, zone, language),
        "iso": start.isoformat(),
    }


def format_moment(moment: datetime, zone: zoneinfo.ZoneInfo, language: str) -> str:
    """A single moment as "date, time (zone)" for a language."""
    local = moment.astimezone(zone)
    return (
        f"{format_day(local, 'long', language)} "
        f"{format_time(local, format='short', locale=language)} "
        f"({zone_label(local, zone, language)})"
    )


@cache
def known_zones() -> frozenset[str]:
    """Every IANA zone name; read from disk once (zoneinfo scans the files on every call)."""
    return frozenset(zoneinfo.available_timezones())


def is_known_zone(name: str) -> bool:
    return name in known_zones()


# --- Choosing a zone ----------------------------------------------------------------------

# The territories a visitor's browser names in Accept-Language ("es-MX" -> MX), set for the
# request by outreach.middleware.UserTimeZoneMiddleware: their zones are offered first.
likely_territories: ContextVar[tuple[str, ...]] = ContextVar("likely_territories", default=())

MOST_LIKELY = 12  # zones offered first at most


def zone_territory(zone_name: str) -> str | None:
    """The ISO code of the economy a zone lies in (CLDR's data, old names such as
    Asia/Calcutta included), None for UTC, Etc/ and Antarctica's stations (no economy of ours)."""
    canonical = get_global("zone_aliases").get(zone_name, zone_name)
    territory = get_global("zone_territories").get(canonical)
    return territory if territory in economy_regions() else None


@cache
def zone_tab_order() -> dict[str, int]:
    """{zone: line} from tzdata's zone.tab, which lists each country's most populous zones
    first (America/New_York before America/Detroit); empty where no zone.tab is found."""
    candidates = [Path(directory) / "zone.tab" for directory in zoneinfo.TZPATH]
    if find_spec("tzdata") is not None:
        candidates.insert(0, Path(find_spec("tzdata").origin).parent / "zoneinfo" / "zone.tab")
    for candidate in candidates:
        if candidate.is_file():
            lines = candidate.read_text(encoding="utf-8").splitlines()
            rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
            return {row[2]: number for number, row in enumerate(rows) if len(row) > 2}
    return {}


@cache
def zones_by_territory() -> dict[str, tuple[str, ...]]:
    """{economy code: its zones}, each zone under its IANA name (zoneinfo knows it)."""
    found: dict[str, list[str]] = {}
    order = zone_tab_order()
    zones = sorted(get_global("zone_territories"), key=lambda z: (order.get(z, len(order)), z))
    for zone_name in zones:
        territory = zone_territory(zone_name)
        if territory and is_known_zone(zone_name):
            found.setdefault(territory, []).append(zone_name)
    return {territory: tuple(zones) for territory, zones in found.items()}


def zone_place(zone_name: str, language: str) -> tuple[str, str]:
    """(economy, city) naming a zone in a language: ("Mexique", "Mexico")."""
    territory = zone_territory(zone_name)
    city = get_timezone_location(zone_name, locale=language, return_city=True)
    return (economy_name(territory, language) if territory else ""), city


def zone_sentence_label(zone_name: str, language: str) -> str:
    """A zone as a sentence names it: "UTC", "Mexico (Mexique)"."""
    if zone_name == "UTC" or not is_known_zone(zone_name):
        return "UTC"
    economy, city = zone_place(zone_name, language)
    return f"{city} ({economy})" if economy else city


def _option_label(zone_name: str, language: str, noon: datetime) -> str:
    economy, city = zone_place(zone_name, language)
    offset = utc_offset_label(noon.astimezone(zoneinfo.ZoneInfo(zone_name)))
    place = f"{economy} — {city}" if economy else city
    return f"{place} ({offset})"


@lru_cache(maxsize=12)
def zone_groups(language: str, day: date) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """Every zone of an economy, grouped by UN region and labelled in a language
    ("Mexique — Mexico (UTC-06:00)"), sorted by economy then city within each region.

    Built once per language and day (offsets follow daylight saving): some 420 zones."""
    noon = datetime.combine(day, time(12), tzinfo=UTC)
    regions = economy_regions()
    grouped: dict[str, list[tuple[str, str]]] = {}
    for territory, zones in zones_by_territory().items():
        for zone_name in zones:
            grouped.setdefault(regions[territory], []).append(
                (zone_name, _option_label(zone_name, language, noon))
            )
    return tuple(
        (region_name(region, language), tuple(sorted(options, key=lambda o: sort_key(o[1]))))
        for region, options in sorted(
            grouped.items(), key=lambda item: sort_key(region_name(item[0], language))
        )
    )


def most_likely_zones(current: str, territories: Iterable[str]) -> list[str]:
    """The zones a visitor most likely wants: the current one, then those of its economy and
    of the economies their browser names, one per UTC offset (New York, Chicago, Denver, Los
    Angeles... for the United States), at most MOST_LIKELY."""
    now = datetime.now(UTC)
    found = [current] if is_known_zone(current) else []
    for territory in (zone_territory(current), *territories):
        zones = zones_by_territory().get(territory or "", ())
        offsets = {now.astimezone(zoneinfo.ZoneInfo(z)).utcoffset() for z in found if z in zones}
        for zone_name in zones:
            offset = now.astimezone(zoneinfo.ZoneInfo(zone_name)).utcoffset()
            if zone_name not in found and offset not in offsets:
                found.append(zone_name)
                offsets.add(offset)
    return found[:MOST_LIKELY]


def zone_choices(language: str, current: str, territories: Iterable[str] = ()) -> list:
    """Choices for a zone field: the visitor's likely zones first, UTC, then every zone by
    region, all named in the language (a zone may appear twice: first among the likely ones)."""
    today = datetime.now(UTC).date()
    noon = datetime.combine(today, time(12), tzinfo=UTC)
    likely = [
        (zone_name, _option_label(zone_name, language, noon))
        for zone_name in most_likely_zones(current, territories)
        if zone_name != "UTC"
    ]
    choices: list = []
    if likely:
        choices.append((pgettext("time zones", "Most likely for you"), likely))
    choices.append(("UTC", pgettext("time zone", "UTC (Coordinated Universal Time)")))
    choices.extend((region, list(options)) for region, options in zone_groups(language, today))
    return choices

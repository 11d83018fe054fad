"""The filters every figure, breakdown and export of impact takes, read from a query string."""

from dataclasses import dataclass, fields
from datetime import date

from outreach.economies import REGIONS, SUB_REGIONS
from outreach.periods import parse_quarter_key, quarter_bounds

GROUPS = {
    "ldc": "is_least_developed",
    "lldc": "is_landlocked_developing",
    "sids": "is_small_island_developing",
}


class FilterError(ValueError):
    """A filter value that means nothing (a quarter "2026-Q5", an unknown region)."""


@dataclass(frozen=True)
class ImpactFilters:
    start: date | None = None  # sessions starting on or after this day
    end: date | None = None  # … and before the day after this one
    language: str = ""
    region: str = ""  # a UN M49 region or sub-region code
    group: str = ""  # ldc, lldc or sids
    economy: str = ""  # ISO alpha-2
    series: str = ""  # series slug
    cohost: int | None = None  # organisation id
    format: str = ""
    size_band: str = ""
    kind: str = ""
    session: int | None = None  # drill down to one session

    def as_query(self) -> dict[str, str]:
        """The filters as query parameters (for links and exports that keep them)."""
        query = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if value not in (None, ""):
                query[field.name] = value.isoformat() if isinstance(value, date) else str(value)
        return query


def quarter_range(text: str) -> tuple[date, date]:
    """ "2026-Q3" → (1 July 2026, 30 September 2026)."""
    try:
        return quarter_bounds(*parse_quarter_key(text))
    except ValueError as error:
        raise FilterError(str(error)) from None


def _date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FilterError(f"{name} is not a date: {text!r} (write 2026-07-01).") from None


def _int(text: str, name: str) -> int:
    if not text.isdigit():
        raise FilterError(f"{name} is not a number: {text!r}.")
    return int(text)


def filters_from(params) -> ImpactFilters:
    """Read filters from a QueryDict or dict; a period is a quarter, a year or start/end."""
    get = lambda name: (params.get(name) or "").strip()  # noqa: E731
    start = end = None
    if get("quarter"):
        start, end = quarter_range(get("quarter"))
    elif get("year"):
        year = _int(get("year"), "year")
        start, end = date(year, 1, 1), date(year, 12, 31)
    else:
        start = _date(get("start"), "start") if get("start") else None
        end = _date(get("end"), "end") if get("end") else None
    if start and end and end < start:
        raise FilterError("The period ends before it starts.")
    region = get("region")
    if region and region not in REGIONS and region not in SUB_REGIONS:
        raise FilterError(f"Not a UN M49 region: {region!r}.")
    group = get("group")
    if group and group not in GROUPS:
        raise FilterError(f"Not a group: {group!r} (ldc, lldc or sids).")
    return ImpactFilters(
        start=start,
        end=end,
        language=get("language")[:2],
        region=region,
        group=group,
        economy=get("economy")[:2].upper(),
        series=get("series")[:50],
        cohost=_int(get("cohost"), "cohost") if get("cohost") else None,
        format=get("format")[:10],
        size_band=get("size_band")[:10],
        kind=get("kind")[:20],
        session=_int(get("session"), "session") if get("session") else None,
    )

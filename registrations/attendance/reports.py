"""Attendance from a video platform's report file.

After a session the organiser downloads the platform's attendance report (Zoom's webinar attendee
report, Microsoft Teams' attendance report, or any CSV whose columns they name) and uploads it.
This module reads the file into joins and absentees, then matches the people in it to the
session's registrations. It is pure parsing and matching: any row that cannot be read raises
`ReportError` naming its line, so the caller, which owns the database, writes nothing from a
malformed file.
"""

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext as _

from outreach.models import normalise_email
from registrations.models import MatchedBy

PLATFORMS = ("zoom", "teams", "csv")
DATE_ORDERS = ("auto", "dmy", "mdy")
MAPPING_FIELDS = ("name", "email", "joined_at", "left_at", "minutes")
DEFAULT_THRESHOLD_MINUTES = 10


class ReportError(ValueError):
    """A file that cannot be read: `line` is the 1-based line of the file where reading stopped."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(_("Line %(line)d: %(message)s") % {"line": line, "message": message})

    def __reduce__(self):
        return type(self), (self.line, self.message)


@dataclass(frozen=True)
class Join:
    """One stay in the session, from joining to leaving (aware datetimes in UTC)."""

    name: str
    email: str
    joined_at: datetime
    left_at: datetime
    line: int


@dataclass(frozen=True)
class Absentee:
    """Someone the report lists as registered who did not attend."""

    name: str
    email: str
    line: int


@dataclass(frozen=True)
class ParsedReport:
    joins: list[Join]
    absentees: list[Absentee]
    platform: str


@dataclass(frozen=True)
class Candidate:
    """One of the caller's registrations; `key` is whatever the caller needs to find it again."""

    key: object
    name: str
    email: str


@dataclass(frozen=True)
class Attendance:
    """One person of the report, matched to a candidate (`key`) or not (`key` None)."""

    key: object | None
    name: str
    email: str
    minutes: int
    attended: bool
    joins: int
    matched_by: MatchedBy | str  # MatchedBy.EMAIL or NAME, or "" when unmatched


# Reading the file ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    line: int  # the line the row starts on (a quoted value may span several)
    cells: tuple[str, ...]

    @property
    def blank(self) -> bool:
        return not any(self.cells)


@dataclass(frozen=True)
class _Table:
    title: str  # casefolded section title
    line: int  # the title's line
    header: _Row | None
    rows: list[_Row]


def parse_report(
    data: bytes,
    *,
    time_zone: str,
    platform: str = "auto",
    mapping: dict[str, str] | None = None,
    date_order: str = "auto",
) -> ParsedReport:
    """Read an uploaded report file whole, or raise `ReportError` naming the first bad line.

    `time_zone` is the zone the report's times are written in (the platform account's zone, as
    the organiser gives it); `date_order` says whether numeric dates put the day ("dmy") or the
    month ("mdy") first, or lets the file decide ("auto")."""
    _check_choice("platform", platform, ("auto", *PLATFORMS))
    _check_choice("date_order", date_order, DATE_ORDERS)
    text = _decode(data)
    if platform == "auto":
        platform = _detect_platform(text, mapping)
    if platform == "zoom":
        return parse_zoom(text, time_zone=time_zone, date_order=date_order)
    if platform == "teams":
        return parse_teams(text, time_zone=time_zone, date_order=date_order)
    if mapping is None:
        raise ValueError("A plain CSV file needs a column mapping.")
    return parse_mapped_csv(text, mapping=mapping, time_zone=time_zone, date_order=date_order)


def _check_choice(argument: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{argument} must be one of {', '.join(choices)}, not {value!r}.")


def _decode(data: bytes) -> str:
    """Teams writes UTF-16 (little-endian, usually with a byte-order mark); Zoom writes UTF-8, and
    Excel adds a UTF-8 byte-order mark when it saves a CSV file."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif len(data) >= 2 and data[0] and not data[1]:
        encoding = "utf-16-le"  # UTF-16 without its mark: ASCII text with a NUL after each byte
    else:
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        before = data[: error.start].decode(encoding, errors="replace")
        raise ReportError(
            _line_count(before), _("the file is not text in UTF-8 or UTF-16.")
        ) from error
    if "\x00" in text:
        # Decoded text holds no NUL (UTF-16's zero bytes are gone by now): this is not a
        # report, and a NUL would reach the database, which refuses it.
        raise ReportError(
            _line_count(text[: text.index("\x00")]),
            _("the file holds a NUL character, which no report has: is it the right file?"),
        )
    return text


def _line_count(text: str) -> int:
    return len(re.split(r"\r\n|\r|\n", text))


def _read_rows(text: str, delimiter: str) -> list[_Row]:
    """The file's rows, each with the line it starts on. Line endings may be \\r\\n, \\n or \\r."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[_Row] = []
    line = 1
    try:
        for cells in reader:
            rows.append(_Row(line, tuple(cell.strip() for cell in cells)))
            line = reader.line_num + 1
    except csv.Error as error:
        raise ReportError(
            line, _("this line cannot be read as CSV (%(reason)s).") % {"reason": error}
        ) from error
    if all(row.blank for row in rows):
        raise ReportError(1, _("the file is empty."))
    return rows


# What only a header row names: a person, their address or their joining (Zoom's "User Name
# (Original Name)", "Email", "Join Time"; Teams' "Name", "Full Name", "First Join", "Email").
_HEADER_WORDS = re.compile(r"\b(?:e-?mail|name|join|joined|first join)\b", re.IGNORECASE)
_QUOTED = re.compile(r'"[^"]*"')
DELIMITERS = ("\t", ";", ",")


def _guess_delimiter(text: str, columns: tuple[str, ...] = ()) -> str:
    """The separator of the file's table, read from its header row, not its first line: Zoom
    writes title and summary lines first. The header row is the first line naming a person, an
    email or a join (or one of `columns`, a plain CSV's mapped column names); its separator is
    the one it holds most often outside quoted values. Zoom and most tools write commas, Teams
    tabs, and a spreadsheet saved in a French or Spanish locale semicolons."""
    wanted = [column.casefold() for column in columns if column.strip()]
    header = first = None
    for line in io.StringIO(text):
        if not line.strip():
            continue
        first = first or line
        if _HEADER_WORDS.search(line) or any(column in line.casefold() for column in wanted):
            header = line
            break
    bare = _QUOTED.sub("", header or first or "")
    counts = {delimiter: bare.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _detect_platform(text: str, mapping: dict[str, str] | None) -> str:
    rows = _read_rows(text, _guess_delimiter(text))
    firsts = {row.cells[0].casefold() for row in rows if row.cells}
    zoom_summary = "attendee report" in firsts or any(
        first.startswith("report generated") for first in firsts
    )
    if zoom_summary and "attendee details" in firsts:
        return "zoom"
    if firsts & {"1. summary", "2. participants", "meeting summary"} or any(
        _legacy_teams_header(row) for row in rows
    ):
        return "teams"
    if mapping is not None:
        return "csv"
    raise ReportError(
        1,
        _(
            "this file is neither a Zoom webinar attendee report nor a Teams attendance report; "
            "name its columns to read it as a plain CSV file."
        ),
    )


def _sections(rows: list[_Row], title: re.Pattern[str]) -> list[_Table]:
    """Split a report into its titled tables: a title row (a lone first cell matching `title`),
    then the table's header row, then its data rows up to the next title."""
    tables: list[_Table] = []
    current: tuple[str, int] | None = None
    body: list[_Row] = []
    for row in rows:
        match = title.fullmatch(row.cells[0]) if row.cells and not any(row.cells[1:]) else None
        if match:
            if current:
                tables.append(_table(*current, body))
            current, body = (match["title"].casefold(), row.line), []
        elif current and not row.blank:
            body.append(row)
    if current:
        tables.append(_table(*current, body))
    return tables


def _table(title: str, line: int, body: list[_Row]) -> _Table:
    return _Table(title, line, body[0] if body else None, body[1:])


def _header(table: _Table) -> _Row:
    if table.header is None:
        raise ReportError(table.line, _("this section has no header row."))
    return table.header


def _columns(header: _Row, wanted: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Where each wanted field is in the header: the first of its column names found there
    (case ignored). Fields whose columns are all absent are left out."""
    folded = [cell.casefold() for cell in header.cells]
    found = {}
    for field, names in wanted.items():
        for name in names:
            if name.casefold() in folded:
                found[field] = folded.index(name.casefold())
                break
    return found


def _require(header: _Row, columns: dict[str, int], field: str, column: str) -> None:
    if field not in columns:
        raise ReportError(
            header.line,
            _("the column “%(column)s” is missing from the header row.") % {"column": column},
        )


def _cells(row: _Row, header: _Row) -> tuple[str, ...]:
    """The row's cells, refused when the row does not fit its table's header: a file cut short
    mid-row, or a value with an unquoted comma that shifted every later column."""
    width = len(header.cells)
    while width and not header.cells[width - 1]:
        width -= 1  # some exports end the header with an empty column
    if len(row.cells) < width:
        raise ReportError(
            row.line,
            _(
                "this row has %(found)d columns where the header on line %(header)d has "
                "%(expected)d; the file may be cut short."
            )
            % {"found": len(row.cells), "header": header.line, "expected": width},
        )
    if any(row.cells[width:]):
        raise ReportError(
            row.line,
            _(
                "this row has more columns than the header on line %(header)d; a value "
                "with a comma may be missing its quotes."
            )
            % {"header": header.line},
        )
    return row.cells


def _person(row: _Row, name: str, email: str) -> tuple[str, str]:
    if not name and not email:
        raise ReportError(row.line, _("this row has neither a name nor an email address."))
    return name, email


# Dates -----------------------------------------------------------------------------------------

_TIME = (
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?"
    r"(?:\s*(?P<meridiem>[ap])\.?\s?m\.?)?"
)
# 12/11/2026 09:58:31, 11/12/2026 09:58:31 AM, 11/12/26, 9:58:31 AM, 12.11.2026 09:58
_NUMERIC = re.compile(
    rf"(?P<a>\d{{1,2}})(?P<sep>[/.-])(?P<b>\d{{1,2}})(?P=sep)(?P<year>\d{{4}}|\d{{2}}),?\s+{_TIME}",
    re.IGNORECASE,
)
# 2026-11-12 09:58:31, 2026-11-12T09:58:31+01:00
_ISO = re.compile(
    rf"(?P<year>\d{{4}})(?P<sep>[/.-])(?P<month>\d{{1,2}})(?P=sep)(?P<day>\d{{1,2}})"
    rf"(?:T|,?\s+){_TIME}\s*(?P<offset>Z|[+-]\d{{2}}:?\d{{2}})?",
    re.IGNORECASE,
)
# Nov 12, 2026 09:58:31 (Zoom's default) and 12 Nov 2026 09:58:31
_NAMED = (
    re.compile(
        rf"(?P<month>[a-z]{{3,9}})\.?\s+(?P<day>\d{{1,2}}),?\s+(?P<year>\d{{4}}),?\s+{_TIME}",
        re.IGNORECASE,
    ),
    re.compile(
        rf"(?P<day>\d{{1,2}})\s+(?P<month>[a-z]{{3,9}})\.?,?\s+(?P<year>\d{{4}}),?\s+{_TIME}",
        re.IGNORECASE,
    ),
)
_MONTH_NAMES = (
    *("january", "february", "march", "april", "may", "june"),
    *("july", "august", "september", "october", "november", "december"),
)
_MONTHS = {name: number for number, full in enumerate(_MONTH_NAMES, 1) for name in (full, full[:3])}
_MONTHS["sept"] = 9
_NO_TIME = ("", "-", "--")


@dataclass(frozen=True)
class _Clock:
    """How the file writes date-times: which of day and month comes first in numeric dates
    ("dmy", "mdy", or "" when the file has none) and the zone of the platform account."""

    order: str
    zone: ZoneInfo

    def read(self, text: str, line: int) -> datetime | None:
        """The date-time in UTC, or None when `text` is not one. A wall-clock time that the
        zone skips (a spring-forward night) is refused: the platform cannot have written it, so
        the time zone given is probably wrong. A time the zone has twice (an autumn night) is
        taken as the first of the two."""
        parts = _date_parts(text, self.order)
        if parts is None:
            return None
        date, time, offset = parts
        try:
            local = datetime(*date, *time)
        except ValueError:
            return None
        if offset is not None:
            return local.replace(tzinfo=offset).astimezone(UTC)
        moment = local.replace(tzinfo=self.zone).astimezone(UTC)
        if moment.astimezone(self.zone).replace(tzinfo=None) != local:
            raise ReportError(
                line,
                _(
                    "the time “%(value)s” does not exist in %(zone)s: the clocks change that "
                    "night. Is the time zone right?"
                )
                % {"value": text, "zone": self.zone.key},
            )
        return moment


def _zone(time_zone: str) -> ZoneInfo:
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"Unknown time zone {time_zone!r}.") from error


def _date_parts(
    text: str, order: str
) -> tuple[tuple[int, int, int], tuple[int, int, int], tzinfo | None] | None:
    """((year, month, day), (hour, minute, second), offset or None) as written, or None."""
    date: tuple[int, int, int] | None = None
    if match := _NUMERIC.fullmatch(text):
        a, b = int(match["a"]), int(match["b"])
        year = int(match["year"]) + (2000 if len(match["year"]) == 2 else 0)
        if order in ("dmy", "mdy"):
            date = (year, b, a) if order == "dmy" else (year, a, b)
    elif match := _ISO.fullmatch(text):
        date = (int(match["year"]), int(match["month"]), int(match["day"]))
    elif match := _NAMED[0].fullmatch(text) or _NAMED[1].fullmatch(text):
        month = _MONTHS.get(match["month"].casefold())
        date = (int(match["year"]), month, int(match["day"])) if month else None
    if match is None or date is None:
        return None
    hour = _hour(match["hour"], match["meridiem"])
    if hour is None:
        return None
    time = (hour, int(match["minute"]), int(match["second"] or 0))
    return date, time, _offset(match.groupdict().get("offset"))


def _hour(hour: str, meridiem: str | None) -> int | None:
    if meridiem is None:
        return int(hour)
    if not 1 <= int(hour) <= 12:
        return None
    return int(hour) % 12 + (12 if meridiem[0] in "pP" else 0)


def _offset(text: str | None) -> tzinfo | None:
    if not text:
        return None
    if text in ("Z", "z"):
        return UTC
    digits = text[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return timezone(-offset if text[0] == "-" else offset)


def _date_order(rows: list[_Row], date_order: str) -> str:
    """The file's order of day and month in numeric dates. Platforms write them in the account's
    locale without saying which, so every numeric date in the file is looked at: a first number
    over 12 can only be a day (day first), a second one over 12 likewise (month first). "auto"
    follows that evidence, and refuses a file whose dates all fit both orders rather than guess,
    and a file that mixes them; a chosen order is refused when a date in the file contradicts it.
    """
    evidence: dict[str, tuple[int, str]] = {}
    ambiguous: tuple[int, str] | None = None
    for row in rows:
        for cell in row.cells:
            if not (match := _NUMERIC.fullmatch(cell)):
                continue
            a, b = int(match["a"]), int(match["b"])
            if a > 12 >= b:
                evidence.setdefault("dmy", (row.line, cell))
            elif b > 12 >= a:
                evidence.setdefault("mdy", (row.line, cell))
            elif a <= 12 and b <= 12:
                ambiguous = ambiguous or (row.line, cell)
    if date_order != "auto":
        _check_chosen_order(date_order, evidence)
        return date_order
    if len(evidence) == 2:
        raise _mixed_orders(evidence["dmy"], evidence["mdy"])
    if evidence:
        return next(iter(evidence))
    if ambiguous:
        raise ReportError(
            ambiguous[0],
            _(
                "the dates in this file, such as “%(value)s”, can be read with the day or the "
                "month first; choose which comes first and import the file again."
            )
            % {"value": ambiguous[1]},
        )
    return ""


def _check_chosen_order(date_order: str, evidence: dict[str, tuple[int, str]]) -> None:
    if date_order == "dmy" and "mdy" in evidence:
        line, value = evidence["mdy"]
        message = _("the date “%(value)s” cannot have the day first; is the month first?")
    elif date_order == "mdy" and "dmy" in evidence:
        line, value = evidence["dmy"]
        message = _("the date “%(value)s” cannot have the month first; is the day first?")
    else:
        return
    raise ReportError(line, message % {"value": value})


def _mixed_orders(day_first: tuple[int, str], month_first: tuple[int, str]) -> ReportError:
    later, earlier = sorted((day_first, month_first), reverse=True)
    return ReportError(
        later[0],
        _(
            "the date “%(value)s” cannot be in the same order as “%(other)s” on line "
            "%(other_line)d: the file mixes day-first and month-first dates."
        )
        % {"value": later[1], "other": earlier[1], "other_line": earlier[0]},
    )


def _clock(rows: list[_Row], time_zone: str, date_order: str) -> _Clock:
    _check_choice("date_order", date_order, DATE_ORDERS)
    zone = _zone(time_zone)
    return _Clock(_date_order(rows, date_order), zone)


def _interval(row: _Row, joined: str, left: str, clock: _Clock) -> tuple[datetime, datetime]:
    joined_at = clock.read(joined, row.line)
    if joined_at is None:
        raise ReportError(
            row.line, _("the join time “%(value)s” is not a date.") % {"value": joined}
        )
    left_at = clock.read(left, row.line)
    if left_at is None:
        raise ReportError(
            row.line, _("the leave time “%(value)s” is not a date.") % {"value": left}
        )
    return joined_at, _not_before(row, joined_at, left_at, joined, left)


def _not_before(
    row: _Row, joined_at: datetime, left_at: datetime, joined: str, left: str
) -> datetime:
    if left_at < joined_at:
        raise ReportError(
            row.line,
            _("the leave time “%(left)s” is before the join time “%(joined)s”.")
            % {"left": left, "joined": joined},
        )
    return left_at


# Zoom ------------------------------------------------------------------------------------------

_ZOOM_SECTION = re.compile(r"(?P<title>.+ details)", re.IGNORECASE)
_ZOOM_COLUMNS = {
    "attended": ("Attended",),
    "user_name": ("User Name (Original Name)", "User Name", "Name (Original Name)", "Name"),
    "first_name": ("First Name",),
    "last_name": ("Last Name",),
    "email": ("Email", "User Email"),
    "joined": ("Join Time",),
    "left": ("Leave Time",),
}


def parse_zoom(text: str, *, time_zone: str, date_order: str = "auto") -> ParsedReport:
    """Zoom's webinar attendee report: summary lines, then "Host Details", "Panelist Details" and
    "Attendee Details" sections, each with its own header row. Only attendees are participants.
    Zoom writes one row per join (a person who rejoined has several) and lists registrants who
    never came with Attended "No" and "--" for their times. Custom registration questions are
    extra columns, found by name here and otherwise ignored."""
    rows = _read_rows(text, _guess_delimiter(text))
    table = _zoom_attendee_table(rows)
    header = _header(table)
    columns = _columns(header, _ZOOM_COLUMNS)
    for field, column in (("joined", "Join Time"), ("left", "Leave Time"), ("email", "Email")):
        _require(header, columns, field, column)
    clock = _clock(rows, time_zone, date_order)
    joins: list[Join] = []
    absentees: list[Absentee] = []
    for row in table.rows:
        cells = _cells(row, header)
        value = {field: cells[index] for field, index in columns.items()}
        name, email = _person(row, _zoom_name(value), value["email"])
        if _zoom_absent(value):
            absentees.append(Absentee(name, email, row.line))
        else:
            joined_at, left_at = _interval(row, value["joined"], value["left"], clock)
            joins.append(Join(name, email, joined_at, left_at, row.line))
    return ParsedReport(joins, absentees, "zoom")


def _zoom_attendee_table(rows: list[_Row]) -> _Table:
    tables = [t for t in _sections(rows, _ZOOM_SECTION) if t.title == "attendee details"]
    if not tables:
        raise ReportError(
            1,
            _("this is not a Zoom webinar attendee report: it has no “Attendee Details” section."),
        )
    return tables[0]


def _zoom_name(value: dict[str, str]) -> str:
    """The name given at registration (First and Last Name), which is what our registrations
    hold; the name shown in the meeting (User Name), which people change, only without it."""
    registered = " ".join(filter(None, (value.get("first_name"), value.get("last_name"))))
    return registered or value.get("user_name", "")


def _zoom_absent(value: dict[str, str]) -> bool:
    if "attended" in value:
        return value["attended"].casefold() == "no"
    return value["joined"] in _NO_TIME


# Teams -----------------------------------------------------------------------------------------

_TEAMS_SECTION = re.compile(r"\d+\.\s*(?P<title>\S.*)")
# Teams appends a tag to the names of people from outside the organisation's tenant.
_TEAMS_NAME_TAG = re.compile(r"\s*\((?:guest|external|unverified)\)$", re.IGNORECASE)
_TEAMS_COLUMNS = {
    "name": ("Name", "Full Name"),
    "email": ("Email",),
    "upn": ("Participant ID (UPN)",),
    "role": ("Role",),
    "joined": ("Join Time", "First Join"),
    "left": ("Leave Time", "Last Leave"),
    "action": ("User Action",),
    "timestamp": ("Timestamp",),
}


def parse_teams(text: str, *, time_zone: str, date_order: str = "auto") -> ParsedReport:
    """Microsoft Teams' attendance report. The current format has numbered sections: "1. Summary",
    "2. Participants" (one row per person, first join to last leave) and "3. In-Meeting
    Activities" (one row per join); the activities are used when present as they leave out the
    gaps. Older reports are a single table headed "Full Name", either with "Join Time" and "Leave
    Time" or with one "Joined"/"Left" row per "User Action". Organisers and presenters are not
    participants: only the role "Attendee" counts."""
    rows = _read_rows(text, _guess_delimiter(text))
    tables = {table.title: table for table in _sections(rows, _TEAMS_SECTION)}
    table = tables.get("in-meeting activities") or tables.get("participants")
    if table is None:
        table = _legacy_teams_table(rows)
    header = _header(table)
    columns = _columns(header, _TEAMS_COLUMNS)
    clock = _clock(rows, time_zone, date_order)
    if "action" in columns:
        joins = _teams_actions(table.rows, header, columns, clock)
    else:
        joins = _teams_intervals(table.rows, header, columns, clock)
    return ParsedReport(joins, [], "teams")


def _legacy_teams_header(row: _Row) -> bool:
    cells = {cell.casefold() for cell in row.cells}
    return "full name" in cells and (
        {"user action", "timestamp"} <= cells or {"join time", "leave time"} <= cells
    )


def _legacy_teams_table(rows: list[_Row]) -> _Table:
    for index, row in enumerate(rows):
        if _legacy_teams_header(row):
            body = [other for other in rows[index + 1 :] if not other.blank]
            return _Table("", row.line, row, body)
    raise ReportError(
        1,
        _(
            "this is not a Teams attendance report: it has no “2. Participants” section and no "
            "table headed “Full Name”."
        ),
    )


def _teams_row(row: _Row, header: _Row, columns: dict[str, int]) -> dict[str, str] | None:
    """The row's values by field, or None for an organiser or presenter."""
    cells = _cells(row, header)
    value = {field: cells[index] for field, index in columns.items()}
    if "role" in value and value["role"].casefold() != "attendee":
        return None
    if not value.get("email") and "@" in value.get("upn", ""):
        value["email"] = value["upn"]
    value["name"] = _TEAMS_NAME_TAG.sub("", value.get("name", ""))
    return value


def _teams_intervals(
    rows: list[_Row], header: _Row, columns: dict[str, int], clock: _Clock
) -> list[Join]:
    for field, column in (("name", "Name"), ("joined", "Join Time"), ("left", "Leave Time")):
        _require(header, columns, field, column)
    joins = []
    for row in rows:
        value = _teams_row(row, header, columns)
        if value is None:
            continue
        name, email = _person(row, value["name"], value.get("email", ""))
        joined_at, left_at = _interval(row, value["joined"], value["left"], clock)
        joins.append(Join(name, email, joined_at, left_at, row.line))
    return joins


def _teams_actions(
    rows: list[_Row], header: _Row, columns: dict[str, int], clock: _Clock
) -> list[Join]:
    """The old "User Action" format: pair each "Joined" with the same person's next "Left". A
    person still in the meeting when the report was downloaded has no "Left"; their stay ends at
    the last time in the report."""
    for field, column in (("name", "Full Name"), ("timestamp", "Timestamp")):
        _require(header, columns, field, column)
    events = []
    for row in rows:
        value = _teams_row(row, header, columns)
        if value is not None:
            events.append(_teams_event(row, value, clock))
    events.sort(key=lambda event: (event[0], event[1]))  # joins before leaves at the same time
    end = events[-1][0] if events else None
    open_joins: dict[str, list[tuple[datetime, _Row, str, str]]] = {}
    joins = []
    for at, leaving, row, name, email in events:
        stays = open_joins.setdefault(_person_key(name, email), [])
        if not leaving:
            stays.append((at, row, name, email))
            continue
        if not stays:
            raise ReportError(
                row.line, _("“%(name)s” leaves here without having joined.") % {"name": name}
            )
        joined_at, join_row, _name, _email = stays.pop()
        joins.append(Join(name, email, joined_at, at, join_row.line))
    for stays in open_joins.values():
        joins.extend(Join(name, email, at, end or at, row.line) for at, row, name, email in stays)
    return sorted(joins, key=lambda join: join.line)


def _teams_event(
    row: _Row, value: dict[str, str], clock: _Clock
) -> tuple[datetime, bool, _Row, str, str]:
    name, email = _person(row, value["name"], value.get("email", ""))
    action = value.get("action", "").casefold()
    if action not in ("joined", "joined before", "left"):
        raise ReportError(
            row.line,
            _("the action “%(value)s” is neither “Joined” nor “Left”.")
            % {"value": value.get("action", "")},
        )
    at = clock.read(value["timestamp"], row.line)
    if at is None:
        raise ReportError(
            row.line, _("the time “%(value)s” is not a date.") % {"value": value["timestamp"]}
        )
    return at, action == "left", row, name, email


# Any CSV with a column mapping -----------------------------------------------------------------


def parse_mapped_csv(
    text: str, *, mapping: dict[str, str], time_zone: str, date_order: str = "auto"
) -> ParsedReport:
    """Any CSV file with a header row. `mapping` names, for each of our fields, the file's
    column: "joined_at", either "left_at" or "minutes", and "name" or "email" or both. A row with
    no join and no leave time (empty or "--") is an absentee."""
    _check_mapping(mapping)
    delimiter = _guess_delimiter(text, tuple(mapping.values()))
    rows = [row for row in _read_rows(text, delimiter) if not row.blank]
    header = rows[0]
    columns = {}
    for field, column in mapping.items():
        found = _columns(header, {field: (column.strip(),)})
        _require(header, found, field, column.strip())
        columns[field] = found[field]
    clock = _clock(rows, time_zone, date_order)
    joins: list[Join] = []
    absentees: list[Absentee] = []
    for row in rows[1:]:
        cells = _cells(row, header)
        value = {field: cells[index] for field, index in columns.items()}
        name, email = _person(row, value.get("name", ""), value.get("email", ""))
        end = value["left_at"] if "left_at" in value else value["minutes"]
        if value["joined_at"] in _NO_TIME and end in _NO_TIME:
            absentees.append(Absentee(name, email, row.line))
            continue
        if "left_at" in value:
            joined_at, left_at = _interval(row, value["joined_at"], value["left_at"], clock)
        else:
            joined_at, left_at = _interval_from_minutes(row, value, clock)
        joins.append(Join(name, email, joined_at, left_at, row.line))
    return ParsedReport(joins, absentees, "csv")


def _check_mapping(mapping: dict[str, str]) -> None:
    unknown = set(mapping) - set(MAPPING_FIELDS)
    if unknown:
        raise ValueError(f"Unknown mapping fields: {', '.join(sorted(unknown))}.")
    if "joined_at" not in mapping or ("left_at" in mapping) == ("minutes" in mapping):
        raise ValueError("The mapping needs joined_at and either left_at or minutes.")
    if "name" not in mapping and "email" not in mapping:
        raise ValueError("The mapping needs name, email or both.")


def _interval_from_minutes(
    row: _Row, value: dict[str, str], clock: _Clock
) -> tuple[datetime, datetime]:
    joined_at = clock.read(value["joined_at"], row.line)
    if joined_at is None:
        raise ReportError(
            row.line, _("the join time “%(value)s” is not a date.") % {"value": value["joined_at"]}
        )
    if not re.fullmatch(r"\d+(?:[.,]\d+)?", value["minutes"]):
        raise ReportError(
            row.line,
            _("the number of minutes “%(value)s” is not a number.") % {"value": value["minutes"]},
        )
    return joined_at, joined_at + timedelta(minutes=float(value["minutes"].replace(",", ".")))


# Matching --------------------------------------------------------------------------------------


def comparable_email(value: str) -> str:
    """An email as reports compare it: as stored (outreach.models.normalise_email), and also
    without spaces inside or case differences beyond lower case (exports pad and wrap cells)."""
    return "".join(normalise_email(value).split()).casefold()


def normalise_name(value: str) -> str:
    """Names compare without case, accents or extra spaces: "Zoë  MÜLLER" is "zoe muller"."""
    decomposed = unicodedata.normalize("NFKD", value)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())


def minutes_attended(intervals: list[tuple[datetime, datetime]]) -> int:
    """Minutes covered by the intervals, a moment covered twice (two devices, or a rejoin before
    the platform noticed the leave) counted once. The merged total is rounded to the nearest
    minute, half a minute up, so rounding does not add up over many short rejoins. Empty or
    backwards intervals count nothing."""
    total = timedelta()
    covered_until: datetime | None = None
    for start, stop in sorted(intervals):
        if covered_until is not None:
            start = max(start, covered_until)
        if stop > start:
            total += stop - start
            covered_until = stop
    return (total + timedelta(seconds=30)) // timedelta(minutes=1)


@dataclass(frozen=True)
class _Person:
    name: str
    email: str
    joins: tuple[Join, ...]


def _person_key(name: str, email: str) -> str:
    email = comparable_email(email)
    return f"email:{email}" if email else f"name:{normalise_name(name)}"


def _people(report: ParsedReport) -> list[_Person]:
    """The report's people in order of appearance: joins grouped by email, else by name, then
    the absentees who have no joins."""
    grouped: dict[str, list[Join]] = {}
    for join in report.joins:
        grouped.setdefault(_person_key(join.name, join.email), []).append(join)
    people = [
        _Person(
            next((join.name for join in joins if join.name), ""),
            next((join.email.strip() for join in joins if join.email.strip()), ""),
            tuple(joins),
        )
        for joins in grouped.values()
    ]
    for absentee in report.absentees:
        key = _person_key(absentee.name, absentee.email)
        if key not in grouped:
            grouped[key] = []
            people.append(_Person(absentee.name, absentee.email.strip(), ()))
    return people


def _match(people: list[_Person], candidates: list[Candidate]) -> dict[int, tuple[int, str]]:
    """For each matched person (by index), the candidate's index and how they matched. By email
    first; then by name, only where the name is unambiguous on both sides: one candidate has it,
    not already matched by email, and one unmatched person of the report has it."""
    by_email: dict[str, list[int]] = {}
    by_name: dict[str, list[int]] = {}
    for index, candidate in enumerate(candidates):
        by_email.setdefault(comparable_email(candidate.email), []).append(index)
        by_name.setdefault(normalise_name(candidate.name), []).append(index)
    matches: dict[int, tuple[int, MatchedBy]] = {}
    taken: set[int] = set()
    for index, person in enumerate(people):
        email = comparable_email(person.email)
        free = [c for c in by_email.get(email, []) if c not in taken] if email else []
        if free:
            matches[index] = (free[0], MatchedBy.EMAIL)
            taken.add(free[0])
    unmatched: dict[str, list[int]] = {}
    for index, person in enumerate(people):
        if index not in matches and normalise_name(person.name):
            unmatched.setdefault(normalise_name(person.name), []).append(index)
    for name, indexes in unmatched.items():
        options = by_name.get(name, [])
        if len(indexes) == 1 and len(options) == 1 and options[0] not in taken:
            matches[indexes[0]] = (options[0], MatchedBy.NAME)
            taken.add(options[0])
    return matches


def match_attendance(
    report: ParsedReport,
    candidates: list[Candidate],
    *,
    threshold_minutes: int = DEFAULT_THRESHOLD_MINUTES,
) -> list[Attendance]:
    """One `Attendance` per person of the report, in the report's order, each candidate used at
    most once. A person attended when their minutes, overlaps counted once, reach the threshold;
    an absentee never did. People matching no candidate have key None, for the organiser to
    link by hand."""
    people = _people(report)
    matches = _match(people, candidates)
    attendances = []
    for index, person in enumerate(people):
        minutes = minutes_attended([(join.joined_at, join.left_at) for join in person.joins])
        candidate, matched_by = matches.get(index, (None, ""))
        attendances.append(
            Attendance(
                key=None if candidate is None else candidates[candidate].key,
                name=person.name,
                email=person.email,
                minutes=minutes,
                attended=bool(person.joins) and minutes >= threshold_minutes,
                joins=len(person.joins),
                matched_by=matched_by,
            )
        )
    return attendances

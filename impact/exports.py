"""Impact exports: the dashboard's tables and the rows behind them, as CSV, XLSX and JSON.

Every export is a stream of rows: a row of column codes (stable English, for scripts), a row of
labels in the active language (for people), then the data. The writers below turn such a stream
into CSV lines or an XLSX file without holding it in memory, so a million registrations export
in constant memory. Text cells pass through `safe_cell`, so that a spreadsheet never runs an
organisation called "=HYPERLINK(…)" as a formula.

The figures come from `impact.queries`, the dashboard's own functions, so an export always
carries the numbers the dashboard shows. They are computed with UTC as the current time zone,
so that a session's quarter does not depend on who exports it, nor on when the stream is read.

Survey answers are exported long: one row per response and question (with the response's
facts repeated), rather than one column per question code. Surveys differ in their questions,
so a wide table would need every survey's codes before its first row; the long one streams,
keeps the same columns whatever the surveys, and pivots in any spreadsheet.
"""

import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Session
from impact.filters import ImpactFilters
from impact.labels import labeller
from impact.queries import (
    DIMENSIONS,
    Audience,
    breakdown,
    has_facts_filter,
    headline_figures,
    held_sessions,
    registration_rows,
    responses_in_scope,
)
from outreach.exports import safe_cell
from registrations.models import Answer, AttendanceRecord

CHUNK = 2000  # rows fetched from the database at a time

# --- What can be exported --------------------------------------------------------------------

HEADLINE = "headline"
AGGREGATES = (HEADLINE, *DIMENSIONS)  # headline, economy, region, quarter, language, size, …
AGGREGATE_FORMATS = ("csv", "xlsx", "json")
ROW_EXPORTS = ("registrations", "attendance", "answers")
ROW_FORMATS = ("csv", "xlsx")

FIGURE_LABELS = {
    "sessions": _("Sessions held"),
    "registrations": _("Registrations"),
    "attendees": _("Attendees"),
    "attendance_rate": _("Attendance rate"),
    "organisations": _("Unique organisations"),
    "firms": _("Unique firms"),
    "economies_reached": _("Economies reached"),
    "women_led_share": _("Share of women-led firms"),
    "youth_led_share": _("Share of youth-led firms"),
    "micro_share": _("Share of micro firms"),
    "simplifies_market_research_share": _("Share saying it simplifies their market research"),
    "simplifies_market_research_answers": _("Answers on market research"),
    "informs_export_decision_share": _("Share saying it informs an export decision"),
    "informs_export_decision_answers": _("Answers on export decisions"),
    "satisfaction_average": _("Average satisfaction (1 to 5)"),
    "satisfaction_answers": _("Answers on satisfaction"),
    "recommend_average": _("Average likelihood to recommend (0 to 10)"),
    "recommend_answers": _("Answers on recommending"),
}

# The first column of a breakdown: its code and label, per dimension.
DIMENSION_COLUMNS = {
    "economy": ("economy", _("Economy")),
    "region": ("region", _("Region")),
    "quarter": ("quarter", _("Quarter")),
    "language": ("language", _("Language")),
    "size": ("size_band", _("Firm size")),
    "kind": ("kind", _("Kind of organisation")),
    "session": ("session", _("Session")),
}
BREAKDOWN_FIGURES = ("registrations", "attendees", "organisations", "firms")
NAME = ("name", _("Name"))


# --- Cells -----------------------------------------------------------------------------------


def cell(value: Any) -> int | float | str:
    """A value as a spreadsheet cell: numbers stay numbers, everything else becomes safe text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return safe_cell(value)


def _header(columns: Iterable[tuple[str, Any]]) -> Iterator[list[str]]:
    """The two header rows: codes, then labels in the active language."""
    columns = list(columns)
    yield [code for code, _label in columns]
    yield [safe_cell(str(label)) for _code, label in columns]


# --- Aggregates ------------------------------------------------------------------------------


def _namer(by: str, keys: list):
    """Names of a breakdown's keys in the active language, as the dashboard shows them."""
    if by != "session":
        return labeller(by, keys)
    titles = {
        session.pk: session.localized("title")
        for session in Session.objects.filter(pk__in=[key for key in keys if key])
    }
    return lambda key: titles.get(key, "")


def aggregate_table(
    filters: ImpactFilters, by: str, audience: Audience, *, now: datetime | None = None
) -> tuple[list[tuple[str, Any]], list[dict]]:
    """The columns (code, label) and rows (dicts by code) of one aggregate export."""
    if by == HEADLINE:
        figures = headline_figures(filters, audience, now=now)
        return [(code, FIGURE_LABELS.get(code, code)) for code in figures], [figures]
    if by not in DIMENSIONS:
        raise ValueError(f"Cannot export a breakdown by {by!r}.")
    code, label = DIMENSION_COLUMNS[by]
    columns = [(code, label)]
    if by != "quarter":
        columns.append(NAME)
    columns += [(figure, FIGURE_LABELS[figure]) for figure in BREAKDOWN_FIGURES]
    rows = breakdown(filters, by, audience, now=now)
    name = _namer(by, [row["key"] for row in rows])
    table = []
    for row in rows:
        values = {code: row["key"], **{figure: row[figure] for figure in BREAKDOWN_FIGURES}}
        if by != "quarter":
            values["name"] = name(row["key"])
        table.append(values)
    return columns, table


def aggregate_rows(
    filters: ImpactFilters, by: str, audience: Audience, *, now: datetime | None = None
) -> Iterator[list]:
    """Headline figures (one row) or a breakdown by `by`, with the two header rows; periods
    and quarters in UTC, whoever asks (see `in_utc`)."""
    with timezone.override(UTC):
        columns, table = aggregate_table(filters, by, audience, now=now)
    yield from _header(columns)
    for values in table:
        yield [cell(values[code]) for code, _label in columns]


def aggregate_json(
    filters: ImpactFilters, by: str, audience: Audience, *, now: datetime | None = None
) -> dict:
    """`{"filters", "by", "rows", "figures"}`: rows keyed by the CSV's column codes, the
    headline figures beside them (for by=headline, the one row is those figures)."""
    with timezone.override(UTC):
        _columns, table = aggregate_table(filters, by, audience, now=now)
        figures = table[0] if by == HEADLINE else headline_figures(filters, audience, now=now)
    return {"filters": filters.as_query(), "by": by, "rows": table, "figures": figures}


# --- Rows ------------------------------------------------------------------------------------

SESSION_COLUMNS = [
    ("session", _("Session")),
    ("session_language", _("Language of the session")),
    ("session_starts_at", _("Session starts at (UTC)")),
]
ORGANISATION_COLUMNS = [
    ("organisation", _("Organisation")),
    ("economy", _("Economy")),
    ("region", _("Region")),
    ("kind", _("Kind of organisation")),
    ("size_band", _("Firm size")),
]
REGISTRATION_COLUMNS = [
    ("registration", _("Registration")),
    *SESSION_COLUMNS,
    *ORGANISATION_COLUMNS,
    ("women_led", _("Women-led")),
    ("youth_led", _("Youth-led")),
    ("status", _("Status")),
    ("source", _("Source")),
    ("attended", _("Attended")),
    ("minutes_attended", _("Minutes attended")),
]
ATTENDANCE_COLUMNS = [
    ("registration", _("Registration")),
    *SESSION_COLUMNS,
    *ORGANISATION_COLUMNS,
    ("status", _("Status")),
    ("walk_in", _("Walk-in (no registration)")),
    ("attended", _("Attended")),
    ("minutes_attended", _("Minutes attended")),
]
ANSWER_COLUMNS = [
    ("response", _("Survey response")),
    ("survey", _("Survey")),
    *SESSION_COLUMNS,
    ("submitted_at", _("Submitted at (UTC)")),
    ("response_language", _("Language of the response")),
    ("economy", _("Economy")),
    ("region", _("Region")),
    ("kind", _("Kind of organisation")),
    ("size_band", _("Firm size")),
    ("question", _("Question code")),
    ("question_kind", _("Kind of question")),
    ("number", _("Number")),
    ("yes_no", _("Yes or no")),
    ("choices", _("Choices (codes)")),
    ("text", _("Text")),
]


def _registration_values(row: dict) -> dict:
    return {
        "registration": row["pk"],
        "session": row["session_id"],
        "session_language": row["session__language"],
        "session_starts_at": row["session__starts_at"],
        "organisation": row["organisation_name"],
        "economy": row["economy_id"],
        "region": row["economy__region"],
        "kind": row["organisation_kind"],
        "size_band": row["size_band"],
        "women_led": row["women_led"],
        "youth_led": row["youth_led"],
        "status": row["status"],
        "source": row["source"],
        "attended": row["attended"],
        "minutes_attended": row["minutes_attended"],
    }


def registration_export_rows(
    filters: ImpactFilters, audience: Audience, *, now: datetime | None = None
) -> Iterator[list]:
    """One row per registration counted in the figures (cancelled ones are not), no names."""
    yield from _header(REGISTRATION_COLUMNS)
    for row in registration_rows(filters, audience, now=now).iterator(chunk_size=CHUNK):
        values = _registration_values(row)
        yield [cell(values[code]) for code, _label in REGISTRATION_COLUMNS]


def attendance_export_rows(
    filters: ImpactFilters, audience: Audience, *, now: datetime | None = None
) -> Iterator[list]:
    """One row per registration (attended, minutes), then the walk-ins: people in an attendance
    report that matched no registration, with no organisation (so no organisation filter can
    keep them)."""
    yield from _header(ATTENDANCE_COLUMNS)
    for row in registration_rows(filters, audience, now=now).iterator(chunk_size=CHUNK):
        values = _registration_values(row)
        values["walk_in"] = False
        yield [cell(values[code]) for code, _label in ATTENDANCE_COLUMNS]
    if has_facts_filter(filters):
        return
    walk_ins = (
        AttendanceRecord.objects.filter(
            session__in=held_sessions(filters, audience, now=now), registration__isnull=True
        )
        .values("session_id", "session__language", "session__starts_at", "attended", "minutes")
        .order_by("session_id", "pk")
    )
    for record in walk_ins.iterator(chunk_size=CHUNK):
        values = {
            "session": record["session_id"],
            "session_language": record["session__language"],
            "session_starts_at": record["session__starts_at"],
            "walk_in": True,
            "attended": record["attended"],
            "minutes_attended": record["minutes"],
        }
        yield [cell(values.get(code)) for code, _label in ATTENDANCE_COLUMNS]


def answer_export_rows(
    filters: ImpactFilters, audience: Audience, *, now: datetime | None = None
) -> Iterator[list]:
    """One row per survey response and question answered (see the module's docstring), over the
    responses the survey indicators count; nothing names who answered."""
    yield from _header(ANSWER_COLUMNS)
    answers = (
        Answer.objects.filter(response__in=responses_in_scope(filters, audience, now=now))
        .select_related("question", "response__survey", "response__session", "response__economy")
        .prefetch_related("choices")
        .order_by("response_id", "question__position", "question_id")
    )
    for answer in answers.iterator(chunk_size=CHUNK):
        response = answer.response
        values = {
            "response": response.pk,
            "survey": response.survey.slug,
            "session": response.session_id,
            "session_language": response.session.language,
            "session_starts_at": response.session.starts_at,
            "submitted_at": response.submitted_at,
            "response_language": response.language,
            "economy": response.economy_id,
            "region": response.economy.region,
            "kind": response.organisation_kind,
            "size_band": response.size_band,
            "question": answer.question.code,
            "question_kind": answer.question.kind,
            "number": answer.number,
            "yes_no": answer.boolean,
            "choices": " ".join(choice.code for choice in answer.choices.all()),
            "text": answer.text,
        }
        yield [cell(values[code]) for code, _label in ANSWER_COLUMNS]


ROW_FUNCTIONS = {
    "registrations": registration_export_rows,
    "attendance": attendance_export_rows,
    "answers": answer_export_rows,
}


def export_rows(
    what: str, filters: ImpactFilters, audience: Audience, *, now: datetime | None = None
) -> Iterator[list]:
    """The rows of a row-level export: registrations, attendance or answers (each step of the
    stream in UTC, see `in_utc`)."""
    if what not in ROW_FUNCTIONS:
        raise ValueError(f"Cannot export {what!r}.")
    return in_utc(ROW_FUNCTIONS[what](filters, audience, now=now))


def in_utc(rows: Iterator[list]) -> Iterator[list]:
    """Run each step of a row stream with UTC as the current time zone.

    Periods and quarters are read from the sessions' start in the current time zone, and a web
    request makes that the viewer's (outreach.middleware), but a streamed response is read
    after the middleware has put it back: without this, one person's CSV and JSON could put a
    session at a quarter's edge in different quarters, and two people's exports differ."""
    while True:
        with timezone.override(UTC):
            try:
                row = next(rows)
            except StopIteration:
                return
        yield row


# --- Writers ---------------------------------------------------------------------------------


XLSX_OPTIONS = {
    # Rows are written to disk as they come, so memory stays flat however many there are.
    "constant_memory": True,
    # Text stays text: never a formula, never a link, whatever it starts with.
    "strings_to_formulas": False,
    "strings_to_urls": False,
}
XLSX_MAX_TEXT = 32767  # the longest text an Excel cell holds
SPOOL_BYTES = 8 * 1024 * 1024  # the finished workbook moves to disk beyond this size


def xlsx_file(rows: Iterable[list], *, sheet: str = "export"):
    """The rows as an XLSX workbook in a temporary file, positioned at its start (for a
    FileResponse, or to copy elsewhere); the file is deleted when closed."""
    output = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (returned open)
    workbook = xlsxwriter.Workbook(output, XLSX_OPTIONS)
    worksheet = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True})
    for number, row in enumerate(rows):
        for column, value in enumerate(row):
            if isinstance(value, bool | None):
                value = cell(value)
            if isinstance(value, int | float):
                worksheet.write_number(number, column, value)
            elif value != "":
                text = safe_cell(value)[:XLSX_MAX_TEXT]
                worksheet.write_string(number, column, text, bold if number < 2 else None)
    workbook.close()
    output.seek(0)
    return output


def xlsx_bytes(rows: Iterable[list], *, sheet: str = "export") -> bytes:
    """The XLSX workbook as bytes (for small exports and tests; views stream `xlsx_file`)."""
    with xlsx_file(rows, sheet=sheet) as output:
        return output.read()

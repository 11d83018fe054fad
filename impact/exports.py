"""Impact exports: the dashboard's tables and the rows behind them, as CSV, XLSX and JSON.

Every export is a stream of rows: one header row, then the data. By default it is written for
people: the header in the active language, and each code (a language, an economy, a region, a
kind, a size band, a status, yes or no) as its name in that language. Asked for codes
(`codes=True`, `?codes=1`), the header is the column codes (stable English, for scripts) and the
cells hold the codes, as the JSON export always does. The writers turn such a stream into CSV
lines or an XLSX file (outreach.exports, the one writer) without holding it in memory, so a million
registrations export in constant memory. Neither lets a spreadsheet run an organisation called
"=HYPERLINK(…)" as a formula: the CSV writer defuses it, the XLSX writer writes it as text. On
PostgreSQL the row exports as CSV do not come through here but from COPY, the same bytes in a
fraction of the time (impact.csv_exports); the rows here are what those bytes are checked
against, and what SQLite and the XLSX files use.

The figures come from `impact.queries`, the dashboard's own functions, so an export always
carries the numbers the dashboard shows. A session's quarter is that of its day in its own time
zone (outreach.periods), whoever exports it; the streams run with UTC as the current time zone,
so that anything else read in the current zone does not depend on when the stream is read.

Survey answers are exported long: one row per response and question (with the response's
facts repeated), rather than one column per question code. Surveys differ in their questions,
so a wide table would need every survey's codes before its first row; the long one streams,
keeps the same columns whatever the surveys, and pivots in any spreadsheet.
"""

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from events.models import Series, Session
from impact import completions, outcomes
from impact.filters import ImpactFilters
from impact.labels import (
    active_language,
    kind_label,
    labeller,
    language_label,
    quarter_label,
    region_label,
    size_label,
)
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
from outreach.exports import ascii_name, export_filename
from outreach.models import Economy, Organisation
from outreach.periods import quarter_bounds, quarter_key, quarter_of
from registrations.models import (
    Answer,
    AttendanceRecord,
    QuestionKind,
    RegistrationSource,
    RegistrationStatus,
)

CHUNK = 2000  # rows fetched from the database at a time

# --- What can be exported --------------------------------------------------------------------

HEADLINE = "headline"
# The realised outcomes (impact.outcomes): one export per breakdown, and the markets named.
OUTCOME_AGGREGATES = {f"outcomes-{by}": by for by in outcomes.DIMENSIONS}
MARKETS = "outcome-markets"
# Course completions (impact.completions): in all, and one export per breakdown.
COMPLETIONS = "completions"
COMPLETION_AGGREGATES = {
    COMPLETIONS: None,
    **{f"completions-{by}": by for by in completions.DIMENSIONS},
}
AGGREGATES = (HEADLINE, *DIMENSIONS, *OUTCOME_AGGREGATES, MARKETS, *COMPLETION_AGGREGATES)
AGGREGATE_FORMATS = ("csv", "xlsx", "json")
ROW_EXPORTS = ("registrations", "attendance", "answers", "comments")
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
    # Realised outcomes, after the figures above (impact.outcomes).
    "outcome_asked": _("Organisations asked about outcomes"),
    "outcome_answered": _("Organisations answering about outcomes"),
    "outcome_response_rate": _("Outcome survey response rate"),
    "exported_since_answers": _("Answers on exporting since"),
    "exported_since_share": _("Share that exported since"),
    "found_partner_answers": _("Answers on finding a buyer or partner"),
    "found_partner_share": _("Share that found a buyer or partner"),
    "contribution_answers": _("Answers on the session’s contribution"),
    "contribution_not_at_all": _("Contributed not at all"),
    "contribution_not_at_all_share": _("Share: contributed not at all"),
    "contribution_somewhat": _("Contributed somewhat"),
    "contribution_somewhat_share": _("Share: contributed somewhat"),
    "contribution_a_lot": _("Contributed a lot"),
    "contribution_a_lot_share": _("Share: contributed a lot"),
    "markets_answers": _("Answers naming markets"),
    "new_markets": _("New markets named"),
}
OUTCOME_FIGURES = tuple(list(FIGURE_LABELS)[list(FIGURE_LABELS).index("outcome_asked") :])
OUTCOME_DIMENSION_COLUMNS = {
    "economy": ("economy", _("Economy")),
    "region": ("region", _("Region")),
    "quarter": ("quarter", _("Quarter")),
    "language": ("language", _("Language")),
    "size": ("size_band", _("Firm size")),
    "women_led": ("women_led", _("Women-led")),
    "youth_led": ("youth_led", _("Youth-led")),
    "series": ("series", pgettext_lazy("programme", "Series")),
    "cohost": ("cohost", _("Co-host")),
}

COMPLETION_LABELS = {
    "course_enrolled": _("Enrolled in a course"),
    "course_completed": _("Completed the course"),
    "course_completion_rate": _("Completion rate"),
}
COMPLETION_DIMENSION_COLUMNS = {
    **{by: OUTCOME_DIMENSION_COLUMNS[by] for by in ("economy", "size", "women_led", "youth_led")},
    "series": ("course", _("Course")),
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
    """A value as a spreadsheet cell: numbers stay numbers, everything else becomes text (which
    the writers keep from running as a formula)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def header_row(columns: Iterable[tuple[str, Any]], *, codes: bool = False) -> list[str]:
    """The one header row: column codes when asked for, else labels in the active language."""
    return [code if codes else str(label) for code, label in columns]


def _yes_no(value: bool) -> str:
    return (
        pgettext("a cell of an export", "Yes") if value else pgettext("a cell of an export", "No")
    )


def cells_for(*, codes: bool):
    """A function (column code, value) → cell: the value as it is when codes are asked for,
    else its name in the active language (one query for the economies' names, on first use)."""
    if codes:
        return lambda _column, value: cell(value)
    language = active_language()
    economies: dict[str, str] = {}

    def economy_name(code: str) -> str:
        if not economies:
            economies.update(Economy.objects.values_list("code", f"name_{language}"))
        return economies.get(code, code)

    names = {
        "economy": economy_name,
        "region": lambda code: region_label(code, language),
        "session_language": lambda code: language_label(code, language),
        "response_language": lambda code: language_label(code, language),
        "kind": kind_label,
        "size_band": size_label,
        "status": lambda code: (
            RegistrationStatus(code).label if code in RegistrationStatus.values else code
        ),
        "source": lambda code: (
            RegistrationSource(code).label if code in RegistrationSource.values else code
        ),
        "question_kind": lambda code: (
            QuestionKind(code).label if code in QuestionKind.values else code
        ),
    }

    def for_people(column: str, value) -> int | float | str:
        if value is None or value == "":
            return ""
        if isinstance(value, bool):
            return _yes_no(value)
        if column in names:
            return cell(str(names[column](value)))
        return cell(value)

    return for_people


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
        # The realised outcomes after the figures that were there first.
        realised = outcomes.staff_figures(outcomes.outcome_records(filters, audience, now=now))
        figures.update({name: realised[name] for name in OUTCOME_FIGURES})
        return [(code, FIGURE_LABELS.get(code, code)) for code in figures], [figures]
    if by in OUTCOME_AGGREGATES or by == MARKETS:
        return _outcome_table(filters, by, audience, now=now)
    if by in COMPLETION_AGGREGATES:
        return _completion_table(filters, by, audience, now=now)
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


def _outcome_table(
    filters: ImpactFilters, what: str, audience: Audience, *, now: datetime | None = None
) -> tuple[list[tuple[str, Any]], list[dict]]:
    """The realised outcomes by one dimension, or the markets named with the organisations
    naming each."""
    records = outcomes.outcome_records(filters, audience, now=now)
    if what == MARKETS:
        named = outcomes.staff_figures(records)["markets"]
        columns = [
            ("economy", _("Economy")),
            NAME,
            ("organisations", _("Organisations naming it")),
        ]
        names = labeller("economy", [code for code, _count in named])
        return columns, [
            {"economy": code, "name": names(code), "organisations": count} for code, count in named
        ]
    by = OUTCOME_AGGREGATES[what]
    code, label = OUTCOME_DIMENSION_COLUMNS[by]
    columns = [(code, label)]
    if by in ("economy", "series", "cohost"):
        columns.append(NAME)
    columns += [
        (figure, FIGURE_LABELS[figure]) for figure in OUTCOME_FIGURES if figure != "new_markets"
    ]
    rows = outcomes.staff_breakdown(records, by)
    table = []
    named = by in ("economy", "series", "cohost")
    names = _outcome_namer(by, [row["key"] for row in rows]) if named else None
    for row in rows:
        values = {code: row["key"], **{figure: row.get(figure) for figure, _l in columns[1:]}}
        if named:
            values["name"] = names(row["key"])
        table.append(values)
    return columns, table


def _completion_table(
    filters: ImpactFilters, what: str, audience: Audience, *, now: datetime | None = None
) -> tuple[list[tuple[str, Any]], list[dict]]:
    """Course completions in all (one row), or by one dimension: enrolled, completed and the
    completion rate."""
    records = completions.completion_records(filters, audience, now=now)
    figures = list(COMPLETION_LABELS.items())
    by = COMPLETION_AGGREGATES[what]
    if by is None:
        return figures, [completions.staff_figures(records)]
    code, label = COMPLETION_DIMENSION_COLUMNS[by]
    columns = [(code, label)]
    if by in ("economy", "series"):
        columns.append(NAME)
    columns += figures
    rows = completions.staff_breakdown(records, by)
    named = by in ("economy", "series")
    names = _outcome_namer(by, [row["key"] for row in rows]) if named else None
    table = []
    for row in rows:
        values = {code: row["key"], **{figure: row[figure] for figure, _label in figures}}
        if named:
            values["name"] = names(row["key"])
        table.append(values)
    return columns, table


def _outcome_namer(by: str, keys: list):
    """Names of the economies, series or co-hosts of an outcome breakdown."""
    if by == "series":
        titles = dict(Series.objects.filter(slug__in=keys).values_list("slug", "title"))
        return lambda key: titles.get(key, "")
    if by == "cohost":
        names = dict(
            Organisation.objects.filter(pk__in=[k for k in keys if k]).values_list("pk", "name")
        )
        return lambda key: names.get(key, "")
    return labeller(by, keys)


def aggregate_rows(
    filters: ImpactFilters,
    by: str,
    audience: Audience,
    *,
    now: datetime | None = None,
    codes: bool = False,
) -> Iterator[list]:
    """Headline figures (one row) or a breakdown by `by`, under one header row; periods and
    quarters in UTC, whoever asks (see `in_utc`). For people (without `codes`), a breakdown's
    first column is each key's name under the dimension's label ("Economy": "Sénégal"), not the
    code beside it. Computed now, in the active language: a table of at most a few hundred
    rows."""
    with timezone.override(UTC):
        columns, table = aggregate_table(filters, by, audience, now=now)
    if not codes and by in DIMENSIONS:
        code, label = DIMENSION_COLUMNS[by]
        if by == "quarter":
            table = [{**values, code: quarter_label(values[code])} for values in table]
        else:
            columns = [(NAME[0], label), *columns[2:]]
    elif not codes and by in OUTCOME_AGGREGATES:
        dimension = OUTCOME_AGGREGATES[by]
        code, label = OUTCOME_DIMENSION_COLUMNS[dimension]
        if NAME in columns:
            columns = [(NAME[0], label), *columns[2:]]
        else:
            name = _outcome_labels(dimension)
            table = [{**values, code: name(values[code])} for values in table]
    elif not codes and by == MARKETS:
        columns = [(NAME[0], columns[0][1]), *columns[2:]]
    elif not codes and COMPLETION_AGGREGATES.get(by):
        dimension = COMPLETION_AGGREGATES[by]
        code, label = COMPLETION_DIMENSION_COLUMNS[dimension]
        if NAME in columns:
            columns = [(NAME[0], label), *columns[2:]]
        else:
            name = _outcome_labels(dimension)
            table = [{**values, code: name(values[code])} for values in table]
    rows = [header_row(columns, codes=codes)]
    rows += [[cell(values[code]) for code, _label in columns] for values in table]
    return iter(rows)


def _outcome_labels(by: str):
    """Names of the keys of an outcome breakdown without a name column, for people."""
    if by in ("women_led", "youth_led"):
        return _yes_no
    if by == "quarter":
        return quarter_label
    return {
        "region": region_label,
        "language": language_label,
        "size": size_label,
    }[by]


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
    ("question", _("Question")),
    ("question_kind", _("Kind of question")),
    ("number", _("Number")),
    ("yes_no", _("Yes or no")),
    ("choices", _("Choices")),
    ("text", _("Text")),
    ("markets", _("Economies or markets")),  # added last: the columns before stay as they were
]

COMMENT_COLUMNS = [
    *SESSION_COLUMNS,
    ("session_title", _("Session title")),
    ("submitted_at", _("Submitted at (UTC)")),
    ("response_language", _("Language of the response")),
    ("question", _("Question")),
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
    filters: ImpactFilters, audience: Audience, *, now: datetime | None = None, codes: bool = False
) -> Iterator[list]:
    """One row per registration counted in the figures (cancelled ones are not), no names."""
    yield header_row(REGISTRATION_COLUMNS, codes=codes)
    to_cell = cells_for(codes=codes)
    for row in registration_rows(filters, audience, now=now).iterator(chunk_size=CHUNK):
        values = _registration_values(row)
        yield [to_cell(code, values[code]) for code, _label in REGISTRATION_COLUMNS]


def walk_ins(
    filters: ImpactFilters, audience: Audience, *, now: datetime | None = None
) -> QuerySet[AttendanceRecord]:
    """People in an attendance report of a held session who matched no registration."""
    return AttendanceRecord.objects.filter(
        session__in=held_sessions(filters, audience, now=now), registration__isnull=True
    ).order_by("session_id", "pk")


def attendance_export_rows(
    filters: ImpactFilters, audience: Audience, *, now: datetime | None = None, codes: bool = False
) -> Iterator[list]:
    """One row per registration (attended, minutes), then the walk-ins: people in an attendance
    report that matched no registration, with no organisation (so no organisation filter can
    keep them)."""
    yield header_row(ATTENDANCE_COLUMNS, codes=codes)
    to_cell = cells_for(codes=codes)
    for row in registration_rows(filters, audience, now=now).iterator(chunk_size=CHUNK):
        values = _registration_values(row)
        values["walk_in"] = False
        yield [to_cell(code, values[code]) for code, _label in ATTENDANCE_COLUMNS]
    if has_facts_filter(filters):
        return
    records = walk_ins(filters, audience, now=now).values(
        "session_id", "session__language", "session__starts_at", "attended", "minutes"
    )
    for record in records.iterator(chunk_size=CHUNK):
        values = {
            "session": record["session_id"],
            "session_language": record["session__language"],
            "session_starts_at": record["session__starts_at"],
            "walk_in": True,
            "attended": record["attended"],
            "minutes_attended": record["minutes"],
        }
        yield [to_cell(code, values.get(code)) for code, _label in ATTENDANCE_COLUMNS]


def scoped_answers(
    filters: ImpactFilters, audience: Audience, *, now: datetime | None = None
) -> QuerySet[Answer]:
    """The answers of the responses the survey indicators count, in the answer export's order:
    by response, then by the question's place in its survey."""
    return Answer.objects.filter(
        response__in=responses_in_scope(filters, audience, now=now)
    ).order_by("response_id", "question__position", "question_id")


def comment_answers(
    filters: ImpactFilters, audience: Audience, *, now: datetime | None = None
) -> QuerySet[Answer]:
    """The free-text answers that say something, in the comment export's order: by session,
    then as they came."""
    return (
        Answer.objects.filter(
            response__in=responses_in_scope(filters, audience, now=now),
            question__kind=QuestionKind.TEXT,
        )
        .exclude(text__regex=r"^\s*$")
        .order_by("response__session_id", "response__submitted_at", "pk")
    )


def answer_export_rows(
    filters: ImpactFilters, audience: Audience, *, now: datetime | None = None, codes: bool = False
) -> Iterator[list]:
    """One row per survey response and question answered (see the module's docstring), over the
    responses the survey indicators count; nothing names who answered. For people, the survey,
    question and choices are their texts in the active language; with `codes`, their codes."""
    yield header_row(ANSWER_COLUMNS, codes=codes)
    to_cell = cells_for(codes=codes)
    answers = (
        scoped_answers(filters, audience, now=now)
        .select_related("question", "response__survey", "response__session", "response__economy")
        .prefetch_related("choices", "economies")
    )
    language = active_language()
    for answer in answers.iterator(chunk_size=CHUNK):
        response = answer.response
        values = {
            "response": response.pk,
            "survey": response.survey.slug if codes else response.survey.title,
            "session": response.session_id,
            "session_language": response.session.language,
            "session_starts_at": response.session.starts_at,
            "submitted_at": response.submitted_at,
            "response_language": response.language,
            "economy": response.economy_id,
            "region": response.economy.region,
            "kind": response.organisation_kind,
            "size_band": response.size_band,
            "question": answer.question.code if codes else answer.question.text,
            "question_kind": answer.question.kind,
            "number": answer.number,
            "yes_no": answer.boolean,
            "choices": " ".join(choice.code for choice in answer.choices.all())
            if codes
            else "; ".join(choice.text for choice in answer.choices.all()),
            "text": answer.text,
            "markets": " ".join(economy.code for economy in answer.economies.all())
            if codes
            else "; ".join(
                getattr(economy, f"name_{language}") for economy in answer.economies.all()
            ),
        }
        yield [to_cell(code, values[code]) for code, _label in ANSWER_COLUMNS]


def comment_export_rows(
    filters: ImpactFilters, audience: Audience, *, now: datetime | None = None, codes: bool = False
) -> Iterator[list]:
    """One row per free-text answer (a comment) over the responses the survey indicators count,
    with its session and language; nothing names who wrote it."""
    yield header_row(COMMENT_COLUMNS, codes=codes)
    to_cell = cells_for(codes=codes)
    answers = comment_answers(filters, audience, now=now).select_related(
        "question", "response__session"
    )
    for answer in answers.iterator(chunk_size=CHUNK):
        response = answer.response
        values = {
            "session": response.session_id,
            "session_language": response.session.language,
            "session_starts_at": response.session.starts_at,
            "session_title": response.session.display_title,
            "submitted_at": response.submitted_at,
            "response_language": response.language,
            "question": answer.question.code if codes else answer.question.text,
            "text": answer.text,
        }
        yield [to_cell(code, values[code]) for code, _label in COMMENT_COLUMNS]


ROW_FUNCTIONS = {
    "registrations": registration_export_rows,
    "attendance": attendance_export_rows,
    "answers": answer_export_rows,
    "comments": comment_export_rows,
}


def export_rows(
    what: str,
    filters: ImpactFilters,
    audience: Audience,
    *,
    now: datetime | None = None,
    codes: bool = False,
) -> Iterator[list]:
    """The rows of a row-level export: registrations, attendance or answers (each step of the
    stream in UTC, see `in_utc`; outreach.exports.csv_response keeps the language)."""
    if what not in ROW_FUNCTIONS:
        raise ValueError(f"Cannot export {what!r}.")
    return in_utc(ROW_FUNCTIONS[what](filters, audience, now=now, codes=codes))


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


# --- File names ------------------------------------------------------------------------------

FILENAME_FILTERS = (
    ("economy", ""),
    ("region", "region-"),
    ("group", ""),
    ("language", "sessions-in-"),
    ("series", "series-"),
    ("cohost", "cohost-"),
    ("format", ""),
    ("size_band", ""),
    ("kind", ""),
    ("session", "session-"),
)


def period_name(filters: ImpactFilters) -> str:
    """ "2026-Q3", "2026", "2026-07-01-to-2026-08-15", "from-2026-07-01", or "" for no period."""
    start, end = filters.start, filters.end
    if start and end:
        if (start, end) == (date(start.year, 1, 1), date(start.year, 12, 31)):
            return str(start.year)
        quarter = quarter_of(start)
        if (start, end) == quarter_bounds(*quarter):
            return quarter_key(*quarter)
        return f"{start.isoformat()}-to-{end.isoformat()}"
    if start:
        return f"from-{start.isoformat()}"
    if end:
        return f"to-{end.isoformat()}"
    return ""


def export_name(what: str, filters: ImpactFilters, extension: str, *, codes: bool = False) -> str:
    """The file name of an export, carrying its filters and its language (or "codes"):
    outreach-impact-economy-2026-Q3-fr.csv, outreach-impact-registrations-SN-micro-codes.xlsx."""
    query = filters.as_query()
    parts = [period_name(filters)]
    parts += [
        prefix + ascii_name(query[name]) for name, prefix in FILENAME_FILTERS if name in query
    ]
    language = "codes" if codes else active_language()
    return export_filename("impact", what, *parts, language, extension=extension)

"""The row exports as CSV bytes: registrations, attendance, survey answers and comments.

One public function per export (`registration_csv`, `attendance_csv`, `answer_csv`,
`comment_csv`, and `export_csv` to pick one by name) gives the file as a stream of bytes, the
byte-order mark and the header row first. The way it is written depends on the database:

- On PostgreSQL, each line comes from `COPY (SELECT …) TO STDOUT` through psycopg's copy API:
  the database writes every cell as the Python writer would, and Python only passes the lines
  on. A million registrations take about the time PostgreSQL takes to read them (bench/impact.py
  measures the pair), and the memory stays flat.
- Elsewhere (SQLite under `make run` and in the tests on a laptop), the rows of impact.exports
  go through the one CSV writer, outreach.exports.

Both give the same bytes, which tests/impact/test_copy_exports.py checks export by export, in
every language, with codes and without, under every filter. In SQL, as in outreach.exports:
- a text cell starting with = + - @, a tab or a carriage return gets a leading apostrophe (the
  rule's NUL cannot be in a PostgreSQL text), and a cell holding a comma, a semicolon, a double
  quote or a line break is quoted, its double quotes doubled: the same tuple and pattern,
  `FORMULA_STARTS` and `QUOTE_WHEN`, are handed to the query;
- None and "" are empty cells, numbers are digits, booleans "true"/"false" (with codes) or the
  export's "Yes"/"No", moments in UTC as Python's isoformat() writes them;
- names (economies, regions, languages, kinds, size bands, statuses, sources, kinds of
  question, yes and no) are worked out at request time by impact.exports' own function for the
  Python rows, written as CSV cells there, and handed to the query as a CASE (a few) or a JSON
  object (many) from code to cell; a code with no name falls back as it does in Python.
  Translated texts (survey titles, questions, choices, session titles) fall back through the
  languages in SQL as their models do in Python.

COPY's own CSV quoting is not the writer's (it quotes no semicolon), so the SELECT gives each
cell written already, and COPY only carries it: it separates the cells with \x02 and quotes
with \x01, two bytes that hardly ever occur, so that it leaves a cell as it is unless the cell
holds one of them or a line break; then it wraps the cell in \x01 and doubles each \x01 inside.
`_crlf` turns the separators into commas and undoes the wrapping; PostgreSQL ends each line
with \n, the writer with \r\n.

The lines come from one snapshot: the COPY statements of an export run in one transaction,
read-only and repeatable-read when it is the outermost one. A stream that is not read to its
end (a download cancelled) is closed by the response: the copy is then cancelled and its rest
read and dropped, so the connection is left ready for its next query, not in the middle of a
COPY.
"""

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from babel import Locale
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import translation
from modeltranslation.utils import resolution_order

from events.models import LANGUAGE_CODES, Session
from impact import exports
from impact.filters import ImpactFilters
from impact.labels import active_language
from impact.queries import Audience, has_facts_filter, registrations_in_scope
from outreach.exports import (
    BOM,
    FORMULA_STARTS,
    QUOTE_WHEN,
    csv_field,
    csv_line,
    csv_stream,
    in_language,
)
from outreach.models import Economy, Organisation, OrganisationKind, SizeBand
from registrations.models import (
    Answer,
    Question,
    QuestionKind,
    RegistrationSource,
    RegistrationStatus,
    Survey,
)

# The formula starts of outreach.exports.safe_cell that a PostgreSQL text can hold (not NUL).
SQL_FORMULA_STARTS = tuple(start for start in FORMULA_STARTS if start != "\0")
COPY_QUOTE = b"\x01"
COPY_SEPARATOR = b"\x02"
COPY_OPTIONS = "FORMAT csv, HEADER false, QUOTE E'\\x01', DELIMITER E'\\x02'"
FEW_NAMES = 20  # codes named by a CASE; more, by a JSON object
CHUNK_BYTES = 64 * 1024  # whole lines handed to the response at a time, about this much


# --- Cells in SQL ----------------------------------------------------------------------------
# COPY takes no parameters: the statements are SQL text. Every name in them is this module's
# own or a model's; every value is a literal quoted by psycopg (`_literal`).


def _literal(value) -> str:
    """A value as an SQL literal, quoted by psycopg."""
    return connection.ops.compose_sql("%s", [value])


def text_cell(value: str) -> str:
    """SQL for the CSV cell of a text: outreach.exports.csv_field's rule (NULL for "")."""
    starts = ", ".join(_literal(start) for start in SQL_FORMULA_STARTS)
    formula = f"left({value}, 1) IN ({starts})"
    return (
        f"CASE WHEN {value} ~ {_literal(QUOTE_WHEN.pattern)}"
        f""" THEN '"' || CASE WHEN {formula} THEN '''' ELSE '' END"""
        f""" || replace({value}, '"', '""') || '"'"""
        f" WHEN {formula} THEN '''' || {value} ELSE NULLIF({value}, '') END"
    )


def number_cell(value: str) -> str:
    return f"{value}::text"


def moment_cell(value: str) -> str:
    """A timestamp as Python's isoformat() writes it in UTC: microseconds only when there are."""
    utc = f"({value} AT TIME ZONE 'UTC')"
    return (
        f"CASE WHEN date_trunc('second', {value}) = {value}"
        f""" THEN to_char({utc}, 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')"""
        f""" ELSE to_char({utc}, 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"') END"""
    )


def _flag_cell(value: str, yes: str, no: str) -> str:
    return f"CASE WHEN {value} THEN {_literal(yes)} WHEN NOT {value} THEN {_literal(no)} END"


def _named_cell(value: str, names: dict[str, str], otherwise: str) -> str:
    """A code's cell from a mapping of code → cell (a CASE for a few, else a JSON object);
    `otherwise` (SQL) for other codes; an empty cell for none."""
    if len(names) <= FEW_NAMES:
        cases = " ".join(
            f"WHEN {_literal(code)} THEN {_literal(cell)}" for code, cell in names.items()
        )
        return f"CASE COALESCE({value}, '') WHEN '' THEN NULL {cases} ELSE {otherwise} END"
    table = connection.ops.compose_sql("%s::jsonb", [json.dumps(names, ensure_ascii=False)])
    return f"CASE WHEN {value} <> '' THEN COALESCE({table} ->> {value}, {otherwise}) END"


def translated(column: str, language: str) -> str:
    """A modeltranslation field as its descriptor reads it: in the language asked for, else in
    its fallback languages, the first one not empty; else ""."""
    order = resolution_order(language)
    return "COALESCE(" + ", ".join(f"NULLIF({column}_{code}, '')" for code in order) + ", '')"


def _capitalised(value: str) -> str:
    return f"upper(left({value}, 1)) || substr({value}, 2)"


class Cells:
    """How a column of the exports becomes a cell in SQL, for people or with codes. The names
    are those impact.exports gives the Python rows (`cells_for`), written as CSV cells."""

    def __init__(self, *, codes: bool):
        self.codes = codes
        self.for_people = None if codes else exports.cells_for(codes=False)

    def cell(self, column: str, kind: str, value: str) -> str:
        """The SQL of a cell (NULL for an empty one); kind is number, text, moment, flag or
        named."""
        if kind == "number":
            return number_cell(value)
        if kind == "moment":
            return moment_cell(value)
        if kind == "flag":
            if self.codes:
                return _flag_cell(value, "true", "false")
            yes, no = (csv_field(self.for_people(column, answer)) for answer in (True, False))
            return _flag_cell(value, yes, no)
        if kind == "text" or self.codes:
            return text_cell(value)
        return self._named(column, value)

    def _names(self, column: str, codes) -> dict[str, str]:
        return {code: csv_field(self.for_people(column, code)) for code in codes if code}

    def _named(self, column: str, value: str) -> str:
        """A code for people: its name as impact.exports gives it, for each code that has
        one; other codes fall back as they do there."""
        if column == "economy":
            codes = Economy.objects.values_list("code", flat=True)
            return _named_cell(value, self._names(column, codes), text_cell(value))
        if column == "region":
            codes = Economy.objects.values_list("region", flat=True).distinct()
            return _named_cell(value, self._names(column, codes), text_cell(value))
        if column in ("session_language", "response_language"):
            # Babel's names of languages; one it does not name reads as its code, capitalised.
            known = [code for code in Locale.parse(active_language()).languages if len(code) <= 2]
            names = self._names(column, known)
            return _named_cell(value, names, text_cell(_capitalised(value)))
        choices = {
            "kind": OrganisationKind,
            "size_band": SizeBand,
            "status": RegistrationStatus,
            "source": RegistrationSource,
            "question_kind": QuestionKind,
        }[column]
        names = self._names(column, choices.values)
        if column in ("kind", "size_band"):
            # Any other code reads "Kind not given" or "No size given …".
            otherwise = _literal(csv_field(self.for_people(column, "\x01")))
        else:
            otherwise = text_cell(value)
        return _named_cell(value, names, otherwise)


# --- The COPY statements ---------------------------------------------------------------------
#
# One statement per part of an export: the rows of a Django queryset (the very queryset the
# Python rows come from, its ordering moved out), joined to small tables of cells worked out
# once per session, organisation, economy, survey or question rather than once per line:
#
#   COPY (SELECT d.d_id::text, t0.cells, t1.cells, CASE d.d_status WHEN … END, …
#         FROM (<the rows>) AS d
#         JOIN (SELECT t.id AS key, <cells> AS cells FROM events_session AS t GROUP BY 1) AS t0
#           ON t0.key = d.d_session
#         …
#         ORDER BY d.d_order_0) TO STDOUT WITH (FORMAT csv, HEADER false, QUOTE …, DELIMITER …)
#
# GROUP BY the table's primary key changes nothing but keeps PostgreSQL from moving the table's
# cells into every line (as it would with a plain subquery), and unlike OFFSET 0 it leaves the
# statement free to run in parallel. The rows' query has no ORDER BY of its own, so PostgreSQL
# merges it into the statement: its workers join, write and sort the lines in parallel, and the
# final ORDER BY merges them in the queryset's order.


@dataclass(frozen=True)
class Table:
    """Cells worked out once per row of a table (its SQL `source`, as t), for the rows whose
    column d_<on> is its `key`. `optional`: a row may have no such row (empty cells).
    `grouped`: the source has one row per key already (else `key` is its primary key)."""

    source: str
    key: str
    on: str
    optional: bool = False
    grouped: bool = False


def _table(model, on: str, key: str = "id") -> Table:
    return Table(f'"{model._meta.db_table}"', f"t.{key}", on)


# A cell: the column's code, the SQL of its value (over the rows' columns d.d_<name>, or over a
# table's t; None for an empty cell) and its kind (see Cells.cell).
Cell = tuple[str, str | None, str]
# A part of a line: one cell of the rows, or cells in a row from a table.
Part = Cell | tuple[Table, list[Cell]]


def _sessions() -> Part:
    return (
        _table(Session, "session"),
        [
            ("session", "t.id", "number"),
            ("session_language", "t.language", "named"),
            ("session_starts_at", "t.starts_at", "moment"),
        ],
    )


def _economies() -> Part:
    return (
        _table(Economy, "economy", key="code"),
        [("economy", "t.code", "named"), ("region", "t.region", "named")],
    )


def _statement(rows: QuerySet, lookups: dict[str, str], parts: list[Part], cells: Cells) -> str:
    """COPY of one line per row of `rows`, in its order: `lookups` name the values the line
    reads from the rows (as d.d_<name>), `parts` its cells in turn."""
    ordering = [(name.removeprefix("-"), name.startswith("-")) for name in rows.query.order_by]
    lookups = {**lookups, **{f"order_{n}": name for n, (name, _desc) in enumerate(ordering)}}
    rows = rows.order_by().values(**{f"d_{name}": F(lookup) for name, lookup in lookups.items()})
    sql, params = rows.query.get_compiler(connection=connection, elide_empty=False).as_sql()

    def cell(code: str, value: str | None, kind: str) -> str:
        return cells.cell(code, kind, value) if value else "NULL"

    line, joins = [], []
    for part in parts:
        if not isinstance(part[0], Table):
            line.append(cell(*part))
            continue
        table, table_cells = part
        alias = f"t{len(joins)}"
        # The table's cells in one text, with the commas between them.
        if len(table_cells) == 1:
            written = cell(*table_cells[0])
        else:
            written = " || ',' || ".join(f"COALESCE({cell(*each)}, '')" for each in table_cells)
        joins.append(
            f"{'LEFT JOIN' if table.optional else 'JOIN'}"  # noqa: S608
            f" (SELECT {table.key} AS key, {written} AS cells FROM {table.source} AS t"
            f"{'' if table.grouped else ' GROUP BY 1'})"
            f" AS {alias} ON {alias}.key = d.d_{table.on}"
        )
        if table.optional and len(table_cells) > 1:
            empty = _literal("," * (len(table_cells) - 1))
            line.append(f"COALESCE({alias}.cells, {empty})")
        else:
            line.append(f"{alias}.cells")
    order = ", ".join(
        f"d.d_order_{n}{' DESC' if desc else ''}" for n, (_name, desc) in enumerate(ordering)
    )
    rows_sql = connection.ops.compose_sql(sql, params)
    select = f"SELECT {', '.join(line)} FROM ({rows_sql}) AS d {' '.join(joins)}"  # noqa: S608
    return f"COPY ({select} ORDER BY {order}) TO STDOUT WITH ({COPY_OPTIONS})"


def _registration_parts(*, attendance: bool) -> tuple[dict[str, str], list[Part]]:
    lookups = {
        "id": "pk",
        "session": "session_id",
        "organisation": "organisation_id",
        "economy": "economy_id",
        "kind": "organisation_kind",
        "size_band": "size_band",
        "women_led": "women_led",
        "youth_led": "youth_led",
        "status": "status",
        "source": "source",
        "attended": "attended",
        "minutes": "minutes_attended",
    }
    facts = (
        [("status", "d.d_status", "named"), ("walk_in", "false", "flag")]
        if attendance
        else [
            ("women_led", "d.d_women_led", "flag"),
            ("youth_led", "d.d_youth_led", "flag"),
            ("status", "d.d_status", "named"),
            ("source", "d.d_source", "named"),
        ]
    )
    parts = [
        ("registration", "d.d_id", "number"),
        _sessions(),
        (_table(Organisation, "organisation"), [("organisation", "t.name", "text")]),
        _economies(),
        ("kind", "d.d_kind", "named"),
        ("size_band", "d.d_size_band", "named"),
        *facts,
        ("attended", "d.d_attended", "flag"),
        ("minutes_attended", "d.d_minutes", "number"),
    ]
    return lookups, parts


def _registration_statement(filters, audience, now, cells: Cells, *, attendance: bool) -> str:
    rows = registrations_in_scope(filters, audience, now=now).order_by("pk")
    return _statement(rows, *_registration_parts(attendance=attendance), cells)


def registration_statements(filters, audience, *, now=None, codes=False) -> list[str]:
    """The COPY of registration_export_rows."""
    return [_registration_statement(filters, audience, now, Cells(codes=codes), attendance=False)]


def attendance_statements(filters, audience, *, now=None, codes=False) -> list[str]:
    """The COPY of attendance_export_rows: the registrations, then the walk-ins (none under a
    filter on the organisations' facts)."""
    cells = Cells(codes=codes)
    statements = [_registration_statement(filters, audience, now, cells, attendance=True)]
    if has_facts_filter(filters):
        return statements
    walk_ins = exports.walk_ins(filters, audience, now=now)
    lookups = {"session": "session_id", "attended": "attended", "minutes": "minutes"}
    empty = [(code, None, "text") for code in ("organisation", "economy", "region")]
    parts = [
        ("registration", None, "number"),
        _sessions(),
        *empty,
        *[(code, None, "text") for code in ("kind", "size_band", "status")],
        ("walk_in", "true", "flag"),
        ("attended", "d.d_attended", "flag"),
        ("minutes_attended", "d.d_minutes", "number"),
    ]
    statements.append(_statement(walk_ins, lookups, parts, cells))
    return statements


def _aggregated(through: str, value: str, separator: str, order: str) -> Table:
    """The values of an answer's many-to-many field in one text, in order (for each answer
    that has some)."""
    field = Answer._meta.get_field(through)
    table = field.remote_field.through._meta.db_table
    target = field.related_model._meta.db_table
    source = (
        f"(SELECT m.{field.m2m_column_name()} AS answer, string_agg({value}, {_literal(separator)}"  # noqa: S608
        f' ORDER BY {order}) AS value FROM "{table}" AS m JOIN "{target}" AS x'
        f" ON x.{field.related_model._meta.pk.column} = m.{field.m2m_reverse_name()}"
        f" GROUP BY m.{field.m2m_column_name()})"
    )
    return Table(source, "t.answer", "id", optional=True, grouped=True)


def _response_parts(language: str, codes: bool) -> tuple[dict[str, str], list[Part]]:
    lookups = {
        "id": "pk",
        "response": "response_id",
        "survey": "response__survey_id",
        "session": "response__session_id",
        "submitted_at": "response__submitted_at",
        "response_language": "response__language",
        "economy": "response__economy_id",
        "kind": "response__organisation_kind",
        "size_band": "response__size_band",
        "question": "question_id",
        "number": "number",
        "boolean": "boolean",
        "text": "text",
    }
    question = "t.code" if codes else translated("t.text", language)
    questions = (_table(Question, "question"), [("question", question, "text")])
    return lookups, questions


def answer_statements(filters, audience, *, now=None, codes=False) -> list[str]:
    """The COPY of answer_export_rows."""
    language = active_language()
    lookups, (questions, question) = _response_parts(language, codes)
    survey = "t.slug" if codes else translated("t.title", language)
    if codes:
        choices = _aggregated("choices", "x.code", " ", "x.position, x.id")
        markets = _aggregated("economies", "x.code", " ", f"x.sort_name_{language}")
    else:
        text = translated("x.text", language)
        choices = _aggregated("choices", text, "; ", "x.position, x.id")
        name = f"x.name_{language}"
        markets = _aggregated("economies", name, "; ", f"x.sort_name_{language}")
    parts = [
        ("response", "d.d_response", "number"),
        (_table(Survey, "survey"), [("survey", survey, "text")]),
        _sessions(),
        ("submitted_at", "d.d_submitted_at", "moment"),
        ("response_language", "d.d_response_language", "named"),
        _economies(),
        ("kind", "d.d_kind", "named"),
        ("size_band", "d.d_size_band", "named"),
        (questions, [*question, ("question_kind", "t.kind", "named")]),
        ("number", "d.d_number", "number"),
        ("yes_no", "d.d_boolean", "flag"),
        (choices, [("choices", "t.value", "text")]),
        ("text", "d.d_text", "text"),
        (markets, [("markets", "t.value", "text")]),
    ]
    rows = exports.scoped_answers(filters, audience, now=now)
    return [_statement(rows, lookups, parts, Cells(codes=codes))]


def comment_statements(filters, audience, *, now=None, codes=False) -> list[str]:
    """The COPY of comment_export_rows."""
    language = active_language()
    lookups, questions = _response_parts(language, codes)
    sessions, session_cells = _sessions()
    # Session.display_title: the active language, the session's own, then every language.
    own = " ".join(f"WHEN {_literal(code)} THEN t.title_{code}" for code in LANGUAGE_CODES)
    title = (
        f"COALESCE(NULLIF(t.title_{language}, ''), NULLIF(CASE t.language {own} END, ''), "
        + ", ".join(f"NULLIF(t.title_{code}, '')" for code in LANGUAGE_CODES)
        + ", '')"
    )
    parts = [
        (sessions, [*session_cells, ("session_title", title, "text")]),
        ("submitted_at", "d.d_submitted_at", "moment"),
        ("response_language", "d.d_response_language", "named"),
        questions,
        ("text", "d.d_text", "text"),
    ]
    rows = exports.comment_answers(filters, audience, now=now)
    return [_statement(rows, lookups, parts, Cells(codes=codes))]


# --- Streams ---------------------------------------------------------------------------------


# In COPY's lines: a cell wrapped in COPY's quote, \x01 (each \x01 inside doubled), COPY's
# separator between two cells, \x02, or the end of a line (outside a wrapped cell), \n.
COPY_TOKENS = re.compile(rb"\x01((?:[^\x01]|\x01\x01)*)\x01|\x02|\n")
WRITER_TOKENS = {COPY_SEPARATOR: b",", b"\n": b"\r\n"}


def _written_token(match: re.Match) -> bytes:
    if match.group(1) is None:
        return WRITER_TOKENS[match.group(0)]
    return match.group(1).replace(b"\x01\x01", b"\x01")


def _crlf(lines: bytearray) -> bytes:
    """Whole lines as COPY sent them, as the writer writes them: commas between the cells,
    wrapped cells unwrapped, \\r\\n at the end of each line."""
    data = bytes(lines)
    if COPY_QUOTE not in data:  # no cell was wrapped: every \x02 and \n is COPY's
        return data.replace(COPY_SEPARATOR, b",").replace(b"\n", b"\r\n")
    return COPY_TOKENS.sub(_written_token, data)


def copied(header: list[str], statements: list[str]) -> Iterator[bytes]:
    """The byte-order mark and header row, then the lines of each COPY statement."""
    yield (BOM + csv_line(header)).encode()
    outermost = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if outermost:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        # Compiling the lines' expressions takes longer than it saves (as in impact.queries).
        cursor.execute("SELECT set_config('jit', 'off', true)")
        for statement in statements:
            with cursor.cursor.copy(statement) as copy:
                # Each block is one line. They are copied into a buffer at once: holding on
                # to psycopg's blocks costs more than copying them.
                lines = bytearray()
                for line in copy:
                    lines += line
                    if len(lines) >= CHUNK_BYTES:
                        yield _crlf(lines)
                        lines = bytearray()
                if lines:
                    yield _crlf(lines)


def written(rows: Iterator[list]) -> Iterator[bytes]:
    """The rows of impact.exports through the one CSV writer, in the language active now."""
    return csv_stream(in_language(rows, translation.get_language()))


# --- The exports -----------------------------------------------------------------------------

Statements = Callable[..., list[str]]
EXPORTS: dict[str, tuple[list, Statements]] = {
    "registrations": (exports.REGISTRATION_COLUMNS, registration_statements),
    "attendance": (exports.ATTENDANCE_COLUMNS, attendance_statements),
    "answers": (exports.ANSWER_COLUMNS, answer_statements),
    "comments": (exports.COMMENT_COLUMNS, comment_statements),
}


def _csv(
    what: str,
    filters: ImpactFilters,
    audience: Audience,
    *,
    now: datetime | None = None,
    codes: bool = False,
) -> Iterator[bytes]:
    """One export as CSV bytes: from COPY on PostgreSQL, from the Python rows elsewhere. The
    names and the header are those of the language active now, whenever the stream is read."""
    if connection.vendor != "postgresql":
        return written(exports.export_rows(what, filters, audience, now=now, codes=codes))
    columns, statements = EXPORTS[what]
    header = exports.header_row(columns, codes=codes)
    return copied(header, statements(filters, audience, now=now, codes=codes))


def registration_csv(filters, audience, *, now=None, codes=False) -> Iterator[bytes]:
    """impact.exports.registration_export_rows as a CSV file."""
    return _csv("registrations", filters, audience, now=now, codes=codes)


def attendance_csv(filters, audience, *, now=None, codes=False) -> Iterator[bytes]:
    """impact.exports.attendance_export_rows as a CSV file."""
    return _csv("attendance", filters, audience, now=now, codes=codes)


def answer_csv(filters, audience, *, now=None, codes=False) -> Iterator[bytes]:
    """impact.exports.answer_export_rows as a CSV file."""
    return _csv("answers", filters, audience, now=now, codes=codes)


def comment_csv(filters, audience, *, now=None, codes=False) -> Iterator[bytes]:
    """impact.exports.comment_export_rows as a CSV file."""
    return _csv("comments", filters, audience, now=now, codes=codes)


CSV_FUNCTIONS = {
    "registrations": registration_csv,
    "attendance": attendance_csv,
    "answers": answer_csv,
    "comments": comment_csv,
}


def export_csv(what, filters, audience, *, now=None, codes=False) -> Iterator[bytes]:
    """A row export by name (impact.exports.ROW_EXPORTS) as a CSV file."""
    if what not in CSV_FUNCTIONS:
        raise ValueError(f"Cannot export {what!r}.")
    return CSV_FUNCTIONS[what](filters, audience, now=now, codes=codes)

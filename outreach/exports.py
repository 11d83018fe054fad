"""Files people open in a spreadsheet: the one CSV writer and the one XLSX writer, the names
such files are saved under, and the headers every download of personal data carries.

CSV, as every export writes it (organisers' and co-hosts' registrants, impact figures and rows,
attendance):
- UTF-8 with a byte-order mark: Excel reads a CSV as UTF-8 only with it ("Économie").
- Comma-separated, CRLF line ends (RFC 4180), one header row in the chosen language.
- A text cell is quoted when it holds a comma, a double quote, a line break, or a semicolon: Excel
  in a French or Spanish locale splits on semicolons, and a quoted value stays one cell there too.
- Formula injection: a CSV has no cell types, so a spreadsheet runs a text cell starting with
  = + - @ (or a tab, CR or NUL, which some strip first) as a formula. Such a cell is written with
  a leading apostrophe ("'=1+1"), as OWASP advises; the apostrophe stays visible in the cell, the
  price of a file that cannot run anything. Numbers are written as numbers, never prefixed.
  XLSX has cell types: there text is written as a string cell, which is never a formula, so no
  apostrophe is needed or shown (xlsx_file).
"""

import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from urllib.parse import quote

import xlsxwriter
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import translation

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
# A text cell holding one of these is quoted; ";" because French and Spanish Excel split on it.
QUOTE_WHEN = re.compile(r'[,;"\r\n]')
BOM = "\ufeff"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value) -> str:
    """A CSV text cell a spreadsheet cannot run: a formula start gets a leading apostrophe;
    None becomes ""."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_field(value) -> str:
    """One cell of a CSV line: numbers as they are, text defused and quoted when needed."""
    if isinstance(value, bool):
        value = "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    text = safe_cell(value)
    if QUOTE_WHEN.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(row: Iterable) -> str:
    return ",".join(csv_field(value) for value in row) + "\r\n"


def csv_stream(rows: Iterable[Iterable], *, bom: bool = True) -> Iterator[bytes]:
    """UTF-8 CSV lines, one at a time, for a StreamingHttpResponse or a file: the byte-order
    mark first (see the module's docstring), then each row as given: the caller's first row is
    its one header row."""
    if bom:
        yield BOM.encode()
    for row in rows:
        yield csv_line(row).encode()


# --- File names -------------------------------------------------------------------------------


def ascii_name(text: str) -> str:
    """Letters and digits without accents, the rest as single hyphens: "Côte d'Ivoire" →
    "Cote-d-Ivoire"."""
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._]+", "-", folded).strip("-.")


def export_filename(*parts, extension: str) -> str:
    """A download's name from its parts (what it is, its filters, its language), empty parts
    left out: ("impact", "economy", "2026-Q3", "fr") → outreach-impact-economy-2026-Q3-fr.csv."""
    words = [ascii_name(part) for part in ("outreach", *parts) if part not in (None, "")]
    return "-".join(word for word in words if word) + "." + extension


def content_disposition(filename: str) -> str:
    """attachment; filename="…" in ASCII, and filename*=UTF-8''… (RFC 6266) when the name has
    more than ASCII, for browsers that keep it."""
    fallback = ascii_name(filename.rsplit(".", 1)[0])
    if "." in filename:
        fallback += "." + ascii_name(filename.rsplit(".", 1)[1])
    header = f'attachment; filename="{fallback}"'
    if fallback != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header


def as_download(response: HttpResponse | StreamingHttpResponse, filename: str):
    """Mark a response as a file to save, never kept by a browser's or a proxy's cache: every
    export and download of personal data goes through here."""
    response["Content-Disposition"] = content_disposition(filename)
    response["Cache-Control"] = "no-store"
    return response


def in_language(rows: Iterable[Iterable], language: str | None) -> Iterator[Iterable]:
    """Each row of a stream made with `language` active: a streamed response is read after the
    view has returned, when the request's language may no longer be the thread's."""
    rows = iter(rows)
    while True:
        with translation.override(language, deactivate=False):
            try:
                row = next(rows)
            except StopIteration:
                return
        yield row


def csv_response(rows: Iterable[Iterable], filename: str) -> StreamingHttpResponse:
    """The rows as a streamed CSV download in the language active now (see the module's
    docstring for the format)."""
    rows = in_language(rows, translation.get_language())
    return csv_file_response(csv_stream(rows), filename)


def csv_file_response(lines: Iterable[bytes], filename: str) -> StreamingHttpResponse:
    """A CSV written already (byte-order mark, header row and lines, as bytes: `csv_stream`'s,
    or PostgreSQL's COPY in impact.csv_exports) as a streamed download. The response closes
    the stream when it is closed, read to its end or not."""
    response = StreamingHttpResponse(lines, content_type=CSV_CONTENT_TYPE)
    return as_download(response, filename)


# --- XLSX -------------------------------------------------------------------------------------

XLSX_OPTIONS = {
    # Rows are written to disk as they come, so memory stays flat however many there are.
    "constant_memory": True,
    # Text stays text: never a formula, never a link, whatever it starts with.
    "strings_to_formulas": False,
    "strings_to_urls": False,
}
XLSX_MAX_TEXT = 32767  # the longest text an Excel cell holds
SPOOL_BYTES = 8 * 1024 * 1024  # the finished workbook moves to disk beyond this size


def xlsx_file(rows: Iterable[Iterable], *, sheet: str = "export"):
    """The rows as an XLSX workbook in a temporary file, positioned at its start (for a
    FileResponse, or to copy elsewhere); the file is deleted when closed. The first row is the
    header, in bold; numbers are number cells, None an empty cell, booleans "true"/"false"."""
    output = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (returned open)
    workbook = xlsxwriter.Workbook(output, XLSX_OPTIONS)
    worksheet = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True})
    for number, row in enumerate(rows):
        for column, value in enumerate(row):
            if value is None:
                value = ""
            elif isinstance(value, bool):
                value = "true" if value else "false"
            if isinstance(value, int | float):
                worksheet.write_number(number, column, value)
            elif value != "":
                # A string cell, never a formula whatever it starts with: no apostrophe needed.
                text = str(value)[:XLSX_MAX_TEXT]
                worksheet.write_string(number, column, text, bold if number == 0 else None)
    workbook.close()
    output.seek(0)
    return output


def xlsx_bytes(rows: Iterable[Iterable], *, sheet: str = "export") -> bytes:
    """The XLSX workbook as bytes (for small exports and tests; views stream `xlsx_file`)."""
    with xlsx_file(rows, sheet=sheet) as output:
        return output.read()


def xlsx_response(rows: Iterable[Iterable], filename: str, *, sheet: str) -> FileResponse:
    """The rows as an XLSX download: built in a temporary file in the language active now, then
    streamed from it (never kept in a cache, see `as_download`)."""
    response = FileResponse(xlsx_file(rows, sheet=sheet), content_type=XLSX_CONTENT_TYPE)
    return as_download(response, filename)


def file_response(rows: Iterable[Iterable], fmt: str, filename: str, *, sheet: str):
    """The rows as a CSV (streamed line by line) or XLSX download, by `fmt`."""
    if fmt == "csv":
        return csv_response(rows, filename)
    if fmt == "xlsx":
        return xlsx_response(rows, filename, sheet=sheet)
    raise ValueError(f"No writer for {fmt!r}.")

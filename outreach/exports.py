"""Writing cells that spreadsheets will open safely, and CSV streamed a line at a time."""

import csv
from collections.abc import Iterable, Iterator

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")


def safe_cell(value) -> str:
    """Text a spreadsheet would run as a formula is prefixed with a quote; None becomes ""."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Echo:
    """A file whose write returns what it was given, so csv.writer hands back each line."""

    def write(self, value):
        return value


def csv_stream(rows: Iterable[list], *, bom: bool = False) -> Iterator[bytes]:
    """UTF-8 CSV lines, one at a time, for a StreamingHttpResponse or a file. With `bom`, a
    byte-order mark first: Excel reads the file as UTF-8 only with it (for "Économie")."""
    writer = csv.writer(_Echo())
    if bom:
        yield "\ufeff".encode()
    for row in rows:
        yield writer.writerow(row).encode()

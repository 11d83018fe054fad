"""Export impact figures from the command line: headline figures or a breakdown, as CSV, XLSX or
JSON, with the dashboard's filters, to standard output or a file.

CSV and XLSX are for people by default (one header row and names in the --labels language);
--codes writes column codes and codes instead. A CSV starts with a byte-order mark wherever it
goes, as every Outreach CSV does (outreach.exports), so that Excel reads it as UTF-8 even when
standard output was redirected to a file.
"""

import json
import shutil

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from impact import exports, services
from impact.filters import FilterError, filters_from
from outreach.exports import csv_stream, xlsx_file

# Command-line option → the query parameter filters_from reads.
FILTER_OPTIONS = {
    "quarter": "quarter",
    "year": "year",
    "start": "start",
    "end": "end",
    "language": "language",
    "region": "region",
    "group": "group",
    "economy": "economy",
    "series": "series",
    "cohost": "cohost",
    "session_format": "format",
    "size_band": "size_band",
    "kind": "kind",
    "session": "session",
}


class Command(BaseCommand):
    help = (
        "Export impact figures (all organisations, as staff see them): the headline figures or "
        "a breakdown by economy, region, quarter, language, size, kind or session."
    )

    def add_arguments(self, parser):
        parser.add_argument("--by", required=True, choices=exports.AGGREGATES)
        parser.add_argument(
            "--format", dest="fmt", default="csv", choices=exports.AGGREGATE_FORMATS
        )
        parser.add_argument("--output", "-o", help="a file to write (default: standard output)")
        parser.add_argument(
            "--labels",
            default=settings.LANGUAGE_CODE,
            choices=[code for code, _name in settings.LANGUAGES],
            help="the language of the header row and names",
        )
        parser.add_argument(
            "--codes",
            action="store_true",
            help="column codes and codes (ISO, size band, …) instead of names, for scripts",
        )
        parser.add_argument("--quarter", help="e.g. 2026-Q3")
        parser.add_argument("--year", help="e.g. 2026")
        parser.add_argument("--start", help="sessions starting on or after, e.g. 2026-07-01")
        parser.add_argument("--end", help="sessions starting on or before, e.g. 2026-09-30")
        parser.add_argument("--language", help="language of the sessions: en, fr or es")
        parser.add_argument("--region", help="a UN M49 region or sub-region code, e.g. 002")
        parser.add_argument("--group", help="ldc, lldc or sids")
        parser.add_argument("--economy", help="ISO alpha-2 code of the organisations' economy")
        parser.add_argument("--series", help="series slug")
        parser.add_argument("--cohost", help="co-hosting organisation id")
        parser.add_argument("--session-format", help="online, in_person or hybrid")
        parser.add_argument("--size-band", help="micro, small, medium or large")
        parser.add_argument("--kind", help="kind of organisation, e.g. firm")
        parser.add_argument("--session", help="one session's id")

    def handle(self, *args, **options):
        params = {
            name: options[option]
            for option, name in FILTER_OPTIONS.items()
            if options.get(option) is not None
        }
        try:
            filters = filters_from(params)
        except FilterError as error:
            raise CommandError(str(error)) from None
        by, fmt, output = options["by"], options["fmt"], options["output"]
        with translation.override(options["labels"]):
            content = services.export_aggregate(
                filters, by, fmt=fmt, by=None, codes=options["codes"], command="export_impact"
            )
            if fmt == "json":
                data = json.dumps(content, indent=1)
                self._write_text([(data + "\n").encode()], output)
            elif fmt == "csv":
                self._write_text(csv_stream(content), output)
            else:
                with xlsx_file(content, sheet=f"impact-{by}") as workbook:
                    self._write_binary(workbook, output)

    def _write_text(self, chunks, output: str | None):
        if not output:
            for chunk in chunks:
                self.stdout.write(chunk.decode(), ending="")
            return
        try:
            with open(output, "wb") as file:
                file.writelines(chunks)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from None

    def _write_binary(self, workbook, output: str | None):
        if not output:
            # Standard output only if it takes bytes (a terminal or a pipe, not a StringIO).
            stream = getattr(self.stdout._out, "buffer", None)
            if stream is None:
                raise CommandError("XLSX is binary: write it to a file with --output FILE.")
            self.stdout.flush()
            shutil.copyfileobj(workbook, stream)
            stream.flush()
            return
        try:
            with open(output, "wb") as file:
                shutil.copyfileobj(workbook, file)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from None

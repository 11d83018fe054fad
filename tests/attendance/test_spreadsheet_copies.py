"""Reports re-saved by a spreadsheet in a French or Spanish locale import like the originals.

Excel in such a locale saves "CSV" with semicolons (and often a UTF-8 byte-order mark), and
"Unicode text" as UTF-16 with tabs. The copies are made here from the sample files, as Excel
writes them: the same cells, another separator, quoted where a cell holds it.
"""

import csv
import io
from pathlib import Path

import pytest

from registrations.attendance.reports import (
    Candidate,
    _decode,
    _guess_delimiter,
    match_attendance,
    parse_report,
)
from registrations.attendance.services import ReportOptions, import_attendance_report
from registrations.models import AttendanceRecord
from tests.factories import RegistrationFactory, SessionFactory, UserFactory

FILES = Path(__file__).parent / "files"
GENERIC_MAPPING = {
    "name": "Participant name",
    "email": "E-mail address",
    "joined_at": "Arrived",
    "left_at": "Departed",
}
SAMPLES = {
    "zoom_webinar.csv": {"time_zone": "Africa/Nairobi"},
    "zoom_webinar_us.csv": {"time_zone": "America/New_York"},
    "zoom_webinar_dmy_bom_crlf.csv": {"time_zone": "Europe/Paris"},
    "teams_attendance.csv": {"time_zone": "Europe/Brussels"},
    "generic_attendance.csv": {"time_zone": "UTC", "mapping": GENERIC_MAPPING},
}
# (separator, encoding, byte-order mark) of each copy a spreadsheet may write.
COPIES = {
    "semicolons": (";", "utf-8", b""),
    "semicolons with a BOM": (";", "utf-8", b"\xef\xbb\xbf"),
    "semicolons in UTF-16": (";", "utf-16-le", b"\xff\xfe"),
    "Unicode text (UTF-16, tabs)": ("\t", "utf-16-le", b"\xff\xfe"),
    "commas in UTF-16 without a BOM": (",", "utf-16-le", b""),
}


def resaved(original: bytes, separator: str, encoding: str, mark: bytes) -> bytes:
    text = _decode(original)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=_guess_delimiter(text))
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=separator, lineterminator="\r\n").writerows(rows)
    return mark + out.getvalue().encode(encoding)


def read(name: str, data: bytes, **options):
    return parse_report(data, **SAMPLES[name], **options)


@pytest.mark.parametrize("copy", COPIES)
@pytest.mark.parametrize("name", SAMPLES)
def test_a_spreadsheets_copy_reads_like_the_original(name, copy):
    original = (FILES / name).read_bytes()
    copied = resaved(original, *COPIES[copy])

    assert read(name, copied) == read(name, original)


@pytest.mark.parametrize("name", ["zoom_webinar.csv", "teams_attendance.csv"])
def test_a_semicolon_copy_is_recognised_and_matched_like_the_original(name):
    original = (FILES / name).read_bytes()
    copied = resaved(original, ";", "utf-8", b"\xef\xbb\xbf")
    report = read(name, original)
    candidates = [
        Candidate(key=index, name=join.name, email=join.email)
        for index, join in enumerate({join.email: join for join in report.joins}.values())
        if index < 3
    ]

    from_copy = match_attendance(read(name, copied), candidates, threshold_minutes=10)
    from_original = match_attendance(report, candidates, threshold_minutes=10)

    assert read(name, copied).platform == report.platform != "csv"
    assert from_copy == from_original
    assert {row.key for row in from_copy if row.key is not None} == set(range(len(candidates)))


def test_the_separator_is_read_from_the_header_not_the_title_lines():
    # Zoom's first lines have one comma each, the header many semicolons.
    text = (
        "Attendee Report\r\n"
        'Report Generated:,"Nov 12, 2026 11:40:07"\r\n'
        "Attendee Details;\r\n"
        "Attended;User Name (Original Name);Email;Join Time;Leave Time\r\n"
    )

    assert _guess_delimiter(text) == ";"


def test_a_comma_inside_quoted_header_values_does_not_decide():
    text = 'Name;"Email, work";Join Time\r\nAna;ana@example.org;"Nov 12, 2026 09:00"\r\n'

    assert _guess_delimiter(text) == ";"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["zoom_webinar.csv", "teams_attendance.csv"])
def test_a_semicolon_copy_imports_the_same_records_as_the_original(name):
    original = (FILES / name).read_bytes()
    copied = resaved(original, ";", "utf-8", b"\xef\xbb\xbf")
    people = list({join.email: join for join in read(name, original).joins}.values())[:3]
    persons = [UserFactory(full_name=join.name, email=join.email) for join in people]
    sessions = [SessionFactory(status="finished"), SessionFactory(status="finished")]
    for session in sessions:
        for person in persons:
            RegistrationFactory(session=session, person=person)
    options = ReportOptions(time_zone=SAMPLES[name]["time_zone"])

    import_attendance_report(sessions[0], original, filename=name, options=options)
    import_attendance_report(sessions[1], copied, filename=f"copy of {name}", options=options)

    def records(session):
        return list(
            AttendanceRecord.objects.filter(session=session)
            .order_by("name", "email")
            .values_list(
                "name",
                "email",
                "minutes",
                "joins",
                "attended",
                "matched_by",
                "registration__person",
            )
        )

    assert records(sessions[1]) == records(sessions[0])
    assert len(records(sessions[0])) > 3

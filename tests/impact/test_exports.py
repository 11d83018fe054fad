"""Exports of impact figures: for programme staff only, streamed, with one header row and names
in the chosen language (codes when asked for), safe to open in a spreadsheet in any language,
and from the command line."""

import csv
import io
import json
import re
import zipfile
from datetime import UTC, timedelta
from xml.etree import ElementTree

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import pgettext

from impact.exports import (
    ANSWER_COLUMNS,
    ATTENDANCE_COLUMNS,
    DIMENSION_COLUMNS,
    FIGURE_LABELS,
    REGISTRATION_COLUMNS,
)
from outreach.exports import xlsx_bytes
from outreach.models import CohostRole, OrganisationKind, Role
from registrations.models import Answer, AttendanceRecord, Survey, SurveyResponse
from tests.factories import (
    FirmFactory,
    OrganisationFactory,
    OrganiserFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    economy,
)

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil")'
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def csv_table(response_or_bytes) -> tuple[list, list]:
    """(header, data rows) of a CSV export."""
    data = response_or_bytes
    if not isinstance(data, bytes | str):
        data = body(data)
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    header, *rows = csv.reader(io.StringIO(data.removeprefix("\ufeff")))
    return header, rows


def _xml_text(element) -> str:
    """The text of an element, with OOXML's escapes (_x000D_ for a carriage return) undone."""
    text = "".join(t.text or "" for t in element.iter(f"{SHEET}t"))
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def xlsx_table(data: bytes) -> list[list]:
    """The first sheet's cells, read from the zip without a spreadsheet library: text (inline or
    shared strings) as str, numbers as float; formulas would fail the test."""
    with zipfile.ZipFile(io.BytesIO(data)) as workbook:
        shared = []
        if "xl/sharedStrings.xml" in workbook.namelist():
            strings = ElementTree.fromstring(workbook.read("xl/sharedStrings.xml"))  # noqa: S314
            shared = [_xml_text(si) for si in strings]
        sheet = ElementTree.fromstring(workbook.read("xl/worksheets/sheet1.xml"))  # noqa: S314
    assert list(sheet.iter(f"{SHEET}f")) == [], "a formula in the workbook"
    table = []
    for row in sheet.iter(f"{SHEET}row"):
        cells = []
        for c in row.iter(f"{SHEET}c"):
            column = ord(c.get("r")[0]) - ord("A")  # the exports have fewer than 27 columns
            cells += [None] * (column - len(cells))
            if c.get("t") == "inlineStr":
                cells.append(_xml_text(c))
            elif c.get("t") == "s":
                cells.append(shared[int(c.find(f"{SHEET}v").text)])
            else:
                cells.append(float(c.find(f"{SHEET}v").text))
        table.append(cells)
    return table


@pytest.fixture
def held():
    """A session held last month: a firm with a dangerous name attended, a walk-in came, and
    an anonymous response left a comment that looks like a formula."""
    starts_at = (timezone.now() - timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
    session = SessionFactory(
        starts_at=starts_at, ends_at=starts_at + timedelta(minutes=90), status="finished"
    )
    evil = FirmFactory(name=EVIL, economy=economy("SN"), size_band="micro")
    registration = RegistrationFactory(
        session=session,
        person=UserFactory(organisation=evil),
        attended=True,
        minutes_attended=80,
    )
    RegistrationFactory(session=session, attended=False, minutes_attended=0)
    AttendanceRecord.objects.create(session=session, name="Walk-in", minutes=40, attended=True)
    survey = Survey.objects.get(slug="impact")
    response = SurveyResponse.objects.create(
        survey=survey,
        session=session,
        registration=None,
        economy=economy("SN"),
        organisation_kind="firm",
        size_band="micro",
        language="fr",
    )
    Answer.objects.create(
        response=response, question=survey.questions.get(code="comments"), text="=1+1"
    )
    Answer.objects.create(
        response=response, question=survey.questions.get(code="satisfaction"), number=4
    )
    return {"session": session, "registration": registration}


@pytest.fixture
def staff_client(client):
    client.force_login(OrganiserFactory(role=Role.ANALYST))
    return client


def aggregate_url(by="economy", fmt="csv", language="en"):
    with translation.override(language):
        return reverse("impact:export-aggregate", kwargs={"by": by, "fmt": fmt})


def rows_url(what="registrations", fmt="csv", language="en"):
    with translation.override(language):
        return reverse("impact:export-rows", kwargs={"what": what, "fmt": fmt})


# --- Who may export -------------------------------------------------------------------------


def _person(role: str):
    if role == "organiser":
        return OrganiserFactory()
    if role == "analyst":
        return OrganiserFactory(role=Role.ANALYST)
    if role == "cohost":
        ministry = OrganisationFactory(name="Ministry", kind=OrganisationKind.GOVERNMENT)
        return UserFactory(role=Role.COHOST, cohost_role=CohostRole.MANAGER, organisation=ministry)
    return UserFactory(role=Role.PARTICIPANT)


@pytest.mark.parametrize(
    ("role", "status"),
    [("participant", 403), ("cohost", 403), ("analyst", 200), ("organiser", 200)],
)
@pytest.mark.parametrize("url", [aggregate_url(), aggregate_url("headline", "json"), rows_url()])
def test_exports_are_for_programme_staff_only(client, role, status, url):
    client.force_login(_person(role))

    response = client.get(url)

    assert response.status_code == status


def test_exports_send_anonymous_visitors_to_sign_in(client):
    response = client.get(rows_url("answers", "xlsx"))

    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/?next=/en/impact/export/rows/")


@pytest.mark.parametrize(
    "url",
    [
        "/en/impact/export/planet.csv",
        "/en/impact/export/economy.pdf",
        "/en/impact/export/economy.",
        "/en/impact/export/rows/people.csv",
        "/en/impact/export/rows/registrations.json",  # rows come as CSV or XLSX only
    ],
)
def test_unknown_exports_and_formats_are_not_found(staff_client, url):
    response = staff_client.get(url)

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ({"quarter": "2026-Q5"}, "2026-Q5"),
        ({"region": "999"}, "999"),
        ({"start": "yesterday"}, "yesterday"),
        ({"start": "2026-07-01", "end": "2026-06-01"}, "ends before it starts"),
    ],
)
def test_bad_filters_are_a_bad_request_that_says_why(staff_client, query, problem):
    for url in (aggregate_url(), aggregate_url("headline", "json"), rows_url("answers", "xlsx")):
        response = staff_client.get(url, query)

        assert response.status_code == 400
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert problem in response.content.decode()


# --- CSV --------------------------------------------------------------------------------------


def test_csv_exports_are_streamed_downloads_named_after_their_filters(staff_client, held):
    response = staff_client.get(aggregate_url("region"))

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="outreach-impact-region-en.csv"'
    )
    assert response["Cache-Control"] == "no-store"
    assert body(response).startswith("\ufeff".encode())  # so that Excel reads UTF-8


@pytest.mark.parametrize(
    ("url", "query", "filename"),
    [
        (
            aggregate_url("economy", language="fr"),
            {"quarter": "2026-Q3"},
            "outreach-impact-economy-2026-Q3-fr.csv",
        ),
        (
            aggregate_url("headline", "xlsx", language="es"),
            {"year": "2026", "economy": "sn", "size_band": "micro"},
            "outreach-impact-headline-2026-SN-micro-es.xlsx",
        ),
        (
            rows_url("attendance", language="fr"),
            {"start": "2026-07-01", "end": "2026-07-15", "region": "002", "codes": "1"},
            "outreach-impact-attendance-2026-07-01-to-2026-07-15-region-002-codes.csv",
        ),
        (
            aggregate_url("language", "json"),
            {"series": "open-webinar", "language": "fr"},
            "outreach-impact-language-sessions-in-fr-series-open-webinar-codes.json",
        ),
    ],
)
def test_file_names_carry_the_filters_and_the_language(staff_client, held, url, query, filename):
    response = staff_client.get(url, query)
    response.close()

    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'


def test_csv_has_one_header_row_in_the_chosen_language_and_names_not_codes(staff_client, held):
    header, rows = csv_table(staff_client.get(aggregate_url("economy", language="fr")))

    # Labels whose French the catalogue already holds.
    assert header[:2] == ["Économie", "Inscriptions"]
    assert len(header) == 5
    assert rows == [["Sénégal", "1", "1", "1", "1"], ["Chili", "1", "0", "1", "1"]]


def test_csv_holds_codes_when_asked_for(staff_client, held):
    header, rows = csv_table(
        staff_client.get(aggregate_url("economy", language="fr"), {"codes": "1"})
    )

    assert header == ["economy", "name", "registrations", "attendees", "organisations", "firms"]
    assert rows[0][:3] == ["SN", "Sénégal", "1"]


def test_quarters_read_as_people_write_them(staff_client, held):
    _header, rows = csv_table(staff_client.get(aggregate_url("quarter")))
    quarter = held["session"].starts_at.astimezone(UTC)

    assert rows[0][0] == f"Q{(quarter.month + 2) // 3} {quarter.year}"


def test_headline_csv_is_one_row_of_every_figure(staff_client, held):
    header, rows = csv_table(staff_client.get(aggregate_url("headline")))

    assert header[:4] == ["Sessions held", "Registrations", "Attendees", "Attendance rate"]
    # The realised outcomes follow these columns (tests/impact/test_outcomes.py).
    assert header[18] == "Organisations asked about outcomes"
    assert [row[:18] for row in rows] == [
        [
            "1",  # sessions
            "2",  # registrations
            "1",  # attendees
            "0.5",  # attendance rate
            "2",  # organisations
            "2",  # firms
            "1",  # economies reached
            "0.0",  # women-led
            "0.0",  # youth-led
            "1.0",  # micro
            "",  # no answer on market research
            "0",
            "",
            "0",
            "4.0",  # satisfaction
            "1",
            "",
            "0",
        ]
    ]


def test_registration_rows_carry_no_names_or_emails(staff_client, held):
    registration = held["registration"]

    codes, rows = csv_table(staff_client.get(rows_url("registrations"), {"codes": "1"}))

    assert codes == [
        "registration",
        "session",
        "session_language",
        "session_starts_at",
        "organisation",
        "economy",
        "region",
        "kind",
        "size_band",
        "women_led",
        "youth_led",
        "status",
        "source",
        "attended",
        "minutes_attended",
    ]
    assert rows[0] == [
        str(registration.pk),
        str(held["session"].pk),
        "en",
        held["session"].starts_at.isoformat(),
        "'" + EVIL,
        "SN",
        "002",
        "firm",
        "micro",
        "false",
        "false",
        "confirmed",
        "direct",
        "true",
        "80",
    ]
    assert registration.person.email not in str(rows)


def test_registration_rows_for_people_name_every_code_in_their_language(staff_client, held):
    header, rows = csv_table(staff_client.get(rows_url("registrations", language="fr")))

    cells = dict(zip(header, rows[0], strict=True))
    with translation.override("fr"):
        expected_header = [str(label) for _code, label in REGISTRATION_COLUMNS]
        yes, no = pgettext("a cell of an export", "Yes"), pgettext("a cell of an export", "No")
    assert header == expected_header
    assert [cells[name] for name in ("Économie", "Région", "Organisation")] == [
        "Sénégal",
        "Afrique",
        "'" + EVIL,
    ]
    assert rows[0][2] == "Anglais"  # the session's language
    assert rows[0][7:] == [
        "Entreprise",
        rows[0][8],
        no,
        no,
        rows[0][11],
        rows[0][12],
        yes,
        "80",
    ]
    codes = {"SN", "002", "firm", "micro", "confirmed", "direct", "true", "false", "en"}
    assert codes.isdisjoint(cell for row in rows for cell in row)


def test_formulas_are_defused_in_every_csv(staff_client, held):
    """A cell starting with = + - @ (or a tab, CR) is prefixed with a quote."""
    _codes, registrations = csv_table(staff_client.get(rows_url("registrations")))
    _codes, attendance = csv_table(staff_client.get(rows_url("attendance")))
    codes, answers = csv_table(staff_client.get(rows_url("answers"), {"codes": "1"}))

    assert registrations[0][4] == "'" + EVIL
    assert attendance[0][4] == "'" + EVIL
    assert [row[codes.index("text")] for row in answers] == ["", "'=1+1"]


def test_attendance_rows_end_with_the_walk_ins(staff_client, held):
    codes, rows = csv_table(staff_client.get(rows_url("attendance"), {"codes": "1"}))

    cells = [dict(zip(codes, row, strict=True)) for row in rows]
    assert [(c["organisation"], c["walk_in"], c["attended"], c["minutes_attended"]) for c in cells][
        -1
    ] == ("", "true", "true", "40")
    assert [c["walk_in"] for c in cells] == ["false", "false", "true"]


def test_answer_rows_are_one_per_response_and_question(staff_client, held):
    codes, rows = csv_table(staff_client.get(rows_url("answers"), {"codes": "1"}))

    cells = [dict(zip(codes, row, strict=True)) for row in rows]
    assert [(c["question"], c["number"], c["text"], c["economy"]) for c in cells] == [
        ("satisfaction", "4", "", "SN"),
        ("comments", "", "'=1+1", "SN"),
    ]


def test_answer_rows_for_people_give_the_questions_text(staff_client, held):
    header, rows = csv_table(staff_client.get(rows_url("answers", language="fr")))

    survey = Survey.objects.get(slug="impact")
    with translation.override("fr"):
        questions = [survey.questions.get(code=code).text for code in ("satisfaction", "comments")]
    question = [code for code, _label in ANSWER_COLUMNS].index("question")
    assert [(row[header.index("Économie")], row[question]) for row in rows] == [
        ("Sénégal", questions[0]),
        ("Sénégal", questions[1]),
    ]


def test_row_exports_take_the_same_queries_for_one_row_as_for_three(staff_client, held):
    """Streamed in chunks: the number of queries does not grow with the rows."""

    def queries_for(what):
        with CaptureQueriesContext(connection) as captured:
            body(staff_client.get(rows_url(what)))
        return len(captured)

    one = {what: queries_for(what) for what in ("registrations", "attendance", "answers")}
    session = held["session"]
    for _ in range(2):
        RegistrationFactory(session=session, attended=True, minutes_attended=30)
        AttendanceRecord.objects.create(session=session, name="Another", minutes=5)
        response = SurveyResponse.objects.create(
            survey=Survey.objects.get(slug="impact"),
            session=session,
            economy=economy("CL"),
            organisation_kind="firm",
            language="en",
        )
        Answer.objects.create(
            response=response,
            question=response.survey.questions.get(code="satisfaction"),
            number=5,
        )
    three = {what: queries_for(what) for what in ("registrations", "attendance", "answers")}

    assert three == one


# --- Opened as a French or Spanish Excel user would ------------------------------------------


def open_as_excel_in(data: bytes, language: str) -> list[list[str]]:
    """What Excel in a French or Spanish locale reads: it needs the byte-order mark to take the
    file as UTF-8, and it guesses the separator between ";" (its own) and ","; a value holding
    a ";" must be quoted, or the guess and the columns go wrong."""
    assert data.startswith(b"\xef\xbb\xbf"), f"no byte-order mark ({language})"
    text = data.decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(text, delimiters=";,")
    assert dialect.delimiter == ","
    rows = list(csv.reader(io.StringIO(text)))
    assert len({len(row) for row in rows}) == 1, "rows of different lengths"
    for line in text.splitlines():
        for field in re.findall(r'(?:^|,)("(?:[^"]|"")*"|[^,"]*)', line):
            assert ";" not in field or field.startswith('"'), f"unquoted semicolon: {line}"
    return rows


def expected_header(kwargs: dict, language: str) -> list[str]:
    """The one header row an export should have in this language."""
    what = kwargs.get("what") or kwargs["by"]
    with translation.override(language):
        if what == "headline":
            return [str(label) for label in FIGURE_LABELS.values()]
        if what in DIMENSION_COLUMNS:
            first = [] if what == "quarter" else [str(DIMENSION_COLUMNS[what][1])]
            figures = ("registrations", "attendees", "organisations", "firms")
            quarter = [str(DIMENSION_COLUMNS["quarter"][1])] if what == "quarter" else []
            return [*quarter, *first, *(str(FIGURE_LABELS[figure]) for figure in figures)]
        columns = {
            "registrations": REGISTRATION_COLUMNS,
            "attendance": ATTENDANCE_COLUMNS,
            "answers": ANSWER_COLUMNS,
        }[what]
        return [str(label) for _code, label in columns]


EXPORTS = [
    *[("export-aggregate", {"by": by, "fmt": "csv"}) for by in ("headline", "economy", "region")],
    *[("export-aggregate", {"by": by, "fmt": "csv"}) for by in ("quarter", "size", "kind")],
    *[("export-rows", {"what": what, "fmt": "csv"}) for what in ("registrations", "attendance")],
    ("export-rows", {"what": "answers", "fmt": "csv"}),
]


@pytest.mark.parametrize("language", ["fr", "es"])
@pytest.mark.parametrize(("name", "kwargs"), EXPORTS)
def test_every_csv_opens_in_excel_in_french_and_spanish(staff_client, held, language, name, kwargs):
    firm = FirmFactory(name="Import; Export SARL", economy=economy("CI"), size_band="small")
    RegistrationFactory(
        session=held["session"], person=UserFactory(organisation=firm), attended=True
    )
    with translation.override(language):
        url = reverse(f"impact:{name}", kwargs=kwargs)

    response = staff_client.get(url)

    rows = open_as_excel_in(body(response), language)
    assert response["Content-Disposition"].endswith(f'-{language}.csv"')
    assert rows[0] == expected_header(kwargs, language)
    codes = {"SN", "CI", "firm", "micro", "small", "confirmed", "direct", "true", "false"}
    assert codes.isdisjoint(cell for row in rows[1:] for cell in row)
    if kwargs.get("what") in {"registrations", "attendance"}:
        assert "Import; Export SARL" in [cell for row in rows for cell in row]
        assert b'"Import; Export SARL"' in body(staff_client.get(url))


def test_the_header_is_in_spanish_for_a_spanish_url(staff_client, held):
    header, _rows = csv_table(staff_client.get(aggregate_url("economy", language="es")))

    assert header[:2] == ["Economía", "Inscripciones"]


# --- XLSX -------------------------------------------------------------------------------------


def test_xlsx_export_is_a_file_response_with_text_that_stays_text(staff_client, held):
    response = staff_client.get(rows_url("registrations", "xlsx"))

    assert isinstance(response, FileResponse)
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == (
        'attachment; filename="outreach-impact-registrations-en.xlsx"'
    )
    assert response["Cache-Control"] == "no-store"
    table = xlsx_table(body(response))
    assert table[0][:5] == [
        "Registration",
        "Session",
        "Language of the session",
        "Session starts at (UTC)",
        "Organisation",
    ]
    assert table[1][4] == EVIL  # text, no formula (xlsx_table fails on one), no apostrophe
    assert table[1][0] == float(held["registration"].pk)


def test_xlsx_aggregate_has_one_header_row_names_and_numbers(staff_client, held):
    table = xlsx_table(body(staff_client.get(aggregate_url("economy", "xlsx", language="fr"))))

    assert table == [
        table[0],
        ["Sénégal", 1.0, 1.0, 1.0, 1.0],
        ["Chili", 1.0, 0.0, 1.0, 1.0],
    ]
    assert table[0][:2] == ["Économie", "Inscriptions"]


def test_xlsx_holds_codes_when_asked_for(staff_client, held):
    query = {"codes": "1"}
    table = xlsx_table(body(staff_client.get(aggregate_url("economy", "xlsx"), query)))

    assert table[0] == ["economy", "name", "registrations", "attendees", "organisations", "firms"]
    assert table[1][:2] == ["SN", "Senegal"]


def test_xlsx_writes_dangerous_text_as_text_with_no_apostrophe():
    dangerous = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://evil")']

    table = xlsx_table(xlsx_bytes([["header"] * len(dangerous), dangerous]))

    assert table[1] == dangerous


# --- JSON -------------------------------------------------------------------------------------


def test_json_export_holds_filters_rows_and_the_headline_figures(staff_client, held):
    response = staff_client.get(aggregate_url("language", "json"), {"quarter": "2026-Q3"})

    data = response.json()
    assert response["Content-Type"] == "application/json"
    assert set(data) == {"filters", "by", "rows", "figures"}
    assert data["filters"] == {"start": "2026-07-01", "end": "2026-09-30"}
    assert data["by"] == "language"
    assert isinstance(data["figures"]["attendance_rate"], float | None)


def test_json_rows_are_keyed_by_the_csv_codes(staff_client, held):
    data = staff_client.get(aggregate_url("size", "json")).json()

    assert data["rows"] == [
        {
            "size_band": "micro",
            "name": "Micro (up to 10 employees)",
            "registrations": 2,
            "attendees": 1,
            "organisations": 2,
            "firms": 2,
        }
    ]
    assert data["figures"]["attendees"] == 1


# --- The command ------------------------------------------------------------------------------


def test_command_writes_csv_to_standard_output(held):
    out = io.StringIO()

    call_command("export_impact", "--by", "economy", "--format", "csv", stdout=out)

    header, rows = csv_table(out.getvalue())
    assert header[0] == "Economy"
    assert rows == [["Senegal", "1", "1", "1", "1"], ["Chile", "1", "0", "1", "1"]]
    # Standard output is often redirected to a file that Excel opens: the mark is there too.
    assert out.getvalue().startswith("\ufeff")


def test_command_writes_codes_when_asked(held):
    out = io.StringIO()

    call_command("export_impact", "--by", "economy", "--codes", stdout=out)

    header, rows = csv_table(out.getvalue())
    assert header == ["economy", "name", "registrations", "attendees", "organisations", "firms"]
    assert rows == [["SN", "Senegal", "1", "1", "1", "1"], ["CL", "Chile", "1", "0", "1", "1"]]


def test_command_labels_in_the_language_asked(held):
    out = io.StringIO()

    call_command("export_impact", "--by", "region", "--labels", "fr", stdout=out)

    header, rows = csv_table(out.getvalue())
    assert header[:2] == ["Région", "Inscriptions"]
    assert [row[0] for row in rows] == ["Afrique", "Amériques"]


def test_command_writes_json_with_filters(held):
    out = io.StringIO()

    call_command(
        "export_impact", "--by", "quarter", "--format", "json", "--economy", "sn", stdout=out
    )

    data = json.loads(out.getvalue())
    assert data["filters"] == {"economy": "SN"}
    assert data["rows"][0]["registrations"] == 1
    assert data["figures"]["registrations"] == 1


def test_command_writes_csv_and_xlsx_to_a_file(held, tmp_path):
    call_command("export_impact", "--by", "language", "--output", str(tmp_path / "a.csv"))
    call_command(
        "export_impact",
        "--by",
        "language",
        "--format",
        "xlsx",
        "--output",
        str(tmp_path / "a.xlsx"),
    )

    header, rows = csv_table((tmp_path / "a.csv").read_bytes())
    assert header[0] == "Language"
    assert rows == [["English", "2", "1", "2", "2"]]
    assert xlsx_table((tmp_path / "a.xlsx").read_bytes())[1] == ["English", 2.0, 1.0, 2.0, 2.0]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--quarter", "2026-Q5"], "Not a quarter: '2026-Q5' (write 2026-Q3)."),
        (["--group", "g7"], "Not a group: 'g7' (ldc, lldc or sids)."),
        (["--cohost", "ministry"], "cohost is not a number: 'ministry'."),
        (["--format", "xlsx"], "XLSX is binary: write it to a file with --output FILE."),
        (["--output", "/no/such/folder/a.csv"], "Cannot write /no/such/folder/a.csv"),
    ],
)
def test_command_errors_are_one_clear_line(held, arguments, message):
    with pytest.raises(CommandError) as error:
        call_command("export_impact", "--by", "economy", *arguments, stdout=io.StringIO())

    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


def test_command_refuses_an_unknown_breakdown():
    with pytest.raises(CommandError, match="invalid choice: 'planet'"):
        call_command("export_impact", "--by", "planet", stdout=io.StringIO())

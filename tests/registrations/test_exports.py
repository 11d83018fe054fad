"""Organisers' and co-hosts' registrant CSVs, opened as a French or Spanish Excel user would:
UTF-8 with a byte-order mark, one header row in the chosen language, names not codes (codes
when asked for), semicolons quoted, formulas defused, file names with the filters, no cache."""

import csv
import io

import pytest
from django.utils import translation

from outreach.exports import content_disposition, csv_line, export_filename
from outreach.models import CohostRole, OrganisationKind, Role
from registrations.organiser_views import CSV_COLUMNS
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

CODES = {"CI", "firm", "small", "confirmed", "direct"}


def as_excel_would(response) -> list[list[str]]:
    """The rows Excel shows: it takes the file as UTF-8 only with the byte-order mark, and
    guesses "," over its own ";" only if no unquoted ";" misleads it."""
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert csv.Sniffer().sniff(text, delimiters=";,").delimiter == ","
    rows = list(csv.reader(io.StringIO(text)))
    assert len({len(row) for row in rows}) == 1
    return rows


@pytest.fixture
def registration():
    firm = FirmFactory(name="Import; Export SARL", economy=economy("CI"), size_band="small")
    person = UserFactory(full_name="Awa Koné", organisation=firm)
    return RegistrationFactory(person=person, job_title="=cmd|' /C calc'!A0")


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_organisers_csv_has_one_header_row_and_names_in_the_chosen_language(
    client, registration, language
):
    client.force_login(OrganiserFactory())
    url = f"/{language}/manage/sessions/{registration.session.pk}/registrations.csv"

    response = client.get(url)

    rows = as_excel_would(response)
    with translation.override(language):
        header = [str(label) for _code, label, _cell, _people in CSV_COLUMNS]
        kind, size, status = (
            str(OrganisationKind.FIRM.label),
            registration.organisation.get_size_band_display(),
            registration.get_status_display(),
        )
    assert rows[0] == header
    assert rows[0][3] == {"fr": "Économie", "es": "Economía"}[language]
    assert rows[1][:9] == [
        "Awa Koné",
        registration.person.email,
        "Import; Export SARL",
        "Côte d’Ivoire" if language == "fr" else rows[1][3],
        kind,
        size,
        "'=cmd|' /C calc'!A0",
        status,
        rows[1][8],
    ]
    assert CODES.isdisjoint(rows[1])
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"] == (
        f'attachment; filename="outreach-registrations-session-{registration.session.pk}'
        f'-{language}.csv"'
    )


def test_the_organisers_csv_holds_codes_when_asked_for(client, registration):
    client.force_login(OrganiserFactory())
    session = registration.session

    response = client.get(
        f"/fr/manage/sessions/{session.pk}/registrations.csv",
        {"codes": "1", "status": "confirmed", "economy": "ci"},
    )

    rows = as_excel_would(response)
    assert rows[0][:6] == ["name", "email", "organisation", "economy", "kind", "size_band"]
    assert rows[1][3:6] == ["CI", "firm", "small"]
    assert rows[1][7:9] == ["confirmed", "direct"]
    assert response["Content-Disposition"] == (
        f'attachment; filename="outreach-registrations-session-{session.pk}-confirmed-CI-codes.csv"'
    )


def test_a_value_with_a_semicolon_is_quoted(client, registration):
    client.force_login(OrganiserFactory())

    response = client.get(f"/fr/manage/sessions/{registration.session.pk}/registrations.csv")

    assert b',"Import; Export SARL",' in b"".join(response.streaming_content)


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_cohosts_csv_has_its_header_in_the_chosen_language(client, language):
    ministry = OrganisationFactory(name="Ministère", kind=OrganisationKind.GOVERNMENT)
    session = SessionFactory(cohosts=[ministry])
    firm = FirmFactory(name="Café; Cacao", economy=economy("CI"), size_band="small")
    RegistrationFactory(
        session=session,
        person=UserFactory(full_name="Awa Koné", organisation=firm),
        shares_with_cohosts=True,
    )
    member = UserFactory(role=Role.COHOST, cohost_role=CohostRole.VIEWER, organisation=ministry)
    client.force_login(member)

    response = client.get(f"/{language}/cohost/sessions/{session.pk}/registrants.csv")

    rows = as_excel_would(response)
    assert rows[0][3] == {"fr": "Économie", "es": "Economía"}[language]
    assert rows[0][0] != "name"
    assert len(rows) == 2
    assert rows[1][2] == "Café; Cacao"
    assert CODES.isdisjoint(rows[1])
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"] == (
        f'attachment; filename="outreach-registrants-session-{session.pk}-{language}.csv"'
    )


# --- The writer and the names ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "line"),
    [
        (["a", "b;c", 'say "hi"', "x,y"], 'a,"b;c","say ""hi""","x,y"\r\n'),
        (["=1+1", "+33 1", "-2", "@A1", "\tx"], "'=1+1,'+33 1,'-2,'@A1,'\tx\r\n"),
        ([1, -2, 0.5, None, True], "1,-2,0.5,,true\r\n"),
        (["ligne\nsuivante"], '"ligne\nsuivante"\r\n'),
    ],
)
def test_the_csv_writer_quotes_semicolons_and_defuses_formulas_but_not_numbers(row, line):
    assert csv_line(row) == line


def test_file_names_are_ascii_and_keep_the_original_for_browsers_that_can():
    assert export_filename("impact", "Côte d'Ivoire", "2026-Q3", "fr", extension="csv") == (
        "outreach-impact-Cote-d-Ivoire-2026-Q3-fr.csv"
    )
    assert content_disposition("Économie 2026.csv") == (
        "attachment; filename=\"Economie-2026.csv\"; filename*=UTF-8''%C3%89conomie%202026.csv"
    )
    assert content_disposition("outreach-impact-fr.csv") == (
        'attachment; filename="outreach-impact-fr.csv"'
    )

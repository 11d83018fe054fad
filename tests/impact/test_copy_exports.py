"""The row exports written by PostgreSQL's COPY (impact.csv_exports) are byte for byte the files
the Python rows give through the one CSV writer: every export, in English, French and Spanish,
for people and with codes, under each filter the export views take, with values chosen to trip
a CSV writer (formula starts, quotes, separators, line breaks, the bytes COPY's own quoting
uses, accents, Chinese, emoji, empty fields, an erased person). A stream left unread leaves the
connection ready for its next query."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.pq import TransactionStatus

from impact import csv_exports, exports
from impact.filters import ImpactFilters
from impact.queries import Audience
from outreach.exports import csv_field
from outreach.models import OrganisationKind, Role
from registrations.models import (
    Answer,
    AttendanceRecord,
    Choice,
    Question,
    Survey,
    SurveyPurpose,
    SurveyResponse,
)
from registrations.privacy import erase_person
from tests.factories import (
    FirmFactory,
    OrganisationFactory,
    OrganiserFactory,
    RegistrationFactory,
    SeriesFactory,
    SessionFactory,
    UserFactory,
    economy,
)

ACTIVE = TransactionStatus.ACTIVE  # a statement (here, a COPY) under way

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's"),
]

# Texts a CSV writer can get wrong: every formula start, every character that makes a cell
# quoted, COPY's own quote and separator (\x01, \x02), accents, Chinese, emoji, spaces.
AWKWARD = [
    "=1+1",
    "+33 1 23 45 67 89",
    "-x",
    "@SUM(A1:A9)",
    "\tTabbed",
    "\rReturned",
    'Say "hi"',
    '"Quoted"',
    "Import, Export",
    "Import; Export SARL",
    "two\nlines",
    "two\r\nlines, Windows",
    "Société générale à Genève",
    "中国国际贸易促进委员会",
    "Rocket 🚀 exports",
    "odd \x01 byte",
    "odd \x02 byte",
    "\x01",
    "\x01\x01,",
    " space first",
    "'apostrophe",
    "=",
    "",
]
LANGUAGES = ("en", "fr", "es")
ROW_EXPORTS = ("registrations", "attendance", "answers", "comments")


def written_by_python(what: str, filters: ImpactFilters, *, codes: bool) -> bytes:
    rows = exports.export_rows(what, filters, Audience.staff(), codes=codes)
    return b"".join(csv_exports.written(rows))


def written_by_copy(what: str, filters: ImpactFilters, *, codes: bool) -> bytes:
    return b"".join(csv_exports.export_csv(what, filters, Audience.staff(), codes=codes))


def assert_same_files(what: str, filters: ImpactFilters) -> None:
    """COPY's file is the Python writer's, in every language, for people and with codes."""
    for language in LANGUAGES:
        for codes in (False, True):
            with translation.override(language):
                python = written_by_python(what, filters, codes=codes)
                copied = written_by_copy(what, filters, codes=codes)
            assert copied.count(b"\r\n") > 1, f"{what} has no rows here"
            assert copied == python, _first_difference(what, language, codes, copied, python)


def _first_difference(what, language, codes, copied: bytes, python: bytes) -> str:
    for number, (a, b) in enumerate(
        zip(copied.split(b"\r\n"), python.split(b"\r\n"), strict=False)
    ):
        if a != b:
            return f"{what} {language} codes={codes}, line {number}:\n COPY   {a!r}\n Python {b!r}"
    return f"{what} {language} codes={codes}: {len(copied)} bytes from COPY, {len(python)}"


def register(session, person, *, status="confirmed", **fields):
    if status == "cancelled":
        fields["cancelled_at"] = session.starts_at - timedelta(days=1)
    if status == "waitlisted":
        fields["waitlisted_at"] = session.starts_at - timedelta(days=2)
    return RegistrationFactory(session=session, person=person, status=status, **fields)


@pytest.fixture
def world():
    """Two held sessions (one in French with no English title), one not held yet; firms and
    others with awkward names in several economies; every status, source and attendance; an
    erased person; walk-ins; survey answers of every kind, with awkward words and choices."""
    now = timezone.now()
    series = SeriesFactory(slug="open-webinar")
    cohost = OrganisationFactory(name="Ministère, Commerce", kind=OrganisationKind.GOVERNMENT)
    first = SessionFactory(
        title_en="=Export basics, part 1",
        title_fr="Les bases; partie 1",
        language="en",
        series=series,
        starts_at=datetime(2026, 7, 14, 9, 30, 0, 123456, tzinfo=UTC),
        ends_at=datetime(2026, 7, 14, 11, 0, tzinfo=UTC),
        status="finished",
    )
    first.cohosts.add(cohost)
    second = SessionFactory(
        title_en="",
        title_fr="Exporter vers l’Asie 🚀",
        title_es="",
        language="fr",
        format="hybrid",
        venue="Genève",
        starts_at=datetime(2026, 9, 30, 22, 0, tzinfo=UTC),
        ends_at=datetime(2026, 9, 30, 23, 30, tzinfo=UTC),
        status="published",
    )
    later = SessionFactory(starts_at=now + timedelta(days=3), status="published")
    places = ["SN", "CI", "CN", "FR", "BR", "SN", "CL", "JP"]
    kinds = [OrganisationKind.FIRM, OrganisationKind.SUPPORT, OrganisationKind.GOVERNMENT]
    sizes = ["micro", "small", "medium", "large", ""]
    statuses = ["confirmed", "confirmed", "waitlisted", "cancelled"]
    sources = ["direct", "cohost", "campaign", "organiser"]
    attendance = [(True, 45), (False, 0), (None, None), (True, 0)]
    registrations = []
    for n, name in enumerate(AWKWARD):
        kind = kinds[n % len(kinds)]
        organisation = OrganisationFactory(
            name=name,
            kind=kind,
            economy=economy(places[n % len(places)]),
            size_band=sizes[n % len(sizes)] if kind == OrganisationKind.FIRM else "",
            women_led=kind == OrganisationKind.FIRM and n % 2 == 0,
            youth_led=kind == OrganisationKind.FIRM and n % 3 == 0,
        )
        for session in (first, second, later)[: 2 + n % 2]:
            attended, minutes = attendance[n % len(attendance)]
            registrations.append(
                register(
                    session,
                    UserFactory(organisation=organisation),
                    status=statuses[n % len(statuses)],
                    source=sources[n % len(sources)],
                    attended=attended,
                    minutes_attended=minutes,
                )
            )
    # A person whose firm moved to a second economy between two registrations: each
    # registration keeps the economy of its day.
    elsewhere = FirmFactory(name="Ailleurs", economy=economy("BR"), size_band="small")
    moved = register(first, UserFactory(organisation=elsewhere), attended=True)
    register(
        second,
        moved.person,
        economy=economy("CI"),
        organisation_kind="firm",
        size_band="medium",
        status="waitlisted",
    )
    erase_person(registrations[0].person)
    for session, name in ((first, "Walk-in, late"), (second, "=cmd"), (first, "")):
        AttendanceRecord.objects.create(session=session, name=name, minutes=12, attended=True)
    AttendanceRecord.objects.create(session=second, name="Brief", minutes=2, attended=False)
    _answers(first, second, registrations)
    return {"first": first, "second": second, "cohost": cohost, "series": series}


def _survey() -> Survey:
    survey = Survey.objects.create(
        slug="after-awkward",
        family="after-awkward",
        title_en="After the session, = again",
        title_fr="",
        title_es="Después; de la sesión",
    )
    kinds = ["text", "scale", "yes_no", "multiple", "economies", "short_text", "nps"]
    for position, kind in enumerate(kinds):
        question = Question.objects.create(
            survey=survey,
            code=f"q-{kind}",
            position=position,
            kind=kind,
            text_en=f"{AWKWARD[position]} ({kind})",
            text_fr=f"« {kind} », en français" if position % 2 else "",
            text_es="",
        )
        if kind == "multiple":
            for choice_position, text in enumerate(["=Asia", "Africa, West", "", "中国"]):
                Choice.objects.create(
                    question=question,
                    code=f"c{choice_position}",
                    position=3 - choice_position,
                    text_en=text,
                    text_fr=f"{text} (fr)" if choice_position % 2 else "",
                )
    return survey


def _answers(first, second, registrations) -> None:
    survey = _survey()
    questions = {question.kind: question for question in survey.questions.all()}
    texts = [text for text in AWKWARD if text.strip()] + ["   ", ""]
    for n, registration in enumerate(registrations[:12]):
        response = SurveyResponse.objects.create(
            survey=survey,
            session=(first, second)[n % 2],
            registration=registration if n % 3 else None,
            economy=registration.economy,
            organisation_kind=registration.organisation_kind,
            size_band=registration.size_band,
            language=LANGUAGES[n % 3],
            submitted_at=datetime(2026, 10, 1, 8, n, n, n * 1000 if n % 2 else 0, tzinfo=UTC),
        )
        Answer.objects.create(response=response, question=questions["text"], text=texts[n])
        Answer.objects.create(
            response=response, question=questions["short_text"], text=texts[-1 - n]
        )
        Answer.objects.create(response=response, question=questions["scale"], number=n % 5 + 1)
        Answer.objects.create(response=response, question=questions["nps"], number=None)
        Answer.objects.create(
            response=response, question=questions["yes_no"], boolean=[True, False, None][n % 3]
        )
        chosen = Answer.objects.create(response=response, question=questions["multiple"])
        chosen.choices.set(list(questions["multiple"].choices.all())[: n % 5])
        markets = Answer.objects.create(response=response, question=questions["economies"])
        markets.economies.set([economy(code) for code in ["CN", "CI", "DE", "US"][: n % 5]])
    registration_questions = Survey.objects.create(
        slug="registration-awkward",
        family="registration-awkward",
        purpose=SurveyPurpose.REGISTRATION,
        title_en="Never exported",
    )
    question = Question.objects.create(
        survey=registration_questions, code="why", kind="text", text_en="Why?"
    )
    response = SurveyResponse.objects.create(
        survey=registration_questions,
        session=first,
        economy=economy("SN"),
        organisation_kind="firm",
        language="en",
    )
    Answer.objects.create(response=response, question=question, text="not in any export")


FILTERS = {
    "everything": lambda world: ImpactFilters(),
    "one session": lambda world: ImpactFilters(session=world["second"].pk),
    "an economy": lambda world: ImpactFilters(economy="SN"),
    "a region": lambda world: ImpactFilters(region="002"),
    "a group": lambda world: ImpactFilters(group="ldc"),
    "a quarter": lambda world: ImpactFilters(start=date(2026, 7, 1), end=date(2026, 9, 30)),
    "from a day": lambda world: ImpactFilters(start=date(2026, 8, 1)),
    "sessions in French": lambda world: ImpactFilters(language="fr"),
    "a series": lambda world: ImpactFilters(series=world["series"].slug),
    "a co-host": lambda world: ImpactFilters(cohost=world["cohost"].pk),
    "a format": lambda world: ImpactFilters(format="hybrid"),
    "firms, micro": lambda world: ImpactFilters(kind="firm", size_band="micro"),
    "government": lambda world: ImpactFilters(kind="government"),
}


@pytest.mark.parametrize("what", ROW_EXPORTS)
@pytest.mark.parametrize("name", FILTERS)
def test_copy_writes_the_python_writers_file(world, what, name):
    filters = FILTERS[name](world)
    if what == "comments" and name in ("firms, micro", "government", "a group"):
        filters = ImpactFilters()  # no comment is left under these: the others cover them
    assert_same_files(what, filters)


def test_a_filtered_export_keeps_to_its_filter(world):
    """The second session's file names no row of the first, and the comparison above would see
    a row that leaked: it is the same rows in both."""
    with translation.override("en"):
        copied = written_by_copy(
            "registrations", ImpactFilters(session=world["second"].pk), codes=True
        )
    sessions = {line.split(b",")[1] for line in copied.split(b"\r\n")[1:-1]}
    assert sessions == {str(world["second"].pk).encode()}


def test_an_empty_export_is_its_header(world):
    filters = ImpactFilters(start=date(2030, 1, 1))
    for what in ROW_EXPORTS:
        copied = written_by_copy(what, filters, codes=False)
        assert copied == written_by_python(what, filters, codes=False)
        assert copied.count(b"\r\n") == 1


def test_breaking_the_formula_rule_in_sql_is_seen(world, monkeypatch):
    """The comparison catches a COPY that would let a spreadsheet run "=1+1"."""
    monkeypatch.setattr(
        csv_exports,
        "SQL_FORMULA_STARTS",
        tuple(s for s in csv_exports.SQL_FORMULA_STARTS if s != "="),
    )
    with translation.override("en"):
        copied = written_by_copy("registrations", ImpactFilters(), codes=True)
        python = written_by_python("registrations", ImpactFilters(), codes=True)

    assert copied != python
    assert b",=1+1," in copied
    assert b",'=1+1," in python


# --- Cells, for any text and any moment ------------------------------------------------------


def _sql_cell(expression: str, value):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {expression} FROM (SELECT %s AS v) AS s", [value])  # noqa: S608
        return cursor.fetchone()[0]


TEXTS = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
    max_size=12,
) | st.builds(
    lambda start, rest: start + rest,
    st.sampled_from(["=", "+", "-", "@", "\t", "\r", '"', ",", ";", "\n", "\x01", "\x02"]),
    st.text(max_size=6).map(lambda text: text.replace("\x00", "")),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS)
def test_a_text_cell_in_sql_is_the_writers(text):
    assert (_sql_cell(csv_exports.text_cell("s.v::text"), text) or "") == csv_field(text)


MOMENTS = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)


@settings(max_examples=200, deadline=None)
@given(moment=MOMENTS)
def test_a_moment_in_sql_is_pythons_isoformat_in_utc(moment):
    assert _sql_cell(csv_exports.moment_cell("s.v::timestamptz"), moment) == moment.isoformat()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(name=TEXTS.filter(lambda text: text != ""))
def test_any_organisation_name_comes_out_as_the_writer_writes_it(world, name):
    firm = FirmFactory(name=name, economy=economy("CN"))
    RegistrationFactory(
        session=world["second"], person=UserFactory(organisation=firm), attended=True
    )
    filters = ImpactFilters(session=world["second"].pk)
    with translation.override("fr"):
        copied = written_by_copy("attendance", filters, codes=False)
        assert copied == written_by_python("attendance", filters, codes=False)
    assert csv_field(name).encode() in copied


# --- The download -----------------------------------------------------------------------------


@pytest.fixture
def staff_client(client):
    client.force_login(OrganiserFactory(role=Role.ANALYST))
    return client


def test_the_download_is_the_copy(staff_client, world):
    with translation.override("es"):
        url = reverse("impact:export-rows", kwargs={"what": "answers", "fmt": "csv"})
    response = staff_client.get(url, {"codes": "1", "economy": "sn"})
    data = b"".join(response.streaming_content)

    with translation.override("es"):
        assert data == written_by_python("answers", ImpactFilters(economy="SN"), codes=True)
    assert response["Content-Disposition"] == (
        'attachment; filename="outreach-impact-answers-SN-codes.csv"'
    )


def test_a_download_left_unread_leaves_the_connection_ready(staff_client, world, monkeypatch):
    """A download cancelled after its first lines: closing the response cancels the COPY and
    reads its rest, so that the connection's next query runs."""
    monkeypatch.setattr(csv_exports, "CHUNK_BYTES", 1)
    url = reverse("impact:export-rows", kwargs={"what": "registrations", "fmt": "csv"})
    response = staff_client.get(url)
    chunks = iter(response.streaming_content)
    assert next(chunks).startswith(b"\xef\xbb\xbf")  # the byte-order mark and header
    next(chunks)  # the first line, from COPY
    assert connection.connection.pgconn.transaction_status == ACTIVE  # in the COPY

    # In production the connection outlives the request; at the end of one made inside the
    # test's transaction, Django would close it (it is not in autocommit).
    monkeypatch.setattr(connection, "close_if_unusable_or_obsolete", lambda: None)
    response.close()

    assert connection.connection.pgconn.transaction_status != ACTIVE
    assert Question.objects.filter(code="q-text").count() == 1

"""A report says who attended one session: importing it reads, writes and replaces that session's
attendance only, and matches a person of the report to one registration at most. Each test keeps
a second session (with the same people registered) or a second candidate that must stay as it
was: a query that lost its `session=` filter passes any test with one session. Found by
mutation testing (docs/mutation-testing.md)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from registrations.attendance.reports import (
    Absentee,
    Candidate,
    Join,
    ParsedReport,
    match_attendance,
)
from registrations.attendance.services import (
    ReportOptions,
    attendance_summary,
    check_in,
    import_attendance_report,
    preview_attendance,
)
from registrations.models import AttendanceImport, AttendanceRecord, Registration
from tests.factories import FirmFactory, RegistrationFactory, SessionFactory, UserFactory

FILES = Path(__file__).parent / "files"
NAIROBI = "Africa/Nairobi"
ZOOM = ReportOptions(time_zone=NAIROBI)
# People of the sample report (tests/attendance/files/zoom_webinar.csv) and what it says of them.
PEOPLE = {
    "amina": ("Amina Ouédraogo", "amina.ouedraogo@sahelfoods.example"),
    "kwame": ("Kwame Mensah", "kwame.mensah@ghanacocoa.example"),
    "pedro": ("Pedro Alves", "pedro@cafealves.example"),
}
IN_THE_REPORT = {"amina": (True, 93), "kwame": (True, 47), "pedro": (False, 8)}


def read(name: str) -> bytes:
    return (FILES / name).read_bytes()


def webinar(**fields):
    """The session of the sample reports: 12 November 2026, 09:55 to 11:32 in Nairobi."""
    return SessionFactory(
        starts_at=datetime(2026, 11, 12, 6, 55, tzinfo=UTC),
        ends_at=datetime(2026, 11, 12, 8, 32, tzinfo=UTC),
        time_zone=NAIROBI,
        status="finished",
        **fields,
    )


@pytest.fixture
def people():
    return {
        key: UserFactory(full_name=name, email=email, organisation=FirmFactory())
        for key, (name, email) in PEOPLE.items()
    }


@pytest.fixture
def two_sessions(people):
    """The same people registered for the session of the report and for another one."""
    reported, other = webinar(title_en="Reported"), webinar(title_en="Other", capacity=50)
    registrations = {
        (session_name, key): RegistrationFactory(session=session, person=person)
        for session_name, session in (("reported", reported), ("other", other))
        for key, person in people.items()
    }
    return reported, other, registrations


def attendance(registrations, session_name) -> dict:
    return {
        key: tuple(
            Registration.objects.filter(pk=registration.pk).values_list(
                "attended", "minutes_attended"
            )[0]
        )
        for (name, key), registration in registrations.items()
        if name == session_name
    }


def import_into(session, name="zoom_webinar.csv"):
    return import_attendance_report(session, read(name), filename=name, options=ZOOM)


# --- Importing ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_importing_a_report_marks_its_own_sessions_registrations_and_no_others(two_sessions):
    reported, other, registrations = two_sessions

    import_into(reported)

    assert attendance(registrations, "reported") == IN_THE_REPORT
    assert attendance(registrations, "other") == dict.fromkeys(PEOPLE, (None, None))
    assert not AttendanceRecord.objects.filter(session=other).exists()


@pytest.mark.django_db
def test_the_same_file_imported_for_another_session_is_imported_there_too(two_sessions):
    reported, other, registrations = two_sessions
    first, _ = import_into(reported)

    second, changed = import_into(other)

    assert changed is True
    assert second.pk != first.pk
    assert second.session_id == other.pk
    assert attendance(registrations, "other") == IN_THE_REPORT


@pytest.mark.django_db
def test_the_same_file_again_for_the_same_session_changes_nothing(two_sessions):
    reported, _other, _registrations = two_sessions
    first, _ = import_into(reported)

    again, changed = import_into(reported)

    assert (again.pk, changed) == (first.pk, False)
    assert AttendanceImport.objects.count() == 1


@pytest.mark.django_db
def test_a_new_report_replaces_its_own_sessions_records_and_keeps_the_other_sessions(
    two_sessions,
):
    reported, other, registrations = two_sessions
    import_into(other)
    import_into(reported)
    records_of_other = list(
        AttendanceRecord.objects.filter(session=other).order_by("pk").values_list("pk", flat=True)
    )

    import_into(reported, "zoom_webinar_us.csv")

    assert (
        list(
            AttendanceRecord.objects.filter(session=other)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        == records_of_other
    )
    assert AttendanceRecord.objects.filter(session=reported).count() == len(records_of_other)
    assert attendance(registrations, "other") == IN_THE_REPORT


@pytest.mark.django_db
def test_a_check_in_at_another_session_does_not_keep_a_person_out_of_this_report(two_sessions):
    reported, _other, registrations = two_sessions
    check_in(registrations[("other", "pedro")], by=None)

    import_into(reported)

    assert attendance(registrations, "reported")["pedro"] == (False, 8)
    record = AttendanceRecord.objects.get(registration=registrations[("reported", "pedro")])
    assert (record.matched_by, record.minutes) == ("email", 8)
    assert attendance(registrations, "other")["pedro"] == (True, 97)


@pytest.mark.django_db
def test_a_check_in_at_this_session_outlives_its_report(two_sessions):
    reported, _other, registrations = two_sessions
    check_in(registrations[("reported", "pedro")], by=None)

    import_into(reported)

    assert attendance(registrations, "reported")["pedro"] == (True, 97)
    record = AttendanceRecord.objects.get(registration=registrations[("reported", "pedro")])
    assert (record.matched_by, record.source_id) == ("check-in", None)


@pytest.mark.django_db
def test_someone_registered_only_for_another_session_stays_unmatched_in_this_one(people):
    reported, other = webinar(), webinar()
    amina = RegistrationFactory(session=reported, person=people["amina"])
    RegistrationFactory(session=other, person=people["kwame"])

    preview = {p.name: p.key for p in preview_attendance(reported, read("zoom_webinar.csv"), ZOOM)}

    assert preview["Amina Ouédraogo"] == amina.pk
    assert preview["Kwame Mensah"] is None


@pytest.mark.django_db
def test_the_attendance_summary_counts_its_own_session_only(two_sessions):
    reported, other, _registrations = two_sessions
    import_into(reported)

    summary = attendance_summary(reported)
    nothing_yet = attendance_summary(other)

    assert (summary["attended"], summary["absent"]) == (2, 1)
    assert summary["unmatched"] == 7  # people of the report registered nowhere here
    assert (nothing_yet["attended"], nothing_yet["absent"], nothing_yet["unmatched"]) == (0, 0, 0)


# --- Matching -----------------------------------------------------------------------------------


def at(minute: float) -> datetime:
    return datetime(2026, 11, 12, 7, 0, tzinfo=UTC) + timedelta(minutes=minute)


def join(name: str, email: str, start: float = 0, end: float = 30, line: int = 2) -> Join:
    return Join(name, email, at(start), at(end), line)


def matched(report: ParsedReport, candidates: list[Candidate]) -> list[tuple]:
    return [(a.name, a.key, a.matched_by) for a in match_attendance(report, candidates)]


def test_a_line_without_an_email_is_not_matched_by_email_to_a_registration_without_one():
    report = ParsedReport([join("Guest 1", "")], [], "teams")

    assert matched(report, [Candidate("erased", "Someone Else", "")]) == [("Guest 1", None, "")]


def test_a_line_without_a_name_is_not_matched_by_name_to_a_registration_without_one():
    report = ParsedReport([join("", "caller@phone.example")], [], "zoom")

    assert matched(report, [Candidate("erased", "", "someone@else.example")]) == [("", None, "")]


def test_each_registration_is_matched_to_one_person_of_the_report_at_most():
    report = ParsedReport(
        [
            join("Kwame Mensah", "kwame@ghanacocoa.example"),
            join("K. Mensah", "KWAME@ghanacocoa.example ", 40, 50, 3),
            join("Kwame Mensah", "", 55, 60, 4),
        ],
        [],
        "zoom",
    )
    candidates = [
        Candidate("kwame", "Kwame Mensah", "kwame@ghanacocoa.example"),
        Candidate("other", "Ama Mensah", "ama@ghanacocoa.example"),
    ]

    assert matched(report, candidates) == [
        ("Kwame Mensah", "kwame", "email"),  # both lines with his address: one person
        ("Kwame Mensah", None, ""),  # his name again, but he is matched already
    ]


def test_a_name_matches_the_one_registration_of_that_name_and_leaves_the_others():
    report = ParsedReport([join("Zoë Müller", "zoe@private.example")], [], "zoom")
    candidates = [
        Candidate("anna", "Anna Müller", "anna@alpenholz.example"),
        Candidate("zoe", "ZOE MULLER", "z.muller@alpenholz.example"),
        Candidate("zoey", "Zoey Muller", "zoey@alpenholz.example"),
    ]

    assert matched(report, candidates) == [("Zoë Müller", "zoe", "name")]


def test_a_person_takes_the_first_name_and_address_their_lines_give():
    report = ParsedReport(
        [
            join("", "fatou@dakarsoap.example", 0, 5),
            join("Fatou Diop", " ", 10, 20, 3),
            join("Fatou D.", "fatou@dakarsoap.example", 20, 30, 4),
        ],
        [],
        "zoom",
    )

    [first, by_name] = match_attendance(report, [])

    assert (first.name, first.email, first.joins, first.minutes) == (
        "Fatou D.",
        "fatou@dakarsoap.example",
        2,
        15,
    )
    assert (by_name.name, by_name.email, by_name.joins) == ("Fatou Diop", "", 1)


def test_an_absentee_counts_once_and_never_as_attended():
    report = ParsedReport(
        [],
        [
            Absentee("Li Wei", "li.wei@shenzhen-parts.example", 9),
            Absentee("Li Wei", " LI.WEI@shenzhen-parts.example", 10),
            Absentee("Nadia Benali", "", 11),
        ],
        "zoom",
    )

    attendances = match_attendance(report, [], threshold_minutes=0)

    assert [(a.name, a.email, a.joins, a.attended) for a in attendances] == [
        ("Li Wei", "li.wei@shenzhen-parts.example", 0, False),
        ("Nadia Benali", "", 0, False),
    ]


def test_the_threshold_is_reached_at_exactly_its_minutes():
    report = ParsedReport(
        [join("Exactly", "exactly@x.example", 0, 10), join("Short", "short@x.example", 0, 9.4)],
        [],
        "zoom",
    )

    attended = {a.name: a.attended for a in match_attendance(report, [], threshold_minutes=10)}

    assert attended == {"Exactly": True, "Short": False}

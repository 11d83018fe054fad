"""Erasure and retention are final: no later attendance report, corrected report, survey link,
login session or waitlist brings an erased or anonymised person back, or moves a figure.

Each test plays the late event or the attacker, beside a second person (Ben) or session that
must stay exactly as it was.
"""

import json
from datetime import timedelta
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session as LoginSession
from django.test import Client
from django.utils import timezone

from impact.filters import ImpactFilters
from impact.queries import Audience, breakdown, headline_figures
from outreach.models import User
from registrations import privacy, services
from registrations.attendance import services as attendance
from registrations.attendance.services import ReportOptions, SessionPastRetention
from registrations.messages.delivery import deliver_message
from registrations.models import (
    AttendanceRecord,
    Message,
    MessageKind,
    PendingRegistration,
    Registration,
    RegistrationStatus,
    SuppressedIdentity,
    Survey,
    SurveyInvitation,
    SurveyResponse,
)
from tests.attendance.fake_zoom import PARTICIPANTS as ZOOM_PAGES
from tests.attendance.fake_zoom import fake_zoom  # noqa: F401 (a fixture used below)
from tests.factories import (
    OrganiserFactory,
    RegistrationFactory,
    SeriesFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

REPORT = ReportOptions(
    time_zone="UTC",
    platform="csv",
    mapping={
        "name": "Participant name",
        "email": "E-mail address",
        "joined_at": "Arrived",
        "left_at": "Departed",
    },
)
HEADER = "Participant name,E-mail address,Arrived,Departed\n"


def report(*rows: tuple[str, str, int]) -> bytes:
    """A plain CSV report of (name, email, minutes) rows, everyone joining at 10:00."""
    lines = [
        f"{name},{email},2026-11-12 10:00:00,2026-11-12 {10 + minutes // 60}:{minutes % 60:02}:00"
        for name, email, minutes in rows
    ]
    return (HEADER + "\n".join(lines) + "\n").encode()


def import_report(session, data: bytes, filename: str = "report.csv"):
    return attendance.import_attendance_report(session, data, filename=filename, options=REPORT)


def figures() -> tuple:
    staff = Audience.staff()
    return (
        headline_figures(ImpactFilters(), staff),
        *(breakdown(ImpactFilters(), by, staff) for by in ("economy", "session", "kind")),
    )


def identities() -> set[str]:
    """Every name and email any attendance record holds."""
    return {
        value for pair in AttendanceRecord.objects.values_list("name", "email") for value in pair
    } - {""}


@pytest.fixture
def webinar():
    """A webinar held last week: Ana (who will erase herself) and Ben both attended."""
    start = timezone.now().replace(microsecond=0) - timedelta(days=7)
    session = SessionFactory(
        starts_at=start, ends_at=start + timedelta(minutes=90), status="finished"
    )
    ana = UserFactory(full_name="Ana Pérez", email="ana@example.cl")
    ben = UserFactory(full_name="Ben Okafor", email="ben@example.org")
    registrations = {
        "ana": RegistrationFactory(session=session, person=ana),
        "ben": RegistrationFactory(session=session, person=ben),
    }
    import_report(
        session,
        report(
            ("Ana Pérez", "ana@example.cl", 60),
            ("Ben Okafor", "ben@example.org", 45),
            ("Walk In", "walk.in@example.net", 30),
        ),
        "first.csv",
    )
    return session, registrations


def attendance_of(registration) -> tuple:
    registration.refresh_from_db()
    return (registration.attended, registration.minutes_attended)


# Attendance reports after an erasure ---------------------------------------------------------


def test_the_same_report_imported_again_after_an_erasure_brings_nothing_back(webinar):
    session, registrations = webinar
    privacy.erase_person(registrations["ana"].person)
    before = (figures(), list(AttendanceRecord.objects.order_by("pk").values_list()))

    _source, changed = import_report(
        session,
        report(
            ("Ana Pérez", "ana@example.cl", 60),
            ("Ben Okafor", "ben@example.org", 45),
            ("Walk In", "walk.in@example.net", 30),
        ),
        "first (1).csv",
    )

    assert changed is False
    assert (figures(), list(AttendanceRecord.objects.order_by("pk").values_list())) == before
    assert "Ana Pérez" not in identities()


def test_a_corrected_report_after_an_erasure_neither_names_her_nor_moves_her_attendance(webinar):
    session, registrations = webinar
    privacy.erase_person(registrations["ana"].person)
    before = figures()

    import_report(
        session,
        report(
            # Her address written otherwise, under the threshold: would make her absent.
            ("Ana Perez", " ANA@Example.CL ", 5),
            # Her name alone, from another address: would come back as an unmatched row.
            ("ana  PÉREZ", "ana.private@mail.example", 20),
            ("Ben Okafor", "ben@example.org", 45),
            ("Walk In", "walk.in@example.net", 30),
        ),
        "corrected.csv",
    )

    assert attendance_of(registrations["ana"]) == (True, 60)
    assert attendance_of(registrations["ben"]) == (True, 45)
    assert identities() == {"Ben Okafor", "ben@example.org", "Walk In", "walk.in@example.net"}
    assert figures() == before
    assert "ana" not in json.dumps(list(AttendanceRecord.objects.values("name", "email"))).lower()


def test_a_corrected_report_without_her_row_leaves_her_attendance_as_it_was(webinar):
    session, registrations = webinar
    privacy.erase_person(registrations["ana"].person)

    import_report(session, report(("Ben Okafor", "ben@example.org", 12)), "without-ana.csv")

    assert attendance_of(registrations["ana"]) == (True, 60)
    assert attendance_of(registrations["ben"]) == (True, 12)
    assert AttendanceRecord.objects.filter(registration=registrations["ana"]).count() == 1


def test_the_preview_of_a_report_after_an_erasure_shows_no_trace_of_her(webinar):
    session, registrations = webinar
    privacy.erase_person(registrations["ana"].person)

    people = attendance.preview_attendance(
        session,
        report(("Ana Pérez", "ana@example.cl", 60), ("Ben Okafor", "ben@example.org", 45)),
        REPORT,
    )

    assert [(p.name, p.email, p.key) for p in people] == [
        ("Ben Okafor", "ben@example.org", registrations["ben"].pk)
    ]


def test_an_erased_walk_in_stays_an_anonymous_walk_in_in_a_corrected_report(webinar):
    session, _registrations = webinar
    walker = UserFactory(full_name="Walk In", email="walk.in@example.net")
    privacy.erase_person(walker)
    unmatched_before = attendance.attendance_summary(session)["unmatched"]

    import_report(
        session,
        report(
            ("Walk In", "walk.in@example.net", 25),
            ("Walk In", "Walk.In@example.net", 10),  # the same person, rejoining
            ("Ben Okafor", "ben@example.org", 45),
        ),
        "corrected.csv",
    )

    walk_ins = AttendanceRecord.objects.filter(session=session, registration__isnull=True)
    assert list(walk_ins.values_list("name", "email", "minutes", "joins", "attended")) == [
        ("", "", 25, 2, True)  # both joins from 10:00: the overlap counted once
    ]
    assert attendance.attendance_summary(session)["unmatched"] == unmatched_before


@pytest.mark.usefixtures("fake_zoom")
def test_a_zoom_pull_after_an_erasure_brings_nothing_back(monkeypatch):
    start = timezone.now() - timedelta(days=1)
    session = SessionFactory(
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        join_url="https://us02web.zoom.us/j/85012345678",
    )
    ana = RegistrationFactory(
        session=session, person=UserFactory(full_name="Ana Pérez", email="ana@example.cl")
    )
    attendance.import_from_zoom(session, "85012345678")
    privacy.erase_person(ana.person)
    # Zoom's report corrected afterwards: Ana there for five minutes only.
    monkeypatch.setitem(
        ZOOM_PAGES,
        "",
        {
            "next_page_token": "page2",
            "participants": [
                {
                    "name": "Ana Pérez",
                    "user_email": "ana@example.cl",
                    "join_time": "2026-11-10T14:00:00Z",
                    "leave_time": "2026-11-10T14:05:00Z",
                }
            ],
        },
    )

    _source, changed = attendance.import_from_zoom(session, "85012345678")

    assert changed is True
    assert attendance_of(ana) == (True, 40)
    assert "Ana Pérez" not in identities()
    assert "ana@example.cl" not in identities()


def test_someone_erased_who_registers_again_is_matched_as_anyone_else(webinar):
    _session, registrations = webinar
    privacy.erase_person(registrations["ana"].person)
    start = timezone.now() - timedelta(days=1)
    later = SessionFactory(starts_at=start, ends_at=start + timedelta(hours=1), status="finished")
    again = RegistrationFactory(
        session=later, person=UserFactory(full_name="Ana Pérez", email="ana@example.cl")
    )

    import_report(later, report(("Ana Pérez", "ana@example.cl", 50)), "later.csv")

    assert attendance_of(again) == (True, 50)
    assert AttendanceRecord.objects.get(session=later).name == "Ana Pérez"


def test_an_erased_registration_cannot_be_linked_or_checked_in_by_hand(client, webinar):
    session, registrations = webinar
    privacy.erase_person(registrations["ana"].person)
    walk_in = AttendanceRecord.objects.get(session=session, name="Walk In")
    client.force_login(OrganiserFactory())

    linked = client.post(
        f"/en/manage/sessions/{session.pk}/attendance/{walk_in.pk}/link/",
        {"registration": registrations["ana"].pk},
    )
    checked_in = client.post(
        f"/en/manage/sessions/{session.pk}/check-in/", {"registration": registrations["ana"].pk}
    )

    assert (linked.status_code, checked_in.status_code) == (404, 404)
    with pytest.raises(attendance.RegistrationAnonymised):
        attendance.link_by_hand(walk_in, registrations["ana"], by=None)
    with pytest.raises(attendance.RegistrationAnonymised):
        attendance.check_in(registrations["ana"], by=None)
    assert attendance_of(registrations["ana"]) == (True, 60)
    assert AttendanceRecord.objects.get(pk=walk_in.pk).registration is None


def test_suppression_keys_hold_no_readable_address_or_name(webinar):
    _session, registrations = webinar

    privacy.erase_person(registrations["ana"].person)

    keys = list(SuppressedIdentity.objects.values_list("key", flat=True))
    assert keys
    assert all(len(key) == 64 and "ana" not in key.lower() for key in keys)
    assert SuppressedIdentity.objects.filter(session__isnull=True).count() == 1


def test_keys_made_under_an_old_secret_still_match_while_it_is_a_fallback(settings, webinar):
    session, registrations = webinar
    privacy.erase_person(registrations["ana"].person)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-" + "y" * 60

    import_report(session, report(("Ana Pérez", "ana@example.cl", 5)), "after-rotation.csv")

    assert "Ana Pérez" not in identities()
    assert attendance_of(registrations["ana"]) == (True, 60)


# Retention, then an import --------------------------------------------------------------------


def test_a_report_after_retention_is_refused_and_changes_nothing(webinar):
    session, registrations = webinar
    series = SeriesFactory(retention_months=1)
    session.series = series
    session.ends_at = timezone.now() - timedelta(days=70)
    session.starts_at = session.ends_at - timedelta(minutes=90)
    session.save()
    privacy.apply_retention()
    before = (figures(), list(AttendanceRecord.objects.order_by("pk").values_list()))
    # Even with the retention period lifted afterwards, the session stays closed.
    series.retention_months = None
    series.save()

    with pytest.raises(SessionPastRetention):
        import_report(session, report(("Ana Pérez", "ana@example.cl", 5)), "late.csv")
    with pytest.raises(SessionPastRetention):
        attendance.preview_attendance(session, report(("Ana Pérez", "ana@example.cl", 5)), REPORT)

    assert (figures(), list(AttendanceRecord.objects.order_by("pk").values_list())) == before
    assert identities() == set()
    assert attendance_of(registrations["ana"]) == (True, 60)


def test_retention_keeps_the_anonymised_peoples_keys_for_the_session(webinar):
    session, _registrations = webinar
    rows = [
        ("BEN@example.org", ""),  # his address alone
        ("", "ben  okafor"),  # his name alone
        ("walk.in@example.net", "W. In"),  # the walk-in, by address
        ("someone@else.example", "Someone Else"),
    ]

    privacy.anonymise_session(session)

    found = privacy.suppressed_rows(session, rows)
    assert {said: f.registered for said, f in found.items()} == {
        ("BEN@example.org", ""): True,
        ("", "ben  okafor"): True,
        ("walk.in@example.net", "W. In"): False,
    }
    assert privacy.suppressed_rows(SessionFactory(), rows) == {}


# Survey links ---------------------------------------------------------------------------------


@pytest.fixture
def invitations(webinar):
    _session, registrations = webinar
    survey = Survey.objects.get(slug="impact")
    return {
        key: SurveyInvitation.objects.create(
            survey=survey, registration=registration, closes_at=timezone.now() + timedelta(days=7)
        )
        for key, registration in registrations.items()
    }


ANSWERS = {
    "satisfaction": "5",
    "simplifies_market_research": "yes",
    "informs_export_decision": "yes",
    "recommend": "9",
    "comments": "Ana Pérez here, still answering",
}


def test_a_survey_link_after_an_erasure_says_it_is_no_longer_valid_and_stores_nothing(
    client, webinar, invitations
):
    _session, registrations = webinar
    privacy.erase_person(registrations["ana"].person)
    url = f"/en/surveys/{invitations['ana'].token}/"

    looking = client.get(url)
    answering = client.post(url, ANSWERS)
    bens = client.post(f"/fr/surveys/{invitations['ben'].token}/", ANSWERS)

    assert (looking.status_code, answering.status_code) == (410, 410)
    assert "This link is no longer valid" in answering.content.decode()
    assert answering.templates[0].name == "registrations/survey_withdrawn.html"
    assert bens.status_code == 200
    assert list(SurveyResponse.objects.values_list("registration", flat=True)) == [
        registrations["ben"].pk
    ]


def test_a_survey_opened_before_the_erasure_and_sent_after_it_stores_nothing(webinar, invitations):
    from registrations.surveys import services as surveys

    _session, registrations = webinar
    opened = surveys.open_invitation(invitations["ana"].token)
    privacy.erase_person(registrations["ana"].person)

    with pytest.raises(surveys.SurveyWithdrawn):
        surveys.submit_response(opened, {"satisfaction": 5}, language="es")

    assert SurveyResponse.objects.count() == 0


def test_a_survey_link_after_retention_is_no_longer_valid(client, webinar, invitations):
    session, _registrations = webinar
    privacy.anonymise_session(session)

    answering = client.post(f"/es/surveys/{invitations['ben'].token}/", ANSWERS)

    assert answering.status_code == 410
    assert answering.templates[0].name == "registrations/survey_withdrawn.html"
    assert SurveyResponse.objects.count() == 0


# Login sessions -------------------------------------------------------------------------------


def login_sessions_of(person_id: int, email: str) -> list[str]:
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    return [
        row.session_key
        for row in LoginSession.objects.all()
        if str(store.decode(row.session_data).get("_auth_user_id")) == str(person_id)
        or email in repr(store.decode(row.session_data)).lower()
    ]


def test_erasing_deletes_every_login_session_that_holds_the_person(webinar):
    _session, registrations = webinar
    ana, ben = registrations["ana"].person, registrations["ben"].person
    laptop, phone, bens = Client(), Client(), Client()
    laptop.force_login(ana)
    phone.force_login(ana)
    bens.force_login(ben)
    # A sign-in by code started and left: the session holds her address, not her id.
    pending = import_module(settings.SESSION_ENGINE).SessionStore()
    pending["account_login_state"] = {"email": "Ana@Example.cl", "code_sent": True}
    pending.create()
    assert len(login_sessions_of(ana.pk, "ana@example.cl")) == 3

    laptop.post("/en/erase-me/")

    assert login_sessions_of(ana.pk, "ana@example.cl") == []
    assert phone.get("/en/my-sessions/").status_code == 302
    assert bens.get("/en/my-sessions/").status_code == 200


# Seats ----------------------------------------------------------------------------------------


def test_erasing_gives_upcoming_seats_to_the_waitlist_and_keeps_the_past(webinar, run_tasks):
    _past, registrations = webinar
    ana = registrations["ana"].person
    upcoming = SessionFactory(capacity=1)
    under_way = SessionFactory(
        starts_at=timezone.now() - timedelta(seconds=1),
        ends_at=timezone.now() + timedelta(hours=1),
        capacity=1,
    )
    ana_upcoming = services.register(upcoming, person=ana, organisation=ana.organisation)
    carla = UserFactory(full_name="Carla Ruiz")
    carla_waiting = services.register(upcoming, person=carla, organisation=carla.organisation)
    ana_live = RegistrationFactory(session=under_way, person=ana)
    dan_waiting = RegistrationFactory(
        session=under_way, status="waitlisted", waitlisted_at=timezone.now()
    )
    run_tasks()
    Message.objects.all().delete()

    privacy.erase_person(ana)

    statuses = dict(
        Registration.objects.filter(
            pk__in=[ana_upcoming.pk, carla_waiting.pk, ana_live.pk, dan_waiting.pk]
        ).values_list("pk", "status")
    )
    assert statuses == {
        ana_upcoming.pk: RegistrationStatus.CANCELLED,
        carla_waiting.pk: RegistrationStatus.CONFIRMED,
        ana_live.pk: RegistrationStatus.CONFIRMED,  # the session under way keeps what happened
        dan_waiting.pk: RegistrationStatus.WAITLISTED,
    }
    upcoming.refresh_from_db()
    assert upcoming.confirmed_count == 1
    assert list(Message.objects.values_list("registration", "kind")) == [
        (carla_waiting.pk, MessageKind.PROMOTED)
    ]
    assert attendance_of(registrations["ana"]) == (True, 60)
    assert not Registration.objects.filter(person=ana).exists()


def test_a_message_queued_before_the_erasure_is_never_sent(webinar, mailoutbox):
    _session, registrations = webinar
    message = services.queue_message(registrations["ana"], MessageKind.SURVEY)
    bens = services.queue_message(registrations["ben"], MessageKind.CONFIRMATION)

    privacy.erase_person(registrations["ana"].person)

    assert deliver_message(message.pk) == "not-claimed"
    assert deliver_message(bens.pk) == "sent"
    assert [m.to for m in mailoutbox] == [["ben@example.org"]]


# The personal data download ---------------------------------------------------------------------


def test_the_download_holds_attendance_messages_and_survey_invitations(client, webinar):
    session, registrations = webinar
    ana = registrations["ana"].person
    survey = Survey.objects.get(slug="impact")
    SurveyInvitation.objects.create(
        survey=survey, registration=registrations["ana"], closes_at=timezone.now()
    )
    services.queue_message(registrations["ana"], MessageKind.SURVEY)
    elsewhere = SessionFactory(title_en="A walk-in session")
    AttendanceRecord.objects.create(
        session=elsewhere, name="Ana P.", email="ANA@example.cl", minutes=20, attended=True
    )
    client.force_login(ana)

    data = json.loads(client.get("/en/my-data.json").content)

    assert [(a["name"], a["email"], a["minutes"]) for a in data["attendance"]] == [
        ("Ana Pérez", "ana@example.cl", 60),
        ("Ana P.", "ANA@example.cl", 20),
    ]
    assert [(m["kind"], m["status"]) for m in data["messages"]] == [("survey", "pending")]
    assert [i["survey"] for i in data["survey_invitations"]] == [survey.title]
    assert "Ben" not in json.dumps(data)
    assert session.display_title in json.dumps(data, ensure_ascii=False)


def test_an_erased_person_is_inactive_and_has_no_registration_left(webinar):
    _session, registrations = webinar
    ana = registrations["ana"].person

    privacy.erase_person(ana)

    ana = User.objects.get(pk=ana.pk)
    assert (ana.is_active, ana.full_name, privacy.is_erased(ana)) == (False, "", True)
    assert privacy.personal_data(ana)["attendance"] == []


def pending_for(person, session, **details) -> PendingRegistration:
    """What the public form asked in this person's name, waiting for their confirmation."""
    return PendingRegistration.objects.create(
        kind="registration", session=session, person=person, email=person.email, details=details
    )


def test_erasing_deletes_what_was_asked_in_the_persons_name(webinar):
    _session, registrations = webinar
    ana, ben = registrations["ana"].person, registrations["ben"].person
    upcoming = SessionFactory()
    pending_for(ana, upcoming, full_name="Ana Pérez", job_title="Buyer")
    bens = pending_for(ben, upcoming, full_name="Ben Okafor")

    privacy.erase_person(ana)

    assert list(PendingRegistration.objects.all()) == [bens]


def test_the_download_holds_what_was_asked_in_the_persons_name(client, webinar):
    _session, registrations = webinar
    ana = registrations["ana"].person
    pending_for(ana, SessionFactory(), full_name="Ana Pérez", job_title="Buyer")
    client.force_login(ana)

    data = json.loads(client.get("/en/my-data.json").content)

    assert [(p["kind"], p["email"], p["details"]) for p in data["confirmations_asked"]] == [
        ("registration", "ana@example.cl", {"full_name": "Ana Pérez", "job_title": "Buyer"})
    ]

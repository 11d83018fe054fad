"""The minutes that count as attending: the session's own, else its series' default, else the
programme's ten; set by organisers in the session and series forms, within sensible bounds."""

from datetime import UTC, datetime

import pytest

from events.models import DEFAULT_ATTENDANCE_THRESHOLD_MINUTES, Series, Session
from outreach.models import User
from registrations.attendance.services import ReportOptions, import_attendance_report
from tests.factories import (
    OrganiserFactory,
    RegistrationFactory,
    SeriesFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MAPPING = {"name": "Name", "email": "Email", "joined_at": "Joined", "left_at": "Left"}
# Three people stayed 12, 25 and 40 minutes.
REPORT = (
    "Name,Email,Joined,Left\n"
    "Ana Rojas,ana@example.cl,2026-11-12 10:00:00,2026-11-12 10:12:00\n"
    "Ben Osei,ben@example.gh,2026-11-12 10:00:00,2026-11-12 10:25:00\n"
    "Chloé Dubois,chloe@example.fr,2026-11-12 10:00:00,2026-11-12 10:40:00\n"
).encode()
PEOPLE = ("ana@example.cl", "ben@example.gh", "chloe@example.fr")


def webinar(**fields) -> Session:
    session = SessionFactory(
        starts_at=datetime(2026, 11, 12, 10, tzinfo=UTC),
        ends_at=datetime(2026, 11, 12, 11, tzinfo=UTC),
        status="finished",
        **fields,
    )
    for email in PEOPLE:
        person = User.objects.filter(email=email).first() or UserFactory(email=email)
        RegistrationFactory(session=session, person=person)
    return session


def attended_after_import(session: Session) -> list[str]:
    import_attendance_report(
        session,
        REPORT,
        filename="report.csv",
        options=ReportOptions(time_zone="UTC", platform="csv", mapping=MAPPING),
    )
    return sorted(
        session.registrations.filter(attended=True).values_list("person__email", flat=True)
    )


def test_a_sessions_threshold_overrides_its_series_default_which_overrides_the_programmes():
    series = SeriesFactory(attendance_threshold_minutes=20)
    own = webinar(series=series, attendance_threshold_minutes=30)
    of_the_series = webinar(series=series)
    alone = webinar()

    assert [s.attendance_threshold for s in (own, of_the_series, alone)] == [30, 20, 10]
    assert attended_after_import(own) == ["chloe@example.fr"]
    assert attended_after_import(of_the_series) == ["ben@example.gh", "chloe@example.fr"]
    assert attended_after_import(alone) == list(PEOPLE)


def test_the_programmes_default_is_ten_minutes():
    assert DEFAULT_ATTENDANCE_THRESHOLD_MINUTES == 10
    assert SessionFactory().attendance_threshold == 10


@pytest.fixture
def organiser_client(client):
    client.force_login(OrganiserFactory(language="fr", time_zone="Europe/Paris"))
    return client


def session_form(session: Session, **changes) -> dict:
    data = {
        "series": session.series_id or "",
        "language": session.language,
        "title_en": session.title_en,
        "format": session.format,
        "time_zone": "UTC",
        "starts_at": "2030-01-15T10:00",
        "ends_at": "2030-01-15T11:00",
        "capacity": str(session.capacity),
        "attendance_threshold_minutes": "",
    }
    data.update(changes)
    return data


def test_an_organiser_sets_one_sessions_threshold_and_leaves_the_other_untouched(
    organiser_client,
):
    series = SeriesFactory(attendance_threshold_minutes=20)
    first = SessionFactory(series=series, title_en="Selling online")
    second = SessionFactory(series=series, title_en="Selling offline")

    response = organiser_client.post(
        f"/en/manage/sessions/{first.pk}/edit/",
        session_form(first, attendance_threshold_minutes="45"),
    )

    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.attendance_threshold_minutes, first.attendance_threshold) == (45, 45)
    assert (second.attendance_threshold_minutes, second.attendance_threshold) == (None, 20)

    page = organiser_client.get(f"/en/manage/sessions/{second.pk}/edit/").content.decode()

    assert "Attending means at least 20 minutes in the attendance report." in page


def test_emptying_a_sessions_threshold_gives_it_the_series_default_again(organiser_client):
    series = SeriesFactory(attendance_threshold_minutes=20)
    session = SessionFactory(series=series, attendance_threshold_minutes=45)

    organiser_client.post(f"/en/manage/sessions/{session.pk}/edit/", session_form(session))

    session.refresh_from_db()
    assert (session.attendance_threshold_minutes, session.attendance_threshold) == (None, 20)


@pytest.mark.parametrize("minutes", ["0", "-5", "481", "100000"])
def test_a_threshold_out_of_bounds_is_refused_with_one_clear_message(organiser_client, minutes):
    language, message = "en", "Enter a number of minutes from 1 to 480."
    series = SeriesFactory(attendance_threshold_minutes=20)
    session = SessionFactory(series=series)

    session_response = organiser_client.post(
        f"/{language}/manage/sessions/{session.pk}/edit/",
        session_form(session, attendance_threshold_minutes=minutes),
    )
    series_response = organiser_client.post(
        f"/{language}/manage/series/{series.slug}/edit/",
        {"title_en": series.title_en, "attendance_threshold_minutes": minutes},
    )

    assert session_response.context["form"].errors["attendance_threshold_minutes"] == [message]
    assert series_response.context["form"].errors["attendance_threshold_minutes"] == [message]
    assert Session.objects.get(pk=session.pk).attendance_threshold_minutes is None
    assert Series.objects.get(pk=series.pk).attendance_threshold_minutes == 20


def test_a_threshold_longer_than_the_session_is_refused(organiser_client):
    session = SessionFactory()

    response = organiser_client.post(
        f"/en/manage/sessions/{session.pk}/edit/",
        session_form(session, attendance_threshold_minutes="61"),
    )

    assert response.context["form"].errors["attendance_threshold_minutes"] == [
        "The session lasts 60 minutes: no more than that can count as attending."
    ]


def test_an_organiser_sets_a_series_default(organiser_client):
    series = SeriesFactory(title_en="Open webinars")

    response = organiser_client.post(
        f"/en/manage/series/{series.slug}/edit/",
        {"title_en": "Open webinars", "attendance_threshold_minutes": "25"},
    )

    assert response.status_code == 302
    series.refresh_from_db()
    assert series.attendance_threshold_minutes == 25

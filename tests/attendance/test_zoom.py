"""Zoom's API, against a fake Zoom server on this machine: never the internet."""

import pytest
from django.urls import reverse

from registrations.attendance import services as attendance
from registrations.attendance import zoom
from registrations.models import AttendanceImport, ZoomPull
from tests.factories import OrganiserFactory, RegistrationFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_webinar_id_is_read_from_the_join_link():
    assert zoom.webinar_id_from("https://us02web.zoom.us/j/85012345678?pwd=abc") == "85012345678"
    assert zoom.webinar_id_from("https://meet.example.org/room") == ""


def test_participants_are_fetched_across_pages(fake_zoom):
    report = zoom.fetch_participants("85012345678")

    assert [(j.name, j.email) for j in report.joins] == [
        ("Ana Pérez", "ANA@example.cl "),
        ("Ana Pérez", "ana@example.cl"),
        ("Walk In", ""),
    ]
    assert [c.split("?")[0] for c in fake_zoom.calls] == [
        "/oauth/token",
        "/v2/report/webinars/85012345678/participants",
        "/v2/report/webinars/85012345678/participants",
    ]


def test_a_passing_server_error_is_retried(fake_zoom):
    fake_zoom.failures_left = 1

    report = zoom.fetch_participants("85012345678")

    assert len(report.joins) == 3


def test_an_unknown_webinar_is_a_clear_error(fake_zoom):
    with pytest.raises(zoom.ZoomError, match="no past webinar 999999999"):
        zoom.fetch_participants("999999999")


def test_an_unreachable_zoom_is_a_clear_error_and_writes_nothing(settings):
    settings.ZOOM_OAUTH_URL = "http://127.0.0.1:9/oauth/token"  # nothing listens on port 9
    settings.ZOOM_ACCOUNT_ID = settings.ZOOM_CLIENT_ID = settings.ZOOM_CLIENT_SECRET = "x"
    session = SessionFactory(join_url="https://us02web.zoom.us/j/85012345678")

    with pytest.raises(zoom.ZoomError, match="cannot be reached"):
        attendance.import_from_zoom(session, "85012345678")

    assert AttendanceImport.objects.count() == 0


def test_pulled_participants_are_matched_and_counted_once(fake_zoom):
    session = SessionFactory(join_url="https://us02web.zoom.us/j/85012345678")
    ana = RegistrationFactory(session=session, person=UserFactory(email="ana@example.cl"))

    _source, changed = attendance.import_from_zoom(session, "85012345678")
    _again, changed_again = attendance.import_from_zoom(session, "85012345678")

    ana.refresh_from_db()
    assert (changed, changed_again) == (True, False)
    # 14:00:05-14:20 and 14:15-14:40 overlap: 40 minutes, not 45.
    assert (ana.attended, ana.minutes_attended) == (True, 40)
    assert session.attendance.filter(registration__isnull=True).count() == 1


def test_the_attendance_page_pulls_from_zoom_in_a_task_and_shows_how_it_went(
    client, fake_zoom, run_tasks
):
    session = SessionFactory(join_url="https://us02web.zoom.us/j/85012345678")
    ana = RegistrationFactory(session=session, person=UserFactory(email="ana@example.cl"))
    client.force_login(OrganiserFactory())
    page = reverse("registrations:attendance", args=[session.pk])

    client.post(page, {"step": "zoom"})
    pulling = client.get(page).content.decode()
    run_tasks()
    pulled = client.get(page).content.decode()

    ana.refresh_from_db()
    assert "Pulling the attendance from Zoom since" in pulling
    assert "the attendance is recorded" in pulled
    assert (ana.attended, ana.minutes_attended) == (True, 40)


def test_the_page_asks_zoom_at_an_address_of_its_own(client, fake_zoom, run_tasks):
    session = SessionFactory(join_url="https://us02web.zoom.us/j/85012345678")
    ana = RegistrationFactory(session=session, person=UserFactory(email="ana@example.cl"))
    client.force_login(OrganiserFactory())
    pull = reverse("registrations:attendance-zoom", args=[session.pk])

    page = client.get(reverse("registrations:attendance", args=[session.pk])).content.decode()
    asked = client.post(pull)
    run_tasks()

    ana.refresh_from_db()
    assert f'action="{pull}"' in page
    assert asked.url == reverse("registrations:attendance", args=[session.pk])
    assert (ana.attended, ana.minutes_attended) == (True, 40)


def test_a_failed_zoom_pull_shows_zoom_s_reason_and_writes_nothing(client, settings, run_tasks):
    settings.ZOOM_OAUTH_URL = "http://127.0.0.1:9/oauth/token"  # nothing listens on port 9
    settings.ZOOM_ACCOUNT_ID = settings.ZOOM_CLIENT_ID = settings.ZOOM_CLIENT_SECRET = "x"
    session = SessionFactory(join_url="https://us02web.zoom.us/j/85012345678")
    client.force_login(OrganiserFactory())
    page = reverse("registrations:attendance", args=[session.pk])

    client.post(page, {"step": "zoom"})
    run_tasks()
    shown = client.get(page).content.decode()

    assert "The pull from Zoom failed on" in shown
    assert "cannot be reached" in shown
    assert ZoomPull.objects.get().finished_at is not None
    assert AttendanceImport.objects.count() == 0

"""A French-speaking firm enrols in a three-session course from one of its sessions' pages, sees
its progress on My sessions, and downloads its certificate of completion once the attendance
reports of two sessions are imported."""

import io
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from pypdf import PdfReader

from events.models import Session
from registrations.attendance.services import ReportOptions, import_attendance_report
from registrations.courses import services as courses
from registrations.models import Certificate, CertificateKind, Enrolment
from tests.browser.conftest import assert_accessible, fill_in_the_registration_form
from tests.factories import OrganiserFactory, SeriesFactory, SessionFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

EMAIL = "ana@frutasdelsur.example"


@pytest.fixture(autouse=True)
def _requests_finished():
    """Wait for the live server's request threads to end before the test database goes: each
    holds a database connection while Chromium keeps its socket open."""
    yield
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(
        "process_request_thread" in thread.name for thread in threading.enumerate()
    ):
        time.sleep(0.1)


MAPPING = {
    "name": "Participant name",
    "email": "E-mail address",
    "joined_at": "Arrived",
    "left_at": "Departed",
}


def report(starts_at: datetime) -> bytes:
    arrived = starts_at.strftime("%Y-%m-%d %H:%M:%S")
    departed = (starts_at + timedelta(minutes=85)).strftime("%Y-%m-%d %H:%M:%S")
    return (
        "Participant name,E-mail address,Arrived,Departed\n"
        f"Ana Pérez,{EMAIL},{arrived},{departed}\n"
    ).encode()


def signed_in_context(browser, person, base_url: str):
    client = Client()
    client.force_login(person)
    context = browser.new_context(accept_downloads=True)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}])
    context.add_cookies([{"name": "tz", "value": "America/Santiago", "url": base_url}])
    return context


def test_a_firm_in_french_enrols_in_a_course_sees_its_progress_and_gets_its_certificate(
    live_server, browser
):
    course = SeriesFactory(
        slug="vendre-en-ligne",
        title_fr="Vendre en ligne en trois semaines",
        is_course=True,
        capacity=10,
        completion_rule="sessions",
        completion_sessions=2,
    )
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
    sessions = [
        SessionFactory(
            series=course,
            language="fr",
            title_fr=f"Vendre en ligne, semaine {week + 1}",
            starts_at=start + timedelta(weeks=week),
            ends_at=start + timedelta(weeks=week, minutes=90),
            time_zone="UTC",
        )
        for week in range(3)
    ]
    page = browser.new_page()

    # The session page offers the whole course; one form enrols in its three sessions.
    page.goto(f"{live_server.url}/fr/sessions/{sessions[1].pk}/")
    offer = page.locator(".course-offer")
    assert "inscrivez-vous à ses 3 séances" in offer.inner_text()
    page.get_by_role("link", name="S’inscrire au cours").click()
    assert page.url == f"{live_server.url}/fr/courses/vendre-en-ligne/enrol/"
    assert page.locator(".course-sessions li").count() == 3
    assert_accessible(page)
    fill_in_the_registration_form(page, email=EMAIL)
    page.locator("main button[type=submit]").click()
    assert page.url == f"{live_server.url}/fr/courses/vendre-en-ligne/enrolled/"
    assert page.locator("h1").inner_text() == "Votre inscription au cours est confirmée"
    assert_accessible(page)
    enrolment = Enrolment.objects.get(series=course, person__email=EMAIL)
    assert enrolment.registrations.filter(status="confirmed").count() == 3
    assert enrolment.person.language == "fr"
    page.context.close()

    # The firm's My sessions: the course and what is left to complete it.
    context = signed_in_context(browser, enrolment.person, live_server.url)
    mine = context.new_page()
    mine.goto(f"{live_server.url}/fr/my-sessions/")
    progress = mine.locator(".course-progress")
    assert "Cours\u00a0: Vendre en ligne en trois semaines" in progress.inner_text()
    assert "Séances suivies\u00a0: 0 sur 3" in progress.inner_text()
    assert "encore 2 séances pour terminer" in progress.inner_text()
    assert_accessible(mine)

    # The course is held; the organisers import the first two sessions' reports.
    held = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(weeks=3)
    for week, session in enumerate(sessions):
        Session.objects.filter(pk=session.pk).update(
            starts_at=held + timedelta(weeks=week),
            ends_at=held + timedelta(weeks=week, minutes=90),
            status="finished",
        )
    for session in Session.objects.filter(series=course).order_by("starts_at")[:2]:
        import_attendance_report(
            session,
            report(session.starts_at),
            filename="rapport.csv",
            options=ReportOptions(time_zone="UTC", platform="csv", mapping=MAPPING),
        )

    mine.goto(f"{live_server.url}/fr/my-sessions/")
    progress = mine.locator(".course-progress")
    assert "Séances suivies\u00a0: 2 sur 3" in progress.inner_text()
    assert "terminé" in progress.inner_text()
    certificate = Certificate.objects.get(enrolment=enrolment, kind=CertificateKind.COMPLETION)
    entry = mine.locator(f"[data-certificate='{certificate.code}']")
    # Checked before the click: a button still fading into its hover colours fails contrast.
    assert_accessible(mine)
    with mine.expect_download() as download:
        entry.locator("a[download]").click()
    data = Path(download.value.path()).read_bytes()
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "Ana Pérez" in text
    assert "Vendre en ligne en trois semaines" in text
    assert certificate.code in text
    context.close()


def test_the_organisers_course_page_and_the_leave_pages_pass_axe(live_server, browser):
    course = SeriesFactory(
        slug="export-basics",
        title_en="Export basics",
        is_course=True,
        capacity=1,
        completion_rule="minutes",
        completion_percent=60,
    )
    for week in range(2):
        SessionFactory(
            series=course,
            starts_at=datetime.now(UTC) + timedelta(weeks=week + 1),
            ends_at=datetime.now(UTC) + timedelta(weeks=week + 1, minutes=90),
        )
    first, second = UserFactory.create_batch(2)
    enrolment = courses.enrol(course, person=first, organisation=first.organisation)
    courses.enrol(course, person=second, organisation=second.organisation)

    context = signed_in_context(browser, OrganiserFactory(), live_server.url)
    page = context.new_page()
    page.goto(f"{live_server.url}/es/manage/series/export-basics/course/")
    assert page.locator("table tbody tr").count() == 2
    assert_accessible(page)
    context.close()

    visitor = browser.new_page()
    visitor.goto(f"{live_server.url}/fr/courses/leave/{enrolment.token}/")
    assert_accessible(visitor)
    visitor.locator("main button[type=submit]").click()
    assert Enrolment.objects.get(pk=enrolment.pk).status == "cancelled"
    assert_accessible(visitor)
    visitor.context.close()

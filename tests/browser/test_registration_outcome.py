"""A visitor registering in Spanish is told what they got: a seat, with the address the
confirmation went to and buttons to add the session to a calendar, or their place on the
waitlist of a full session. At 360 px, with axe."""

import os
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from registrations import services
from tests.browser.conftest import assert_accessible, fill_in_the_registration_form
from tests.factories import SessionFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

TITLE = "Exportación a la UE: reglas de origen"


def screenshots(tmp_path) -> Path:
    # OUTREACH_SCREENSHOTS keeps them to look at; else they go with the test's temporary files.
    folder = Path(os.environ.get("OUTREACH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(browser, live_server):
    """A phone at 360 px in Santiago (JavaScript on: axe runs in the page); closed even when the
    test fails, so that the live server's connections end and the test database can be dropped.
    """
    context = browser.new_context(
        viewport={"width": 360, "height": 800},
        timezone_id="America/Santiago",
        locale="es-CL",
    )
    context.add_cookies([{"name": "tz", "value": "America/Santiago", "url": live_server.url}])
    yield context.new_page()
    context.close()
    # Each live-server request thread holds a database connection until Chromium's socket
    # closes; one left over stops the test database from being dropped at the end of the run.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(
        "process_request_thread" in thread.name for thread in threading.enumerate()
    ):
        time.sleep(0.1)


def test_a_spanish_visitor_sees_they_have_a_seat(live_server, page, tmp_path):
    session = SessionFactory(language="es", title_es=TITLE, capacity=10)

    page.goto(f"{live_server.url}/es/sessions/{session.pk}/register/")
    fill_in_the_registration_form(page, email="ana.perez@frutasdelsur.cl")
    page.locator("form.registration-form button[type=submit]").click()

    expect(page).to_have_url(f"{live_server.url}/es/sessions/{session.pk}/registered/")
    expect(page.locator("main h1")).to_have_text("Tiene una plaza")
    expect(page.locator("main")).to_contain_text(
        "Hemos enviado su confirmación, con la invitación de calendario y el enlace de conexión, "
        "a ana.perez@frutasdelsur.cl."
    )
    expect(page.locator("main")).to_contain_text(TITLE)
    calendar = page.get_by_role("region", name="Añadir al calendario")
    expect(calendar.get_by_role("link")).to_have_text(
        ["Descargar el archivo .ics", "Google Calendar", "Outlook"]
    )
    expect(page.get_by_role("link", name="Mis sesiones").last).to_have_attribute(
        "href", "/es/my-sessions/"
    )
    assert_accessible(page)
    page.screenshot(path=screenshots(tmp_path) / "outcome-seat-es-360.png", full_page=True)


def test_a_spanish_visitor_sees_their_place_on_the_waitlist(live_server, page, tmp_path):
    session = SessionFactory(language="es", title_es=TITLE, capacity=1)
    start = timezone.now() - timedelta(hours=1)
    for minutes in range(3):  # one seat taken, two people waiting
        person = UserFactory()
        services.register(
            session,
            person=person,
            organisation=person.organisation,
            now=start + timedelta(minutes=minutes),
        )

    page.goto(f"{live_server.url}/es/sessions/{session.pk}/")
    expect(page.get_by_role("link", name="Completo: únase a la lista de espera")).to_be_visible()
    page.get_by_role("link", name="Completo: únase a la lista de espera").click()
    fill_in_the_registration_form(page, email="ana.perez@frutasdelsur.cl")
    expect(page.locator("form.registration-form button[type=submit]")).to_have_text(
        "Completo: únase a la lista de espera"
    )
    page.locator("form.registration-form button[type=submit]").click()

    expect(page.locator("main h1")).to_have_text("Usted es el número 3 en la lista de espera")
    expect(page.locator("main")).to_contain_text(
        "Hemos enviado el aviso de lista de espera a ana.perez@frutasdelsur.cl."
    )
    expect(page.get_by_role("region", name="Añadir al calendario")).to_have_count(0)
    assert_accessible(page)
    page.screenshot(path=screenshots(tmp_path) / "outcome-waitlist-es-360.png", full_page=True)


def test_the_error_summary_links_each_field_and_is_focused(live_server, page, tmp_path):
    session = SessionFactory(language="es", title_es=TITLE)

    page.goto(f"{live_server.url}/es/sessions/{session.pk}/register/")
    page.locator("#id_full_name").fill("Ana Pérez")
    page.locator("input[name=kind][value=firm]").check()
    page.locator("form.registration-form button[type=submit]").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link").first).to_have_attribute("href", "#id_email")
    summary.get_by_role("link", name="Tamaño de la empresa (obligatorio para empresas)").click()
    expect(page).to_have_url(f"{live_server.url}/es/sessions/{session.pk}/register/#id_size_band")
    assert_accessible(page)
    page.screenshot(path=screenshots(tmp_path) / "error-summary-es-360.png", full_page=True)

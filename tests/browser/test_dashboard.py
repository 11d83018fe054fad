"""An analyst reading Spanish opens the impact dashboard: the world map is drawn, the numbers are
Spanish, the page is accessible; a screenshot shows it (and is not blank)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from outreach.models import Role, SizeBand
from tests.browser.conftest import describe, serious_accessibility_violations
from tests.factories import (
    FirmFactory,
    OrganiserFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    economy,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

# Attendees per economy: several regions, one economy of each size of count.
ATTENDEES = {"CL": 9, "PE": 6, "MX": 5, "KE": 7, "SN": 4, "VN": 6, "FR": 3, "FJ": 2, "HK": 1}
QUARTERS_AGO = (0, 1, 2, 3)  # sessions in four quarters, for the time series


def log_in(context, user, live_server) -> None:
    """Sign a person in without the emailed code: a Django session cookie in the browser."""
    client = Client()
    client.force_login(user)
    sessionid = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": sessionid, "url": live_server.url}]
    )


def held_sessions_with_attendees() -> None:
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    languages = ("es", "fr", "en", "es")
    sessions = [
        SessionFactory(
            language=language,
            title_en=f"Trade session {n}",
            title_es=f"Sesión de comercio {n}",
            title_fr=f"Session commerce {n}",
            starts_at=now - timedelta(days=20 + 91 * n),
        )
        for n, language in zip(QUARTERS_AGO, languages, strict=True)
    ]
    sizes = (SizeBand.MICRO, SizeBand.SMALL, SizeBand.MEDIUM)
    for index, (code, count) in enumerate(ATTENDEES.items()):
        for n in range(count):
            firm = FirmFactory(economy=economy(code), size_band=sizes[n % 3], women_led=n % 2 == 0)
            RegistrationFactory(
                session=sessions[(index + n) % len(sessions)],
                person=UserFactory(organisation=firm),
                attended=n != 0 or count == 1,
            )


def test_an_analyst_reads_the_dashboard_in_spanish_with_the_map_drawn(
    live_server, browser, tmp_path
):
    held_sessions_with_attendees()
    reader = OrganiserFactory(role=Role.ANALYST, language="es")
    context = browser.new_context(
        locale="es-ES", timezone_id="Europe/Madrid", viewport={"width": 1280, "height": 900}
    )
    context.add_cookies([{"name": "tz", "value": "Europe/Madrid", "url": live_server.url}])
    log_in(context, reader, live_server)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server.url}/es/impact/")

    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("[data-chart=map] canvas")).to_have_attribute(
        "data-drawn", "true", timeout=20_000
    )
    for by in ("quarter", "region", "language", "size", "kind"):
        expect(page.locator(f"[data-breakdown={by}] canvas")).to_have_attribute(
            "data-drawn", "true"
        )
    registrations = sum(ATTENDEES.values())
    expect(page.locator("dd[data-figure=registrations]")).to_have_text(str(registrations))
    expect(page.locator("dd[data-figure=economies_reached]")).to_have_text("9")
    # Spanish numbers: a decimal comma and a space before the percent sign.
    expect(page.locator("dd[data-figure=attendance_rate]")).to_have_text("81,4\xa0%")
    expect(page.locator("#table-economy")).to_contain_text("Hong Kong, China")
    expect(page.locator("#table-economy")).to_contain_text("Perú")
    violations = serious_accessibility_violations(page)
    assert violations == [], describe(violations)
    assert errors == []

    screenshot = tmp_path / "dashboard-es.png"
    page.screenshot(path=str(screenshot), full_page=True)
    map_shot = tmp_path / "dashboard-es-map.png"
    page.locator("[data-breakdown=economy]").screenshot(path=str(map_shot))
    context.close()

    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 100_000
    # A drawn map is many shades of blue and grey, far from a blank box.
    assert map_shot.stat().st_size > 20_000


def test_the_public_reach_page_draws_its_map_on_request(live_server, page):
    held_sessions_with_attendees()

    page.goto(f"{live_server.url}/fr/impact/reach/")

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("dd[data-figure=economies_reached]")).to_have_text("9")
    expect(page.locator("script[src*=chart]")).to_have_count(0)  # nothing heavy until asked
    page.locator("[data-map-on-request] button").click()
    expect(page.locator("[data-chart=map] canvas")).to_have_attribute(
        "data-drawn", "true", timeout=20_000
    )
    expect(page.locator("[data-map-on-request] button")).to_be_hidden()
    violations = serious_accessibility_violations(page)
    assert violations == [], describe(violations)

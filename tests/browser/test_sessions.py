"""An organiser plans a quarter in French and publishes it; a visitor finds the Spanish session."""

import re

import pytest
from django.conf import settings
from django.test import Client
from icalendar import Calendar
from playwright.sync_api import expect

from events.models import Session, SessionStatus
from tests.browser.conftest import describe, serious_accessibility_violations
from tests.factories import OrganiserFactory, SeriesFactory, TopicFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

TITLES = {
    "en": "Exporting to the EU: rules of origin",
    "fr": "Exporter vers l’UE : règles d’origine",
    "es": "Exportación a la UE: reglas de origen",
}
JOIN_URL = "https://meet.example.org/j/only-for-registrants"


def log_in(context, user, live_server) -> None:
    """Sign a person in without the emailed code: a Django session cookie in the browser."""
    client = Client()
    client.force_login(user)
    sessionid = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": sessionid, "url": live_server.url}]
    )


def assert_accessible(page) -> None:
    violations = serious_accessibility_violations(page)
    assert violations == [], describe(violations)


def test_a_quarter_planned_in_french_is_found_in_spanish_and_added_to_a_calendar(
    live_server, page, browser, tmp_path
):
    # Arrange: an organiser reading French, a series and a topic.
    organiser = OrganiserFactory(language="fr")
    series = SeriesFactory()
    topic = TopicFactory()
    log_in(page.context, organiser, live_server)

    # Act 1: plan the quarter, keeping the suggested start times and zones.
    page.goto(f"{live_server.url}/fr/manage/sessions/plan-quarter/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert_accessible(page)
    page.locator("#id_series").select_option(str(series.pk))
    page.locator("#id_topic").select_option(str(topic.pk))
    for code, title in TITLES.items():
        page.locator(f"input[name=title_{code}]").fill(title)
    for code in TITLES:
        expect(page.locator(f"input[name=start_{code}]")).not_to_have_value("")
    page.locator("main form[method=post] button[type=submit]:not([name])").click()

    expect(page).to_have_url(f"{live_server.url}/fr/manage/sessions/?status=draft")
    edit_links = page.locator("main tbody a[href$='/edit/']")
    expect(edit_links).to_have_count(3)
    edit_paths = [edit_links.nth(i).get_attribute("href") for i in range(3)]

    # Act 2: open each draft and publish it; the Spanish one gets its join link typed in (Publish
    # saves it first); the others are published without one once the warning is confirmed.
    for path in edit_paths:
        page.goto(live_server.url + path)
        spanish = page.locator("#id_language").input_value() == "es"
        if spanish:
            page.locator("input[name=join_url]").fill(JOIN_URL)
        page.locator("button[name=publish]").click()
        if not spanish:
            page.locator("main form[method=post] button[type=submit]").click()
        expect(page).to_have_url(live_server.url + path)
        expect(page.locator("button[name=publish]")).to_have_count(0)

    # Assert: three published sessions, one per language.
    sessions = list(Session.objects.order_by("language"))
    assert [(s.language, s.status) for s in sessions] == [
        ("en", SessionStatus.PUBLISHED),
        ("es", SessionStatus.PUBLISHED),
        ("fr", SessionStatus.PUBLISHED),
    ]
    spanish = Session.objects.get(language="es")
    assert spanish.join_url == JOIN_URL

    # Act 3: a visitor (not signed in) filters the Spanish catalogue by language.
    # The tz cookie is set up front so that tz.js never reloads the page under the test's feet.
    visitor = browser.new_context(timezone_id="America/Bogota", accept_downloads=True)
    visitor.add_cookies([{"name": "tz", "value": "America/Bogota", "url": live_server.url}])
    page = visitor.new_page()
    page.goto(f"{live_server.url}/es/sessions/")
    page.locator("select[name=language]").select_option("es")
    page.locator("form.catalogue-filters button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/es/sessions/\?.*language=es"))
    assert_accessible(page)
    cards = page.locator(".session-card .card-title a")
    expect(cards).to_have_count(1)
    expect(cards).to_have_text(TITLES["es"])
    expect(cards).to_have_attribute("href", f"/es/sessions/{spanish.pk}/")
    # Every planned session carries all three titles and /es/ shows each under its Spanish one,
    # so the single card linking to the Spanish session is what proves the filter.
    expect(page.locator("main")).not_to_contain_text(TITLES["en"])
    expect(page.locator("main")).not_to_contain_text(TITLES["fr"])

    cards.click()
    expect(page).to_have_url(f"{live_server.url}/es/sessions/{spanish.pk}/")
    expect(page.locator("main h1")).to_have_text(TITLES["es"])
    assert_accessible(page)
    assert JOIN_URL not in page.content()

    ics_link = page.locator(f"a[href='/es/sessions/{spanish.pk}/calendar.ics']")
    with page.expect_download() as download_info:
        ics_link.click()
    ics_path = tmp_path / "session.ics"
    download_info.value.save_as(ics_path)
    visitor.close()

    # Assert: one event at the session's instant, with its zone, its Spanish title, no join link.
    raw = ics_path.read_bytes()
    calendar = Calendar.from_ical(raw)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert event.decoded("dtstart") == spanish.starts_at
    assert event["dtstart"].params["TZID"] == spanish.time_zone
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == [spanish.time_zone]
    assert str(event["summary"]) == TITLES["es"]
    assert JOIN_URL.encode() not in re.sub(rb"\r\n[ \t]", b"", raw)  # unfolded lines

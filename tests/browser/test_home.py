from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import describe, serious_accessibility_violations
from tests.factories import SessionFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_home_page_in_each_language_switches_language_and_passes_axe(live_server, page):
    page.goto(f"{live_server.url}/en/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert serious_accessibility_violations(page) == [], describe(
        serious_accessibility_violations(page)
    )

    page.get_by_role("link", name="Français").click()

    expect(page).to_have_url(f"{live_server.url}/fr/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    violations = serious_accessibility_violations(page)
    assert violations == [], describe(violations)

    page.get_by_role("link", name="Español").click()

    expect(page).to_have_url(f"{live_server.url}/es/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    violations = serious_accessibility_violations(page)
    assert violations == [], describe(violations)


def test_the_skip_link_is_the_first_thing_a_keyboard_reaches(live_server, page):
    page.goto(f"{live_server.url}/fr/")

    page.keyboard.press("Tab")

    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
    expect(page.locator(".skip-link")).to_be_visible()


def test_the_sign_in_page_passes_axe_on_a_phone(live_server, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()

    page.goto(f"{live_server.url}/es/accounts/login/")

    violations = serious_accessibility_violations(page)
    assert violations == [], describe(violations)
    context.close()


def test_a_first_visit_shows_times_in_the_browsers_zone_without_reloading(live_server, browser):
    SessionFactory(starts_at=datetime(2030, 1, 15, 13, 0, tzinfo=UTC))
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, timezone_id="America/Santiago", locale="fr-CL"
    )
    page = context.new_page()
    loads = []
    page.on("load", lambda: loads.append(page.url))

    page.goto(f"{live_server.url}/fr/sessions/")

    # 13:00 UTC is 10:00 in Santiago (summer time), in French, with the zone named.
    expect(page.locator("time").first).to_have_text("mardi 15 janvier 2030, 10:00–11:30")
    expect(page.locator(".time-zone").first).to_have_text("(heure d’été du Chili)")
    page.wait_for_timeout(300)
    assert loads == [f"{live_server.url}/fr/sessions/"]
    assert {c["name"]: c["value"] for c in context.cookies()}["tz"] == "America/Santiago"
    context.close()


def test_without_javascript_times_are_in_utc_with_a_link_to_the_zone_page(live_server, browser):
    SessionFactory(starts_at=datetime(2030, 1, 15, 13, 0, tzinfo=UTC))
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/fr/sessions/")
    expect(page.locator("time").first).to_have_text("mardi 15 janvier 2030, 13:00–14:30")

    page.locator(".time-zone-note a").click()
    page.get_by_label("Afficher les heures dans le fuseau").select_option("Africa/Dakar")
    page.locator("main button[type=submit]").click()

    expect(page).to_have_url(f"{live_server.url}/fr/sessions/")
    expect(page.locator("time").first).to_have_text("mardi 15 janvier 2030, 13:00–14:30")
    expect(page.locator(".time-zone-note")).to_contain_text("Dakar (Sénégal)")
    context.close()


def test_the_french_time_zone_page_offers_the_likely_zones_first_and_passes_axe(
    live_server, browser
):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, timezone_id="Africa/Dakar", locale="fr-SN"
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/fr/time-zone/?next=/fr/")
    page.reload()  # the cookie tz.js set names the zone now

    groups = page.eval_on_selector_all("optgroup", "groups => groups.map(g => g.label)")
    assert groups[1:] == ["Afrique", "Amériques", "Asie", "Europe", "Océanie"]
    first = page.eval_on_selector_all("optgroup:first-of-type option", "os => os.map(o => o.text)")
    assert first[0] == "Sénégal — Dakar (UTC+00:00)"
    assert page.locator("select option:checked").inner_text() == "Sénégal — Dakar (UTC+00:00)"
    violations = serious_accessibility_violations(page)
    assert violations == [], describe(violations)
    context.close()

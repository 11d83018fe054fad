import pytest
from playwright.sync_api import expect

from tests.browser.conftest import describe, serious_accessibility_violations

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

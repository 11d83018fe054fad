"""The API's documentation page, and its browsable pages for a person signed in, work under the
site's strict Content-Security-Policy."""

import pytest
from django.conf import settings
from django.test import Client

from tests.browser.conftest import browser_type_launch_args  # noqa: F401 (Debian's Chromium)
from tests.factories import OrganiserFactory, SessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT_VIOLATIONS = (
    "document.addEventListener('securitypolicyviolation',"
    " e => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
)


def test_the_docs_page_loads_swagger_ui_from_this_site_with_no_csp_violation(live_server, page):
    violations, scripts = [], []
    page.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda m: (
            violations.append(m.text)
            if "CSP" in m.text or "Content Security Policy" in m.text
            else None
        ),
    )
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)

    response = page.goto(f"{live_server.url}/api/v1/docs/")

    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # Swagger UI draws the operations from the schema.
    page.get_by_text("/api/v1/sessions/", exact=False).first.wait_for()
    assert scripts
    assert all(url.startswith(live_server.url) for url in scripts), scripts
    assert violations == []


def test_a_person_signed_in_browses_the_api_with_no_csp_violation(live_server, browser):
    SessionFactory(title_en="Exporting to Europe")
    client = Client()
    client.force_login(OrganiserFactory())
    context = browser.new_context()
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    messages = []
    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", lambda message: messages.append(message.text))

    try:
        response = page.goto(f"{live_server.url}/api/v1/sessions/")
        page.wait_for_load_state("networkidle")
        shown = page.get_by_text("Exporting to Europe").first.is_visible()
    finally:
        context.close()  # the live server's threads end and close their database connections

    assert response.headers["content-type"].startswith("text/html")
    assert shown
    assert [text for text in messages if "CSP" in text or "Content Security" in text] == []

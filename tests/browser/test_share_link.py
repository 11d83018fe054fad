"""A ministry's member shares a Spanish session's invitation link: one click copies it, the QR
code is there to print, WhatsApp and email carry the message; at 360 px nothing overflows, and
without JavaScript the link is in a read-only field to select (no copy button)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from outreach.models import OrganisationKind, Role
from tests.browser.conftest import accessibility_violations, describe
from tests.browser.test_dashboard import log_in
from tests.browser.test_survey_results import screenshot_dir
from tests.factories import OrganisationFactory, SessionFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_a_member_copies_the_link_and_sees_the_qr_code(live_server, browser, tmp_path):
    ministry = OrganisationFactory(name="Ministerio A", kind=OrganisationKind.GOVERNMENT)
    session = SessionFactory(language="es", title_es="Exportar a Asia", cohosts=[ministry])
    member = UserFactory(
        role=Role.COHOST, cohost_role="viewer", organisation=ministry, language="es"
    )
    context = browser.new_context(locale="es-ES", viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    context.add_cookies([{"name": "tz", "value": "Europe/Madrid", "url": live_server.url}])
    log_in(context, member, live_server)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(
        live_server.url + reverse("cohost:session", args=[session.pk]).replace("/en/", "/es/")
    )

    link = page.locator("#invitation-link").input_value()
    assert link.startswith("https://outreach.example/es/sessions/")
    page.locator("[data-copy=invitation-link]").click()
    expect(page.locator("[data-copy-status]")).not_to_be_empty()
    assert page.evaluate("navigator.clipboard.readText()") == link
    qr = page.locator(".share-qr img")
    expect(qr).to_be_visible()
    assert page.evaluate("document.querySelector('.share-qr img').naturalWidth") > 0
    assert (
        page.locator("[data-share=whatsapp]")
        .get_attribute("href")
        .startswith("https://wa.me/?text=")
    )
    violations = accessibility_violations(page)
    assert violations == [], describe(violations)
    shots = screenshot_dir(tmp_path)
    page.locator("[aria-labelledby=invitation-heading]").screenshot(
        path=str(shots / "share-link-es-1280.png")
    )
    page.set_viewport_size({"width": 360, "height": 800})
    page.locator("[aria-labelledby=invitation-heading]").screenshot(
        path=str(shots / "share-link-es-360.png")
    )
    width = page.evaluate("document.documentElement.scrollWidth")
    context.close()

    assert errors == []
    assert width <= 360


def test_without_javascript_the_link_is_a_read_only_field(live_server, browser):
    ministry = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)
    session = SessionFactory(cohosts=[ministry])
    member = UserFactory(role=Role.COHOST, cohost_role="viewer", organisation=ministry)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    log_in(context, member, live_server)
    page = context.new_page()

    page.goto(live_server.url + reverse("cohost:session", args=[session.pk]))

    expect(page.locator("#invitation-link")).to_have_attribute("readonly", "")
    expect(page.locator("[data-copy=invitation-link]")).to_be_hidden()
    expect(page.locator("[data-share=email]")).to_be_visible()
    context.close()

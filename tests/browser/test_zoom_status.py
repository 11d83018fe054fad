"""A session's Zoom failure on its organiser page, and the retry, in Chromium with axe."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from registrations.models import ZoomSync
from tests.browser.conftest import assert_accessible
from tests.factories import OrganiserFactory, SessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_organiser_sees_zoom_s_failure_and_asks_again(live_server, browser):
    session = SessionFactory(zoom_create=True, join_url="")
    ZoomSync.objects.create(
        session=session,
        action="webinar",
        state="failed",
        attempts=1,
        failure="Zoom answered HTTP 503: Service temporarily unavailable.",
    )
    client = Client()
    client.force_login(OrganiserFactory())
    context = browser.new_context(viewport={"width": 360, "height": 800})
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

    page.goto(f"{live_server.url}/en/manage/sessions/{session.pk}/edit/")
    status = page.locator("[data-zoom-status]")
    expect(status).to_contain_text("Zoom: failed: Zoom answered HTTP 503")
    assert_accessible(page)
    status.get_by_role("button", name="Retry on Zoom").click()

    expect(page.get_by_text("Zoom is being asked again")).to_be_visible()
    expect(page.locator("[data-zoom-status]")).to_contain_text(
        "Zoom: waiting for the workers to create or update the webinar."
    )
    assert_accessible(page)
    context.close()

"""The tokens page in Chromium: a co-host member creates a token, sees it once, uses it, and
revokes it, axe finding nothing serious on each state; and the page works without JavaScript.
(The French and Spanish texts wait in locale/pending/d1; the pages are checked in those
languages too.)"""

import pytest
import requests
from django.conf import settings
from django.test import Client

from api.models import ApiToken
from outreach.models import CohostRole, OrganisationKind, Role
from tests.browser.conftest import (
    accessibility_violations,
    browser_type_launch_args,  # noqa: F401 (Debian's Chromium)
    describe,
)
from tests.factories import OrganisationFactory, SessionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_in_page(browser, live_server):
    """A tab signed in as a person (a Django session cookie, no emailed code), with or without
    JavaScript; its browser context is closed after the test, so that the live server's threads
    end and close their database connections."""
    contexts = []

    def open_page(person, *, javascript: bool):
        client = Client()
        client.force_login(person)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context = browser.new_context(java_script_enabled=javascript)
        contexts.append(context)
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
        )
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def assert_accessible(page):
    violations = accessibility_violations(page)
    assert violations == [], describe(violations)


def test_a_member_creates_sees_once_uses_and_revokes_a_token(live_server, signed_in_page):
    ministry = OrganisationFactory(name="Ministère du Commerce", kind=OrganisationKind.GOVERNMENT)
    session = SessionFactory(cohosts=[ministry], title_fr="Exporter en Europe", language="fr")
    person = UserFactory(
        role=Role.COHOST, cohost_role=CohostRole.MANAGER, organisation=ministry, language="fr"
    )
    page = signed_in_page(person, javascript=True)

    page.goto(f"{live_server.url}/en/profile/")
    page.get_by_role("link", name="Create and revoke the tokens").click()
    assert page.get_by_role("heading", name="API tokens", level=1).is_visible()
    assert_accessible(page)

    page.get_by_label("Name").fill("Our CRM")
    page.get_by_label("Read and write").check()
    page.get_by_label("Expires after").select_option("365")
    page.get_by_role("button", name="Create the token").click()

    text = page.locator("#new-token").input_value()
    assert page.get_by_text("it is shown only this once").is_visible()
    assert_accessible(page)
    # The token works, in the caller's language.
    answer = requests.get(
        f"{live_server.url}/api/v1/cohost/sessions/",
        headers={"Authorization": f"Bearer {text}", "Accept-Language": "fr"},
        timeout=10,
    )
    assert answer.status_code == 200
    assert answer.json()["results"][0]["title"] == "Exporter en Europe"
    assert answer.json()["results"][0]["id"] == session.pk

    page.goto(f"{live_server.url}/en/account/tokens/")  # the list: the token is not shown again
    assert page.locator("#new-token").count() == 0
    assert text not in page.content()
    page.get_by_role("button", name="Revoke Our CRM").click()
    assert page.get_by_role("cell", name="Revoked", exact=True).is_visible()
    assert_accessible(page)
    for language in ("fr", "es"):
        page.goto(f"{live_server.url}/{language}/account/tokens/")
        assert_accessible(page)
    assert ApiToken.objects.get().revoked_at is not None
    refused = requests.get(
        f"{live_server.url}/api/v1/cohost/sessions/",
        headers={"Authorization": f"Bearer {text}"},
        timeout=10,
    )
    assert refused.status_code == 401


def test_the_page_works_without_javascript(live_server, signed_in_page):
    person = UserFactory(role=Role.ANALYST)
    page = signed_in_page(person, javascript=False)

    page.goto(f"{live_server.url}/en/account/tokens/")
    page.get_by_label("Name").fill("Dashboard")
    page.get_by_role("button", name="Create the token").click()

    assert page.locator("#new-token").input_value().startswith(ApiToken.objects.get().prefix)

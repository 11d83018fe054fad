"""A person stops the messages after sessions from an email's link, on a phone, and starts them
again (registrations.messages.opt_out)."""

import pytest
from playwright.sync_api import expect

from registrations.messages.opt_out import opt_out_token
from tests.browser.conftest import assert_accessible
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_a_person_stops_and_restarts_the_messages_on_a_phone(live_server, browser):
    person = UserFactory(language="es")
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()

    page.goto(f"{live_server.url}/es/messages/stop/{opt_out_token(person)}/")
    assert_accessible(page)
    page.locator("button[value=stop]").click()

    expect(page.locator("button[value=resume]")).to_be_visible()
    assert_accessible(page)
    person.refresh_from_db()
    assert person.opted_out_at is not None

    page.locator("button[value=resume]").click()
    expect(page.locator("button[value=stop]")).to_be_visible()
    person.refresh_from_db()
    assert person.opted_out_at is None
    context.close()

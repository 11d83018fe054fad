"""A full session offers its sibling in another language, and an organiser moves its waitlist
there, on a phone's width and with axe on every page, without JavaScript doing any of it."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from events.models import LanguageGroup, Session
from registrations.models import Registration
from tests.browser.conftest import assert_accessible
from tests.factories import OrganiserFactory, RegistrationFactory, SessionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(context, user, live_server) -> None:
    client = Client()
    client.force_login(user)
    sessionid = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": sessionid, "url": live_server.url}]
    )


def test_a_full_session_sends_visitors_and_its_waitlist_to_its_sibling(live_server, browser):
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=6)
    full = SessionFactory(title_en="Exporting to the EU", capacity=1, starts_at=start)
    RegistrationFactory(session=full)
    spanish = SessionFactory(
        language="es",
        title_en="Exporting to the EU (Spanish)",
        title_es="Exportar a la UE",
        capacity=10,
        starts_at=start + timedelta(days=1),
        interpretation_languages=["en"],
    )
    group = LanguageGroup.objects.create()
    Session.objects.filter(pk__in=[full.pk, spanish.pk]).update(language_group=group)
    Session.objects.filter(pk=full.pk).update(confirmed_count=1)
    for person in UserFactory.create_batch(2):
        RegistrationFactory(
            session=full,
            person=person,
            status="waitlisted",
            waitlisted_at=timezone.now(),
            confirmed_at=None,
        )
    context = browser.new_context(viewport={"width": 360, "height": 800})
    page = context.new_page()

    # A visitor on the full session's page is offered the Spanish session's seats.
    page.goto(f"{live_server.url}/en/sessions/{full.pk}/")
    offer = page.locator(".session-seats-elsewhere a")
    expect(offer).to_contain_text("There are seats in the Spanish session")
    assert_accessible(page)
    offer.click()
    expect(page.locator("h1")).to_have_text("Exporting to the EU (Spanish)")
    expect(page.locator(".session-siblings")).to_contain_text("Also in English")
    assert_accessible(page)
    # The Spanish session, interpreted into English, is found in English; one card per topic
    # keeps the English one, which names the Spanish.
    page.goto(f"{live_server.url}/en/sessions/?language=en")
    expect(page.locator(".session-card")).to_have_count(2)
    expect(page.locator(".badge", has_text="interpreted into English")).to_have_count(1)
    page.get_by_label("One card per topic in all its languages").check()
    page.get_by_role("button", name="Show sessions").click()
    expect(page.locator(".session-card")).to_have_count(1)
    expect(page.locator(".session-card h2")).to_have_text("Exporting to the EU")
    expect(page.locator(".session-card .session-siblings")).to_contain_text("Also in Spanish")
    assert_accessible(page)

    # The organiser moves everyone waiting, from the registrants' page.
    log_in(context, OrganiserFactory(), live_server)
    page.goto(f"{live_server.url}/en/manage/sessions/{full.pk}/registrations/")
    page.get_by_role(
        "link", name="Move waitlisted people to the same session in another language"
    ).click()
    assert_accessible(page)
    page.get_by_label("Everyone on the waitlist").check()
    page.get_by_role("radio").first.check()
    page.get_by_role("button", name="Move them").click()

    expect(page.get_by_text("2 people moved to the session in Spanish")).to_be_visible()
    assert Registration.objects.filter(session=spanish, status="confirmed").count() == 2
    context.close()

"""A person registers in Spanish from the public form, then cancels from the email's link."""

import re

import pytest
from django.core import mail
from icalendar import Calendar
from playwright.sync_api import expect

from registrations.models import MessageKind, MessageStatus, Registration, RegistrationStatus
from tests.browser.conftest import (
    assert_accessible,
    fill_in_the_registration_form,
    run_due_tasks,
)
from tests.factories import SessionFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

TITLE = "Exportación a la UE: reglas de origen"
JOIN_URL = "https://meet.example.org/j/only-for-registrants"
SITE_URL = "https://outreach.example"
EMAIL = "ana.perez@frutasdelsur.cl"


def test_a_person_registers_in_spanish_and_cancels_from_the_emails_link(
    live_server, browser, queued_tasks
):
    session = SessionFactory(language="es", title_es=TITLE, join_url=JOIN_URL, capacity=10)
    mail.outbox.clear()
    # The tz cookie is set up front so that tz.js never reloads the page under the test's feet.
    context = browser.new_context(timezone_id="America/Santiago", locale="es-CL")
    context.add_cookies([{"name": "tz", "value": "America/Santiago", "url": live_server.url}])
    page = context.new_page()

    # Act 1: fill in the Spanish form.
    page.goto(f"{live_server.url}/es/sessions/{session.pk}/register/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    assert_accessible(page)
    fill_in_the_registration_form(page, email=EMAIL)
    page.locator("form.registration-form button[type=submit]").click()

    expect(page).to_have_url(f"{live_server.url}/es/sessions/{session.pk}/registered/")
    registration = Registration.objects.select_related("person", "organisation").get(
        session=session
    )
    assert (registration.status, registration.person.email) == (
        RegistrationStatus.CONFIRMED,
        EMAIL,
    )
    assert (registration.person.language, registration.person.time_zone) == (
        "es",
        "America/Santiago",
    )
    assert (registration.organisation.name, registration.organisation.economy_id) == (
        "Frutas del Sur SpA",
        "CL",
    )

    # Act 2: the worker sends the confirmation; the person opens its cancel link.
    assert run_due_tasks(queued_tasks) == ["send_message"]
    assert [result.task.name for result in queued_tasks] == ["send_session_reminders"] * 2
    (confirmation,) = mail.outbox
    assert confirmation.to == [EMAIL]
    assert confirmation.subject == f"Inscripción confirmada: {TITLE}"
    assert JOIN_URL in confirmation.body
    cancel_links = re.findall(
        rf"{re.escape(SITE_URL)}/es/registrations/[^/\s]+/cancel/", confirmation.body
    )
    assert cancel_links == [f"{SITE_URL}/es/registrations/{registration.token}/cancel/"]
    page.goto(cancel_links[0].replace(SITE_URL, live_server.url))

    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("main h1")).to_have_text("Cancelar mi inscripción")
    expect(page.locator("main")).to_contain_text(TITLE)
    assert_accessible(page)
    page.locator("main form[method=post] button[type=submit]").click()

    # Assert: cancelled in the database, said so on the page, and told by email.
    expect(page.locator("main h1")).to_have_text("Inscripción cancelada")
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED
    session.refresh_from_db()
    assert session.confirmed_count == 0
    assert run_due_tasks(queued_tasks) == ["send_message"]
    (cancellation,) = mail.outbox[1:]
    assert (cancellation.to, cancellation.subject) == ([EMAIL], f"Inscripción cancelada: {TITLE}")
    (attachment,) = cancellation.attachments
    assert str(Calendar.from_ical(attachment.content)["method"]) == "CANCEL"
    message = registration.messages.get(kind=MessageKind.REGISTRATION_CANCELLED)
    assert message.status == MessageStatus.SENT
    context.close()

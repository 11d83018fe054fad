"""Every non-essential message carries a link that stops such messages
(registrations.messages.opt_out); confirmations, changes and cancellations always go."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from registrations import follow_ups, services
from registrations.messages import delivery
from registrations.messages.opt_out import opt_out_token
from registrations.models import Message, MessageKind, MessageStatus
from tests.factories import RegistrationFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

SITE_URL = "https://outreach.example"
LINK = re.compile(re.escape(SITE_URL) + r"(/\w\w/messages/stop/[^/\s]+/)")


def ended_with(person):
    session = SessionFactory(
        starts_at=timezone.now() - timedelta(hours=6), ends_at=timezone.now() - timedelta(hours=5)
    )
    registration = RegistrationFactory(session=session, person=person, attended=True)
    follow_ups.mark_attendance_known(session, now=session.ends_at)
    return registration


def test_the_link_in_a_follow_up_asks_first_then_stops_such_messages(run_tasks):
    person = UserFactory(language="fr")
    ended_with(person)
    follow_ups.queue_due_follow_ups()
    run_tasks(include_deferred=False)
    [email] = mail.outbox
    page = LINK.search(email.body).group(1)
    assert page.startswith("/fr/")
    browser = Client()

    asked = browser.get(page)  # a mail scanner following the link changes nothing
    person.refresh_from_db()
    assert asked.status_code == 200
    assert person.opted_out_at is None
    assert 'value="stop"' in asked.content.decode()

    stopped = browser.post(page, {"action": "stop"})
    person.refresh_from_db()
    assert stopped.status_code == 200
    assert person.opted_out_at is not None
    assert 'value="resume"' in stopped.content.decode()

    resumed = browser.post(page, {"action": "resume"})
    person.refresh_from_db()
    assert resumed.status_code == 200
    assert person.opted_out_at is None


def test_the_page_keeps_csrf_protection_but_one_click_needs_none():
    person = UserFactory()
    browser = Client(enforce_csrf_checks=True)
    token = opt_out_token(person)

    refused = browser.post(f"/en/messages/stop/{token}/", {"action": "stop"})
    one_click = browser.post(
        f"/en/messages/stop/{token}/one-click/", {"List-Unsubscribe": "One-Click"}
    )

    assert refused.status_code == 403
    assert one_click.status_code == 200
    person.refresh_from_db()
    assert person.opted_out_at is not None


def test_non_essential_emails_carry_the_one_click_headers(run_tasks):
    person = UserFactory()
    registration = ended_with(person)
    follow_ups.queue_due_follow_ups()
    run_tasks(include_deferred=False)
    services.queue_message(registration, MessageKind.REGISTRATION_CANCELLED)
    run_tasks(include_deferred=False)

    follow_up, cancelled = mail.outbox
    token = opt_out_token(person)
    assert follow_up.extra_headers["List-Unsubscribe"] == (
        f"<{SITE_URL}/en/messages/stop/{token}/one-click/>"
    )
    assert follow_up.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "List-Unsubscribe" not in cancelled.extra_headers
    assert "/messages/stop/" not in cancelled.body


@pytest.mark.parametrize("tamper", ["garbage", "truncated", "signature changed"])
def test_a_tampered_link_says_so_and_changes_nothing(client, tamper):
    person = UserFactory()
    genuine = opt_out_token(person)
    token = {
        "garbage": "not-a-token",
        "truncated": genuine[:-3],
        "signature changed": genuine[:-1] + ("A" if genuine[-1] != "A" else "B"),
    }[tamper]

    for response in (
        client.get(f"/es/messages/stop/{token}/"),
        client.post(f"/es/messages/stop/{token}/", {"action": "stop"}),
        client.post(f"/es/messages/stop/{token}/one-click/"),
    ):
        assert response.status_code == 404
        assert 'lang="es"' in response.content.decode()
        assert "<h1>" in response.content.decode()
    person.refresh_from_db()
    assert person.opted_out_at is None


def test_another_persons_id_under_the_same_signature_is_refused(client):
    person, other = UserFactory(), UserFactory()
    value, _timestamp, signature = opt_out_token(person).split(":")
    other_value = opt_out_token(other).split(":")[0]

    response = client.post(f"/en/messages/stop/{other_value}:{_timestamp}:{signature}/")

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.opted_out_at is None
    assert value != other_value


def test_opted_out_people_get_no_non_essential_message_but_still_the_changes(run_tasks):
    person = UserFactory(opted_out_at=timezone.now())
    keen = UserFactory()
    registration = ended_with(person)
    ended_with(keen)
    upcoming = SessionFactory()
    booked = RegistrationFactory(session=upcoming, person=person)

    follow_ups.queue_due_follow_ups()
    # Queued before the person opted out: skipped when its turn comes.
    queued_before = services.queue_message(registration, MessageKind.BULK, unique="bulk-1")
    services.announce_session_change(upcoming, "rescheduled")
    run_tasks(include_deferred=False)

    assert not registration.messages.filter(kind__in=follow_ups.FOLLOW_UP_KINDS).exists()
    assert Message.objects.get(pk=queued_before.pk).status == MessageStatus.SKIPPED
    assert booked.messages.get(kind=MessageKind.RESCHEDULED).status == MessageStatus.SENT
    assert [m.to for m in mail.outbox] == [[keen.email], [person.email]]


def test_the_opt_out_is_checked_when_the_message_is_sent(run_tasks):
    person = UserFactory()
    ended_with(person)
    follow_ups.queue_due_follow_ups()
    [message] = Message.objects.all()
    person.opted_out_at = timezone.now()
    person.save(update_fields=["opted_out_at"])

    assert delivery.deliver_message(message.pk) == MessageStatus.SKIPPED
    assert mail.outbox == []

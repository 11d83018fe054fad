"""After a session starts nothing about it moves by itself: a cancel link does nothing and says
so, nobody is promoted from the waitlist and no "a seat is yours" message goes out. Organisers
still correct the record explicitly, from their own screens, and that promotes nobody either.

Each test has a second session, not started, where the same thing works as before.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from events.models import Session
from impact.filters import ImpactFilters
from impact.queries import Audience, headline_figures
from outreach.models import AuditAction, AuditEntry
from registrations import services
from registrations.messages.delivery import deliver_message
from registrations.models import Message, MessageKind, Registration, RegistrationStatus
from tests.factories import OrganiserFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def full_session(**fields):
    """A one-seat session a week ahead: a holder confirmed, a waiter waiting."""
    session = SessionFactory(capacity=1, **fields)
    holder, waiter = UserFactory(), UserFactory()
    services.register(session, person=holder, organisation=holder.organisation)
    services.register(session, person=waiter, organisation=waiter.organisation)
    Message.objects.filter(registration__session=session).delete()
    return (
        session,
        Registration.objects.get(session=session, person=holder),
        Registration.objects.get(session=session, person=waiter),
    )


def start(session, *, ago=timedelta(seconds=1)):
    """The session started `ago` (one second, by default)."""
    starts_at = timezone.now() - ago
    Session.objects.filter(pk=session.pk).update(
        starts_at=starts_at, ends_at=starts_at + timedelta(minutes=90)
    )
    session.refresh_from_db()


def statuses(*registrations) -> list[str]:
    return [Registration.objects.get(pk=r.pk).status for r in registrations]


def messages_of(session) -> list[tuple]:
    return list(
        Message.objects.filter(registration__session=session)
        .order_by("pk")
        .values_list("registration", "kind")
    )


# The cancel link ------------------------------------------------------------------------------


@pytest.fixture
def sessions():
    started = full_session()
    ahead = full_session()
    start(started[0])
    return started, ahead


def test_a_cancel_link_one_second_after_the_start_does_nothing_and_says_so(client, sessions):
    (session, holder, waiter), (ahead, ahead_holder, ahead_waiter) = sessions
    url = f"/en/registrations/{holder.token}/cancel/"

    looking = client.get(url)
    cancelling = client.post(url)
    cancelling_ahead = client.post(f"/en/registrations/{ahead_holder.token}/cancel/")

    assert (looking.status_code, cancelling.status_code) == (409, 409)
    assert cancelling.templates[0].name == "registrations/cancel_too_late.html"
    assert "can no longer be cancelled once the session has started" in cancelling.content.decode()
    assert statuses(holder, waiter) == ["confirmed", "waitlisted"]
    session.refresh_from_db()
    assert session.confirmed_count == 1
    assert messages_of(session) == []
    assert cancelling_ahead.status_code == 200
    assert statuses(ahead_holder, ahead_waiter) == ["cancelled", "confirmed"]
    assert messages_of(ahead) == [
        (ahead_waiter.pk, MessageKind.PROMOTED),
        (ahead_holder.pk, MessageKind.REGISTRATION_CANCELLED),
    ]


def test_the_cancel_page_opened_before_the_start_and_sent_after_it_changes_nothing(client):
    session, holder, waiter = full_session()
    url = f"/fr/registrations/{holder.token}/cancel/"
    assert client.get(url).status_code == 200

    start(session)
    sent = client.post(url)

    assert sent.status_code == 409
    assert statuses(holder, waiter) == ["confirmed", "waitlisted"]


@pytest.mark.parametrize(
    ("offset", "cancelled"),
    [(timedelta(seconds=-1), True), (timedelta(0), False), (timedelta(seconds=1), False)],
)
def test_cancelling_ones_own_registration_stops_at_the_start_to_the_second(offset, cancelled):
    session, holder, waiter = full_session()

    if cancelled:
        services.cancel_own_registration(holder, now=session.starts_at + offset)
    else:
        with pytest.raises(services.SessionStarted):
            services.cancel_own_registration(holder, now=session.starts_at + offset)

    expected = ["cancelled", "confirmed"] if cancelled else ["confirmed", "waitlisted"]
    assert statuses(holder, waiter) == expected


def test_a_late_cancel_link_keeps_the_attended_person_in_the_figures(client, sessions):
    (session, holder, _waiter), _ahead = sessions
    Registration.objects.filter(pk=holder.pk).update(attended=True, minutes_attended=80)
    Session.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    before = headline_figures(ImpactFilters(), Audience.staff())

    client.post(f"/en/registrations/{holder.token}/cancel/")

    assert headline_figures(ImpactFilters(), Audience.staff()) == before
    assert statuses(holder) == ["confirmed"]


# Promotion and seat messages --------------------------------------------------------------------


def test_nobody_is_promoted_once_the_session_has_started(sessions):
    (session, _holder, waiter), (ahead, _ahead_holder, ahead_waiter) = sessions
    Session.objects.filter(pk__in=[session.pk, ahead.pk]).update(capacity=2)

    promoted = services.promote_from_waitlist(session)
    promoted_ahead = services.promote_from_waitlist(ahead)

    assert (promoted, [r.pk for r in promoted_ahead]) == ([], [ahead_waiter.pk])
    assert statuses(waiter, ahead_waiter) == ["waitlisted", "confirmed"]
    assert messages_of(session) == []


def test_a_seat_message_queued_before_the_start_is_not_sent_after_it(sessions):
    _started, (ahead, ahead_holder, ahead_waiter) = sessions
    other = full_session()
    services.cancel_registration(ahead_holder)
    services.cancel_registration(other[1])
    promoted = Message.objects.get(registration=ahead_waiter, kind=MessageKind.PROMOTED)
    other_promoted = Message.objects.get(registration=other[2], kind=MessageKind.PROMOTED)
    mail.outbox.clear()

    start(ahead)  # the worker reaches the message a second after the start

    assert deliver_message(promoted.pk) == "skipped"
    assert deliver_message(other_promoted.pk) == "sent"
    assert [m.to for m in mail.outbox] == [[other[2].person.email]]


def test_a_registration_during_the_session_takes_no_seat_from_the_waitlist(sessions):
    (session, _holder, waiter), _ahead = sessions
    Session.objects.filter(pk=session.pk).update(capacity=2)
    late = UserFactory()

    registration = services.register(session, person=late, organisation=late.organisation)

    assert (registration.status, statuses(waiter)) == ("waitlisted", ["waitlisted"])
    assert MessageKind.PROMOTED not in [kind for _pk, kind in messages_of(session)]


# Organisers correct the record explicitly ---------------------------------------------------------


def act(client, registration, action):
    return client.post(
        f"/en/manage/sessions/{registration.session_id}/registrations/{registration.pk}/",
        {"action": action, "confirmed": "1"},
    )


def test_an_organiser_cancels_after_the_start_without_promoting_anyone(client, sessions):
    (session, holder, waiter), (_ahead, ahead_holder, ahead_waiter) = sessions
    client.force_login(OrganiserFactory())

    act(client, holder, "cancel")
    act(client, ahead_holder, "cancel")

    assert statuses(holder, waiter) == ["cancelled", "waitlisted"]
    session.refresh_from_db()
    assert session.confirmed_count == 0
    assert messages_of(session) == []
    assert statuses(ahead_holder, ahead_waiter) == ["cancelled", "confirmed"]
    assert list(
        AuditEntry.objects.filter(action=AuditAction.REGISTRATION_CANCELLED)
        .order_by("pk")
        .values_list("object_id", flat=True)
    ) == [str(holder.pk), str(ahead_holder.pk)]


def test_an_organiser_confirms_or_waitlists_after_the_start_and_nobody_is_told(client, sessions):
    (session, holder, waiter), _ahead = sessions
    client.force_login(OrganiserFactory())

    act(client, holder, "waitlist")
    act(client, waiter, "confirm")

    assert statuses(holder, waiter) == ["waitlisted", "confirmed"]
    assert messages_of(session) == []
    session.refresh_from_db()
    assert session.confirmed_count == 1


def test_filling_from_the_waitlist_after_the_start_gives_no_seat(client, sessions):
    (session, _holder, waiter), _ahead = sessions
    Session.objects.filter(pk=session.pk).update(capacity=5)
    client.force_login(OrganiserFactory())

    client.post(f"/en/manage/sessions/{session.pk}/fill-from-waitlist/")

    assert statuses(waiter) == [RegistrationStatus.WAITLISTED]
    assert messages_of(session) == []

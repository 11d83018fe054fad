"""Every message a registrant gets (language, time zone, .ics content), promotion from the
waitlist on a cancellation, reminders, and sending each message once whatever runs twice.

Emails are real (django.core.mail.outbox), tasks run through tests.conftest's `run_tasks`, and
calendar attachments are read back with icalendar.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.tasks import default_task_backend
from django.utils import timezone
from icalendar import Calendar

from events import services as event_services
from registrations import services
from registrations.messages import delivery
from registrations.models import (
    Message,
    MessageKind,
    MessageStatus,
    Registration,
    RegistrationStatus,
    ReminderRun,
)
from registrations.tasks import send_message, send_session_reminders
from tests.factories import OrganiserFactory, RegistrationFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

# A Sunday in Chile's summer time (UTC-3) and Central European standard time (UTC+1), far
# enough ahead for registration to be open and for both reminder rounds to lie in the future.
STARTS_AT = datetime(2030, 11, 24, 15, 0, tzinfo=UTC)
MOVED_TO = datetime(2030, 11, 26, 18, 0, tzinfo=UTC)
DURATION = timedelta(minutes=90)
JOIN_URL = "https://meet.example.org/j/secret-join-link"
SITE_URL = "https://outreach.example"
TITLES = {"en": "Exporting to the EU", "es": "Exportar a la UE", "fr": "Exporter vers l’UE"}
ORGANISER_ADDRESS = "outreach@outreach.example"


class FailingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise OSError("smtp down")


@pytest.fixture(autouse=True)
def _sender(settings):
    settings.DEFAULT_FROM_EMAIL = f"Outreach <{ORGANISER_ADDRESS}>"


def make_session(**fields):
    """A published online Spanish session, titled in the three languages, in Madrid's zone."""
    defaults = {
        "language": "es",
        "title_en": TITLES["en"],
        "title_es": TITLES["es"],
        "title_fr": TITLES["fr"],
        "starts_at": STARTS_AT,
        "ends_at": STARTS_AT + DURATION,
        "time_zone": "Europe/Madrid",
        "join_url": JOIN_URL,
    }
    return SessionFactory(**(defaults | fields))


def make_person(email, *, language="es", time_zone="America/Santiago"):
    """A person named after their address: ana@… is Ana."""
    full_name = email.split("@")[0].capitalize()
    return UserFactory(email=email, full_name=full_name, language=language, time_zone=time_zone)


def register(session, person, **kwargs) -> Registration:
    return services.register(session, person=person, organisation=person.organisation, **kwargs)


def cancel_link(registration, language="es") -> str:
    return f"{SITE_URL}/{language}/registrations/{registration.token}/cancel/"


def sent_to(address) -> list:
    return [email for email in mail.outbox if email.to == [address]]


def the_email_to(address):
    (email,) = sent_to(address)
    return email


def everything_in(email) -> str:
    """Subject, text, HTML and attachments of an email, calendar lines unfolded."""
    parts = [email.subject, email.body]
    parts += [alternative.content for alternative in email.alternatives]
    for attachment in email.attachments:
        content = attachment.content
        if isinstance(content, bytes):
            content = content.decode()
        parts.append(re.sub(r"\r\n[ \t]", "", content))
    return "\n".join(parts)


def html_of(email) -> str:
    (alternative,) = email.alternatives
    assert alternative.mimetype == "text/html"
    return alternative.content


def invitation(email, method="REQUEST") -> Calendar:
    """The email's only attachment, checked to be an invite.ics of that method, parsed."""
    (attachment,) = email.attachments
    assert (attachment.filename, attachment.mimetype) == (
        "invite.ics",
        f"text/calendar; method={method}; charset=utf-8",
    )
    calendar = Calendar.from_ical(attachment.content)
    assert str(calendar["method"]) == method
    return calendar


def the_event(calendar):
    (event,) = calendar.walk("VEVENT")
    return event


def time_line(date, start, end, zone) -> str:
    """A session's time as emails show it, every part of it made by Babel."""
    return f"{date}, {start}–{end} ({zone})"


SANTIAGO_TIME = time_line(
    "domingo, 24 de noviembre de 2030", "12:00", "13:30", "hora de verano de Chile"
)


# --- Confirmation ---------------------------------------------------------------------------


def test_confirmation_is_in_the_persons_language_and_zone_with_links_and_invitation_when_confirmed(
    run_tasks,
):
    session = make_session()
    ana = make_person("ana@example.cl")
    registration = register(session, ana)

    run_tasks(include_deferred=False)

    email = the_email_to("ana@example.cl")
    assert email.subject == "Inscripción confirmada: Exportar a la UE"
    assert email.body.startswith(
        "Hola, Ana:\n\nSu plaza está confirmada. Se adjunta la invitación de calendario."
    )
    assert SANTIAGO_TIME in email.body
    assert f"{JOIN_URL}\n" in email.body
    assert f"{cancel_link(registration)}\n" in email.body
    html = html_of(email)
    assert '<html lang="es">' in html
    assert f'<a href="{JOIN_URL}">Acceder a la sesión</a>' in html
    assert f'<a href="{cancel_link(registration)}">' in html
    assert "<strong>domingo, 24 de noviembre de 2030, 12:00–13:30</strong>" in html
    calendar = invitation(email, "REQUEST")
    event = the_event(calendar)
    assert str(event["uid"]) == f"session-{session.uid}@outreach.example"
    assert str(event["organizer"]) == f"mailto:{ORGANISER_ADDRESS}"
    assert str(event["attendee"]) == "mailto:ana@example.cl"
    assert event["attendee"].params["PARTSTAT"] == "ACCEPTED"
    assert event.decoded("dtstart") == session.starts_at
    assert event["dtstart"].params["TZID"] == "Europe/Madrid"
    assert event.decoded("dtend") == session.ends_at
    assert event["sequence"] == session.sequence == 0
    assert str(event["summary"]) == TITLES["es"]
    assert [str(zone["tzid"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Madrid"]
    assert email.extra_headers == {"Auto-Submitted": "auto-generated"}
    assert Message.objects.get(registration=registration).status == MessageStatus.SENT


def test_the_invitation_is_a_calendar_part_of_the_mime_message_when_sent():
    session = make_session()
    registration = register(session, make_person("ana@example.cl"))
    message = Message.objects.get(registration=registration, kind=MessageKind.CONFIRMATION)

    delivery.deliver_message(message.pk)

    parts = [
        (part.get_content_type(), part.get_param("method"), part.get_filename())
        for part in mail.outbox[0].message().walk()
        if not part.is_multipart()
    ]
    assert parts == [
        ("text/plain", None, None),
        ("text/html", None, None),
        ("text/calendar", "REQUEST", "invite.ics"),
    ]


def test_confirmation_is_in_french_for_a_person_reading_french():
    session = make_session()
    claire = make_person("claire@example.fr", language="fr", time_zone="Europe/Paris")
    registration = register(session, claire)
    message = Message.objects.get(registration=registration)

    delivery.deliver_message(message.pk)

    email = the_email_to("claire@example.fr")
    assert email.subject == "Inscription confirmée : Exporter vers l’UE"
    assert email.body.startswith(
        "Bonjour Claire,\n\nVotre place est confirmée. L’invitation d’agenda est jointe."
    )
    assert f"{JOIN_URL}\n" in email.body
    time = time_line(
        "dimanche 24 novembre 2030", "16:00", "17:30", "heure normale d’Europe centrale"
    )
    assert time in email.body
    assert f"{cancel_link(registration, 'fr')}\n" in email.body
    html = html_of(email)
    assert '<html lang="fr">' in html
    assert f'<a href="{JOIN_URL}">Rejoindre la session</a>' in html
    assert str(the_event(invitation(email))["summary"]) == TITLES["fr"]


# --- Waitlist and promotion ----------------------------------------------------------------


def test_waitlist_notice_has_no_join_link_and_no_attachment_when_the_session_is_full(run_tasks):
    session = make_session(capacity=1)
    register(session, make_person("ana@example.cl"))
    beto = make_person("beto@example.cl")
    registration = register(session, beto)
    mail.outbox.clear()

    run_tasks(include_deferred=False)

    assert registration.status == RegistrationStatus.WAITLISTED
    email = the_email_to("beto@example.cl")
    assert email.subject == "Lista de espera: Exportar a la UE"
    assert email.attachments == []
    assert JOIN_URL not in everything_in(email)
    assert SANTIAGO_TIME in email.body
    assert f"{cancel_link(registration)}\n" in email.body


def test_waitlist_notice_is_in_french_for_a_person_reading_french(run_tasks):
    session = make_session(capacity=0)
    registration = register(
        session, make_person("claire@example.fr", language="fr", time_zone="Europe/Paris")
    )

    run_tasks(include_deferred=False)

    email = the_email_to("claire@example.fr")
    assert registration.status == RegistrationStatus.WAITLISTED
    assert email.subject == "Liste d’attente : Exporter vers l’UE"
    assert '<html lang="fr">' in html_of(email)
    assert "dimanche 24 novembre 2030, 16:00–17:30" in email.body
    assert (email.attachments, JOIN_URL in everything_in(email)) == ([], False)


def test_the_first_person_waiting_gets_the_seat_and_both_are_told_when_a_confirmed_person_cancels(
    run_tasks,
):
    session = make_session(capacity=1)
    now = timezone.now()
    ana = register(session, make_person("ana@example.cl"), now=now - timedelta(minutes=3))
    beto = register(session, make_person("beto@example.cl"), now=now - timedelta(minutes=2))
    carla = register(session, make_person("carla@example.cl"), now=now - timedelta(minutes=1))
    run_tasks(include_deferred=False)
    mail.outbox.clear()

    services.cancel_registration(ana)
    run_tasks(include_deferred=False)

    statuses = dict(Registration.objects.values_list("person__email", "status"))
    assert statuses == {
        "ana@example.cl": RegistrationStatus.CANCELLED,
        "beto@example.cl": RegistrationStatus.CONFIRMED,
        "carla@example.cl": RegistrationStatus.WAITLISTED,
    }
    session.refresh_from_db()
    confirmed = Registration.objects.filter(session=session, status=RegistrationStatus.CONFIRMED)
    assert session.confirmed_count == confirmed.count() == 1
    assert sorted(email.to[0] for email in mail.outbox) == ["ana@example.cl", "beto@example.cl"]
    promoted = the_email_to("beto@example.cl")
    assert promoted.subject == "Se le ha asignado una plaza: Exportar a la UE"
    assert f"{JOIN_URL}\n" in promoted.body
    assert f"{cancel_link(beto)}\n" in promoted.body
    promoted_event = the_event(invitation(promoted, "REQUEST"))
    assert str(promoted_event["attendee"]) == "mailto:beto@example.cl"
    assert str(promoted_event["uid"]) == f"session-{session.uid}@outreach.example"
    cancelled = the_email_to("ana@example.cl")
    assert cancelled.subject == "Inscripción cancelada: Exportar a la UE"
    cancelled_event = the_event(invitation(cancelled, "CANCEL"))
    assert str(cancelled_event["uid"]) == f"session-{session.uid}@outreach.example"
    assert str(cancelled_event["status"]) == "CANCELLED"
    assert str(cancelled_event["attendee"]) == "mailto:ana@example.cl"
    # The session goes on: the person's own copy of it gets a newer version than their invitation.
    assert cancelled_event["sequence"] == session.sequence + 1
    assert JOIN_URL not in everything_in(cancelled)
    assert cancel_link(ana) not in everything_in(cancelled)
    assert [m.kind for m in Message.objects.filter(registration=carla)] == [MessageKind.WAITLISTED]


# --- Reminders -----------------------------------------------------------------------------


def test_two_reminder_rounds_are_scheduled_when_a_person_is_confirmed(run_tasks):
    session = make_session()

    register(session, make_person("ana@example.cl"))
    run_tasks(include_deferred=False)

    rounds = ReminderRun.objects.filter(session=session).order_by("-minutes_before")
    assert [(r.minutes_before, r.starts_at, r.done_at) for r in rounds] == [
        (1440, STARTS_AT, None),
        (60, STARTS_AT, None),
    ]
    deferred = sorted(
        (result.task.run_after, result.args)
        for result in default_task_backend.results
        if result.task.name == "send_session_reminders"
    )
    assert deferred == [
        (STARTS_AT - timedelta(days=1), [rounds[0].pk]),
        (STARTS_AT - timedelta(hours=1), [rounds[1].pk]),
    ]


def test_reminders_carry_the_join_link_in_the_persons_language_when_their_round_runs(run_tasks):
    session = make_session()
    registration = register(session, make_person("ana@example.cl"))
    run_tasks(include_deferred=False)
    mail.outbox.clear()

    run_tasks()  # the reminder rounds, as if their time had come

    emails = sent_to("ana@example.cl")
    assert len(emails) == 2
    for email in emails:
        assert email.subject == "Recordatorio: Exportar a la UE"
        assert SANTIAGO_TIME in email.body
        assert f"{JOIN_URL}\n" in email.body
        assert f"{cancel_link(registration)}\n" in email.body
        assert email.attachments == []
    reminders = Message.objects.filter(registration=registration, kind=MessageKind.REMINDER)
    assert sorted(m.status for m in reminders) == [MessageStatus.SENT, MessageStatus.SENT]
    assert ReminderRun.objects.filter(session=session, done_at=None).count() == 0


def test_a_reminder_round_sends_nothing_more_when_run_twice(run_tasks):
    session = make_session()
    register(session, make_person("ana@example.cl"))
    run_tasks()
    mail.outbox.clear()
    messages_before = Message.objects.count()

    queued = [
        send_session_reminders.call(run.pk) for run in ReminderRun.objects.filter(session=session)
    ]
    run_tasks()

    assert queued == [0, 0]
    assert (Message.objects.count(), mail.outbox) == (messages_before, [])


def test_old_rounds_send_nothing_and_new_ones_exist_when_the_session_is_rescheduled(run_tasks):
    session = make_session()
    register(session, make_person("ana@example.cl"))
    run_tasks(include_deferred=False)
    old_rounds = list(ReminderRun.objects.filter(session=session))
    mail.outbox.clear()

    event_services.reschedule_session(
        session, starts_at=MOVED_TO, ends_at=MOVED_TO + DURATION, by=None
    )
    run_tasks(include_deferred=False)
    queued_by_old_rounds = [send_session_reminders.call(run.pk) for run in old_rounds]
    run_tasks()  # every round whose time has come, old and new

    assert queued_by_old_rounds == [0, 0]
    rounds = ReminderRun.objects.filter(session=session).order_by("starts_at", "-minutes_before")
    assert [(r.minutes_before, r.starts_at) for r in rounds] == [
        (1440, STARTS_AT),
        (60, STARTS_AT),
        (1440, MOVED_TO),
        (60, MOVED_TO),
    ]
    kinds = list(Message.objects.filter(status=MessageStatus.SENT).values_list("kind", flat=True))
    assert kinds == [
        MessageKind.CONFIRMATION,
        MessageKind.RESCHEDULED,
        MessageKind.REMINDER,
        MessageKind.REMINDER,
    ]
    moved_time = time_line(
        "martes, 26 de noviembre de 2030", "15:00", "16:30", "hora de verano de Chile"
    )
    reminders = mail.outbox[1:]
    assert [moved_time in email.body for email in reminders] == [True, True]


# --- Changes to the session ----------------------------------------------------------------


def test_each_confirmed_person_gets_an_updated_invitation_when_the_time_changes(run_tasks):
    session = make_session(capacity=2)
    ana = register(session, make_person("ana@example.cl"))
    claire = register(
        session, make_person("claire@example.fr", language="fr", time_zone="Europe/Paris")
    )
    register(session, make_person("carla@example.cl"))  # waiting: has no seat to move
    run_tasks(include_deferred=False)
    first_sequences = [
        the_event(invitation(the_email_to(address)))["sequence"]
        for address in ("ana@example.cl", "claire@example.fr")
    ]
    mail.outbox.clear()

    event_services.reschedule_session(
        session, starts_at=MOVED_TO, ends_at=MOVED_TO + DURATION, by=None
    )
    run_tasks(include_deferred=False)

    session.refresh_from_db()
    assert first_sequences == [0, 0]
    assert session.sequence == 1
    assert sorted(email.to[0] for email in mail.outbox) == ["ana@example.cl", "claire@example.fr"]
    expected = {
        "ana@example.cl": (
            "Nuevo horario: Exportar a la UE",
            time_line(
                "martes, 26 de noviembre de 2030", "15:00", "16:30", "hora de verano de Chile"
            ),
        ),
        "claire@example.fr": (
            "Nouvel horaire : Exporter vers l’UE",
            time_line(
                "mardi 26 novembre 2030", "19:00", "20:30", "heure normale d’Europe centrale"
            ),
        ),
    }
    for registration in (ana, claire):
        address = registration.person.email
        email = the_email_to(address)
        event = the_event(invitation(email, "REQUEST"))
        assert str(event["uid"]) == f"session-{session.uid}@outreach.example"
        assert event["sequence"] == 1
        assert (event.decoded("dtstart"), event.decoded("dtend")) == (
            MOVED_TO,
            MOVED_TO + DURATION,
        )
        assert str(event["attendee"]) == f"mailto:{address}"
        subject, time = expected[address]
        assert email.subject == subject
        assert time in email.body
        assert f"{JOIN_URL}\n" in email.body
        assert f"{cancel_link(registration, registration.person.language)}\n" in email.body


def test_everyone_registered_is_told_without_the_join_link_when_the_session_is_cancelled(
    run_tasks,
):
    session = make_session(capacity=1)
    register(session, make_person("ana@example.cl"))
    register(session, make_person("claire@example.fr", language="fr", time_zone="Europe/Paris"))
    run_tasks(include_deferred=False)
    mail.outbox.clear()

    event_services.cancel_session(session, by=None)
    run_tasks(include_deferred=False)

    session.refresh_from_db()
    assert sorted(email.to[0] for email in mail.outbox) == ["ana@example.cl", "claire@example.fr"]
    subjects = {
        "ana@example.cl": "Sesión cancelada: Exportar a la UE",
        "claire@example.fr": "Session annulée : Exporter vers l’UE",
    }
    for address, subject in subjects.items():
        email = the_email_to(address)
        event = the_event(invitation(email, "CANCEL"))
        assert email.subject == subject
        assert str(event["uid"]) == f"session-{session.uid}@outreach.example"
        assert str(event["status"]) == "CANCELLED"
        assert event["sequence"] == session.sequence == 1
        assert str(event["attendee"]) == f"mailto:{address}"
        assert JOIN_URL not in everything_in(email)
        assert "/cancel/" not in everything_in(email)


def test_reminders_send_nothing_when_the_session_is_cancelled(run_tasks):
    session = make_session()
    register(session, make_person("ana@example.cl"))
    run_tasks(include_deferred=False)
    event_services.cancel_session(session, by=None)
    run_tasks(include_deferred=False)
    mail.outbox.clear()

    run_tasks()  # the reminder rounds, as if their time had come

    assert mail.outbox == []
    assert not Message.objects.filter(kind=MessageKind.REMINDER).exists()


# --- Sending once --------------------------------------------------------------------------


def test_a_message_is_sent_once_when_delivered_twice():
    session = make_session()
    registration = register(session, make_person("ana@example.cl"))
    message = Message.objects.get(registration=registration)

    outcomes = [delivery.deliver_message(message.pk), delivery.deliver_message(message.pk)]

    assert outcomes == [MessageStatus.SENT, "not-claimed"]
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)


def test_a_message_is_sent_once_when_its_task_runs_twice():
    session = make_session()
    registration = register(session, make_person("ana@example.cl"))
    message = Message.objects.get(registration=registration)

    outcomes = [send_message.call(message.pk), send_message.call(message.pk)]

    assert outcomes == [MessageStatus.SENT, "not-claimed"]
    assert [email.to for email in mail.outbox] == [["ana@example.cl"]]


def test_queuing_the_same_message_twice_makes_one_message_and_one_email(run_tasks):
    registration = RegistrationFactory(session=make_session(), person=make_person("a@example.cl"))

    first = services.queue_message(registration, MessageKind.CONFIRMATION)
    second = services.queue_message(registration, MessageKind.CONFIRMATION)
    run_tasks()

    assert second is None
    assert list(Message.objects.filter(registration=registration)) == [first]
    assert len(mail.outbox) == 1


def test_a_person_who_cancelled_gets_a_new_confirmation_when_registering_again(run_tasks):
    session = make_session()
    ana = make_person("ana@example.cl")
    registration = register(session, ana)
    run_tasks(include_deferred=False)
    services.cancel_registration(registration)
    run_tasks(include_deferred=False)
    cancelled_copy = the_event(invitation(mail.outbox[-1], "CANCEL"))
    mail.outbox.clear()

    again = register(session, ana)
    run_tasks(include_deferred=False)

    assert again.status == RegistrationStatus.CONFIRMED
    email = the_email_to("ana@example.cl")
    assert f"{JOIN_URL}\n" in email.body
    # A calendar ignores an invitation older than the cancellation it already has.
    assert the_event(invitation(email, "REQUEST"))["sequence"] > cancelled_copy["sequence"]


def test_a_failed_send_is_recorded_shown_to_organisers_and_sent_by_the_retry(
    run_tasks, settings, client
):
    settings.MAILERS = {"default": {"BACKEND": "tests.registrations.test_messages.FailingBackend"}}
    session = make_session()
    registration = register(session, make_person("ana@example.cl"))
    message = Message.objects.get(registration=registration)

    started = timezone.now()
    run_tasks(include_deferred=False)

    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (
        MessageStatus.FAILED,
        1,
        "OSError: smtp down",
    )
    assert mail.outbox == []
    (retry,) = [r for r in default_task_backend.results if r.task.name == "send_message"]
    assert retry.args == [message.pk]
    assert (
        started + timedelta(minutes=2)
        <= retry.task.run_after
        <= timezone.now() + timedelta(minutes=2)
    )

    client.force_login(OrganiserFactory())
    response = client.get(f"/en/manage/sessions/{session.pk}/registrations/")

    assert response.status_code == 200
    assert [m.pk for m in response.context["failed"]] == [message.pk]
    failed_section = response.content.decode().split("Messages that failed", 1)[1]
    assert "ana@example.cl · Confirmation · 1 · <code>OSError: smtp down</code>" in failed_section

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    outcome = retry.task.call(*retry.args, **retry.kwargs)

    message.refresh_from_db()
    assert outcome == MessageStatus.SENT
    assert (message.status, message.attempts, message.last_error) == (MessageStatus.SENT, 2, "")
    assert [email.to for email in mail.outbox] == [["ana@example.cl"]]
    assert the_email_to("ana@example.cl").subject == "Inscripción confirmada: Exportar a la UE"

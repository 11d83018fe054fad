"""After a session, each registrant gets one follow-up in their own language: thanks and the
survey link to those who attended, "sorry we missed you" and the next sessions to those who did
not, the same to everyone when no attendance came (registrations.follow_ups)."""

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from events.models import SessionStatus
from outreach import periodic
from outreach.models import AuditAction, AuditEntry
from registrations import follow_ups
from registrations.attendance import services as attendance
from registrations.messages import delivery
from registrations.models import (
    Message,
    MessageKind,
    MessageStatus,
    SessionFollowUp,
    SurveyInvitation,
)
from tests.factories import (
    MessageFactory,
    OrganiserFactory,
    RegistrationFactory,
    SeriesFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SITE_URL = "https://outreach.example"
RECORDING = "https://video.example.org/recording"
MATERIALS = "https://files.example.org/slides.pdf"
NEXT_STARTS = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)
NEXT_ENDS = NEXT_STARTS + timedelta(minutes=90)


def ended_session(*, hours_ago=1, **fields):
    ends_at = fields.pop("ends_at", timezone.now() - timedelta(hours=hours_ago))
    fields.setdefault("status", SessionStatus.FINISHED)
    return SessionFactory(starts_at=ends_at - timedelta(minutes=90), ends_at=ends_at, **fields)


def attendance_known(session, *, attended=(), absent=(), at=None):
    for registration in attended:
        registration.attended = True
        registration.save(update_fields=["attended"])
    for registration in absent:
        registration.attended = False
        registration.save(update_fields=["attended"])
    follow_ups.mark_attendance_known(session, now=at or session.ends_at)


def kinds(session) -> dict[str, str]:
    return dict(
        Message.objects.filter(registration__session=session, kind__in=follow_ups.FOLLOW_UP_KINDS)
        .values_list("registration__person__email", "kind")
        .order_by("pk")
    )


def mail_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def subject_in(language: str, text: str, **values) -> str:
    """The subject as sent: one line, its spaces plain (registrations.messages.emails)."""
    with translation.override(language):
        return " ".join((gettext(text) % values).split())


def test_attendees_and_no_shows_each_get_their_follow_up_in_their_language(run_tasks):
    session = ended_session(
        title_fr="Vendre en Europe",
        title_es="Vender en Europa",
        recording_url=RECORDING,
        materials_url=MATERIALS,
    )
    attendee = RegistrationFactory(session=session, person=UserFactory(language="fr"))
    no_show = RegistrationFactory(
        session=session, person=UserFactory(language="es", time_zone="America/Bogota")
    )
    next_es = SessionFactory(
        title_es="Próxima sesión", language="es", starts_at=NEXT_STARTS, ends_at=NEXT_ENDS
    )
    next_fr = SessionFactory(title_fr="Prochaine session", language="fr")
    SessionFactory(title_es="Borrador", language="es", status=SessionStatus.DRAFT)
    other = ended_session()  # a second session, whose attendance is not known: untouched
    stranger = RegistrationFactory(session=other)
    attendance_known(session, attended=[attendee], absent=[no_show])
    due = session.ends_at + timedelta(minutes=session.follow_up_delay_minutes)

    assert follow_ups.queue_due_follow_ups(now=due - timedelta(minutes=1)) == 0
    assert follow_ups.queue_due_follow_ups(now=due) == 2
    run_tasks(include_deferred=False)

    assert kinds(session) == {
        attendee.person.email: MessageKind.FOLLOW_UP_ATTENDED,
        no_show.person.email: MessageKind.FOLLOW_UP_MISSED,
    }
    assert not stranger.messages.exists()
    [thanks] = mail_to(attendee.person.email)
    assert thanks.subject == subject_in(
        "fr", "Thank you for attending: %(title)s", title="Vendre en Europe"
    )
    invitation = SurveyInvitation.objects.get(registration=attendee)
    assert f"{SITE_URL}/fr/surveys/{invitation.token}/" in thanks.body
    assert RECORDING in thanks.body
    assert MATERIALS in thanks.body
    assert f'href="{RECORDING}"' in thanks.alternatives[0][0]
    assert f"{SITE_URL}/fr/messages/stop/" in thanks.body
    [sorry] = mail_to(no_show.person.email)
    assert sorry.subject == subject_in(
        "es", "Sorry we missed you: %(title)s", title="Vender en Europa"
    )
    assert "/surveys/" not in sorry.body
    assert not SurveyInvitation.objects.filter(registration=no_show).exists()
    assert RECORDING in sorry.body
    assert MATERIALS in sorry.body
    # The next sessions in the person's language, at their time in their zone, with links.
    assert f"{SITE_URL}/es{next_es.get_absolute_url()[3:]}" in sorry.body
    assert "Próxima sesión" in sorry.body
    assert "Prochaine session" not in sorry.body
    assert "Borrador" not in sorry.body
    assert next_fr.get_absolute_url()[3:] not in sorry.body
    assert "7:00–8:30 (hora estándar de Colombia)" in sorry.body


def test_each_registration_gets_one_follow_up_however_often_the_job_and_tasks_run(run_tasks):
    session = ended_session(hours_ago=5)
    attendee = RegistrationFactory(session=session)
    no_show = RegistrationFactory(session=session)
    attendance_known(session, attended=[attendee], absent=[no_show])
    now = timezone.now()

    assert follow_ups.queue_due_follow_ups(now=now) == 2
    assert follow_ups.queue_due_follow_ups(now=now) == 0
    assert follow_ups.queue_follow_ups(session, now=now + timedelta(hours=1)) == 0
    ran = run_tasks(include_deferred=False)
    for name, args in ran:  # every send task runs a second time, as after a worker's restart
        if name == "send_message":
            assert delivery.deliver_message(*args) == "not-claimed"

    assert len(mail.outbox) == 2
    assert Message.objects.filter(kind__in=follow_ups.FOLLOW_UP_KINDS).count() == 2
    assert SessionFollowUp.objects.get(session=session).queued_at == now


def test_without_attendance_everyone_gets_the_same_follow_up_after_the_wait_and_once(run_tasks):
    series = SeriesFactory(attendance_wait_hours=6)
    session = ended_session(hours_ago=1, series=series)
    first, second = RegistrationFactory.create_batch(2, session=session)
    wait_over = session.ends_at + timedelta(hours=6)

    assert follow_ups.queue_due_follow_ups(now=wait_over - timedelta(minutes=1)) == 0
    assert follow_ups.queue_due_follow_ups(now=wait_over) == 2
    run_tasks(include_deferred=False)
    assert set(kinds(session).values()) == {MessageKind.FOLLOW_UP}
    assert not SurveyInvitation.objects.exists()

    # The attendance comes later: the follow-ups went already, nothing more goes.
    attendance_known(session, attended=[first], absent=[second], at=wait_over + timedelta(hours=1))
    assert follow_ups.queue_due_follow_ups(now=wait_over + timedelta(hours=4)) == 0
    run_tasks(include_deferred=False)
    assert len(mail.outbox) == 2
    assert set(kinds(session).values()) == {MessageKind.FOLLOW_UP}


def test_a_second_import_after_the_follow_ups_sends_nothing_more(run_tasks):
    session = ended_session(hours_ago=1)
    registration = RegistrationFactory(session=session)
    start = session.starts_at.strftime("%Y-%m-%d %H:%M:%S")
    end = session.ends_at.strftime("%Y-%m-%d %H:%M:%S")
    report = f"Name,Email,Arrived,Departed\nX,{registration.person.email},{start},{end}\n".encode()
    options = attendance.ReportOptions(
        platform="csv",
        mapping={"name": "Name", "email": "Email", "joined_at": "Arrived", "left_at": "Departed"},
    )
    imported_at = timezone.now()
    attendance.import_attendance_report(
        session, report, filename="a.csv", options=options, by=OrganiserFactory()
    )
    known = SessionFollowUp.objects.get(session=session).attendance_known_at
    assert imported_at <= known <= timezone.now()

    assert follow_ups.queue_due_follow_ups(now=known + timedelta(hours=2)) == 1
    attendance.import_attendance_report(
        session,
        report + f"Y,y@example.org,{start},{end}\n".encode(),
        filename="b.csv",
        options=options,
        by=None,
    )
    assert SessionFollowUp.objects.get(session=session).attendance_known_at == known
    assert follow_ups.queue_due_follow_ups(now=known + timedelta(hours=3)) == 0
    run_tasks(include_deferred=False)
    assert list(kinds(session).values()) == [MessageKind.FOLLOW_UP_ATTENDED]


def test_the_delay_counts_from_when_the_attendance_became_known():
    series = SeriesFactory(follow_up_delay_minutes=30)
    session = ended_session(hours_ago=3, series=series)
    RegistrationFactory(session=session)
    known_at = session.ends_at + timedelta(hours=1)
    attendance_known(session, at=known_at)

    assert follow_ups.queue_due_follow_ups(now=known_at + timedelta(minutes=29)) == 0
    assert follow_ups.queue_due_follow_ups(now=known_at + timedelta(minutes=30)) == 1


def test_a_check_in_makes_the_attendance_known():
    session = ended_session(format="in_person", venue="Geneva")
    registration = RegistrationFactory(session=session)

    attendance.check_in(registration, by=OrganiserFactory())

    assert SessionFollowUp.objects.get(session=session).attendance_known_at is not None


def test_switched_off_or_cancelled_sessions_get_nothing_and_others_stay_untouched(run_tasks):
    off = ended_session(hours_ago=5, follow_ups_enabled=False)
    cancelled = ended_session(hours_ago=5, status=SessionStatus.CANCELLED)
    on = ended_session(hours_ago=5)
    for session in (off, cancelled, on):
        attendance_known(session, attended=[RegistrationFactory(session=session)])

    assert follow_ups.queue_due_follow_ups() == 1
    assert not Message.objects.filter(registration__session__in=[off, cancelled]).exists()
    assert kinds(on)

    # Switched off once queued: the message is not sent.
    on.follow_ups_enabled = False
    on.save(update_fields=["follow_ups_enabled"])
    run_tasks(include_deferred=False)
    assert mail.outbox == []
    assert Message.objects.get(registration__session=on).status == MessageStatus.SKIPPED


def test_only_confirmed_registrants_who_accept_such_messages_get_a_follow_up():
    session = ended_session(hours_ago=5)
    confirmed = RegistrationFactory(session=session)
    RegistrationFactory(session=session, status="cancelled", cancelled_at=timezone.now())
    RegistrationFactory(session=session, status="waitlisted", waitlisted_at=timezone.now())
    RegistrationFactory(session=session, person=UserFactory(opted_out_at=timezone.now()))
    attendance_known(session, attended=list(session.registrations.all()))

    assert follow_ups.queue_due_follow_ups() == 1
    assert list(kinds(session)) == [confirmed.person.email]


def test_follow_ups_long_overdue_are_not_sent():
    session = ended_session(hours_ago=24 * 10)
    RegistrationFactory(session=session)

    assert follow_ups.queue_due_follow_ups() == 0
    assert follow_ups.status(session).too_late


def test_attendees_get_their_survey_link_once_with_one_reminder(run_tasks):
    session = ended_session(hours_ago=5)
    attendee = RegistrationFactory(session=session, person=UserFactory(language="es"))
    attendance_known(session, attended=[attendee])

    follow_ups.queue_due_follow_ups()
    ran = run_tasks()  # the reminder task, deferred by the survey's reminder_days, runs too

    assert [name for name, _args in ran].count("send_survey_reminders") == 1
    invitation = SurveyInvitation.objects.get(registration=attendee)
    assert invitation.reminded_at is not None
    sent = [m.kind for m in Message.objects.filter(registration=attendee)]
    assert sent == [MessageKind.FOLLOW_UP_ATTENDED, MessageKind.SURVEY_REMINDER]
    reminder = mail.outbox[-1]
    assert f"{SITE_URL}/es/surveys/{invitation.token}/" in reminder.body
    assert reminder.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert follow_ups.queue_due_follow_ups() == 0
    assert SurveyInvitation.objects.count() == 1


def test_the_periodic_job_queues_follow_ups():
    session = ended_session(hours_ago=5)
    RegistrationFactory(session=session)
    attendance_known(session)

    periodic.run_job(periodic.job_named("follow_ups"))

    assert list(kinds(session).values()) == [MessageKind.FOLLOW_UP_MISSED]


def test_the_attendance_page_says_when_the_follow_ups_go(client):
    session = ended_session(hours_ago=1)
    client.force_login(OrganiserFactory())
    page = reverse("registrations:attendance", args=[session.pk])

    waiting = client.get(page).content.decode()
    attendance_known(session)
    follow_ups.queue_follow_ups(session, now=timezone.now() + timedelta(hours=3))
    queued = client.get(page).content.decode()
    session.follow_ups_enabled = False
    session.save(update_fields=["follow_ups_enabled"])
    SessionFollowUp.objects.filter(session=session).update(queued_at=None)
    off = client.get(page).content.decode()

    assert "if no attendance is known by then" in waiting
    assert "Follow-ups queued on" in queued
    assert "switched off for this session" in off


def test_organisers_switch_follow_ups_off_in_the_session_form(client):
    session = SessionFactory()
    client.force_login(OrganiserFactory())
    form = client.get(reverse("events:session-edit", args=[session.pk])).context["form"]
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data.update(
        {
            "cohosts": [],
            "target_economies": [],
            "topics": [],
            "materials_url": MATERIALS,
        }
    )
    data.pop("follow_ups_enabled")  # an unticked checkbox is not sent

    response = client.post(reverse("events:session-edit", args=[session.pk]), data)

    assert response.status_code == 302, response.context["form"].errors
    session.refresh_from_db()
    assert session.follow_ups_enabled is False
    assert session.materials_url == MATERIALS
    entry = AuditEntry.objects.get(action=AuditAction.SESSION_EDITED)
    assert "follow_ups_enabled" in entry.details["fields"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
def test_workers_racing_queue_each_follow_up_once():
    session = ended_session(hours_ago=5)
    registrations = RegistrationFactory.create_batch(6, session=session)
    attendance_known(session, attended=registrations[:3], absent=registrations[3:])
    barrier = threading.Barrier(6)

    def worker(_):
        try:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=10)
            return follow_ups.queue_due_follow_ups()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=6) as pool:
        counts = list(pool.map(worker, range(6)))

    assert sum(counts) == 6
    assert Message.objects.filter(kind__in=follow_ups.FOLLOW_UP_KINDS).count() == 6
    assert SurveyInvitation.objects.count() == 3


def test_a_failed_follow_up_shows_its_kind_on_the_registrations_page(client):
    session = ended_session(hours_ago=5)
    registration = RegistrationFactory(session=session)
    MessageFactory(
        registration=registration, kind=MessageKind.FOLLOW_UP_MISSED, status=MessageStatus.FAILED
    )
    client.force_login(OrganiserFactory())

    page = client.get(reverse("registrations:manage", args=[session.pk])).content.decode()

    assert "Sorry we missed you" in page


def test_organisers_set_a_series_follow_up_delay_wait_and_outcome_months(client):
    series = SeriesFactory(title_en="Open webinars")
    client.force_login(OrganiserFactory())
    edit = reverse("events:series-edit", args=[series.slug])
    data = {"title_en": "Open webinars", "retention_months": "18"}

    client.post(edit, data | {"follow_up_delay_minutes": "30", "attendance_wait_hours": "6"})
    series.refresh_from_db()
    assert (series.follow_up_delay_minutes, series.attendance_wait_hours) == (30, 6)
    assert series.outcome_survey_months == 6  # left empty: kept
    client.post(edit, data | {"outcome_survey_months": "0"})
    series.refresh_from_db()
    assert (series.follow_up_delay_minutes, series.outcome_survey_months) == (30, 0)
    refused = client.post(edit, data | {"attendance_wait_hours": "0"})
    assert refused.status_code == 200

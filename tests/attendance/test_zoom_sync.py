"""Zoom in both directions (registrations.zoom): the webinar made from the session, its
registrants kept in step, the attendance pulled after the end; against the fake Zoom on
loopback (tests/attendance/fake_zoom.py), with outages in the middle."""

from datetime import UTC, timedelta

import pytest
import requests
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from events import services as events
from events.forms import SessionForm
from events.models import Session
from registrations import periodic_jobs, privacy
from registrations import services as registrations
from registrations.attendance import zoom
from registrations.models import AttendanceImport, Registration, ZoomPull, ZoomSync
from tests.attendance.fake_zoom import PAST_WEBINAR, join_link, personal_link
from tests.factories import (
    OrganiserFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _draft(**fields):
    defaults = {
        "status": "draft",
        "zoom_create": True,
        "join_url": "",
        "title_en": "Selling to the EU",
        "title_fr": "Vendre à l'UE",
        "summary_en": "Rules of origin, step by step.",
        "time_zone": "America/Santiago",
    }
    return SessionFactory(**(defaults | fields))


def _published(run_tasks, **fields):
    session = _draft(**fields)
    events.publish_session(session, by=OrganiserFactory())
    run_tasks()
    session.refresh_from_db()
    return session


def _register(session, email="ana@example.cl", full_name="Ana Pérez"):
    person = UserFactory(email=email, full_name=full_name)
    return registrations.register(session, person=person, organisation=person.organisation)


def _sync(session, action="webinar"):
    return ZoomSync.objects.get(session=session, action=action)


def test_publishing_creates_the_webinar_with_the_session_s_title_time_zone_and_length(
    fake_zoom, run_tasks
):
    session = _draft()
    by_hand = _draft(zoom_create=False, join_url="https://meet.example.org/j/1")

    events.publish_session(session, by=OrganiserFactory())
    events.publish_session(by_hand, by=OrganiserFactory())
    run_tasks()

    session.refresh_from_db()
    by_hand.refresh_from_db()
    [created] = fake_zoom.asked("POST")
    assert created.path == "/v2/users/me/webinars"
    assert created.body == {
        "topic": "Selling to the EU",
        "type": 5,
        "start_time": session.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "timezone": "America/Santiago",
        "duration": 90,
        "agenda": "Rules of origin, step by step.",
        "settings": {"approval_type": 0},
    }
    assert session.zoom_webinar_id == "86000000001"
    assert session.join_url == join_link("86000000001")
    assert (_sync(session).state, _sync(session).attempts) == ("done", 1)
    assert (by_hand.zoom_webinar_id, by_hand.join_url) == ("", "https://meet.example.org/j/1")
    assert not ZoomSync.objects.filter(session=by_hand).exists()


def test_a_reschedule_or_a_new_title_updates_the_webinar_and_a_cancel_deletes_it(
    fake_zoom, run_tasks
):
    session = _published(run_tasks)
    other = _published(run_tasks, title_en="Another webinar")
    starts = session.starts_at + timedelta(days=1, hours=2)

    events.reschedule_session(
        session, starts_at=starts, ends_at=starts + timedelta(minutes=60), by=None
    )
    run_tasks()
    session.title_en = "Selling to the EU, again"
    events.edit_session(session, by=None, fields=["title_en"])
    run_tasks()
    events.cancel_session(session, by=None)
    run_tasks()

    session.refresh_from_db()
    moved, renamed = fake_zoom.asked("PATCH")
    assert moved.path == renamed.path == "/v2/webinars/86000000001"
    assert (moved.body["start_time"], moved.body["duration"]) == (
        starts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        60,
    )
    assert renamed.body["topic"] == "Selling to the EU, again"
    assert [r.path for r in fake_zoom.asked("DELETE")] == ["/v2/webinars/86000000001"]
    assert session.zoom_webinar_id == ""
    assert list(fake_zoom.webinars) == [other.zoom_webinar_id]
    assert fake_zoom.webinars[other.zoom_webinar_id]["topic"] == "Another webinar"


def test_confirmed_registrants_are_added_and_their_confirmation_carries_their_own_link(
    fake_zoom, run_tasks
):
    session = _published(run_tasks, capacity=1)
    mail.outbox.clear()

    ana = _register(session)
    waiting = _register(session, email="bo@example.org", full_name="Bo")
    run_tasks()

    ana.refresh_from_db()
    waiting.refresh_from_db()
    [added] = fake_zoom.asked("POST", "/v2/webinars/")
    assert added.path == f"/v2/webinars/{session.zoom_webinar_id}/registrants"
    assert added.body == {"email": "ana@example.cl", "first_name": "Ana", "last_name": "Pérez"}
    link = personal_link(session.zoom_webinar_id, ana.zoom_registrant_id)
    assert ana.zoom_join_url == link
    assert (waiting.status, waiting.zoom_registrant_id) == ("waitlisted", "")
    confirmation = next(m for m in mail.outbox if m.to == ["ana@example.cl"])
    assert link in confirmation.body
    assert session.join_url not in confirmation.body
    invitation = confirmation.attachments[0]
    assert link in (invitation.content if hasattr(invitation, "content") else invitation[1])


def test_a_cancellation_cancels_the_registrant_and_the_promoted_one_is_added(fake_zoom, run_tasks):
    session = _published(run_tasks, capacity=1)
    ana = _register(session)
    bo = _register(session, email="bo@example.org", full_name="Bo")
    run_tasks()
    ana.refresh_from_db()
    registrant = ana.zoom_registrant_id

    registrations.cancel_registration(ana)
    run_tasks()

    ana.refresh_from_db()
    bo.refresh_from_db()
    [cancelled] = fake_zoom.asked("PUT")
    assert cancelled.path == f"/v2/webinars/{session.zoom_webinar_id}/registrants/status"
    assert cancelled.body == {
        "action": "cancel",
        "registrants": [{"id": registrant, "email": "ana@example.cl"}],
    }
    assert fake_zoom.registrants[session.zoom_webinar_id][registrant]["status"] == "cancelled"
    assert (ana.zoom_registrant_id, ana.zoom_join_url) == ("", "")
    assert bo.status == "confirmed"
    assert bo.zoom_join_url == personal_link(session.zoom_webinar_id, bo.zoom_registrant_id)


def test_the_new_time_and_the_reminders_carry_the_same_personal_link(fake_zoom, run_tasks):
    session = _published(run_tasks)
    ana = _register(session)
    run_tasks()
    ana.refresh_from_db()
    mail.outbox.clear()
    starts = session.starts_at + timedelta(days=2)

    events.reschedule_session(
        session, starts_at=starts, ends_at=starts + timedelta(minutes=90), by=None
    )
    run_tasks()  # the new time's message, and the reminders (deferred tasks) too

    got = [m for m in mail.outbox if m.to == ["ana@example.cl"]]
    assert [m.subject.split(":")[0] for m in got] == ["New time", "Reminder", "Reminder"]
    assert all(ana.zoom_join_url in m.body and session.join_url not in m.body for m in got)
    assert len(fake_zoom.asked("POST", "/v2/webinars/")) == 1


def test_the_automatic_pull_after_the_end_imports_the_attendance_without_a_preview(
    fake_zoom, run_tasks, client
):
    now = timezone.now()
    ended = SessionFactory(
        zoom_webinar_id=PAST_WEBINAR,
        starts_at=now - timedelta(hours=2),
        ends_at=now - timedelta(minutes=31),
    )
    ana = RegistrationFactory(session=ended, person=UserFactory(email="ana@example.cl"))
    just_ended = SessionFactory(
        zoom_webinar_id="86000000099",
        starts_at=now - timedelta(hours=1),
        ends_at=now - timedelta(minutes=10),
    )
    imported = SessionFactory(
        zoom_webinar_id="86000000098",
        starts_at=now - timedelta(hours=3),
        ends_at=now - timedelta(hours=2),
    )
    AttendanceImport.objects.create(session=imported, filename="report.csv", sha256="0" * 64)
    run_tasks()  # the registrant's own sync: the fake knows no such webinar
    fake_zoom.requests.clear()

    queued = periodic_jobs.pull_due_zoom_attendance(now=now)
    run_tasks()
    again = periodic_jobs.pull_due_zoom_attendance(now=now + timedelta(minutes=1))

    ana.refresh_from_db()
    pull = ZoomPull.objects.get(session=ended)
    assert (queued, again) == (1, 0)
    assert (ana.attended, ana.minutes_attended) == (True, 40)
    assert (pull.requested_by, pull.failure, pull.changed) == (None, "", True)
    assert pull.finished_at is not None
    assert (_sync(ended, "attendance").state, _sync(ended, "attendance").attempts) == ("done", 1)
    assert {r.path for r in fake_zoom.asked("GET")} == {
        f"/v2/report/webinars/{PAST_WEBINAR}/participants"
    }
    assert not ZoomPull.objects.filter(session__in=[just_ended, imported]).exists()
    client.force_login(OrganiserFactory())
    page = client.get(reverse("registrations:attendance", args=[ended.pk])).content.decode()
    assert "the attendance is recorded" in page


def test_a_failed_automatic_pull_is_shown_and_tried_again_after_a_wait(
    fake_zoom, run_tasks, client
):
    now = timezone.now()
    ended = SessionFactory(
        zoom_webinar_id=PAST_WEBINAR,
        starts_at=now - timedelta(hours=2),
        ends_at=now - timedelta(hours=1),
    )
    ana = RegistrationFactory(session=ended, person=UserFactory(email="ana@example.cl"))
    run_tasks()
    fake_zoom.failures_left = 4  # every try of the first page's call

    periodic_jobs.pull_due_zoom_attendance(now=now)
    run_tasks()
    client.force_login(OrganiserFactory())
    shown = client.get(reverse("registrations:attendance", args=[ended.pk])).content.decode()
    too_soon = periodic_jobs.pull_due_zoom_attendance(now=now + timedelta(minutes=5))
    later = periodic_jobs.pull_due_zoom_attendance(now=now + timedelta(minutes=16))
    run_tasks()

    ana.refresh_from_db()
    assert "The pull from Zoom failed on" in shown
    assert "Zoom answered HTTP 503: Service temporarily unavailable." in shown
    assert f'action="{reverse("registrations:attendance-zoom", args=[ended.pk])}"' in shown
    assert (too_soon, later) == (0, 1)
    assert (ana.attended, ana.minutes_attended) == (True, 40)
    assert (_sync(ended, "attendance").state, _sync(ended, "attendance").attempts) == ("done", 2)
    assert ZoomPull.objects.get(session=ended).failure == ""


def test_an_outage_leaves_the_webinar_failed_on_the_page_and_the_retry_creates_it(
    fake_zoom, run_tasks, client
):
    organiser = OrganiserFactory()
    client.force_login(organiser)
    session = _draft()
    fake_zoom.failures_left = 1
    page = reverse("events:session-edit", args=[session.pk])
    retry = reverse("registrations:zoom-retry", args=[session.pk])

    events.publish_session(session, by=organiser)
    run_tasks()
    failed = client.get(page).content.decode()
    client.post(retry)
    run_tasks()
    created = client.get(page).content.decode()

    session.refresh_from_db()
    # Creating is not idempotent: a 5xx is not tried again by the client, but by the retry.
    assert len(fake_zoom.asked("POST")) == 2
    assert "Zoom: failed: Zoom answered HTTP 503: Service temporarily unavailable." in failed
    assert f'action="{retry}"' in failed
    assert session.zoom_webinar_id == "86000000001"
    assert f"Zoom: webinar {session.zoom_webinar_id} is created" in created
    assert f'action="{retry}"' not in created
    assert (_sync(session).state, _sync(session).attempts) == ("done", 1)


def test_registrants_added_during_an_outage_are_added_by_the_retry(fake_zoom, run_tasks, client):
    session = _published(run_tasks)
    other = _published(run_tasks)
    fake_zoom.failures_left = 4  # every try of one call
    client.force_login(OrganiserFactory())
    page = reverse("events:session-edit", args=[session.pk])

    ana = _register(session)
    run_tasks()
    failed = client.get(page).content.decode()
    bo = _register(other, email="bo@example.org")
    run_tasks()
    client.post(reverse("registrations:zoom-retry", args=[session.pk]))
    run_tasks()

    ana.refresh_from_db()
    bo.refresh_from_db()
    assert "Zoom could not add or cancel 1 registrant: Zoom answered HTTP 503" in failed
    assert ana.zoom_join_url == personal_link(session.zoom_webinar_id, ana.zoom_registrant_id)
    assert _sync(session, f"registrant:{ana.pk}").state == "done"
    assert _sync(session, f"registrant:{ana.pk}").attempts == 1
    assert bo.zoom_join_url == personal_link(other.zoom_webinar_id, bo.zoom_registrant_id)
    assert "could not add" not in client.get(page).content.decode()


def test_an_unreachable_zoom_is_a_failure_with_its_reason_and_the_next_change_completes_it(
    fake_zoom, settings, run_tasks
):
    working = settings.ZOOM_API_URL
    settings.ZOOM_API_URL = settings.ZOOM_OAUTH_URL = "http://127.0.0.1:9/v2"  # nobody there
    session = _draft()

    events.publish_session(session, by=None)
    run_tasks()
    failure = _sync(session).failure
    settings.ZOOM_API_URL = working
    settings.ZOOM_OAUTH_URL = working.replace("/v2", "/oauth/token")
    session.title_en = "Selling to the EU in 2027"
    events.edit_session(session, by=None, fields=["title_en"])
    run_tasks()

    session.refresh_from_db()
    assert failure == "Zoom cannot be reached: ConnectionError"
    assert fake_zoom.webinars[session.zoom_webinar_id]["topic"] == "Selling to the EU in 2027"
    assert _sync(session).state == "done"


def test_every_call_to_zoom_has_a_connect_and_a_read_timeout(fake_zoom, run_tasks, monkeypatch):
    timeouts = []
    send = requests.Session.request

    def spy(self, method, url, *args, **kwargs):
        timeouts.append((method, url.split("/v2")[-1].split("?")[0], kwargs.get("timeout")))
        return send(self, method, url, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "request", spy)
    session = _published(run_tasks)
    ana = _register(session)
    run_tasks()
    starts = session.starts_at + timedelta(hours=1)
    events.reschedule_session(
        session, starts_at=starts, ends_at=starts + timedelta(hours=1), by=None
    )
    registrations.cancel_registration(ana)
    run_tasks()
    zoom.fetch_participants(PAST_WEBINAR)
    events.cancel_session(session, by=None)
    run_tasks()

    assert {(method, timeout) for method, _path, timeout in timeouts} == {
        ("POST", zoom.TIMEOUT),
        ("PATCH", zoom.TIMEOUT),
        ("PUT", zoom.TIMEOUT),
        ("GET", zoom.TIMEOUT),
        ("DELETE", zoom.TIMEOUT),
    }
    assert all(isinstance(t, tuple) and len(t) == 2 and all(t) for *_rest, t in timeouts)
    assert (
        len(timeouts) == 13
    )  # a token before each call (create, add, update, cancel, delete) and the 2 pages


def _form_data(**overrides) -> dict:
    return {
        "language": "en",
        "title_en": "Selling online",
        "format": "online",
        "time_zone": "America/Santiago",
        "starts_at": "2030-01-15T10:00",
        "ends_at": "2030-01-15T11:30",
        "capacity": "200",
        "zoom_create": "on",
    } | overrides


def test_an_in_person_session_or_a_server_without_zoom_cannot_be_created_on_zoom(settings):
    settings.ZOOM_ACCOUNT_ID = settings.ZOOM_CLIENT_ID = settings.ZOOM_CLIENT_SECRET = ""

    unset = SessionForm(_form_data()).errors.get("zoom_create")
    in_person = SessionForm(_form_data(format="in_person", venue="Geneva")).errors.get(
        "zoom_create"
    )
    settings.ZOOM_ACCOUNT_ID = settings.ZOOM_CLIENT_ID = settings.ZOOM_CLIENT_SECRET = "set"
    set_up = SessionForm(_form_data())

    assert unset == [
        "Zoom is not set up on this server, so the webinar cannot be created there: untick "
        "this box and add the join link yourself, or ask the administrator to set Zoom’s account."
    ]
    assert in_person == ["Only an online or hybrid session can be held on Zoom."]
    assert set_up.is_valid(), set_up.errors


def test_the_organiser_saves_and_publishes_with_create_on_zoom_and_gets_the_webinar(
    client, fake_zoom, run_tasks
):
    client.force_login(OrganiserFactory())
    client.post(reverse("events:session-create"), _form_data())
    session = Session.objects.get(title_en="Selling online")

    published = client.post(
        reverse("events:session-edit", args=[session.pk]), _form_data(publish="1")
    )
    run_tasks()

    session.refresh_from_db()
    assert published.url == reverse("events:session-edit", args=[session.pk])
    assert (session.status, session.zoom_create) == ("published", True)
    assert session.join_url == join_link(session.zoom_webinar_id)
    assert fake_zoom.webinars[session.zoom_webinar_id]["topic"] == "Selling online"


def test_a_draft_and_a_session_without_zoom_show_nothing_or_what_will_happen(client, fake_zoom):
    client.force_login(OrganiserFactory())
    draft = _draft()
    plain = SessionFactory()

    shown = client.get(reverse("events:session-edit", args=[draft.pk])).content.decode()
    not_shown = client.get(reverse("events:session-edit", args=[plain.pk])).content.decode()

    assert "Zoom: the webinar will be created when the session is published." in shown
    assert "data-zoom-status" not in not_shown


def test_a_registration_saved_without_a_change_for_zoom_queues_nothing(fake_zoom, run_tasks):
    session = _published(run_tasks)
    ana = _register(session)
    run_tasks()
    ana.refresh_from_db()

    Registration.objects.get(pk=ana.pk).save()
    ran = run_tasks()

    assert ran == []


def test_a_duplicate_gets_a_webinar_of_its_own(fake_zoom, run_tasks):
    session = _published(run_tasks)

    copy = events.duplicate_session(session, by=None)
    copy.starts_at += timedelta(days=7)
    copy.ends_at += timedelta(days=7)
    copy.save()
    events.publish_session(copy, by=None)
    run_tasks()

    copy.refresh_from_db()
    assert copy.zoom_webinar_id not in ("", session.zoom_webinar_id)
    assert fake_zoom.asked("PATCH") == []
    assert len(fake_zoom.webinars) == 2


def test_an_erased_person_s_zoom_registration_is_cancelled_without_their_email(
    fake_zoom, run_tasks
):
    session = _published(run_tasks)
    ana = _register(session)
    run_tasks()
    ana.refresh_from_db()
    registrant = ana.zoom_registrant_id

    privacy.erase_person(ana.person)
    run_tasks()

    ana.refresh_from_db()
    [cancelled] = fake_zoom.asked("PUT")
    assert cancelled.body == {"action": "cancel", "registrants": [{"id": registrant}]}
    assert fake_zoom.registrants[session.zoom_webinar_id][registrant]["status"] == "cancelled"
    assert (ana.person, ana.zoom_registrant_id, ana.zoom_join_url) == (None, "", "")

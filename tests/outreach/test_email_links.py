"""Every link in every email is built from SITE_URL, whatever Host the request carried.

An attacker who can choose the Host header (a permissive ALLOWED_HOSTS, a proxy passing it on)
must not get a sign-in, confirmation or cancel link pointing at their own site. This test plays
every flow that sends an email, allauth's and ours, with the attacker's Host, and reads every
email (subject, text, HTML, calendar attachment)."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from events.models import LanguageGroup, Session
from outreach.models import OrganisationKind
from registrations import confirmations, follow_ups, services
from registrations.models import (
    BulkMessage,
    Enrolment,
    Message,
    MessageKind,
    MessageStatus,
    PendingRegistration,
    Survey,
    SurveyInvitation,
)
from registrations.surveys import services as surveys
from tests.factories import (
    OrganisationFactory,
    OrganiserFactory,
    RegistrationFactory,
    SeriesFactory,
    SessionFactory,
    UserFactory,
    registration_form,
)

pytestmark = pytest.mark.django_db

SITE_URL = "https://outreach.example"
ATTACKER = "evil.example"
# The one link to another host an email may hold: the session's join link, which organisers
# enter (the video platform's address).
JOIN_URL = "https://meet.example.org/j/secret-join-link"
HOSTILE = {"HTTP_HOST": ATTACKER, "HTTP_X_FORWARDED_HOST": ATTACKER}
URL = re.compile(r"https?://[^\s\"'<>\\]+")


def form_sharing_with_cohosts(**overrides) -> dict:
    return registration_form(**{"shares_with_cohosts": "on", **overrides})


def texts_of(message) -> list[str]:
    texts = [message.subject, message.body, *message.extra_headers.values()]
    texts += [content for content, _mimetype in getattr(message, "alternatives", [])]
    for attachment in message.attachments:
        content = attachment[1] if isinstance(attachment, tuple) else attachment.get_payload()
        texts.append(content.decode() if isinstance(content, bytes) else str(content))
    return texts


def foreign_links(message) -> list[str]:
    found = []
    for text in texts_of(message):
        # Calendar files fold long lines (RFC 5545): unfold before reading links.
        text = text.replace("\r\n ", "").replace("\n ", "")
        for url in URL.findall(text):
            if not url.startswith(SITE_URL + "/") and url != JOIN_URL:
                found.append(url)
        if ATTACKER in text:
            found.append(ATTACKER)
    return found


def test_no_email_holds_a_link_to_another_host_whatever_the_requests_host(
    client, settings, run_tasks
):
    settings.ALLOWED_HOSTS = ["*"]
    settings.USE_X_FORWARDED_HOST = True
    ministry = OrganisationFactory(name="Ministry", kind=OrganisationKind.GOVERNMENT)
    session = SessionFactory(capacity=1, join_url=JOIN_URL, cohosts=[ministry])
    known = UserFactory(email="known@example.org", language="fr")
    EmailAddress.objects.create(user=known, email=known.email, verified=True, primary=True)

    # allauth, each flow from a fresh browser: a sign-in code; an unknown address; sign-up,
    # new and known; the address page (add one, add someone else's).
    Client().post("/en/accounts/login/code/", {"email": "known@example.org"}, **HOSTILE)
    Client().post("/fr/accounts/login/code/", {"email": "nobody@example.org"}, **HOSTILE)
    Client().post(
        "/es/accounts/signup/", {"email": "new@example.org", "full_name": "New"}, **HOSTILE
    )
    Client().post(
        "/en/accounts/signup/", {"email": "known@example.org", "full_name": "Someone"}, **HOSTILE
    )
    someone = UserFactory(email="someone@example.org")
    EmailAddress.objects.create(user=someone, email=someone.email, verified=True, primary=True)
    for data in (
        {"action_add": "", "email": "second@example.org"},
        {"action_add": "", "email": "someone@example.org"},
    ):
        cache.clear()  # allauth waits a while before sending a code to an address again
        signed_in = Client()
        signed_in.force_login(known)
        signed_in.post("/en/accounts/email/", data, **HOSTILE)
    allauth_mails = len(mail.outbox)

    # Ours: registering (a new address that shares; a known address, then its confirmation;
    # a full session's waitlist), cancelling by link (a seat offered to the waitlist), the
    # organisers' changes, reminders, surveys, follow-ups, messages to a group, outcome surveys
    # and a co-host member's invitation.
    register = f"/en/sessions/{session.pk}/register/"
    client.post(register, form_sharing_with_cohosts(), **HOSTILE)
    client.post(register, form_sharing_with_cohosts(email="known@example.org"), **HOSTILE)
    client.post(register, form_sharing_with_cohosts(email="third@example.org"), **HOSTILE)
    run_tasks(include_deferred=False)
    held = PendingRegistration.objects.get(person=known)
    token = confirmations.confirmation_token(held)
    client.post(f"/en/registrations/confirm/{token}/", **HOSTILE)
    first = session.registrations.get(person__email="lucia@example.org")
    client.post(f"/en/registrations/{first.token}/cancel/", **HOSTILE)
    services.announce_session_change(session, "rescheduled")
    services.announce_session_change(session, "updated")
    services.send_reminder_round(session.reminder_runs.order_by("minutes_before").first())
    client.force_login(OrganiserFactory())
    client.post(
        "/en/manage/cohosts/",
        {
            "organisation": ministry.pk,
            "email": "member@example.org",
            "full_name": "Member",
            "cohost_role": "viewer",
            "language": "es",
        },
        **HOSTILE,
    )
    series = SeriesFactory()
    past = SessionFactory(
        starts_at=timezone.now() - timedelta(days=2),
        join_url=JOIN_URL,
        status="finished",
        series=series,
    )
    past.ends_at = past.starts_at + timedelta(hours=1)
    past.save(update_fields=["ends_at"])
    attended = RegistrationFactory(session=past, attended=True)
    RegistrationFactory(session=past, attended=False, person=UserFactory(language="es"))
    surveys.invite_attendees(past)
    surveys.send_reminders(past)
    # The follow-ups: thanks and "sorry we missed you" once the attendance is known, the same to
    # everyone when none came; a message to a group; an outcome survey and its reminder.
    follow_ups.mark_attendance_known(past, now=past.ends_at)
    follow_ups.queue_follow_ups(past, now=past.ends_at + timedelta(hours=3))
    unknown = SessionFactory(
        starts_at=timezone.now() - timedelta(hours=50), join_url=JOIN_URL, status="finished"
    )
    unknown.ends_at = unknown.starts_at + timedelta(hours=1)
    unknown.save(update_fields=["ends_at"])
    RegistrationFactory(session=unknown, person=UserFactory(language="fr"))
    follow_ups.queue_follow_ups(unknown)
    bulk = BulkMessage.objects.create(
        session=past, segment="attended", subject_en="Slides", body_en="The slides are online."
    )
    message = services.queue_message(attended, MessageKind.BULK, unique=f"bulk{bulk.pk}")
    Message.objects.filter(pk=message.pk).update(bulk=bulk)
    SurveyInvitation.objects.create(
        survey=Survey.objects.get(slug="outcomes"),
        registration=attended,
        organisation=attended.organisation,
        series=series,
        period_starts_at=past.starts_at,
        closes_at=timezone.now() + timedelta(days=14),
    )
    services.queue_message(attended, MessageKind.OUTCOME_SURVEY, unique="outcome")
    services.queue_message(attended, MessageKind.OUTCOME_SURVEY_REMINDER, unique="outcome")
    other = SessionFactory(join_url=JOIN_URL)
    RegistrationFactory(session=other)
    services.announce_session_change(other, "cancelled")
    # A full session's waitlist moved by an organiser to the same session in Spanish, which has
    # seats: the person is told, with the Spanish session's invitation.
    full = SessionFactory(capacity=1, join_url=JOIN_URL)
    RegistrationFactory(session=full)
    spanish = SessionFactory(language="es", title_es="En español", join_url=JOIN_URL)
    group = LanguageGroup.objects.create()
    Session.objects.filter(pk__in=[full.pk, spanish.pk]).update(language_group=group)
    Session.objects.filter(pk=full.pk).update(confirmed_count=1)
    RegistrationFactory(
        session=full, status="waitlisted", waitlisted_at=timezone.now(), confirmed_at=None
    )
    mover = Client()
    mover.force_login(OrganiserFactory())
    mover.post(
        f"/en/manage/sessions/{full.pk}/move-to-sibling/",
        {"everyone": "on", "target": spanish.pk},
        **HOSTILE,
    )
    # A course of two sessions with one place: enrolled by the form (an invitation for each
    # session), the next on its waitlist, then the first leaves by link (a cancellation for
    # each session) and the second is enrolled.
    course = SeriesFactory(slug="course", is_course=True, capacity=1)
    for week in (1, 2):
        SessionFactory(
            series=course,
            join_url=JOIN_URL,
            starts_at=timezone.now() + timedelta(weeks=week),
            ends_at=timezone.now() + timedelta(weeks=week, hours=1),
        )
    for email in ("pupil@example.org", "next@example.org"):
        Client().post("/en/courses/course/enrol/", registration_form(email=email), **HOSTILE)
    run_tasks(include_deferred=False)  # sent before the first leaves and the next is enrolled
    pupil = Enrolment.objects.get(series=course, person__email="pupil@example.org")
    Client().post(f"/en/courses/leave/{pupil.token}/", **HOSTILE)
    run_tasks(include_deferred=False)

    kinds = set(Message.objects.values_list("kind", flat=True))
    assert kinds == set(MessageKind.values), "every kind of message is played here"
    assert attended.messages.filter(kind=MessageKind.SURVEY_REMINDER).exists()
    assert not Message.objects.exclude(status=MessageStatus.SENT).exists()
    assert allauth_mails == 6
    recipients = {address for m in mail.outbox for address in m.to}
    assert {"nobody@example.org", "member@example.org", "third@example.org"} <= recipients
    assert len([m for m in mail.outbox if m.to == ["known@example.org"]]) == 4  # code,
    # "account exists", the link to confirm the registration held for it, its confirmation
    assert [(m.subject, foreign_links(m)) for m in mail.outbox if foreign_links(m)] == []
    ours = [url for m in mail.outbox for t in texts_of(m) for url in URL.findall(t)]
    assert len([url for url in ours if url.startswith(SITE_URL + "/")]) > 2 * len(mail.outbox)

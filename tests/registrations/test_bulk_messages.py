"""Messages to a group of registrants (registrations.bulk.services): who each segment reaches, each
recipient's language, the rate limit, the audit entry, one send per form, and who may write."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from outreach.models import AuditAction, AuditEntry, CohostRole, OrganisationKind, Role
from registrations.bulk import services as bulk
from registrations.models import (
    BulkMessage,
    Message,
    MessageKind,
    MessageStatus,
    RegistrationStatus,
    Segment,
)
from tests.factories import (
    OrganisationFactory,
    OrganiserFactory,
    RegistrationFactory,
    SeriesFactory,
    SessionFactory,
    UserFactory,
)
from tests.queries import assert_same_queries_for_1_and_more

pytestmark = pytest.mark.django_db

TEXTS = {
    "en": ("Slides are online", "Find the slides on our site."),
    "fr": ("Les diapositives sont en ligne", "Retrouvez les diapositives sur notre site."),
    "es": ("", ""),
}


def ended_session(**fields):
    starts_at = timezone.now() - timedelta(days=2)
    return SessionFactory(starts_at=starts_at, ends_at=starts_at + timedelta(minutes=90), **fields)


def everyone_of(session, prefix: str) -> dict:
    """One registration of each kind at `session`, named by what it is."""
    opted_out = UserFactory(email=f"{prefix}-opted-out@example.org", opted_out_at=timezone.now())
    anonymised_organisation = OrganisationFactory()
    return {
        "attended": RegistrationFactory(session=session, attended=True),
        "absent": RegistrationFactory(session=session, attended=False),
        "unmarked": RegistrationFactory(session=session, attended=None),
        "waitlisted": RegistrationFactory(
            session=session,
            status=RegistrationStatus.WAITLISTED,
            confirmed_at=None,
            waitlisted_at=timezone.now(),
        ),
        "cancelled": RegistrationFactory(
            session=session,
            status=RegistrationStatus.CANCELLED,
            cancelled_at=timezone.now(),
            attended=False,
        ),
        "opted_out": RegistrationFactory(session=session, person=opted_out, attended=True),
        "anonymised": RegistrationFactory(
            session=session,
            person=None,
            organisation=anonymised_organisation,
            attended=True,
            anonymised_at=timezone.now(),
        ),
    }


def pks(registrations) -> set[int]:
    return {registration.pk for registration in registrations}


# --- Who each segment reaches -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        (Segment.REGISTERED, {"attended", "absent", "unmarked"}),
        (Segment.ATTENDED, {"attended"}),
        # Attendance is known (someone is marked): the confirmed registrant nobody marked is a
        # no-show too.
        (Segment.NO_SHOW, {"absent", "unmarked"}),
        (Segment.WAITLISTED, {"waitlisted"}),
    ],
)
def test_each_segment_of_a_session_reaches_exactly_its_people(segment, expected):
    series, other_series = SeriesFactory(), SeriesFactory()
    session = ended_session(series=series)
    here = everyone_of(session, "here")
    everyone_of(ended_session(series=series), "same-series")
    everyone_of(ended_session(series=other_series), "other-series")

    found = bulk.recipients(session=session, segment=segment)

    assert pks(found) == {here[name].pk for name in expected}


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        (Segment.REGISTERED, {"attended", "absent", "unmarked"}),
        (Segment.ATTENDED, {"attended"}),
        (Segment.NO_SHOW, {"absent", "unmarked"}),
        (Segment.WAITLISTED, {"waitlisted"}),
    ],
)
def test_each_segment_of_a_series_reaches_its_sessions_people_and_no_other_series(
    segment, expected
):
    series, other_series = SeriesFactory(), SeriesFactory()
    first = everyone_of(ended_session(series=series), "first")
    second = everyone_of(ended_session(series=series), "second")
    everyone_of(ended_session(series=other_series), "other-series")

    found = bulk.recipients(series=series, segment=segment)

    assert pks(found) == {side[name].pk for side in (first, second) for name in expected}


def test_a_person_registered_for_several_sessions_of_a_series_is_written_to_once():
    series = SeriesFactory()
    person = UserFactory()
    earlier = ended_session(series=series)
    later = SessionFactory(series=series)  # next week
    RegistrationFactory(session=earlier, person=person)
    latest = RegistrationFactory(session=later, person=person)
    other = RegistrationFactory(session=earlier)

    found = bulk.recipients(series=series, segment=Segment.REGISTERED)

    assert pks(found) == {latest.pk, other.pk}


def test_nobody_is_a_no_show_before_the_session_ends_or_while_no_attendance_is_known():
    upcoming = SessionFactory()
    RegistrationFactory(session=upcoming, attended=None)
    held_without_attendance = ended_session()
    RegistrationFactory(session=held_without_attendance, attended=None)
    checked_in = ended_session()
    RegistrationFactory(session=checked_in, attended=True)
    not_checked_in = RegistrationFactory(session=checked_in, attended=None)

    assert list(bulk.recipients(session=upcoming, segment=Segment.NO_SHOW)) == []
    assert list(bulk.recipients(session=held_without_attendance, segment=Segment.NO_SHOW)) == []
    assert pks(bulk.recipients(session=checked_in, segment=Segment.NO_SHOW)) == {not_checked_in.pk}


# --- Sending ---------------------------------------------------------------------------------


def test_sending_queues_one_bulk_message_per_recipient_with_the_audit_entry():
    organiser = OrganiserFactory()
    session = ended_session()
    people = everyone_of(session, "here")
    untouched = everyone_of(ended_session(), "elsewhere")

    sent = bulk.send_bulk_message(
        session=session, segment=Segment.ATTENDED, texts=TEXTS, token="t1", by=organiser
    )

    messages = list(Message.objects.filter(kind=MessageKind.BULK))
    assert [(m.registration_id, m.bulk_id, m.status) for m in messages] == [
        (people["attended"].pk, sent.pk, MessageStatus.PENDING)
    ]
    assert not Message.objects.filter(registration__in=untouched.values()).exists()
    assert (sent.recipient_count, sent.created_by, sent.subject_en, sent.subject_fr) == (
        1,
        organiser,
        "Slides are online",
        "Les diapositives sont en ligne",
    )
    entry = AuditEntry.objects.get(action=AuditAction.BULK_MESSAGE_SENT)
    assert (entry.actor, entry.object_id, entry.details) == (
        organiser,
        str(session.pk),
        {
            "segment": "attended",
            "recipients": 1,
            "languages": ["en", "fr"],
            "bulk_message": sent.pk,
        },
    )


def test_each_recipient_gets_the_message_in_their_language_or_the_sessions(run_tasks):
    session = SessionFactory(language="fr")
    readers = {
        language: RegistrationFactory(
            session=session, person=UserFactory(language=language, email=f"{language}@x.example")
        )
        for language in ("en", "fr", "es")
    }

    bulk.send_bulk_message(
        session=session,
        segment=Segment.REGISTERED,
        texts=TEXTS,
        token="t1",
        by=OrganiserFactory(),
    )
    run_tasks()

    got = {email.to[0]: (email.subject, email.body) for email in mail.outbox}
    assert set(got) == {f"{language}@x.example" for language in readers}
    assert got["en@x.example"][0] == "Slides are online"
    assert "Find the slides on our site." in got["en@x.example"][1]
    # Nothing was written in Spanish: the session's language, French, goes instead.
    for reader in ("fr@x.example", "es@x.example"):
        assert got[reader][0] == "Les diapositives sont en ligne"
        assert "Retrouvez les diapositives sur notre site." in got[reader][1]
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}


def test_messages_are_spread_over_the_minutes_at_the_rate_set(settings):
    settings.OUTREACH_BULK_MESSAGES_PER_MINUTE = 2
    now = timezone.now()
    session = SessionFactory()
    for _ in range(5):
        RegistrationFactory(session=session)
    organiser = OrganiserFactory()

    first = bulk.send_bulk_message(
        session=session, segment="registered", texts=TEXTS, token="a", by=organiser, now=now
    )
    second = bulk.send_bulk_message(
        session=session, segment="registered", texts=TEXTS, token="b", by=organiser, now=now
    )

    def minutes(sent):
        return [
            (message.due_at - now) // timedelta(minutes=1)
            for message in sent.messages.order_by("due_at", "pk")
        ]

    assert minutes(first) == [0, 0, 1, 1, 2]
    # Queued while the first still waits: after it, so that the rate holds across both.
    assert minutes(second) == [3, 3, 4, 4, 5]


def test_the_same_token_sends_once():
    session = SessionFactory()
    RegistrationFactory(session=session)
    RegistrationFactory(session=session)
    organiser = OrganiserFactory()

    first = bulk.send_bulk_message(
        session=session, segment="registered", texts=TEXTS, token="same", by=organiser
    )
    again = bulk.send_bulk_message(
        session=session, segment="registered", texts=TEXTS, token="same", by=organiser
    )

    assert again == first
    assert BulkMessage.objects.count() == 1
    assert Message.objects.filter(kind=MessageKind.BULK).count() == 2
    assert AuditEntry.objects.filter(action=AuditAction.BULK_MESSAGE_SENT).count() == 1


def test_an_empty_segment_sends_nothing():
    session = SessionFactory()
    RegistrationFactory(session=session)

    with pytest.raises(bulk.NobodyToWrite):
        bulk.send_bulk_message(
            session=session, segment="waitlisted", texts=TEXTS, token="t", by=OrganiserFactory()
        )

    assert BulkMessage.objects.count() == 0


def test_the_queries_of_a_send_do_not_grow_with_its_recipients():
    organiser = OrganiserFactory()
    one, many = SessionFactory(), SessionFactory()
    RegistrationFactory(session=one)
    for _ in range(6):
        RegistrationFactory(session=many)

    def count(session, token):
        with CaptureQueriesContext(connection) as queries:
            bulk.send_bulk_message(
                session=session, segment="registered", texts=TEXTS, token=token, by=organiser
            )
        return len(queries)

    assert count(many, "many") == count(one, "one")


# --- The screens -------------------------------------------------------------------------------


def form_data(
    step: str,
    token: str = "form-1",  # noqa: S107 (the form's send-once token, not a secret)
    segment: str = "registered",
    **texts,
) -> dict:
    data = {"step": step, "token": token, "segment": segment}
    for language, (subject, body) in {**TEXTS, **texts}.items():
        data[f"subject_{language}"] = subject
        data[f"body_{language}"] = body
    return data


def test_the_preview_shows_each_languages_message_and_counts(client):
    session = SessionFactory(language="en")
    for language, count in (("en", 2), ("fr", 1), ("es", 3)):
        for _ in range(count):
            RegistrationFactory(session=session, person=UserFactory(language=language))
    RegistrationFactory(session=SessionFactory(), person=UserFactory(language="fr"))
    client.force_login(OrganiserFactory())

    response = client.post(
        reverse("registrations:bulk-session", args=[session.pk]), form_data("preview")
    )

    assert response.status_code == 200
    groups = [(g.language, g.shown_in, g.count, g.subject) for g in response.context["groups"]]
    assert groups == [
        ("en", "en", 2, "Slides are online"),
        ("fr", "fr", 1, "Les diapositives sont en ligne"),
        ("es", "en", 3, "Slides are online"),
    ]
    assert response.context["total"] == 6
    assert "Send to 6 people" in response.content.decode()
    assert not BulkMessage.objects.exists()


def test_a_subject_without_its_message_is_refused(client):
    session = SessionFactory()
    RegistrationFactory(session=session)
    client.force_login(OrganiserFactory())

    response = client.post(
        reverse("registrations:bulk-session", args=[session.pk]),
        form_data("preview", es=("Las diapositivas", "")),
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "body_es": ["Write the message too, or leave the subject empty."]
    }
    assert response.context["groups"] is None


def test_sending_twice_from_the_same_form_sends_once_and_redirects(client):
    session = SessionFactory()
    RegistrationFactory(session=session)
    RegistrationFactory(session=session)
    client.force_login(OrganiserFactory())
    url = reverse("registrations:bulk-session", args=[session.pk])

    first = client.post(url, form_data("send"))
    second = client.post(url, form_data("send"))

    assert (first.status_code, first["Location"]) == (302, url)
    assert (second.status_code, second["Location"]) == (302, url)
    assert BulkMessage.objects.count() == 1
    assert Message.objects.filter(kind=MessageKind.BULK).count() == 2
    page = client.get(url)
    assert [(m.recipient_count, m.subject) for m in page.context["sent"]] == [
        (2, "Slides are online")
    ]


def cohost(organisation, role=CohostRole.MANAGER):
    return UserFactory(role=Role.COHOST, cohost_role=role, organisation=organisation)


def test_a_cohost_manager_writes_to_its_own_sessions_only(client):
    ministry = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)
    other_ministry = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)
    own = SessionFactory(cohosts=[ministry], series=SeriesFactory())
    RegistrationFactory(session=own)
    others = SessionFactory(cohosts=[other_ministry])
    RegistrationFactory(session=others)
    client.force_login(cohost(ministry))

    sent = client.post(reverse("registrations:bulk-session", args=[own.pk]), form_data("send"))
    refused = client.post(
        reverse("registrations:bulk-session", args=[others.pk]), form_data("send", token="t2")
    )
    series = client.get(reverse("registrations:bulk-series", args=[own.series.slug]))

    assert sent.status_code == 302
    assert refused.status_code == 404
    assert series.status_code == 403
    assert list(BulkMessage.objects.values_list("session", flat=True)) == [own.pk]


def test_a_cohost_member_who_is_not_a_manager_is_refused(client):
    ministry = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)
    own = SessionFactory(cohosts=[ministry])
    client.force_login(cohost(ministry, CohostRole.VIEWER))

    response = client.get(reverse("registrations:bulk-session", args=[own.pk]))

    assert response.status_code == 403


def test_an_organiser_writes_to_a_series(client):
    series = SeriesFactory()
    RegistrationFactory(session=SessionFactory(series=series))
    RegistrationFactory(session=SessionFactory(series=series))
    RegistrationFactory(session=SessionFactory())
    client.force_login(OrganiserFactory())
    url = reverse("registrations:bulk-series", args=[series.slug])

    response = client.post(url, form_data("send"))

    assert response.status_code == 302
    sent = BulkMessage.objects.get()
    assert (sent.series, sent.session, sent.recipient_count) == (series, None, 2)


def test_the_list_of_sent_messages_asks_the_same_queries_for_more_rows(client):
    organiser = OrganiserFactory()
    session = SessionFactory()
    RegistrationFactory(session=session)
    client.force_login(organiser)

    def add(count):
        for _ in range(count):
            bulk.send_bulk_message(
                session=session,
                segment="registered",
                texts=TEXTS,
                token=bulk.new_send_token(),
                by=OrganiserFactory(),
            )

    assert_same_queries_for_1_and_more(
        client, reverse("registrations:bulk-session", args=[session.pk]), add
    )


def test_a_cohost_previews_and_sends_without_any_count_of_its_registrants(client):
    """A co-host's figures hide small numbers: the preview, the send button, the confirmation
    and the list of sent messages give no count of the group, nor which languages it reads."""
    ministry = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)
    session = SessionFactory(cohosts=[ministry], language="en")
    for language in ("en", "en", "fr"):
        RegistrationFactory(session=session, person=UserFactory(language=language))
    client.force_login(cohost(ministry))
    url = reverse("registrations:bulk-session", args=[session.pk])

    preview = client.post(url, form_data("preview"))
    sent = client.post(url, form_data("send"), follow=True)

    page = preview.content.decode()
    assert [g.language for g in preview.context["groups"]] == ["en", "fr", "es"]
    assert not any(g.count for g in preview.context["groups"])
    assert not re.search(r"\d+ (people|person)", page)
    assert "Send to" not in page
    assert "The message is on its way." in sent.content.decode()
    assert not re.search(r"\d+ (people|person)", sent.content.decode())
    assert BulkMessage.objects.get().recipient_count == 3


def test_an_organiser_previewing_the_same_group_sees_its_count(client):
    ministry = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)
    session = SessionFactory(cohosts=[ministry], language="en")
    for language in ("en", "en", "fr"):
        RegistrationFactory(session=session, person=UserFactory(language=language))
    client.force_login(OrganiserFactory())

    preview = client.post(
        reverse("registrations:bulk-session", args=[session.pk]), form_data("preview")
    )

    assert "Send to 3 people" in preview.content.decode()

"""Organisers cannot lose work or hurt someone by one click (issue 14, item 3), on the session
screens: Publish saves what was typed first and asks before publishing an online session without
a join link; a new join link, venue or title sends confirmed registrants an updated invitation
(same UID, higher SEQUENCE), once, in their language; plan-a-quarter follows the quarter chosen,
fills titles from the topic and can publish all three; the list searches and counts the
waitlist; every session screen links to its results. Each test keeps a second session that must
stay as it was."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from events import services
from events.models import Session, SessionStatus
from registrations import services as registration_services
from registrations.models import Message, MessageKind, RegistrationStatus
from tests.factories import (
    OrganiserFactory,
    RegistrationFactory,
    SeriesFactory,
    SessionFactory,
    TopicFactory,
    UserFactory,
    economy,
)
from tests.queries import assert_same_queries_for_1_and_more

pytestmark = pytest.mark.django_db

STARTS_AT = datetime(2030, 11, 24, 15, 0, tzinfo=UTC)
JOIN_URL = "https://meet.example.org/j/secret-join-link"


@pytest.fixture
def organiser_client(client):
    client.force_login(OrganiserFactory())
    return client


def edit_data(session: Session, **overrides) -> dict:
    """The session form as the edit page fills it in for this session, with `overrides`."""
    data = {
        "language": session.language,
        "title_en": session.title_en or "",
        "title_fr": session.title_fr or "",
        "title_es": session.title_es or "",
        "format": session.format,
        "venue": session.venue,
        "time_zone": session.time_zone,
        "starts_at": session.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": session.ends_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"),
        "capacity": str(session.capacity),
        "attendance_threshold_minutes": "",
        "join_url": session.join_url,
    }
    return data | overrides


def draft(**fields) -> Session:
    defaults = {"status": SessionStatus.DRAFT, "time_zone": "UTC", "starts_at": STARTS_AT}
    defaults["ends_at"] = fields.get("starts_at", STARTS_AT) + timedelta(minutes=90)
    return SessionFactory(**(defaults | fields))


# --- Publish saves first, and asks about a missing join link -------------------------------------


def test_publish_saves_the_edits_first_when_the_session_has_a_join_link(organiser_client):
    session = draft(title_en="Old title")
    other = draft(title_en="Another draft")

    response = organiser_client.post(
        reverse("events:session-edit", args=[session.pk]),
        edit_data(session, title_en="Selling to Kenya", publish="1"),
    )

    session.refresh_from_db()
    other.refresh_from_db()
    assert response.url == reverse("events:session-edit", args=[session.pk])
    assert (session.status, session.title_en) == (SessionStatus.PUBLISHED, "Selling to Kenya")
    assert (other.status, other.title_en) == (SessionStatus.DRAFT, "Another draft")


def test_publish_keeps_the_edits_and_asks_first_when_an_online_session_has_no_join_link(
    organiser_client,
):
    session = draft(title_en="Old title", join_url="")
    other = draft(title_en="Another draft", join_url="")
    publish = reverse("events:session-publish", args=[session.pk])

    saved = organiser_client.post(
        reverse("events:session-edit", args=[session.pk]),
        edit_data(session, title_en="Selling to Kenya", publish="1"),
    )
    asked = organiser_client.get(publish)
    refused = organiser_client.post(publish)
    session.refresh_from_db()
    still_draft = session.status

    organiser_client.post(publish, {"without_join_link": "1"})

    session.refresh_from_db()
    other.refresh_from_db()
    assert saved.url == publish
    assert (still_draft, session.title_en) == (SessionStatus.DRAFT, "Selling to Kenya")
    assert "This online session has no join link" in asked.content.decode()
    assert refused.status_code == 200
    assert "Publish without a join link" in refused.content.decode()
    assert session.status == SessionStatus.PUBLISHED
    assert (other.status, other.title_en) == (SessionStatus.DRAFT, "Another draft")


def test_an_in_person_session_publishes_without_a_join_link(organiser_client):
    session = draft(format="in_person", venue="Geneva", join_url="")

    organiser_client.post(reverse("events:session-publish", args=[session.pk]))

    session.refresh_from_db()
    assert session.status == SessionStatus.PUBLISHED


def test_the_edit_page_warns_of_a_missing_join_link_before_publishing(organiser_client):
    without = draft(join_url="")
    with_link = draft()

    warned = organiser_client.get(reverse("events:session-edit", args=[without.pk]))
    quiet = organiser_client.get(reverse("events:session-edit", args=[with_link.pk]))

    warning = "This online session has no join link yet"
    assert (warning in warned.content.decode(), warning in quiet.content.decode()) == (True, False)
    assert 'name="publish"' in warned.content.decode()


def test_an_invalid_form_publishes_nothing_and_keeps_what_was_typed(organiser_client):
    session = draft(title_en="Old title")

    response = organiser_client.post(
        reverse("events:session-edit", args=[session.pk]),
        edit_data(session, title_en="Selling to Kenya", capacity="", publish="1"),
    )

    session.refresh_from_db()
    assert response.status_code == 200
    assert 'value="Selling to Kenya"' in response.content.decode()
    assert (session.status, session.title_en) == (SessionStatus.DRAFT, "Old title")


# --- Updated invitations when the join link, venue or title changes ------------------------------


def registrants(session, *people):
    return [
        registration_services.register(session, person=person, organisation=person.organisation)
        for person in people
    ]


def invitation_event(email):
    (attachment,) = email.attachments
    assert attachment.mimetype == "text/calendar; method=REQUEST; charset=utf-8"
    (event,) = Calendar.from_ical(attachment.content).walk("VEVENT")
    return event


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("join_url", "https://meet.example.org/j/new-link"),
        ("title_fr", "Vendre au Kenya"),
        ("venue", "Palais des Nations"),
    ],
)
def test_a_new_join_link_venue_or_title_sends_an_updated_invitation_once(run_tasks, field, value):
    session = SessionFactory(
        format="hybrid",
        venue="Geneva",
        title_en="Selling to Kenya",
        title_fr="Vendre au Kenya (ancien)",
        starts_at=STARTS_AT,
        ends_at=STARTS_AT + timedelta(minutes=90),
        capacity=2,
    )
    other = SessionFactory(starts_at=STARTS_AT, ends_at=STARTS_AT + timedelta(minutes=90))
    ana = UserFactory(email="ana@example.cl", language="es", time_zone="America/Santiago")
    claire = UserFactory(email="claire@example.fr", language="fr", time_zone="Europe/Paris")
    carla = UserFactory(email="carla@example.cl", language="es")
    registrants(session, ana, claire, carla)  # Carla waits: she has no invitation to update
    registrants(other, UserFactory(email="omar@example.ma", language="fr"))
    run_tasks(include_deferred=False)
    first = {
        email.to[0]: invitation_event(email)["sequence"]
        for email in mail.outbox
        if email.attachments
    }
    mail.outbox.clear()
    other_messages = list(Message.objects.filter(registration__session=other).values("pk"))

    setattr(session, field, value)
    services.edit_session(session, by=None, fields=[field])
    run_tasks(include_deferred=False)
    registration_services.announce_session_change(session, "updated")  # told again: nothing
    run_tasks(include_deferred=False)

    session.refresh_from_db()
    assert session.sequence == 1
    assert sorted(email.to[0] for email in mail.outbox) == ["ana@example.cl", "claire@example.fr"]
    for email in mail.outbox:
        event = invitation_event(email)
        assert str(event["uid"]) == f"session-{session.uid}@outreach.example"
        assert event["sequence"] > first[email.to[0]]
    (to_claire,) = [email for email in mail.outbox if email.to == ["claire@example.fr"]]
    (to_ana,) = [email for email in mail.outbox if email.to == ["ana@example.cl"]]
    assert session.localized("title", "fr") in to_claire.subject
    assert "Bonjour" in to_claire.body
    assert "Hola" in to_ana.body
    if field == "join_url":
        assert value in to_ana.body
    if field == "venue":
        assert value in to_claire.body
    assert (
        list(
            Message.objects.filter(registration__session=session).values_list("kind", flat=True)
        ).count(MessageKind.UPDATED)
        == 2
    )
    assert list(Message.objects.filter(registration__session=other).values("pk")) == (
        other_messages
    )


def test_drafts_ended_sessions_and_other_fields_tell_nobody(run_tasks):
    published = SessionFactory()
    registration = RegistrationFactory(session=published, status=RegistrationStatus.CONFIRMED)
    ended = SessionFactory(status=SessionStatus.FINISHED)
    Session.objects.filter(pk=ended.pk).update(
        starts_at=timezone.now() - timedelta(days=2), ends_at=timezone.now() - timedelta(days=1)
    )
    ended.refresh_from_db()
    RegistrationFactory(session=ended, status=RegistrationStatus.CONFIRMED)
    a_draft = draft()
    run_tasks(include_deferred=False)
    mail.outbox.clear()

    published.summary_en = "A new summary."
    services.edit_session(published, by=None, fields=["summary_en"])
    a_draft.join_url = "https://meet.example.org/j/other"
    services.edit_session(a_draft, by=None, fields=["join_url"])
    ended.title_en = "The title without its typo"
    services.edit_session(ended, by=None, fields=["title_en"])
    run_tasks(include_deferred=False)

    published.refresh_from_db()
    assert published.sequence == 0
    assert mail.outbox == []
    assert not Message.objects.filter(kind=MessageKind.UPDATED).exists()
    assert registration.messages.count() == 0


# --- Plan a quarter -------------------------------------------------------------------------------


def plan_data(**overrides) -> dict:
    series = SeriesFactory()
    topic = TopicFactory(name_en="E-commerce", name_fr="Commerce en ligne", name_es="Comercio")
    data = {
        "series": str(series.pk),
        "topic": str(topic.pk),
        "year": "2031",
        "quarter": "3",
        "title_en": "",
        "title_fr": "",
        "title_es": "",
        "start_en": "2031-02-11T10:00",
        "zone_en": "Europe/Zurich",
        "start_fr": "2031-02-12T14:00",
        "zone_fr": "Europe/Paris",
        "start_es": "2031-02-13T10:00",
        "zone_es": "America/Bogota",
        "duration": "90",
        "capacity": "500",
    }
    return data | overrides


def test_setting_the_dates_follows_the_quarter_chosen_and_fills_the_topics_titles(
    organiser_client,
):
    data = plan_data(set_dates="1", title_es="Vender en línea")

    response = organiser_client.post(reverse("events:plan-quarter"), data)

    form = response.context["form"]
    starts = [form.initial[f"start_{code}"] for code in ("en", "fr", "es")]
    assert not form.is_bound
    assert [start.month for start in starts] == [8, 8, 8]
    assert [start.year for start in starts] == [2031, 2031, 2031]
    assert (form.initial["title_en"], form.initial["title_fr"], form.initial["title_es"]) == (
        "E-commerce",
        "Commerce en ligne",
        "Vender en línea",
    )
    assert Session.objects.count() == 0


def test_a_quarter_planned_with_the_dates_set_is_created_in_that_quarter(organiser_client):
    other = SessionFactory(status=SessionStatus.DRAFT)
    data = plan_data(set_dates="1")
    form = organiser_client.post(reverse("events:plan-quarter"), data).context["form"]
    data.pop("set_dates")
    for code in ("en", "fr", "es"):
        data[f"start_{code}"] = form.initial[f"start_{code}"].strftime("%Y-%m-%dT%H:%M")
        data[f"title_{code}"] = form.initial[f"title_{code}"]

    response = organiser_client.post(reverse("events:plan-quarter"), data | {"publish": "on"})

    planned = Session.objects.exclude(pk=other.pk)
    assert response.status_code == 302
    assert sorted(planned.values_list("status", flat=True)) == ["published"] * 3
    assert sorted(planned.values_list("title_fr", flat=True)) == ["Commerce en ligne"] * 3
    assert {s.starts_at.month for s in planned} == {8}
    other.refresh_from_db()
    assert other.status == SessionStatus.DRAFT


def test_without_publish_the_quarter_is_planned_as_drafts(organiser_client):
    data = plan_data(quarter="1", title_en="A", title_fr="B", title_es="C")

    organiser_client.post(reverse("events:plan-quarter"), data)

    assert sorted(Session.objects.values_list("status", flat=True)) == ["draft"] * 3


# --- The list: search, waitlist counts, results links ------------------------------------------


def test_the_list_searches_titles_and_counts_the_waitlist(organiser_client):
    kenya = SessionFactory(title_en="Selling to Kenya", capacity=1)
    other = SessionFactory(title_en="Customs in Peru", capacity=1)
    registrants(kenya, UserFactory(), UserFactory(), UserFactory())  # one seat, two waiting
    registrants(other, UserFactory(), UserFactory())

    found = organiser_client.get(reverse("events:manage-sessions"), {"q": "kenya"})
    everything = organiser_client.get(reverse("events:manage-sessions"))

    assert [s.pk for s in found.context["sessions"]] == [kenya.pk]
    assert {s.pk: s.waitlisted for s in everything.context["sessions"]} == {
        kenya.pk: 2,
        other.pk: 1,
    }
    assert reverse("impact:session", args=[kenya.pk]) in found.content.decode()


def test_the_searched_list_asks_the_same_queries_for_1_and_3_sessions(organiser_client):
    def add(count):
        for _ in range(count):
            session = SessionFactory(title_en="Selling to Kenya", capacity=1)
            registrants(session, UserFactory(), UserFactory())

    assert_same_queries_for_1_and_more(
        organiser_client, reverse("events:manage-sessions") + "?q=kenya", add
    )


def test_every_session_screen_links_to_its_results(organiser_client):
    session = SessionFactory()
    results = reverse("impact:session", args=[session.pk])

    pages = [
        reverse("events:session-edit", args=[session.pk]),
        reverse("events:session-reschedule", args=[session.pk]),
        reverse("registrations:manage", args=[session.pk]),
        reverse("registrations:attendance", args=[session.pk]),
        reverse("registrations:check-in", args=[session.pk]),
    ]

    assert [results in organiser_client.get(page).content.decode() for page in pages] == [True] * 5


# --- The economies: checkboxes grouped by region, without JavaScript ---------------------------


def test_economies_are_checkboxes_grouped_by_region_and_saved_as_chosen(organiser_client):
    session = draft()
    other = draft(target_economies=[economy("PE")])

    page = organiser_client.get(reverse("events:session-edit", args=[session.pk])).content.decode()
    organiser_client.post(
        reverse("events:session-edit", args=[session.pk]),
        edit_data(session) | {"target_economies": ["KE", "CL"]},
    )

    africa, americas = (
        page.index("<strong>Africa</strong>"),
        page.index("<strong>Americas</strong>"),
    )
    kenya = page.index('name="target_economies" value="KE"')
    chile = page.index('name="target_economies" value="CL"')
    assert africa < kenya < americas < chile
    assert 'data-filter-label="Find an economy by name"' in page
    assert sorted(session.target_economies.values_list("code", flat=True)) == ["CL", "KE"]
    assert list(other.target_economies.values_list("code", flat=True)) == ["PE"]

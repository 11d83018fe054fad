"""Organisers cannot hurt someone by one click (issue 14, item 3), on the registration screens:
cancelling a registrant asks first; check-in marks people on the waitlist and asks before checking
one in; the attendance preview says how many will be marked absent and the minutes threshold; the
"link by hand" choice starts empty and searches; the economy filter names economies; a co-host
sees no invitation link for a draft. Each test keeps a second session that must stay as it was."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from events.models import Session
from registrations import services
from registrations.models import AttendanceRecord, MatchedBy, RegistrationStatus
from tests.factories import (
    OrganisationFactory,
    OrganiserFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    economy,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser_client(client):
    client.force_login(OrganiserFactory())
    return client


def person(name: str, email: str, **fields):
    return UserFactory(full_name=name, email=email, **fields)


def registration(session, name, email, status=RegistrationStatus.CONFIRMED):
    """A registration made as the public form makes it: a seat while the session has one, the
    waitlist after; a cancelled one is cancelled by its person."""
    someone = person(name, email)
    made = services.register(session, person=someone, organisation=someone.organisation)
    if status == RegistrationStatus.CANCELLED:
        made = services.cancel_registration(made)
    assert made.status == status
    return made


def status_of(*registrations) -> list[str]:
    for item in registrations:
        item.refresh_from_db()
    return [item.status for item in registrations]


# --- Cancelling a registrant asks first -----------------------------------------------------------


def test_cancelling_a_registrant_asks_first(organiser_client):
    session = SessionFactory()
    other = SessionFactory()
    ana = registration(session, "Ana Pérez", "ana@example.cl")
    omar = registration(other, "Omar Idrissi", "omar@example.ma")
    url = reverse("registrations:manage-action", args=[session.pk, ana.pk])

    asked_by_link = organiser_client.get(url)
    asked_by_button = organiser_client.post(url, {"action": "cancel"})
    before = status_of(ana)

    done = organiser_client.post(url, {"action": "cancel", "confirmed": "1"})

    assert asked_by_link.status_code == asked_by_button.status_code == 200
    page = asked_by_button.content.decode()
    assert "Cancel this registration?" in page
    assert "Ana Pérez" in page
    assert 'name="confirmed"' in page
    assert before == ["confirmed"]
    assert done.url == reverse("registrations:manage", args=[session.pk])
    assert status_of(ana, omar) == ["cancelled", "confirmed"]


def test_other_moves_still_take_one_click(organiser_client):
    session = SessionFactory(capacity=1)
    registration(session, "Bruno Lima", "bruno@example.br")
    ana = registration(session, "Ana Pérez", "ana@example.cl", RegistrationStatus.WAITLISTED)
    session.capacity = 2
    session.save(update_fields=["capacity"])

    organiser_client.post(
        reverse("registrations:manage-action", args=[session.pk, ana.pk]), {"action": "confirm"}
    )

    assert status_of(ana) == ["confirmed"]


# --- Check-in -------------------------------------------------------------------------------------


def test_check_in_marks_waitlisted_people_and_asks_before_checking_one_in(organiser_client):
    session = SessionFactory(format="in_person", venue="Geneva", capacity=1)
    other = SessionFactory(format="in_person", venue="Geneva", capacity=1)
    ana = registration(session, "Ana Pérez", "ana@example.cl")
    carla = registration(session, "Carla Ruiz", "carla@example.cl", RegistrationStatus.WAITLISTED)
    registration(other, "Olga Petrova", "olga@example.kz")
    omar = registration(other, "Omar Idrissi", "omar@example.ma", RegistrationStatus.WAITLISTED)
    url = reverse("registrations:check-in", args=[session.pk])

    page = organiser_client.get(url).content.decode()
    organiser_client.post(url, {"registration": ana.pk})
    asked = organiser_client.post(url, {"registration": carla.pk, "q": "carla"})
    attended_before = AttendanceRecord.objects.filter(registration=carla).exists()
    organiser_client.post(url, {"registration": carla.pk, "q": "carla", "confirmed": "1"})

    assert page.count("data-waitlisted") == 1
    assert "On the waitlist: no seat" in page
    assert asked.status_code == 200
    assert "Carla Ruiz is on the waitlist: they hold no seat." in asked.content.decode()
    assert attended_before is False
    checked_in = AttendanceRecord.objects.filter(matched_by=MatchedBy.CHECK_IN)
    assert sorted(checked_in.values_list("registration_id", flat=True)) == sorted(
        [ana.pk, carla.pk]
    )
    assert not AttendanceRecord.objects.filter(registration=omar).exists()


# --- The attendance preview -----------------------------------------------------------------------


def report(session, rows) -> SimpleUploadedFile:
    start = session.starts_at.strftime("%Y-%m-%d %H:%M:%S")
    lines = ["Participant name,E-mail address,Arrived,Departed"]
    for name, email, minutes in rows:
        end = (session.starts_at + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S")
        lines.append(f"{name},{email},{start},{end}")
    return SimpleUploadedFile("report.csv", "\n".join(lines).encode(), content_type="text/csv")


def preview(client, session, upload):
    return client.post(
        reverse("registrations:attendance-preview", args=[session.pk]),
        {
            "report": upload,
            "platform": "csv",
            "time_zone": "UTC",
            "date_order": "auto",
            "name_column": "Participant name",
            "email_column": "E-mail address",
            "joined_column": "Arrived",
            "left_column": "Departed",
        },
    )


def test_the_preview_says_how_many_will_be_marked_absent_and_the_threshold(organiser_client):
    session = SessionFactory(attendance_threshold_minutes=30)
    other = SessionFactory()
    registration(session, "Ana Pérez", "ana@example.cl")  # 60 minutes: attended
    registration(session, "Ben Okafor", "ben@example.ng")  # 5 minutes: absent
    registration(session, "Cara Diaz", "cara@example.co")  # not in the report: absent
    dan = registration(session, "Dan Weber", "dan@example.ch")  # checked in at the door
    registration(session, "Eva Sousa", "eva@example.pt", RegistrationStatus.CANCELLED)
    registration(other, "Omar Idrissi", "omar@example.ma")
    AttendanceRecord.objects.create(
        session=session,
        registration=dan,
        name="Dan Weber",
        email="dan@example.ch",
        attended=True,
        matched_by=MatchedBy.CHECK_IN,
    )
    starts = (timezone.now() - timedelta(days=1)).replace(second=0, microsecond=0)
    Session.objects.filter(pk__in=[session.pk, other.pk]).update(
        starts_at=starts, ends_at=starts + timedelta(minutes=90), status="finished"
    )
    session.refresh_from_db()
    rows = [("Ana Pérez", "ana@example.cl", 60), ("Ben Okafor", "ben@example.ng", 5)]

    response = preview(organiser_client, session, report(session, rows))

    page = response.content.decode()
    assert response.context["absent"] == 2  # Ben and Cara
    assert "Attending means at least 30 minutes in the report." in page
    assert "Importing marks 2 registrants absent" in page
    assert not AttendanceRecord.objects.filter(session=other).exists()


# --- Linking by hand starts empty and searches ---------------------------------------------------


def test_the_link_by_hand_choice_starts_empty_and_searches_this_session_only(organiser_client):
    session = SessionFactory()
    other = SessionFactory()
    ana = registration(session, "Ana Pérez", "ana@example.cl")
    registration(session, "Bruno Lima", "bruno@example.br")
    registration(other, "Ana Other", "ana.other@example.cl")
    walk_in = AttendanceRecord.objects.create(
        session=session, name="A. Perez", email="ap@home.example", minutes=40, attended=True
    )
    url = reverse("registrations:attendance", args=[session.pk])
    link = reverse("registrations:attendance-link", args=[session.pk, walk_in.pk])

    empty = organiser_client.get(url)
    found = organiser_client.get(url, {"find": "ana"})
    nothing_chosen = organiser_client.post(link, {"registration": "", "find": "ana"})
    walk_in.refresh_from_db()
    linked_before = walk_in.registration_id
    organiser_client.post(link, {"registration": str(ana.pk), "find": "ana"})

    assert empty.context["link_choices"] == []
    assert '<option value="" selected>' in empty.content.decode()
    assert [choice.pk for choice in found.context["link_choices"]] == [ana.pk]
    assert "ana.other@example.cl" not in found.content.decode()
    assert nothing_chosen.url == f"{url}?find=ana"
    assert linked_before is None
    walk_in.refresh_from_db()
    assert walk_in.registration_id == ana.pk


# --- The economy filter names economies ----------------------------------------------------------


def test_the_registrations_filter_lists_economies_by_name(organiser_client):
    session = SessionFactory()
    other = SessionFactory()
    kenya = OrganisationFactory(economy=economy("KE"))
    peru = OrganisationFactory(economy=economy("PE"))
    in_kenya = RegistrationFactory(session=session, organisation=kenya)
    RegistrationFactory(session=session, organisation=peru)
    RegistrationFactory(session=other, organisation=OrganisationFactory(economy=economy("JP")))
    url = reverse("registrations:manage", args=[session.pk])

    everyone = organiser_client.get(url)
    only_kenya = organiser_client.get(url, {"economy": "KE"})

    assert [e.code for e in everyone.context["economies"]] == ["KE", "PE"]
    assert '<option value="KE">Kenya</option>' in everyone.content.decode()
    assert "Japan" not in everyone.content.decode()
    assert [r.pk for r in only_kenya.context["registrations"]] == [in_kenya.pk]


# --- Drafts show no invitation link -------------------------------------------------------------


def test_a_cohost_sees_no_invitation_link_for_a_draft(client):
    ministry = OrganisationFactory(kind="ministry")
    member = UserFactory(role="cohost", cohost_role="viewer", organisation=ministry)
    draft = SessionFactory(status="draft", cohosts=[ministry])
    published = SessionFactory(cohosts=[ministry])
    client.force_login(member)

    on_draft = client.get(reverse("cohost:session", args=[draft.pk])).content.decode()
    on_published = client.get(reverse("cohost:session", args=[published.pk])).content.decode()

    assert ("?via=" in on_draft, "?via=" in on_published) == (False, True)

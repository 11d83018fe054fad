"""A full session offers its siblings (issue 16, section 5), and registrants choose their
listening language where interpretation is offered (section 4)."""

import contextlib
import csv
import io
import threading
import zoneinfo
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import connection, connections
from django.utils import timezone
from icalendar import Calendar

from events.models import LanguageGroup, Session
from outreach.models import AuditAction, AuditEntry, OrganisationKind, Role
from registrations import services, siblings
from registrations.models import Message, MessageKind, Registration, RegistrationStatus
from tests.factories import (
    OrganisationFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    registration_form,
)

pytestmark = pytest.mark.django_db


def _starting(days: int, hour: int) -> datetime:
    day = timezone.now().date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _group(*sessions: Session) -> None:
    group = LanguageGroup.objects.create()
    Session.objects.filter(pk__in=[s.pk for s in sessions]).update(language_group=group)
    for session in sessions:
        session.language_group = group


def _full_with_siblings(*, spanish_seats: int = 2):
    full = SessionFactory(title_en="Exporting", capacity=1, starts_at=_starting(5, 9))
    RegistrationFactory(session=full)
    Session.objects.filter(pk=full.pk).update(confirmed_count=1)
    full.refresh_from_db()
    spanish = SessionFactory(
        language="es",
        title_es="Exportar",
        capacity=spanish_seats,
        starts_at=_starting(6, 15),
        join_url="https://meet.example.org/j/spanish",
    )
    french_full = SessionFactory(
        language="fr", title_fr="Exporter", capacity=1, starts_at=_starting(7, 9)
    )
    RegistrationFactory(session=french_full)
    Session.objects.filter(pk=french_full.pk).update(confirmed_count=1)
    _group(full, spanish, french_full)
    return full, spanish, french_full


def _waiting(session: Session, *, language: str = "en", minutes: int = 0, **person) -> Registration:
    return RegistrationFactory(
        session=session,
        status=RegistrationStatus.WAITLISTED,
        waitlisted_at=timezone.now() - timedelta(minutes=60 - minutes),
        confirmed_at=None,
        person=UserFactory(language=language, **person),
    )


def _emails_to(person) -> list:
    return [email for email in mail.outbox if email.to == [person.email]]


# --- The offer ------------------------------------------------------------------------------


def test_a_full_session_page_offers_the_siblings_with_seats(client):
    full, spanish, _french_full = _full_with_siblings()
    client.cookies["tz"] = "America/Bogota"  # UTC-5
    spanish_local = spanish.starts_at - timedelta(hours=5)

    page = client.get(full.get_absolute_url()).content.decode()
    spanish_page = client.get(f"/fr/sessions/{spanish.pk}/").content.decode()

    assert "the same session in another language has seats" in page
    assert (
        f"There are seats in the Spanish session, {spanish_local:%A}, "
        f"{spanish_local:%B} {spanish_local.day}, 10:00\u202fAM your time</a>" in page
    )
    assert "There are seats in the French session" not in page  # full too
    assert "Il reste des places" not in spanish_page  # a session with seats offers nothing


def test_the_waitlist_notice_offers_the_siblings_with_seats_in_the_persons_language(
    client, run_tasks
):
    full, spanish, _french_full = _full_with_siblings()
    person = UserFactory(language="fr", time_zone="Europe/Paris")
    lonely = SessionFactory(capacity=1)
    RegistrationFactory(session=lonely)
    Session.objects.filter(pk=lonely.pk).update(confirmed_count=1)
    other = UserFactory(language="en")

    services.register(full, person=person, organisation=person.organisation)
    services.register(lonely, person=other, organisation=other.organisation)
    run_tasks(include_deferred=False)

    [notice] = _emails_to(person)
    local = spanish.starts_at.astimezone(zoneinfo.ZoneInfo("Europe/Paris"))
    assert (
        f"- Il reste des places dans la session en espagnol, {_french_day(local)}, "
        f"{local:%H:%M} (votre heure)\n  https://" in notice.body
    )
    assert f"/sessions/{spanish.pk}/" in notice.body
    assert "session en français" not in notice.body
    [html] = [content for content, kind in notice.alternatives if kind == "text/html"]
    assert f'/sessions/{spanish.pk}/">Il reste des places' in html
    [plain] = _emails_to(other)
    assert "There are seats" not in plain.body


def _french_day(local: datetime) -> str:
    weekdays = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
    months = "janvier février mars avril mai juin juillet août septembre octobre novembre "
    months = (months + "décembre").split()
    day = "1er" if local.day == 1 else str(local.day)
    return f"{weekdays[local.weekday()]} {day} {months[local.month - 1]}"


# --- Moving ---------------------------------------------------------------------------------


def test_moving_waitlisted_people_respects_the_siblings_seats(run_tasks):
    full, spanish, french_full = _full_with_siblings(spanish_seats=2)
    organiser = UserFactory(role=Role.ORGANISER)
    first = _waiting(full, language="es", minutes=0)
    second = _waiting(full, language="fr", minutes=1)
    third = _waiting(full, language="en", minutes=2)
    elsewhere = _waiting(french_full, language="fr")

    moved = siblings.move_to_sibling([third, second, first], spanish, by=organiser)
    run_tasks(include_deferred=False)

    assert (moved.count, moved.no_seat, moved.skipped) == (2, 1, 0)
    statuses = dict(Registration.objects.filter(session=full).values_list("person", "status"))
    assert statuses[first.person_id] == statuses[second.person_id] == "cancelled"
    assert statuses[third.person_id] == "waitlisted"  # the longest waiting moved first
    on_spanish = Registration.objects.filter(session=spanish).order_by("person_id")
    assert [(r.person_id, r.status) for r in on_spanish] == [
        (first.person_id, "confirmed"),
        (second.person_id, "confirmed"),
    ]
    spanish.refresh_from_db()
    full.refresh_from_db()
    assert (spanish.confirmed_count, full.confirmed_count) == (2, 1)
    elsewhere.refresh_from_db()
    assert elsewhere.status == "waitlisted"
    [entry] = AuditEntry.objects.filter(action=AuditAction.WAITLIST_MOVED)
    assert (entry.object_id, entry.details["to"], entry.details["no_seat"]) == (
        str(full.pk),
        spanish.pk,
        1,
    )
    assert sorted(entry.details["moved"]) == sorted(r.pk for r in on_spanish)


def test_each_person_moved_is_told_in_their_language_with_the_siblings_invitation(run_tasks):
    full, spanish, _french_full = _full_with_siblings()
    in_spanish = _waiting(full, language="es")
    in_french = _waiting(full, language="fr", minutes=1)

    siblings.move_to_sibling([in_spanish, in_french], spanish, by=UserFactory(role=Role.ORGANISER))
    run_tasks(include_deferred=False)

    [to_spanish] = _emails_to(in_spanish.person)
    [to_french] = _emails_to(in_french.person)
    assert to_spanish.subject == "Una plaza para usted en español: Exportar"
    # Subjects are written on one line: every space, the no-break one too, becomes a space.
    assert to_french.subject == "Une place pour vous en espagnol : Exportar"
    for email in (to_spanish, to_french):
        [(name, ics, kind)] = email.attachments
        event = Calendar.from_ical(ics).walk("VEVENT")[0]
        assert (name, kind.split(";")[0]) == ("invite.ics", "text/calendar")
        assert str(event["uid"]) == f"session-{spanish.uid}@outreach.example"
        assert "https://meet.example.org/j/spanish" in email.body
    assert Message.objects.filter(kind=MessageKind.MOVED_TO_SIBLING).count() == 2
    assert not Message.objects.filter(kind=MessageKind.REGISTRATION_CANCELLED).exists()


def test_someone_registered_for_the_sibling_already_is_skipped(run_tasks):
    full, spanish, _french_full = _full_with_siblings(spanish_seats=5)
    both = _waiting(full)
    RegistrationFactory(session=spanish, person=both.person)
    Session.objects.filter(pk=spanish.pk).update(confirmed_count=1)
    came_back = _waiting(full, minutes=1)
    RegistrationFactory(session=spanish, person=came_back.person, status="cancelled")

    moved = siblings.move_to_sibling([both, came_back], spanish, by=None)

    assert (moved.count, moved.skipped) == (1, 1)
    both.refresh_from_db()
    assert both.status == "waitlisted"
    assert Registration.objects.get(session=spanish, person=came_back.person).status == (
        "confirmed"
    )


def test_a_session_of_another_group_is_no_target():
    full, _spanish, _french_full = _full_with_siblings()
    stranger = SessionFactory(language="es")
    _group(stranger, SessionFactory(language="fr"))
    waiting = _waiting(full)

    with pytest.raises(siblings.NotASibling):
        siblings.move_to_sibling([waiting], stranger, by=None)

    waiting.refresh_from_db()
    assert waiting.status == "waitlisted"
    assert not Registration.objects.filter(session=stranger).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.WAITLIST_MOVED).exists()


def test_an_organiser_moves_everyone_waiting_from_the_registrants_page(client, run_tasks):
    full, spanish, _french_full = _full_with_siblings(spanish_seats=3)
    waiting = [_waiting(full, minutes=n) for n in range(2)]
    client.force_login(UserFactory(role=Role.ORGANISER))

    listing = client.get(f"/en/manage/sessions/{full.pk}/registrations/").content.decode()
    page = client.get(f"/en/manage/sessions/{full.pk}/move-to-sibling/")
    response = client.post(
        f"/en/manage/sessions/{full.pk}/move-to-sibling/",
        {"everyone": "on", "target": spanish.pk},
        follow=True,
    )

    assert f"/en/manage/sessions/{full.pk}/move-to-sibling/" in listing
    assert [target.pk for target in page.context["targets"]] == [spanish.pk]
    assert "Spanish, " in page.content.decode()
    assert "3 seats left" in page.content.decode()
    assert "2 people moved to the session in Spanish" in response.content.decode()
    assert Registration.objects.filter(session=spanish, status="confirmed").count() == 2
    assert {r.person_id for r in Registration.objects.filter(session=spanish)} == {
        r.person_id for r in waiting
    }


def test_an_organiser_moves_only_the_people_ticked(client):
    full, spanish, _french_full = _full_with_siblings(spanish_seats=3)
    ticked, left = _waiting(full), _waiting(full, minutes=1)
    client.force_login(UserFactory(role=Role.ORGANISER))

    client.post(
        f"/en/manage/sessions/{full.pk}/move-to-sibling/",
        {"registrations": [ticked.pk], "target": spanish.pk},
    )
    refused = client.post(f"/en/manage/sessions/{full.pk}/move-to-sibling/", {"target": spanish.pk})

    left.refresh_from_db()
    assert left.status == "waitlisted"
    assert Registration.objects.get(session=spanish, person=ticked.person).status == "confirmed"
    assert refused.status_code == 200
    assert "Choose the people to move, or everyone." in refused.content.decode()


@pytest.mark.parametrize("role", [Role.COHOST, Role.ANALYST, Role.PARTICIPANT])
def test_a_cohost_an_analyst_or_a_firm_cannot_move_anyone(client, role):
    full, spanish, _french_full = _full_with_siblings()
    ministry = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)
    Session.cohosts.through.objects.create(session=full, organisation=ministry)
    waiting = _waiting(full)
    client.force_login(UserFactory(role=role, organisation=ministry, cohost_role="manager"))

    response = client.post(
        f"/en/manage/sessions/{full.pk}/move-to-sibling/",
        {"everyone": "on", "target": spanish.pk},
    )

    assert response.status_code == 403
    waiting.refresh_from_db()
    assert waiting.status == "waitlisted"


# --- Listening language ---------------------------------------------------------------------


def _form(**extra) -> dict:
    return registration_form(**extra)


def test_the_listening_language_is_asked_only_where_interpretation_is_offered(client):
    interpreted = SessionFactory(interpretation_languages=["es", "fr"])
    plain = SessionFactory()

    page = client.get(f"/es/sessions/{interpreted.pk}/register/")
    form = page.context["form"]
    plain_form = client.get(f"/en/sessions/{plain.pk}/register/").context["form"]

    assert [code for code, _label in form.fields["listening_language"].choices] == [
        "en",
        "es",
        "fr",
    ]
    assert form.fields["listening_language"].initial == "es"  # the visitor's language
    assert "¿En qué idioma escuchará?" in page.content.decode()
    assert "listening_language" not in plain_form.fields


def test_the_listening_language_is_stored_and_shown_to_organisers(client):
    interpreted = SessionFactory(interpretation_languages=["es"])
    other = SessionFactory(interpretation_languages=["es"])

    response = client.post(
        f"/en/sessions/{interpreted.pk}/register/", _form(listening_language="es")
    )
    client.post(
        f"/en/sessions/{other.pk}/register/",
        _form(email="own@example.org", listening_language="en"),
    )
    refused = client.post(
        f"/en/sessions/{interpreted.pk}/register/",
        _form(email="x@example.org", listening_language="fr"),
    )
    client.force_login(UserFactory(role=Role.ORGANISER))
    listing = client.get(f"/en/manage/sessions/{interpreted.pk}/registrations/")
    export = client.get(f"/en/manage/sessions/{interpreted.pk}/registrations.csv?codes=1")

    assert response.status_code == 302
    assert Registration.objects.get(session=interpreted).listening_language == "es"
    assert Registration.objects.get(session=other).listening_language == ""  # its own
    assert refused.status_code == 400  # not offered
    assert "Listens in Spanish" in listing.content.decode()
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert [row["listening_language"] for row in rows] == ["es"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
def test_a_move_racing_newcomers_for_the_siblings_seats_never_overfills_it():
    full, spanish, _french_full = _full_with_siblings(spanish_seats=5)
    waiting = [_waiting(full, minutes=n) for n in range(5)]
    newcomers = UserFactory.create_batch(8)
    barrier = threading.Barrier(len(newcomers) + 1)

    def act(item):
        try:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=10)
            if item is None:
                return siblings.move_to_sibling(waiting, spanish, by=None)
            return services.register(spanish, person=item, organisation=item.organisation)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(newcomers) + 1) as pool:
        results = list(pool.map(act, [None, *newcomers]))

    moved = results[0]
    spanish.refresh_from_db()
    confirmed = Registration.objects.filter(session=spanish, status="confirmed").count()
    assert spanish.confirmed_count == confirmed == 5
    assert moved.count + moved.no_seat == 5
    still_waiting = Registration.objects.filter(session=full, status="waitlisted").count()
    assert still_waiting == moved.no_seat

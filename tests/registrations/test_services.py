from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from events.models import Session
from registrations import services
from registrations.models import Message, Registration, RegistrationStatus
from tests.factories import FirmFactory, SessionFactory, UserFactory, economy

pytestmark = pytest.mark.django_db


def sign_up(session, person=None):
    person = person or UserFactory()
    return services.register(session, person=person, organisation=person.organisation)


def counts(session) -> tuple[int, int]:
    """The seat counter and the confirmed rows: they must always agree."""
    session = Session.objects.get(pk=session.pk)
    rows = Registration.objects.filter(session=session, status=RegistrationStatus.CONFIRMED)
    return session.confirmed_count, rows.count()


def test_people_are_confirmed_while_seats_are_free_then_waitlisted():
    session = SessionFactory(capacity=2)

    statuses = [sign_up(session).status for _ in range(4)]

    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert counts(session) == (2, 2)


def test_registering_twice_makes_one_registration_and_one_message():
    session = SessionFactory()
    person = UserFactory()

    first = sign_up(session, person)
    second = sign_up(session, person)

    assert first.pk == second.pk
    assert Registration.objects.count() == 1
    assert Message.objects.filter(kind="confirmation").count() == 1
    assert counts(session) == (1, 1)


def test_a_cancelled_registration_comes_back_to_life():
    session = SessionFactory()
    person = UserFactory()
    services.cancel_registration(sign_up(session, person))

    again = sign_up(session, person)

    assert again.status == "confirmed"
    assert Registration.objects.count() == 1
    assert counts(session) == (1, 1)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"status": "draft"}, "draft"),
        ({"status": "cancelled"}, "cancelled"),
        ({"registration_opens_at": timezone.now() + timedelta(days=1)}, "not_yet"),
        ({"registration_closes_at": timezone.now() - timedelta(minutes=1)}, "closed"),
        (
            {
                "starts_at": timezone.now() - timedelta(hours=2),
                "ends_at": timezone.now() - timedelta(hours=1),
            },
            "finished",
        ),
    ],
)
def test_registering_outside_the_window_is_refused_and_writes_nothing(changes, reason):
    session = SessionFactory(**changes)

    with pytest.raises(services.RegistrationClosed) as refused:
        sign_up(session)

    assert refused.value.reason == reason
    assert Registration.objects.count() == 0
    assert Message.objects.count() == 0


def test_cancelling_gives_the_seat_to_the_first_person_waiting():
    session = SessionFactory(capacity=1)
    holder = sign_up(session)
    first_waiting = sign_up(session)
    second_waiting = sign_up(session)

    services.cancel_registration(holder)

    first_waiting.refresh_from_db()
    second_waiting.refresh_from_db()
    assert (first_waiting.status, second_waiting.status) == ("confirmed", "waitlisted")
    assert counts(session) == (1, 1)
    assert Message.objects.filter(kind="promoted", registration=first_waiting).count() == 1


def test_cancelling_with_nobody_waiting_frees_the_seat():
    session = SessionFactory(capacity=1)

    services.cancel_registration(sign_up(session))

    assert counts(session) == (0, 0)


def test_cancelling_twice_changes_nothing():
    session = SessionFactory(capacity=1)
    registration = sign_up(session)
    services.cancel_registration(registration)

    services.cancel_registration(registration)

    assert counts(session) == (0, 0)
    assert Message.objects.filter(kind="registration_cancelled").count() == 1


def test_a_newcomer_waits_behind_people_already_waiting_when_seats_are_added():
    session = SessionFactory(capacity=1)
    sign_up(session)
    waiting = sign_up(session)
    Session.objects.filter(pk=session.pk).update(capacity=2)

    newcomer = sign_up(session)

    waiting.refresh_from_db()
    assert (waiting.status, newcomer.status) == ("confirmed", "waitlisted")
    assert counts(session) == (2, 2)


def test_an_organiser_gives_a_seat_by_hand_only_when_one_is_free():
    session = SessionFactory(capacity=1)
    sign_up(session)
    waiting = sign_up(session)

    with pytest.raises(services.NoSeatLeft):
        services.confirm_by_hand(waiting)

    Session.objects.filter(pk=session.pk).update(capacity=2)
    assert services.confirm_by_hand(waiting).status == "confirmed"
    assert counts(session) == (2, 2)


def test_an_organiser_moves_a_person_to_the_waitlist_freeing_the_seat():
    session = SessionFactory(capacity=1)
    holder = sign_up(session)

    services.waitlist_by_hand(holder)

    holder.refresh_from_db()
    assert holder.status == "waitlisted"
    assert counts(session) == (0, 0)


def test_filling_from_the_waitlist_follows_the_order_of_arrival():
    session = SessionFactory(capacity=1)
    sign_up(session)
    waiting = [sign_up(session) for _ in range(3)]
    Session.objects.filter(pk=session.pk).update(capacity=3)

    promoted = services.promote_from_waitlist(session)

    assert [r.pk for r in promoted] == [waiting[0].pk, waiting[1].pk]
    assert counts(session) == (3, 3)


@pytest.mark.parametrize(
    "typed",
    [
        "  andes   CAFé ",
        pytest.param(
            "  andes   CAFÉ ",
            marks=pytest.mark.skipif(
                connection.vendor == "sqlite",
                reason="SQLite's lower(), and so its unique index, folds only ASCII letters",
            ),
        ),
    ],
)
def test_an_organisation_is_found_by_name_in_its_economy_ignoring_case(typed):
    known = FirmFactory(name="Andes Café", economy=economy("CL"), sector="")

    found = services.find_or_create_organisation(
        services.OrganisationDetails(
            name=typed,
            economy=economy("CL"),
            kind="firm",
            sector="food",
            size_band="small",
        )
    )

    assert found.pk == known.pk
    known.refresh_from_db()
    assert (known.sector, known.size_band) == ("food", "micro")


def test_the_same_name_in_another_economy_is_another_organisation():
    known = FirmFactory(name="Andes Café", economy=economy("CL"))

    other = services.find_or_create_organisation(
        services.OrganisationDetails(name="Andes Café", economy=economy("PE"), kind="firm")
    )

    assert other.pk != known.pk


def test_a_known_person_keeps_their_profile_when_someone_registers_their_address():
    person = UserFactory(email="ana@example.org", full_name="Ana Real")

    found, created = services.find_or_create_person(
        email=" ANA@example.org",
        full_name="Impostor",
        language="fr",
        time_zone="UTC",
        organisation=FirmFactory(),
    )

    assert (found.pk, created) == (person.pk, False)
    person.refresh_from_db()
    assert person.full_name == "Ana Real"

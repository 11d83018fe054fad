"""Capacity under load, on PostgreSQL: many people at the same moment, never one seat too many."""

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from events.models import Session
from registrations import services
from registrations.models import Registration, RegistrationStatus
from tests.factories import SessionFactory, UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"),
]


def register_all_at_once(session, people, *, workers: int = 20):
    """Each thread has its own database connection; a barrier releases them together."""
    barrier = threading.Barrier(min(workers, len(people)))

    def register(person):
        try:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=10)
            return services.register(session, person=person, organisation=person.organisation)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(register, people))


def test_sixty_people_at_once_for_twenty_seats_confirm_exactly_twenty():
    session = SessionFactory(capacity=20)
    people = UserFactory.create_batch(60)

    results = register_all_at_once(session, people)

    statuses = [r.status for r in results]
    assert statuses.count("confirmed") == 20
    assert statuses.count("waitlisted") == 40
    session.refresh_from_db()
    confirmed_rows = Registration.objects.filter(
        session=session, status=RegistrationStatus.CONFIRMED
    ).count()
    assert session.confirmed_count == confirmed_rows == 20
    assert Registration.objects.filter(session=session).count() == 60


def test_one_person_clicking_many_times_at_once_makes_one_registration():
    session = SessionFactory(capacity=20)
    person = UserFactory()

    results = register_all_at_once(session, [person] * 10, workers=10)

    assert len({r.pk for r in results}) == 1
    assert Registration.objects.filter(session=session).count() == 1
    assert Session.objects.get(pk=session.pk).confirmed_count == 1


def test_cancellations_racing_registrations_keep_the_counter_true():
    session = SessionFactory(capacity=10)
    holders = [
        services.register(session, person=p, organisation=p.organisation)
        for p in UserFactory.create_batch(10)
    ]
    newcomers = UserFactory.create_batch(10)

    def act(item):
        try:
            if isinstance(item, Registration):
                services.cancel_registration(item)
            else:
                services.register(session, person=item, organisation=item.organisation)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(act, [*holders[:5], *newcomers]))

    session.refresh_from_db()
    confirmed = Registration.objects.filter(session=session, status="confirmed").count()
    assert session.confirmed_count == confirmed == 10

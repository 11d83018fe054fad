"""Erasure racing what a person or a crowd does at the same moment, on PostgreSQL's row locks:
an answer being sent as the person erases themselves, people registering as a seat is freed."""

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from events.models import Session
from registrations import privacy, services
from registrations.models import (
    Answer,
    Registration,
    RegistrationStatus,
    SurveyResponse,
)
from registrations.surveys import services as surveys
from tests.factories import (
    RegistrationFactory,
    SessionFactory,
    SurveyInvitationFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"),
]


def all_at_once(calls):
    """Run the calls each in its own thread and connection, released together by a barrier."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=10)
            return call()
        except Exception as error:
            return error
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_an_answer_sent_as_its_author_erases_themselves_keeps_no_words_and_no_link():
    start = timezone.now() - timedelta(days=2)
    session = SessionFactory(starts_at=start, ends_at=start + timedelta(hours=1))
    people = UserFactory.create_batch(6)
    opened = []
    for person in people:
        registration = RegistrationFactory(session=session, person=person, attended=True)
        invitation = SurveyInvitationFactory(
            registration=registration, closes_at=timezone.now() + timedelta(days=1)
        )
        opened.append(surveys.open_invitation(invitation.token))
    answers = {"satisfaction": 4, "comments": "Signed, someone who can be recognised"}
    bystander = RegistrationFactory(session=session, attended=True)

    calls = []
    for person, invitation in zip(people, opened, strict=True):
        calls.append(lambda i=invitation: surveys.submit_response(i, answers, language="en"))
        calls.append(lambda p=person: privacy.erase_person(p))
    outcomes = all_at_once(calls)

    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert all(isinstance(o, surveys.SurveyClosed) for o in refused)
    assert SurveyResponse.objects.count() + len(refused) == len(people)
    assert list(Answer.objects.exclude(text="").values_list("text", flat=True)) == []
    assert SurveyResponse.objects.filter(registration__isnull=False).count() == 0
    assert Registration.objects.filter(person__isnull=False).get() == bystander


def test_a_seat_freed_by_an_erasure_goes_to_the_longest_waiting_whoever_registers_meanwhile():
    session = SessionFactory(capacity=1)
    holder = UserFactory()
    services.register(session, person=holder, organisation=holder.organisation)
    waiting = [UserFactory() for _ in range(3)]
    for person in waiting:
        services.register(session, person=person, organisation=person.organisation)
    newcomers = UserFactory.create_batch(10)

    calls = [lambda: privacy.erase_person(holder)] + [
        lambda p=p: services.register(session, person=p, organisation=p.organisation)
        for p in newcomers
    ]
    outcomes = all_at_once(calls)

    assert [o for o in outcomes if isinstance(o, Exception)] == []
    confirmed = Registration.objects.filter(session=session, status=RegistrationStatus.CONFIRMED)
    assert [r.person for r in confirmed] == [waiting[0]]
    assert Session.objects.get(pk=session.pk).confirmed_count == 1
    assert Registration.objects.filter(session=session, anonymised_by="erasure").get().status == (
        RegistrationStatus.CANCELLED
    )

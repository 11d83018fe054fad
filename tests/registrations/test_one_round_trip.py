"""The registration path of issue 18 (organisation and person written by INSERT … ON CONFLICT,
the seat claimed and the waitlist read in one statement, one lock budget for the whole
transaction) keeps every guarantee, on PostgreSQL: never over capacity, one registration per
person and session, the waitlist in order of arrival, the 503 within the lock timeout, and each
message queued once."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction
from django.db.models import Count, F
from django.test import Client
from django.test.utils import CaptureQueriesContext

from events.models import Session
from outreach.models import Organisation, User
from registrations import services
from registrations.forms import RegistrationForm
from registrations.models import Message, PendingRegistration, Registration, RegistrationStatus
from tests.factories import SessionFactory, registration_form

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's locks"),
]


def url(session) -> str:
    return f"/en/sessions/{session.pk}/register/"


def person(n: int, **overrides) -> dict:
    return registration_form(email=f"person{n}@example.org", full_name=f"Person {n}", **overrides)


def post_all_at_once(session, forms: list[dict]) -> list[int]:
    """Each form from its own browser and database connection, released together."""
    barrier = threading.Barrier(len(forms))

    def post(data):
        try:
            browser = Client()
            barrier.wait(timeout=10)
            return browser.post(url(session), data).status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(forms)) as pool:
        return list(pool.map(post, forms))


def cleaned(data: dict) -> dict:
    form = RegistrationForm(data)
    assert form.is_valid(), form.errors
    return form.cleaned_data


def test_forty_people_through_the_form_for_ten_seats_take_exactly_ten():
    session = SessionFactory(capacity=10)
    other = SessionFactory(capacity=10)
    # Four firms of ten people each: their organisations are written by racing upserts.
    forms = [person(n, organisation_name=f"Firm {n % 4}") for n in range(40)]

    statuses = post_all_at_once(session, forms)

    assert statuses == [302] * 40
    session.refresh_from_db()
    by_status = dict(
        Registration.objects.filter(session=session).values_list("status").annotate(n=Count("pk"))
    )
    assert by_status == {RegistrationStatus.CONFIRMED: 10, RegistrationStatus.WAITLISTED: 30}
    assert session.confirmed_count == 10
    assert Organisation.objects.filter(name__startswith="Firm ").count() == 4
    assert User.objects.filter(email__startswith="person").count() == 40
    # One confirmation or waitlist notice per registration, no more.
    assert Message.objects.filter(registration__session=session).count() == 40
    assert not Message.objects.values("key").annotate(n=Count("pk")).filter(n__gt=1).exists()
    other.refresh_from_db()
    assert (other.confirmed_count, other.registrations.count()) == (0, 0)


def test_a_double_submit_makes_one_person_one_registration_and_one_message():
    session = SessionFactory(capacity=10)

    statuses = post_all_at_once(session, [person(1)] * 6)

    assert statuses == [302] * 6
    assert User.objects.filter(email="person1@example.org").count() == 1
    registration = Registration.objects.get(session=session)
    assert registration.status == RegistrationStatus.CONFIRMED
    assert Session.objects.get(pk=session.pk).confirmed_count == 1
    assert Message.objects.filter(registration=registration).count() == 1
    # The later clicks found the address known: nothing was held that confirming would repeat.
    assert not PendingRegistration.objects.filter(session=session).exists()


def test_the_waitlist_is_served_in_order_of_arrival():
    session = SessionFactory(capacity=2)
    for n in range(6):
        services.register_from_form(session, data=cleaned(person(n)), person=None, language="en")
    registrations = {r.person.email: r for r in Registration.objects.filter(session=session)}
    first = registrations["person0@example.org"]

    services.cancel_registration(first)

    statuses = dict(
        Registration.objects.filter(session=session).values_list("person__email", "status")
    )
    assert statuses["person2@example.org"] == RegistrationStatus.CONFIRMED
    assert [statuses[f"person{n}@example.org"] for n in (3, 4, 5)] == [
        RegistrationStatus.WAITLISTED
    ] * 3


def test_a_newcomer_never_passes_people_waiting_when_seats_free_up():
    session = SessionFactory(capacity=1)
    for n in range(3):
        services.register_from_form(session, data=cleaned(person(n)), person=None, language="en")
    # Seats added without promoting anyone (as a raw change would): two people still wait.
    Session.objects.filter(pk=session.pk).update(capacity=F("capacity") + 2)

    services.register_from_form(session, data=cleaned(person(9)), person=None, language="en")

    statuses = dict(
        Registration.objects.filter(session=session).values_list("person__email", "status")
    )
    assert statuses["person1@example.org"] == statuses["person2@example.org"] == "confirmed"
    assert statuses["person9@example.org"] == RegistrationStatus.WAITLISTED
    assert Session.objects.get(pk=session.pk).confirmed_count == 3


def test_the_lock_timeout_bounds_the_whole_wait_not_each_lock(settings):
    """A registration that meets two locks in a row (a colleague's organisation being written,
    then the session's seats held) gives up once the whole budget is spent, not after a full
    timeout at each."""
    settings.OUTREACH_LOCK_TIMEOUT_MS = 1000
    session = SessionFactory()
    data = cleaned(person(1))
    firm_written = threading.Event()
    seats_held = threading.Event()
    done = threading.Event()

    def colleague_writes_the_firm():
        # Registering the same firm: its row is inserted, not yet committed, for 0.7 s.
        with transaction.atomic():
            Organisation.objects.create(name="Andes Café", economy_id="CL", kind="firm")
            firm_written.set()
            time.sleep(0.7)
        connection.close()

    def someone_holds_the_seats():
        with transaction.atomic():
            Session.objects.select_for_update().get(pk=session.pk)
            seats_held.set()
            done.wait(10)
        connection.close()

    threads = [
        threading.Thread(target=colleague_writes_the_firm),
        threading.Thread(target=someone_holds_the_seats),
    ]
    for thread in threads:
        thread.start()
    firm_written.wait(5)
    seats_held.wait(5)
    started = time.monotonic()
    try:
        with pytest.raises(services.SeatsBusy):
            services.register_from_form(session, data=data, person=None, language="en")
        waited = time.monotonic() - started
    finally:
        done.set()
        for thread in threads:
            thread.join()

    # Each lock alone would have allowed a second: 0.7 s, then 1 s more.
    assert 0.65 < waited < 1.3
    assert not User.objects.filter(email="person1@example.org").exists()
    assert not Registration.objects.exists()
    assert Organisation.objects.filter(name="Andes Café").count() == 1  # the colleague's


@pytest.mark.parametrize("firm", ["Andes Café", "A firm not seen before"])
def test_a_registration_takes_at_most_eight_statements(settings, firm):
    """A new person, of a firm known or new, once the session's reminders are scheduled: the
    session read with its co-hosts and questions; then, between BEGIN and COMMIT, the lock
    budget, the organisation (inserted or found), the person with their address, the seat, the
    registration, its message and the message's task row (the database queue, as in
    production)."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    session = SessionFactory(capacity=10)
    Client().post(url(session), person(0, organisation_name="Andes Café"))
    browser = Client()
    browser.get(url(session))

    with CaptureQueriesContext(connection) as queries:
        response = browser.post(url(session), person(1, organisation_name=firm))

    assert response.status_code == 302
    statements = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"] not in ("BEGIN", "COMMIT")
    ]
    assert len(statements) <= 8, "\n".join(statements)
    assert any("dbtaskresult" in sql for sql in statements)
    assert Registration.objects.filter(session=session).count() == 2
    assert Organisation.objects.filter(name__in=["Andes Café", firm]).count() == len(
        {firm, "Andes Café"}
    )

"""The attendance page stays light however many people a report leaves unmatched: a page of them
at a time, each linked to a registrant found by email or name (no list of every registration)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registrations.models import AttendanceRecord
from tests.factories import OrganiserFactory, RegistrationFactory, SessionFactory, UserFactory
from tests.queries import assert_same_queries_for_1_and_more

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser_client(client):
    client.force_login(OrganiserFactory())
    return client


@pytest.fixture
def session():
    session = SessionFactory(status="finished")
    for name, email in [
        ("Ana Pérez", "ana@example.cl"),
        ("Ana María Soto", "anamaria@example.cl"),
        ("Kwame Mensah", "kwame@example.gh"),
        ("Li Wei", "li@example.cn"),
    ]:
        RegistrationFactory(session=session, person=UserFactory(full_name=name, email=email))
    return session


def url(session) -> str:
    return reverse("registrations:attendance", args=[session.pk])


def walk_ins(session, count: int, *, start: int = 0) -> list[AttendanceRecord]:
    return AttendanceRecord.objects.bulk_create(
        AttendanceRecord(
            session=session,
            name=f"Walk-in {index:05d}",
            email=f"walkin{index}@elsewhere.example",
            minutes=30,
            attended=True,
        )
        for index in range(start, start + count)
    )


def render(client, session) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(session))
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_page_asks_the_same_queries_for_1_and_30_unmatched_people(organiser_client, session):
    def add_walk_ins(count):
        walk_ins(session, count, start=session.attendance.count())

    one, thirty = assert_same_queries_for_1_and_more(
        organiser_client, url(session), add_walk_ins, more=30
    )

    assert thirty.content.decode().count('name="registration"') == 30
    assert one.content.decode().count('name="registration"') == 1


def test_an_unmatched_row_carries_no_list_of_registrations(organiser_client, session):
    walk_ins(session, 30)
    many = [
        RegistrationFactory(session=session, person=UserFactory(full_name=f"Registrant {n}"))
        for n in range(20)
    ]

    _queries, html = render(organiser_client, session)

    unmatched = html.split('id="unmatched-heading"')[1]
    # Each row's choice holds only its empty first option until the organiser searches.
    assert unmatched.count("<select") == unmatched.count("<option") == 30
    assert not any(registration.person.email in html for registration in many)


def test_the_page_weighs_the_same_whatever_the_number_of_registrations(organiser_client):
    small, large = SessionFactory(status="finished"), SessionFactory(status="finished")
    RegistrationFactory(session=small)
    for _ in range(40):
        RegistrationFactory(session=large)
    walk_ins(small, 30)
    walk_ins(large, 30, start=100)

    _q, small_html = render(organiser_client, small)
    _q, large_html = render(organiser_client, large)

    # The same page but for ids and digits: not a byte per registration.
    assert abs(len(large_html) - len(small_html)) < 400


def test_unmatched_people_come_fifty_to_a_page_with_their_count(organiser_client, session):
    walk_ins(session, 120)

    first = organiser_client.get(url(session)).content.decode()
    last = organiser_client.get(url(session), {"page": "3"}).content.decode()
    beyond = organiser_client.get(url(session), {"page": "99"}).content.decode()

    assert "120 people of the report matched no registration." in first
    assert first.count('name="registration"') == 50
    assert "Walk-in 00000" in first
    assert "Walk-in 00050" not in first
    assert last.count('name="registration"') == 20
    assert "Walk-in 00119" in last
    assert beyond.count('name="registration"') == 20  # past the end: the last page


def link(client, session, record, words, **extra):
    return client.post(
        f"{url(session)}{record.pk}/link/", {"registrant": words, **extra}, follow=True
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize("words", ["kwame@example.gh", "  KWAME@EXAMPLE.GH ", "Kwame Mensah"])
def test_an_organiser_links_a_walk_in_by_email_or_name(organiser_client, session, words):
    (record,) = walk_ins(session, 1)

    response = link(organiser_client, session, record, words)

    record.refresh_from_db()
    assert record.registration.person.email == "kwame@example.gh"
    assert record.matched_by == "hand"
    assert messages_of(response) == ["The person is linked to the registration."]


def test_part_of_a_name_links_when_one_registration_holds_it(organiser_client, session):
    (record,) = walk_ins(session, 1)

    link(organiser_client, session, record, "wei")

    record.refresh_from_db()
    assert record.registration.person.full_name == "Li Wei"


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ("ana", "Several registrations match “ana”: write the registrant’s whole email."),
        ("nobody@example.org", "No registration without attendance matches “nobody@example.org”."),
        ("   ", "Write the registrant’s email or name."),
        ("%", "No registration without attendance matches “%”."),
        ("_", "No registration without attendance matches “_”."),
    ],
)
def test_words_that_name_no_one_or_several_link_nothing(organiser_client, session, words, message):
    (record,) = walk_ins(session, 1)

    response = link(organiser_client, session, record, words)

    record.refresh_from_db()
    assert record.registration is None
    assert messages_of(response) == [message]


def test_a_registration_of_another_session_is_never_linked(organiser_client, session):
    other = SessionFactory(status="finished")
    outsider = RegistrationFactory(
        session=other, person=UserFactory(full_name="Olga Other", email="olga@example.org")
    )
    (record,) = walk_ins(session, 1)

    by_words = link(organiser_client, session, record, "olga@example.org")
    by_id = organiser_client.post(
        f"{url(session)}{record.pk}/link/", {"registration": str(outsider.pk)}
    )
    by_bad_id = organiser_client.post(
        f"{url(session)}{record.pk}/link/", {"registration": "1 OR 1=1"}
    )

    record.refresh_from_db()
    assert record.registration is None
    assert messages_of(by_words) == [
        "No registration without attendance matches “olga@example.org”."
    ]
    assert (by_id.status_code, by_bad_id.status_code) == (404, 404)
    assert not AttendanceRecord.objects.filter(session=other).exists()


def test_a_registration_linked_already_is_not_offered_again(organiser_client, session):
    first, second = walk_ins(session, 2)
    link(organiser_client, session, first, "li@example.cn")

    response = link(organiser_client, session, second, "li@example.cn")

    second.refresh_from_db()
    assert second.registration is None
    assert messages_of(response) == ["No registration without attendance matches “li@example.cn”."]


def test_linking_returns_to_the_same_page_of_unmatched_people(organiser_client, session):
    records = walk_ins(session, 120)

    response = organiser_client.post(
        f"{url(session)}{records[60].pk}/link/", {"registrant": "li@example.cn", "page": "2"}
    )

    assert response.status_code == 302
    assert response.url == f"{url(session)}?page=2"

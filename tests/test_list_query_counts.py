"""List pages whose query count had no test: each asks the same queries with 1 row and with 3.
(The catalogue, home, organiser session and registration lists, attendance page, audit log and
feeds have theirs beside their other tests.)"""

import pytest
from django.urls import reverse

from events.models import SessionStatus
from outreach.models import OrganisationKind, Role
from tests.factories import (
    AttendanceRecordFactory,
    OrganisationFactory,
    OrganiserFactory,
    RegistrationFactory,
    SeriesFactory,
    SessionFactory,
    TextSuggestionFactory,
    UserFactory,
)
from tests.queries import assert_same_queries_for_1_and_more

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser_client(client):
    client.force_login(OrganiserFactory())
    return client


@pytest.fixture
def ministry():
    return OrganisationFactory(kind=OrganisationKind.GOVERNMENT)


def test_the_proposals_page_keeps_its_query_count(organiser_client, ministry):
    suggested_by = UserFactory(role=Role.COHOST, organisation=ministry)

    def add_proposals_and_suggestions(count):
        for _ in range(count):
            SessionFactory(status=SessionStatus.DRAFT, proposed_by=ministry)
            TextSuggestionFactory(
                session=SessionFactory(cohosts=[ministry]),
                organisation=ministry,
                suggested_by=suggested_by,
            )

    _, response = assert_same_queries_for_1_and_more(
        organiser_client, reverse("events:proposals"), add_proposals_and_suggestions
    )

    assert (len(response.context["proposals"]), len(response.context["suggestions"])) == (3, 3)


def test_the_series_list_keeps_its_query_count(organiser_client):
    _, response = assert_same_queries_for_1_and_more(
        organiser_client, reverse("events:series-list"), SeriesFactory.create_batch
    )

    assert len(response.context["series_list"]) == 3


def test_the_check_in_list_keeps_its_query_count(organiser_client):
    session = SessionFactory()

    _, response = assert_same_queries_for_1_and_more(
        organiser_client,
        reverse("registrations:check-in", args=[session.pk]),
        lambda count: RegistrationFactory.create_batch(count, session=session),
    )

    assert len(response.context["registrations"]) == 3


def test_the_attendance_page_keeps_its_query_count_with_attendance_records(organiser_client):
    session = SessionFactory(status=SessionStatus.FINISHED)

    def add_attendees(count):
        for registration in RegistrationFactory.create_batch(count, session=session):
            AttendanceRecordFactory(registration=registration)

    assert_same_queries_for_1_and_more(
        organiser_client,
        reverse("registrations:attendance", args=[session.pk]),
        add_attendees,
    )


def test_my_sessions_keeps_its_query_count(client):
    person = UserFactory()
    client.force_login(person)

    def add_registrations(count):
        RegistrationFactory.create_batch(count, person=person, organisation=person.organisation)

    _, response = assert_same_queries_for_1_and_more(
        client, reverse("registrations:my-sessions"), add_registrations
    )

    assert len(response.context["upcoming"]) == 3


def test_the_cohost_members_page_keeps_its_query_count(organiser_client):
    def add_cohosts(count):
        for organisation in OrganisationFactory.create_batch(
            count, kind=OrganisationKind.GOVERNMENT
        ):
            UserFactory(role=Role.COHOST, organisation=organisation)

    assert_same_queries_for_1_and_more(
        organiser_client, reverse("outreach:cohost-members"), add_cohosts
    )


def test_the_cohost_home_keeps_its_query_count(client, ministry):
    client.force_login(UserFactory(role=Role.COHOST, organisation=ministry))

    def add_sessions(count):
        for session in SessionFactory.create_batch(count, cohosts=[ministry]):
            RegistrationFactory(session=session, shares_with_cohosts=True)

    _, response = assert_same_queries_for_1_and_more(client, reverse("cohost:home"), add_sessions)

    assert len(response.context["sessions"]) == 3


def test_the_cohost_session_page_keeps_its_query_count(client, ministry):
    client.force_login(UserFactory(role=Role.COHOST, organisation=ministry))
    session = SessionFactory(cohosts=[ministry])

    def add_registrants(count):
        RegistrationFactory.create_batch(count, session=session, shares_with_cohosts=True)

    _, response = assert_same_queries_for_1_and_more(
        client, reverse("cohost:session", args=[session.pk]), add_registrants
    )

    assert len(response.context["registrants"]) == 3


def test_a_series_feed_keeps_its_query_count(client):
    series = SeriesFactory()

    assert_same_queries_for_1_and_more(
        client,
        reverse("feeds:series", args=[series.slug]),
        lambda count: SessionFactory.create_batch(count, series=series),
    )


def test_a_personal_feed_keeps_its_query_count(client):
    person = UserFactory()

    assert_same_queries_for_1_and_more(
        client,
        reverse("personal-feeds:person", args=[person.calendar_token]),
        lambda count: RegistrationFactory.create_batch(
            count, person=person, organisation=person.organisation
        ),
    )

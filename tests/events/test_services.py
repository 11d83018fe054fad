from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from events import services
from events.models import Session, SessionStatus
from outreach.timezones import NonExistentLocalTime, aware
from tests.factories import OrganisationFactory, SeriesFactory, SessionFactory, TopicFactory

pytestmark = pytest.mark.django_db


def test_changing_the_time_raises_the_calendar_sequence():
    session = SessionFactory()

    services.reschedule_session(
        session,
        starts_at=session.starts_at + timedelta(days=1),
        ends_at=session.ends_at + timedelta(days=1),
        by=None,
    )

    session.refresh_from_db()
    assert session.sequence == 1


def test_changing_only_the_texts_keeps_the_sequence():
    session = SessionFactory()
    session.summary_en = "A better summary."

    services.save_session(session)

    session.refresh_from_db()
    assert session.sequence == 0


def test_cancelling_raises_the_sequence_and_keeps_the_uid():
    session = SessionFactory()
    uid = session.uid

    services.cancel_session(session, by=None)

    session.refresh_from_db()
    assert (session.status, session.sequence, session.uid) == (SessionStatus.CANCELLED, 1, uid)


def test_publishing_a_draft_without_a_title_in_its_language_is_refused_and_changes_nothing():
    session = SessionFactory(status=SessionStatus.DRAFT, language="es", title_es="", title_en="X")

    with pytest.raises(ValidationError):
        services.publish_session(session, by=None)

    assert Session.objects.get(pk=session.pk).status == SessionStatus.DRAFT


def test_a_form_cannot_overwrite_the_seat_counter():
    session = SessionFactory(capacity=10)
    Session.objects.filter(pk=session.pk).update(confirmed_count=7)
    session.capacity = 12

    services.save_session(session)

    session.refresh_from_db()
    assert (session.capacity, session.confirmed_count) == (12, 7)


def test_duplicating_makes_a_draft_with_a_new_calendar_identity():
    ministry = OrganisationFactory(kind="government")
    topic = TopicFactory()
    session = SessionFactory(sequence=3, cohosts=[ministry], topics=[topic])

    copy = services.duplicate_session(session, by=None)

    assert copy.pk != session.pk
    assert copy.uid != session.uid
    assert (copy.status, copy.sequence, copy.join_url) == (SessionStatus.DRAFT, 0, "")
    assert copy.title_en == session.title_en
    assert list(copy.cohosts.all()) == [ministry]
    assert list(copy.topics.all()) == [topic]


def test_past_published_sessions_become_finished():
    past = SessionFactory(
        starts_at=timezone.now() - timedelta(days=2), ends_at=timezone.now() - timedelta(days=1)
    )
    upcoming = SessionFactory()

    assert services.finish_past_sessions() == 1

    past.refresh_from_db()
    upcoming.refresh_from_db()
    assert (past.status, upcoming.status) == (SessionStatus.FINISHED, SessionStatus.PUBLISHED)


def test_quarter_bounds():
    assert services.quarter_bounds(2027, 1) == (
        datetime(2027, 1, 1).date(),
        datetime(2027, 3, 31).date(),
    )
    assert services.quarter_bounds(2027, 4) == (
        datetime(2027, 10, 1).date(),
        datetime(2027, 12, 31).date(),
    )


def test_quarter_suggestions_fall_in_the_second_month_at_each_languages_hour():
    suggestions = services.suggest_quarter_times(2027, 2)

    assert suggestions == {
        "en": (datetime(2027, 5, 11, 10), "Europe/Zurich"),
        "fr": (datetime(2027, 5, 12, 14), "Europe/Paris"),
        "es": (datetime(2027, 5, 13, 10), "America/Bogota"),
    }


def test_planning_a_quarter_creates_three_language_drafts_of_one_topic():
    series = SeriesFactory()
    topic = TopicFactory()
    titles = {"en": "Selling online", "fr": "Vendre en ligne", "es": "Vender en línea"}

    sessions = services.plan_quarter(
        by=None,
        series=series,
        topic=topic,
        titles=titles,
        starts=services.suggest_quarter_times(2027, 2),
        duration=timedelta(minutes=90),
        capacity=300,
    )

    assert [s.language for s in sessions] == ["en", "fr", "es"]
    assert {s.status for s in sessions} == {SessionStatus.DRAFT}
    assert [s.localized("title", s.language) for s in sessions] == list(titles.values())
    assert sessions[2].starts_at == aware(datetime(2027, 5, 13, 10), "America/Bogota")
    assert sessions[2].ends_at - sessions[2].starts_at == timedelta(minutes=90)
    assert all(list(s.topics.all()) == [topic] and s.series == series for s in sessions)


def test_planning_a_quarter_at_a_time_that_does_not_exist_writes_nothing():
    starts = services.suggest_quarter_times(2027, 1)
    starts["fr"] = (datetime(2027, 3, 28, 2, 30), "Europe/Paris")

    with pytest.raises(NonExistentLocalTime):
        services.plan_quarter(
            by=None,
            series=SeriesFactory(),
            topic=TopicFactory(),
            titles={"en": "A", "fr": "B", "es": "C"},
            starts=starts,
            duration=timedelta(minutes=60),
            capacity=10,
        )

    assert Session.objects.count() == 0

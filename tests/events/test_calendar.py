from datetime import timedelta

import pytest
from icalendar import Calendar

from events import calendar, services
from tests.factories import SeriesFactory, SessionFactory
from tests.queries import assert_same_queries_for_1_and_more

pytestmark = pytest.mark.django_db


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def events_of(cal: Calendar) -> list:
    return list(cal.walk("VEVENT"))


def test_a_session_file_round_trips_to_the_same_instant_with_its_zone():
    session = SessionFactory(time_zone="America/Santiago")

    cal = parse(calendar.session_calendar(session))

    (event,) = events_of(cal)
    assert event.decoded("dtstart") == session.starts_at
    assert event.decoded("dtend") == session.ends_at
    assert str(event["dtstart"].params["TZID"]) == "America/Santiago"
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["America/Santiago"]
    assert str(event["uid"]) == f"session-{session.uid}@outreach.example"
    assert str(cal["method"]) == "PUBLISH"


def test_the_join_link_is_never_in_a_calendar_file_or_feed(client):
    session = SessionFactory(join_url="https://meet.example.org/j/never-public")

    files = [
        calendar.session_calendar(session),
        client.get("/feeds/sessions.ics").content,
        client.get(f"/en/sessions/{session.pk}/calendar.ics").content,
    ]

    assert all(b"never-public" not in data for data in files)


def test_rescheduling_keeps_the_uid_and_raises_the_sequence_in_the_feed(client):
    session = SessionFactory()
    before = events_of(parse(client.get("/feeds/sessions.ics").content))[0]

    services.reschedule_session(
        session,
        starts_at=session.starts_at + timedelta(hours=2),
        ends_at=session.ends_at + timedelta(hours=2),
        by=None,
    )

    after = events_of(parse(client.get("/feeds/sessions.ics").content))[0]
    assert after["uid"] == before["uid"]
    assert (before["sequence"], after["sequence"]) == (0, 1)
    assert after.decoded("dtstart") == before.decoded("dtstart") + timedelta(hours=2)


def test_a_cancelled_session_stays_in_the_feed_marked_cancelled(client):
    session = SessionFactory()
    services.cancel_session(session, by=None)

    (event,) = events_of(parse(client.get("/feeds/sessions.ics").content))

    assert (str(event["status"]), event["sequence"]) == ("CANCELLED", 1)


def test_drafts_are_never_in_a_feed(client):
    SessionFactory(status="draft")

    assert events_of(parse(client.get("/feeds/sessions.ics").content)) == []


def test_the_language_feed_holds_only_that_language(client):
    SessionFactory(language="en", title_en="English one")
    SessionFactory(language="es", title_es="Sesión en español", title_en="")

    (event,) = events_of(parse(client.get("/feeds/sessions/es.ics").content))

    assert str(event["summary"]) == "Sesión en español"
    assert client.get("/feeds/sessions/de.ics").status_code == 404


def test_the_series_feed_holds_only_that_series(client):
    series = SeriesFactory(slug="export-course")
    SessionFactory(series=series, title_en="Week 1")
    SessionFactory(title_en="Another")

    response = client.get("/feeds/series/export-course.ics")

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert [str(e["summary"]) for e in events_of(parse(response.content))] == ["Week 1"]
    assert client.get("/feeds/series/nothing.ics").status_code == 404


def test_the_feed_query_count_does_not_grow_with_sessions(client):
    _, response = assert_same_queries_for_1_and_more(
        client, "/feeds/sessions.ics", SessionFactory.create_batch, more=30
    )

    assert len(events_of(parse(response.content))) == 30


def test_google_and_outlook_links_carry_the_time_in_utc():
    session = SessionFactory()
    start = session.starts_at.strftime("%Y%m%dT%H%M%SZ")

    google = calendar.google_calendar_link(session, language="en")
    outlook = calendar.outlook_calendar_link(session, language="en")

    assert google.startswith("https://calendar.google.com/calendar/render?action=TEMPLATE")
    assert f"dates={start}%2F" in google
    assert "secret-join-link" not in google
    assert outlook.startswith("https://outlook.live.com/calendar/0/deeplink/compose?")
    assert "secret-join-link" not in outlook


def test_feeds_are_offered_as_webcal_subscriptions():
    assert (
        calendar.webcal_url("/feeds/sessions.ics") == "webcal://outreach.example/feeds/sessions.ics"
    )

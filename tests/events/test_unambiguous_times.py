"""Wall-clock times on the organiser's forms name exactly one moment.

A time the clocks skip is refused; a time that occurs twice is refused until the organiser picks
one of its two UTC offsets (the form comes back with the choice, no JavaScript needed); a form
saved without touching its times never moves the session, whatever the zone or the hour.
"""

import re
import zoneinfo
from datetime import UTC, datetime, timedelta
from functools import cache

import pytest
from django import forms
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.forms import RescheduleForm, SessionForm
from events.models import Session
from events.services import save_session
from outreach.timezones import (
    AmbiguousLocalTime,
    NonExistentLocalTime,
    aware,
    fold_of,
    occurrences,
)
from tests.factories import OrganiserFactory, SessionFactory

pytestmark = pytest.mark.django_db

DST_ZONES = (
    "Europe/Paris",
    "America/Santiago",
    "Australia/Sydney",
    "America/New_York",
    "Australia/Lord_Howe",  # clocks move by half an hour
    "Europe/London",
    "America/Havana",  # changes at midnight
)


@pytest.fixture
def organiser_client(client):
    client.force_login(OrganiserFactory(language="en", time_zone="Europe/Paris"))
    return client


def session_form_data(**overrides) -> dict:
    data = {
        "language": "en",
        "title_en": "Selling online",
        "summary_en": "For small firms.",
        "format": "online",
        "time_zone": "Europe/Paris",
        "starts_at": "2030-10-27T02:30",
        "ends_at": "2030-10-27T03:30",
        "capacity": "200",
        "join_url": "https://meet.example.org/j/123",
    }
    data.update(overrides)
    return data


def as_a_browser_posts(form) -> QueryDict:
    """What a browser sends back for a form it was given, nothing changed."""
    data = QueryDict(mutable=True)
    for field in form:
        value = field.value()
        widget = field.field.widget
        if isinstance(widget, forms.CheckboxInput):
            if value:
                data[field.html_name] = "on"
            continue
        if value is None:
            continue
        shown = value if isinstance(value, list | tuple) else widget.format_value(value)
        if isinstance(shown, list | tuple):
            data.setlist(field.html_name, [str(item) for item in shown])
        else:
            data[field.html_name] = str(shown or "")
    return data


# --- The rule, on its own ----------------------------------------------------------------------


@cache
def transitions(zone_name: str) -> list[datetime]:
    """The moments (UTC) the zone's offset changes between 2025 and 2032, to the minute."""
    zone = zoneinfo.ZoneInfo(zone_name)
    found = []
    moment = datetime(2025, 1, 1, tzinfo=UTC)
    while moment.year < 2032:
        step = moment + timedelta(minutes=30)
        if moment.astimezone(zone).utcoffset() != step.astimezone(zone).utcoffset():
            found.append(step)
        moment = step
    return found


@st.composite
def zone_and_moment_near_a_change(draw, *, seconds=False):
    """A zone with daylight saving and a moment within three hours of one of its changes."""
    zone = draw(st.sampled_from(DST_ZONES))
    change = draw(st.sampled_from(transitions(zone)))
    moment = change + timedelta(minutes=draw(st.integers(-180, 180)))
    if seconds:
        moment += timedelta(seconds=draw(st.integers(0, 59)))
    return zone, moment


@settings(max_examples=300, deadline=None)
@given(data=zone_and_moment_near_a_change())
def test_a_wall_clock_time_names_no_moment_one_or_two(data):
    zone, moment = data
    local = moment.astimezone(zoneinfo.ZoneInfo(zone)).replace(tzinfo=None)
    gap_local = local + timedelta(minutes=30)  # near a spring change this may fall in the gap

    for wall_clock in (local, gap_local):
        moments = occurrences(wall_clock, zone)
        if not moments:
            with pytest.raises(NonExistentLocalTime):
                aware(wall_clock, zone)
        elif len(moments) == 1:
            assert aware(wall_clock, zone) == moments[0]
            assert fold_of(moments[0], zone) is None
        else:
            with pytest.raises(AmbiguousLocalTime) as refused:
                aware(wall_clock, zone)
            assert refused.value.offsets[0] != refused.value.offsets[1]
            assert [aware(wall_clock, zone, fold=fold) for fold in (0, 1)] == moments
            assert [fold_of(m, zone) for m in moments] == [0, 1]
        for found in moments:
            on_the_clock = found.astimezone(zoneinfo.ZoneInfo(zone)).replace(tzinfo=None)
            assert on_the_clock == wall_clock
    # The moment we started from is always one of its wall clock's moments.
    assert moment in occurrences(local, zone)


# --- The session form, saved untouched -------------------------------------------------------


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=zone_and_moment_near_a_change(seconds=True),
    minutes=st.integers(15, 240),
    opens_before=st.one_of(st.none(), st.integers(1, 60 * 24 * 30)),
)
def test_saving_the_session_form_untouched_never_moves_the_session(data, minutes, opens_before):
    zone, starts_at = data
    session = SessionFactory(
        time_zone=zone,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        registration_opens_at=(
            starts_at - timedelta(minutes=opens_before) if opens_before else None
        ),
    )
    other = SessionFactory(time_zone=zone, starts_at=starts_at)
    before = Session.objects.values("starts_at", "ends_at", "registration_opens_at")
    stored = {row["starts_at"]: row for row in before}

    form = SessionForm(as_a_browser_posts(SessionForm(instance=session)), instance=session)
    assert form.is_valid(), form.errors
    save_session(form.instance, **form.related())

    session.refresh_from_db()
    assert (session.starts_at, session.ends_at, session.registration_opens_at) == (
        starts_at,
        starts_at + timedelta(minutes=minutes),
        starts_at - timedelta(minutes=opens_before) if opens_before else None,
    )
    other.refresh_from_db()
    assert other.starts_at == stored[other.starts_at]["starts_at"] == starts_at


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=zone_and_moment_near_a_change(), minutes=st.integers(15, 240))
def test_the_reschedule_form_untouched_keeps_the_session_where_it_is(data, minutes):
    zone, starts_at = data
    session = SessionFactory(
        time_zone=zone, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes)
    )

    form = RescheduleForm(as_a_browser_posts(RescheduleForm(session=session)), session=session)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["starts_at"] == starts_at
    assert form.cleaned_data["ends_at"] == starts_at + timedelta(minutes=minutes)


# --- The organiser's screens -----------------------------------------------------------------


def test_a_repeated_time_is_refused_naming_both_offsets_and_offers_the_choice(organiser_client):
    response = organiser_client.post("/en/manage/sessions/new/", session_form_data())

    assert response.status_code == 200
    assert response.context["form"].errors["starts_at"] == [
        "2030-10-27 02:30 occurs twice in Europe/Paris, at UTC+02:00 and again at UTC+01:00: "
        "the clocks go back that night. Choose one."
    ]
    html = response.content.decode()
    assert 'name="starts_at_occurrence"' in html
    assert "UTC+02:00, before the clocks go back" in html
    assert "UTC+01:00, after the clocks go back" in html
    assert Session.objects.count() == 0


def test_a_repeated_time_is_taken_at_the_offset_the_organiser_picks(organiser_client):
    response = organiser_client.post(
        "/en/manage/sessions/new/",
        session_form_data(starts_at_occurrence="1", ends_at="2030-10-27T03:30"),
    )

    assert response.status_code == 302
    session = Session.objects.get()
    assert session.starts_at == datetime(2030, 10, 27, 1, 30, tzinfo=UTC)
    assert session.ends_at == datetime(2030, 10, 27, 2, 30, tzinfo=UTC)
    assert session.ends_at - session.starts_at == timedelta(hours=1)


def test_the_first_of_a_repeated_time_is_an_hour_before_the_second(organiser_client):
    organiser_client.post(
        "/en/manage/sessions/new/",
        session_form_data(starts_at_occurrence="0", ends_at="2030-10-27T03:30"),
    )

    session = Session.objects.get()
    assert session.starts_at == datetime(2030, 10, 27, 0, 30, tzinfo=UTC)
    assert session.ends_at - session.starts_at == timedelta(hours=2)


def test_an_end_in_a_repeated_hour_needs_its_own_choice(organiser_client):
    response = organiser_client.post(
        "/en/manage/sessions/new/",
        session_form_data(
            starts_at="2030-10-27T01:00", ends_at="2030-10-27T02:15", starts_at_occurrence="1"
        ),
    )

    assert list(response.context["form"].errors) == ["ends_at"]
    assert 'name="ends_at_occurrence"' in response.content.decode()
    assert 'name="starts_at_occurrence"' not in response.content.decode()
    assert Session.objects.count() == 0


@pytest.mark.parametrize("choice", ["2", "-1", "x", "0\x01"])
def test_a_made_up_occurrence_is_refused(organiser_client, choice):
    response = organiser_client.post(
        "/en/manage/sessions/new/", session_form_data(starts_at_occurrence=choice)
    )

    assert response.status_code == 200
    assert "starts_at_occurrence" in response.context["form"].errors
    assert Session.objects.count() == 0


def test_an_occurrence_for_a_time_that_happens_once_changes_nothing(organiser_client):
    organiser_client.post(
        "/en/manage/sessions/new/",
        session_form_data(
            starts_at="2030-06-04T15:00", ends_at="2030-06-04T16:00", starts_at_occurrence="1"
        ),
    )

    assert Session.objects.get().starts_at == datetime(2030, 6, 4, 13, tzinfo=UTC)


def test_a_skipped_time_is_refused(organiser_client):
    response = organiser_client.post(
        "/en/manage/sessions/new/",
        session_form_data(
            time_zone="America/New_York", starts_at="2030-03-10T02:30", ends_at="2030-03-10T04:00"
        ),
    )

    assert response.context["form"].errors["starts_at"] == [
        "2030-03-10 02:30 does not exist in America/New_York: the clocks change that night."
    ]
    assert Session.objects.count() == 0


def test_editing_a_session_in_the_second_of_a_repeated_hour_shows_it_chosen(organiser_client):
    second = datetime(2030, 10, 27, 1, 30, tzinfo=UTC)  # 02:30 at UTC+01:00 in Paris
    session = SessionFactory(time_zone="Europe/Paris", starts_at=second)

    response = organiser_client.get(f"/en/manage/sessions/{session.pk}/edit/")

    form = response.context["form"]
    assert form.initial["starts_at"] == datetime(2030, 10, 27, 2, 30)
    assert form.initial["starts_at_occurrence"] == 1
    radios = re.findall(
        r"<input[^>]*name=\"starts_at_occurrence\"[^>]*>", response.content.decode()
    )
    assert [("checked" in radio, 'value="1"' in radio) for radio in radios] == [
        (False, False),
        (True, True),
    ]


def test_saving_a_session_in_the_second_of_a_repeated_hour_keeps_it_there(organiser_client):
    second = datetime(2030, 10, 27, 1, 30, tzinfo=UTC)
    session = SessionFactory(
        time_zone="Europe/Paris", starts_at=second, ends_at=second + timedelta(hours=1)
    )
    other = SessionFactory(time_zone="Europe/Paris", starts_at=second)
    form = organiser_client.get(f"/en/manage/sessions/{session.pk}/edit/").context["form"]
    data = as_a_browser_posts(form)
    data["title_en"] = "A new title"
    without_the_choice = data.copy()
    del without_the_choice["starts_at_occurrence"]

    for posted in (data, without_the_choice):
        response = organiser_client.post(f"/en/manage/sessions/{session.pk}/edit/", posted)

        assert response.status_code == 302
        session.refresh_from_db()
        assert (session.starts_at, session.ends_at) == (second, second + timedelta(hours=1))
        assert session.title_en == "A new title"
    other.refresh_from_db()
    assert other.starts_at == second


def test_choosing_the_other_occurrence_moves_the_session_by_an_hour(organiser_client):
    second = datetime(2030, 10, 27, 1, 30, tzinfo=UTC)
    session = SessionFactory(
        time_zone="Europe/Paris", starts_at=second, ends_at=second + timedelta(hours=2)
    )
    form = organiser_client.get(f"/en/manage/sessions/{session.pk}/edit/").context["form"]

    data = as_a_browser_posts(form)
    data["starts_at_occurrence"] = "0"

    organiser_client.post(f"/en/manage/sessions/{session.pk}/edit/", data)

    session.refresh_from_db()
    assert session.starts_at == second - timedelta(hours=1)
    assert session.ends_at == second + timedelta(hours=2)


def test_rescheduling_into_a_repeated_hour_asks_which(organiser_client):
    session = SessionFactory(time_zone="America/Santiago")
    url = f"/en/manage/sessions/{session.pk}/reschedule/"
    # Santiago's clocks go back at midnight on 6 April 2030: 23:30 on the 6th happens twice.
    times = {
        "time_zone": "America/Santiago",
        "starts_at": "2030-04-06T23:30",
        "ends_at": "2030-04-07T01:00",
    }

    refused = organiser_client.post(url, times)
    organiser_client.post(url, {**times, "starts_at_occurrence": "1"})

    assert "UTC-03:00" in refused.context["form"].errors["starts_at"][0]
    assert "UTC-04:00" in refused.context["form"].errors["starts_at"][0]
    session.refresh_from_db()
    assert session.starts_at == datetime(2030, 4, 7, 3, 30, tzinfo=UTC)
    assert session.ends_at == datetime(2030, 4, 7, 5, 0, tzinfo=UTC)

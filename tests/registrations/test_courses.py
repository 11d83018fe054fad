"""Courses (issue 16, 1 and 2): one enrolment in every session, one message with an invitation
per session, one cancel for all, the course's waitlist, completion from attendance."""

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, connections
from django.utils import timezone
from icalendar import Calendar

from events.forms import SeriesForm
from events.models import Series, Session
from registrations import follow_ups, privacy, services
from registrations.attendance import services as attendance
from registrations.courses import services as courses
from registrations.models import (
    CertificateKind,
    Enrolment,
    Message,
    MessageKind,
    PendingRegistration,
    Registration,
    RegistrationStatus,
)
from tests.factories import (
    OrganiserFactory,
    RegistrationFactory,
    SeriesFactory,
    SessionFactory,
    UserFactory,
    registration_form,
)
from tests.queries import assert_same_queries_for_1_and_more

pytestmark = pytest.mark.django_db


def make_course(*, capacity=None, sessions=3, seats=100, **fields) -> Series:
    """A three-week course: one 90-minute session a week, the first in a week."""
    series = SeriesFactory(is_course=True, capacity=capacity, **fields)
    start = (timezone.now() + timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    for week in range(sessions):
        SessionFactory(
            series=series,
            starts_at=start + timedelta(weeks=week),
            ends_at=start + timedelta(weeks=week, minutes=90),
            capacity=seats,
            title_en=f"Week {week + 1}",
        )
    return series


def enrol(series, person=None):
    person = person or UserFactory()
    return courses.enrol(series, person=person, organisation=person.organisation)


def calendars(message) -> list[Calendar]:
    return [
        Calendar.from_ical(content)
        for _name, content, mimetype in message.attachments
        if mimetype.startswith("text/calendar")
    ]


def events_of(message) -> list:
    return [event for cal in calendars(message) for event in cal.walk("VEVENT")]


def counts(series) -> tuple:
    series.refresh_from_db()
    return series.enrolled_count, sorted(
        Session.objects.filter(series=series).values_list("confirmed_count", flat=True)
    )


def test_enrolling_in_a_three_session_course_gives_three_invitations_with_distinct_uids(
    run_tasks,
):
    series = make_course(capacity=10)
    other_course = make_course(capacity=10)
    plain = SessionFactory()

    enrolment = enrol(series, UserFactory(email="ana@example.org", language="es"))
    run_tasks(include_deferred=False)

    assert enrolment.status == RegistrationStatus.CONFIRMED
    registrations = enrolment.registrations.order_by("session__starts_at")
    assert [r.status for r in registrations] == ["confirmed"] * 3
    assert Message.objects.filter(kind=MessageKind.ENROLLED).count() == 1
    (email,) = [m for m in mail.outbox if m.to == ["ana@example.org"]]
    assert "Week 1" in email.body
    assert "Week 3" in email.body
    methods = {str(cal["method"]) for cal in calendars(email)}
    assert methods == {"REQUEST"}
    events = events_of(email)
    assert len(calendars(email)) == 3
    assert len(events) == 3
    uids = {str(event["uid"]) for event in events}
    assert len(uids) == 3
    sessions = Session.objects.filter(series=series)
    assert {e["dtstart"].dt for e in events} == {s.starts_at for s in sessions}
    assert f"/courses/leave/{enrolment.token}/" in email.body
    assert counts(series) == (1, [1, 1, 1])
    assert counts(other_course) == (0, [0, 0, 0])
    plain.refresh_from_db()
    assert plain.confirmed_count == 0
    # Reminders stay per registration: each session has its rounds scheduled.
    assert all(session.reminder_runs.exists() for session in sessions)


def test_enrolling_twice_changes_nothing():
    series = make_course(capacity=10)
    person = UserFactory()
    first = enrol(series, person)
    again = enrol(series, person)
    assert again.pk == first.pk
    assert Message.objects.count() == 1
    assert counts(series) == (1, [1, 1, 1])


def test_one_cancel_leaves_all_three_frees_the_place_and_promotes_the_waitlist(run_tasks):
    series = make_course(capacity=1)
    other = make_course(capacity=1)
    enrol(other)
    holder = enrol(series, UserFactory(email="holder@example.org"))
    waiting = enrol(series, UserFactory(email="waiting@example.org"))
    later = enrol(series, UserFactory(email="later@example.org"))
    assert waiting.status == later.status == RegistrationStatus.WAITLISTED
    assert [r.status for r in waiting.registrations.all()] == ["waitlisted"] * 3
    run_tasks(include_deferred=False)
    mail.outbox.clear()

    courses.cancel_own_enrolment(holder)
    run_tasks(include_deferred=False)

    holder.refresh_from_db()
    assert holder.status == RegistrationStatus.CANCELLED
    assert [r.status for r in holder.registrations.all()] == ["cancelled"] * 3
    (cancelled,) = [m for m in mail.outbox if m.to == ["holder@example.org"]]
    assert {str(cal["method"]) for cal in calendars(cancelled)} == {"CANCEL"}
    assert len({str(e["uid"]) for e in events_of(cancelled)}) == 3
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED
    assert [r.status for r in waiting.registrations.all()] == ["confirmed"] * 3
    (promoted,) = [m for m in mail.outbox if m.to == ["waiting@example.org"]]
    assert len(events_of(promoted)) == 3
    later.refresh_from_db()
    assert later.status == RegistrationStatus.WAITLISTED
    assert counts(series) == (1, [1, 1, 1])
    assert counts(other) == (1, [1, 1, 1])
    # Leaving twice changes nothing.
    courses.cancel_own_enrolment(holder)
    assert Message.objects.filter(kind=MessageKind.ENROLMENT_CANCELLED).count() == 1


def test_a_session_of_the_course_without_seats_puts_the_newcomer_on_the_waitlist():
    series = make_course(capacity=10)
    Session.objects.filter(series=series).order_by("starts_at").filter(
        pk=Session.objects.filter(series=series).order_by("-starts_at").values("pk")[:1]
    ).update(capacity=1)
    first = enrol(series)
    second = enrol(series)
    assert first.status == RegistrationStatus.CONFIRMED
    assert second.status == RegistrationStatus.WAITLISTED
    assert counts(series) == (1, [1, 1, 1])


def test_a_sessions_own_waitlist_never_promotes_a_course_registration_alone():
    series = make_course(capacity=1)
    enrol(series)
    waiting = enrol(series)
    session = Session.objects.filter(series=series).first()
    services.promote_from_waitlist(session)
    assert not waiting.registrations.filter(status=RegistrationStatus.CONFIRMED).exists()


def test_a_course_registration_cancel_link_leads_to_leaving_the_course(client):
    series = make_course(capacity=5)
    enrolment = enrol(series)
    registration = enrolment.registrations.first()

    response = client.get(f"/en/registrations/{registration.token}/cancel/")
    assert response.status_code == 302
    assert response["Location"] == f"/en/courses/leave/{enrolment.token}/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert Enrolment.objects.get(pk=enrolment.pk).status == RegistrationStatus.CONFIRMED
    client.post(response["Location"])
    assert Enrolment.objects.get(pk=enrolment.pk).status == RegistrationStatus.CANCELLED
    assert counts(series) == (0, [0, 0, 0])


def test_leaving_after_every_session_started_changes_nothing(client):
    series = make_course(capacity=5)
    enrolment = enrol(series)
    past = timezone.now() - timedelta(days=30)
    Session.objects.filter(series=series).update(
        starts_at=past, ends_at=past + timedelta(minutes=90)
    )
    with pytest.raises(courses.CourseStarted):
        courses.cancel_own_enrolment(enrolment)
    response = client.post(f"/en/courses/leave/{enrolment.token}/")
    assert response.status_code == 409
    assert Enrolment.objects.get(pk=enrolment.pk).status == RegistrationStatus.CONFIRMED


# --- The public form -------------------------------------------------------------------------


def test_a_course_sessions_register_page_leads_to_the_course_form(client):
    series = make_course()
    session = Session.objects.filter(series=series).first()
    response = client.get(f"/en/sessions/{session.pk}/register/")
    assert response.status_code == 302
    assert response["Location"] == f"/en/courses/{series.slug}/enrol/"
    page = client.get(session.get_absolute_url())
    assert "enrol for all 3 sessions" in page.content.decode()


def test_the_public_form_enrols_a_new_address_in_every_session(client, run_tasks):
    series = make_course(capacity=5)
    response = client.post(f"/en/courses/{series.slug}/enrol/", registration_form())
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(series=series)
    assert enrolment.person.email == "lucia@example.org"
    assert enrolment.registrations.filter(status="confirmed").count() == 3
    page = client.get(response["Location"])
    assert "You are enrolled" in page.content.decode()
    run_tasks(include_deferred=False)
    assert len(events_of(mail.outbox[-1])) == 3


def test_the_public_form_holds_an_enrolment_for_a_known_address_until_its_owner_confirms(
    client, run_tasks
):
    series = make_course(capacity=5)
    known = UserFactory(email="lucia@example.org", full_name="Lucía")
    client.post(f"/en/courses/{series.slug}/enrol/", registration_form())
    assert not Enrolment.objects.exists()
    pending = PendingRegistration.objects.get(person=known)
    run_tasks(include_deferred=False)
    assert mail.outbox[-1].subject == f"Please confirm your registration: {series.title_en}"
    from registrations import confirmations

    response = client.post(
        f"/en/registrations/confirm/{confirmations.confirmation_token(pending)}/"
    )
    assert response.status_code == 200
    assert Enrolment.objects.get(person=known).registrations.count() == 3


def test_a_signed_in_person_enrolled_already_sees_their_place_not_the_form(client):
    series = make_course(capacity=5)
    enrolment = enrol(series)
    client.force_login(enrolment.person)
    text = client.get(f"/en/courses/{series.slug}/enrol/").content.decode()
    assert "You are enrolled in this course." in text
    assert f"/en/courses/leave/{enrolment.token}/" in text
    assert 'class="registration-form"' not in text


def test_the_form_refuses_a_series_that_is_not_a_course(client):
    series = SeriesFactory()
    SessionFactory(series=series)
    assert client.get(f"/en/courses/{series.slug}/enrol/").status_code == 404


# --- Completion ------------------------------------------------------------------------------


def held(series):
    """Move the course's sessions to the past (held), in their order."""
    sessions = list(Session.objects.filter(series=series).order_by("starts_at"))
    start = timezone.now() - timedelta(days=30)
    for week, session in enumerate(sessions):
        Session.objects.filter(pk=session.pk).update(
            starts_at=start + timedelta(weeks=week),
            ends_at=start + timedelta(weeks=week, minutes=90),
            status="finished",
        )
    return list(Session.objects.filter(series=series).order_by("starts_at"))


def test_completion_after_two_of_three_sessions_with_a_rule_of_two():
    series = make_course(completion_rule="sessions", completion_sessions=2)
    other = make_course(completion_rule="sessions", completion_sessions=1)
    organiser = OrganiserFactory()
    enrolment = enrol(series)
    elsewhere = enrol(other, enrolment.person)
    first, second, _third = held(series)
    held(other)

    attendance.check_in(enrolment.registrations.get(session=first), by=organiser)
    enrolment.refresh_from_db()
    assert enrolment.completed_at is None
    assert courses.progress(enrolment)["sessions_needed"] == 1

    attendance.check_in(enrolment.registrations.get(session=second), by=organiser)
    enrolment.refresh_from_db()
    assert enrolment.completed_at is not None
    # Its certificate of completion is issued with it (registrations.certificates).
    certificate = enrolment.certificates.get(kind=CertificateKind.COMPLETION)
    assert certificate.title == series.title_en
    elsewhere.refresh_from_db()
    assert elsewhere.completed_at is None  # the other course is untouched


def test_completion_by_the_share_of_minutes_caps_each_session_at_its_length():
    series = make_course(completion_rule="minutes", completion_percent=50)
    enrolment = enrol(series)
    neighbour = enrol(series)
    first, second, third = held(series)  # 3 x 90 minutes: 135 complete it

    Registration.objects.filter(enrolment=enrolment, session=first).update(
        attended=True, minutes_attended=60
    )
    Registration.objects.filter(enrolment=enrolment, session=second).update(
        attended=True, minutes_attended=60
    )
    follow_ups.mark_attendance_known(second)
    enrolment.refresh_from_db()
    assert enrolment.completed_at is None  # 120 of 270

    Registration.objects.filter(enrolment=enrolment, session=third).update(
        attended=False, minutes_attended=15
    )
    follow_ups.mark_attendance_known(third)
    enrolment.refresh_from_db()
    assert enrolment.completed_at is not None  # 135 of 270
    # 500 minutes in one session count as its 90.
    Registration.objects.filter(enrolment=neighbour, session=first).update(
        attended=True, minutes_attended=500
    )
    follow_ups.mark_attendance_known(first)
    neighbour.refresh_from_db()
    assert neighbour.completed_at is None
    assert courses.progress(neighbour)["minutes"] == 90


def test_completion_stays_once_set_and_is_set_once():
    series = make_course(completion_rule="sessions", completion_sessions=1)
    enrolment = enrol(series)
    first, *_rest = held(series)
    Registration.objects.filter(enrolment=enrolment, session=first).update(attended=True)
    assert courses.update_completion(enrolment) is True
    assert courses.update_completion(Enrolment.objects.get(pk=enrolment.pk)) is False
    at = Enrolment.objects.get(pk=enrolment.pk).completed_at
    Registration.objects.filter(enrolment=enrolment, session=first).update(attended=False)
    follow_ups.mark_attendance_known(first)
    assert Enrolment.objects.get(pk=enrolment.pk).completed_at == at


def test_a_plain_sessions_attendance_completes_nothing():
    series = make_course(completion_rule="sessions", completion_sessions=1)
    enrolment = enrol(series)
    plain = SessionFactory(series=SeriesFactory())
    RegistrationFactory(session=plain, person=enrolment.person, attended=True)
    assert courses.update_session_completions(plain) == 0
    assert Enrolment.objects.get(pk=enrolment.pk).completed_at is None


def test_erasing_a_person_leaves_their_course_and_anonymises_the_enrolment():
    series = make_course(capacity=1)
    enrolment = enrol(series)
    waiting = enrol(series)
    other = enrol(make_course(capacity=1))

    privacy.erase_on_request(enrolment.person, by=enrolment.person)

    enrolment.refresh_from_db()
    assert enrolment.person is None
    assert enrolment.anonymised_at is not None
    assert enrolment.status == RegistrationStatus.CANCELLED
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED
    assert counts(series) == (1, [1, 1, 1])
    other.refresh_from_db()
    assert other.person is not None


# --- Pages -----------------------------------------------------------------------------------


def test_my_sessions_shows_the_courses_progress(client):
    series = make_course(completion_rule="sessions", completion_sessions=2, title_en="Export 101")
    enrolment = enrol(series)
    first, *_rest = held(series)
    Registration.objects.filter(enrolment=enrolment, session=first).update(attended=True)
    client.force_login(enrolment.person)
    text = client.get("/en/my-sessions/").content.decode()
    assert "Course: Export 101" in text
    assert "Attended 1 of 3 sessions" in text
    assert "1 more session to complete" in text
    Registration.objects.filter(enrolment=enrolment).update(attended=True)
    follow_ups.mark_attendance_known(first)
    text = client.get("/en/my-sessions/").content.decode()
    assert "Attended 3 of 3 sessions" in text
    assert "completed" in text


def test_my_sessions_keeps_its_query_count_with_more_courses(client):
    person = UserFactory()
    client.force_login(person)
    assert_same_queries_for_1_and_more(
        client,
        "/en/my-sessions/",
        lambda count: [
            enrol(make_course(completion_rule="sessions", completion_sessions=2), person)
            for _ in range(count)
        ],
    )


def test_the_organisers_course_page_keeps_its_query_count(client):
    series = make_course(capacity=2, completion_rule="sessions", completion_sessions=2)
    client.force_login(OrganiserFactory())

    _first, last = assert_same_queries_for_1_and_more(
        client,
        f"/en/manage/series/{series.slug}/course/",
        lambda count: [enrol(series) for _ in range(count)],
        more=4,
    )
    text = last.content.decode()
    assert "2 enrolled of 2 places" in text
    assert "2 on the waitlist" in text
    assert "0 of 3" in text


# --- The series form -------------------------------------------------------------------------


def series_data(series, **overrides):
    data = {
        "title_en": series.title_en,
        "is_course": "on",
        "capacity": "",
        "completion_rule": "",
        "completion_sessions": "",
        "completion_percent": "",
        "attendance_threshold_minutes": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_series_form_asks_the_number_its_completion_rule_needs():
    series = make_course(seats=30)
    form = SeriesForm(series_data(series, completion_rule="sessions"), instance=series)
    assert not form.is_valid()
    assert "completion_sessions" in form.errors
    form = SeriesForm(series_data(series, completion_rule="minutes"), instance=series)
    assert not form.is_valid()
    assert "completion_percent" in form.errors
    form = SeriesForm(
        series_data(series, completion_rule="minutes", completion_percent="75", capacity="20"),
        instance=series,
    )
    assert form.is_valid(), form.errors


def test_the_series_form_refuses_more_places_than_a_session_has_seats_or_fewer_than_taken():
    series = make_course(seats=30)
    form = SeriesForm(series_data(series, capacity="31"), instance=series)
    assert not form.is_valid()
    assert "capacity" in form.errors
    enrol(series)
    enrol(series)
    series.refresh_from_db()
    form = SeriesForm(series_data(series, capacity="1"), instance=series)
    assert "capacity" in form.errors
    form = SeriesForm(series_data(series, is_course=None), instance=series)
    assert "is_course" in form.errors


# --- The race --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
def test_forty_people_at_once_for_ten_places_enrol_exactly_ten_and_some_leave_meanwhile():
    series = make_course(capacity=10, seats=12)
    holders = [enrol(series) for _ in range(3)]
    people = UserFactory.create_batch(40)
    barrier = threading.Barrier(20)

    def act(item):
        try:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=10)
            if isinstance(item, Enrolment):
                return courses.cancel_enrolment(item)
            return courses.enrol(series, person=item, organisation=item.organisation)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(act, [*holders, *people]))

    enrolled = Enrolment.objects.filter(series=series, status=RegistrationStatus.CONFIRMED)
    assert enrolled.count() == 10
    assert Enrolment.objects.filter(series=series, status="waitlisted").count() == 30
    assert {r.status for r in results[:3]} == {"cancelled"}
    assert counts(series) == (10, [10, 10, 10])
    for session in Session.objects.filter(series=series):
        assert (
            Registration.objects.filter(
                session=session, status=RegistrationStatus.CONFIRMED
            ).count()
            == 10
        )

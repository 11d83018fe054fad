"""Retention periods: a series keeps its registrants' details so many months after each session,
then the registrations are anonymised and the impact figures stay exactly as they were."""

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from events.models import Series, add_months
from impact.filters import ImpactFilters
from impact.queries import Audience, breakdown, headline_figures
from outreach.models import AuditAction, AuditEntry, OrganisationKind, Role, User
from registrations import follow_ups, privacy, services
from registrations import permissions as registrations_permissions
from registrations.models import (
    Answer,
    AttendanceRecord,
    Message,
    Registration,
    SurveyInvitation,
    SurveyResponse,
    ZoomPull,
)
from tests.factories import (
    AttendanceRecordFactory,
    FirmFactory,
    MessageFactory,
    OrganisationFactory,
    OrganiserFactory,
    RegistrationFactory,
    SeriesFactory,
    SessionFactory,
    SurveyInvitationFactory,
    SurveyResponseFactory,
    UserFactory,
    economy,
)

pytestmark = pytest.mark.django_db

ATTENDANCE_FILES = Path(__file__).parents[1] / "attendance" / "files"


def ended_months_ago(months: int, *, series=None, **kwargs):
    """A session of `series` that ended `months` months ago (an hour more, to be past it)."""
    ends_at = add_months(timezone.now(), -months) - timedelta(hours=1)
    return SessionFactory(
        series=series,
        starts_at=ends_at - timedelta(minutes=90),
        ends_at=ends_at,
        status="finished",
        **kwargs,
    )


def attended(session, *, person=None, organisation=None, job_title="Export manager", **kwargs):
    """A registration that attended, answered the survey (a scale and words), was sent a
    confirmation, shared its details with the session's co-host and was in the Zoom report."""
    person = person or UserFactory(organisation=organisation or FirmFactory())
    registration = RegistrationFactory(
        session=session,
        person=person,
        organisation=person.organisation,
        job_title=job_title,
        attended=True,
        minutes_attended=55,
        shares_with_cohosts=True,
        **kwargs,
    )
    AttendanceRecordFactory(registration=registration, minutes=55)
    SurveyInvitationFactory(registration=registration, closes_at=timezone.now() + timedelta(days=3))
    SurveyResponseFactory(
        registration=registration,
        language="es",
        answers={"satisfaction": 4, "comments": f"Very useful, {person.full_name}"},
    )
    MessageFactory(registration=registration)
    return registration


@pytest.fixture
def yearly():
    """A series whose registrants' details are kept for twelve months."""
    return SeriesFactory(retention_months=12)


@pytest.fixture
def ministry():
    return OrganisationFactory(name="Ministerio de Economía", kind=OrganisationKind.GOVERNMENT)


def figures() -> tuple:
    """Every figure the dashboard shows, and each breakdown of it."""
    staff = Audience.staff()
    return (
        headline_figures(ImpactFilters(), staff),
        *(
            breakdown(ImpactFilters(), by, staff)
            for by in ("economy", "region", "quarter", "language", "size", "kind", "session")
        ),
    )


def test_past_retention_the_registrations_lose_every_personal_detail(client, yearly, ministry):
    session = ended_months_ago(13, series=yearly)
    session.cohosts.set([ministry])
    registration = attended(session)
    walk_in = AttendanceRecordFactory(
        session=session, name="Walk-in Person", email="walk.in@example.org", minutes=40
    )
    old_token = registration.token
    old_survey_token = registration.survey_invitations.get().token

    privacy.apply_retention()

    registration.refresh_from_db()
    assert registration.person is None
    assert registration.anonymised_at is not None
    assert (registration.job_title, registration.shares_with_cohosts) == ("", False)
    assert list(registration.shared_with.all()) == []
    assert registration.token != old_token
    invitation = registration.survey_invitations.get()
    assert invitation.closes_at <= timezone.now()
    assert client.get(reverse("registrations:survey", args=[old_survey_token])).status_code == 410
    assert Message.objects.filter(registration=registration).count() == 0
    assert list(AttendanceRecord.objects.values_list("name", "email").order_by("pk")) == [
        ("", ""),
        ("", ""),
    ]
    assert Answer.objects.get(question__code="comments").text == ""
    walk_in.refresh_from_db()
    assert (walk_in.minutes, walk_in.registration) == (40, None)


def test_past_retention_the_anonymous_facts_stay(yearly):
    firm = FirmFactory(
        economy=economy("KE"), size_band="small", women_led=True, youth_led=True, name="Chai Co"
    )
    session = ended_months_ago(13, series=yearly)
    registration = attended(session, organisation=firm, source="cohost")

    privacy.apply_retention()

    kept = Registration.objects.values(
        "session",
        "organisation",
        "economy",
        "organisation_kind",
        "size_band",
        "women_led",
        "youth_led",
        "status",
        "source",
        "attended",
        "minutes_attended",
    ).get(pk=registration.pk)
    assert kept == {
        "session": session.pk,
        "organisation": firm.pk,
        "economy": "KE",
        "organisation_kind": OrganisationKind.FIRM,
        "size_band": "small",
        "women_led": True,
        "youth_led": True,
        "status": "confirmed",
        "source": "cohost",
        "attended": True,
        "minutes_attended": 55,
    }
    assert Answer.objects.get(question__code="satisfaction").number == 4
    assert SurveyResponse.objects.get().registration_id == registration.pk


def test_anonymising_changes_no_impact_figure(yearly):
    sessions = [ended_months_ago(13, series=yearly), ended_months_ago(25, series=yearly)]
    for session in sessions:
        attended(session)
        attended(session, organisation=FirmFactory(economy=economy("PE"), size_band="medium"))
        RegistrationFactory(session=session, status="cancelled")
        RegistrationFactory(session=session, attended=False)
    kept = ended_months_ago(2, series=yearly)
    attended(kept)
    before = figures()

    privacy.apply_retention()

    assert Registration.objects.filter(person__isnull=True).count() == 8
    assert figures() == before


def test_a_session_inside_its_retention_period_is_kept(yearly):
    registration = attended(ended_months_ago(11, series=yearly))

    plan = privacy.apply_retention()

    registration.refresh_from_db()
    assert plan.sessions == []
    assert registration.person is not None
    assert registration.job_title == "Export manager"


def test_series_without_a_period_and_sessions_without_a_series_are_kept():
    kept_by_series = attended(ended_months_ago(120, series=SeriesFactory()))
    without_series = attended(ended_months_ago(120))

    privacy.apply_retention()

    assert Registration.objects.filter(person__isnull=True).count() == 0
    assert {kept_by_series.pk, without_series.pk} == set(
        Registration.objects.filter(anonymised_at__isnull=True).values_list("pk", flat=True)
    )


def test_the_period_counts_calendar_months_from_the_end_of_the_session():
    series = SeriesFactory(retention_months=1)
    now = datetime(2027, 3, 31, 12, 0, tzinfo=UTC)

    assert series.retention_cutoff(now) == datetime(2027, 2, 28, 12, 0, tzinfo=UTC)
    assert series.retention_ends(datetime(2027, 1, 31, 9, tzinfo=UTC)) == datetime(
        2027, 2, 28, 9, tzinfo=UTC
    )
    assert add_months(datetime(2027, 1, 15, tzinfo=UTC), -13) == datetime(2025, 12, 15, tzinfo=UTC)


def test_a_person_left_with_nothing_is_erased(yearly):
    registration = attended(ended_months_ago(13, series=yearly))
    person = registration.person

    plan = privacy.apply_retention()

    person.refresh_from_db()
    assert plan.people_to_erase == [person.pk]
    assert (person.email, person.full_name, person.is_active) == (
        f"erased-{person.pk}@invalid.example",
        "",
        False,
    )


def test_people_with_something_left_to_keep_are_not_erased(yearly, ministry):
    session = ended_months_ago(13, series=yearly)
    still_registered = attended(session).person
    RegistrationFactory(session=SessionFactory(), person=still_registered)
    cohost_member = UserFactory(role=Role.COHOST, cohost_role="viewer", organisation=ministry)
    attended(session, person=cohost_member)
    came_back = attended(session).person
    User.objects.filter(pk=came_back.pk).update(last_login=timezone.now() - timedelta(days=2))
    forgotten = attended(session).person
    User.objects.filter(pk=forgotten.pk).update(last_login=session.ends_at + timedelta(days=1))

    plan = privacy.apply_retention()

    assert plan.people_to_erase == [forgotten.pk]
    assert set(User.objects.filter(is_active=True).values_list("pk", flat=True)) >= {
        still_registered.pk,
        cohost_member.pk,
        came_back.pk,
    }
    assert Registration.objects.get(person=still_registered).session.series is None


def test_a_second_run_finds_nothing_left_but_clears_what_came_later(yearly):
    session = ended_months_ago(13, series=yearly)
    attended(session)
    privacy.apply_retention()

    second = privacy.plan_retention()
    AttendanceRecordFactory(session=session, name="Late Import", email="late@x.org")
    third = privacy.apply_retention()

    assert (second.sessions, second.registration_count) == ([], 0)
    assert (third.sessions, third.registration_count) == ([session], 0)
    assert AttendanceRecord.objects.filter(name="Late Import").count() == 0


def test_an_anonymised_registration_is_in_nobodys_data_and_no_list(client, yearly, ministry):
    session = ended_months_ago(13, series=yearly)
    session.cohosts.set([ministry])
    registration = attended(session)
    person = registration.person
    User.objects.filter(pk=person.pk).update(last_login=timezone.now())  # so: not erased
    privacy.apply_retention()
    organiser = OrganiserFactory()

    client.force_login(person)
    own_data = privacy.personal_data(person)
    my_sessions = client.get(reverse("registrations:my-sessions"))
    client.force_login(organiser)
    listed = client.get(reverse("registrations:manage", args=[session.pk]))
    exported = b"".join(
        client.get(reverse("registrations:manage-csv", args=[session.pk])).streaming_content
    ).decode()
    client.force_login(UserFactory(role=Role.COHOST, cohost_role="viewer", organisation=ministry))
    cohost_csv = b"".join(
        client.get(reverse("cohost:registrants-csv", args=[session.pk])).streaming_content
    ).decode()

    assert own_data["registrations"] == []
    assert session.display_title not in my_sessions.content.decode()
    assert listed.status_code == 200
    assert "Anonymised" in listed.content.decode()
    assert person.email not in listed.content.decode()
    assert exported.splitlines()[1].startswith(",,")
    assert person.email not in cohost_csv
    assert cohost_csv.splitlines()[1:] == []  # co-hosts list only who shares with them


def test_an_organiser_cannot_change_an_anonymised_registration(client, yearly):
    session = ended_months_ago(13, series=yearly)
    registration = attended(session)
    privacy.apply_retention()
    client.force_login(OrganiserFactory())

    response = client.post(
        reverse("registrations:manage-action", args=[session.pk, registration.pk]),
        {"action": "cancel", "confirmed": "1"},
        follow=True,
    )

    assert "anonymised" in response.content.decode()
    assert Registration.objects.get(pk=registration.pk).status == "confirmed"
    assert Message.objects.count() == 0


@pytest.mark.parametrize("step", ["preview", "import", "zoom"])
def test_a_session_past_retention_takes_no_step_of_the_attendance_page(client, yearly, step):
    session = ended_months_ago(13, series=yearly)
    RegistrationFactory(session=session)
    records_before = AttendanceRecord.objects.count()
    client.force_login(OrganiserFactory())

    response = client.post(
        reverse(f"registrations:attendance-{step}", args=[session.pk]),
        {"report": io.BytesIO(b"Name,Email\nA,a@x.org\n")},
        follow=True,
    )

    assert "retention period" in response.content.decode()
    assert AttendanceRecord.objects.count() == records_before
    assert not ZoomPull.objects.exists()


def test_a_session_past_retention_takes_no_attendance_check_in_or_survey(client, yearly):
    session = ended_months_ago(13, series=yearly)
    RegistrationFactory(session=session)
    records_before = AttendanceRecord.objects.count()
    client.force_login(OrganiserFactory())

    upload = client.post(
        reverse("registrations:attendance", args=[session.pk]),
        {"step": "preview", "report": io.BytesIO(b"Name,Email\nA,a@x.org\n")},
        follow=True,
    )
    check_in = client.post(
        reverse("registrations:check-in", args=[session.pk]),
        {"registration": Registration.objects.get().pk},
        follow=True,
    )

    for response in (upload, check_in):
        assert "retention period" in response.content.decode()
    assert follow_ups.queue_follow_ups(session) == 0  # its survey goes with the follow-ups
    assert AttendanceRecord.objects.count() == records_before
    assert Registration.objects.get().attended is None
    assert SurveyInvitation.objects.count() == 0


def test_the_import_command_refuses_a_session_past_retention(yearly):
    session = ended_months_ago(13, series=yearly)

    with pytest.raises(CommandError, match="retention period"):
        call_command("import_attendance", session.pk, str(ATTENDANCE_FILES / "zoom_webinar.csv"))

    assert AttendanceRecord.objects.count() == 0


def test_the_command_dry_run_prints_what_would_go_and_writes_nothing(yearly):
    session = ended_months_ago(13, series=yearly, title_en="Selling to Kenya")
    attended(session)
    attended(session)
    out = io.StringIO()

    call_command("apply_retention", "--dry-run", stdout=out)

    ended = f"{session.ends_at:%Y-%m-%d}"
    assert out.getvalue().splitlines() == [
        f"session {session.pk} ({yearly.slug}, ended {ended}): 2 registrations · Selling to Kenya",
        "Would anonymise: 2 registrations of 1 sessions; 2 people left with nothing would be "
        "erased.",
    ]
    assert Registration.objects.filter(person__isnull=True).count() == 0
    assert AuditEntry.objects.count() == 0


def test_the_command_anonymises_and_records_it_in_the_audit_log(yearly):
    session = ended_months_ago(13, series=yearly)
    attended(session)
    out = io.StringIO()

    call_command("apply_retention", stdout=out)
    call_command("apply_retention", stdout=io.StringIO())  # nothing left: nothing recorded

    assert out.getvalue().splitlines()[-1] == (
        "Anonymised: 1 registrations of 1 sessions; 1 people left with nothing erased."
    )
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.actor_email) == (
        AuditAction.RETENTION_APPLIED,
        None,
        "",
    )
    assert entry.details == {
        "command": "apply_retention",
        "sessions": [session.pk],
        "registrations": 1,
        "people_erased": 1,
    }
    assert "@" not in json.dumps(entry.details)


def test_an_organiser_sets_a_series_retention_period(client):
    series = SeriesFactory(title_en="Open webinars")
    client.force_login(OrganiserFactory())

    response = client.post(
        reverse("events:series-edit", args=[series.slug]),
        {"title_en": "Open webinars", "retention_months": "18"},
    )

    assert response.status_code == 302
    assert Series.objects.get(pk=series.pk).retention_months == 18
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.details["retention_months"]) == (AuditAction.SERIES_EDITED, 18)
    series_page = client.get(reverse("events:series-list")).content.decode()
    assert "18 months after each session" in series_page


@pytest.mark.parametrize("months", ["0", "-3", "241", "soon"])
def test_a_bad_retention_period_is_refused_and_changes_nothing(client, months):
    series = SeriesFactory(retention_months=6)
    client.force_login(OrganiserFactory())

    response = client.post(
        reverse("events:series-edit", args=[series.slug]),
        {"title_en": "Open webinars", "retention_months": months},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["retention_months"]
    assert Series.objects.get(pk=series.pk).retention_months == 6
    assert AuditEntry.objects.count() == 0


def test_moving_an_anonymised_session_messages_nobody(yearly):
    session = ended_months_ago(13, series=yearly)
    attended(session)
    privacy.apply_retention()

    services.announce_session_change(session, "rescheduled")

    assert Message.objects.count() == 0


def test_the_series_screen_lists_each_series_with_its_period(client):
    SeriesFactory(title_en="Open webinars", retention_months=1)
    SeriesFactory(title_en="Training course")
    client.force_login(OrganiserFactory())

    html = client.get(reverse("events:series-list")).content.decode()

    assert "Open webinars" in html
    assert "1 month after each session" in html
    assert "Training course" in html
    assert "Kept" in html


def test_an_anonymised_registration_shows_nobody_the_join_link(yearly):
    session = ended_months_ago(13, series=yearly)
    registration = attended(session)
    privacy.apply_retention()
    registration.refresh_from_db()

    assert registration.person_id is None
    assert not registrations_permissions.can_see_join_link(AnonymousUser(), session, registration)

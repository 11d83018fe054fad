"""The audit log: who changed, exported or erased what, and when; written with the change, read
by organisers only, and never holding a registrant's personal data."""

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from events.models import Session, TextSuggestion
from outreach import audit
from outreach.models import AuditAction, AuditEntry, OrganisationKind, Role, User
from registrations.models import Registration
from tests.factories import (
    OrganisationFactory,
    OrganiserFactory,
    RegistrationFactory,
    SeriesFactory,
    SessionFactory,
    TextSuggestionFactory,
    TopicFactory,
    UserFactory,
)
from tests.queries import assert_same_queries_for_1_and_more

pytestmark = pytest.mark.django_db

ATTENDANCE_FILES = Path(__file__).parents[1] / "attendance" / "files"


@pytest.fixture
def organiser():
    return OrganiserFactory(email="olga@outreach.example")


@pytest.fixture
def ministry():
    return OrganisationFactory(name="Ministerio de Economía", kind=OrganisationKind.GOVERNMENT)


@pytest.fixture
def cohost_manager(ministry):
    return UserFactory(
        role=Role.COHOST, cohost_role="manager", organisation=ministry, email="m@gob.example"
    )


def logged() -> list[tuple]:
    """The log, oldest first: (action, actor email, object id)."""
    return list(
        AuditEntry.objects.order_by("created_at", "pk").values_list(
            "action", "actor_email", "object_id"
        )
    )


def everything_in(entry: AuditEntry) -> str:
    """Every text an entry holds, to look for what must not be there."""
    return json.dumps(
        [entry.actor_email, entry.object_repr, entry.object_id, entry.details], ensure_ascii=False
    )


# --- Writing entries ------------------------------------------------------------------------


def test_an_entry_copies_the_actor_and_names_the_object(organiser):
    session = SessionFactory(
        title_en="Selling to Kenya", starts_at=datetime(2030, 5, 4, tzinfo=UTC)
    )

    entry = audit.record(organiser, AuditAction.SESSION_PUBLISHED, session, note=["a", 2])

    entry.refresh_from_db()
    assert (entry.actor, entry.actor_email, entry.actor_organisation) == (
        organiser,
        "olga@outreach.example",
        organiser.organisation,
    )
    assert (entry.content_type.model, entry.object_id, entry.object_repr) == (
        "session",
        str(session.pk),
        "Selling to Kenya (2030-05-04)",
    )
    assert entry.details == {"note": ["a", 2]}


def test_a_registration_is_named_without_its_person(organiser):
    person = UserFactory(full_name="Ana Pérez", email="ana@example.cl")
    registration = RegistrationFactory(person=person, session__title_en="Selling to Kenya")

    entry = audit.record(organiser, AuditAction.REGISTRATION_CANCELLED, registration)

    assert entry.object_repr.startswith(f"#{registration.pk} · Selling to Kenya")
    assert "Ana" not in everything_in(entry)
    assert "ana@" not in everything_in(entry)


@pytest.mark.parametrize("key", ["email", "name", "token", "q", "text"])
def test_personal_details_are_refused_and_nothing_is_written(organiser, key):
    with pytest.raises(audit.PersonalDetail):
        audit.record(organiser, AuditAction.EXPORT_DOWNLOADED, **{key: "ana@example.cl"})

    assert AuditEntry.objects.count() == 0


def test_an_unknown_action_is_refused(organiser):
    with pytest.raises(ValueError, match="Unknown audit action"):
        audit.record(organiser, "session_burnt")

    assert AuditEntry.objects.count() == 0


# --- Organisers' actions --------------------------------------------------------------------


def session_form_data(**overrides) -> dict:
    return {
        "language": "en",
        "title_en": "Selling online",
        "format": "online",
        "time_zone": "Europe/Zurich",
        "starts_at": "2030-01-15T10:00",
        "ends_at": "2030-01-15T11:30",
        "capacity": "200",
        **overrides,
    }


def test_organisers_work_on_sessions_is_recorded_step_by_step(client, organiser):
    client.force_login(organiser)

    client.post(reverse("events:session-create"), session_form_data())
    session = Session.objects.get()
    client.post(
        reverse("events:session-edit", args=[session.pk]), session_form_data(capacity="250")
    )
    client.post(reverse("events:session-publish", args=[session.pk]), {"without_join_link": "1"})
    client.post(
        reverse("events:session-reschedule", args=[session.pk]),
        {
            "time_zone": "Europe/Zurich",
            "starts_at": "2030-01-16T10:00",
            "ends_at": "2030-01-16T11:30",
        },
    )
    client.post(reverse("events:session-duplicate", args=[session.pk]))
    client.post(reverse("events:session-cancel", args=[session.pk]))

    copy = Session.objects.exclude(pk=session.pk).get()
    email, pk = "olga@outreach.example", str(session.pk)
    assert logged() == [
        (AuditAction.SESSION_CREATED, email, pk),
        (AuditAction.SESSION_EDITED, email, pk),
        (AuditAction.SESSION_PUBLISHED, email, pk),
        (AuditAction.SESSION_RESCHEDULED, email, pk),
        (AuditAction.SESSION_DUPLICATED, email, str(copy.pk)),
        (AuditAction.SESSION_CANCELLED, email, pk),
    ]
    edited = AuditEntry.objects.get(action=AuditAction.SESSION_EDITED)
    assert edited.details == {"fields": ["capacity"]}
    moved = AuditEntry.objects.get(action=AuditAction.SESSION_RESCHEDULED)
    assert moved.details["after"]["starts_at"] == "2030-01-16T09:00:00+00:00"


def test_a_change_refused_records_nothing(client, organiser):
    draft = SessionFactory(status="draft", language="fr", title_en="Only in English")
    client.force_login(organiser)

    client.post(reverse("events:session-publish", args=[draft.pk]))

    assert Session.objects.get(pk=draft.pk).status == "draft"
    assert AuditEntry.objects.count() == 0


def test_organisers_work_on_registrations_is_recorded(client, organiser, run_tasks):
    session = SessionFactory(capacity=1)
    seated = RegistrationFactory(session=session)
    waiting = RegistrationFactory(
        session=session, status="waitlisted", waitlisted_at=timezone.now(), confirmed_at=None
    )
    Session.objects.filter(pk=session.pk).update(confirmed_count=1)
    client.force_login(organiser)

    def act(registration, action):
        url = reverse("registrations:manage-action", args=[session.pk, registration.pk])
        client.post(url, {"action": action, "confirmed": "1"})

    act(waiting, "confirm")  # no seat: nothing happens
    act(seated, "resend")
    act(seated, "cancel")  # waiting gets the seat
    act(seated, "cancel")  # cancelled already: no change

    assert [(a, o) for a, _email, o in logged()] == [
        (AuditAction.MESSAGE_RESENT, str(seated.pk)),
        (AuditAction.REGISTRATION_CANCELLED, str(seated.pk)),
    ]
    cancelled = AuditEntry.objects.get(action=AuditAction.REGISTRATION_CANCELLED)
    assert cancelled.details == {"before": "confirmed", "after": "cancelled"}
    assert Registration.objects.get(pk=waiting.pk).status == "confirmed"


def test_an_export_is_recorded_without_the_words_searched(client, organiser):
    person = UserFactory(full_name="Ana Pérez", email="ana@example.cl")
    session = SessionFactory()
    RegistrationFactory(session=session, person=person)
    client.force_login(organiser)

    response = client.get(
        reverse("registrations:manage-csv", args=[session.pk]),
        {"q": "Ana", "status": "confirmed"},
    )
    b"".join(response.streaming_content)

    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_id) == (AuditAction.EXPORT_DOWNLOADED, str(session.pk))
    assert entry.details == {
        "export": "registrations",
        "status": "confirmed",
        "economy": "",
        "search": True,
    }
    assert "Ana" not in everything_in(entry)


def test_reviewing_proposals_and_suggestions_is_recorded_once(client, organiser, ministry):
    proposal = SessionFactory(status="draft", proposed_by=ministry)
    session = SessionFactory(title_en="Old title")
    suggestion = TextSuggestionFactory(session=session, organisation=ministry, text="New title")
    client.force_login(organiser)

    client.post(reverse("events:proposal-decline", args=[proposal.pk]))
    review = reverse("events:suggestion-review", args=[suggestion.pk])
    client.post(review, {"decision": "accept"})
    client.post(review, {"decision": "decline"})

    assert [(a, o) for a, _email, o in logged()] == [
        (AuditAction.PROPOSAL_DECLINED, str(proposal.pk)),
        (AuditAction.SUGGESTION_ACCEPTED, str(suggestion.pk)),
    ]
    assert AuditEntry.objects.get(action=AuditAction.PROPOSAL_DECLINED).details == {
        "proposed_by": ministry.pk
    }


def test_planning_a_quarter_and_inviting_a_cohost_member_are_recorded(client, organiser, ministry):
    series = SeriesFactory()
    client.force_login(organiser)

    client.post(
        reverse("events:plan-quarter"),
        {
            "series": series.pk,
            "topic": TopicFactory().pk,
            "year": "2030",
            "quarter": "2",
            "title_en": "Selling online",
            "title_fr": "Vendre en ligne",
            "title_es": "Vender en línea",
            "start_en": "2030-05-14T10:00",
            "zone_en": "Europe/Zurich",
            "start_fr": "2030-05-15T14:00",
            "zone_fr": "Europe/Paris",
            "start_es": "2030-05-16T10:00",
            "zone_es": "America/Bogota",
            "duration": "90",
            "capacity": "500",
        },
    )
    client.post(
        reverse("outreach:cohost-members"),
        {
            "organisation": ministry.pk,
            "email": "amadou@gob.example",
            "full_name": "Amadou Diallo",
            "cohost_role": "viewer",
            "language": "fr",
        },
    )

    member = User.objects.get(email="amadou@gob.example")
    planned, invited = AuditEntry.objects.order_by("pk")
    assert (planned.action, planned.object_id) == (AuditAction.QUARTER_PLANNED, str(series.pk))
    assert planned.details == {
        "sessions": list(Session.objects.order_by("pk").values_list("pk", flat=True))
    }
    assert (invited.action, invited.object_id, invited.object_repr) == (
        AuditAction.COHOST_MEMBER_INVITED,
        str(member.pk),
        f"#{member.pk}",
    )
    assert invited.details == {"organisation": ministry.pk, "cohost_role": "viewer"}


# --- Co-hosts' actions ----------------------------------------------------------------------


def test_cohost_members_work_is_recorded_with_their_organisation(client, cohost_manager, ministry):
    session = SessionFactory(cohosts=[ministry])
    client.force_login(cohost_manager)

    client.post(
        reverse("cohost:propose"),
        {
            "language": "es",
            "title_es": "Exportar servicios",
            "format": "online",
            "time_zone": "America/Santiago",
            "starts_at": "2030-03-12T10:00",
            "ends_at": "2030-03-12T11:30",
            "capacity": "150",
        },
    )
    client.post(
        reverse("cohost:suggest", args=[session.pk]),
        {"field": "title", "language": "en", "text": "A clearer title"},
    )
    export = client.get(reverse("cohost:registrants-csv", args=[session.pk]))
    b"".join(export.streaming_content)

    proposal = Session.objects.get(proposed_by=ministry)
    suggestion = TextSuggestion.objects.get()
    assert logged() == [
        (AuditAction.PROPOSAL_MADE, "m@gob.example", str(proposal.pk)),
        (AuditAction.SUGGESTION_MADE, "m@gob.example", str(suggestion.pk)),
        (AuditAction.EXPORT_DOWNLOADED, "m@gob.example", str(session.pk)),
    ]
    assert {entry.actor_organisation for entry in AuditEntry.objects.all()} == {ministry}
    assert AuditEntry.objects.get(action=AuditAction.SUGGESTION_MADE).details == {
        "field": "title",
        "language": "en",
    }


# --- Exports, commands and erasure ----------------------------------------------------------


def test_impact_exports_are_recorded_with_their_filters(client):
    analyst = OrganiserFactory(role=Role.ANALYST, email="ana.lyst@outreach.example")
    client.force_login(analyst)

    client.get("/en/impact/export/economy.json", {"economy": "ke", "quarter": "2026-Q3"})
    response = client.get("/en/impact/export/rows/registrations.csv", {"region": "nope"})

    assert response.status_code == 400  # bad filters: refused, and nothing recorded
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor_email) == (
        AuditAction.EXPORT_DOWNLOADED,
        "ana.lyst@outreach.example",
    )
    assert entry.details == {
        "export": "impact-economy",
        "format": "json",
        "filters": {"start": "2026-07-01", "end": "2026-09-30", "economy": "KE"},
    }


def test_the_export_command_is_recorded_as_a_command():
    call_command("export_impact", "--by=region", "--year=2026", stdout=io.StringIO())

    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.actor_email, entry.actor_organisation) == (None, "", None)
    assert entry.details == {
        "command": "export_impact",
        "export": "impact-region",
        "format": "csv",
        "filters": {"start": "2026-01-01", "end": "2026-12-31"},
    }


def test_the_import_command_is_recorded_once_per_file():
    session = SessionFactory(
        starts_at=datetime(2026, 11, 12, 6, 55, tzinfo=UTC),
        ends_at=datetime(2026, 11, 12, 8, 32, tzinfo=UTC),
        time_zone="Africa/Nairobi",
        status="finished",
    )
    path = str(ATTENDANCE_FILES / "zoom_webinar.csv")

    call_command("import_attendance", session.pk, path, stdout=io.StringIO())
    call_command("import_attendance", session.pk, path, stdout=io.StringIO())
    call_command("import_attendance", session.pk, path, "--dry-run", stdout=io.StringIO())

    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.object_id) == (
        AuditAction.ATTENDANCE_IMPORTED,
        None,
        str(session.pk),
    )
    assert entry.details == {"command": "import_attendance", "platform": "auto"}


def test_erasing_oneself_is_recorded_without_what_was_erased(client):
    person = UserFactory(full_name="Ana Pérez", email="ana@example.cl")
    # Her seat is counted, as registering counts it: erasure gives it back.
    RegistrationFactory(person=person, session=SessionFactory(confirmed_count=1))
    client.force_login(person)

    client.post(reverse("registrations:erase-me"))

    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor_id, entry.object_id, entry.object_repr) == (
        AuditAction.PERSON_ERASED,
        person.pk,
        str(person.pk),
        f"#{person.pk}",
    )
    assert (entry.actor_email, entry.actor_organisation, entry.details) == (
        "",
        None,
        {"asked_by": "self"},
    )
    assert "ana" not in everything_in(entry).lower()


# --- Reading the log ------------------------------------------------------------------------


def entry_at(moment: datetime, action=AuditAction.SESSION_EDITED, actor=None, **details):
    entry = audit.record(actor, action, **details)
    AuditEntry.objects.filter(pk=entry.pk).update(created_at=moment)
    return entry


def page_rows(response) -> list[str]:
    return [entry.action for entry in response.context["entries"]]


def test_the_log_page_costs_the_same_queries_for_one_entry_or_three(client, organiser, ministry):
    cohost = UserFactory(role=Role.COHOST, organisation=ministry)
    client.force_login(organiser)
    entries = [
        lambda: audit.record(organiser, AuditAction.SESSION_CREATED, SessionFactory()),
        lambda: audit.record(cohost, AuditAction.PROPOSAL_MADE, SessionFactory(), origin="x"),
        lambda: audit.record(None, AuditAction.RETENTION_APPLIED, sessions=[1, 2]),
    ]

    def add_entries(count):
        for record in entries[:count]:
            record()
        del entries[:count]

    _, response = assert_same_queries_for_1_and_more(
        client, reverse("outreach:audit-log"), add_entries
    )

    assert page_rows(response) == [
        AuditAction.RETENTION_APPLIED,
        AuditAction.PROPOSAL_MADE,
        AuditAction.SESSION_CREATED,
    ]
    html = response.content.decode()
    assert "A command" in html
    assert "Ministerio de Economía" in html
    assert "<code>sessions</code>: 1, 2" in html


def test_the_log_filters_by_action_actor_and_day(client, organiser, cohost_manager):
    day = datetime(2027, 3, 10, 12, tzinfo=UTC)
    edited = entry_at(day - timedelta(days=2), actor=organiser)
    proposed = entry_at(day, AuditAction.PROPOSAL_MADE, actor=cohost_manager)
    command = entry_at(day + timedelta(days=2), AuditAction.RETENTION_APPLIED)
    client.force_login(organiser)

    def shown(**query) -> list[int]:
        response = client.get(reverse("outreach:audit-log"), query)
        assert response.status_code == 200
        return [entry.pk for entry in response.context["entries"]]

    assert shown(action="proposal_made") == [proposed.pk]
    assert shown(actor=str(organiser.pk)) == [edited.pk]
    assert shown(actor="commands") == [command.pk]
    assert shown(since="2027-03-10", until="2027-03-10") == [proposed.pk]
    assert shown(since="2027-03-09") == [command.pk, proposed.pk]


def test_a_bad_filter_is_reported_and_the_others_still_apply(client, organiser):
    kept = entry_at(datetime(2027, 3, 10, tzinfo=UTC), AuditAction.PROPOSAL_MADE)
    entry_at(datetime(2027, 3, 11, tzinfo=UTC))
    client.force_login(organiser)

    response = client.get(
        reverse("outreach:audit-log"),
        {"action": "proposal_made", "since": "2027-13-45", "actor": "999"},
    )

    form = response.context["form"]
    assert set(form.errors) == {"since", "actor"}
    assert [entry.pk for entry in response.context["entries"]] == [kept.pk]


def test_a_period_that_ends_before_it_starts_is_refused(client, organiser):
    client.force_login(organiser)

    response = client.get(
        reverse("outreach:audit-log"), {"since": "2027-03-10", "until": "2027-03-01"}
    )

    assert response.context["form"].errors == {"until": ["The period ends before it starts."]}


def test_the_log_is_paginated_keeping_its_filters(client, organiser):
    for _ in range(51):
        audit.record(organiser, AuditAction.SESSION_EDITED)
    client.force_login(organiser)

    first = client.get(reverse("outreach:audit-log"), {"action": "session_edited"})
    second = client.get(reverse("outreach:audit-log"), {"action": "session_edited", "page": "2"})

    assert (len(first.context["entries"]), len(second.context["entries"])) == (50, 1)
    assert 'href="?action=session_edited&amp;page=2"' in first.content.decode()


@pytest.mark.parametrize("role", [Role.ANALYST, Role.COHOST, Role.PARTICIPANT])
def test_only_organisers_read_the_log(client, ministry, role):
    audit.record(None, AuditAction.RETENTION_APPLIED)
    client.force_login(UserFactory(role=role, organisation=ministry))

    response = client.get(reverse("outreach:audit-log"))

    assert response.status_code == 403
    assert b"retention" not in response.content.lower()


def test_organisers_reach_the_log_from_their_navigation(client, organiser):
    client.force_login(organiser)

    html = client.get(reverse("events:manage-sessions")).content.decode()

    assert 'href="/en/manage/audit/"' in html
    assert 'href="/en/manage/series/"' in html


def test_the_admin_shows_the_log_read_only(client):
    admin = User.objects.create_superuser("root@outreach.example")
    audit.record(None, AuditAction.RETENTION_APPLIED)
    entry = AuditEntry.objects.get()
    client.force_login(admin)

    listed = client.get("/admin/outreach/auditentry/")
    added = client.get("/admin/outreach/auditentry/add/")
    deleted = client.post(f"/admin/outreach/auditentry/{entry.pk}/delete/", {"post": "yes"})

    assert listed.status_code == 200
    assert (added.status_code, deleted.status_code) == (403, 403)
    assert AuditEntry.objects.count() == 1

"""Outcomes months later: each organisation that attended a series is asked, once per period,
what came of it, a set number of months after its first session there
(registrations.surveys.outcomes); one reminder; the single-use link answers it in the person's
language."""

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import add_months
from outreach import periodic
from outreach.timezones import format_day
from registrations import privacy
from registrations.models import (
    Answer,
    Message,
    MessageKind,
    SurveyInvitation,
    SurveyResponse,
)
from registrations.periodic_jobs import send_due_survey_reminders
from registrations.surveys import outcomes
from registrations.surveys import services as surveys
from tests.factories import (
    FirmFactory,
    RegistrationFactory,
    SeriesFactory,
    SessionFactory,
    UserFactory,
    economy,
)

pytestmark = pytest.mark.django_db

FIRST = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def session_of(series, at: datetime):
    return SessionFactory(
        series=series, starts_at=at, ends_at=at + timedelta(minutes=90), status="finished"
    )


def attend(series, at: datetime, person, *, attended=True):
    """`person` (for their organisation) at a session of `series` starting `at`."""
    return RegistrationFactory(
        session=session_of(series, at),
        person=person,
        attended=attended,
        minutes_attended=60 if attended else 0,
    )


def invitations():
    return SurveyInvitation.objects.filter(organisation__isnull=False).order_by("pk")


def outcome_messages():
    return Message.objects.filter(kind=MessageKind.OUTCOME_SURVEY).order_by("pk")


@pytest.fixture
def series():
    return SeriesFactory(outcome_survey_months=6)


@pytest.fixture
def firm():
    return FirmFactory(name="Frutas del Sur SpA", economy=economy("CL"), size_band="small")


@pytest.fixture
def person(firm):
    return UserFactory(organisation=firm, language="es", full_name="Lucía Pérez")


# When ----------------------------------------------------------------------------------------


def test_the_survey_goes_six_months_after_the_first_attendance_not_a_minute_before(series, person):
    registration = attend(series, FIRST, person)
    due = datetime(2026, 9, 10, 9, 0, tzinfo=UTC)

    early = outcomes.send_due_outcome_surveys(now=due - timedelta(minutes=1))
    on_time = outcomes.send_due_outcome_surveys(now=due)

    assert (early, on_time) == (0, 1)
    invitation = invitations().get()
    assert (
        invitation.survey.slug,
        invitation.organisation,
        invitation.series,
        invitation.period_starts_at,
        invitation.registration,
        invitation.created_at,
        invitation.closes_at,
        invitation.used_at,
    ) == (
        "outcomes",
        person.organisation,
        series,
        FIRST,
        registration,
        due,
        due + timedelta(days=invitation.survey.open_days),
        None,
    )
    assert [(m.registration, m.kind) for m in outcome_messages()] == [
        (registration, MessageKind.OUTCOME_SURVEY)
    ]


@pytest.mark.parametrize(
    ("first", "due"),
    [
        (datetime(2025, 8, 31, 9, tzinfo=UTC), datetime(2026, 2, 28, 9, tzinfo=UTC)),
        (datetime(2027, 8, 31, 9, tzinfo=UTC), datetime(2028, 2, 29, 9, tzinfo=UTC)),
        (datetime(2026, 5, 31, 23, 30, tzinfo=UTC), datetime(2026, 11, 30, 23, 30, tzinfo=UTC)),
    ],
)
def test_a_first_session_at_the_end_of_a_month_is_asked_on_the_last_day_months_later(
    series, person, first, due
):
    attend(series, first, person)

    assert outcomes.send_due_outcome_surveys(now=due - timedelta(minutes=1)) == 0
    assert outcomes.send_due_outcome_surveys(now=due) == 1
    assert invitations().get().period_starts_at == first


def test_a_series_set_to_zero_months_asks_nothing_ever(person):
    series = SeriesFactory(outcome_survey_months=0)
    attend(series, FIRST, person)

    for months in (3, 6, 12, 24):
        assert outcomes.send_due_outcome_surveys(now=add_months(FIRST, months)) == 0

    assert not invitations().exists()
    assert not outcome_messages().exists()


def test_a_series_set_to_three_months_asks_after_three(person):
    series = SeriesFactory(outcome_survey_months=3)
    attend(series, FIRST, person)
    due = datetime(2026, 6, 10, 9, tzinfo=UTC)

    assert outcomes.send_due_outcome_surveys(now=due - timedelta(seconds=1)) == 0
    assert outcomes.send_due_outcome_surveys(now=due) == 1


def test_nothing_is_sent_long_after_it_was_due(series, person):
    attend(series, FIRST, person)
    due = add_months(FIRST, 6)

    assert outcomes.send_due_outcome_surveys(now=due + outcomes.LATEST) == 0
    assert outcomes.send_due_outcome_surveys(now=due + outcomes.LATEST - timedelta(hours=1)) == 1


def test_those_who_registered_but_did_not_attend_are_not_asked(series, person, firm):
    attend(series, FIRST, person, attended=False)
    attend(series, FIRST + timedelta(days=1), UserFactory(organisation=firm), attended=None)

    assert outcomes.send_due_outcome_surveys(now=add_months(FIRST, 7)) == 0


# Once per organisation and period -------------------------------------------------------------


def test_an_organisation_at_three_sessions_with_two_people_is_asked_once(series, person, firm):
    colleague = UserFactory(organisation=firm, language="fr")
    attend(series, FIRST, person)
    attend(series, FIRST + timedelta(days=30), person)
    latest = attend(series, FIRST + timedelta(days=60), colleague)
    due = add_months(FIRST, 6)

    first_run = outcomes.send_due_outcome_surveys(now=due)
    again = outcomes.send_due_outcome_surveys(now=due + timedelta(hours=1))
    later = outcomes.send_due_outcome_surveys(now=add_months(FIRST + timedelta(days=60), 6))

    assert (first_run, again, later) == (1, 0, 0)
    assert outcomes.due_periods(now=due + timedelta(hours=1)) == {}
    invitation = invitations().get()
    # The period starts at the first session; the one asked is who attended most recently.
    assert (invitation.period_starts_at, invitation.registration) == (FIRST, latest)
    assert [m.registration for m in outcome_messages()] == [latest]


def test_a_second_organisation_and_a_second_series_keep_their_own_periods(series, person):
    other_firm = FirmFactory(economy=economy("PE"))
    other_series = SeriesFactory(outcome_survey_months=6)
    attend(series, FIRST, person)
    attend(series, FIRST + timedelta(days=20), UserFactory(organisation=other_firm))
    attend(other_series, FIRST + timedelta(days=40), person)

    on_first = outcomes.send_due_outcome_surveys(now=add_months(FIRST, 6))

    assert on_first == 1
    assert list(invitations().values_list("organisation", "series")) == [
        (person.organisation_id, series.pk)
    ]

    outcomes.send_due_outcome_surveys(now=add_months(FIRST + timedelta(days=20), 6))
    outcomes.send_due_outcome_surveys(now=add_months(FIRST + timedelta(days=40), 6))

    assert list(invitations().values_list("organisation", "series", "period_starts_at")) == [
        (person.organisation_id, series.pk, FIRST),
        (other_firm.pk, series.pk, FIRST + timedelta(days=20)),
        (person.organisation_id, other_series.pk, FIRST + timedelta(days=40)),
    ]
    assert outcome_messages().count() == 3


def test_an_attendance_after_the_period_opens_the_next_one(series, person):
    attend(series, FIRST, person)
    inside_first = attend(series, FIRST + timedelta(days=60), person)
    second_start = add_months(FIRST, 7)
    attend(series, second_start, person)
    inside_second = attend(series, second_start + timedelta(days=10), person)

    runs = [
        outcomes.send_due_outcome_surveys(now=moment)
        for moment in (
            add_months(FIRST, 6),
            add_months(FIRST + timedelta(days=60), 6),
            add_months(second_start, 6) - timedelta(minutes=1),
            add_months(second_start, 6),
            add_months(second_start + timedelta(days=10), 6),
        )
    ]

    assert runs == [1, 0, 0, 1, 0]
    assert list(invitations().values_list("period_starts_at", "registration")) == [
        (FIRST, inside_first.pk),
        (second_start, inside_second.pk),
    ]
    assert outcome_messages().count() == 2


def test_a_recorded_period_stands_when_an_older_attendance_comes_in_later(series, person):
    attend(series, FIRST, person)
    outcomes.send_due_outcome_surveys(now=add_months(FIRST, 6))
    # An older session's attendance imported late: it would have opened a period that
    # overlaps the one already asked about.
    attend(series, FIRST - timedelta(days=20), person)

    assert outcomes.send_due_outcome_surveys(now=add_months(FIRST, 6) + timedelta(days=1)) == 0
    assert list(invitations().values_list("period_starts_at", flat=True)) == [FIRST]


# Whom to ask ----------------------------------------------------------------------------------


def test_nobody_who_opted_out_is_asked_and_a_colleague_is_instead(series, person, firm):
    colleague = UserFactory(organisation=firm)
    earlier = attend(series, FIRST, colleague)
    attend(series, FIRST + timedelta(days=5), person)
    person.opted_out_at = FIRST
    person.save(update_fields=["opted_out_at"])

    outcomes.send_due_outcome_surveys(now=add_months(FIRST, 6))

    assert invitations().get().registration == earlier


def test_someone_still_with_the_organisation_is_preferred_to_one_who_left(series, person, firm):
    stayed = attend(series, FIRST, person)
    moved = UserFactory(organisation=firm)
    attend(series, FIRST + timedelta(days=5), moved)
    moved.organisation = FirmFactory()
    moved.save(update_fields=["organisation"])

    outcomes.send_due_outcome_surveys(now=add_months(FIRST, 6))

    assert invitations().get().registration == stayed


def test_an_organisation_whose_only_person_opted_out_is_not_asked(series, person):
    attend(series, FIRST, person)
    person.opted_out_at = FIRST
    person.save(update_fields=["opted_out_at"])

    assert outcomes.send_due_outcome_surveys(now=add_months(FIRST, 6)) == 0
    assert not outcome_messages().exists()


def test_an_erased_attendance_still_starts_the_period_and_a_colleague_is_asked(
    series, person, firm
):
    colleague = UserFactory(organisation=firm)
    attend(series, FIRST, person)
    later = attend(series, FIRST + timedelta(days=45), colleague)
    privacy.erase_person(person)

    assert outcomes.send_due_outcome_surveys(now=add_months(FIRST, 6)) == 1
    invitation = invitations().get()
    assert (invitation.period_starts_at, invitation.registration) == (FIRST, later)


def test_an_organisation_whose_only_attendee_was_erased_is_not_asked(series, person):
    attend(series, FIRST, person)
    privacy.erase_person(person)

    assert outcomes.send_due_outcome_surveys(now=add_months(FIRST, 6)) == 0
    assert not invitations().exists()


def test_a_link_withdrawn_by_an_erasure_still_closes_its_period(series, person, firm):
    attend(series, FIRST, person)
    attend(series, FIRST + timedelta(days=1), UserFactory(organisation=firm))
    due = add_months(FIRST, 6)
    outcomes.send_due_outcome_surveys(now=due)
    asked = invitations().get().registration.person

    privacy.erase_person(asked)

    assert outcomes.send_due_outcome_surveys(now=due + timedelta(days=1)) == 0
    assert invitations().count() == 1


# Work in batches -----------------------------------------------------------------------------


def queries_of_a_run(now) -> int:
    with CaptureQueriesContext(connection) as queries:
        outcomes.send_due_outcome_surveys(now=now)
    return len(queries)


def test_a_run_with_nothing_to_send_asks_the_same_queries_for_one_organisation_or_many(series):
    due = add_months(FIRST, 6)

    def organisations(count):
        for n in range(count):
            attend(series, FIRST + timedelta(days=n), UserFactory(organisation=FirmFactory()))
            # Not due yet: read, not asked.
            attend(series, due, UserFactory(organisation=FirmFactory()))

    organisations(1)
    outcomes.send_due_outcome_surveys(now=due + timedelta(days=5))
    with_one = queries_of_a_run(due + timedelta(days=5, hours=1))
    organisations(4)
    outcomes.send_due_outcome_surveys(now=due + timedelta(days=5))
    with_many = queries_of_a_run(due + timedelta(days=5, hours=1))

    assert invitations().count() == 5
    assert with_one == with_many


def test_each_invitation_costs_the_same_few_queries(series):
    def due_organisations(count, first):
        for _ in range(count):
            attend(series, first, UserFactory(organisation=FirmFactory()))
        return add_months(first, 6)

    one = queries_of_a_run(due_organisations(1, FIRST))
    two = queries_of_a_run(due_organisations(2, FIRST + timedelta(days=1)))
    three = queries_of_a_run(due_organisations(3, FIRST + timedelta(days=2)))

    assert invitations().count() == 6
    assert three - two == two - one


# Reminder -------------------------------------------------------------------------------------


def test_one_reminder_of_its_own_kind_once_the_delay_has_passed(series, person):
    registration = attend(series, FIRST, person)
    due = add_months(FIRST, 6)
    outcomes.send_due_outcome_surveys(now=due)
    invitation = invitations().get()
    delay = timedelta(days=invitation.survey.reminder_days)

    early = send_due_survey_reminders(now=due + delay - timedelta(minutes=1))
    on_time = send_due_survey_reminders(now=due + delay)
    again = send_due_survey_reminders(now=due + delay + timedelta(days=1))
    by_session = surveys.send_reminders(registration.session, now=due + delay)

    assert (early, on_time, again, by_session) == (0, 1, 0, 0)
    assert list(
        Message.objects.filter(registration=registration).values_list("kind", flat=True)
    ) == [MessageKind.OUTCOME_SURVEY, MessageKind.OUTCOME_SURVEY_REMINDER]
    invitation.refresh_from_db()
    assert invitation.reminded_at == due + delay


def test_the_session_s_reminder_task_leaves_an_outcome_invitation_alone(series, person):
    registration = attend(series, FIRST, person)
    outcomes.send_due_outcome_surveys(now=add_months(FIRST, 6))

    assert surveys.send_reminders(registration.session, now=add_months(FIRST, 7)) == 0
    assert invitations().get().reminded_at is None


# Answering ------------------------------------------------------------------------------------


@pytest.fixture
def invitation(series, person, firm):
    """An outcome invitation sent just now, for a first session six months and a day ago."""
    first = add_months(timezone.now(), -6) - timedelta(days=1)
    attend(series, first.replace(microsecond=0), person)
    # The firm has grown since it registered: the answers count it as it was then.
    firm.size_band = "large"
    firm.economy = economy("PE")
    firm.women_led = False
    firm.save()
    outcomes.send_due_outcome_surveys()
    return invitations().get()


OUTCOME_ANSWERS = {
    "exported_since": "yes",
    "export_markets": ["PE", "DE", "CN"],
    "found_partner": "no",
    "contribution": "a_lot",
}


def url_of(invitation, language: str) -> str:
    return f"/{language}/surveys/{invitation.token}/"


def test_the_outcome_survey_opens_in_spanish_and_says_which_series(client, invitation, series):
    response = client.get(url_of(invitation, "es"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Desde la sesión, ¿su organización ha exportado o empezado a exportar?" in page
    assert "¿A qué mercados?" in page
    assert "Mucho" in page
    # Which series, and since when (the sentence's words come with the catalogues).
    since = format_day(timezone.localtime(invitation.period_starts_at), "long", "es")
    assert series.title_es in page
    assert since in page
    assert "Frutas del Sur SpA" in page


def test_answers_in_spanish_are_stored_with_the_facts_of_the_registration(
    client, invitation, person
):
    registration = invitation.registration
    registration.women_led = True
    registration.save(update_fields=["women_led"])

    response = client.post(url_of(invitation, "es"), OUTCOME_ANSWERS)

    assert response.status_code == 200
    stored = SurveyResponse.objects.get(survey__slug="outcomes")
    assert (
        stored.registration,
        stored.session,
        stored.economy_id,
        stored.organisation_kind,
        stored.size_band,
        stored.women_led,
        stored.youth_led,
        stored.language,
    ) == (registration, registration.session, "CL", "firm", "small", True, False, "es")
    answers = {a.question.code: a for a in stored.answers.all()}
    assert answers["exported_since"].boolean is True
    assert sorted(answers["export_markets"].economies.values_list("code", flat=True)) == [
        "CN",
        "DE",
        "PE",
    ]
    assert answers["found_partner"].boolean is False
    assert [c.code for c in answers["contribution"].choices.all()] == ["a_lot"]
    invitation.refresh_from_db()
    assert invitation.used_at is not None

    privacy.erase_person(person)

    stored.refresh_from_db()
    assert (stored.economy_id, stored.size_band, stored.women_led) == ("CL", "small", True)


def test_no_export_needs_no_markets(client, invitation):
    answers = {**OUTCOME_ANSWERS, "exported_since": "no", "export_markets": []}

    response = client.post(url_of(invitation, "es"), answers)

    assert response.status_code == 200
    assert SurveyResponse.objects.get(survey__slug="outcomes").answers.count() == 3


def test_a_used_link_is_closed(client, invitation):
    client.post(url_of(invitation, "es"), OUTCOME_ANSWERS)

    with pytest.raises(surveys.SurveyClosed):
        surveys.open_invitation(invitation.token)
    assert client.post(url_of(invitation, "es"), OUTCOME_ANSWERS).status_code == 404
    assert SurveyResponse.objects.count() == 1


def test_a_link_of_an_erased_person_is_withdrawn(client, invitation, person):
    privacy.erase_person(person)

    with pytest.raises(surveys.SurveyWithdrawn):
        surveys.open_invitation(invitation.token)
    with pytest.raises(surveys.SurveyWithdrawn):
        surveys.submit_response(invitation, {"exported_since": True}, language="es")
    assert client.post(url_of(invitation, "es"), OUTCOME_ANSWERS).status_code == 410
    assert not SurveyResponse.objects.exists()


def test_the_job_is_run_by_the_workers_every_hour():
    job = periodic.job_named("outcome_surveys")

    assert job.every == timedelta(hours=1)


# Several workers ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
def test_two_workers_at_once_invite_once_and_queue_one_message(series, person, firm):
    attend(series, FIRST, person)
    attend(series, FIRST + timedelta(days=3), UserFactory(organisation=firm))
    attend(series, FIRST, UserFactory(organisation=FirmFactory()))
    due = add_months(FIRST + timedelta(days=3), 6)
    barrier = threading.Barrier(2)

    def run(_):
        try:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=10)
            return outcomes.send_due_outcome_surveys(now=due)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        counts = list(pool.map(run, range(2)))

    assert sum(counts) == 2
    assert invitations().count() == 2
    assert outcome_messages().count() == 2
    assert sorted(
        outcome_messages().values_list("registration__organisation", flat=True)
    ) == sorted(invitations().values_list("organisation", flat=True))


# Demo -----------------------------------------------------------------------------------------


def outcome_snapshot():
    return (
        sorted(
            invitations().values_list(
                "organisation", "series", "period_starts_at", "registration", "used_at"
            )
        ),
        sorted(
            Answer.objects.filter(response__survey__slug="outcomes").values_list(
                "response__registration",
                "question__code",
                "boolean",
                "choices__code",
                "economies",
            ),
            key=str,
        ),
    )


def test_the_demo_shows_realised_outcomes_and_leaves_the_workers_nothing_to_send():
    call_command("seed_demo")

    answers = Answer.objects.filter(response__survey__slug="outcomes")
    exported = set(
        answers.filter(question__code="exported_since").values_list("boolean", flat=True)
    )
    markets = answers.filter(question__code="export_markets").values("economies").distinct()
    said = set(
        answers.filter(question__code="contribution").values_list("choices__code", flat=True)
    )
    assert exported == {True, False}
    assert markets.count() >= 5
    assert said == {"not_at_all", "somewhat", "a_lot"}
    assert answers.filter(question__code="found_partner", boolean=True).exists()
    assert invitations().filter(used_at__isnull=True).exists()  # not everyone answers
    # Every answer counts the firm as it registered.
    assert (
        not SurveyResponse.objects.filter(survey__slug="outcomes")
        .exclude(economy=F("registration__economy"))
        .exists()
    )
    assert outcomes.send_due_outcome_surveys() == 0
    assert not outcome_messages().exists()

    first = outcome_snapshot()
    call_command("seed_demo")
    assert outcome_snapshot() == first


# From the job to the answer -------------------------------------------------------------------


def test_the_email_carries_the_link_in_the_person_s_language_and_the_link_answers(
    client, series, person, run_tasks, settings
):
    settings.SITE_URL = "https://outreach.example"
    first = add_months(timezone.now(), -6) - timedelta(hours=2)
    attend(series, first.replace(microsecond=0), person)

    outcomes.send_due_outcome_surveys()
    run_tasks()

    assert [m.to for m in mail.outbox] == [[person.email]]
    invitation = invitations().get()
    link = f"https://outreach.example/es/surveys/{invitation.token}/"
    assert link in mail.outbox[0].body
    assert (
        client.post(link.removeprefix("https://outreach.example"), OUTCOME_ANSWERS).status_code
        == 200
    )
    assert Message.objects.get(kind=MessageKind.OUTCOME_SURVEY).status == "sent"

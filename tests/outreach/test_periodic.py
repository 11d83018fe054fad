"""Periodic work scheduled by the workers themselves: each job at most once per period, however
many workers race for it; its effects when a worker runs the scheduler; /health/ shows it."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.tasks import default_task_backend
from django.tasks.signals import task_started
from django.utils import timezone

from events.models import SessionStatus, add_months
from outreach import periodic
from outreach.models import PeriodicRun
from outreach.tasks import PERIODIC_ARMED, arm_periodic_jobs, run_periodic_jobs
from registrations.models import Message, MessageKind, Registration
from tests.factories import (
    OrganiserFactory,
    RegistrationFactory,
    SeriesFactory,
    SessionFactory,
    SurveyInvitationFactory,
    default_survey,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 30, 9, 7, tzinfo=UTC)
CALLS: list[int] = []


def slow_job(*, now):
    """A job that takes a while, so that a second worker arrives while the first runs it."""
    CALLS.append(threading.get_ident())
    time.sleep(0.3)
    return len(CALLS)


SLOW = periodic.PeriodicJob("slow", timedelta(hours=1), "tests.outreach.test_periodic.slow_job")


def failing_job(*, now):
    raise RuntimeError("the mail server is down")


FAILING = periodic.PeriodicJob(
    "failing", timedelta(hours=1), "tests.outreach.test_periodic.failing_job"
)


@pytest.fixture(autouse=True)
def _no_calls():
    CALLS.clear()
    default_task_backend.clear()
    PERIODIC_ARMED.lower()
    yield
    default_task_backend.clear()


def queued() -> list[tuple[str, list, datetime | None]]:
    return [(r.task.name, r.args, r.task.run_after) for r in default_task_backend.results]


def in_two_workers(work) -> list:
    """Run `work()` in two threads, each with its own database connection, released together."""
    barrier = threading.Barrier(2)
    outcomes = []

    def worker():
        try:
            barrier.wait()
            outcomes.append(work())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


# --- At most once per period -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_job_runs_once_when_two_workers_claim_the_same_period_at_once():
    if connection.vendor != "postgresql":
        pytest.skip("two connections racing for a row lock need PostgreSQL")

    outcomes = in_two_workers(lambda: periodic.run_job(SLOW, now=NOW))

    assert sorted(outcomes) == ["ran", "skipped"]
    assert len(CALLS) == 1
    run = PeriodicRun.objects.get(job="slow")
    assert (run.period_start, run.attempts, run.result) == (
        datetime(2026, 11, 30, 9, tzinfo=UTC),
        1,
        {"count": 1},
    )


@pytest.mark.django_db(transaction=True)
def test_every_job_runs_once_when_two_workers_run_the_scheduler_at_once():
    if connection.vendor != "postgresql":
        pytest.skip("two connections racing for a row lock need PostgreSQL")

    outcomes = in_two_workers(lambda: periodic.run_due_jobs(now=NOW))

    for job in periodic.JOBS:
        assert sorted(outcome[job.name] for outcome in outcomes) == ["ran", "skipped"]
    assert sorted(PeriodicRun.objects.values_list("job", "attempts")) == sorted(
        (job.name, 1) for job in periodic.JOBS
    )


def test_a_job_runs_again_in_its_next_period_not_before():
    first = periodic.run_job(SLOW, now=NOW)
    again = periodic.run_job(SLOW, now=NOW + timedelta(minutes=50))
    next_hour = periodic.run_job(SLOW, now=NOW + timedelta(minutes=55))

    assert (first, again, next_hour) == ("ran", "skipped", "ran")
    assert list(PeriodicRun.objects.order_by("period_start").values_list("period_start")) == [
        (datetime(2026, 11, 30, 9, tzinfo=UTC),),
        (datetime(2026, 11, 30, 10, tzinfo=UTC),),
    ]


def test_a_failing_job_is_recorded_and_tried_at_most_three_times_in_its_period():
    outcomes = [periodic.run_job(FAILING, now=NOW) for _ in range(4)]

    assert outcomes == ["failed", "failed", "failed", "skipped"]
    run = PeriodicRun.objects.get(job="failing")
    assert (run.finished_at, run.attempts, run.last_error) == (
        None,
        3,
        "RuntimeError: the mail server is down",
    )


def test_daily_periods_start_at_midnight_utc():
    assert periodic.period_start(NOW, timedelta(days=1)) == datetime(2026, 11, 30, tzinfo=UTC)
    assert periodic.next_ticks(NOW) == [
        datetime(2026, 11, 30, 9, 10, tzinfo=UTC),
        datetime(2026, 11, 30, 9, 15, tzinfo=UTC),
    ]


# --- The scheduler arms itself -----------------------------------------------------------------


def test_arming_from_many_workers_queues_each_tick_once():
    first = arm_periodic_jobs(now=NOW)
    second = arm_periodic_jobs(now=NOW)

    ticks = [datetime(2026, 11, 30, 9, 10, tzinfo=UTC), datetime(2026, 11, 30, 9, 15, tzinfo=UTC)]
    assert (first, second) == (ticks, [])
    assert queued() == [("run_periodic_jobs", [tick.isoformat()], tick) for tick in ticks]


def test_a_tick_records_itself_queues_the_next_ticks_and_runs_the_jobs():
    # Armed long before the clock the tick runs on, so that the ticks it queues from the real
    # time are never the ones armed here (whatever time of day the suite runs).
    arm_periodic_jobs(now=NOW - timedelta(days=365))
    (tick, _next) = default_task_backend.results
    default_task_backend.clear()
    started = timezone.now()

    outcomes = tick.task.call(*tick.args)

    assert outcomes == {job.name: "ran" for job in periodic.JOBS}
    ticks = [after for name, _args, after in queued() if name == "run_periodic_jobs"]
    assert len(ticks) == 2
    assert all(started < after <= started + 2 * periodic.TICK for after in ticks)
    recorded = PeriodicRun.objects.get(job="scheduler", period_start=tick.task.run_after)
    assert recorded.finished_at >= started


def test_workers_starting_many_tasks_arm_the_scheduler_once():
    result = run_periodic_jobs.enqueue("")
    default_task_backend.clear()

    for _ in range(3):
        task_started.send(sender=type(default_task_backend), task_result=result)

    names = [name for name, _args, _after in queued()]
    assert names.count("run_periodic_jobs") == 2
    assert PeriodicRun.objects.filter(job="scheduler").count() == 2


def test_migrate_queues_a_tick_to_run_at_once_and_a_flush_does_not():
    from django.apps import apps

    from outreach.tasks import start_periodic_jobs

    config = apps.get_app_config("outreach")
    start_periodic_jobs(config, plan=[])
    start_periodic_jobs(config)

    assert queued() == [("run_periodic_jobs", [""], None)]


# --- What the jobs do when a worker runs the scheduler ------------------------------------------


def test_the_scheduler_finishes_sessions_applies_retention_and_sends_survey_reminders():
    now = timezone.now()
    ended = SessionFactory(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=2))
    upcoming = SessionFactory()
    yearly = SeriesFactory(retention_months=12)
    old_end = add_months(now, -13)
    old = SessionFactory(
        series=yearly,
        starts_at=old_end - timedelta(hours=1),
        ends_at=old_end,
        status=SessionStatus.FINISHED,
    )
    kept = RegistrationFactory(session=old)
    attendee = RegistrationFactory(session=ended, attended=True)
    survey = default_survey()
    SurveyInvitationFactory(
        registration=attendee, created_at=now - timedelta(days=survey.reminder_days, hours=1)
    )

    outcomes = run_periodic_jobs.call("")

    assert outcomes == {job.name: "ran" for job in periodic.JOBS}
    ended.refresh_from_db()
    upcoming.refresh_from_db()
    assert (ended.status, upcoming.status) == (SessionStatus.FINISHED, SessionStatus.PUBLISHED)
    assert Registration.objects.get(pk=kept.pk).person is None
    assert list(
        Message.objects.filter(kind=MessageKind.SURVEY_REMINDER).values_list(
            "registration", flat=True
        )
    ) == [attendee.pk]
    retention = PeriodicRun.objects.get(job="retention")
    assert retention.result == {"sessions": 1, "registrations": 1, "people_erased": 1}
    assert PeriodicRun.objects.get(job="survey_reminders").result == {"count": 1}

    again = run_periodic_jobs.call("")

    assert again == {job.name: "skipped" for job in periodic.JOBS}
    assert Message.objects.filter(kind=MessageKind.SURVEY_REMINDER).count() == 1


def test_a_survey_reminder_waits_for_its_delay():
    now = timezone.now()
    attendee = RegistrationFactory(attended=True)
    survey = default_survey()
    SurveyInvitationFactory(
        registration=attendee,
        created_at=now - timedelta(days=survey.reminder_days) + timedelta(hours=1),
    )

    from registrations.periodic_jobs import send_due_survey_reminders

    assert send_due_survey_reminders(now=now) == 0
    assert send_due_survey_reminders(now=now + timedelta(hours=2)) == 1


def test_the_command_runs_what_is_due_by_hand_and_arms_the_workers():
    import io

    out = io.StringIO()

    call_command("run_periodic_jobs", "--job", "finish_sessions", stdout=out)
    call_command("run_periodic_jobs", "--job", "finish_sessions", stdout=io.StringIO())

    lines = out.getvalue().splitlines()
    assert lines[0] == "finish_sessions: ran"
    assert [line.split(" tick")[0] for line in lines[1:]] == ["scheduler:", "scheduler:"]
    assert PeriodicRun.objects.filter(job="finish_sessions").count() == 1


def test_old_runs_are_forgotten_but_each_jobs_last_run_is_kept():
    periodic.run_job(SLOW, now=NOW - timedelta(days=200))
    periodic.run_job(SLOW, now=NOW - timedelta(days=100))
    periodic.run_job(periodic.job_named("finish_sessions"), now=NOW - timedelta(days=100))
    periodic.run_job(periodic.job_named("finish_sessions"), now=NOW)
    PeriodicRun.objects.create(job="scheduler", period_start=NOW - timedelta(days=3))
    future_tick = PeriodicRun.objects.create(job="scheduler", period_start=NOW + periodic.TICK)

    periodic.forget_old_runs(now=NOW)

    assert sorted(PeriodicRun.objects.values_list("job", "period_start")) == [
        ("finish_sessions", datetime(2026, 11, 30, 9, 5, tzinfo=UTC)),
        ("scheduler", future_tick.period_start),
        ("slow", datetime(2026, 8, 22, 9, tzinfo=UTC)),
    ]


# --- /health/ ----------------------------------------------------------------------------------


def test_health_shows_when_each_job_last_ran_and_flags_one_overdue(client):
    now = timezone.now()
    for job in periodic.JOBS:
        periodic.run_job(job, now=now)
    PeriodicRun.objects.filter(job="retention").update(finished_at=now - timedelta(days=3))
    PeriodicRun.objects.create(job="scheduler", period_start=now, started_at=now, finished_at=now)
    client.force_login(OrganiserFactory())  # the details of /health/ are for staff

    response = client.get("/health/")

    assert response.status_code == 200
    shown = response.json()["periodic"]
    assert shown["ok"] is False
    overdue = {name: state["overdue"] for name, state in shown["jobs"].items()}
    assert overdue == {
        "scheduler": False,
        "finish_sessions": False,
        "follow_ups": False,
        "survey_reminders": False,
        "outcome_surveys": False,
        "zoom_attendance": False,
        "webhook_recovery": False,
        "retention": True,
        "forget_old_runs": False,
    }
    last_run = datetime.fromisoformat(shown["jobs"]["finish_sessions"]["last_run"])
    assert now - timedelta(seconds=5) <= last_run <= timezone.now()
    assert shown["jobs"]["retention"]["every_seconds"] == 86400


def test_health_flags_jobs_that_never_ran_without_failing_the_page(client):
    client.force_login(OrganiserFactory())  # the details of /health/ are for staff

    response = client.get("/health/")

    assert response.status_code == 200
    shown = response.json()["periodic"]
    assert shown["ok"] is False
    assert {state["last_run"] for state in shown["jobs"].values()} == {None}

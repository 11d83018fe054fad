"""Periodic work, scheduled by the workers themselves: no cron.

What is promised
----------------
Each job in JOBS runs at most once per period (its `every`, counted in UTC from a fixed
midnight, so a daily job's period is a UTC day), however many workers there are and on either
queue backend: the claim is a row of PeriodicRun, unique per (job, period start), in PostgreSQL.
A worker claims a period by locking that row with SELECT ... FOR UPDATE SKIP LOCKED and runs the
job inside the same transaction, marking it finished as it commits. Another worker finds the row
locked (skipped) or finished (nothing to do). A worker that dies mid-run rolls its transaction
back, so the period is free again for the next tick; a job that raises is recorded (error,
attempts) and tried again at the next tick, at most MAX_ATTEMPTS times per period. Every job
catches up on its own (it finishes every session past its end, anonymises everything past its
retention), so a period that is missed is made good by the next.

Ticks
-----
The scheduler is a task (outreach.tasks.run_periodic_jobs) queued with `run_after` at the next
TICK boundary. Each tick first queues the next two ticks, then runs the jobs that are due; so a
tick that is lost (a worker killed while running it, a queue that lost it) leaves the one after
it queued. A tick is claimed too, as a "scheduler" row per boundary, so ticks queued by many
workers at once make one task per boundary and the chain never doubles. The chain is started by
`migrate` (every deploy), by any worker as it starts a task, and by `manage.py run_periodic_jobs`.

/health/ shows when each job last finished, and flags one that has not for two of its periods.
"""

import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from outreach.models import PeriodicRun

logger = logging.getLogger(__name__)

# Periods are counted from this midnight (UTC), so daily periods start at midnight UTC.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
# How often the scheduler looks for due jobs: the shortest period of any job.
TICK = timedelta(minutes=5)
SCHEDULER = "scheduler"
# Tries of a failing job within one period before it waits for the next period.
MAX_ATTEMPTS = 3
# Scheduler rows (one per tick) are kept this long; job runs longer (the last of each always).
KEEP_TICKS = timedelta(days=2)
KEEP_RUNS = timedelta(days=90)


@dataclass(frozen=True)
class PeriodicJob:
    """A service run once per period. `function` is its dotted path (this layer names services
    of the layers above it without importing them): it is called with `now=` and returns a
    count or a dict of counts, which is kept with the run."""

    name: str
    every: timedelta
    function: str

    @property
    def overdue_after(self) -> timedelta:
        """A job that has not finished for this long has missed at least two periods."""
        return 2 * self.every + 2 * TICK


JOBS = (
    PeriodicJob("finish_sessions", timedelta(minutes=5), "events.services.finish_past_sessions"),
    PeriodicJob(
        "follow_ups", timedelta(minutes=5), "registrations.periodic_jobs.queue_due_follow_ups"
    ),
    PeriodicJob(
        "survey_reminders",
        timedelta(hours=1),
        "registrations.periodic_jobs.send_due_survey_reminders",
    ),
    PeriodicJob(
        "outcome_surveys",
        timedelta(hours=1),
        "registrations.periodic_jobs.send_due_outcome_surveys",
    ),
    PeriodicJob(
        "zoom_attendance",
        timedelta(minutes=5),
        "registrations.periodic_jobs.pull_due_zoom_attendance",
    ),
    PeriodicJob(
        "webhook_recovery", timedelta(minutes=10), "api.webhooks.services.recover_deliveries"
    ),
    PeriodicJob("retention", timedelta(days=1), "registrations.periodic_jobs.apply_retention"),
    PeriodicJob("forget_old_runs", timedelta(days=1), "outreach.periodic.forget_old_runs"),
)
SCHEDULER_JOB = PeriodicJob(SCHEDULER, TICK, "")


def job_named(name: str) -> PeriodicJob:
    for job in JOBS:
        if job.name == name:
            return job
    raise KeyError(name)


def period_start(now: datetime, every: timedelta) -> datetime:
    """The start of the period of length `every` that `now` falls in."""
    return EPOCH + ((now - EPOCH) // every) * every


def next_ticks(now: datetime, count: int = 2) -> list[datetime]:
    """The next `count` tick boundaries after `now`."""
    first = period_start(now, TICK) + TICK
    return [first + n * TICK for n in range(count)]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


# --- Ticks -------------------------------------------------------------------------------------


def tick_is_claimed(moment: datetime) -> bool:
    return PeriodicRun.objects.filter(job=SCHEDULER, period_start=moment).exists()


def claim_tick(moment: datetime) -> PeriodicRun:
    """Record that the tick at `moment` is queued; IntegrityError if someone queued it already.

    Call it in the transaction that queues the tick, so that a queue that refuses the task
    leaves the tick unclaimed."""
    with transaction.atomic():
        return PeriodicRun.objects.create(job=SCHEDULER, period_start=moment)


def record_tick(moment: datetime, *, now: datetime) -> bool:
    """Mark the tick at `moment` as run (what /health/ shows as the scheduler's last run)."""
    return bool(
        PeriodicRun.objects.filter(
            job=SCHEDULER, period_start=moment, finished_at__isnull=True
        ).update(started_at=now, finished_at=now, worker=worker_name(), attempts=1)
    )


# --- Jobs --------------------------------------------------------------------------------------


def _as_result(value) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, int):
        return {"count": value}
    return {}


def run_job(job: PeriodicJob, *, now: datetime | None = None) -> str:
    """Run `job` for the period `now` falls in, unless another worker has run it or is running
    it. Returns "ran", "skipped" (done, being done, or out of attempts) or "failed"."""
    now = now or timezone.now()
    start = period_start(now, job.every)
    # ON CONFLICT DO NOTHING: the row exists afterwards, whoever made it, and no error is logged.
    PeriodicRun.objects.bulk_create(
        [PeriodicRun(job=job.name, period_start=start)], ignore_conflicts=True
    )
    try:
        with transaction.atomic():
            run = (
                PeriodicRun.objects.select_for_update(skip_locked=True)
                .filter(
                    job=job.name,
                    period_start=start,
                    finished_at__isnull=True,
                    attempts__lt=MAX_ATTEMPTS,
                )
                .first()
            )
            if run is None:
                return "skipped"
            result = import_string(job.function)(now=now)
            run.started_at = now
            run.finished_at = timezone.now()
            run.worker = worker_name()
            run.attempts += 1
            run.result = _as_result(result)
            run.last_error = ""
            run.save()
    except Exception as error:
        # The job's work was rolled back with the claim; count the attempt, keep the reason.
        PeriodicRun.objects.filter(
            job=job.name, period_start=start, finished_at__isnull=True
        ).update(
            attempts=F("attempts") + 1,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            worker=worker_name(),
        )
        logger.exception("periodic job %s failed", job.name)
        return "failed"
    logger.info("periodic job %s ran: %s", job.name, run.result)
    return "ran"


def run_due_jobs(*, now: datetime | None = None, jobs=JOBS) -> dict[str, str]:
    """Run every job whose current period has not run yet; {job name: what happened}."""
    now = now or timezone.now()
    return {job.name: run_job(job, now=now) for job in jobs}


def forget_old_runs(*, now: datetime | None = None) -> int:
    """Delete old scheduler ticks and job runs, keeping each job's last finished run."""
    now = now or timezone.now()
    last = (
        PeriodicRun.objects.filter(finished_at__isnull=False)
        .values("job")
        .annotate(last=Max("finished_at"))
        .values_list("job", "last")
    )
    keep = [
        pk
        for job, finished_at in last
        for pk in PeriodicRun.objects.filter(job=job, finished_at=finished_at).values_list(
            "pk", flat=True
        )[:1]
    ]
    old = Q(job=SCHEDULER, period_start__lt=now - KEEP_TICKS) | Q(period_start__lt=now - KEEP_RUNS)
    deleted, _kinds = PeriodicRun.objects.filter(old).exclude(pk__in=keep).delete()
    return deleted


# --- What /health/ shows -----------------------------------------------------------------------


def job_states(*, now: datetime | None = None) -> dict[str, dict]:
    """For the scheduler and each job: its period, when it last finished, and whether that is
    longer ago than two periods (overdue; a job that never ran is overdue too)."""
    now = now or timezone.now()
    last = dict(
        PeriodicRun.objects.filter(finished_at__isnull=False)
        .values("job")
        .annotate(last=Max("finished_at"))
        .values_list("job", "last")
    )
    states = {}
    for job in (SCHEDULER_JOB, *JOBS):
        finished = last.get(job.name)
        states[job.name] = {
            "every_seconds": int(job.every.total_seconds()),
            "last_run": finished.astimezone(UTC).isoformat() if finished else None,
            "overdue": finished is None or now - finished > job.overdue_after,
        }
    return states

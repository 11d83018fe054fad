"""Periodic work in real workers: two `db_worker` processes given the scheduler's tick several
times at once run each job once for its period, and its effect is there."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import SessionStatus
from outreach import periodic
from outreach.models import PeriodicRun
from outreach.tasks import run_periodic_jobs
from tests.factories import SessionFactory
from tests.operations.processes import (
    database_url,
    environment,
    manage,
    needs_postgresql,
    wait_until,
)

pytestmark = [
    pytest.mark.slow_processes,
    pytest.mark.django_db(transaction=True),
    needs_postgresql(),
]


def test_two_db_workers_given_the_tick_at_once_run_each_job_once(settings, logs, started):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    env = environment(DATABASE_URL=database_url(), TASKS_BACKEND="django_tasks_db.DatabaseBackend")
    workers = [
        manage(
            f"db_worker-{n}",
            *("db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1"),
            *("--worker-id", f"worker-{n}"),
            env=env,
            logs=logs,
        )
        for n in (1, 2)
    ]
    started.extend(workers)
    for worker in workers:
        wait_until(
            lambda w=worker: "Starting worker" in w.output(),
            timeout=30,
            what=f"{worker.name} started",
            processes=(worker,),
        )
    now = timezone.now()
    ended = SessionFactory(starts_at=now - timedelta(hours=2), ends_at=now - timedelta(hours=1))

    ticks = [run_periodic_jobs.enqueue("") for _ in range(6)]

    from django_tasks_db.models import DBTaskResult

    done = DBTaskResult.objects.filter(pk__in=[tick.id for tick in ticks], status="SUCCESSFUL")
    wait_until(lambda: done.count() == 6, timeout=60, what="6 ticks run", processes=tuple(workers))
    outcomes = Counter(
        (job, outcome) for result in done for job, outcome in result.return_value.items()
    )
    assert {job.name: outcomes[(job.name, "ran")] for job in periodic.JOBS} == {
        job.name: 1 for job in periodic.JOBS
    }
    assert sorted(PeriodicRun.objects.exclude(job="scheduler").values_list("job", "attempts")) == (
        sorted((job.name, 1) for job in periodic.JOBS)
    )
    ended.refresh_from_db()
    assert ended.status == SessionStatus.FINISHED
    # The ticks armed the schedule: the next boundaries are queued once each.
    queued = DBTaskResult.objects.filter(
        task_path="outreach.tasks.run_periodic_jobs", status="READY"
    ).values_list("args_kwargs", flat=True)
    ticks_ahead = [entry["args"][0] for entry in queued]
    assert len(ticks_ahead) == len(set(ticks_ahead)) >= 2

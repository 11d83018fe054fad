import json
import logging

import pytest
from django.tasks import task_backends

from outreach.logs import JsonFormatter, RedactSecrets, redact

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    """/health/ shows its details to staff only (tests/outreach/test_configuration.py)."""
    from tests.factories import OrganiserFactory

    client.force_login(OrganiserFactory())
    return client


def test_health_answers_when_the_database_answers(staff_client):
    response = staff_client.get("/health/")

    assert response.status_code == 200
    assert response.json()["database"] is True
    assert response.json()["status"] == "ok"


def test_health_reports_the_task_backend(staff_client):
    tasks = staff_client.get("/health/").json()["tasks"]

    assert tasks == {"backend": type(task_backends["default"]).__name__, "ok": True}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET /fr/surveys/AbC-123_xyz/ 404", "GET /fr/surveys/[token]/ 404"),
        ("POST /es/registrations/s3cr3t/cancel/", "POST /es/registrations/[token]/cancel/"),
        ("GET /feeds/people/abcDEF.ics", "GET /feeds/people/[token].ics"),
        (
            "join https://us02web.zoom.us/j/85012345678?pwd=x now",
            "join https://us02web.zoom.us/j/[join link] now",
        ),
        ("GET /en/sessions/12/ 200", "GET /en/sessions/12/ 200"),
    ],
)
def test_secrets_are_removed_from_log_lines(text, expected):
    assert redact(text) == expected


def test_log_records_are_redacted_and_written_as_json():
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: %s",
        ("/fr/surveys/secret/",),
        None,
    )

    RedactSecrets().filter(record)
    line = json.loads(JsonFormatter().format(record))

    assert line["message"] == "Not Found: /fr/surveys/[token]/"
    assert (line["level"], line["logger"]) == ("WARNING", "django.request")


def test_health_fails_when_tasks_wait_with_no_worker(staff_client, settings):
    from datetime import timedelta

    from django.utils import timezone

    from registrations.tasks import send_message

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    result = send_message.enqueue(1)
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(pk=result.id).update(
        enqueued_at=timezone.now() - timedelta(hours=1)
    )

    response = staff_client.get("/health/")

    assert response.status_code == 503
    assert response.json()["tasks"]["ok"] is False
    assert response.json()["tasks"]["oldest_waiting_seconds"] >= 3600


# --- Database unavailable: 503 with Retry-After, never a traceback ---------------------------


def refuse(execute, sql, params, many, context):
    from django.db import OperationalError

    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: refused")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_pages_answer_503_in_the_visitors_language_when_the_database_refuses(client, language):
    from django.db import connection

    client.raise_request_exception = False

    with connection.execute_wrapper(refuse):
        response = client.get(f"/{language}/sessions/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert f'<html lang="{language}"' in page
    assert "<h1>" in page
    assert "OperationalError" not in page


def test_other_errors_keep_the_500_page(rf):
    from outreach import unavailable

    try:
        raise ValueError("a bug")
    except ValueError:
        response = unavailable.server_error(rf.get("/"))

    assert response.status_code == 500


def fail_while_rendering_after_a_lost_connection():
    from django.db import InterfaceError

    try:
        raise InterfaceError("connection already closed")
    except InterfaceError as lost:
        raise RuntimeError("while rendering") from lost


def test_a_lost_connection_behind_another_error_still_counts_as_unavailable():
    from outreach.unavailable import is_database_unavailable

    with pytest.raises(RuntimeError) as raised:
        fail_while_rendering_after_a_lost_connection()

    assert is_database_unavailable(raised.value) is True
    assert is_database_unavailable(ValueError("no")) is False


# --- The Redis queue (django-tasks-rq) ----------------------------------------------------------


@pytest.fixture
def redis_queue(settings):
    """TASKS on RQ, in a Redis database of this test's own; skipped where Redis is missing."""
    pytest.importorskip("django_tasks_rq", reason="the Redis queue needs the rq extra")
    from tests.operations.processes import (
        claim_redis_database,
        redis_url,
        release_redis_database,
    )

    client = claim_redis_database()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": redis_url(client)}}
    settings.RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
    import django_rq

    yield django_rq.get_queue("default")
    release_redis_database(client)


def test_health_reports_the_redis_queue_its_length_and_workers(staff_client, redis_queue):
    from registrations.tasks import send_message

    send_message.enqueue(1)

    response = staff_client.get("/health/")

    assert response.status_code == 200
    tasks = response.json()["tasks"]
    assert tasks["oldest_waiting_seconds"] < 60
    assert {k: v for k, v in tasks.items() if k != "oldest_waiting_seconds"} == {
        "backend": "RQBackend",
        "ok": True,
        "waiting": 1,
        "workers": 0,
    }


def test_health_fails_when_redis_jobs_have_waited_long_with_no_worker(staff_client, redis_queue):
    from datetime import timedelta

    from django.utils import timezone

    from registrations.tasks import send_message

    send_message.enqueue(1)
    (job,) = redis_queue.jobs
    job.enqueued_at = timezone.now() - timedelta(hours=1)
    job.save()

    response = staff_client.get("/health/")

    assert response.status_code == 503
    assert response.json()["tasks"]["waiting"] == 1
    assert response.json()["tasks"]["oldest_waiting_seconds"] >= 3600


def test_health_fails_when_redis_tasks_are_overdue_and_no_worker_schedules_them(
    staff_client, redis_queue
):
    from datetime import timedelta

    from django.utils import timezone

    from registrations.tasks import send_message

    send_message.using(run_after=timezone.now() - timedelta(hours=1)).enqueue(1)

    response = staff_client.get("/health/")

    assert response.status_code == 503
    assert response.json()["tasks"]["ok"] is False
    assert response.json()["tasks"]["oldest_waiting_seconds"] >= 3600


def test_health_fails_when_redis_does_not_answer(staff_client, settings):
    pytest.importorskip("django_tasks_rq", reason="the Redis queue needs the rq extra")
    from tests.operations.processes import free_port

    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": f"redis://127.0.0.1:{free_port()}/0"}}

    response = staff_client.get("/health/")

    assert response.status_code == 503
    assert response.json()["tasks"] == {"backend": "RQBackend", "ok": False}


@pytest.mark.django_db(transaction=True)
def test_a_redis_queue_gets_the_task_only_once_the_work_commits(redis_queue):
    from django.db import transaction

    from outreach.tasks import enqueue_on_commit
    from registrations.tasks import send_message

    def enqueue_then_fail():
        with transaction.atomic():
            enqueue_on_commit(send_message, 2)
            raise RuntimeError("rolled back")

    with transaction.atomic():
        enqueue_on_commit(send_message, 1)
        inside = redis_queue.count
    with pytest.raises(RuntimeError):
        enqueue_then_fail()

    assert (inside, redis_queue.count) == (0, 1)
    assert redis_queue.jobs[0].args == (1,)


@pytest.mark.django_db(transaction=True)
def test_committed_work_stands_when_the_redis_queue_is_down(settings):
    pytest.importorskip("django_tasks_rq", reason="the Redis queue needs the rq extra")
    from django.db import transaction

    from registrations import services
    from registrations.models import Message, MessageKind, MessageStatus
    from tests.factories import RegistrationFactory
    from tests.operations.processes import free_port

    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": f"redis://127.0.0.1:{free_port()}/0"}}
    registration = RegistrationFactory()

    with transaction.atomic():
        message = services.queue_message(registration, MessageKind.CONFIRMATION)

    # The message waits, pending, for the recovery round to queue it again.
    assert Message.objects.get(pk=message.pk).status == MessageStatus.PENDING


# --- Choosing the queue by settings ------------------------------------------------------------


def test_the_redis_queue_is_chosen_by_settings_alone():
    pytest.importorskip("django_tasks_rq", reason="the Redis queue needs the rq extra")
    from tests.outreach.test_startup import GOOD_SECRET, run_manage

    result = run_manage(
        {
            "DEBUG": "false",
            "SECRET_KEY": GOOD_SECRET,
            "TASKS_BACKEND": "django_tasks_rq.RQBackend",
            "TASKS_REDIS_URL": "redis://127.0.0.1:6379/3",
        }
    )

    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TASKS_BACKEND": "django_tasks_rq.RQBackend"}, "TASKS_REDIS_URL must be a redis://"),
        ({"TASKS_BACKEND": "celery"}, "TASKS_BACKEND must be django_tasks_db.DatabaseBackend"),
        (
            {"EMAIL_TIMEOUT": "300", "OUTREACH_MESSAGE_LEASE_SECONDS": "600"},
            "OUTREACH_MESSAGE_LEASE_SECONDS (600) must be at least three times EMAIL_TIMEOUT",
        ),
    ],
)
def test_a_queue_setting_that_cannot_work_stops_with_one_line(env, message):
    from tests.outreach.test_startup import GOOD_SECRET, run_manage

    result = run_manage({"DEBUG": "false", "SECRET_KEY": GOOD_SECRET, **env})

    assert result.returncode == 1
    assert result.stderr.startswith("Outreach cannot start:")
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# --- Periodic work on the Redis queue (tests/outreach/test_periodic.py has the rules) ----------


@pytest.mark.django_db(transaction=True)
def test_on_redis_workers_arming_at_once_queue_each_tick_once_and_each_job_runs_once(
    redis_queue,
):
    from django_tasks_rq import Job
    from rq import SimpleWorker
    from rq.registry import ScheduledJobRegistry

    from outreach import periodic
    from outreach.models import PeriodicRun
    from outreach.tasks import arm_periodic_jobs, run_periodic_jobs
    from tests.outreach.test_periodic import in_two_workers

    armed = in_two_workers(arm_periodic_jobs)
    ticks = [run_periodic_jobs.enqueue("") for _ in range(3)]  # three workers start at once
    worker = SimpleWorker([redis_queue], connection=redis_queue.connection, job_class=Job)
    worker.work(burst=True)

    scheduled = [
        redis_queue.fetch_job(job_id)
        for job_id in ScheduledJobRegistry(queue=redis_queue).get_job_ids()
    ]
    ticks_queued = sorted(job.args[0] for job in scheduled if "run_periodic_jobs" in job.func_name)
    assert sum(len(moments) for moments in armed) == 2
    # Each boundary once (the ticks that ran armed the same ones, or a later one at a boundary).
    assert ticks_queued == sorted(set(ticks_queued))
    assert len(ticks_queued) == PeriodicRun.objects.filter(job="scheduler").count() >= 2
    outcomes = [run_periodic_jobs.get_result(tick.id).return_value for tick in ticks]
    for job in periodic.JOBS:
        assert sorted(outcome[job.name] for outcome in outcomes) == ["ran", "skipped", "skipped"]
    assert sorted(PeriodicRun.objects.exclude(job="scheduler").values_list("job", "attempts")) == (
        sorted((job.name, 1) for job in periodic.JOBS)
    )

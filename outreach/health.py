"""GET /health/: is the database answering, and is the task queue being worked through?

Everyone (a load balancer, a monitor) gets the status, as the HTTP code and {"status": …}. The
details (queue lengths, workers, when each periodic job last ran) are for programme staff and
Django staff only: to anyone else they would tell how busy the programme is.
"""

from datetime import UTC, datetime, timedelta

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.tasks import task_backends
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from outreach import periodic
from outreach.permissions import may_see_operations

# Tasks due longer ago than this and still waiting mean no worker is taking them.
STALE_TASKS = timedelta(minutes=10)


def _database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


def _tasks() -> dict:
    """How long the oldest due task has waited, for the database and the Redis queues; other
    backends report their name only."""
    backend = task_backends["default"]
    name = type(backend).__name__
    if name == "DatabaseBackend":
        found = _database_queue()
    elif name == "RQBackend":
        found = _redis_queue(backend)
    else:
        return {"backend": name, "ok": True}
    if found is None:
        return {"backend": name, "ok": False}
    waiting = found.pop("oldest_waiting_seconds")
    return {
        "backend": name,
        "ok": waiting < STALE_TASKS.total_seconds(),
        "oldest_waiting_seconds": int(waiting),
        **found,
    }


def _database_queue() -> dict | None:
    from django.db.models import Count, Min, Q
    from django_tasks_db.models import DBTaskResult, get_date_max

    # A task due "as soon as possible" carries the largest date as run_after: it has been due
    # since it was enqueued.
    now = timezone.now()
    try:
        found = DBTaskResult.objects.filter(status="READY").aggregate(
            asap=Min("enqueued_at", filter=Q(run_after=get_date_max())),
            deferred=Min("run_after", filter=Q(run_after__lt=get_date_max())),
            waiting=Count("pk", filter=Q(run_after=get_date_max()) | Q(run_after__lte=now)),
        )
    except DatabaseError:
        return None
    due = [found[key] for key in ("asap", "deferred") if found[key] and found[key] <= now]
    return {
        "oldest_waiting_seconds": (now - min(due)).total_seconds() if due else 0,
        "waiting": found["waiting"],
    }


def _redis_queue(backend) -> dict | None:
    """RQ's queues: jobs waiting, the oldest one's age, deferred jobs overdue (no worker runs
    the scheduler) and the workers registered in Redis."""
    import django_rq
    from redis.exceptions import RedisError
    from rq import Worker
    from rq.registry import ScheduledJobRegistry

    now = timezone.now()
    since = []
    waiting = workers = 0
    try:
        for queue_name in sorted(backend.queues):
            queue = django_rq.get_queue(queue_name)
            waiting += queue.count
            workers += Worker.count(queue=queue)
            head = queue.get_jobs(0, 1)
            if head and head[0].enqueued_at:
                since.append(head[0].enqueued_at)
            overdue = queue.connection.zrangebyscore(
                ScheduledJobRegistry(queue=queue).key, 0, now.timestamp(), 0, 1, withscores=True
            )
            if overdue:
                since.append(datetime.fromtimestamp(overdue[0][1], tz=UTC))
    except RedisError:
        return None
    since = [moment if moment.tzinfo else moment.replace(tzinfo=UTC) for moment in since]
    return {
        "oldest_waiting_seconds": max(0, (now - min(since)).total_seconds()) if since else 0,
        "waiting": waiting,
        "workers": workers,
    }


def _periodic() -> dict:
    """When each periodic job last ran, and whether one is overdue (missed two periods). Shown,
    not counted in the status: a late job must not take the web out of its load balancer."""
    try:
        jobs = periodic.job_states()
    except DatabaseError:
        return {"ok": False}
    return {"ok": not any(job["overdue"] for job in jobs.values()), "jobs": jobs}


@never_cache
@require_GET
def health(request):
    database = _database()
    tasks = _tasks() if database else {"ok": False}
    healthy = database and tasks["ok"]
    status = 200 if healthy else 503
    if not may_see_operations(request.user):
        return JsonResponse({"status": "ok" if healthy else "failing"}, status=status)
    return JsonResponse(
        {
            "status": "ok" if healthy else "failing",
            "database": database,
            "tasks": tasks,
            "periodic": _periodic() if database else {"ok": False},
        },
        status=status,
    )

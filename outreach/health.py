"""GET /health/: is the database answering, and is the task queue being worked through?"""

from datetime import timedelta

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.tasks import task_backends
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

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
    """The database queue's oldest waiting task; other backends report their name only."""
    backend = type(task_backends["default"]).__name__
    if backend != "DatabaseBackend":
        return {"backend": backend, "ok": True}
    from django.db.models import Min, Q
    from django_tasks_db.models import DBTaskResult, get_date_max

    # A task due "as soon as possible" carries the largest date as run_after: it has been due
    # since it was enqueued.
    try:
        oldest = DBTaskResult.objects.filter(status="READY").aggregate(
            asap=Min("enqueued_at", filter=Q(run_after=get_date_max())),
            deferred=Min("run_after", filter=Q(run_after__lt=get_date_max())),
        )
    except DatabaseError:
        return {"backend": backend, "ok": False}
    now = timezone.now()
    due = [moment for moment in oldest.values() if moment is not None and moment <= now]
    waiting = (now - min(due)).total_seconds() if due else 0
    return {
        "backend": backend,
        "ok": waiting < STALE_TASKS.total_seconds(),
        "oldest_waiting_seconds": int(waiting),
    }


@never_cache
@require_GET
def health(request):
    database = _database()
    tasks = _tasks() if database else {"ok": False}
    healthy = database and tasks["ok"]
    return JsonResponse(
        {"status": "ok" if healthy else "failing", "database": database, "tasks": tasks},
        status=200 if healthy else 503,
    )

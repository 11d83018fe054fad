"""Enqueuing background tasks so that they run only for work that was committed."""

from django.db import transaction
from django.tasks import task_backends

# Backends that keep their queue in our own database: a task enqueued inside a transaction
# becomes visible to workers only when that transaction commits, so enqueuing at once is
# atomic with the work (and saves a commit per task).
SAME_DATABASE_BACKENDS = {"django_tasks_db.backend.DatabaseBackend"}


def _backend_path(task) -> str:
    backend = task_backends[task.backend]
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def enqueue_on_commit(task, *args, run_after=None) -> None:
    """Enqueue `task(*args)` for after the current transaction commits (never if it rolls back)."""
    if run_after is not None:
        task = task.using(run_after=run_after)
    in_transaction = transaction.get_connection().in_atomic_block
    if in_transaction and _backend_path(task) in SAME_DATABASE_BACKENDS:
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args))

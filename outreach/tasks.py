"""Background work of the foundations, and enqueuing tasks only for committed work."""

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task, task_backends
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

# Backends that keep their queue in our own database: a task enqueued inside a transaction
# becomes visible to workers only when that transaction commits, so enqueuing at once is
# atomic with the work (and saves a commit per task).
SAME_DATABASE_BACKENDS = {"django_tasks_db.backend.DatabaseBackend"}


def _backend_path(task) -> str:
    backend = task_backends[task.backend]
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


class WorkerFlag:
    """A flag that every worker sees and that lowers itself after a while: one worker raises it,
    the others find it raised.

    It lives in the queue's own Redis for RQ, whose jobs run in forked children that share no
    memory, and in the cache otherwise (shared by every process when CACHE_URL is set; with the
    local-memory cache each worker process has its own, which is still bounded).
    """

    def __init__(self, key: str):
        self.key = f"outreach:{key}"

    def _redis(self):
        if type(task_backends["default"]).__name__ != "RQBackend":
            return None
        import django_rq

        return django_rq.get_connection(settings.TASK_QUEUES[0])

    def raise_if_lowered(self, seconds: float) -> bool:
        """Raise the flag for `seconds`; False if it was already raised."""
        redis = self._redis()
        if redis is None:
            return cache.add(self.key, True, timeout=seconds)
        return bool(redis.set(self.key, 1, nx=True, ex=max(1, round(seconds))))

    def keep_raised(self, seconds: float) -> None:
        redis = self._redis()
        if redis is None:
            cache.set(self.key, True, timeout=seconds)
        else:
            redis.set(self.key, 1, ex=max(1, round(seconds)))

    def lower(self) -> None:
        redis = self._redis()
        if redis is None:
            cache.delete(self.key)
        else:
            redis.delete(self.key)


def enqueue_on_commit(task, *args, run_after=None) -> None:
    """Enqueue `task(*args)` for after the current transaction commits (never if it rolls back).

    A queue outside our database (Redis) takes the task only once the work is committed, so a
    worker never looks for rows that are not there yet. If that queue is down at that moment,
    the committed work stands and the failure is logged rather than turned into an error page
    (a message left pending is queued again by registrations.delivery's recovery).
    """
    if run_after is not None:
        task = task.using(run_after=run_after)
    in_transaction = transaction.get_connection().in_atomic_block
    if in_transaction and _backend_path(task) in SAME_DATABASE_BACKENDS:
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args), robust=True)


@task
def send_cohost_invitation(person_id: int) -> None:
    """Tell a new co-host member, in their language, how to sign in to their workspace."""
    from outreach.models import User

    person = User.objects.select_related("organisation").get(pk=person_id)
    with translation.override(person.language):
        context = {
            "person": person,
            "organisation": person.organisation,
            "sign_in_url": settings.SITE_URL + reverse("account_request_login_code"),
            "workspace_url": settings.SITE_URL + reverse("cohost:home"),
        }
        subject = _("You are invited to the %(organisation)s workspace on Outreach") % {
            "organisation": person.organisation.name
        }
        EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("emails/cohost_invitation.txt", context),
            to=[person.email],
        ).send()

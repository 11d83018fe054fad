"""Background work of the foundations, and enqueuing tasks only for committed work."""

import logging
from datetime import datetime
from importlib.util import find_spec

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.tasks import task, task_backends
from django.tasks.signals import task_started
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from outreach import periodic
from outreach.links import absolute_url
from outreach.models import User

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
    (a message left pending is queued again by registrations.messages.delivery's recovery).
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
    person = User.objects.select_related("organisation").get(pk=person_id)
    with translation.override(person.language):
        context = {
            "person": person,
            "organisation": person.organisation,
            "sign_in_url": absolute_url(reverse("account_request_login_code")),
            "workspace_url": absolute_url(reverse("cohost:home")),
        }
        subject = _("You are invited to the %(organisation)s workspace on Outreach") % {
            "organisation": person.organisation.name
        }
        EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("emails/cohost_invitation.txt", context),
            to=[person.email],
        ).send()


# --- Periodic work (outreach.periodic) ---------------------------------------------------------

logger = logging.getLogger(__name__)
# Raised for a tick after a worker made sure the scheduler is queued, so that workers starting
# many tasks look in the database once per tick between them.
PERIODIC_ARMED = WorkerFlag("periodic-armed")


@task
def run_periodic_jobs(tick: str = "") -> dict:
    """One tick of the scheduler: queue the next ticks, then run every job that is due.

    `tick` is the boundary this task was queued for (ISO 8601), or empty for a tick queued to
    run at once (after `migrate`, by hand)."""
    now = timezone.now()
    if tick:
        periodic.record_tick(datetime.fromisoformat(tick), now=now)
    # First, so that a job that fails or is killed leaves the schedule standing.
    arm_periodic_jobs(now=now)
    return periodic.run_due_jobs(now=now)


def arm_periodic_jobs(*, now: datetime | None = None) -> list[datetime]:
    """Make sure the scheduler's next two ticks are queued; returns the ticks queued now.

    Safe in many workers at once: a tick is claimed in the database in the same transaction
    that queues it (a queue that refuses it leaves it unclaimed), so each is queued once."""
    now = now or timezone.now()
    queued = []
    for moment in periodic.next_ticks(now):
        if periodic.tick_is_claimed(moment):
            continue
        try:
            with transaction.atomic():
                periodic.claim_tick(moment)
                run_periodic_jobs.using(run_after=moment).enqueue(moment.isoformat())
        except IntegrityError:
            continue
        queued.append(moment)
    return queued


def _arm_periodic_jobs(sender, **kwargs) -> None:
    # The task being started must run even if the database or the queue cannot arm just now.
    try:
        if PERIODIC_ARMED.raise_if_lowered(periodic.TICK.total_seconds()):
            arm_periodic_jobs()
    except Exception:
        logger.warning("could not queue the periodic jobs' scheduler", exc_info=True)


def start_periodic_jobs(sender, *, plan=None, **kwargs) -> None:
    """After `migrate` (every deploy), queue a tick to run at once: it runs what is due and
    arms the schedule. A flush of the database (tests) sends the same signal with no plan."""
    if plan is None:
        return
    try:
        run_periodic_jobs.enqueue("")
    except Exception:
        logger.warning("could not queue the periodic jobs' scheduler", exc_info=True)


# Workers keep the schedule armed: every task they start checks it, once per tick. Workers
# import this module (registrations' tasks import it) before they start a task.
task_started.connect(_arm_periodic_jobs, dispatch_uid="outreach-arm-periodic-jobs")
if find_spec("django_tasks") is not None:
    from django_tasks.signals import task_started as backport_task_started

    backport_task_started.connect(_arm_periodic_jobs, dispatch_uid="outreach-arm-periodic-jobs")

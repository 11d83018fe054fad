"""Background tasks: thin functions that take ids, fetch again, and call a service."""

import logging
from importlib.util import find_spec

from django.tasks import task
from django.tasks.signals import task_started

from events.models import Session
from registrations.messages import delivery
from registrations.models import Registration, ReminderRun, ZoomPull
from registrations.services import send_reminder_round
from registrations.surveys.services import send_reminders
from registrations.zoom import services as zoom_sync

logger = logging.getLogger(__name__)


@task
def send_message(message_id: int) -> str:
    """Send one message; safe to run twice (the second run finds it sent)."""
    return delivery.deliver_message(message_id)


@task
def recover_messages() -> int:
    """Queue again the messages a dead worker left; repeat while messages are on their way."""
    return len(delivery.run_recovery_round())


def _arm_recovery(sender, **kwargs) -> None:
    # The task being started must run even if its queue or cache cannot take a round just now.
    try:
        delivery.arm_recovery()
    except Exception:
        logger.warning("could not queue a message recovery round", exc_info=True)


# Only workers start tasks, so recovery is armed wherever messages are being sent and nowhere
# else. Workers import this module to run its tasks, which connects the receiver in time.
# django-tasks-rq signals through the django-tasks backport, which is installed with it.
task_started.connect(_arm_recovery, dispatch_uid="registrations-arm-recovery")
if find_spec("django_tasks") is not None:
    from django_tasks.signals import task_started as backport_task_started

    backport_task_started.connect(_arm_recovery, dispatch_uid="registrations-arm-recovery")


@task
def send_session_reminders(run_id: int) -> int:
    run = ReminderRun.objects.select_related("session").filter(pk=run_id).first()
    if run is None:
        return 0
    return send_reminder_round(run)


@task
def send_survey_reminders(session_id: int) -> int:
    session = Session.objects.filter(pk=session_id).first()
    return send_reminders(session) if session else 0


@task
def pull_zoom_attendance(pull_id: int) -> bool:
    """Pull a session's attendance from Zoom for the ZoomPull asked; True when it succeeded."""
    pull = ZoomPull.objects.select_related("session", "requested_by").filter(pk=pull_id).first()
    return not zoom_sync.run_attendance_pull(pull).failure if pull else False


@task
def sync_zoom_webinar(session_id: int) -> bool:
    """Create, update or delete a session's Zoom webinar; True when Zoom did it."""
    session = Session.objects.filter(pk=session_id).first()
    return zoom_sync.run_webinar_sync(session).state == "done" if session else False


@task
def sync_zoom_registrant(registration_id: int) -> bool:
    """Add or cancel a registration's Zoom registrant; True when Zoom did it (or nothing was
    to be done yet)."""
    registration = Registration.objects.filter(pk=registration_id).first()
    if registration is None:
        return False
    sync = zoom_sync.run_registrant_sync(registration)
    return sync is None or sync.state == "done"

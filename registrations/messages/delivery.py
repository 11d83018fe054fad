"""Sending a queued message once: claim it, check it is still wanted, send, record.

What is promised
----------------
A message is claimed before it is sent: one UPDATE moves it from pending (or failed) to sending
and counts the attempt, so two workers running its task at the same moment never both send it.
Once the mail server has accepted it, one more UPDATE marks it sent. No transaction is held open
while the mail server is talked to: it would pin a row lock for seconds (on SQLite, the whole
database) and a database blink would undo a send that already happened.

A worker that dies mid-send (killed, out of memory, machine lost) leaves its message "sending",
and its task is never run again (django-tasks-db leaves the task RUNNING; RQ moves the job to its
failed registry). A claim older than OUTREACH_MESSAGE_LEASE_SECONDS is therefore taken as
abandoned: `resend_abandoned_messages`, which a worker runs every
OUTREACH_RECOVERY_INTERVAL_SECONDS while messages are on their way, queues it again. A message
whose task was lost before it was ever tried (a queue that lost its data) is queued again after
LOST_TASK_AFTER. So no message is lost.

Exactly once holds except in one window, which no sender can close at the SMTP boundary: the mail
server has accepted the message, then the worker dies (or loses the database) before "sent" is
committed. That message goes out again once its lease ends: at least once, never lost. The window
is kept to the single UPDATE that follows the send, retried briefly if the database blinks. The
lease must stay well above the mail server's timeout (settings check it), or a send that is
merely slow would be taken for an abandoned one and go out twice.
"""

import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from events.models import SessionStatus
from outreach.tasks import WorkerFlag, enqueue_on_commit
from registrations.messages.emails import (
    FOLLOW_UPS,
    NON_ESSENTIAL,
    OUTCOME_SURVEYS,
    build_email,
    latest_invitation,
)
from registrations.models import (
    Message,
    MessageKind,
    MessageStatus,
    Registration,
    RegistrationStatus,
    SurveyPurpose,
)
from registrations.services import SEND_MESSAGE

logger = logging.getLogger(__name__)

# A message due this long ago and never tried has lost its task (a queue that lost its data, or a
# worker that died between taking the task and claiming the message): it is queued again. Long,
# because a message merely waiting behind a big batch would get a second (harmless) task.
LOST_TASK_AFTER = timedelta(hours=1)
# Waits before the last tries at recording "sent" when the database does not answer.
RECORD_SENT_PAUSES = (0.5, 2.0)
# Raised while a recovery round is queued, so that workers queue one round between them.
RECOVERY_ARMED = WorkerFlag("message-recovery-armed")
# The recovery round's task, by the dotted path the queue stores (sending's is SEND_MESSAGE):
# registrations/tasks.py (the top of the app) imports this module to run them, so this module
# does not import it back.
RECOVER_MESSAGES = "registrations.tasks.recover_messages"
ABANDONED_ERROR = "WorkerLost: the worker sending it stopped before the mail server answered"


def message_lease() -> timedelta:
    return timedelta(seconds=settings.OUTREACH_MESSAGE_LEASE_SECONDS)


def retry_delay(attempts: int) -> timedelta:
    """How long a failed message waits before its next try: longer after each failure."""
    return timedelta(minutes=2**attempts)


def _claim(message_id: int) -> bool:
    """Mark the message as being sent, unless it is sent, skipped or being sent elsewhere.

    A claim older than the lease belongs to a worker that died: it may be taken over, as long
    as attempts remain (a message that kills every worker trying it must not loop forever).
    """
    now = timezone.now()
    claimable = Message.objects.filter(
        pk=message_id, status__in=[MessageStatus.PENDING, MessageStatus.FAILED]
    )
    if claimable.update(
        status=MessageStatus.SENDING, attempts=F("attempts") + 1, last_attempt_at=now
    ):
        return True
    abandoned = Message.objects.filter(
        pk=message_id,
        status=MessageStatus.SENDING,
        last_attempt_at__lt=now - message_lease(),
        attempts__lt=settings.OUTREACH_MESSAGE_ATTEMPTS,
    )
    return bool(abandoned.update(attempts=F("attempts") + 1, last_attempt_at=now))


def invitation_is_open(registration: Registration, purpose: str) -> bool:
    """Whether the registration's latest survey link of this purpose may still be answered."""
    invitation = latest_invitation(registration, purpose)
    return bool(invitation and invitation.used_at is None and invitation.closes_at > timezone.now())


def still_wanted(message: Message) -> bool:
    """A message whose moment has passed (a reminder for an old time, a notice for a person
    who has since cancelled, a seat offered once the session has started) is not sent, nor
    any message to a registration anonymised since it was queued (erased or past retention),
    nor a non-essential one (follow-ups, surveys, messages to a group) to a person who has
    opted out of them since."""
    registration = message.registration
    session = registration.session
    if registration.person_id is None:
        return False
    if message.kind in NON_ESSENTIAL and registration.person.opted_out_at is not None:
        return False
    if message.kind == MessageKind.PROMOTED and session.starts_at <= timezone.now():
        return False
    if message.kind in {MessageKind.SESSION_CANCELLED, MessageKind.REGISTRATION_CANCELLED}:
        return True
    # A course's messages speak of the enrolment, whatever became of their first session.
    if message.kind == MessageKind.ENROLMENT_CANCELLED:
        return True
    if message.kind in {MessageKind.ENROLLED, MessageKind.ENROLMENT_WAITLISTED}:
        enrolment = registration.enrolment
        wanted = (
            RegistrationStatus.CONFIRMED
            if message.kind == MessageKind.ENROLLED
            else RegistrationStatus.WAITLISTED
        )
        return enrolment is not None and enrolment.status == wanted
    if message.kind == MessageKind.WAITLISTED:
        return registration.status == RegistrationStatus.WAITLISTED
    if message.kind in {MessageKind.SURVEY, MessageKind.SURVEY_REMINDER}:
        return invitation_is_open(registration, SurveyPurpose.AFTER_SESSION)
    if message.kind in OUTCOME_SURVEYS:
        # Months after the session: its registration is the organisation's anchor, whatever
        # became of the session since.
        return invitation_is_open(registration, SurveyPurpose.OUTCOME)
    if message.kind == MessageKind.BULK:
        # Chosen by its segment (registered, attended, no-show or waitlisted) when sent.
        return registration.status != RegistrationStatus.CANCELLED
    if registration.status != RegistrationStatus.CONFIRMED:
        return False
    if session.status == SessionStatus.CANCELLED:
        return False
    if message.kind in FOLLOW_UPS:
        return session.follow_ups_enabled
    if message.kind in {MessageKind.REMINDER, MessageKind.RESCHEDULED, MessageKind.UPDATED}:
        return message.session_sequence == session.sequence
    return True


def _record_sent(message_id: int) -> None:
    """Mark the message sent right after the mail server took it.

    Until this commits, a worker's death would send the message a second time; a database that
    blinks (a restart, a failover) is given a few seconds before the claim is left to its lease.
    """
    for pause in (*RECORD_SENT_PAUSES, None):
        try:
            Message.objects.filter(pk=message_id).update(
                status=MessageStatus.SENT, sent_at=timezone.now(), last_error=""
            )
            return
        except DatabaseError:
            if pause is None or connection.in_atomic_block:
                raise
            connection.close()
            time.sleep(pause)


def deliver_message(message_id: int) -> str:
    """Send the message with this id once; on failure record why and try again later.

    Returns the status it ends in. The join link is never logged.
    """
    if not _claim(message_id):
        return "not-claimed"
    message = Message.objects.select_related(
        "registration__session", "registration__person", "registration__organisation"
    ).get(pk=message_id)
    if not still_wanted(message):
        Message.objects.filter(pk=message.pk).update(status=MessageStatus.SKIPPED)
        return MessageStatus.SKIPPED
    try:
        build_email(message).send()
    except Exception as error:
        failed = message.attempts >= settings.OUTREACH_MESSAGE_ATTEMPTS
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.FAILED, last_error=f"{type(error).__name__}: {error}"[:2000]
        )
        logger.warning("message %s (%s) failed: %s", message.pk, message.kind, type(error).__name__)
        if not failed:
            run_after = timezone.now() + retry_delay(message.attempts)
            enqueue_on_commit(import_string(SEND_MESSAGE), message.pk, run_after=run_after)
        return MessageStatus.FAILED
    _record_sent(message.pk)
    return MessageStatus.SENT


# --- Recovering from workers that died -------------------------------------------------------


def _overdue_retries(now: datetime) -> list[int]:
    """Failed messages with attempts left whose retry should have run long ago."""
    candidates = Message.objects.filter(
        status=MessageStatus.FAILED,
        attempts__lt=settings.OUTREACH_MESSAGE_ATTEMPTS,
        last_attempt_at__lt=now - retry_delay(0) - LOST_TASK_AFTER,
    ).values_list("pk", "attempts", "last_attempt_at")
    return [
        pk
        for pk, attempts, last_attempt_at in candidates
        if last_attempt_at + retry_delay(attempts) + LOST_TASK_AFTER < now
    ]


def resend_abandoned_messages(*, now: datetime | None = None) -> list[int]:
    """Queue again every message that a dead worker or a lost task left unsent.

    Abandoned claims past their last attempt are recorded as failed instead. Safe to run at any
    time and in many workers at once: a message queued twice is still claimed once.
    Returns the ids queued.
    """
    now = now or timezone.now()
    abandoned = Message.objects.filter(
        status=MessageStatus.SENDING, last_attempt_at__lt=now - message_lease()
    )
    abandoned.filter(attempts__gte=settings.OUTREACH_MESSAGE_ATTEMPTS).update(
        status=MessageStatus.FAILED, last_error=ABANDONED_ERROR
    )
    never_tried = Message.objects.filter(
        status=MessageStatus.PENDING, due_at__lt=now - LOST_TASK_AFTER
    )
    ids = sorted(
        {
            *abandoned.values_list("pk", flat=True),
            *never_tried.values_list("pk", flat=True),
            *_overdue_retries(now),
        }
    )
    send_message = import_string(SEND_MESSAGE)
    for message_id in ids:
        enqueue_on_commit(send_message, message_id)
    if ids:
        logger.warning("queued %s message(s) again after a worker or a task was lost", len(ids))
    return ids


def messages_on_their_way(*, now: datetime | None = None) -> bool:
    """Is any message due and not finished (pending, being sent, or failed with tries left)?"""
    now = now or timezone.now()
    return Message.objects.filter(
        Q(status=MessageStatus.SENDING)
        | Q(status=MessageStatus.PENDING, due_at__lte=now)
        | Q(status=MessageStatus.FAILED, attempts__lt=settings.OUTREACH_MESSAGE_ATTEMPTS)
    ).exists()


def _recovery_interval() -> timedelta:
    return timedelta(seconds=settings.OUTREACH_RECOVERY_INTERVAL_SECONDS)


def arm_recovery() -> bool:
    """Make sure a recovery round is queued; workers call this as they start each task.

    The flag keeps this to one round at a time; it lowers itself if the round's worker died, so
    that the next task arms another. Returns whether a round was queued now.
    """
    interval = _recovery_interval()
    if not RECOVERY_ARMED.raise_if_lowered(2 * interval.total_seconds()):
        return False
    import_string(RECOVER_MESSAGES).using(run_after=timezone.now() + interval).enqueue()
    return True


def run_recovery_round(*, now: datetime | None = None) -> list[int]:
    """One recovery round: queue abandoned messages again, then queue the next round while any
    message is on its way (a worker may still die with it), or stand down until a worker arms
    recovery again."""
    now = now or timezone.now()
    queued = resend_abandoned_messages(now=now)
    interval = _recovery_interval()
    if queued or messages_on_their_way(now=now):
        RECOVERY_ARMED.keep_raised(2 * interval.total_seconds())
        import_string(RECOVER_MESSAGES).using(run_after=now + interval).enqueue()
    else:
        RECOVERY_ARMED.lower()
    return queued

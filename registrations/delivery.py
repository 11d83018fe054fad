"""Sending a queued message once: claim it, check it is still wanted, send, record."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from events.models import SessionStatus
from outreach.tasks import enqueue_on_commit
from registrations.emails import build_email
from registrations.models import Message, MessageKind, MessageStatus, RegistrationStatus

logger = logging.getLogger(__name__)

# A message claimed longer ago than this by a worker that died may be claimed again.
STALE_CLAIM = timedelta(minutes=15)


def _claim(message_id: int) -> bool:
    """Mark the message as being sent, unless it is sent, skipped or being sent elsewhere."""
    now = timezone.now()
    claimable = Message.objects.filter(
        pk=message_id, status__in=[MessageStatus.PENDING, MessageStatus.FAILED]
    )
    if claimable.update(
        status=MessageStatus.SENDING, attempts=F("attempts") + 1, last_attempt_at=now
    ):
        return True
    abandoned = Message.objects.filter(
        pk=message_id, status=MessageStatus.SENDING, last_attempt_at__lt=now - STALE_CLAIM
    )
    return bool(abandoned.update(attempts=F("attempts") + 1, last_attempt_at=now))


def still_wanted(message: Message) -> bool:
    """A message whose moment has passed (a reminder for an old time, a notice for a person
    who has since cancelled) is not sent."""
    registration = message.registration
    session = registration.session
    if message.kind in {MessageKind.SESSION_CANCELLED, MessageKind.REGISTRATION_CANCELLED}:
        return True
    if message.kind == MessageKind.WAITLISTED:
        return registration.status == RegistrationStatus.WAITLISTED
    if message.kind in {MessageKind.SURVEY, MessageKind.SURVEY_REMINDER}:
        from registrations.surveys import invitation_is_open

        return invitation_is_open(registration)
    if registration.status != RegistrationStatus.CONFIRMED:
        return False
    if session.status == SessionStatus.CANCELLED:
        return False
    if message.kind in {MessageKind.REMINDER, MessageKind.RESCHEDULED}:
        return message.session_sequence == session.sequence
    return True


def deliver_message(message_id: int) -> str:
    """Send the message with this id once; on failure record why and try again later.

    Returns the status it ends in. The join link is never logged.
    """
    from registrations.tasks import send_message

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
            delay = timedelta(minutes=2**message.attempts)
            enqueue_on_commit(send_message, message.pk, run_after=timezone.now() + delay)
        return MessageStatus.FAILED
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return MessageStatus.SENT

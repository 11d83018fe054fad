"""Recovering messages that a dead worker or a lost task left unsent (the rules, run directly;
tests/operations/test_resilience.py kills a real worker)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.tasks import default_task_backend
from django.tasks.signals import task_started
from django.utils import timezone

from registrations.messages import delivery
from registrations.models import Message, MessageStatus
from registrations.tasks import send_message
from tests.factories import MessageFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture(autouse=True)
def _recovery_settings(settings):
    settings.OUTREACH_MESSAGE_LEASE_SECONDS = 600
    settings.OUTREACH_RECOVERY_INTERVAL_SECONDS = 120
    settings.OUTREACH_MESSAGE_ATTEMPTS = 5
    default_task_backend.clear()
    delivery.RECOVERY_ARMED.lower()


def a_message(status=MessageStatus.PENDING, *, attempts=0, claimed=None, due=NOW) -> Message:
    return MessageFactory(status=status, attempts=attempts, last_attempt_at=claimed, due_at=due)


def queued() -> list[tuple[str, list]]:
    return [(r.task.name, r.args) for r in default_task_backend.results]


def test_a_claim_older_than_the_lease_is_queued_again_and_a_fresh_one_is_left_alone(
    django_capture_on_commit_callbacks,
):
    abandoned = a_message(MessageStatus.SENDING, attempts=1, claimed=NOW - timedelta(minutes=11))
    a_message(MessageStatus.SENDING, attempts=1, claimed=NOW - timedelta(minutes=9))

    with django_capture_on_commit_callbacks(execute=True):
        ids = delivery.resend_abandoned_messages(now=NOW)

    assert ids == [abandoned.pk]
    assert queued() == [("send_message", [abandoned.pk])]


def test_an_abandoned_message_is_sent_by_its_new_task_and_counts_the_attempt():
    message = a_message(
        MessageStatus.SENDING, attempts=1, claimed=timezone.now() - timedelta(hours=1)
    )

    outcome = send_message.call(message.pk)

    message.refresh_from_db()
    assert outcome == MessageStatus.SENT
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)
    assert len(mail.outbox) == 1


def test_a_message_being_sent_now_is_not_taken_over():
    message = a_message(MessageStatus.SENDING, attempts=1, claimed=timezone.now())

    outcome = send_message.call(message.pk)

    assert outcome == "not-claimed"
    assert mail.outbox == []


def test_a_message_abandoned_on_its_last_attempt_is_recorded_failed_not_sent_again():
    message = a_message(MessageStatus.SENDING, attempts=5, claimed=NOW - timedelta(hours=1))

    ids = delivery.resend_abandoned_messages(now=NOW)

    message.refresh_from_db()
    assert ids == []
    assert (message.status, message.last_error) == (MessageStatus.FAILED, delivery.ABANDONED_ERROR)


def test_a_message_never_tried_an_hour_after_it_was_due_is_queued_again():
    lost = a_message(due=NOW - timedelta(minutes=61))
    a_message(due=NOW - timedelta(minutes=59))
    a_message(due=NOW + timedelta(days=1))

    assert delivery.resend_abandoned_messages(now=NOW) == [lost.pk]


def test_a_failed_message_whose_retry_never_ran_is_queued_again():
    # The second attempt failed: its retry was due four minutes later.
    overdue = a_message(MessageStatus.FAILED, attempts=2, claimed=NOW - timedelta(minutes=65))
    a_message(MessageStatus.FAILED, attempts=2, claimed=NOW - timedelta(minutes=63))
    a_message(MessageStatus.FAILED, attempts=5, claimed=NOW - timedelta(days=1))

    assert delivery.resend_abandoned_messages(now=NOW) == [overdue.pk]


def test_sent_and_skipped_messages_are_never_queued_again():
    a_message(MessageStatus.SENT, attempts=1, claimed=NOW - timedelta(days=1))
    a_message(MessageStatus.SKIPPED, attempts=1, claimed=NOW - timedelta(days=1))

    assert delivery.resend_abandoned_messages(now=NOW) == []
    assert delivery.messages_on_their_way(now=NOW) is False


def test_a_round_queues_the_next_while_messages_are_on_their_way():
    a_message(MessageStatus.SENDING, attempts=1, claimed=NOW)

    delivery.run_recovery_round(now=NOW)

    (round_,) = default_task_backend.results
    assert (round_.task.name, round_.task.run_after) == (
        "recover_messages",
        NOW + timedelta(seconds=120),
    )


def test_a_round_stands_down_when_nothing_is_on_its_way_and_the_next_task_arms_it_again():
    a_message(MessageStatus.SENT, attempts=1, claimed=NOW)
    delivery.arm_recovery()
    default_task_backend.clear()

    delivery.run_recovery_round(now=NOW)
    stood_down = queued()
    armed = delivery.arm_recovery()

    assert stood_down == []
    assert armed is True
    assert queued() == [("recover_messages", [])]


def test_workers_starting_many_tasks_queue_one_recovery_round():
    message = a_message()
    result = send_message.enqueue(message.pk)
    default_task_backend.clear()

    for _ in range(3):
        task_started.send(sender=type(default_task_backend), task_result=result)

    # Starting a task also arms the periodic jobs' scheduler (tests/outreach/test_periodic.py).
    assert [task for task in queued() if task[0] != "run_periodic_jobs"] == [
        ("recover_messages", [])
    ]

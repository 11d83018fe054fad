"""Background work scales by settings alone: many `db_worker` processes share the PostgreSQL
queue, and RQ workers share a Redis one; every message is sent exactly once while they race."""

from collections import Counter

import pytest
from django.db import transaction

from outreach.tasks import enqueue_on_commit
from registrations import services
from registrations.models import Message, MessageKind, MessageStatus
from registrations.tasks import send_message
from tests.factories import RegistrationFactory, SessionFactory
from tests.operations import mailbox as outbox
from tests.operations.processes import (
    database_url,
    environment,
    manage,
    needs_postgresql,
    redis_url,
    wait_until,
)

pytestmark = [
    pytest.mark.slow_processes,
    pytest.mark.django_db(transaction=True),
    needs_postgresql(),
]


def queue_confirmations(count: int, *, twice: bool = False) -> list[Message]:
    """`count` confirmations queued in one transaction, as a busy registration day would;
    with `twice`, every message also gets a second task, as a retry racing its original would."""
    session = SessionFactory(capacity=count)
    registrations = RegistrationFactory.create_batch(count, session=session)
    with transaction.atomic():
        messages = [services.queue_message(r, MessageKind.CONFIRMATION) for r in registrations]
        if twice:
            for message in messages:
                enqueue_on_commit(send_message, message.pk)
    return messages


def all_sent(count: int):
    return lambda: Message.objects.filter(status=MessageStatus.SENT).count() == count


def assert_each_sent_once(messages: list[Message], mailbox) -> None:
    recipients = Counter(recipient for recipient, _pid, _parent in outbox.sent(mailbox))
    expected = {m.registration.person.email: 1 for m in messages}
    assert dict(recipients) == expected
    assert sorted(Message.objects.values_list("status", "attempts")) == [
        (MessageStatus.SENT, 1)
    ] * len(messages)


def test_three_db_workers_share_the_queue_and_send_each_message_once(
    settings, logs, mailbox, started
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    env = environment(
        DATABASE_URL=database_url(),
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        OUTREACH_TEST_MAILBOX=str(mailbox),
        OUTREACH_TEST_MAIL_DELAY="0.03",
    )
    workers = [
        manage(
            f"db_worker-{n}",
            *("db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1"),
            *("--worker-id", f"worker-{n}"),
            env=env,
            logs=logs,
        )
        for n in (1, 2, 3)
    ]
    started.extend(workers)
    for worker in workers:
        wait_until(
            lambda w=worker: "Starting worker" in w.output(),
            timeout=30,
            what=f"{worker.name} started",
            processes=(worker,),
        )

    messages = queue_confirmations(60, twice=True)

    wait_until(all_sent(60), timeout=40, what="60 messages sent", processes=tuple(workers))
    from django_tasks_db.models import DBTaskResult

    sends = DBTaskResult.objects.filter(task_path="registrations.tasks.send_message")
    wait_until(
        lambda: not sends.exclude(status="SUCCESSFUL").exists(),
        timeout=10,
        what="120 send tasks finished",
        processes=tuple(workers),
    )

    assert_each_sent_once(messages, mailbox)
    # Each task was taken by one worker, and all three took some: they shared the queue.
    assert Counter(len(ids) for ids in sends.values_list("worker_ids", flat=True)) == {1: 120}
    assert {ids[0] for ids in sends.values_list("worker_ids", flat=True)} == {
        "worker-1",
        "worker-2",
        "worker-3",
    }
    # The second task of each message found it sent or being sent, and sent nothing.
    assert Counter(sends.values_list("return_value", flat=True)) == {
        "sent": 60,
        "not-claimed": 60,
    }


def test_rq_workers_on_redis_send_each_message_once(
    settings, logs, mailbox, started, redis_database
):
    pytest.importorskip("django_tasks_rq", reason="the Redis queue needs the rq extra")
    from rq import Worker

    url = redis_url(redis_database)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": url}}
    settings.RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
    env = environment(
        DATABASE_URL=database_url(),
        TASKS_BACKEND="django_tasks_rq.RQBackend",
        TASKS_REDIS_URL=url,
        OUTREACH_TEST_MAILBOX=str(mailbox),
        OUTREACH_TEST_MAIL_DELAY="0.03",
    )
    workers = [
        manage(
            f"rqworker-{n}",
            *("rqworker", "--with-scheduler", "--name", f"rq-{n}", "default"),
            env=env,
            logs=logs,
        )
        for n in (1, 2)
    ]
    started.extend(workers)
    wait_until(
        lambda: Worker.count(connection=redis_database) == 2,
        timeout=30,
        what="two RQ workers registered in Redis",
        processes=tuple(workers),
    )

    messages = queue_confirmations(40, twice=True)

    wait_until(all_sent(40), timeout=40, what="40 messages sent", processes=tuple(workers))
    assert_each_sent_once(messages, mailbox)
    # RQ runs each job in a child of its worker: both workers sent some.
    senders = {parent for _recipient, _pid, parent in outbox.sent(mailbox)}
    assert senders == {worker.pid for worker in workers}

"""Resilience, with real processes: PostgreSQL going away under a serving gunicorn, and a worker
killed in the middle of a batch of emails."""

import re
import threading
import time
from collections import Counter

import pytest
import requests
from django.db import connection, transaction

from events.models import Session
from outreach.models import Organisation, User
from registrations import services
from registrations.models import Message, MessageKind, MessageStatus, Registration
from tests.factories import RegistrationFactory, SessionFactory
from tests.operations import mailbox as outbox
from tests.operations.processes import (
    GUNICORN,
    CuttableProxy,
    Process,
    database_url,
    environment,
    free_port,
    manage,
    needs_postgresql,
    wait_until,
)

pytestmark = [
    pytest.mark.slow_processes,
    pytest.mark.django_db(transaction=True),
    needs_postgresql(),
]


# --- PostgreSQL restarted while the app serves ------------------------------------------------


class Browser:
    """A visitor behind the HTTPS proxy: it sends what the proxy adds, and keeps its cookies by
    hand (they are Secure, and the test talks plain HTTP to gunicorn on loopback)."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}

    def _send(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {
            "X-Forwarded-Proto": "https",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        if method == "POST":
            headers |= {"Origin": self.origin, "Referer": self.origin + path}
        response = requests.request(
            method,
            self.base + path,
            headers=headers,
            allow_redirects=False,
            timeout=20,
            **kwargs,
        )
        self.cookies |= {cookie.name: cookie.value for cookie in response.cookies}
        return response

    def get(self, path: str) -> requests.Response:
        return self._send("GET", path)

    def post(self, path: str, data: dict) -> requests.Response:
        return self._send(
            "POST", path, data=data | {"csrfmiddlewaretoken": self.cookies["csrftoken"]}
        )


def form(email: str, organisation: str) -> dict:
    return {
        "full_name": "Lucía Pérez",
        "email": email,
        "economy": "CL",
        "organisation_name": organisation,
        "kind": "firm",
        "size_band": "micro",
        "sector": "food",
        "exporting_status": "ready",
        "time_zone": "America/Santiago",
        "consent": "on",
    }


def assert_unavailable_page(response: requests.Response) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "Back in a moment" in response.text
    assert "Traceback" not in response.text
    assert "OperationalError" not in response.text


def waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        # Within a transaction PostgreSQL keeps its first view of the activity: look afresh.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


@pytest.fixture
def proxy():
    config = connection.settings_dict
    proxy = CuttableProxy((config["HOST"] or "127.0.0.1", int(config["PORT"] or 5432)))
    yield proxy
    proxy.close()


@pytest.fixture
def server(proxy, logs, started):
    """gunicorn with the project's gunicorn.conf.py, two workers, persistent connections to
    PostgreSQL through the proxy."""
    port = free_port()
    env = environment(
        DATABASE_URL=database_url(port=proxy.port),
        CONN_MAX_AGE="60",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
    )
    gunicorn = Process(
        "gunicorn", [str(GUNICORN), "outreach.wsgi", "-c", "gunicorn.conf.py"], env, logs
    )
    started.append(gunicorn)
    browser = Browser(port)

    def answers():
        try:
            return browser.get("/health/").status_code == 200
        except requests.ConnectionError:
            return False

    wait_until(answers, timeout=30, what="gunicorn answering /health/", processes=(gunicorn,))
    return browser


def test_pages_answer_503_while_postgresql_is_down_and_work_again_after(proxy, server):
    session = SessionFactory(title_en="Exporting to the EU", capacity=50)
    catalogue, register = "/en/sessions/", f"/en/sessions/{session.pk}/register/"
    assert server.get(catalogue).status_code == 200
    assert "Exporting to the EU" in server.get(catalogue).text
    assert server.get(register).status_code == 200

    proxy.cut()
    during = [server.get(catalogue), server.post(register, form("ana@example.cl", "Andes Café"))]

    for response in during:
        assert_unavailable_page(response)
    assert not User.objects.filter(email="ana@example.cl").exists()

    proxy.restore()
    # Both gunicorn workers hold a connection that the outage broke: each must notice and
    # reconnect, so every request after the restart works.
    after = [server.get(catalogue) for _ in range(6)]
    registered = server.post(register, form("ana@example.cl", "Andes Café"))

    assert [r.status_code for r in after] == [200] * 6
    assert registered.status_code == 302
    assert registered.headers["Location"] == f"/en/sessions/{session.pk}/registered/"
    assert Registration.objects.filter(session=session, person__email="ana@example.cl").count() == 1
    assert Session.objects.get(pk=session.pk).confirmed_count == 1


def test_a_registration_cut_off_midway_by_the_outage_leaves_nothing_behind(proxy, server):
    session = SessionFactory(capacity=50)
    RegistrationFactory(session=session)
    Session.objects.filter(pk=session.pk).update(confirmed_count=1)
    register = f"/en/sessions/{session.pk}/register/"
    server.get(register)
    answers = []

    # The registration writes its organisation and person, then waits for the session's seats,
    # which this test holds: the database goes away while its transaction is half done.
    with transaction.atomic():
        Session.objects.select_for_update().get(pk=session.pk)
        posting = threading.Thread(
            target=lambda: answers.append(server.post(register, form("li@example.cn", "Li Tea")))
        )
        posting.start()
        wait_until(waiting_for_a_lock, timeout=10, what="the registration waiting for seats")
        proxy.cut()
        posting.join(timeout=20)
    proxy.restore()

    (answer,) = answers
    assert_unavailable_page(answer)
    assert not Organisation.objects.filter(name="Li Tea").exists()
    assert not User.objects.filter(email="li@example.cn").exists()
    assert Registration.objects.filter(session=session).count() == 1
    assert Session.objects.get(pk=session.pk).confirmed_count == 1


# --- A worker killed in the middle of a batch -------------------------------------------------


def test_a_worker_killed_mid_batch_loses_no_message_and_sends_none_twice(
    settings, logs, mailbox, started
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    session = SessionFactory(capacity=30)
    registrations = RegistrationFactory.create_batch(30, session=session)
    with transaction.atomic():
        for registration in registrations:
            services.queue_message(registration, MessageKind.CONFIRMATION)
    env = environment(
        DATABASE_URL=database_url(),
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        OUTREACH_TEST_MAILBOX=str(mailbox),
        # A slow mail server, and leases short enough for a test: a claim older than two
        # seconds is abandoned, and a worker looks for abandoned ones every second.
        OUTREACH_TEST_MAIL_DELAY="0.3",
        OUTREACH_MESSAGE_LEASE_SECONDS="2",
        OUTREACH_RECOVERY_INTERVAL_SECONDS="1",
    )
    worker_args = ("db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1")
    first = manage("db_worker-killed", *worker_args, env=env, logs=logs)
    started.append(first)

    def in_the_middle():
        """Eight emails accepted, and one begun moments ago: killed now, the worker dies while
        the mail server has not yet accepted it (the slow server takes 0.3 s)."""
        accepted = {recipient for recipient, _pid, _parent in outbox.sent(mailbox)}
        just_begun = {
            recipient
            for recipient, began in outbox.started(mailbox).items()
            if recipient not in accepted and time.time() - began < 0.1
        }
        return len(accepted) >= 8 and just_begun

    (being_sent,) = wait_until(
        in_the_middle,
        timeout=30,
        what="eight emails sent and one begun",
        processes=(first,),
        every=0.01,
    )
    first.kill()

    # The email on its way was never accepted; its message is left claimed, its task RUNNING.
    assert being_sent not in {recipient for recipient, _pid, _parent in outbox.sent(mailbox)}
    assert Message.objects.get(status=MessageStatus.SENDING).registration.person.email == (
        being_sent
    )
    from django_tasks_db.models import DBTaskResult

    stuck = DBTaskResult.objects.filter(status="RUNNING").values_list("task_path", flat=True)
    assert list(stuck) == ["registrations.tasks.send_message"]
    second = manage("db_worker-after", *worker_args, env=env, logs=logs)
    started.append(second)
    wait_until(
        lambda: Message.objects.filter(status=MessageStatus.SENT).count() == 30,
        timeout=40,
        what="all 30 messages sent",
        processes=(second,),
    )

    recipients = Counter(recipient for recipient, _pid, _parent in outbox.sent(mailbox))
    assert recipients == Counter(r.person.email for r in registrations)
    assert set(recipients.values()) == {1}
    attempts = dict(Message.objects.values_list("registration__person__email", "attempts"))
    assert attempts == {
        r.person.email: 2 if r.person.email == being_sent else 1 for r in registrations
    }
    senders = {pid for _recipient, pid, _parent in outbox.sent(mailbox)}
    assert senders == {first.pid, second.pid}
    assert re.search(r"queued 1 message\(s\) again", second.output())

"""`make bench` (reminders part): a round of reminders to BENCH_REMINDERS confirmed registrants
(10,000 by default), sent by the task workers to a local SMTP server, and how long it took.

On a database of its own (BENCH_REMINDERS_DATABASE_URL, default the bench database's name
followed by _reminders on the same server), created and migrated here and dropped at the end: the
workers run the periodic jobs too (retention, follow-ups), which must never touch the bench
database's programme. In it: one session starting an hour and a few seconds from now, its
registrants made in bulk (people in English, French and Spanish), and its reminder rounds
scheduled as the registration path schedules them (registrations.services.schedule_reminders):
the hour-before round falls due a few seconds later. Then BENCH_REMINDER_WORKERS workers
(`manage.py db_worker`, as in production) run its task (send_session_reminders: one message and
one task per registrant) and every message's task, sending by SMTP to an aiosmtpd server in this
process that counts what it is given. Appends the seconds until the last message arrived,
messages per second, and the CPU of the workers, PostgreSQL and this process (the SMTP server)
to bench/results.jsonl.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.parse

import common
import psycopg
from aiosmtpd.controller import Controller

REMINDERS = int(os.environ.get("BENCH_REMINDERS", "10000"))
WORKERS = int(os.environ.get("BENCH_REMINDER_WORKERS", "2"))
SMTP_PORT = int(os.environ.get("BENCH_SMTP_PORT", "8825"))
TIMEOUT = float(os.environ.get("BENCH_REMINDERS_TIMEOUT", "900"))
LEAD = 8  # seconds between scheduling the round and its falling due
_main = urllib.parse.urlsplit(common.DATABASE_URL)
DATABASE_URL = os.environ.get(
    "BENCH_REMINDERS_DATABASE_URL",
    _main._replace(path=_main.path.rstrip("/") + "_reminders").geturl(),
)
ENV = {
    **common.ENV,
    "DATABASE_URL": DATABASE_URL,
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "127.0.0.1",
    "EMAIL_PORT": str(SMTP_PORT),
    "EMAIL_USE_TLS": "false",
    "EMAIL_HOST_USER": "",
    "EMAIL_HOST_PASSWORD": "",
    "OUTREACH_REMINDER_MINUTES": "1440,60",
}

# The session, its registrants and its reminder rounds; prints when the due round may run.
PREPARE = """
from datetime import timedelta
from django.db import transaction
from django.utils import timezone
from events.models import Session
from outreach.models import Organisation, User
from registrations.models import Registration
from registrations.services import schedule_reminders

now = timezone.now()
start = now + timedelta(minutes=60, seconds={lead})
organisation = Organisation.objects.create(
    name="Bench reminders firm", economy_id="KE", kind="firm", size_band="micro"
)
session = Session.objects.create(
    title_en="Bench reminders", title_fr="Bench rappels", title_es="Bench recordatorios",
    language="en", starts_at=start, ends_at=start + timedelta(hours=1), time_zone="UTC",
    capacity={count}, confirmed_count={count}, status="published",
    join_url="https://meet.example.org/j/bench",
)
people = User.objects.bulk_create(
    [
        User(email=f"reminded-{{n}}@bench.example", full_name=f"Reminded {{n}}",
             language=("en", "fr", "es")[n % 3], time_zone="Africa/Nairobi",
             organisation=organisation)
        for n in range({count})
    ],
    batch_size=2000,
)
registrations = []
for person in people:
    registration = Registration(
        session=session, person=person, organisation=organisation, status="confirmed",
        confirmed_at=now, consent_version="2026-11", consented_at=now,
    )
    registration.record_organisation_facts()
    registrations.append(registration)
Registration.objects.bulk_create(registrations, batch_size=2000)
with transaction.atomic():
    runs = schedule_reminders(session)
due = min(run.starts_at - timedelta(minutes=run.minutes_before) for run in runs)
print(len(runs), due.timestamp())
"""


class Counter:
    """aiosmtpd's handler: accepts every message and counts them."""

    def __init__(self):
        self.messages = 0
        self.first_at: float | None = None

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages += 1
        if self.first_at is None:
            self.first_at = time.monotonic()
        return "250 Message accepted"


def _admin(sql: str) -> None:
    parts = urllib.parse.urlsplit(DATABASE_URL)
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as db:
        db.execute(sql)


def _database_name() -> str:
    return urllib.parse.urlsplit(DATABASE_URL).path.lstrip("/")


def create_database() -> None:
    name = _database_name()
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [common.PYTHON, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=common.ROOT,
        env=ENV,
        check=True,
    )


def prepare() -> float:
    """The session, registrants and rounds; returns when the round falls due (epoch seconds)."""
    script = PREPARE.format(count=REMINDERS, lead=LEAD)
    output = subprocess.run(
        [common.PYTHON, "manage.py", "shell", "-c", script],
        cwd=common.ROOT,
        env=ENV,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rounds, due = output.strip().splitlines()[-1].split()
    if rounds != "1":
        raise SystemExit(f"reminders: {rounds} reminder rounds scheduled, not the hour-before one")
    return float(due)


def start_workers() -> list[subprocess.Popen]:
    common.LOGS.mkdir(parents=True, exist_ok=True)
    workers = []
    for n in range(WORKERS):
        with (common.LOGS / f"worker-{n}.log").open("w") as log:
            workers.append(
                subprocess.Popen(
                    [
                        common.PYTHON,
                        "manage.py",
                        "db_worker",
                        "--no-reload",
                        "--no-startup-delay",
                        "--interval",
                        "0.2",
                    ],
                    cwd=common.ROOT,
                    env=ENV,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
    return workers


def stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def sent_in_database() -> dict:
    with psycopg.connect(DATABASE_URL) as db:
        rows = db.execute(
            "SELECT status, count(*) FROM registrations_message WHERE kind = 'reminder'"
            " GROUP BY status"
        ).fetchall()
    return dict(rows)


def main() -> None:
    print(f"reminders: {REMINDERS:,} registrants in their own database, then the round", flush=True)
    create_database()
    counter = Counter()
    sink = Controller(counter, hostname="127.0.0.1", port=SMTP_PORT)
    sink.start()
    workers = []
    try:
        due = prepare()
        time.sleep(max(due - time.time(), 0) + 0.5)
        before = common.machine_before("reminders")
        started = time.monotonic()
        workers = start_workers()
        with common.CpuMeter(*(worker.pid for worker in workers)) as cpu:
            while counter.messages < REMINDERS and time.monotonic() - started < TIMEOUT:
                if any(worker.poll() is not None for worker in workers):
                    raise SystemExit("reminders: a worker stopped (see var/bench/worker-*.log)")
                time.sleep(0.1)
            finished = time.monotonic()
    finally:
        stop(workers)
        sink.stop()
    statuses = sent_in_database()
    _admin(f'DROP DATABASE IF EXISTS "{_database_name()}" WITH (FORCE)')
    seconds = finished - started
    used = cpu.figures()
    used["share"]["smtp_server"] = used["share"].pop("generator", None)
    used["seconds"]["smtp_server"] = used["seconds"].pop("generator", None)
    figures = {
        "reminders": REMINDERS,
        "workers": WORKERS,
        **before,
        "received": counter.messages,
        "seconds": round(seconds, 1),
        "first_after_seconds": (
            round(counter.first_at - started, 1) if counter.first_at is not None else None
        ),
        "per_second": round(counter.messages / seconds, 1) if seconds else 0.0,
        "statuses": statuses,
        "cpu": used,
    }
    workers_cpu = used["seconds"].get("server")
    if workers_cpu is not None and counter.messages:
        figures["worker_cpu_ms_per_message"] = round(workers_cpu * 1000 / counter.messages, 2)
    common.record("reminders", figures)
    print(
        f"reminders: {counter.messages:,} of {REMINDERS:,} received in {seconds:.1f} s "
        f"({figures['per_second']}/s, the first after {figures['first_after_seconds']} s) "
        f"from {WORKERS} workers; {figures.get('worker_cpu_ms_per_message')} ms of worker CPU "
        "each",
        flush=True,
    )
    if counter.messages < REMINDERS:
        sys.exit(f"reminders: only {counter.messages} of {REMINDERS} arrived in {TIMEOUT:.0f} s")


if __name__ == "__main__":
    main()

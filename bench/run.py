"""`make bench` (registrations part): registrations through gunicorn on loopback, beside the same
work as raw SQL, and the 1,000-client race.

On the bench database (see bench/common.py), in one run:
- statements: one registration through Django's test client, in this process, with its SQL
  statements counted (and its time);
- one session: BENCH_REGISTRATION_CLIENTS clients (bench/load.py) register into one session for
  BENCH_REGISTRATION_SECONDS through the real form: each loads the form once (CSRF cookie and
  token), then posts registrations with new addresses. Rate, p50, p99, and gunicorn's CPU per
  registration;
- many sessions: the same, spread over BENCH_MANY_SESSIONS sessions;
- the race: BENCH_RACE_CLIENTS connections opened first, then all firing one registration at
  once for BENCH_RACE_SEATS seats; the status of each answer, p50, p99, and the confirmed and
  waitlisted counts in the database;
- the pair: the same registration as raw SQL (bench/registration.sql: claim and inserts in one
  statement), from BENCH_RAW_CLIENTS connections for BENCH_RAW_SECONDS, by pgbench when it is
  installed, else by psycopg. Its rate is the ideal: the goal is 0.35 of it or more.
Then checks that no session holds one seat too many and that every counter matches its rows,
appends the figures to bench/results.jsonl and removes its sessions and people again, so that
the other parts measure the same data on every run.
"""

import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common
import load

CLIENTS = int(os.environ.get("BENCH_REGISTRATION_CLIENTS", "16"))
SECONDS = float(os.environ.get("BENCH_REGISTRATION_SECONDS", "15"))
WARM_UP = float(os.environ.get("BENCH_REGISTRATION_WARM_UP", "2"))
ONE_SESSION_SEATS = int(os.environ.get("BENCH_ONE_SESSION_SEATS", "1000"))
MANY_SESSIONS = int(os.environ.get("BENCH_MANY_SESSIONS", "50"))
MANY_SECONDS = float(os.environ.get("BENCH_MANY_SESSIONS_SECONDS", "8"))
RACE_CLIENTS = int(os.environ.get("BENCH_RACE_CLIENTS", "1000"))
RACE_SEATS = int(os.environ.get("BENCH_RACE_SEATS", "50"))
RAW_CLIENTS = int(os.environ.get("BENCH_RAW_CLIENTS", str(CLIENTS)))
RAW_SECONDS = float(os.environ.get("BENCH_RAW_SECONDS", "10"))
RAW_SQL = Path(__file__).resolve().parent / "registration.sql"
PGBENCH = shutil.which("pgbench")  # PostgreSQL's own client, compiled: lighter than Python
# Every address this part registers starts so (the raw SQL's too): they are removed afterwards.
PEOPLE = "bench-reg-"
TITLE = "Bench"  # this part's sessions' titles start so


def remove() -> None:
    """This part's sessions, their registrations and messages, its people, and the tasks queued."""
    from django_tasks_db.models import DBTaskResult

    from events.models import Session
    from outreach.models import User
    from registrations.models import Registration

    Registration.objects.filter(session__title_en__startswith=TITLE).delete()
    Session.objects.filter(title_en__startswith=TITLE).delete()
    User.objects.filter(email__startswith=PEOPLE).delete()
    DBTaskResult.objects.all().delete()


def make_sessions() -> dict:
    from datetime import timedelta

    from django.utils import timezone

    from events.models import Session

    start = timezone.now() + timedelta(days=10)

    def make(title: str, seats: int) -> int:
        return Session.objects.create(
            title_en=f"{TITLE} {title}",
            language="en",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            time_zone="UTC",
            capacity=seats,
            status="published",
            join_url="https://meet.example.org/j/bench",
        ).pk

    return {
        "statements": make("statements", 100),
        "one": make("one session", ONE_SESSION_SEATS),
        "many": [make(f"many {n}", 40) for n in range(MANY_SESSIONS)],
        "race": make("race", RACE_SEATS),
        "raw": make("raw SQL", ONE_SESSION_SEATS),
    }


def count_statements(session_pk: int, stamp: str) -> dict:
    """One registration through the whole stack in this process (Django's test client: the
    middleware, the form, the view and the services), with its SQL statements counted and
    written to var/bench/registration-statements.sql. A first one fills the caches a fresh
    process fills (and the session's reminder rounds)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    path = f"/en/sessions/{session_pk}/register/"
    # One client (one handler, its middleware made once, as in a gunicorn worker); each
    # registrant a new visitor, without the cookies of the one before.
    client = Client(HTTP_HOST="127.0.0.1", headers=common.HEADERS)
    for n in range(3):
        client.cookies.clear()
        fields = load.registration_fields(f"{PEOPLE}{stamp}-statements-{n}@example.org", n)
        started, cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as queries:
            status = client.post(path, fields).status_code
        cpu, wall = time.process_time() - cpu, time.perf_counter() - started
        if status != 302:
            raise SystemExit(f"registrations: the form answered {status}, not 302")
    common.LOGS.mkdir(parents=True, exist_ok=True)
    (common.LOGS / "registration-statements.sql").write_text(
        "".join(f"{query['sql']};\n" for query in queries.captured_queries)
    )
    transaction_control = {"BEGIN", "COMMIT"}
    return {
        "statements": sum(query["sql"] not in transaction_control for query in queries),
        "with_begin_and_commit": len(queries),
        "in_process_ms": round(wall * 1000, 1),
        "in_process_cpu_ms": round(cpu * 1000, 1),
    }


def register_for(server_pid: int, sessions: list[int], seconds: float, stamp: str) -> dict:
    """CLIENTS clients, each with the form loaded once (CSRF cookie and token), registering new
    people into `sessions` in turn for `seconds` after the warm-up; the figures, with the CPU
    used in the measured window and gunicorn's per registration answered in it."""
    window = load.Window(seconds, WARM_UP)

    async def run() -> common.CpuMeter:
        connections = [load.Connection() for _ in range(CLIENTS)]
        forms = await asyncio.gather(
            *(load.load_form(c, f"/en/sessions/{sessions[0]}/register/") for c in connections)
        )

        async def client(n: int, window: load.Window) -> None:
            headers = load.form_headers(forms[n])
            k = 0
            while window.is_open():
                session = sessions[(n + k * CLIENTS) % len(sessions)]
                email = f"{PEOPLE}{stamp}-{n}-{k}@example.org"
                body = load.registration_body(forms[n], email, n * 100_000 + k)
                path = f"/en/sessions/{session}/register/"
                await window.timed("register", connections[n].request("POST", path, headers, body))
                k += 1
            connections[n].close()

        cpu = common.CpuMeter(server_pid)
        await window.run(CLIENTS, client, meter=cpu)
        return cpu

    cpu = asyncio.run(run())
    figures = window.figures(ok=(302,))
    figures["cpu"] = cpu.figures()
    server = figures["cpu"]["seconds"].get("server")
    if server is not None and figures["requests"]:
        figures["server_cpu_ms_per_registration"] = round(server * 1000 / figures["requests"], 2)
    return figures


def race(server_pid: int, session_pk: int, stamp: str) -> dict:
    """RACE_CLIENTS connections opened first, then one registration written on each at once."""

    async def run() -> tuple[list[tuple[float, int | str]], float]:
        first = load.Connection()
        form = await load.load_form(first, f"/en/sessions/{session_pk}/register/")
        first.close()
        headers = load.form_headers(form)
        path = f"/en/sessions/{session_pk}/register/"
        connections = [load.Connection() for _ in range(RACE_CLIENTS)]
        await asyncio.gather(*(connection.open() for connection in connections))
        requests = [
            connection.encode(
                "POST",
                path,
                headers,
                load.registration_body(form, f"{PEOPLE}{stamp}-race-{n}@example.org", n),
            )
            for n, connection in enumerate(connections)
        ]
        window = load.Window(seconds=load.TIMEOUT)

        started = time.monotonic()
        await asyncio.gather(
            *(
                window.timed("race", connection.send_prepared(request))
                for connection, request in zip(connections, requests, strict=True)
            )
        )
        for connection in connections:
            connection.close()
        return [(a.latency, a.status) for a in window.answers], time.monotonic() - started

    with common.CpuMeter(server_pid) as cpu:
        results, seconds = asyncio.run(run())
    figures = common.burst_figures(results, seconds)
    figures["errors"] = sum(1 for _latency, status in results if status != 302)
    figures["cpu"] = cpu.figures()
    return figures


def raw_sql(session_pk: int) -> dict:
    """The pair: bench/registration.sql from RAW_CLIENTS connections for RAW_SECONDS."""
    with common.CpuMeter() as cpu:
        figures = _pgbench(session_pk) if PGBENCH else asyncio.run(_psycopg(session_pk))
    figures["cpu"] = cpu.figures()
    return figures


def _pgbench(session_pk: int) -> dict:
    with tempfile.TemporaryDirectory() as logs:
        result = subprocess.run(
            [
                PGBENCH,
                "--no-vacuum",
                "--protocol=prepared",
                f"--client={RAW_CLIENTS}",
                f"--jobs={min(RAW_CLIENTS, os.cpu_count() or 1)}",
                f"--time={max(int(RAW_SECONDS), 1)}",
                f"--file={RAW_SQL}",
                f"--define=session={session_pk}",
                "--log",
                f"--log-prefix={logs}/raw",
                common.DATABASE_URL,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise SystemExit(f"registrations: pgbench failed:\n{result.stderr[-2000:]}")
        latencies = [
            int(line.split()[2]) / 1e6
            for log in Path(logs).iterdir()
            for line in log.read_text().splitlines()
            if line.strip()
        ]
    seconds = float(re.search(r"^duration: (\d+) s", result.stdout, re.MULTILINE).group(1))
    figures = common.burst_figures([(latency, "ok") for latency in latencies], seconds)
    figures["client"] = "pgbench"
    figures["clients"] = RAW_CLIENTS
    return figures


async def _psycopg(session_pk: int) -> dict:
    """Without pgbench: the same statement from psycopg's asynchronous connections."""
    import random

    import psycopg

    text = "\n".join(
        line for line in RAW_SQL.read_text().splitlines() if not line.startswith(("--", "\\"))
    )
    sql = re.sub(r"(?<!:):(session|firm)\b", r"%(\1)s", text)
    window = load.Window(RAW_SECONDS)

    async def client(n: int, window: load.Window) -> None:
        draw = random.Random(n)  # noqa: S311 (firm names)
        async with await psycopg.AsyncConnection.connect(
            common.DATABASE_URL, autocommit=True
        ) as connection:
            while window.is_open():
                values = {"session": session_pk, "firm": draw.randrange(500)}
                began = time.monotonic()
                await connection.execute(sql, values, prepare=True)
                window.answers.append(load.Answer("raw", began, time.monotonic(), "ok"))

    await window.run(RAW_CLIENTS, client)
    figures = window.figures(ok=("ok",))
    figures["client"] = "psycopg"
    figures["clients"] = RAW_CLIENTS
    return figures


def check(sessions: dict) -> dict:
    """No session over its capacity, every counter equal to its confirmed rows; the race's
    confirmed and waitlisted counts."""
    from django.db.models import Count, F, Q

    from events.models import Session
    from registrations.models import Registration

    rows = Session.objects.filter(title_en__startswith=TITLE).annotate(
        confirmed=Count("registrations", filter=Q(registrations__status="confirmed")),
        total=Count("registrations"),
    )
    race_statuses = dict(
        Registration.objects.filter(session=sessions["race"])
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return {
        "overbooked_sessions": rows.filter(confirmed__gt=F("capacity")).count(),
        "counter_mismatches": rows.exclude(confirmed=F("confirmed_count")).count(),
        "registrations": sum(row.total for row in rows),
        "confirmed": sum(row.confirmed for row in rows),
        "seats": sum(row.capacity for row in rows),
        "race_confirmed": race_statuses.get("confirmed", 0),
        "race_waitlisted": race_statuses.get("waitlisted", 0),
    }


def main() -> None:
    common.prepare_database()
    common.setup_django()
    from django.db import connections

    remove()  # what an interrupted run left
    sessions = make_sessions()
    # People's addresses must be new on every run: registering again is not a new registration.
    stamp = time.strftime("%Y%m%d%H%M%S")
    statements = count_statements(sessions["statements"], stamp)
    connections.close_all()
    print("registrations: measuring", flush=True)
    before = common.machine_before("registrations")
    with common.serving("registrations") as server:
        single = register_for(server.pid, [sessions["one"]], SECONDS, stamp + "a")
        spread = register_for(server.pid, sessions["many"], MANY_SECONDS, stamp + "b")
        raced = race(server.pid, sessions["race"], stamp)
    raw = raw_sql(sessions["raw"])
    integrity = check(sessions)
    remove()
    ratio = single["per_second"] / raw["per_second"] if raw["per_second"] else None
    common.record(
        "registrations",
        {
            "gunicorn_workers": common.GUNICORN_WORKERS,
            "gunicorn_threads": common.GUNICORN_THREADS,
            "clients": CLIENTS,
            **before,
            "statements_per_registration": statements["statements"],
            "in_process": statements,
            "one_session": single,
            "many_sessions_count": MANY_SESSIONS,
            "many_sessions": spread,
            "race": {"clients": RACE_CLIENTS, "seats": RACE_SEATS, **raced},
            "raw_sql": raw,
            "registration_ratio": round(ratio, 3) if ratio is not None else None,
            "integrity": integrity,
        },
    )
    print(
        f"registrations: {single['per_second']}/s into one session (p50 {single['p50_ms']} ms, "
        f"p99 {single['p99_ms']} ms, {single.get('server_cpu_ms_per_registration')} ms of "
        f"gunicorn CPU and {statements['statements']} SQL statements each) against "
        f"{raw['per_second']}/s as raw SQL: {ratio and round(ratio, 3)}×; "
        f"{spread['per_second']}/s across {MANY_SESSIONS} sessions; "
        f"load generator {single['cpu']['share'].get('generator', 0):.0%} of the CPU, gunicorn "
        f"{single['cpu']['share'].get('server', 0):.0%}",
        flush=True,
    )
    print(
        f"registrations: race of {RACE_CLIENTS} for {RACE_SEATS} seats: {raced['statuses']}, "
        f"{integrity['race_confirmed']} confirmed, {integrity['race_waitlisted']} waitlisted, "
        f"p50 {raced['p50_ms']} ms, p99 {raced['p99_ms']} ms; "
        f"{integrity['overbooked_sessions']} overbooked, "
        f"{integrity['counter_mismatches']} counters off",
        flush=True,
    )
    failures = []
    if integrity["overbooked_sessions"] or integrity["counter_mismatches"]:
        failures.append("a session overbooked or a counter off")
    if (integrity["race_confirmed"], integrity["race_waitlisted"]) != (
        min(RACE_SEATS, RACE_CLIENTS),
        max(RACE_CLIENTS - RACE_SEATS, 0),
    ) or raced["errors"]:
        failures.append("the race did not end with every seat taken and everyone else waiting")
    if single["errors"] or spread["errors"]:
        failures.append(f"answers other than 302: {single['statuses']}, {spread['statuses']}")
    if failures:
        sys.exit("registrations: " + "; ".join(failures))


if __name__ == "__main__":
    main()

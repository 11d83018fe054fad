"""`make bench`: registrations per second against gunicorn on loopback with PostgreSQL.

Prepares a benchmark database (BENCH_DATABASE_URL, default outreach_bench on the local
PostgreSQL), starts gunicorn, fires concurrent registrations through the real form (CSRF and
all) from several client processes, then checks that no session holds one seat too many and
that every counter matches its rows. Prints a table and appends the figures to
bench/results.jsonl so that runs can be compared.
"""

import http.client
import json
import multiprocessing
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/outreach_bench"
)
PORT = int(os.environ.get("BENCH_PORT", "8765"))
WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS", "4"))
CLIENTS = int(os.environ.get("BENCH_CLIENT_PROCESSES", "2"))
THREADS = int(os.environ.get("BENCH_CLIENT_THREADS", "8"))
ONE_SESSION_REQUESTS = int(os.environ.get("BENCH_ONE_SESSION_REQUESTS", "3000"))
ONE_SESSION_SEATS = int(os.environ.get("BENCH_ONE_SESSION_SEATS", "1000"))
MANY_SESSIONS = int(os.environ.get("BENCH_MANY_SESSIONS", "50"))
MANY_SESSIONS_REQUESTS = int(os.environ.get("BENCH_MANY_SESSIONS_REQUESTS", "3000"))
RESULTS = ROOT / "bench" / "results.jsonl"

ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "outreach.settings",
    "DATABASE_URL": DATABASE_URL,
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "127.0.0.1",
    "SITE_URL": "https://127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_HSTS_SECONDS": "0",
    "LOG_LEVEL": "WARNING",
    # Every request comes from one address here: lift the per-network and per-address limits.
    "OUTREACH_REGISTER_LIMIT_PER_NETWORK": "1000000/m",
    "OUTREACH_REGISTER_LIMIT_PER_EMAIL": "1000000/m",
}


def manage(*args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=ENV,
        check=True,
        capture_output=capture,
        text=True,
    )
    return result.stdout if capture else ""


def ensure_database() -> None:
    import psycopg

    parts = urllib.parse.urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        exists = connection.execute(query, [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


PREPARE = """
from datetime import timedelta
from django.utils import timezone
from events.models import Session
from registrations.models import Registration, Message, ReminderRun
from django_tasks_db.models import DBTaskResult
Registration.objects.filter(session__title_en__startswith="Bench").delete()
Session.objects.filter(title_en__startswith="Bench").delete()
DBTaskResult.objects.all().delete()
start = timezone.now() + timedelta(days=10)
def make(title, seats):
    return Session.objects.create(title_en=title, language="en", starts_at=start,
        ends_at=start + timedelta(hours=1), time_zone="UTC", capacity=seats, status="published",
        join_url="https://meet.example.org/j/bench")
one = make("Bench one session", {seats})
many = [make(f"Bench many {{n}}", 40).pk for n in range({many})]
print(one.pk, ",".join(map(str, many)))
"""

CHECK = """
from django.db.models import Count, Q, F
from events.models import Session
rows = Session.objects.filter(title_en__startswith="Bench").annotate(
    confirmed=Count("registrations", filter=Q(registrations__status="confirmed")),
    total=Count("registrations"))
over = rows.filter(confirmed__gt=F("capacity")).count()
mismatch = rows.exclude(confirmed=F("confirmed_count")).count()
import json
print(json.dumps({"overbooked_sessions": over, "counter_mismatches": mismatch,
    "registrations": sum(r.total for r in rows), "confirmed": sum(r.confirmed for r in rows),
    "seats": sum(r.capacity for r in rows)}))
"""


def start_server() -> subprocess.Popen:
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "outreach.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(WORKERS),
            "--access-logfile",
            "/dev/null",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=ENV,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            connection.request("GET", "/en/", headers={"X-Forwarded-Proto": "https"})
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def csrf() -> tuple[str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    connection.request("GET", "/en/sessions/", headers={"X-Forwarded-Proto": "https"})
    response = connection.getresponse()
    body = response.read().decode()
    cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie", "")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    return cookie, token


def _worker(args) -> list[float]:
    jobs, cookie, token, run_id = args
    from concurrent.futures import ThreadPoolExecutor

    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={cookie}",
        "X-Forwarded-Proto": "https",
        "Referer": f"https://127.0.0.1:{PORT}/",
        "Connection": "close",
    }

    def one(job):
        session_pk, n = job
        body = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token,
                "full_name": f"Bench person {n}",
                "email": f"bench-{run_id}-{n}@example.org",
                "economy": "CL",
                "organisation_name": f"Bench firm {n % 500}",
                "kind": "firm",
                "size_band": "micro",
                "sector": "food",
                "exporting_status": "ready",
                "time_zone": "America/Santiago",
                "consent": "on",
            }
        )
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        connection.request("POST", f"/en/sessions/{session_pk}/register/", body, headers)
        status = connection.getresponse().status
        connection.close()
        return time.perf_counter() - started, status

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(one, jobs))


def fire(jobs: list[tuple[int, int]], run_id: str) -> dict:
    cookie, token = csrf()
    chunks = [jobs[i::CLIENTS] for i in range(CLIENTS)]
    started = time.perf_counter()
    with multiprocessing.Pool(CLIENTS) as pool:
        batches = pool.map(_worker, [(chunk, cookie, token, run_id) for chunk in chunks])
    results = [result for batch in batches for result in batch]
    elapsed = time.perf_counter() - started
    latencies = sorted(r[0] for r in results)
    statuses = {}
    for _latency, status in results:
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "requests": len(results),
        "seconds": round(elapsed, 2),
        "per_second": round(len(results) / elapsed, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
        "statuses": statuses,
    }


def main() -> None:
    ensure_database()
    manage("migrate", "--noinput", "-v0")
    manage("collectstatic", "--noinput", "-v0")
    script = PREPARE.format(seats=ONE_SESSION_SEATS, many=MANY_SESSIONS)
    prepared = manage("shell", "-c", script, capture=True)
    one, many = prepared.strip().splitlines()[-1].split()
    many = [int(pk) for pk in many.split(",")]
    server = start_server()
    run_id = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    try:
        single = fire([(int(one), n) for n in range(ONE_SESSION_REQUESTS)], run_id + "a")
        spread = fire(
            [(many[n % len(many)], n) for n in range(MANY_SESSIONS_REQUESTS)], run_id + "b"
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    check = json.loads(manage("shell", "-c", CHECK, capture=True).strip().splitlines()[-1])
    record = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores",
        "gunicorn_workers": WORKERS,
        "client_processes": CLIENTS,
        "client_threads": THREADS,
        "one_session": single,
        "many_sessions": spread,
        "integrity": check,
    }
    with RESULTS.open("a") as handle:
        handle.write(json.dumps(record) + "\n")
    print()
    print("| measure | requests | req/s | p50 ms | p99 ms | answers |")
    print("| --- | --- | --- | --- | --- | --- |")
    rows = [
        ("registrations into one session", single),
        (f"registrations across {MANY_SESSIONS} sessions", spread),
    ]
    for label, f in rows:
        print(
            f"| {label} | {f['requests']} | {f['per_second']} | {f['p50_ms']} | {f['p99_ms']} "
            f"| {f['statuses']} |"
        )
    print()
    print(
        f"overbooked sessions: {check['overbooked_sessions']}, "
        f"counters not matching rows: {check['counter_mismatches']}, "
        f"confirmed {check['confirmed']} of {check['seats']} seats, "
        f"{check['registrations']} registrations"
    )
    print(f"(kept in {RESULTS.relative_to(ROOT)})")
    if check["overbooked_sessions"] or check["counter_mismatches"]:
        raise SystemExit("integrity check failed")


if __name__ == "__main__":
    main()

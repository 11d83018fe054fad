"""`make bench` (registrations part): registrations per second through gunicorn on loopback.

On the bench database (see bench/common.py), fires concurrent registrations through the real
form (CSRF and all) from several client processes, into one session and across many, then
checks that no session holds one seat too many and that every counter matches its rows. Appends
the figures to bench/results.jsonl and removes its sessions again, so that the other parts
measure the same data on every run.
"""

import http.client
import json
import multiprocessing
import os
import re
import sys
import time
import urllib.parse

import common

PORT = common.PORT
CLIENTS = int(os.environ.get("BENCH_CLIENT_PROCESSES", "2"))
THREADS = int(os.environ.get("BENCH_CLIENT_THREADS", "8"))
ONE_SESSION_REQUESTS = int(os.environ.get("BENCH_ONE_SESSION_REQUESTS", "3000"))
ONE_SESSION_SEATS = int(os.environ.get("BENCH_ONE_SESSION_SEATS", "1000"))
MANY_SESSIONS = int(os.environ.get("BENCH_MANY_SESSIONS", "50"))
MANY_SESSIONS_REQUESTS = int(os.environ.get("BENCH_MANY_SESSIONS_REQUESTS", "3000"))

# Registrations of this part's sessions, the sessions, and the messages they queued.
REMOVE = """
from django_tasks_db.models import DBTaskResult
from events.models import Session
from registrations.models import Registration
Registration.objects.filter(session__title_en__startswith="Bench").delete()
Session.objects.filter(title_en__startswith="Bench").delete()
DBTaskResult.objects.all().delete()
"""

PREPARE = (
    REMOVE
    + """
from datetime import timedelta
from django.utils import timezone
start = timezone.now() + timedelta(days=10)
def make(title, seats):
    return Session.objects.create(title_en=title, language="en", starts_at=start,
        ends_at=start + timedelta(hours=1), time_zone="UTC", capacity=seats, status="published",
        join_url="https://meet.example.org/j/bench")
one = make("Bench one session", {seats})
many = [make(f"Bench many {{n}}", 40).pk for n in range({many})]
print(one.pk, ",".join(map(str, many)))
"""
)

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


def csrf() -> tuple[str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    connection.request("GET", "/en/sessions/", headers=common.HEADERS)
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
    return common.burst_figures(results, time.perf_counter() - started)


def main() -> None:
    common.prepare_database()
    script = PREPARE.format(seats=ONE_SESSION_SEATS, many=MANY_SESSIONS)
    prepared = common.manage("shell", "-c", script, capture=True)
    one, many = prepared.strip().splitlines()[-1].split()
    many = [int(pk) for pk in many.split(",")]
    # People's addresses must be new on every run: registering again is not a new registration.
    stamp = time.strftime("%Y%m%d%H%M%S")
    print("registrations: measuring", flush=True)
    busy = common.machine_busy()
    with common.serving("registrations"):
        single = fire([(int(one), n) for n in range(ONE_SESSION_REQUESTS)], stamp + "a")
        spread = fire(
            [(many[n % len(many)], n) for n in range(MANY_SESSIONS_REQUESTS)], stamp + "b"
        )
    check = json.loads(common.manage("shell", "-c", CHECK, capture=True).strip().splitlines()[-1])
    common.manage("shell", "-c", REMOVE, capture=True)
    common.record(
        "registrations",
        {
            "gunicorn_workers": common.GUNICORN_WORKERS,
            "gunicorn_threads": common.GUNICORN_THREADS,
            "client_processes": CLIENTS,
            "client_threads": THREADS,
            "machine_busy_before": busy,
            "one_session": single,
            "many_sessions_count": MANY_SESSIONS,
            "many_sessions": spread,
            "integrity": check,
        },
    )
    print(
        f"registrations: {single['per_second']}/s into one session, "
        f"{spread['per_second']}/s across {MANY_SESSIONS} sessions; "
        f"{check['overbooked_sessions']} overbooked, {check['counter_mismatches']} counters off; "
        f"confirmed {check['confirmed']} of {check['seats']} seats",
        flush=True,
    )
    if check["overbooked_sessions"] or check["counter_mismatches"]:
        sys.exit("registrations: integrity check failed")


if __name__ == "__main__":
    main()

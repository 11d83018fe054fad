"""The attendance page after a 100,000-row report: upload, preview and import through the
organiser's screens, then the page's time, weight and queries.

    BENCH_ATTENDANCE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/outreach_attendance_bench \
        .venv/bin/python bench/attendance.py [--rows 100000] [--registrations 2000] [--record]

The database is this bench's own: it is dropped, created and migrated on every run. A session
that ended has `--registrations` registrants; the Zoom report has `--rows` people who joined,
the first half of the registrants among them and everyone else unknown, so nearly every row
stays unmatched. Each request goes through Django's test client as an organiser (middleware,
view, template); the page is opened `--runs` times. The figures are printed, and with --record
appended to bench/results.jsonl as {"bench": "attendance", ...}.
"""

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/outreach_attendance_bench"
TITLE = "Attendance bench session"


def setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    # The test settings: no secret to provide, a cache in memory; DEBUG off as in production.
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    sys.path.insert(0, str(ROOT))
    name = database_url.rsplit("/", 1)[1]
    server = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def zoom_report(people: list[tuple[str, str]], start: datetime) -> bytes:
    """A Zoom webinar attendee report, as Zoom writes it, one row per person."""
    stamp = lambda moment: moment.strftime("%b %d, %Y %H:%M:%S")  # noqa: E731
    lines = [
        "Attendee Report",
        f'Report Generated:,"{stamp(start + timedelta(hours=3))}"',
        "Topic,Webinar ID,Actual Start Time,Actual Duration (minutes),# Registered",
        f'{TITLE},812 0000 1111,"{stamp(start)}",90,{len(people)}',
        "Attendee Details,",
        "Attended,User Name (Original Name),Email,Join Time,Leave Time,"
        "Time in Session (minutes),Is Guest,Country/Region Name",
    ]
    for index, (name, email) in enumerate(people):
        joined = start + timedelta(seconds=index % 600)
        left = joined + timedelta(minutes=30 + index % 60)
        minutes = (left - joined).seconds // 60
        lines.append(f'Yes,{name},{email},"{stamp(joined)}","{stamp(left)}",{minutes},No,Kenya')
    return ("\r\n".join(lines) + "\r\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--registrations", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--record", action="store_true", help="append to bench/results.jsonl")
    arguments = parser.parse_args()
    load_average = [round(value, 2) for value in os.getloadavg()]  # before the part's work
    setup(os.environ.get("BENCH_ATTENDANCE_DATABASE_URL", DEFAULT_DATABASE))

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from outreach.models import User
    from registrations.models import AttendanceRecord
    from tests.factories import (
        FirmFactory,
        OrganiserFactory,
        RegistrationFactory,
        SessionFactory,
    )

    start = datetime(2026, 11, 12, 9, 0, tzinfo=UTC)
    session = SessionFactory(
        title_en=TITLE,
        starts_at=start,
        ends_at=start + timedelta(minutes=90),
        time_zone="UTC",
        capacity=arguments.registrations + 10,
        status="finished",
    )

    organisation = FirmFactory(name="Bench firms")
    stamp = int(time.time())
    people = User.objects.bulk_create(
        User(
            email=f"registrant{stamp}-{index}@bench.example",
            full_name=f"Registrant {index}",
            organisation=organisation,
        )
        for index in range(arguments.registrations)
    )
    registrations = [
        RegistrationFactory(session=session, person=person, organisation=organisation)
        for person in people
    ]
    known = [(p.full_name, p.email) for p in people[: len(people) // 2]]
    unknown = [
        (f"Guest {index}", f"guest{index}@elsewhere.example")
        for index in range(arguments.rows - len(known))
    ]
    data = zoom_report(known + unknown, start)
    client = Client()
    client.force_login(OrganiserFactory())
    url = f"/en/manage/sessions/{session.pk}/attendance/"
    # Through the organiser's screens, as in a browser: upload and preview, then import.
    fields = {"platform": "zoom", "time_zone": "UTC", "date_order": "auto"}
    began = time.perf_counter()
    preview = client.post(
        url, {"step": "preview", "report": SimpleUploadedFile("bench.csv", data), **fields}
    )
    preview_seconds = time.perf_counter() - began
    began = time.perf_counter()
    imported = client.post(url, {"step": "import"})
    import_seconds = time.perf_counter() - began
    if (preview.status_code, imported.status_code) != (200, 302):
        raise SystemExit(f"Preview {preview.status_code}, import {imported.status_code}.")
    recorded = AttendanceRecord.objects.filter(session=session).count()
    timings, size, queries = [], 0, 0
    for _ in range(arguments.runs):
        began = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
            body = response.content
        timings.append(time.perf_counter() - began)
        size, queries = len(body), len(captured.captured_queries)
        if response.status_code != 200:
            raise SystemExit(f"The page answered {response.status_code}.")
    figures = {
        # `make bench` gives its parts one run id; run alone, this is a run of its own.
        "run": os.environ.get("BENCH_RUN_ID") or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "bench": "attendance",
        "load_average_before": load_average,
        "rows": arguments.rows,
        "registrations": len(registrations),
        "file_bytes": len(data),
        "preview_seconds": round(preview_seconds, 2),
        "preview_bytes": len(preview.content),
        "import_seconds": round(import_seconds, 2),
        "records": recorded,
        "page_seconds_best": round(min(timings), 3),
        "page_seconds_worst": round(max(timings), 3),
        "page_bytes": size,
        "page_queries": queries,
    }
    print(json.dumps(figures, indent=2))
    if arguments.record:
        with open(ROOT / "bench" / "results.jsonl", "a") as results:
            results.write(json.dumps(figures) + "\n")


if __name__ == "__main__":
    main()

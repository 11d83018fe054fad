"""`make bench` (impact part): dashboard figures, a breakdown by economy and a 1,000,000-row
CSV export on synthetic data at the programme's scale, on PostgreSQL.

Scale: 115,000 organisations, 200 economies, 2,000 sessions, 1,000,000 registrations (and
200,000 survey responses). The data is generated once into BENCH_DATABASE_URL's database with
COPY and kept: later runs reuse it. Prints a table and appends the figures to
bench/results.jsonl (bench/common.record, under `make bench`'s run id).
"""

import os
import random
import resource
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault(
    "DATABASE_URL",
    os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/outreach_bench"),
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outreach.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/5")  # production needs one; unused
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
os.environ.setdefault("LOG_LEVEL", "WARNING")

ORGANISATIONS = int(os.environ.get("BENCH_ORGANISATIONS", "115000"))
SESSIONS = int(os.environ.get("BENCH_SESSIONS", "2000"))
REGISTRATIONS = int(os.environ.get("BENCH_REGISTRATIONS", "1000000"))
PEOPLE = REGISTRATIONS // 5  # each person registers for about five sessions
RESPONSES = REGISTRATIONS // 5
MARK = "bench-impact"  # names of generated rows start with this, to find and reuse them


def generate() -> None:
    """Fill the database with the synthetic programme, unless it is there already."""
    from django.db import connection

    from events.models import Session
    from outreach.models import Economy

    if Session.objects.filter(title_en__startswith=MARK).count() >= SESSIONS:
        return
    started = time.perf_counter()
    pick = random.Random(42)  # noqa: S311 (synthetic data)
    economies = list(Economy.objects.order_by("code").values_list("code", flat=True))[:200]
    now = datetime.now(UTC)
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM outreach_organisation")
        org_base = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(max(id), 0) FROM outreach_user")
        person_base = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(max(id), 0) FROM events_session")
        session_base = cursor.fetchone()[0]
        raw = cursor.cursor
        kinds = ["firm"] * 8 + ["support", "government"]
        sizes = ["micro", "micro", "small", "medium", "large"]
        organisation_facts = {}  # id → (economy, kind, size band, women-led, youth-led)
        with raw.copy(
            "COPY outreach_organisation (id, name, kind, economy_id, website, sector, size_band,"
            " exporting_status, women_led, youth_led, created_at, embed_origins) FROM STDIN"
        ) as copy:
            for n in range(1, ORGANISATIONS + 1):
                kind = pick.choice(kinds)
                firm = kind == "firm"
                economy = economies[n % len(economies)]
                size = pick.choice(sizes) if firm else ""
                women_led = firm and pick.random() < 0.3
                youth_led = firm and pick.random() < 0.2
                organisation_facts[org_base + n] = (economy, kind, size, women_led, youth_led)
                copy.write_row(
                    (
                        org_base + n,
                        f"{MARK} organisation {n}",
                        kind,
                        economy,
                        "",
                        "food" if firm else "",
                        size,
                        "ready" if firm else "",
                        women_led,
                        youth_led,
                        now,
                        "[]",
                    )
                )
        with raw.copy(
            "COPY outreach_user (id, password, is_superuser, email, full_name, language,"
            " time_zone, organisation_id, role, cohost_role, gender, calendar_token, is_active,"
            " is_staff, date_joined) FROM STDIN"
        ) as copy:
            for n in range(1, PEOPLE + 1):
                copy.write_row(
                    (
                        person_base + n,
                        "!",
                        False,
                        f"{MARK}-{n}@example.org",
                        f"Person {n}",
                        pick.choice(["en", "fr", "es"]),
                        "UTC",
                        org_base + 1 + (n * 7919) % ORGANISATIONS,
                        "participant",
                        "",
                        "",
                        f"{MARK}-{n}",
                        True,
                        False,
                        now,
                    )
                )
        first_start = now - timedelta(days=2 * 365)
        with raw.copy(
            "COPY events_session (id, uid, title, title_en, summary, description, language,"
            " interpretation_languages, format, venue, starts_at, ends_at, time_zone, capacity,"
            " confirmed_count, join_url, recording_url, status, sequence, created_at, updated_at,"
            " attendance_threshold_minutes, follow_ups_enabled, materials_url, zoom_create,"
            " zoom_webinar_id) FROM STDIN"
        ) as copy:
            for n in range(1, SESSIONS + 1):
                start = first_start + timedelta(hours=7 * n)
                copy.write_row(
                    (
                        session_base + n,
                        f"00000000-0000-4000-8000-{n:012d}",
                        f"{MARK} {n}",
                        f"{MARK} {n}",
                        "",
                        "",
                        ["en", "fr", "es"][n % 3],
                        "[]",
                        "online",
                        "",
                        start,
                        start + timedelta(minutes=90),
                        "UTC",
                        10000,
                        0,
                        "",
                        "",
                        "finished",
                        0,
                        now,
                        now,
                        10,
                        False,
                        "",
                        False,
                        "",
                    )
                )
        with raw.copy(
            "COPY registrations_registration (session_id, person_id, organisation_id, status,"
            " source, shares_with_cohosts, job_title, attended, minutes_attended,"
            " consent_version, consented_at, token, revision, created_at, waitlisted_at,"
            " confirmed_at, cancelled_at, economy_id, organisation_kind, size_band, women_led,"
            " youth_led, anonymised_by, listening_language, zoom_join_url, zoom_registrant_id)"
            " FROM STDIN"
        ) as copy:
            for n in range(REGISTRATIONS):
                person = person_base + 1 + n % PEOPLE
                session = session_base + 1 + (n // PEOPLE * 397 + n * 13) % SESSIONS
                status = pick.choices(["confirmed", "waitlisted", "cancelled"], weights=[90, 4, 6])[
                    0
                ]
                attended = status == "confirmed" and pick.random() < 0.7
                organisation = org_base + 1 + ((person - person_base) * 7919) % ORGANISATIONS
                copy.write_row(
                    (
                        session,
                        person,
                        organisation,
                        status,
                        "direct",
                        False,
                        "",
                        attended if status == "confirmed" else None,
                        pick.randint(11, 90) if attended else 0,
                        "2026-11",
                        now,
                        f"{MARK}-{n}",
                        0,
                        now,
                        now if status == "waitlisted" else None,
                        now if status == "confirmed" else None,
                        now if status == "cancelled" else None,
                        *organisation_facts[organisation],
                        "",
                        "",
                        "",
                        "",
                    )
                )
        cursor.execute(
            "UPDATE events_session s SET confirmed_count = c.n FROM (SELECT session_id,"
            " count(*) n FROM registrations_registration WHERE status = 'confirmed' GROUP BY"
            " session_id) c WHERE c.session_id = s.id AND s.title_en LIKE %s",
            [f"{MARK}%"],
        )
        _responses(cursor, raw, pick, session_base)
    import common  # bench/common.py

    common.reset_sequences()  # COPY wrote ids of its own: the next id Django takes comes after
    print(f"generated the synthetic programme in {time.perf_counter() - started:.0f} s")


def _responses(cursor, raw, pick, session_base) -> None:
    cursor.execute("SELECT id FROM registrations_survey WHERE slug = 'impact'")
    survey = cursor.fetchone()[0]
    cursor.execute("SELECT code, id FROM registrations_question WHERE survey_id = %s", [survey])
    questions = dict(cursor.fetchall())
    cursor.execute("SELECT coalesce(max(id), 0) FROM registrations_surveyresponse")
    response_base = cursor.fetchone()[0]
    cursor.execute(
        "SELECT r.session_id, o.economy_id, o.kind, o.size_band, o.women_led, o.youth_led"
        " FROM registrations_registration r"
        " JOIN outreach_organisation o ON o.id = r.organisation_id WHERE r.attended AND"
        " r.token LIKE %s LIMIT %s",
        [f"{MARK}%", RESPONSES],
    )
    rows = cursor.fetchall()
    now = datetime.now(UTC)
    with raw.copy(
        "COPY registrations_surveyresponse (id, survey_id, session_id, economy_id,"
        " organisation_kind, size_band, women_led, youth_led, language, submitted_at) FROM STDIN"
    ) as copy:
        for n, (session, economy, kind, size, women, youth) in enumerate(rows, start=1):
            copy.write_row(
                (response_base + n, survey, session, economy, kind, size, women, youth, "en", now)
            )
    with raw.copy(
        "COPY registrations_answer (response_id, question_id, number, boolean, text) FROM STDIN"
    ) as copy:
        for n in range(1, len(rows) + 1):
            response = response_base + n
            copy.write_row((response, questions["satisfaction"], pick.randint(2, 5), None, ""))
            copy.write_row(
                (response, questions["simplifies_market_research"], None, pick.random() < 0.8, "")
            )
            copy.write_row(
                (response, questions["informs_export_decision"], None, pick.random() < 0.6, "")
            )
            copy.write_row((response, questions["recommend"], pick.randint(5, 10), None, ""))


def timed(function, repeat: int = 5) -> float:
    """The median of a few runs, in milliseconds (the database's own cache stays warm)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def export_memory() -> tuple[float, int, float]:
    """Stream every registration as CSV; return seconds, rows and the growth of peak RSS (MB)."""
    from impact.exports import registration_export_rows
    from impact.filters import ImpactFilters
    from impact.queries import Audience
    from outreach.exports import csv_stream

    def lines(filters, audience):
        return csv_stream(registration_export_rows(filters, audience))

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    count = 0
    for _line in lines(ImpactFilters(), Audience.staff()):
        count += 1
    seconds = time.perf_counter() - started
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    return round(seconds, 1), count, round(grown, 1)


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    generate()
    from django.db import connection

    with connection.cursor() as cursor:
        # What autovacuum does on a live database soon after a load: statistics for the planner
        # and a visibility map, so that index-only scans need not visit the table.
        cursor.execute("VACUUM ANALYZE")
    from impact.filters import ImpactFilters
    from impact.queries import Audience, breakdown, headline_figures

    staff = Audience.staff()
    everything = ImpactFilters()
    figures_ms = timed(lambda: headline_figures(everything, staff))
    economy_ms = timed(lambda: breakdown(everything, "economy", staff))
    region_ms = timed(lambda: breakdown(everything, "region", staff))
    seconds, rows, grown = export_memory()
    figures = headline_figures(everything, staff)
    import common  # bench/common.py

    common.record(
        "impact",
        {
            "registrations": figures["registrations"],
            "organisations": figures["organisations"],
            "dashboard_figures_ms": figures_ms,
            "breakdown_by_economy_ms": economy_ms,
            "breakdown_by_region_ms": region_ms,
            "csv_export_rows": rows,
            "csv_export_seconds": seconds,
            "csv_export_memory_growth_mb": grown,
        },
    )
    print()
    print("| measure | figure | aim |")
    print("| --- | --- | --- |")
    print(
        f"| dashboard figures ({figures['registrations']:,} registrations) | {figures_ms} ms "
        "| < 1000 ms |"
    )
    print(f"| breakdown by economy | {economy_ms} ms | < 300 ms |")
    print(f"| breakdown by region | {region_ms} ms | |")
    print(
        f"| CSV export of {rows:,} rows | {seconds} s, peak memory +{grown} MB | < 50 MB growth |"
    )


if __name__ == "__main__":
    main()

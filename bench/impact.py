"""`make bench` (impact part): dashboard figures, a breakdown by economy and a 1,000,000-row
CSV export on synthetic data at the programme's scale, on PostgreSQL. The export is measured
against a plain COPY of the same columns in the same run (goal: at most twice its time);
`python bench/impact.py --only export` measures that pair alone. The realised outcomes
(impact/outcomes.py) are timed on 50,000 outcome survey invitations, about 35 % answered
(`generate_outcomes`, added to a programme generated before them); `--only outcomes` times
them alone.

Scale: 115,000 organisations, 200 economies, 2,000 sessions, 1,000,000 registrations (and
200,000 survey responses). The data is generated once into BENCH_DATABASE_URL's database with
COPY and kept: later runs reuse it. Prints a table and appends the figures to
bench/results.jsonl (bench/common.record, under `make bench`'s run id).
"""

import functools
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
# Outcome surveys (registrations.surveys.outcomes): one invitation per organisation and period
# for this many organisations (their first attendance opening the period), a share answered.
OUTCOME_ORGANISATIONS = int(os.environ.get("BENCH_OUTCOME_ORGANISATIONS", "50000"))
OUTCOME_ANSWERED = float(os.environ.get("BENCH_OUTCOME_ANSWERED", "0.35"))
OUTCOME_MONTHS = 6  # the series' outcome_survey_months
# Where the synthetic firms say they exported to (as registrations/demo_outcomes.py).
OUTCOME_MARKETS = ["US", "DE", "CN", "FR", "GB", "JP", "NL", "AE", "ZA", "KE", "BR", "MX", "IN"]


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


# The tables generate_outcomes writes.
OUTCOME_TABLES = (
    "registrations_surveyinvitation",
    "registrations_surveyresponse",
    "registrations_answer",
    "registrations_answer_economies",
    "registrations_answer_choices",
)


def generate_outcomes() -> None:
    """Add the outcome survey's invitations and answers to the synthetic programme, unless they
    are there already (the rest of it is left as it is).

    As registrations.surveys.outcomes asks and registrations/demo_outcomes.py writes them: for
    OUTCOME_ORGANISATIONS organisations, one invitation per organisation and period of a bench
    series (the period opened by the organisation's first attended session whose survey is due,
    through that registration), and for OUTCOME_ANSWERED of them a response keeping the
    registration's facts, with answers to exported_since, export_markets (one to three
    economies, when exported), found_partner and contribution (a choice). Written with COPY in
    one transaction, ids after the tables' largest, sequences reset after."""
    from django.db import connection, transaction

    from events.models import Series, add_months
    from registrations.models import SurveyInvitation, SurveyPurpose
    from registrations.surveys.outcomes import current_outcome_survey

    invitations = SurveyInvitation.objects.filter(
        survey__purpose=SurveyPurpose.OUTCOME, token__startswith=f"{MARK}-outcome-"
    )
    if invitations.exists():
        return
    started = time.perf_counter()
    survey = current_outcome_survey()
    series, _created = Series.objects.get_or_create(
        slug=f"{MARK}-outcomes",
        defaults={"title": f"{MARK} outcomes", "outcome_survey_months": OUTCOME_MONTHS},
    )
    months = series.outcome_survey_months or OUTCOME_MONTHS
    questions = {question.code: question.pk for question in survey.questions.all()}
    choices = dict(survey.questions.get(code="contribution").choices.values_list("code", "pk"))
    now = datetime.now(UTC)
    # A period's survey is due when it ends and open for the survey's days: only periods that
    # ended that long ago are asked and may be answered.
    latest_start = add_months(now - timedelta(days=survey.open_days), -months)
    pick = random.Random(43)  # noqa: S311 (synthetic data)
    with transaction.atomic(), connection.cursor() as cursor:
        # Each organisation's first attended bench registration (its anchor), with the facts a
        # response keeps and the person's language.
        cursor.execute(
            "SELECT DISTINCT ON (r.organisation_id) r.id, r.organisation_id, r.session_id,"
            " s.starts_at, r.economy_id, r.organisation_kind, r.size_band, r.women_led,"
            " r.youth_led, u.language"
            " FROM registrations_registration r"
            " JOIN events_session s ON s.id = r.session_id"
            " JOIN outreach_user u ON u.id = r.person_id"
            " WHERE r.attended AND r.status = 'confirmed' AND r.token LIKE %s"
            " AND s.starts_at <= %s"
            " ORDER BY r.organisation_id, s.starts_at, r.id",
            [f"{MARK}-%", latest_start],
        )
        anchors = cursor.fetchall()
        anchors = sorted(pick.sample(anchors, min(OUTCOME_ORGANISATIONS, len(anchors))))
        ids = {}
        for table in ("surveyinvitation", "surveyresponse", "answer"):
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM registrations_{table}")
            ids[table] = cursor.fetchone()[0]
        raw = cursor.cursor
        responses, answers, markets, contributions = [], [], [], []
        with raw.copy(
            "COPY registrations_surveyinvitation (id, survey_id, registration_id, token,"
            " created_at, closes_at, reminded_at, used_at, organisation_id, series_id,"
            " period_starts_at) FROM STDIN"
        ) as copy:
            for n, (registration, organisation, session, start, *facts, language) in enumerate(
                anchors, start=1
            ):
                sent = add_months(start, months)
                answered = pick.random() < OUTCOME_ANSWERED
                submitted = sent + timedelta(days=pick.randint(0, 6), hours=pick.randint(1, 20))
                copy.write_row(
                    (
                        ids["surveyinvitation"] + n,
                        survey.pk,
                        registration,
                        f"{MARK}-outcome-{n}",
                        sent,
                        sent + timedelta(days=survey.open_days),
                        sent + timedelta(days=survey.reminder_days),
                        submitted if answered else None,
                        organisation,
                        series.pk,
                        start,
                    )
                )
                if answered:
                    response = ids["surveyresponse"] + len(responses) + 1
                    responses.append((response, survey.pk, session, registration, *facts))
                    responses[-1] += (language, submitted)
                    exported = pick.random() < 0.45
                    answers.append((response, questions["exported_since"], exported))
                    if exported:
                        answers.append((response, questions["export_markets"], None))
                        where = pick.sample(OUTCOME_MARKETS, pick.randint(1, 3))
                        markets += [(ids["answer"] + len(answers), code) for code in where]
                    partner = pick.random() < (0.5 if exported else 0.2)
                    answers.append((response, questions["found_partner"], partner))
                    answers.append((response, questions["contribution"], None))
                    said = pick.choice(["not_at_all", "somewhat", "somewhat", "a_lot", "a_lot"])
                    contributions.append((ids["answer"] + len(answers), choices[said]))
        with raw.copy(
            "COPY registrations_surveyresponse (id, survey_id, session_id, registration_id,"
            " economy_id, organisation_kind, size_band, women_led, youth_led, language,"
            " submitted_at) FROM STDIN"
        ) as copy:
            for row in responses:
                copy.write_row(row)
        with raw.copy(
            "COPY registrations_answer (id, response_id, question_id, number, boolean, text)"
            " FROM STDIN"
        ) as copy:
            for n, (response, question, boolean) in enumerate(answers, start=1):
                copy.write_row((ids["answer"] + n, response, question, None, boolean, ""))
        with raw.copy(
            "COPY registrations_answer_economies (answer_id, economy_id) FROM STDIN"
        ) as copy:
            for row in markets:
                copy.write_row(row)
        with raw.copy(
            "COPY registrations_answer_choices (answer_id, choice_id) FROM STDIN"
        ) as copy:
            for row in contributions:
                copy.write_row(row)
    import common  # bench/common.py

    common.reset_sequences()
    print(
        f"generated {len(anchors):,} outcome invitations and {len(responses):,} responses"
        f" in {time.perf_counter() - started:.0f} s"
    )


def timed(function, repeat: int = 5) -> float:
    """The median of a few runs, in milliseconds (the database's own cache stays warm)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


# --- The figures' pair: the same numbers from the best raw SQL --------------------------------

# Held sessions, as impact/queries.py defines them.
HELD = (
    "SELECT id FROM events_session WHERE status IN ('published', 'finished') AND ends_at <= now()"
)
# The raw SQL's statements. {held} is the held sessions' ids, as HELD or as a list of numbers
# (RAW_FORMS); {sessions} how many they are.
RAW_SQL = {
    # The dashboard's counts: registrations grouped per economy and organisation, then summed
    # and counted.
    "counts": """
SELECT {sessions} AS sessions,
    coalesce(sum(n_registrations), 0)::bigint AS registrations,
    coalesce(sum(n_confirmed), 0)::bigint AS confirmed,
    coalesce(sum(n_attendees), 0)::bigint AS attendees,
    coalesce(sum(n_confirmed_attendees), 0)::bigint AS confirmed_attendees,
    count(DISTINCT organisation_id) AS organisations,
    count(DISTINCT organisation_id) FILTER (WHERE n_firms > 0) AS firms,
    count(DISTINCT organisation_id) FILTER (WHERE n_women_led > 0) AS women_led,
    count(DISTINCT organisation_id) FILTER (WHERE n_youth_led > 0) AS youth_led,
    count(DISTINCT organisation_id) FILTER (WHERE n_micro > 0) AS micro,
    count(DISTINCT economy_id) FILTER (WHERE n_attendees > 0) AS economies_reached
FROM (
    SELECT economy_id, organisation_id,
        count(*) AS n_registrations,
        count(*) FILTER (WHERE status = 'confirmed') AS n_confirmed,
        count(*) FILTER (WHERE attended) AS n_attendees,
        count(*) FILTER (WHERE attended AND status = 'confirmed') AS n_confirmed_attendees,
        count(*) FILTER (WHERE organisation_kind = 'firm') AS n_firms,
        count(*) FILTER (WHERE organisation_kind = 'firm' AND women_led) AS n_women_led,
        count(*) FILTER (WHERE organisation_kind = 'firm' AND youth_led) AS n_youth_led,
        count(*) FILTER (WHERE organisation_kind = 'firm' AND size_band = 'micro') AS n_micro
    FROM registrations_registration
    WHERE session_id IN ({held}) AND status <> 'cancelled'
    GROUP BY economy_id, organisation_id
) per_org
""",
    # The dashboard's survey indicators: per question, yes, yes or no, and numbers answered.
    "indicators": """
SELECT question.code, count(*) FILTER (WHERE answer.boolean), count(answer.boolean),
    count(answer.number)
FROM registrations_answer answer
JOIN registrations_question question ON question.id = answer.question_id
JOIN registrations_surveyresponse response ON response.id = answer.response_id
JOIN registrations_survey survey ON survey.id = response.survey_id
WHERE response.session_id IN ({held})
    AND survey.purpose <> 'registration'
    AND question.code IN ('simplifies_market_research', 'informs_export_decision',
        'satisfaction', 'recommend')
GROUP BY question.code
""",
    # The breakdown by economy: per economy and organisation, then per economy.
    "economy": """
SELECT economy_id, sum(n_registrations)::bigint, sum(n_attendees)::bigint, count(*),
    count(*) FILTER (WHERE n_firms > 0)
FROM (
    SELECT economy_id, organisation_id, count(*) AS n_registrations,
        count(*) FILTER (WHERE attended) AS n_attendees,
        count(*) FILTER (WHERE organisation_kind = 'firm') AS n_firms
    FROM registrations_registration
    WHERE session_id IN ({held}) AND status <> 'cancelled'
    GROUP BY economy_id, organisation_id
) per_org
GROUP BY economy_id
ORDER BY 3 DESC, 1
""",
}
# Each statement is tried in each form and with each planner's settings, and timed at its
# fastest ("the best raw SQL"). The held sessions as a subquery, or fetched first and written as
# a list of ids (PostgreSQL then checks each registration against a hashed list). The planner
# as it chooses, without JIT compiling, and grouping as a stream over the index in order
# (impact/queries.py's STREAMING_GROUPS).
RAW_FORMS = ("subquery", "list")
RAW_SETTINGS = {
    "default": "",
    "no JIT": "-c jit=off",
    "streaming groups": (
        "-c jit=off -c enable_hashagg=off -c work_mem=64MB -c parallel_tuple_cost=0.01"
    ),
}


def run_raw(cursor, statement: str, form: str) -> list[tuple]:
    """One of RAW_SQL's statements in one of RAW_FORMS; its rows."""
    if form == "subquery":
        held = {"held": HELD, "sessions": f"(SELECT count(*) FROM ({HELD}) held)"}
    else:
        ids = [row[0] for row in cursor.execute(HELD)]
        held = {"held": ",".join(map(str, ids)) or "NULL", "sessions": str(len(ids))}
    return cursor.execute(RAW_SQL[statement].format(**held)).fetchall()


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def raw_figures(counts: list[tuple], indicators: list[tuple]) -> dict:
    """impact.queries.headline_figures' counts and shares, from the raw SQL's rows."""
    (
        sessions,
        registrations,
        confirmed,
        attendees,
        confirmed_attendees,
        organisations,
        firms,
        women_led,
        youth_led,
        micro,
        economies_reached,
    ) = counts[0]
    answered = {code: (yes_or_no, numbers) for code, _yes, yes_or_no, numbers in indicators}
    return {
        "sessions": sessions,
        "registrations": registrations,
        "attendees": attendees,
        "attendance_rate": _share(confirmed_attendees, confirmed),
        "organisations": organisations,
        "firms": firms,
        "economies_reached": economies_reached,
        "women_led_share": _share(women_led, firms),
        "youth_led_share": _share(youth_led, firms),
        "micro_share": _share(micro, firms),
        "simplifies_market_research_answers": answered.get("simplifies_market_research", (0,))[0],
        "informs_export_decision_answers": answered.get("informs_export_decision", (0,))[0],
        "satisfaction_answers": answered.get("satisfaction", (0, 0))[1],
        "recommend_answers": answered.get("recommend", (0, 0))[1],
    }


def raw_economy(rows: list[tuple]) -> list[dict]:
    """impact.queries.breakdown's rows by economy, from the raw SQL's."""
    return [
        {"key": key, "registrations": n, "attendees": a, "organisations": o, "firms": f}
        for key, n, a, o, f in rows
    ]


def figures_pair(figures_ms: float, economy_ms: float, django_figures, django_economy) -> dict:
    """The dashboard's figures (counts, then indicators) and the breakdown by economy as raw
    SQL from psycopg, each statement timed as the app's are (the median of three runs) in the
    form and with the planner settings that make it fastest; the ratios app / raw SQL (goal 1.2
    or less), and whether every variant gives the app's numbers."""
    import psycopg

    best = {}  # statement → (ms, variant)
    same = True
    for name, options in RAW_SETTINGS.items():
        with psycopg.connect(os.environ["DATABASE_URL"], options=options) as connection:
            cursor = connection.cursor()
            for form in RAW_FORMS:
                rows = {statement: run_raw(cursor, statement, form) for statement in RAW_SQL}
                figures = raw_figures(rows["counts"], rows["indicators"])
                same &= all(django_figures[key] == value for key, value in figures.items())
                same &= raw_economy(rows["economy"]) == django_economy
                for statement in RAW_SQL:
                    ms = timed(functools.partial(run_raw, cursor, statement, form), repeat=3)
                    if statement not in best or ms < best[statement][0]:
                        best[statement] = (ms, f"{form}, {name}")
    figures_raw_ms = round(best["counts"][0] + best["indicators"][0], 1)
    return {
        "dashboard_figures_raw_ms": figures_raw_ms,
        "dashboard_figures_raw_forms": f"{best['counts'][1]}; {best['indicators'][1]}",
        "dashboard_figures_ratio": round(figures_ms / figures_raw_ms, 2),
        "breakdown_by_economy_raw_ms": best["economy"][0],
        "breakdown_by_economy_raw_form": best["economy"][1],
        "breakdown_by_economy_ratio": round(economy_ms / best["economy"][0], 2),
        "raw_sql_same_numbers": same,
    }


def outcome_figures(staff, everything) -> dict:
    """The realised outcomes (impact/outcomes.py) and their breakdown by economy, timed, when
    the data holds outcome survey answers; else a note."""
    from impact import outcomes
    from registrations.models import SurveyInvitation, SurveyPurpose, SurveyResponse

    if not SurveyResponse.objects.filter(survey__purpose=SurveyPurpose.OUTCOME).exists():
        return {"outcome_figures_note": "no outcome survey answers in the bench data"}

    def breakdown_by_economy():
        return outcomes.staff_breakdown(outcomes.outcome_records(everything, staff), "economy")

    def dashboard():
        # What the staff dashboard computes (impact.outside.Figures, impact.tables): the
        # records once, the figures, then every breakdown.
        records = outcomes.outcome_records(everything, staff)
        outcomes.staff_figures(records)
        for by in outcomes.DIMENSIONS:
            outcomes.staff_breakdown(records, by)

    figures = outcomes.staff_figures(outcomes.outcome_records(everything, staff))
    return {
        "outcome_invitations": SurveyInvitation.objects.filter(
            survey__purpose=SurveyPurpose.OUTCOME
        ).count(),
        "outcome_asked": figures["outcome_asked"],
        "outcome_answered": figures["outcome_answered"],
        "outcome_figures_ms": timed(
            lambda: outcomes.staff_figures(outcomes.outcome_records(everything, staff))
        ),
        "outcome_breakdown_by_economy_ms": timed(breakdown_by_economy),
        "outcome_dashboard_ms": timed(dashboard, repeat=3),
    }


def print_outcomes(figures: dict) -> None:
    if "outcome_figures_ms" not in figures:
        print(f"| realised outcomes | {figures['outcome_figures_note']} | |")
        return
    print(
        f"| realised outcomes ({figures['outcome_asked']:,} asked,"
        f" {figures['outcome_answered']:,} answering) | {figures['outcome_figures_ms']} ms"
        " | < 1000 ms |"
    )
    print(f"| realised outcomes by economy | {figures['outcome_breakdown_by_economy_ms']} ms | |")
    print(
        "| realised outcomes on the dashboard (figures and every breakdown) |"
        f" {figures['outcome_dashboard_ms']} ms | |"
    )


def export_pair() -> dict:
    """The registration export as the app writes it (impact.csv_exports: COPY on PostgreSQL)
    against a plain COPY of the same columns (the query the Python rows read) into a sink, both
    through psycopg's copy API, in turn, twice each; the faster of each pair. Also the rows and
    the growth of peak RSS during the first export (MB)."""
    from django.db import connection

    from impact.csv_exports import registration_csv
    from impact.filters import ImpactFilters
    from impact.queries import Audience, registration_rows

    everything, staff = ImpactFilters(), Audience.staff()

    def export() -> int:
        lines = 0
        for chunk in registration_csv(everything, staff):
            lines += chunk.count(b"\r\n")
        return lines - 1  # the header

    def plain_copy() -> None:
        sql, params = registration_rows(everything, staff).query.sql_with_params()
        statement = f"COPY ({connection.ops.compose_sql(sql, params)}) TO STDOUT (FORMAT csv)"
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            for _block in copy:
                pass

    def seconds(function) -> float:
        started = time.perf_counter()
        function()
        return time.perf_counter() - started

    copy_times = [seconds(plain_copy)]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    rows = export()
    export_times = [time.perf_counter() - started]
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    copy_times.append(seconds(plain_copy))
    export_times.append(seconds(export))
    export_seconds, copy_seconds = min(export_times), min(copy_times)
    return {
        "csv_export_rows": rows,
        "csv_export_seconds": round(export_seconds, 2),
        "csv_export_memory_growth_mb": round(grown, 1),
        "copy_seconds": round(copy_seconds, 2),
        "export_ratio": round(export_seconds / copy_seconds, 2),
    }


def print_export(export: dict) -> None:
    print(
        f"| CSV export of {export['csv_export_rows']:,} rows | {export['csv_export_seconds']} s, "
        f"peak memory +{export['csv_export_memory_growth_mb']} MB | < 50 MB growth |"
    )
    print(f"| plain COPY of the same columns | {export['copy_seconds']} s | |")
    print(f"| export / COPY | {export['export_ratio']} | ≤ 2 |")


def main() -> None:
    import django

    django.setup()
    import common  # bench/common.py

    if sys.argv[1:] == ["--only", "export"]:
        # The export pair alone, on the database as it is (read only).
        export = export_pair()
        common.record("impact", {"only": "export", **export})
        print()
        print("| measure | figure | aim |")
        print("| --- | --- | --- |")
        print_export(export)
        return
    if sys.argv[1:] == ["--only", "outcomes"]:
        # The realised outcomes alone; their survey answers are added first when missing.
        generate_outcomes()
        from django.db import connection

        from impact.filters import ImpactFilters
        from impact.queries import Audience

        with connection.cursor() as cursor:
            for table in OUTCOME_TABLES:
                cursor.execute(f"VACUUM ANALYZE {table}")
        figures = outcome_figures(Audience.staff(), ImpactFilters())
        common.record("impact", {"only": "outcomes", **figures})
        print()
        print("| measure | figure | aim |")
        print("| --- | --- | --- |")
        print_outcomes(figures)
        return
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    generate()
    generate_outcomes()
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
    pairs = figures_pair(
        figures_ms,
        economy_ms,
        headline_figures(everything, staff),
        breakdown(everything, "economy", staff),
    )
    pairs.update(outcome_figures(staff, everything))
    export = export_pair()
    figures = headline_figures(everything, staff)
    common.record(
        "impact",
        {
            "registrations": figures["registrations"],
            "organisations": figures["organisations"],
            "dashboard_figures_ms": figures_ms,
            "breakdown_by_economy_ms": economy_ms,
            "breakdown_by_region_ms": region_ms,
            **pairs,
            **export,
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
    print_outcomes(pairs)
    print_export(export)


if __name__ == "__main__":
    main()

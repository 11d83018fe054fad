"""The `make bench` tables, from bench/results.jsonl: each pair (registrations against the same
work as raw SQL, catalogue pages against a bare view, the impact figures against raw SQL, the
CSV export against COPY) with its ratio and goal; then every measure of the latest run beside
the previous one's, with its aim; then how quiet the machine was before each part (load average,
CPU in use) and the share of the CPU the load generator, the server, PostgreSQL and Redis used
while it was measured.

    python bench/report.py              # the latest run
    python bench/report.py --run ID     # another run (its id is in the table's heading)

Each line of bench/results.jsonl is one part of one run: {"run", "at", "bench", ...figures}.
Lines written before runs had ids (registrations lines without "bench", impact lines without
"run") are read too: a line without a run id belongs to the run that began less than three hours
before it and has no figures of that part yet, else it is a run of its own. "Previous" beside a
measure is the most recent earlier run that measured it.
"""

import argparse
import json
import os
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

RESULTS = Path(os.environ.get("BENCH_RESULTS", Path(__file__).resolve().parent / "results.jsonl"))
RUN_ID_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # as bench/common.py writes it
# A line without a run id written later than this after a run began is not part of it.
LONGEST_RUN = timedelta(hours=3)


@dataclass
class Run:
    id: str
    began: datetime
    parts: dict[str, dict] = field(default_factory=dict)


def _moment(text: str) -> datetime:
    try:
        return datetime.strptime(text, RUN_ID_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        moment = datetime.fromisoformat(text)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def part_of(line: dict) -> str | None:
    if "bench" in line:
        return line["bench"]
    return "registrations" if "one_session" in line else None


def read_runs(path: Path = RESULTS) -> list[Run]:
    """The runs in the file, oldest first."""
    runs: dict[str, Run] = {}
    latest_with_id: Run | None = None
    lines = path.read_text().splitlines() if path.exists() else []
    for text in lines:
        try:
            line = json.loads(text)
            part = part_of(line)
            at = _moment(line["at"])
        except (ValueError, KeyError, TypeError):
            continue  # a line cut short by an interrupted run
        if part is None:
            continue
        if line.get("run"):
            run = runs.get(line["run"])
            if run is None:
                run = runs[line["run"]] = Run(line["run"], _moment(line["run"]))
            latest_with_id = run
        elif (
            latest_with_id
            and latest_with_id.began <= at < latest_with_id.began + LONGEST_RUN
            and part not in latest_with_id.parts
        ):
            run = latest_with_id
        else:
            run = runs.setdefault(line["at"], Run(line["at"], at))
        run.parts[part] = line
    return list(runs.values())


def _get(line: dict | None, *keys):
    value = line
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _number(value, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and digits == 0:
        value = round(value)
    text = f"{value:,.{digits}f}" if isinstance(value, float) else f"{value:,}"
    return f"{text} {unit}".rstrip()


def _latency(line, *keys) -> str:
    p50, p99 = _get(line, *keys, "p50_ms"), _get(line, *keys, "p99_ms")
    if p50 is None:
        return "—"
    return f"{p50:,.0f} / {p99:,.0f} ms"


def _integrity(line) -> str:
    over = _get(line, "integrity", "overbooked_sessions")
    if over is None:
        return "—"
    return f"{over} / {_get(line, 'integrity', 'counter_mismatches')}"


def _statuses(statuses: dict | None) -> str:
    if not statuses:
        return "—"
    return ", ".join(f"{status}: {count:,}" for status, count in sorted(statuses.items()))


# --- The pairs: each measure beside its ideal, measured in the same run ------------------------


@dataclass(frozen=True)
class Pair:
    part: str
    label: str
    ours: object  # line -> text
    ideal: object  # line -> text
    ratio: object  # line -> number
    goal: str
    meets: object  # ratio -> bool


def _per_second(value) -> str:
    return "—" if value is None else f"{_number(value)}/s"


def _rate(*keys):
    return lambda line: _per_second(_get(line, *keys, "per_second"))


def _raw_sql(line) -> str:
    raw = _get(line, "raw_sql")
    if raw is None:
        return "—"
    return (
        f"raw SQL, {raw.get('client', '?')} × {raw.get('clients', '?')}: "
        f"{_per_second(raw.get('per_second'))}"
    )


PAIRS = [
    Pair(
        "registrations",
        "registrations into one session",
        _rate("one_session"),
        _raw_sql,
        lambda line: _get(line, "registration_ratio"),
        "≥ 0.35",
        lambda ratio: ratio >= 0.35,
    ),
    Pair(
        "catalogue",
        "catalogue pages (the mix)",
        _rate("overall"),
        lambda line: f"bare view: {_per_second(_get(line, 'bare_view', 'per_second'))}",
        lambda line: _get(line, "catalogue_to_bare"),
        "≥ 0.2",
        lambda ratio: ratio >= 0.2,
    ),
    Pair(
        "impact",
        "dashboard figures",
        lambda line: _number(_get(line, "dashboard_figures_ms"), "ms"),
        lambda line: f"raw SQL: {_number(_get(line, 'dashboard_figures_raw_ms'), 'ms')}",
        lambda line: _get(line, "dashboard_figures_ratio"),
        "≤ 1.2",
        lambda ratio: ratio <= 1.2,
    ),
    Pair(
        "impact",
        "breakdown by economy",
        lambda line: _number(_get(line, "breakdown_by_economy_ms"), "ms"),
        lambda line: f"raw SQL: {_number(_get(line, 'breakdown_by_economy_raw_ms'), 'ms')}",
        lambda line: _get(line, "breakdown_by_economy_ratio"),
        "≤ 1.2",
        lambda ratio: ratio <= 1.2,
    ),
    Pair(
        "impact",
        "CSV export",
        lambda line: _number(_get(line, "csv_export_seconds"), "s"),
        lambda line: f"COPY: {_number(_get(line, 'copy_seconds'), 's')}",
        lambda line: _get(line, "export_ratio"),
        "≤ 2",
        lambda ratio: ratio <= 2,
    ),
]


def _goal(goal: str, meets, value) -> str:
    if value is None:
        return goal
    return f"{goal}: {'met' if meets(value) else 'NOT met'}"


def pairs_table(runs: list["Run"], latest: "Run") -> list[str]:
    lines = [
        "| pair | this run | its ideal, same run | ratio | goal | previous ratio |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for pair in PAIRS:
        line = latest.parts.get(pair.part)
        previous = _previous(runs, latest, pair.part)
        ratio = pair.ratio(line) if line else None
        before = pair.ratio(previous) if previous else None
        lines.append(
            f"| {pair.label} | {pair.ours(line) if line else '— (not run)'} | "
            f"{pair.ideal(line) if line else '—'} | {_number(ratio, '', 2)} | "
            f"{_goal(pair.goal, pair.meets, ratio)} | {_number(before, '', 2)} |"
        )
    return lines


# --- Every measure -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    part: str
    label: str
    show: object  # line -> text
    value: object = None  # line -> number compared with the aim
    aim: str = ""
    meets: object = None  # number -> bool


PAGE_LABELS = {
    "home": "home page",
    "catalogue": "catalogue, no filter",
    "filtered": "catalogue with filters",
    "past": "past sessions",
    "detail": "session page",
    "ics": ".ics file",
}


def _catalogue_measures(latest: Run) -> list[Measure]:
    catalogue = latest.parts.get("catalogue")
    rows = [
        Measure("catalogue", "pages per second (the mix)", _rate("overall")),
        Measure("catalogue", "p50 / p99 latency (the mix)", lambda line: _latency(line, "overall")),
        Measure(
            "catalogue",
            "gunicorn CPU per page; per bare view",
            lambda line: (
                f"{_number(_get(line, 'overall', 'server_cpu_ms_per_request'), 'ms', 2)}; "
                f"{_number(_get(line, 'bare_view', 'server_cpu_ms_per_request'), 'ms', 2)}"
            ),
        ),
        Measure(
            "catalogue",
            "bare view: per second, p50 / p99",
            lambda line: f"{_rate('bare_view')(line)}, {_latency(line, 'bare_view')}",
        ),
        Measure(
            "catalogue",
            "errors",
            lambda line: (
                "—"
                if _get(line, "overall", "errors") is None
                else f"{line['overall']['errors']} of {line['overall']['requests']:,}"
            ),
            lambda line: _get(line, "overall", "errors"),
            "0",
            lambda errors: errors == 0,
        ),
    ]
    for kind, label in PAGE_LABELS.items():
        if catalogue is None or kind in catalogue.get("pages", {}):
            rows.append(
                Measure(
                    "catalogue",
                    f"{label}: p50 / p99, SQL queries",
                    lambda line, kind=kind: (
                        f"{_latency(line, 'pages', kind)}, {_get(line, 'queries', kind)} q"
                        if _get(line, "pages", kind)
                        else "—"
                    ),
                )
            )
    return rows


def _api_measures() -> list[Measure]:
    return [
        Measure(
            "api",
            "/api/v1/sessions/ and the catalogue page, per second",
            lambda line: f"{_rate('api')(line)} and {_rate('catalogue')(line)}",
        ),
        Measure(
            "api",
            "API / catalogue page",
            lambda line: _number(_get(line, "api_to_catalogue"), "×", 2),
        ),
        Measure(
            "api",
            "API: p50 / p99, SQL queries",
            lambda line: (
                f"{_latency(line, 'api')}, {_get(line, 'queries', 'api')} q"
                if _get(line, "api")
                else "—"
            ),
        ),
    ]


def _race_counts(line) -> int | None:
    confirmed = _get(line, "integrity", "race_confirmed")
    if confirmed is None:
        return None
    expected = (
        min(_get(line, "race", "seats"), _get(line, "race", "clients")),
        max(_get(line, "race", "clients") - _get(line, "race", "seats"), 0),
    )
    right = (confirmed, _get(line, "integrity", "race_waitlisted")) == expected
    return int(right and not _get(line, "race", "errors"))


def _registration_measures(latest: Run) -> list[Measure]:
    line = latest.parts.get("registrations") or {}
    many = _get(line, "many_sessions_count") or 50
    clients = _get(line, "clients") or 16
    race = _get(line, "race") or {"clients": 1000, "seats": 50}
    return [
        Measure("registrations", "into one session, per second", _rate("one_session")),
        Measure(
            "registrations",
            f"into one session, p50 / p99 at {clients} clients",
            lambda line: _latency(line, "one_session"),
            lambda line: _get(line, "one_session", "p99_ms"),
            "p99 < 100 ms",
            lambda p99: p99 < 100,
        ),
        Measure(
            "registrations",
            "raw SQL pair: p50 / p99",
            lambda line: _latency(line, "raw_sql"),
        ),
        Measure(
            "registrations",
            "SQL statements per registration, besides BEGIN and COMMIT (test client)",
            lambda line: _number(_get(line, "statements_per_registration")),
            lambda line: _get(line, "statements_per_registration"),
            "≤ 8",
            lambda statements: statements <= 8,
        ),
        Measure(
            "registrations",
            "gunicorn CPU per registration",
            lambda line: _number(_get(line, "one_session", "server_cpu_ms_per_registration"), "ms"),
            lambda line: _get(line, "one_session", "server_cpu_ms_per_registration"),
            "≤ 6 ms",
            lambda ms: ms <= 6,
        ),
        Measure(
            "registrations",
            f"across {many} sessions: per second, p50 / p99",
            lambda line: f"{_rate('many_sessions')(line)}, {_latency(line, 'many_sessions')}",
        ),
        Measure(
            "registrations",
            "overbooked sessions / counters off",
            _integrity,
            lambda line: (
                None
                if _get(line, "integrity", "overbooked_sessions") is None
                else line["integrity"]["overbooked_sessions"]
                + line["integrity"]["counter_mismatches"]
            ),
            "0 / 0",
            lambda wrong: wrong == 0,
        ),
        Measure(
            "registrations",
            f"race of {race['clients']:,} for {race['seats']} seats: answers",
            lambda line: _statuses(_get(line, "race", "statuses")),
        ),
        Measure(
            "registrations",
            "race: confirmed / waitlisted",
            lambda line: (
                f"{_get(line, 'integrity', 'race_confirmed')} / "
                f"{_get(line, 'integrity', 'race_waitlisted')}"
                if _get(line, "integrity", "race_confirmed") is not None
                else "—"
            ),
            _race_counts,
            f"{race['seats']} / {max(race['clients'] - race['seats'], 0)}, no error",
            lambda right: right == 1,
        ),
        Measure(
            "registrations",
            "race: p50 / p99, seconds in all",
            lambda line: (
                f"{_latency(line, 'race')}, {_number(_get(line, 'race', 'seconds'), 's')}"
                if _get(line, "race")
                else "—"
            ),
        ),
    ]


IMPACT_MEASURES = [
    ("breakdown_by_region_ms", "breakdown by region", "ms"),
    ("outcome_breakdown_by_economy_ms", "realised outcomes by economy", "ms"),
    (
        "outcome_dashboard_ms",
        "realised outcomes on the dashboard (figures and every breakdown)",
        "ms",
    ),
]


def _impact_measures() -> list[Measure]:
    rows = [
        Measure(
            "impact",
            "raw SQL gives the app's numbers",
            lambda line: {True: "yes", False: "NO"}.get(_get(line, "raw_sql_same_numbers"), "—"),
            lambda line: _get(line, "raw_sql_same_numbers"),
            "yes",
            bool,
        )
    ]
    rows.append(
        Measure(
            "impact",
            "realised outcomes (impact/outcomes.py)",
            lambda line: _number(_get(line, "outcome_figures_ms"), "ms"),
            lambda line: _get(line, "outcome_figures_ms"),
            "< 1000 ms",
            lambda ms: ms < 1000,
        )
    )
    rows += [
        Measure("impact", label, lambda line, key=key, unit=unit: _number(_get(line, key), unit))
        for key, label, unit in IMPACT_MEASURES
    ]
    rows += [
        Measure(
            "impact",
            "realised outcomes: asked / answering",
            lambda line: (
                f"{_number(_get(line, 'outcome_asked'))} / "
                f"{_number(_get(line, 'outcome_answered'))}"
                if _get(line, "outcome_asked") is not None
                else "—"
            ),
        ),
        Measure(
            "impact",
            "realised outcomes: note",
            lambda line: _get(line, "outcome_figures_note") or "—",
        ),
        Measure(
            "impact",
            "CSV export, memory growth",
            lambda line: _number(_get(line, "csv_export_memory_growth_mb"), "MB"),
            lambda line: _get(line, "csv_export_memory_growth_mb"),
            "< 50 MB",
            lambda mb: mb < 50,
        ),
    ]
    return rows


def _reminder_measures() -> list[Measure]:
    return [
        Measure(
            "reminders",
            "reminders sent through the workers to SMTP",
            lambda line: (
                f"{_number(_get(line, 'received'))} of {_number(_get(line, 'reminders'))} in "
                f"{_number(_get(line, 'seconds'), 's')} ({_per_second(_get(line, 'per_second'))}, "
                f"{_get(line, 'workers')} workers)"
            ),
            lambda line: int(_get(line, "received") == _get(line, "reminders")),
            "all",
            lambda everyone: everyone == 1,
        ),
        Measure(
            "reminders",
            "worker CPU per message; first message after",
            lambda line: (
                f"{_number(_get(line, 'worker_cpu_ms_per_message'), 'ms')}; "
                f"{_number(_get(line, 'first_after_seconds'), 's')}"
            ),
        ),
    ]


def _attendance_measures() -> list[Measure]:
    return [
        Measure(
            "attendance",
            "report through the screens: preview, import",
            lambda line: (
                f"{_number(_get(line, 'preview_seconds'), 's')}, "
                f"{_number(_get(line, 'import_seconds'), 's')}"
            ),
        ),
        Measure(
            "attendance",
            "attendance page after it (slowest of its runs)",
            lambda line: _number(_get(line, "page_seconds_worst"), "s", 2),
            lambda line: _get(line, "page_seconds_worst"),
            "< 5 s",
            lambda seconds: seconds < 5,
        ),
        Measure(
            "attendance",
            "attendance page: weight, SQL queries",
            lambda line: (
                f"{_number(_get(line, 'page_bytes'), 'bytes')}, {_get(line, 'page_queries')} q"
                if _get(line, "page_bytes")
                else "—"
            ),
        ),
    ]


def measures(latest: Run) -> list[Measure]:
    return [
        *_catalogue_measures(latest),
        *_api_measures(),
        *_registration_measures(latest),
        *_impact_measures(),
        *_reminder_measures(),
        *_attendance_measures(),
    ]


def _previous(runs: list[Run], latest: Run, part: str) -> dict | None:
    earlier = runs[: runs.index(latest)]
    for run in reversed(earlier):
        if part in run.parts:
            return run.parts[part]
    return None


def _verdict(measure: Measure, line: dict | None) -> str:
    if not measure.aim:
        return ""
    value = measure.value(line) if line else None
    if value is None:
        return measure.aim
    return _goal(measure.aim, measure.meets, value)


def measures_table(runs: list[Run], latest: Run) -> list[str]:
    lines = ["| part | measure | this run | previous | aim |", "| --- | --- | --- | --- | --- |"]
    for measure in measures(latest):
        line = latest.parts.get(measure.part)
        previous = _previous(runs, latest, measure.part)
        this = measure.show(line) if line else "— (not run)"
        before = measure.show(previous) if previous else "—"
        lines.append(
            f"| {measure.part} | {measure.label} | {this} | {before} | {_verdict(measure, line)} |"
        )
    return lines


# --- The machine: how quiet it was, and who used its CPU ----------------------------------------

# Where each part keeps the CPU it measured (common.CpuMeter's figures), by what was measured.
CPU_OF = [
    ("catalogue", "catalogue pages", ("overall", "cpu")),
    ("catalogue", "bare view", ("bare_view", "cpu")),
    ("api", "API", ("api", "cpu")),
    ("registrations", "registrations into one session", ("one_session", "cpu")),
    ("registrations", "raw SQL pair (generator: its client)", ("raw_sql", "cpu")),
    ("registrations", "race", ("race", "cpu")),
    ("reminders", "reminders (server: the workers)", ("cpu",)),
]


def _share(cpu: dict | None, name: str) -> str:
    value = _get(cpu, "share", name)
    return "—" if value is None else f"{value:.0%}"


def machine_table(latest: Run) -> list[str]:
    lines = [
        "| part | load average before (1, 5, 15 min) | CPU busy before |",
        "| --- | --- | --- |",
    ]
    for part, line in latest.parts.items():
        load = line.get("load_average_before")
        busy = line.get("machine_busy_before")
        if load is None and busy is None:
            continue
        lines.append(
            f"| {part} | {', '.join(f'{value:.2f}' for value in load) if load else '—'} | "
            f"{'—' if busy is None or busy < 0 else f'{busy:.0%}'} |"
        )
    lines += [
        "",
        "| measured | load generator | server | PostgreSQL | Redis |",
        "| --- | --- | --- | --- | --- |",
    ]
    for part, label, keys in CPU_OF:
        cpu = _get(latest.parts.get(part), *keys)
        if cpu is None:
            continue
        generator = _share(cpu, "generator") if part != "reminders" else "—"
        lines.append(
            f"| {label} | {generator} | {_share(cpu, 'server')} | {_share(cpu, 'postgres')} | "
            f"{_share(cpu, 'redis')} |"
        )
    return lines


def table(runs: list[Run], latest: Run) -> str:
    machine = next((line.get("machine") for line in latest.parts.values() if "machine" in line), "")
    began = latest.began.strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"`make bench` run {latest.id} (began {began}{', ' + machine if machine else ''})",
        "",
        "Each pair measured side by side in this run. Ratio: a rate over its ideal's (higher is "
        "better), a time over its ideal's (lower is better).",
        "",
        *pairs_table(runs, latest),
        "",
        "Every measure; previous: the latest earlier run that measured the same part.",
        "",
        *measures_table(runs, latest),
        "",
        "The machine before each part, and the share of its CPU each process used while "
        "measured (100 % = every core).",
        "",
        *machine_table(latest),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", help="the run to show (default: the latest)")
    parser.add_argument("--file", type=Path, default=RESULTS, help="default: %(default)s")
    options = parser.parse_args(argv)
    runs = read_runs(options.file)
    if not runs:
        print(f"no figures in {options.file} yet: run `make bench`", file=sys.stderr)
        return 1
    if options.run:
        chosen = [run for run in runs if run.id == options.run]
        if not chosen:
            print(f"no run {options.run} in {options.file}", file=sys.stderr)
            return 1
        latest = chosen[0]
    else:
        latest = runs[-1]
    print(table(runs, latest))
    return 0


if __name__ == "__main__":
    sys.exit(main())

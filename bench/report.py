"""The `make bench` table: the latest run's figures beside the previous ones, from
bench/results.jsonl.

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


def _pair(line, key: str) -> str:
    p50, p99 = _get(line, key, "p50_ms"), _get(line, key, "p99_ms")
    if p50 is None:
        return "—"
    return f"{p50:,.0f} / {p99:,.0f} ms"


def _integrity(line) -> str:
    over = _get(line, "integrity", "overbooked_sessions")
    if over is None:
        return "—"
    return f"{over} / {_get(line, 'integrity', 'counter_mismatches')}"


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


def measures(latest: Run) -> list[Measure]:
    catalogue = latest.parts.get("catalogue")
    many = _get(latest.parts.get("registrations"), "many_sessions_count") or 50
    rows = [
        Measure(
            "catalogue",
            "requests per second (all pages)",
            lambda line: _number(_get(line, "overall", "per_second")),
        ),
        Measure("catalogue", "p50 / p99 latency (all pages)", lambda line: _pair(line, "overall")),
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
                        f"{_pair(_get(line, 'pages'), kind)}, {_get(line, 'queries', kind)} q"
                        if _get(line, "pages", kind)
                        else "—"
                    ),
                )
            )
    rows += [
        Measure(
            "api",
            "/api/v1/sessions/ and the catalogue page, per second",
            lambda line: (
                f"{_number(_get(line, 'api', 'per_second'))} and "
                f"{_number(_get(line, 'catalogue', 'per_second'))}"
            ),
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
                f"{_pair(line, 'api')}, {_get(line, 'queries', 'api')} q"
                if _get(line, "api")
                else "—"
            ),
        ),
    ]
    rows += [
        Measure(
            "registrations",
            "into one session, per second",
            lambda line: _number(_get(line, "one_session", "per_second")),
            lambda line: _get(line, "one_session", "per_second"),
            "≥ 300/s",
            lambda rate: rate >= 300,
        ),
        Measure(
            "registrations",
            "into one session, p50 / p99",
            lambda line: _pair(line, "one_session"),
        ),
        Measure(
            "registrations",
            f"across {many} sessions, per second",
            lambda line: _number(_get(line, "many_sessions", "per_second")),
        ),
        Measure(
            "registrations",
            f"across {many} sessions, p50 / p99",
            lambda line: _pair(line, "many_sessions"),
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
    ]
    impact_known = [
        ("dashboard_figures_ms", "dashboard figures", "ms", "< 1,000 ms", lambda v: v < 1000),
        ("breakdown_by_economy_ms", "breakdown by economy", "ms", "< 300 ms", lambda v: v < 300),
        ("breakdown_by_region_ms", "breakdown by region", "ms", "", None),
        ("csv_export_seconds", "CSV export, time", "s", "", None),
        (
            "csv_export_memory_growth_mb",
            "CSV export, memory growth",
            "MB",
            "< 50 MB",
            lambda v: v < 50,
        ),
    ]
    for key, label, unit, aim, meets in impact_known:
        rows.append(
            Measure(
                "impact",
                label,
                lambda line, key=key, unit=unit: _number(_get(line, key), unit),
                lambda line, key=key: _get(line, key),
                aim,
                meets,
            )
        )
    # Figures the impact part may add later: shown under their own names.
    known = {key for key, *_rest in impact_known} | {
        "at",
        "run",
        "bench",
        "machine",
        "registrations",
        "organisations",
        "csv_export_rows",
    }
    impact = latest.parts.get("impact") or {}
    for key, value in impact.items():
        if key not in known and isinstance(value, int | float) and not isinstance(value, bool):
            rows.append(
                Measure(
                    "impact", key.replace("_", " "), lambda line, key=key: _number(_get(line, key))
                )
            )
    rows += [
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
    return rows


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
    return f"{measure.aim}: {'met' if measure.meets(value) else 'NOT met'}"


def _busy(line: dict) -> str:
    busy = line.get("machine_busy_before")
    if busy is None or busy < 0:
        return ""
    return f"; the machine was {busy:.0%} busy just before"


def _context(latest: Run) -> list[str]:
    notes = []
    catalogue = latest.parts.get("catalogue")
    if catalogue:
        notes.append(
            f"catalogue: {catalogue.get('upcoming_sessions', '?')} upcoming published and "
            f"{catalogue.get('past_sessions', '?'):,} past sessions; "
            f"{catalogue['overall']['seconds']:.0f} s of load from "
            f"{catalogue.get('client_processes')}×{catalogue.get('client_threads')} clients "
            f"(they used {catalogue.get('client_cpu_share', 0):.0%} of the CPU) on gunicorn with "
            f"{catalogue.get('gunicorn_workers')} workers × {catalogue.get('gunicorn_threads')} "
            f"thread{_busy(catalogue)}"
        )
    registrations = latest.parts.get("registrations")
    if registrations:
        notes.append(
            f"registrations: {registrations['one_session']['requests']:,} + "
            f"{registrations['many_sessions']['requests']:,} sign-ups through the form from "
            f"{registrations.get('client_processes')}×{registrations.get('client_threads')} "
            f"clients, gunicorn {registrations.get('gunicorn_workers')} workers"
            + _busy(registrations)
        )
    impact = latest.parts.get("impact")
    if impact:
        notes.append(
            f"impact: {_number(impact.get('registrations'))} registrations, "
            f"{_number(impact.get('organisations'))} organisations; CSV export of "
            f"{_number(impact.get('csv_export_rows'))} rows"
        )
    return notes


def table(runs: list[Run], latest: Run) -> str:
    machine = next((line.get("machine") for line in latest.parts.values() if "machine" in line), "")
    began = latest.began.strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"`make bench` run {latest.id} (began {began}{', ' + machine if machine else ''}); "
        "previous: the latest earlier run that measured the same part",
        "",
        "| part | measure | this run | previous | aim |",
        "| --- | --- | --- | --- | --- |",
    ]
    for measure in measures(latest):
        line = latest.parts.get(measure.part)
        previous = _previous(runs, latest, measure.part)
        this = measure.show(line) if line else "— (not run)"
        before = measure.show(previous) if previous else "—"
        lines.append(
            f"| {measure.part} | {measure.label} | {this} | {before} | {_verdict(measure, line)} |"
        )
    lines.append("")
    lines += [f"- {note}" for note in _context(latest)]
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

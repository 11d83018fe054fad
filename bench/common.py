"""What the parts of `make bench` share: the benchmark database, gunicorn on loopback, the
figures of a burst of requests, how quiet the machine was, the CPU each process used, and
bench/results.jsonl.

Every part appends one JSON line to bench/results.jsonl: {"run": ..., "at": ..., "bench":
<part>, ...figures}. `make bench` gives its parts one run id (BENCH_RUN_ID, the time the run
began, UTC); a part run alone makes its own. bench/report.py prints them as tables.
"""

import http.client
import json
import os
import resource
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/outreach_bench"
)
PORT = int(os.environ.get("BENCH_PORT", "8765"))
RESULTS = Path(os.environ.get("BENCH_RESULTS", ROOT / "bench" / "results.jsonl"))
LOGS = ROOT / "var" / "bench"  # gunicorn's output; /var/ is ignored by git
RUN_ID_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
RUN_ID = os.environ.get("BENCH_RUN_ID") or datetime.now(UTC).strftime(RUN_ID_FORMAT)

# Production settings (DEBUG off, manifest static files, JSON logs) on the bench database.
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
    "GUNICORN_BIND": f"127.0.0.1:{PORT}",
    # Production counts rate limits in a cache every process shares: Redis, as there.
    "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/5"),
    # Every request comes from one address here: lift the per-network and per-address limits.
    "OUTREACH_REGISTER_LIMIT_PER_NETWORK": "1000000/m",
    "OUTREACH_REGISTER_LIMIT_PER_EMAIL": "1000000/m",
    # The bare view the catalogue is measured against (outreach/bench_views.py).
    "OUTREACH_BENCH_BARE_VIEW": "true",
}
if os.environ.get("BENCH_GUNICORN_WORKERS"):
    ENV["GUNICORN_WORKERS"] = os.environ["BENCH_GUNICORN_WORKERS"]
# What gunicorn.conf.py makes of the environment above (its default: two workers per core).
GUNICORN_WORKERS = int(ENV.get("GUNICORN_WORKERS", (os.cpu_count() or 1) * 2))
GUNICORN_THREADS = int(ENV.get("GUNICORN_THREADS", "1"))

# The proxy in front of gunicorn says the visitor came over HTTPS.
HEADERS = {"X-Forwarded-Proto": "https"}


def setup_django() -> None:
    """Django in this process, on the bench database with the settings gunicorn gets."""
    import django

    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    django.setup()


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


def reset_sequences() -> None:
    """Move every id sequence past the table's largest id.

    bench/impact.py fills its tables with COPY and ids of its own, which leaves the sequences
    behind: the next row saved through Django would take an id already used.
    """
    import psycopg

    script = manage("sqlsequencereset", "outreach", "events", "registrations", capture=True)
    with psycopg.connect(DATABASE_URL, autocommit=True) as connection:
        connection.execute(script)


def prepare_database() -> None:
    """The bench database exists, is migrated, and the static files gunicorn serves are built.

    Once per `make bench` run (its parts share BENCH_RUN_ID): a part after the first finds it
    done (var/bench/prepared holds the id of the run that did it).
    """
    done = LOGS / "prepared"
    shared_run = os.environ.get("BENCH_RUN_ID")
    if shared_run and done.exists() and done.read_text() == shared_run:
        return
    ensure_database()
    manage("migrate", "--noinput", "-v0")
    manage("collectstatic", "--noinput", "-v0")
    reset_sequences()
    if shared_run:
        LOGS.mkdir(parents=True, exist_ok=True)
        done.write_text(shared_run)


def _answers(path: str) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
        connection.request("GET", path, headers=HEADERS)
        connection.getresponse().read()
        connection.close()
        return True
    except (OSError, http.client.HTTPException):
        return False


@contextmanager
def serving(name: str):
    """gunicorn with gunicorn.conf.py on 127.0.0.1:BENCH_PORT while the block runs.

    Its output (access lines included, as in production) goes to var/bench/gunicorn-<name>.log.
    """
    if _answers("/health/"):
        raise SystemExit(f"something already answers on port {PORT}: set BENCH_PORT")
    LOGS.mkdir(parents=True, exist_ok=True)
    log_path = LOGS / f"gunicorn-{name}.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "outreach.wsgi", "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env=ENV,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while not _answers("/health/"):
            if server.poll() is not None or time.monotonic() > deadline:
                tail = log_path.read_text().splitlines()[-20:]
                raise SystemExit("gunicorn did not start:\n" + "\n".join(tail))
            time.sleep(0.2)
        yield server
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def machine_busy(seconds: float = 2.0) -> float:
    """The share of the machine's CPU in use over a few seconds (Linux /proc/stat), taken just
    before a part starts its server: other work on the machine makes the figures worse."""

    def sample() -> tuple[int, int]:
        fields = [int(value) for value in Path("/proc/stat").read_text().split()[1:9]]
        idle = fields[3] + fields[4]  # idle and iowait
        return sum(fields) - idle, sum(fields)

    try:
        busy_before, total_before = sample()
        time.sleep(seconds)
        busy_after, total_after = sample()
    except OSError:
        return -1.0
    return round((busy_after - busy_before) / max(total_after - total_before, 1), 3)


def load_average() -> list[float]:
    """The machine's load average (1, 5 and 15 minutes), recorded before each part."""
    return [round(value, 2) for value in os.getloadavg()]


def machine_before(part: str) -> dict:
    """How quiet the machine was just before a part measured, printed and returned: its load
    average, then the share of its CPU in use over two seconds. Other work on the machine makes
    the figures worse."""
    load, busy = load_average(), machine_busy()
    print(
        f"{part}: load average {', '.join(f'{value:.2f}' for value in load)} "
        f"(1, 5, 15 min), CPU {busy:.0%} busy, before measuring",
        flush=True,
    )
    return {"load_average_before": load, "machine_busy_before": busy}


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, float]]:
    """Every process: pid → (parent pid, CPU seconds of it and of its children it waited for)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        # After "pid (name) ": state, ppid, ... utime (14th field), stime, cutime, cstime.
        fields = text[text.rindex(")") + 2 :].split()
        found[int(entry.name)] = (
            int(fields[1]),
            sum(int(value) for value in fields[11:15]) / CLOCK_TICKS,
        )
    return found


def tree_cpu_seconds(root: int | None, processes: dict | None = None) -> float | None:
    """CPU seconds used by a process and all its descendants so far, those that ended included
    (a parent's count holds the children it waited for: gunicorn's restarted workers, the
    backends PostgreSQL's postmaster reaped)."""
    if root is None:
        return None
    processes = processes if processes is not None else _processes()
    if root not in processes:
        return None
    children: dict[int, list[int]] = {}
    for pid, (parent, _seconds) in processes.items():
        children.setdefault(parent, []).append(pid)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += processes[pid][1]
        todo += children.get(pid, [])
    return total


def postmaster_pid() -> int | None:
    """PostgreSQL's postmaster, when it runs on this machine: the parent of our backend."""
    import psycopg

    try:
        with psycopg.connect(DATABASE_URL, autocommit=True) as connection:
            backend = connection.execute("SELECT pg_backend_pid()").fetchone()[0]
            text = Path(f"/proc/{backend}/stat").read_text()  # while the backend lives
        return int(text[text.rindex(")") + 2 :].split()[1])
    except (psycopg.Error, OSError, ValueError):
        return None


def redis_cpu_seconds() -> float | None:
    """Redis's own count of the CPU it used (INFO cpu), when the cache is Redis."""
    try:
        import redis

        info = redis.Redis.from_url(ENV["CACHE_URL"], socket_timeout=2).info("cpu")
    except Exception:  # no Redis client or server: the figure is left out
        return None
    return sum(float(info.get(key, 0)) for key in ("used_cpu_sys", "used_cpu_user"))


def _this_process_seconds() -> float:
    """This process (the load generator) and the children it waited for (pgbench)."""
    seconds = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        seconds += usage.ru_utime + usage.ru_stime
    return seconds


class CpuMeter:
    """CPU used while the block runs: by this process (the load generator), by the server's
    processes (gunicorn's master and workers, or the task workers), by PostgreSQL and by Redis.

        with common.CpuMeter(server.pid) as cpu:
            ...
        cpu.figures()  # {"wall_seconds", "seconds": {...}, "share": {...}}

    A share is of the whole machine: seconds / (wall seconds * cores). PostgreSQL and Redis are
    counted whole: other work on them in the meantime counts too.
    """

    def __init__(self, *server_pids: int):
        self.server_pids = server_pids
        self.postmaster = postmaster_pid()

    def _sample(self) -> dict:
        processes = _processes()
        server = [tree_cpu_seconds(pid, processes) for pid in self.server_pids]
        return {
            "wall": time.monotonic(),
            "generator": _this_process_seconds(),
            "server": sum(s for s in server if s is not None) if self.server_pids else None,
            "postgres": tree_cpu_seconds(self.postmaster, processes),
            "redis": redis_cpu_seconds(),
        }

    def __enter__(self) -> "CpuMeter":
        self.before = self._sample()
        return self

    def __exit__(self, *exc) -> None:
        self.after = self._sample()

    def figures(self) -> dict:
        wall = self.after["wall"] - self.before["wall"]
        cores = os.cpu_count() or 1
        seconds = {}
        for name in ("generator", "server", "postgres", "redis"):
            if self.before[name] is not None and self.after[name] is not None:
                seconds[name] = round(self.after[name] - self.before[name], 3)
        return {
            "wall_seconds": round(wall, 2),
            "seconds": seconds,
            "share": {name: round(value / (wall * cores), 3) for name, value in seconds.items()},
        }


def percentile(ordered: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted values (share 0.99 for p99)."""
    if not ordered:
        return 0.0
    rank = max(int(len(ordered) * share + 0.999999) - 1, 0)
    return ordered[min(rank, len(ordered) - 1)]


def burst_figures(results: list[tuple[float, int]], seconds: float) -> dict:
    """Requests, rate, p50 and p99 (ms) and the count of each answer, from (latency, status)."""
    latencies = sorted(latency for latency, _status in results)
    statuses = {}
    for _latency, status in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "requests": len(results),
        "seconds": round(seconds, 2),
        "per_second": round(len(results) / seconds, 1) if seconds else 0.0,
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "statuses": statuses,
    }


def record(part: str, figures: dict) -> dict:
    """Append one part's figures to bench/results.jsonl, under this run's id."""
    line = {
        "run": RUN_ID,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "bench": part,
        "machine": f"{os.cpu_count()} cores",
        **figures,
    }
    with RESULTS.open("a") as handle:
        handle.write(json.dumps(line) + "\n")
    return line

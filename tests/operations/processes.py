"""Real processes for the operations tests: workers and servers started as production starts
them, a PostgreSQL connection that can be cut, and a Redis database of their own."""

import os
import secrets
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# Redis databases these tests may take, one per test run at a time (other runs may share Redis).
REDIS_DATABASES = range(15, 9, -1)
REDIS_CLAIM_KEY = "outreach-tests:claimed"


def needs_postgresql():
    return pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="starts worker and server processes that share the test database: needs "
        "PostgreSQL (set DATABASE_URL=postgres://…); SQLite's test database is in memory",
    )


def database_url(*, port: int | None = None) -> str:
    """The test database as a DATABASE_URL for another process, optionally through a proxy."""
    config = connection.settings_dict
    user = quote(config["USER"] or "")
    password = f":{quote(config['PASSWORD'])}" if config["PASSWORD"] else ""
    host = config["HOST"] or "127.0.0.1"
    return f"postgres://{user}{password}@{host}:{port or config['PORT'] or 5432}/{config['NAME']}"


def environment(**values: str) -> dict[str, str]:
    """The production settings, as a process manager would pass them, for a test machine."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "PYTEST_", "DATABASE_", "TASKS_", "EMAIL_"))
        and name not in {"CACHE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.operations.process_settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL="https://outreach.example",
        SECURE_SSL_REDIRECT="false",
        LOG_FORMAT="plain",
        EMAIL_BACKEND="tests.operations.mailbox.MailboxBackend",
        PYTHONUNBUFFERED="1",
    )
    env.update(values)
    return env


class Process:
    """A command started from the project's directory, its output kept in a log file."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], logs: Path):
        self.name = name
        self.log = logs / f"{name}.log"
        with self.log.open("wb") as output:
            self.popen = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
            )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to finish anything."""
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def manage(name: str, *arguments: str, env: dict[str, str], logs: Path) -> Process:
    return Process(name, [sys.executable, "manage.py", *arguments], env, logs)


def wait_until(
    condition: Callable[[], object],
    *,
    timeout: float,
    what: str,
    processes: tuple[Process, ...] = (),
    every: float = 0.05,
):
    """Poll until `condition()` is true; fail saying what did not happen, with the logs."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {p.name}\n{p.output()[-3000:]}" for p in processes)
            pytest.fail(f"{what}: not within {timeout} s\n{logs}")
        for process in processes:
            if process.popen.poll() is not None:
                pytest.fail(f"{process.name} stopped while waiting for {what}:\n{process.output()}")
        time.sleep(every)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class CuttableProxy:
    """A TCP proxy on loopback in front of PostgreSQL, cut and restored like a database restart.

    Cut, it closes every connection it carries and resets each new one at once, as a server
    that is down refuses them; restored, it carries connections again. It keeps its port
    throughout (giving it up could let another program take it). The PostgreSQL server the rest
    of the suite uses is never touched.
    """

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self._links: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._up = threading.Event()
        self._up.set()
        self._stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        self._up.clear()
        with self._lock:
            links, self._links = self._links, set()
        for link in links:
            _reset(link)

    def restore(self) -> None:
        self._up.set()

    def close(self) -> None:
        self._stopped.set()
        self.cut()
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self._up.is_set():
                _reset(client)
                continue
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._links |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for end in (source, sink):
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


def _reset(link: socket.socket) -> None:
    """Close with a reset, as the kernel answers for a server that is not there."""
    with suppress(OSError):
        link.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with suppress(OSError):
        link.shutdown(socket.SHUT_RDWR)  # wakes the thread reading from it
    link.close()


def missing(reason: str):
    """Skip on a laptop without the service; fail in CI (CI=true), which must run every test."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run this test: {reason}")
    pytest.skip(reason)


def claim_redis_database():
    """A Redis database of this test's own, emptied."""
    redis = pytest.importorskip("redis", reason="the Redis queue needs the rq extra")
    for number in REDIS_DATABASES:
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=number, socket_timeout=2)
        try:
            claimed = client.set(REDIS_CLAIM_KEY, os.getpid(), nx=True, ex=600)
        except redis.exceptions.ConnectionError:
            missing(f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT}: start redis-server")
        if claimed:
            for key in client.scan_iter():
                if key != REDIS_CLAIM_KEY.encode():
                    client.delete(key)
            return client
    pytest.skip("every Redis database kept for tests is taken by another test run")


def release_redis_database(client) -> None:
    client.flushdb()
    client.close()


def redis_url(client) -> str:
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{client.connection_pool.connection_kwargs['db']}"

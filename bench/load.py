"""A light HTTP/1.1 load generator on asyncio: many clients in one thread of one process.

The parts of `make bench` used to drive gunicorn from processes of http.client threads, which
took a good share of a 2-core machine's CPU from the server they measured. Here each client is a
coroutine on one event loop, writing requests and reading answers on raw asyncio streams: a
request costs the generator some tens of microseconds. Its CPU share is measured beside the
server's (common.CpuMeter) and printed with every figure.

A client keeps its connection open between requests (keep-alive) and opens a new one when the
server closes it: gunicorn's sync workers close after every answer, its threaded workers keep it.
A request that finds a kept connection closed before any byte of the answer is sent again once on
a new connection, as browsers do; any other failure is recorded under the exception's name.

    window = Window(seconds=20, warm_up=3)
    await window.run(16, client)   # client(n, window) loops while window.is_open()

`Window` keeps each answer's latency and status; answers that began before the warm-up ended or
ended after the window closed are not counted, and `figures()` gives the rate, p50, p99 and
the count of each status.
"""

import asyncio
import os
import re
import resource
import time
import urllib.parse
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

import common

HOST = "127.0.0.1"
# Seconds for one request, connection included: the race's last answer waits for all the others.
TIMEOUT = float(os.environ.get("BENCH_REQUEST_TIMEOUT", "120"))

# A thousand clients at once need a thousand sockets: raise this process's limit to its ceiling.
_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if _hard == resource.RLIM_INFINITY or _soft < _hard:
    resource.setrlimit(resource.RLIMIT_NOFILE, (_hard, _hard))


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # lower-case names; Set-Cookie's values are in `cookies`
    cookies: dict[str, str]
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Closed(Exception):
    """The server closed the connection before the first byte of its answer."""


class Connection:
    """One client's connection to gunicorn on loopback, opened again whenever it was closed."""

    def __init__(self, port: int | None = None, host: str = HOST):
        self.host = host
        self.port = port or common.PORT
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.used = False  # whether the open connection has carried an answer already

    async def open(self) -> None:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(
                self.host, self.port, limit=2**20
            )
            self.used = False

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    def encode(self, method: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    async def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> Response:
        data = self.encode(method, path, headers or {}, body)
        return await asyncio.wait_for(self._send(data, method), TIMEOUT)

    async def send_prepared(self, data: bytes, method: str = "POST") -> Response:
        """Send a request already encoded (Connection.encode): the race opens every connection
        and encodes every request first, then writes them all at once."""
        return await asyncio.wait_for(self._send(data, method), TIMEOUT)

    async def _send(self, data: bytes, method: str) -> Response:
        for attempt in (1, 2):
            await self.open()
            reused = self.used
            try:
                self.writer.write(data)
                await self.writer.drain()
                return await self._read(method)
            except (Closed, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2 or not reused:
                    raise
            except BaseException:
                self.close()
                raise
        raise AssertionError("unreachable")

    async def _read(self, method: str) -> Response:
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as error:
            if not error.partial:
                raise Closed from error
            raise
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers, cookies = {}, {}
        for line in lines[1:]:
            if not line:
                continue
            name, _colon, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookie, _equals, rest = value.partition("=")
                cookies[cookie.strip()] = rest.split(";", 1)[0]
            else:
                headers[name] = value
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            body = b""
        elif "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = await self._chunked()
        else:
            body = await self.reader.read()  # until the server closes
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            self.close()
        else:
            self.used = True
        return Response(status, headers, cookies, body)

    async def _chunked(self) -> bytes:
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                while (await self.reader.readuntil(b"\r\n")) != b"\r\n":
                    pass  # trailers
                return b"".join(parts)
            parts.append((await self.reader.readexactly(size + 2))[:-2])


@dataclass
class Answer:
    tag: str
    began: float
    ended: float
    status: int | str

    @property
    def latency(self) -> float:
        return self.ended - self.began


@dataclass
class Window:
    """A measured stretch of time after a warm-up; the answers that fall in it."""

    seconds: float
    warm_up: float = 0.0
    start: float = 0.0
    stop: float = 0.0
    answers: list[Answer] = field(default_factory=list)

    def is_open(self) -> bool:
        return time.monotonic() < self.stop

    async def timed(self, tag: str, request: Awaitable[Response]) -> Response | None:
        """Await the request and keep its answer (None when it failed)."""
        began = time.monotonic()
        try:
            response = await request
            status = response.status
        except (
            OSError,
            TimeoutError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            Closed,
            ValueError,
        ) as error:
            response, status = None, type(error).__name__
        self.answers.append(Answer(tag, began, time.monotonic(), status))
        return response

    async def run(
        self,
        clients: int,
        client: Callable[[int, "Window"], Awaitable[None]],
        meter: AbstractContextManager | None = None,
    ):
        """Every client at once, until the warm-up and the window have passed. `meter` (a
        common.CpuMeter) is entered when the window opens and left when it closes, so that the
        warm-up's CPU (first requests of fresh workers) is not counted."""
        self.start = time.monotonic() + self.warm_up
        self.stop = self.start + self.seconds

        async def metering() -> None:
            await asyncio.sleep(max(self.start - time.monotonic(), 0))
            meter.__enter__()
            await asyncio.sleep(max(self.stop - time.monotonic(), 0))
            meter.__exit__(None, None, None)

        tasks = [client(n, self) for n in range(clients)]
        await asyncio.gather(*tasks, *([metering()] if meter is not None else []))

    def counted(self, tag: str | None = None) -> list[Answer]:
        return [
            answer
            for answer in self.answers
            if self.start <= answer.began
            and answer.ended <= self.stop
            and (tag is None or answer.tag == tag)
        ]

    def figures(self, tag: str | None = None, ok: tuple = (200,)) -> dict:
        """Rate, p50 and p99 (ms), the count of each status, and errors (statuses not in `ok`)."""
        answers = self.counted(tag)
        figures = common.burst_figures(
            [(answer.latency, answer.status) for answer in answers], self.seconds
        )
        figures["errors"] = sum(1 for answer in answers if answer.status not in ok)
        return figures


# --- The registration form ------------------------------------------------------------------

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Form:
    """What a browser holds after loading a form page: the CSRF cookie and the form's token."""

    cookie: str
    token: str


async def load_form(connection: Connection, path: str) -> Form:
    response = await connection.request("GET", path, common.HEADERS)
    match = CSRF_INPUT.search(response.text())
    if response.status != 200 or "csrftoken" not in response.cookies or not match:
        raise SystemExit(f"GET {path} answered {response.status} without a CSRF cookie and token")
    return Form(response.cookies["csrftoken"], match.group(1))


def registration_fields(email: str, n: int) -> dict[str, str]:
    """The registration form as a firm fills it in (its name one of 500, so most are known)."""
    return {
        "full_name": f"Bench person {n}",
        "email": email,
        "economy": "CL",
        "organisation_name": f"Bench firm {n % 500}",
        "kind": "firm",
        "size_band": "micro",
        "sector": "food",
        "exporting_status": "ready",
        "time_zone": "America/Santiago",
        "consent": "on",
    }


def registration_body(form: Form, email: str, n: int) -> bytes:
    fields = {"csrfmiddlewaretoken": form.token, **registration_fields(email, n)}
    return urllib.parse.urlencode(fields).encode()


def form_headers(form: Form, port: int | None = None) -> dict[str, str]:
    """A POST of the form from the page: CSRF cookie, a same-origin Referer over HTTPS (the
    proxy's X-Forwarded-Proto). The session cookie is not sent back: each registrant is new."""
    return {
        **common.HEADERS,
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={form.cookie}",
        "Referer": f"https://{HOST}:{port or common.PORT}/",
    }

"""A fake Zoom on this machine (never the internet): the OAuth token, webinars created,
changed and deleted, their registrants added and cancelled, and a paginated participants
report. It records every request it gets, and can answer 503 for a while (an outage)."""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

PARTICIPANTS = {
    "": {
        "next_page_token": "page2",
        "participants": [
            {
                "name": "Ana Pérez",
                "user_email": "ANA@example.cl ",
                "join_time": "2026-11-10T14:00:05Z",
                "leave_time": "2026-11-10T14:20:00Z",
            },
            {
                "name": "Ana Pérez",
                "user_email": "ana@example.cl",
                "join_time": "2026-11-10T14:15:00Z",
                "leave_time": "2026-11-10T14:40:00Z",
            },
        ],
    },
    "page2": {
        "next_page_token": "",
        "participants": [
            {
                "name": "Walk In",
                "user_email": "",
                "join_time": "2026-11-10T14:00:00Z",
                "leave_time": "2026-11-10T14:05:00Z",
            },
        ],
    },
}
# The past webinar whose participants the report holds.
PAST_WEBINAR = "85012345678"


@dataclass
class Request:
    method: str
    path: str  # without the query
    query: dict
    body: dict | None


@dataclass
class FakeZoomState:
    """What the fake Zoom knows and was asked."""

    failures_left: int = 0  # API calls (not the token) answered 503 before the next succeeds
    calls: list[str] = field(default_factory=list)  # every path asked, with its query
    requests: list[Request] = field(default_factory=list)
    webinars: dict[str, dict] = field(default_factory=dict)
    registrants: dict[str, dict[str, dict]] = field(default_factory=dict)
    next_id: int = 86000000001

    def asked(self, method: str, prefix: str = "/v2/") -> list[Request]:
        """The requests of one method to the API (not the token)."""
        return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]


def join_link(webinar_id: str) -> str:
    return f"https://zoom.example/j/{webinar_id}?pwd=general"


def personal_link(webinar_id: str, registrant_id: str) -> str:
    return f"https://zoom.example/w/{webinar_id}?tk={registrant_id}-personal"


class FakeZoom(BaseHTTPRequestHandler):
    """Zoom's API v2 as the client uses it; `state` is set per test (the fixture)."""

    state: FakeZoomState

    def log_message(self, *args):
        pass

    def _send(self, status, body=None):
        payload = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _record(self) -> Request:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query),
            body=json.loads(raw) if raw else None,
        )
        self.state.calls.append(self.path)
        self.state.requests.append(request)
        return request

    def _handle(self):
        request = self._record()
        if request.path == "/oauth/token":
            return self._token(request)
        if self.headers.get("Authorization") != "Bearer secret-token":
            return self._send(401, {"code": 124, "message": "Invalid access token."})
        if self.state.failures_left:
            self.state.failures_left -= 1
            return self._send(503, {"code": 503, "message": "Service temporarily unavailable."})
        parts = request.path.removeprefix("/v2").strip("/").split("/")
        match (request.method, parts):
            case ("POST", ["users", "me", "webinars"]):
                return self._create_webinar(request.body)
            case ("PATCH", ["webinars", webinar]):
                return self._update_webinar(webinar, request.body)
            case ("DELETE", ["webinars", webinar]):
                if self.state.webinars.pop(webinar, None) is None:
                    return self._unknown(webinar)
                return self._send(204)
            case ("POST", ["webinars", webinar, "registrants"]):
                return self._add_registrant(webinar, request.body)
            case ("PUT", ["webinars", webinar, "registrants", "status"]):
                return self._registrant_status(webinar, request.body)
            case ("GET", ["report", "webinars", webinar, "participants"]):
                if webinar != PAST_WEBINAR:
                    return self._unknown(webinar)
                token = request.query.get("next_page_token", [""])[0]
                return self._send(200, PARTICIPANTS[token])
        return self._send(404, {"code": 300, "message": "No such endpoint."})

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

    def _token(self, request):
        if request.query.get("grant_type") != ["account_credentials"]:
            return self._send(400, {"reason": "bad grant"})
        if self.headers.get("Authorization", "").startswith("Basic "):
            return self._send(200, {"access_token": "secret-token", "expires_in": 3600})
        return self._send(401, {"reason": "no credentials"})

    def _unknown(self, webinar):
        return self._send(404, {"code": 3001, "message": f"Webinar {webinar} does not exist."})

    def _create_webinar(self, body):
        webinar = str(self.state.next_id)
        self.state.next_id += 1
        self.state.webinars[webinar] = dict(body)
        self.state.registrants[webinar] = {}
        return self._send(
            201, {"id": int(webinar), "join_url": join_link(webinar), "topic": body["topic"]}
        )

    def _update_webinar(self, webinar, body):
        if webinar not in self.state.webinars:
            return self._unknown(webinar)
        self.state.webinars[webinar].update(body)
        return self._send(204)

    def _add_registrant(self, webinar, body):
        if webinar not in self.state.webinars:
            return self._unknown(webinar)
        if not body.get("email") or not body.get("first_name"):
            return self._send(400, {"code": 300, "message": "Validation Failed."})
        known = self.state.registrants[webinar]
        # Zoom answers a second registration of an email with the same registrant.
        registrant = next(
            (key for key, value in known.items() if value["email"] == body["email"]),
            f"r{len(known) + 1}x{webinar[-4:]}",
        )
        known[registrant] = dict(body, status="approved")
        return self._send(
            201,
            {
                "id": int(webinar),
                "registrant_id": registrant,
                "join_url": personal_link(webinar, registrant),
            },
        )

    def _registrant_status(self, webinar, body):
        if webinar not in self.state.webinars:
            return self._unknown(webinar)
        if body.get("action") != "cancel":
            return self._send(400, {"code": 300, "message": "Unknown action."})
        for registrant in body.get("registrants", []):
            if registrant["id"] in self.state.registrants[webinar]:
                self.state.registrants[webinar][registrant["id"]]["status"] = "cancelled"
        return self._send(204)


@pytest.fixture
def fake_zoom(settings):
    """A fake Zoom on loopback, with the settings pointing at it; yields what it knows and was
    asked (tests.attendance.fake_zoom.FakeZoomState)."""
    state = FakeZoomState()
    handler = type("FakeZoomForTest", (FakeZoom,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    settings.ZOOM_ACCOUNT_ID = "account"
    settings.ZOOM_CLIENT_ID = "client"
    settings.ZOOM_CLIENT_SECRET = "secret"
    settings.ZOOM_OAUTH_URL = f"{base}/oauth/token"
    settings.ZOOM_API_URL = f"{base}/v2"
    yield state
    server.shutdown()
    server.server_close()

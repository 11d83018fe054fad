"""Zoom's API (server-to-server OAuth): webinars created, changed and deleted, their registrants
added and cancelled, and a past webinar's participants pulled.

Optional: used only when ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET are set.
Every call has a timeout to connect and to read. A connection that fails, and a 429 or 5xx
answer, are tried again with backoff (honouring Retry-After), except that the one call that is
not idempotent (creating a webinar) is tried again only when nothing was sent (a refused
connection) or Zoom said so (429): a 5xx or a read timeout there may have created it already.
Each answer Zoom refuses becomes a ZoomError carrying Zoom's own message. The participants
become the same ParsedReport as an uploaded report file.

Endpoints (Zoom API v2, https://developers.zoom.us/docs/api/): POST /users/{userId}/webinars,
PATCH and DELETE /webinars/{webinarId}, POST /webinars/{webinarId}/registrants,
PUT /webinars/{webinarId}/registrants/status, GET /report/webinars/{webinarId}/participants.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from outreach.config import zoom_is_configured as is_configured
from registrations.attendance.reports import Join, ParsedReport

TIMEOUT = (5, 30)  # seconds to connect, seconds to read
PAGE_SIZE = 300  # Zoom's largest page for report endpoints
RETRIES = 3
BACKOFF = 0.5  # seconds; doubled at each retry after the first
RETRIED_STATUSES = (429, 500, 502, 503, 504)
# Server-to-server OAuth acts for the account; "me" is the user who made the app, who hosts
# the webinars created.
HOST_USER = "me"
# Zoom's limits on a webinar's topic and agenda.
TOPIC_LENGTH = 200
AGENDA_LENGTH = 2000
# A scheduled webinar (not recurring), registration required and approved automatically, so
# that each registrant gets a personal join link at once.
WEBINAR_TYPE = 5
AUTOMATIC_APPROVAL = 0


class ZoomError(Exception):
    """Zoom could not be reached or refused the request; the message says which."""


def webinar_id_from(join_url: str) -> str:
    """The webinar id in a Zoom join link (https://…zoom.us/j/85012345678?pwd=…), or ""."""
    match = re.search(r"/(?:j|w|s)/(\d{9,12})", join_url or "")
    return match.group(1) if match else ""


def webinar_of(session) -> str:
    """The session's webinar: the one created for it, else the one its join link names."""
    return session.zoom_webinar_id or webinar_id_from(session.join_url)


def _http(*, idempotent: bool = True) -> requests.Session:
    retry = Retry(
        total=RETRIES,
        connect=RETRIES,
        read=RETRIES if idempotent else 0,
        backoff_factor=BACKOFF,
        status_forcelist=RETRIED_STATUSES if idempotent else (429,),
        allowed_methods=frozenset({"GET", "POST", "PATCH", "PUT", "DELETE"}),
        respect_retry_after_header=True,
        # The last answer is kept (not an exception), so that its status and Zoom's message
        # can be told.
        raise_on_status=False,
    )
    http = requests.Session()
    http.mount("https://", HTTPAdapter(max_retries=retry))
    http.mount("http://", HTTPAdapter(max_retries=retry))
    return http


def _unreachable(error: requests.RequestException) -> ZoomError:
    return ZoomError(f"Zoom cannot be reached: {type(error).__name__}")


def _zoom_message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("message") or body.get("reason") or "") if isinstance(body, dict) else ""


def _refused(response: requests.Response) -> ZoomError:
    message = _zoom_message(response)
    return ZoomError(
        f"Zoom answered HTTP {response.status_code}: {message}"
        if message
        else f"Zoom answered HTTP {response.status_code}."
    )


def _token(http: requests.Session) -> str:
    try:
        response = http.post(
            settings.ZOOM_OAUTH_URL,
            params={"grant_type": "account_credentials", "account_id": settings.ZOOM_ACCOUNT_ID},
            auth=(settings.ZOOM_CLIENT_ID, settings.ZOOM_CLIENT_SECRET),
            timeout=TIMEOUT,
        )
    except requests.RequestException as error:
        raise _unreachable(error) from None
    if response.status_code in (400, 401, 403):
        raise ZoomError(f"Zoom refused the credentials (HTTP {response.status_code}).")
    if response.status_code != 200:
        raise _refused(response)
    return response.json()["access_token"]


class _Api:
    """One signed-in conversation with Zoom's API: a token, then calls with it."""

    def __init__(self, *, idempotent: bool = True):
        if not is_configured():
            raise ZoomError(
                "Zoom is not set up on this server "
                "(ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET)."
            )
        self.http = _http(idempotent=idempotent)
        self.headers = {"Authorization": f"Bearer {_token(self.http)}"}

    def call(self, method: str, path: str, *, params=None, json=None) -> requests.Response:
        try:
            return self.http.request(
                method,
                f"{settings.ZOOM_API_URL}{path}",
                params=params,
                json=json,
                headers=self.headers,
                timeout=TIMEOUT,
            )
        except requests.RequestException as error:
            raise _unreachable(error) from None


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def fetch_participants(webinar_id: str) -> ParsedReport:
    """Every participant join of a past webinar, following Zoom's page tokens."""
    api = _Api()
    path = f"/report/webinars/{webinar_id}/participants"
    joins = []
    page_token = ""
    while True:
        params = {"page_size": PAGE_SIZE}
        if page_token:
            params["next_page_token"] = page_token
        response = api.call("GET", path, params=params)
        if response.status_code == 404:
            raise ZoomError(f"Zoom knows no past webinar {webinar_id}.")
        if response.status_code != 200:
            raise _refused(response)
        page = response.json()
        for number, participant in enumerate(page.get("participants", []), start=len(joins) + 1):
            joins.append(
                Join(
                    name=participant.get("name", ""),
                    email=participant.get("user_email", ""),
                    joined_at=_moment(participant["join_time"]),
                    left_at=_moment(participant["leave_time"]),
                    line=number,
                )
            )
        page_token = page.get("next_page_token") or ""
        if not page_token:
            return ParsedReport(joins=joins, absentees=[], platform="zoom-api")


@dataclass(frozen=True)
class Webinar:
    """What Zoom is told of a session: its title, start (UTC), time zone, length and summary."""

    topic: str
    starts_at: datetime
    time_zone: str
    minutes: int
    agenda: str = ""

    def as_json(self) -> dict:
        return {
            "topic": self.topic[:TOPIC_LENGTH],
            # Zoom reads a time ending in Z as UTC, and shows it in `timezone`.
            "start_time": self.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "timezone": self.time_zone,
            "duration": self.minutes,
            "agenda": self.agenda[:AGENDA_LENGTH],
        }


@dataclass(frozen=True)
class Created:
    """A webinar or registrant Zoom made: its id and its join link."""

    id: str
    join_url: str


def create_webinar(webinar: Webinar) -> Created:
    """Schedule a webinar with registration (approved automatically); its id and join link."""
    api = _Api(idempotent=False)
    body = webinar.as_json() | {
        "type": WEBINAR_TYPE,
        "settings": {"approval_type": AUTOMATIC_APPROVAL},
    }
    response = api.call("POST", f"/users/{HOST_USER}/webinars", json=body)
    if response.status_code != 201:
        raise _refused(response)
    answer = response.json()
    return Created(id=str(answer["id"]), join_url=answer.get("join_url", ""))


def update_webinar(webinar_id: str, webinar: Webinar) -> None:
    """Give the webinar the session's title, time, zone and length as they are now."""
    response = _Api().call("PATCH", f"/webinars/{webinar_id}", json=webinar.as_json())
    if response.status_code != 204:
        raise _refused(response)


def delete_webinar(webinar_id: str) -> None:
    """Cancel the webinar on Zoom; one Zoom no longer knows is gone already."""
    response = _Api().call("DELETE", f"/webinars/{webinar_id}")
    if response.status_code not in (204, 404):
        raise _refused(response)


def add_registrant(webinar_id: str, *, email: str, full_name: str) -> Created:
    """Register a person for the webinar; the registrant's id and personal join link. Zoom
    answers a second registration of the same email with the same registrant."""
    first, _space, last = (full_name.strip() or email.split("@")[0]).partition(" ")
    response = _Api().call(
        "POST",
        f"/webinars/{webinar_id}/registrants",
        json={"email": email, "first_name": first[:64], "last_name": last.strip()[:64]},
    )
    if response.status_code != 201:
        raise _refused(response)
    answer = response.json()
    return Created(id=str(answer["registrant_id"]), join_url=answer.get("join_url", ""))


def cancel_registrant(webinar_id: str, *, registrant_id: str, email: str = "") -> None:
    """Cancel a registrant's registration (their personal link stops working); a webinar Zoom
    no longer knows has no registrants left to cancel."""
    registrant = {"id": registrant_id} | ({"email": email} if email else {})
    response = _Api().call(
        "PUT",
        f"/webinars/{webinar_id}/registrants/status",
        json={"action": "cancel", "registrants": [registrant]},
    )
    if response.status_code not in (204, 404):
        raise _refused(response)

"""Pulling a past webinar's participants from Zoom's API (server-to-server OAuth).

Optional: used only when ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET are set.
Every call has a timeout; failures of the network or 429/5xx answers are retried with backoff.
The participants become the same ParsedReport as an uploaded report file.
"""

import re
from datetime import datetime

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from registrations.attendance.reports import Join, ParsedReport

TIMEOUT = (5, 30)  # seconds to connect, seconds to read
PAGE_SIZE = 300  # Zoom's largest page for report endpoints


class ZoomError(Exception):
    """Zoom could not be reached or refused the request; the message says which."""


def is_configured() -> bool:
    return bool(
        settings.ZOOM_ACCOUNT_ID and settings.ZOOM_CLIENT_ID and settings.ZOOM_CLIENT_SECRET
    )


def webinar_id_from(join_url: str) -> str:
    """The webinar id in a Zoom join link (https://…zoom.us/j/85012345678?pwd=…), or ""."""
    match = re.search(r"/(?:j|w|s)/(\d{9,12})", join_url or "")
    return match.group(1) if match else ""


def _http() -> requests.Session:
    retry = Retry(
        total=3,
        backoff_factor=0.5,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "POST"}),
        respect_retry_after_header=True,
    )
    http = requests.Session()
    http.mount("https://", HTTPAdapter(max_retries=retry))
    http.mount("http://", HTTPAdapter(max_retries=retry))
    return http


def _token(http: requests.Session) -> str:
    try:
        response = http.post(
            settings.ZOOM_OAUTH_URL,
            params={"grant_type": "account_credentials", "account_id": settings.ZOOM_ACCOUNT_ID},
            auth=(settings.ZOOM_CLIENT_ID, settings.ZOOM_CLIENT_SECRET),
            timeout=TIMEOUT,
        )
    except requests.RequestException as error:
        raise ZoomError(f"Zoom cannot be reached: {type(error).__name__}") from None
    if response.status_code != 200:
        raise ZoomError(f"Zoom refused the credentials (HTTP {response.status_code}).")
    return response.json()["access_token"]


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def fetch_participants(webinar_id: str) -> ParsedReport:
    """Every participant join of a past webinar, following Zoom's page tokens."""
    http = _http()
    headers = {"Authorization": f"Bearer {_token(http)}"}
    url = f"{settings.ZOOM_API_URL}/report/webinars/{webinar_id}/participants"
    joins = []
    page_token = ""
    while True:
        params = {"page_size": PAGE_SIZE}
        if page_token:
            params["next_page_token"] = page_token
        try:
            response = http.get(url, params=params, headers=headers, timeout=TIMEOUT)
        except requests.RequestException as error:
            raise ZoomError(f"Zoom cannot be reached: {type(error).__name__}") from None
        if response.status_code == 404:
            raise ZoomError(f"Zoom knows no past webinar {webinar_id}.")
        if response.status_code != 200:
            raise ZoomError(f"Zoom answered HTTP {response.status_code}.")
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

"""Calendar files (RFC 5545) and "add to calendar" links for sessions.

Every file carries VTIMEZONE for the zones it uses, a stable UID per session and the
session's SEQUENCE, so calendar programs update an event in place instead of duplicating it.
The join link is never written here: calendar files and feeds are public.
"""

import zoneinfo
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from events.models import Session, SessionFormat, SessionStatus
from outreach.links import absolute_url

PRODUCT_ID = "-//Outreach//Sessions//EN"


def site_domain() -> str:
    return urlsplit(settings.SITE_URL).netloc


def session_uid(session: Session) -> str:
    return f"session-{session.uid}@{site_domain()}"


def session_location(session: Session) -> str:
    if session.format == SessionFormat.ONLINE:
        return _("Online")
    if session.format == SessionFormat.HYBRID:
        return _("%(venue)s and online") % {"venue": session.venue}
    return session.venue


def session_event(session: Session, *, language: str | None = None) -> Event:
    """The VEVENT of a session, its texts in the language asked (falling back to its own)."""
    language = language or session.language
    with translation.override(language):
        zone = zoneinfo.ZoneInfo(session.time_zone)
        url = absolute_url(session.get_absolute_url())
        event = Event()
        event.add("uid", session_uid(session))
        event.add("dtstamp", timezone.now().astimezone(UTC))
        event.add("dtstart", session.starts_at.astimezone(zone))
        event.add("dtend", session.ends_at.astimezone(zone))
        event.add("summary", session.localized("title", language))
        description = session.localized("summary", language)
        event.add("description", f"{description}\n\n{url}".strip())
        event.add("url", url)
        event.add("location", session_location(session))
        event.add("sequence", session.sequence)
        event.add(
            "status", "CANCELLED" if session.status == SessionStatus.CANCELLED else "CONFIRMED"
        )
        event.add("last-modified", session.updated_at.astimezone(UTC))
        event.add("transp", "OPAQUE")
    return event


def build_calendar(events: Iterable[Event], *, name: str = "", method: str = "PUBLISH") -> Calendar:
    """A VCALENDAR holding the events and the VTIMEZONE of every zone they use."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    starts = []
    for event in events:
        calendar.add_component(event)
        starts.append(event.decoded("dtstart"))
    if starts:
        # Only the transitions around the events, so that feeds stay small.
        first = min(starts).date() - timedelta(days=366)
        last = max(starts).date() + timedelta(days=366)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar


def session_calendar(session: Session, *, language: str | None = None) -> bytes:
    return build_calendar([session_event(session, language=language)]).to_ical()


def feed_calendar(sessions: Iterable[Session], *, name: str) -> bytes:
    """A subscribable feed: each session in its own language, cancelled ones marked so."""
    return build_calendar((session_event(s) for s in sessions), name=name).to_ical()


def _compact_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def google_calendar_link(session: Session, *, language: str) -> str:
    query = {
        "action": "TEMPLATE",
        "text": session.localized("title", language),
        "dates": f"{_compact_utc(session.starts_at)}/{_compact_utc(session.ends_at)}",
        "details": f"{session.localized('summary', language)}\n\n"
        f"{absolute_url(session.get_absolute_url())}".strip(),
        "location": session_location(session),
        "ctz": session.time_zone,
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


def outlook_calendar_link(session: Session, *, language: str) -> str:
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": session.localized("title", language),
        "startdt": session.starts_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "enddt": session.ends_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "body": f"{session.localized('summary', language)}\n\n"
        f"{absolute_url(session.get_absolute_url())}".strip(),
        "location": session_location(session),
    }
    return "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(query)


def webcal_url(path: str) -> str:
    """The subscription address of a feed: webcal:// for calendar programs to subscribe."""
    parts = urlsplit(absolute_url(path))
    return f"webcal://{parts.netloc}{parts.path}"


def ics_filename(session: Session, day: date | None = None) -> str:
    day = day or session.starts_at.date()
    return f"outreach-session-{session.pk}-{day.isoformat()}.ics"

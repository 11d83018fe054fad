"""What every visitor sees alike on the public pages, rendered once and kept in the shared cache
(Redis in production): each session's card per language, time zone and heading level, the part
of a session's page that is the same for everyone, and the catalogue filters' lists per language.

A card is found under a key that holds a digest of everything it shows: the session's own fields,
and what lies in other rows (co-hosts, target economies, its siblings in other languages; topics
and the siblings' seats on its page) read by the same query that lists the sessions
(events.queries: CatalogueRows, with_page_versions). A change made in any way, a form's save(),
the seat counter's `UPDATE ... SET confirmed_count = confirmed_count + 1`, a language group set
with update() or raw SQL, gives a new key: nothing is deleted, a card that no longer matches its
session is never found again, and old ones expire. The key also holds `release()`, a digest of
the code, templates and compiled translations, so a new release renders its own cards.

Nothing in a cached piece depends on who looks, only on the language and the time zone: the
time-zone note (its link back and where the zone came from), the registration box (your seat,
the join link) and the organisers' links are rendered for each request, outside them.
"""

import functools
import hashlib
import logging
import time
from collections.abc import Callable, Collection
from pathlib import Path

import babel
import django
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.template.loader import get_template
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from events import calendar, queries, siblings
from events.forms import catalogue_filter_choices
from events.models import LANGUAGE_CODES, Session, SessionFormat, SessionStatus
from outreach.languages import active_language
from outreach.timezones import format_time_range

# Keys change with what they show, so an entry is never stale, only unused: it goes after this
# (an hour: a card per session, language, time zone and heading level).
TIMEOUT = 60 * 60
# Whole pages weigh some 50 KB and are kept per address: for less time, and only for addresses
# that a link or the filter form makes (not free-text searches, not lists with values unknown).
PAGE_TIMEOUT = 10 * 60
# The lists change only when an organiser edits a topic or an economy (events.apps connects
# `forget_filter_lists` to those saves); bulk writes (demo data, migrations) wait this long.
FILTER_LISTS_TIMEOUT = 10 * 60

# What a card shows, as events.queries reads it: the digest reads these; `card()` shows no other.
CARD_FIELDS = (*queries.CARD_COLUMNS, *queries.CARD_VERSIONS)
# And a session's page, besides.
PAGE_FIELDS = (
    *CARD_FIELDS,
    *(f"description_{code}" for code in LANGUAGE_CODES),
    "time_zone",
    "recording_url",
    "series_id",
    "topics_seen",
)


logger = logging.getLogger(__name__)


def _read(keys: list[str]) -> dict:
    """The pieces found in the cache, in one round trip; none while it does not answer: the
    public pages are then rendered, more slowly, rather than failing."""
    try:
        return cache.get_many(keys)
    except Exception:  # the cache's own errors (Redis down, refused): nothing found
        logger.warning("The cache did not answer: public pages are rendered anew", exc_info=True)
        return {}


def _keep(pieces: dict, timeout: int) -> None:
    try:
        cache.set_many(pieces, timeout)
    except Exception:  # as in _read: what could not be kept is rendered again next time
        logger.warning("The cache did not answer: nothing kept", exc_info=True)


# --- The release ------------------------------------------------------------------------------

# What renders a cached piece besides its data: templates, translations and the Python that
# formats (its dates and sentences come from Babel's data; its links from SITE_URL).
RELEASE_SOURCES = (
    ("templates", "**/*.html"),
    ("locale", "**/*.mo"),
    ("events", "**/*.py"),
    ("outreach", "**/*.py"),
)


def _release_files() -> list[Path]:
    root = Path(settings.BASE_DIR)
    return sorted(
        path for folder, pattern in RELEASE_SOURCES for path in (root / folder).glob(pattern)
    )


@functools.cache
def _release_of_files() -> str:
    digest = hashlib.blake2b(digest_size=16)
    for path in _release_files():
        digest.update(str(path.relative_to(settings.BASE_DIR)).encode())
        digest.update(path.read_bytes())
    for version in (django.__version__, babel.__version__, settings.SITE_URL):
        digest.update(version.encode())
    return digest.hexdigest()[:12]


_stamped = {"at": -1.0, "release": ""}


def release() -> str:
    """A digest of the release: its templates, compiled translations and Python files, with
    Django's and Babel's versions and SITE_URL; read once per process. With DEBUG, from the
    files' times and sizes, at most once a second, so that `make run` shows a template as soon
    as it is saved."""
    if not settings.DEBUG:
        return _release_of_files()
    if time.monotonic() - _stamped["at"] > 1:
        stamps = [f"{p}:{p.stat().st_mtime_ns}:{p.stat().st_size}" for p in _release_files()]
        _stamped["release"] = _digest([*stamps, django.__version__, babel.__version__])[:12]
        _stamped["at"] = time.monotonic()
    return _stamped["release"]


def _digest(values) -> str:
    return hashlib.blake2b(repr(values).encode(), digest_size=16).hexdigest()


def _version(session: Session, fields: tuple[str, ...]) -> str:
    return _digest([getattr(session, field) for field in fields] + [session.is_upcoming])


# --- Cards ------------------------------------------------------------------------------------


def card(session: Session, *, language: str, zone) -> dict:
    """What a session's card shows, formatted for a language and a time zone (the session comes
    from events.queries with its related rows: `fetch_related`)."""
    live = session.status != SessionStatus.CANCELLED and session.is_upcoming
    shown = format_time_range(session.starts_at, session.ends_at, zone, language)
    people = []
    cohosts = [cohost.name for cohost in session.cohosts.all()]
    if cohosts:
        people.append(f"{_('With')} {', '.join(cohosts)}.")
    economies = [economy.name for economy in session.target_economies.all()]
    if economies:
        people.append(f"{_('For firms of')} {', '.join(economies)}.")
    seats = session.seats_left
    return {
        "url": session.get_absolute_url(),
        "title": session.display_title,
        "lang": session.display_language,
        "iso": shown["iso"],
        "end_iso": session.ends_at.astimezone(zone).isoformat(),
        "when": f"{shown['date']}, {shown['start']}–{shown['end']}",
        "zone": shown["zone"],
        "badges": [
            session.get_language_display(),
            *(siblings.interpreted_into(code) for code in session.interpretation_languages or []),
            session.get_format_display(),
        ],
        "cancelled": session.status == SessionStatus.CANCELLED,
        "people": " ".join(people),
        "venue": _("Venue: %(venue)s") % {"venue": session.venue}
        if session.venue and session.format != SessionFormat.ONLINE
        else "",
        "summary": session.display_summary,
        "also_in": [
            {"text": siblings.also_in(sibling, zone, language), "url": sibling.get_absolute_url()}
            for sibling in queries.siblings(session)
        ]
        if live
        else [],
        "seats": ngettext("%(seats)s seat left", "%(seats)s seats left", seats) % {"seats": seats}
        if live and seats
        else "",
        "full": live and not seats,
    }


def card_keys(sessions: list[Session], *, heading_level: int = 3) -> list[str]:
    """Each session's card's key in the cache, for the active language and time zone: it changes
    whenever anything the card shows does. `sessions` come from `queries.CatalogueRows`."""
    prefix = f"card:{release()}:{active_language()}:{timezone.get_current_timezone_name()}"
    return [
        f"{prefix}:{heading_level}:{session.pk}:{_version(session, CARD_FIELDS)}"
        for session in sessions
    ]


def session_cards(
    sessions: list[Session], keys: list[str], *, heading_level: int = 3
) -> list[SafeString]:
    """Each session's card as HTML under its key (`card_keys`): those in the cache in one round
    trip, the others rendered (their related rows fetched in a fixed number of queries) and
    stored in one more."""
    if not sessions:
        return []
    found = _read(keys)
    missing = [(key, s) for key, s in zip(keys, sessions, strict=True) if key not in found]
    if missing:
        language, zone = active_language(), timezone.get_current_timezone()
        queries.fetch_related([session for _key, session in missing], topics=False)
        template = get_template("components/session_card.html")
        rendered = {
            key: template.render(
                {"card": card(session, language=language, zone=zone), "level": heading_level}
            )
            for key, session in missing
        }
        _keep(rendered, TIMEOUT)
        found.update(rendered)
    return [mark_safe(found[key]) for key in keys]  # rendered with autoescape


# --- Whole pages --------------------------------------------------------------------------------


def page_key(request, versions: list, *, params: Collection[str] = ()) -> str | None:
    """The key of a whole page as an anonymous visitor sees it (the catalogue, the home page):
    its path, language, time zone and where that zone came from, the release, and `versions`,
    everything the view read that the page shows (its cards' keys, counts, the lists' version,
    the filters as the form cleaned them, the page's number).
    None when the page holds something of this visitor's (they are signed in, or a message waits
    for them), or when the address has a parameter other than `params`: the raw query string is
    not part of the key, so that made-up parameters and values cannot fill the cache with
    copies of one page."""
    if request.user.is_authenticated or len(messages.get_messages(request)):
        return None
    if not set(request.GET) <= set(params):
        return None
    place = [
        request.path,
        active_language(),
        timezone.get_current_timezone_name(),
        getattr(request, "time_zone_source", ""),
    ]
    return f"whole:{release()}:{_digest([*place, *versions])}"


def cached_page(key: str | None, render: Callable[[], HttpResponse]) -> HttpResponse:
    """The page under `key` (`page_key`) from the cache, else `render()`ed and kept."""
    if key is not None:
        html = _read([key]).get(key)
        if html is not None:
            return HttpResponse(html)
    response = render()
    if key is not None and response.status_code == 200:
        _keep({key: response.content}, PAGE_TIMEOUT)
    return response


# --- A session's page -------------------------------------------------------------------------

# Between the parts of the page's template: the time-zone note and the registration box go there.
PART_BREAK = "<!-- part -->"


def session_page_parts(session: Session) -> dict[str, SafeString]:
    """The parts of a session's page that everyone sees alike, in the active language and time
    zone: `top` (notices, title, series), `facts` (when, language, seats, siblings, the texts),
    `calendar` (the links to add it). The session comes from `queries.with_page_versions`."""
    language = active_language()
    key = (
        f"page:{release()}:{language}:{timezone.get_current_timezone_name()}:"
        f"{session.pk}:{_version(session, PAGE_FIELDS)}:{_series_version(session)}"
    )
    parts = _read([key]).get(key)
    if parts is None:
        queries.fetch_related([session])
        html = get_template("events/session_public.html").render(
            {
                "session": session,
                "google_link": calendar.google_calendar_link(session, language=language),
                "outlook_link": calendar.outlook_calendar_link(session, language=language),
            }
        )
        parts = html.split(PART_BREAK)
        _keep({key: parts}, TIMEOUT)
    top, facts, links = (mark_safe(part) for part in parts)  # rendered with autoescape
    return {"top": top, "facts": facts, "calendar": links}


def _series_version(session: Session) -> str:
    if session.series_id is None:
        return ""
    return _digest([getattr(session.series, f"title_{code}") for code in LANGUAGE_CODES])[:8]


# --- The catalogue's filters ------------------------------------------------------------------

SELECTS = ("language", "region", "economy", "topic", "format", "when")


def _filter_lists_key(language: str) -> str:
    return f"filters:{release()}:{language}"


def filter_lists(language: str) -> dict:
    """The catalogue filters' choices in a language (`choices`, for CatalogueFilterForm), each
    list's options as HTML (`options`) and their `version`, from the cache, else from two
    queries."""
    key = _filter_lists_key(language)
    lists = _read([key]).get(key)
    if lists is None:
        choices = catalogue_filter_choices(language)
        options = {
            name: "".join(
                f'<option value="{escape(value)}">{escape(label)}</option>'
                for value, label in choices[name]
            )
            for name in SELECTS
        }
        lists = {"choices": choices, "options": options, "version": _digest(choices)}
        _keep({key: lists}, FILTER_LISTS_TIMEOUT)
    return lists


def filter_selects(form, options: dict[str, str]) -> list[dict]:
    """The catalogue form's lists, each with its options as HTML and the chosen one selected:
    some 300 options, joined once per language (`filter_lists`) rather than rendered one by one
    on every page."""
    selects = []
    for name in SELECTS:
        field = form[name]
        html = options[name]
        value = field.value()
        if value is not None:
            option = f'<option value="{escape(value)}">'
            html = html.replace(option, f"{option[:-1]} selected>", 1)
        selects.append(
            {
                "name": name,
                "id": field.id_for_label,
                "label": field.label,
                "options": mark_safe(html),  # escaped above
            }
        )
    return selects


def forget_filter_lists(**_kwargs) -> None:
    """After a topic or an economy is saved or deleted, every language's lists are read again:
    forgotten at once, and again when the transaction commits (a page may have read and kept the
    rows as they were before it did)."""

    def forget() -> None:
        cache.delete_many([_filter_lists_key(code) for code in LANGUAGE_CODES])

    forget()
    transaction.on_commit(forget)

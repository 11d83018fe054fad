import zoneinfo

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.middleware.gzip import GZipMiddleware
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header

from outreach.timezones import is_known_zone, likely_territories

TIME_ZONE_COOKIE = "tz"


def viewer_time_zone(request) -> tuple[str, str]:
    """The zone to show times in and where it came from: the profile, the browser, or UTC."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.time_zone:
        return user.time_zone, "profile"
    chosen = request.COOKIES.get(TIME_ZONE_COOKIE, "")
    if chosen and is_known_zone(chosen):
        return chosen, "browser"
    return "UTC", "default"


def browser_territories(request) -> tuple[str, ...]:
    """The economies a browser names in Accept-Language, most preferred first:
    "es-MX,es;q=0.9,en-US;q=0.8" gives ("MX", "US")."""
    found = []
    for tag, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        parts = tag.replace("_", "-").split("-")
        region = next((p.upper() for p in parts[1:] if len(p) == 2 and p.isalpha()), None)
        if region and region not in found:
            found.append(region)
    return tuple(found[:3])


class UserTimeZoneMiddleware:
    """Show times in the viewer's zone: their profile's, else their browser's, else UTC; and
    note which economies their browser names, whose zones a zone picker offers first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone, source = viewer_time_zone(request)
        request.time_zone_source = source
        timezone.activate(zoneinfo.ZoneInfo(zone))
        token = likely_territories.set(browser_territories(request))
        try:
            return self.get_response(request)
        finally:
            likely_territories.reset(token)
            timezone.deactivate()


class PublicGZipMiddleware(GZipMiddleware):
    """Compress what anonymous visitors are sent (the public pages: a third to a fifth of their
    size); leave signed-in people's pages as they are.

    Compression leaks, through a response's length, whether text an attacker puts in a page
    (a reflected query) matches a secret in the same page (BREACH). Django's CSRF token is safe:
    it is masked anew in every response, and Django's GZipMiddleware pads each compressed
    response with up to 100 random bytes (Heal The Breach). A signed-in page, though, shows
    personal data (registrants, addresses, join links) beside reflected filters and searches,
    and those who read them are staff on office links: their pages are not compressed."""

    def process_response(self, request, response):
        if response.status_code >= 500:
            return response  # the database may be down: asking who is signed in would fail
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return response
        return super().process_response(request, response)


NUL = "\x00"


def holds_nul(request) -> bool:
    """Whether a NUL character is anywhere a person or a browser can put one: the path, the
    query string, a header (cookies included), a form field's name or value, an upload's name.

    Uploaded files' contents are not looked at: a UTF-16 report is full of NUL bytes, and the
    code reading a file decides what it may hold."""
    if NUL in request.path_info or NUL in request.path:
        return True
    if any(
        NUL in key or any(NUL in value for value in values) for key, values in request.GET.lists()
    ):
        return True
    for key, value in request.META.items():
        if (key.startswith("HTTP_") or key in ("CONTENT_TYPE", "CONTENT_LENGTH")) and NUL in str(
            value
        ):
            return True
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        try:
            fields, files = request.POST, request.FILES
        except (OSError, ValueError):
            return False  # a body that cannot be read: the views' own handling says so
        if any(NUL in key or any(NUL in v for v in values) for key, values in fields.lists()):
            return True
        if any(NUL in key or NUL in (upload.name or "") for key, upload in files.items()):
            return True
    return False


class RefuseNulMiddleware:
    """Answer 400, in the page's language, to a request with a NUL character anywhere in it.

    PostgreSQL refuses NUL in text, so such a value that reaches a query is a server error, and
    no form, link or browser ever sends one: it is refused here, once, before any middleware or
    view reads it (sessions and sign-in read cookies; views read the address and the query)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if holds_nul(request):
            return nul_refused(request)
        return self.get_response(request)


def nul_refused(request) -> HttpResponseBadRequest:
    language = translation.get_language_from_path(request.path_info.replace(NUL, ""))
    with translation.override(language or settings.LANGUAGE_CODE):
        response = HttpResponseBadRequest(
            _(
                "The request holds a NUL character (a zero byte), which no address, form "
                "field, header or cookie may contain. Remove it and try again."
            ),
            content_type="text/plain; charset=utf-8",
        )
        response["Content-Language"] = translation.get_language()
    return response

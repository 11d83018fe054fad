import zoneinfo

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from outreach.timezones import is_known_zone

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


class UserTimeZoneMiddleware:
    """Show times in the viewer's zone: their profile's, else their browser's, else UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone, source = viewer_time_zone(request)
        request.time_zone_source = source
        timezone.activate(zoneinfo.ZoneInfo(zone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


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

import zoneinfo

from django.utils import timezone

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

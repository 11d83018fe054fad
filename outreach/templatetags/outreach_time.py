from django import template
from django.utils import timezone

from outreach.languages import active_language
from outreach.timezones import format_moment, format_time_range, zone_sentence_label

register = template.Library()


@register.inclusion_tag("components/time_range.html")
def time_range(starts_at, ends_at):
    """A start and end in the viewer's time zone, in Babel's format for the active language;
    the end's moment rides along so that tz.js can show both in the browser's zone."""
    zone = timezone.get_current_timezone()
    shown = format_time_range(starts_at, ends_at, zone, active_language())
    return shown | {"end_iso": ends_at.astimezone(zone).isoformat()}


@register.simple_tag
def moment(value):
    """One moment in the viewer's time zone and language, with the zone named."""
    if value is None:
        return ""
    return format_moment(value, timezone.get_current_timezone(), active_language())


@register.simple_tag
def viewer_zone():
    """The zone times are shown in, named in the active language: "UTC", "Mexico (Mexique)"."""
    return zone_sentence_label(timezone.get_current_timezone_name(), active_language())


@register.inclusion_tag("components/time_zone_note.html", takes_context=True)
def time_zone_note(context):
    """Which zone times are shown in, and a link to the page that changes it (the list of
    zones is sent once, on that page, not with every page that shows a time)."""
    request = context.get("request")
    return {
        "current_zone": viewer_zone(),
        "source": getattr(request, "time_zone_source", "default"),
        "next": request.get_full_path() if request is not None else "",
    }

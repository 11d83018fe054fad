from functools import lru_cache

from django import template
from django.utils import timezone, translation
from django.utils.html import format_html_join

from outreach.forms import time_zone_choices
from outreach.timezones import format_moment, format_time_range

register = template.Library()


@register.inclusion_tag("components/time_range.html")
def time_range(starts_at, ends_at):
    """A start and end in the viewer's time zone, in Babel's format for the active language."""
    language = (translation.get_language() or "en")[:2]
    return format_time_range(starts_at, ends_at, timezone.get_current_timezone(), language)


@register.simple_tag
def moment(value):
    """One moment in the viewer's time zone and language, with the zone named."""
    if value is None:
        return ""
    language = (translation.get_language() or "en")[:2]
    return format_moment(value, timezone.get_current_timezone(), language)


@lru_cache(maxsize=128)
def time_zone_options(selected: str) -> str:
    """The <option>s of every zone, built once per selected zone (some 430 of them)."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, " selected" if value == selected else "", label)
            for value, label in time_zone_choices()
        ),
    )


@register.inclusion_tag("components/time_zone_note.html", takes_context=True)
def time_zone_note(context):
    """Which zone times are shown in, and a form to pick another (works without JavaScript)."""
    zone = timezone.get_current_timezone_name()
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "current_zone": zone,
        "time_zone_options": time_zone_options(zone),
    }

"""A session's siblings in other languages, said in the viewer's language and time zone."""

from django import template
from django.utils import timezone

from events import queries, siblings
from outreach.languages import active_language

register = template.Library()


def _lines(sessions, say) -> list[dict]:
    zone = timezone.get_current_timezone()
    language = active_language()
    return [
        {
            "text": say(sibling, zone, language),
            "url": sibling.get_absolute_url(),
            "language": sibling.language,
        }
        for sibling in sessions
    ]


@register.simple_tag
def also_in(session) -> list[dict]:
    """{% also_in session as lines %}: "Also in French, Thursday, March 12, 3:00 PM your time"
    for each sibling, with its page's address."""
    return _lines(queries.siblings(session), siblings.also_in)


@register.simple_tag
def seats_elsewhere(session) -> list[dict]:
    """{% seats_elsewhere session as lines %}: "There are seats in the Spanish session, ..."
    for each sibling with a seat free."""
    return _lines(queries.siblings_with_seats(session), siblings.seats_in)


@register.filter
def interpreted_into(code: str) -> str:
    """ "interpreted into Spanish" in the active language."""
    return siblings.interpreted_into(code)

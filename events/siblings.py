"""What a session says of its siblings, the same session in other languages: "Also in French,
Thursday 12 March, 15:00 your time", "There are seats in the Spanish session, ...".

Plain text in the active language, with the day and time in the zone given (the viewer's on a
page, the person's in an email); the sessions come from events.queries.siblings."""

import zoneinfo
from datetime import datetime

from babel.dates import format_time
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from outreach.timezones import format_day

# A language's name inside a sentence ("Also in French", « Aussi en français »), in lower case
# where the language writes it so.
LANGUAGE_IN_SENTENCE = {
    "en": pgettext_lazy("language in a sentence", "English"),
    "fr": pgettext_lazy("language in a sentence", "French"),
    "es": pgettext_lazy("language in a sentence", "Spanish"),
}


def language_in_sentence(code: str) -> str:
    return str(LANGUAGE_IN_SENTENCE.get(code, code))


# CLDR's skeleton for a weekday and a date gives the short weekday; these are its long forms.
DAY_FORMATS = {"en": "EEEE, MMMM d", "fr": "EEEE d MMMM", "es": "EEEE d 'de' MMMM"}


def day_and_time(moment: datetime, zone: zoneinfo.ZoneInfo, language: str) -> dict[str, str]:
    """The weekday, day and month ("Thursday, March 12", « jeudi 12 mars ») and the time of
    a moment in a zone, in a language's own order."""
    local = moment.astimezone(zone)
    day = format_day(local, DAY_FORMATS.get(language[:2], DAY_FORMATS["en"]), language)
    return {"day": day, "time": format_time(local, format="short", locale=language)}


def also_in(sibling, zone: zoneinfo.ZoneInfo, language: str) -> str:
    """ "Also in French, Thursday, March 12, 3:00 PM your time" in the active language."""
    return _("Also in %(language)s, %(day)s, %(time)s your time") % {
        "language": language_in_sentence(sibling.language),
        **day_and_time(sibling.starts_at, zone, language),
    }


def seats_in(sibling, zone: zoneinfo.ZoneInfo, language: str) -> str:
    """ "There are seats in the Spanish session, Friday, March 13, 10:00 AM your time"."""
    return _("There are seats in the %(language)s session, %(day)s, %(time)s your time") % {
        "language": language_in_sentence(sibling.language),
        **day_and_time(sibling.starts_at, zone, language),
    }


def interpreted_into(code: str) -> str:
    return _("interpreted into %(language)s") % {"language": language_in_sentence(code)}

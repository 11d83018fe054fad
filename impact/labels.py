"""Words and numbers of the impact pages in the active language.

Breakdown keys become names (economies from their translated columns, regions and languages
from Babel (CLDR), firm sizes and kinds from their choices, quarters), and numbers are formatted
by Babel for the active language: "1 234" with a narrow no-break space in French, "76,3 %" in
French and Spanish. A count an outside audience may not see (None, impact.suppression) reads
"hidden": it may be below the threshold, or hidden so that no such count can be worked out from
the others, so it is never "<5". A share or an average with nothing to compute it from, or
computed from a hidden count, reads "—".
"""

from collections.abc import Callable, Iterable

from babel import Locale
from babel.numbers import format_decimal, format_percent
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from outreach import timezones
from outreach.economies import region_name
from outreach.models import Economy, OrganisationKind, SizeBand
from outreach.periods import parse_quarter_key

NO_DATA = "—"

GROUP_LABELS = {
    "ldc": gettext_lazy("Least-developed countries"),
    "lldc": gettext_lazy("Landlocked developing countries"),
    "sids": gettext_lazy("Small island developing states"),
}


def active_language() -> str:
    return (translation.get_language() or "en")[:2]


def suppressed(language: str | None = None) -> str:
    """What a hidden count reads, in the language asked for (or the active one)."""
    with translation.override(language or active_language()):
        return pgettext("count", "hidden")


def format_count(value: int | None, language: str | None = None) -> str:
    """A count; None is a count below the threshold that this audience may not see."""
    language = language or active_language()
    if value is None:
        return suppressed(language)
    return format_decimal(value, locale=language)


def format_share(value: float | None, language: str | None = None) -> str:
    """A share from 0 to 1 as a percentage with at most one decimal: "76.3%", "76,3 %"."""
    if value is None:
        return NO_DATA
    return format_percent(
        round(value, 3), locale=language or active_language(), decimal_quantization=False
    )


def format_average(value: float | None, language: str | None = None) -> str:
    """An average answer (on a scale), with at most two decimals: "4.25", "4,25"."""
    if value is None:
        return NO_DATA
    return format_decimal(round(value, 2), locale=language or active_language())


def format_day(moment, language: str | None = None) -> str:
    """The day of a moment in the viewer's time zone: "3 Jul 2026", "3 juil. 2026"."""
    return timezones.format_day(timezone.localtime(moment), "medium", language or active_language())


def economy_names(codes: Iterable[str], language: str | None = None) -> dict[str, dict]:
    """{code: {"name", "numeric"}} for these economies, in one query."""
    language = language or active_language()
    rows = Economy.objects.filter(code__in=set(codes)).values_list(
        "code", "numeric", f"name_{language}"
    )
    return {code: {"name": name, "numeric": numeric} for code, numeric, name in rows}


def region_label(code: str, language: str | None = None) -> str:
    if not code:
        return _("Region unknown")
    try:
        return region_name(code, language or active_language())
    except KeyError:
        return code


def language_label(code: str, language: str | None = None) -> str:
    """A language's own name in the active language, capitalised as a label: "Francés"."""
    name = Locale.parse(language or active_language()).languages.get(code, code)
    return name[:1].upper() + name[1:]


def size_label(code: str) -> str:
    if code in SizeBand.values:
        return str(SizeBand(code).label)
    return _("No size given (not a firm, or not said)")


def kind_label(code: str) -> str:
    if code in OrganisationKind.values:
        return str(OrganisationKind(code).label)
    return _("Kind not given")


def quarter_label(key: str) -> str:
    """ "2026-Q3" → "Q3 2026" (translators may write "T3 2026"); anything else as it is."""
    try:
        year, quarter = parse_quarter_key(key)
    except ValueError:
        return key
    return _("Q%(quarter)s %(year)s") % {"quarter": quarter, "year": year}


def labeller(by: str, keys: Iterable) -> Callable[[object], str]:
    """A function that names the keys of a breakdown by `by` (one query for economies)."""
    language = active_language()
    if by == "economy":
        names = economy_names(keys, language)
        return lambda key: names[key]["name"] if key in names else (key or _("Economy unknown"))
    simple = {
        "region": lambda key: region_label(key, language),
        "language": lambda key: language_label(key, language),
        "size": size_label,
        "kind": kind_label,
        "quarter": quarter_label,
    }
    if by not in simple:
        raise ValueError(f"No labels for a breakdown by {by!r}.")
    return simple[by]

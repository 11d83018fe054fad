"""The impact dashboard, its drill-downs to one economy and to one session, and the public
programme reach page.

Each view reads the filters, asks impact.permissions who is reading (an Audience), calls
impact.queries and hands the numbers, named and formatted by impact.labels, to its template.
Tables carry the numbers; static/impact/dashboard.js draws the same numbers as charts from
json_script data, so the pages work without JavaScript and under a strict Content-Security-Policy.
Every page runs the same handful of queries whatever the number of registrations.
"""

from dataclasses import replace

from django.conf import settings
from django.db.models import Min
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from events.models import Series, SessionFormat
from impact import labels, outside, permissions, queries
from impact.filters import FilterError, ImpactFilters, filters_from
from impact.queries import Audience
from impact.suppression import Protected
from outreach.economies import REGIONS, sort_key
from outreach.models import Economy, Organisation, OrganisationKind, SizeBand
from outreach.periods import quarter_key, quarter_of, session_local_date
from outreach.permissions import can_view_impact, require

# The counts every breakdown row carries, in the order of the tables' columns.
COUNT_COLUMNS = ("registrations", "attendees", "organisations", "firms")
COLUMN_LABELS = {
    "registrations": gettext_lazy("Registrations"),
    "attendees": gettext_lazy("Attendees"),
    "organisations": gettext_lazy("Organisations"),
    "firms": gettext_lazy("Firms"),
}
# Filters on the registrants' organisation: with one of them, a headline is a breakdown cell.
ORGANISATION_FILTERS = ("economy", "region", "group", "size_band", "kind")

HEADLINE = (
    ("sessions", gettext_lazy("Sessions held"), labels.format_count),
    ("registrations", gettext_lazy("Registrations"), labels.format_count),
    ("organisations", gettext_lazy("Unique organisations"), labels.format_count),
    ("firms", gettext_lazy("Unique firms"), labels.format_count),
    ("attendees", gettext_lazy("Attendees"), labels.format_count),
    ("attendance_rate", gettext_lazy("Attendance rate"), labels.format_share),
    ("economies_reached", gettext_lazy("Economies reached"), labels.format_count),
    ("women_led_share", gettext_lazy("Women-led firms"), labels.format_share),
    ("youth_led_share", gettext_lazy("Youth-led firms"), labels.format_share),
    ("micro_share", gettext_lazy("Micro firms"), labels.format_share),
)
SURVEY = (
    (
        "simplifies_market_research",
        "share",
        gettext_lazy("Say the session simplifies their market research"),
    ),
    ("informs_export_decision", "share", gettext_lazy("Say it informs an export decision")),
    ("satisfaction", "average", gettext_lazy("Satisfaction (average, from 1 to 5)")),
    ("recommend", "average", gettext_lazy("Would recommend it (average, from 0 to 10)")),
)
BREAKDOWN_TITLES = {
    "economy": gettext_lazy("By economy"),
    "region": gettext_lazy("By region"),
    "quarter": gettext_lazy("By quarter"),
    "language": gettext_lazy("By language of the session"),
    "size": gettext_lazy("By firm size"),
    "kind": gettext_lazy("By kind of organisation"),
}
KEY_LABELS = {
    "economy": gettext_lazy("Economy"),
    "region": gettext_lazy("Region"),
    "quarter": gettext_lazy("Quarter"),
    "language": gettext_lazy("Language"),
    "size": gettext_lazy("Firm size"),
    "kind": gettext_lazy("Kind of organisation"),
}
WORLD_50M = "vendor/world-atlas/countries-50m.json"  # has Hong Kong, Macao and Singapore
WORLD_110M = "vendor/world-atlas/countries-110m.json"
CHART_SCRIPTS = ("vendor/chart.js/chart.umd.min.js", "vendor/chartjs-chart-geo/index.umd.min.js")


# --- Filters ----------------------------------------------------------------------------------


def _period_choices() -> tuple[list, list]:
    """Quarters and years from the first held session to today, newest first (one query);
    a session's year is that of its day in its own zone (outreach.periods)."""
    first = queries.held_sessions(ImpactFilters(), Audience.staff()).aggregate(
        first=Min(session_local_date())
    )["first"]
    today = timezone.localdate()
    first_year = min(first.year, today.year) if first else today.year
    years = list(range(today.year, first_year - 1, -1))
    _year, current = quarter_of(today)
    quarters = [
        (key, labels.quarter_label(key))
        for year in years
        for quarter in range(4, 0, -1)
        if (year, quarter) <= (today.year, current)
        for key in [quarter_key(year, quarter)]
    ]
    return quarters, [(str(year), str(year)) for year in years]


def _filter_choices(audience: Audience) -> dict[str, list]:
    """The values each filter offers, as (value, label) pairs or groups of them."""
    language = labels.active_language()
    quarters, years = _period_choices()
    regions = sorted(REGIONS.items(), key=lambda item: sort_key(labels.region_label(item[0])))
    choices = {
        "quarter": quarters,
        "year": years,
        "language": [(code, labels.language_label(code)) for code, _name in settings.LANGUAGES],
        # A region and its sub-regions in one group: "Americas, all", "South America" …
        "region": [
            (
                labels.region_label(code, language),
                [(code, _("%(region)s, all") % {"region": labels.region_label(code, language)})]
                + [(sub, labels.region_label(sub, language)) for sub in subs],
            )
            for code, subs in regions
        ],
        "group": [(code, str(label)) for code, label in labels.GROUP_LABELS.items()],
        "series": [(series.slug, series.title) for series in Series.objects.order_by("slug")],
        "format": [(value, str(label)) for value, label in SessionFormat.choices],
        "size_band": [(value, str(label)) for value, label in SizeBand.choices],
        "kind": [(value, str(label)) for value, label in OrganisationKind.choices],
    }
    if audience.cohost_id is None:
        organisations = (
            Organisation.objects.filter(cohosted_sessions__isnull=False)
            .distinct()
            .order_by("name")
            .values_list("pk", "name")
        )
        choices["cohost"] = [(str(pk), name) for pk, name in organisations]
    return choices


def _values(options: list) -> set[str]:
    """The values of (value, label) pairs, or of groups of them."""
    values = set()
    for value, label in options:
        if isinstance(label, list):
            values |= _values(label)
        else:
            values.add(value)
    return values


def _read_filters(params, audience: Audience, choices: dict) -> tuple[ImpactFilters, bool]:
    """The filters asked for, and whether some were not understood (then none apply: the
    figures shown are never filtered by half of what was asked). Outside audiences read the
    figures unfiltered (impact.outside says why)."""
    if audience.suppress_small_numbers:
        return ImpactFilters(), False
    if audience.cohost_id is not None:
        # A co-host reads its own sessions only: whatever co-host it names is ignored.
        params = {name: params.get(name) for name in params if name != "cohost"}
    try:
        filters = filters_from(params)
        for name in ("language", "series", "cohost", "format", "size_band", "kind"):
            value = getattr(filters, name)
            if value not in (None, "") and str(value) not in _values(choices[name]):
                raise FilterError(f"Unknown {name}: {value!r}.")
    except FilterError:
        return ImpactFilters(), True
    return filters, False


def _filter_fields(params, choices: dict, *, error: bool) -> dict[str, list]:
    """The filter form's fields, in two groups, with what was asked selected."""

    def field(name, label, kind="select", empty=None):
        options = choices.get(name, [])
        groups = (
            options
            if options and isinstance(options[0][1], list)
            else [("", options)]  # no optgroup
        )
        return {
            "name": name,
            "label": label,
            "kind": kind,
            "value": "" if error and kind == "date" else params.get(name, ""),
            "empty": empty or _("Any"),
            "groups": groups,
        }

    characteristics = [
        field("language", _("Language")),
        field("region", _("Region")),
        field("group", _("Economy group")),
        field("series", _("Series")),
        field("cohost", _("Co-host")),
        field("format", _("Format")),
        field("size_band", _("Firm size")),
        field("kind", _("Kind of organisation")),
    ]
    return {
        "period": [
            field("quarter", _("Quarter")),
            field("year", _("Year")),
            field("start", _("From"), kind="date"),
            field("end", _("To"), kind="date"),
        ],
        "characteristics": [f for f in characteristics if f["name"] in choices],
    }


def _query(filters: ImpactFilters, **changes) -> str:
    """The filters as a query string ("?quarter…"), for links that keep them."""
    query = replace(filters, **changes).as_query() if changes else filters.as_query()
    return f"?{urlencode(query)}" if query else ""


# --- Figures ------------------------------------------------------------------------------------


def _narrowed_to_registrants(filters: ImpactFilters) -> bool:
    return any(getattr(filters, name) for name in ORGANISATION_FILTERS)


def _protected(audience: Audience) -> Protected | None:
    """What an outside audience may see of its figures (None for staff: everything)."""
    if audience.cohost_id is not None and audience.suppress_small_numbers:
        return outside.for_cohost(audience.cohost_id)
    return None


def _hide_small_numbers(figures: dict, shown: Protected | None, **scope) -> dict:
    """Headline figures (of all, one economy or one session) as this audience may see them:
    counts hidden by the small-number rule are None, and so is every share or average computed
    from a hidden count."""
    if shown is None:
        return figures
    figures = dict(figures)
    for key in ("registrations", "attendees", "organisations", "firms"):
        figures[key] = shown.value(key, **scope)
    if not (
        shown.shows("confirmed_attendees", **scope) and shown.shows("confirmed_absent", **scope)
    ):
        figures["attendance_rate"] = None
    for share, (part, rest, whole) in outside.SHARES.items():
        if not all(shown.shows(name, **scope) for name in (part, rest, whole)):
            figures[share] = None
    for code in outside.YES_NO:
        figures[f"{code}_answers"] = shown.value(f"{code}_answers", **scope)
        if not (shown.shows(f"{code}_yes", **scope) and shown.shows(f"{code}_no", **scope)):
            figures[f"{code}_share"] = None
    for code in outside.AVERAGES:
        figures[f"{code}_answers"] = shown.value(f"{code}_answers", **scope)
        if figures[f"{code}_answers"] is None:
            figures[f"{code}_average"] = None
    return figures


def _outside_rows(shown: Protected, by: str, scope: dict) -> list[dict]:
    """A breakdown's rows as an outside audience may see them. Hidden rows come last: sorted
    among the others by their true count, they would tell what they hide."""
    rows = [
        {
            "key": value,
            **{column: shown.value(column, **scope, **{by: value}) for column in COUNT_COLUMNS},
        }
        for value in shown.keys("attendees", by, **scope)
    ]
    if by == "quarter":
        return sorted(rows, key=lambda row: row["key"])
    return sorted(
        rows,
        key=lambda row: (row["attendees"] is None, -(row["attendees"] or 0), str(row["key"])),
    )


def _headline(figures: dict) -> list[dict]:
    return [
        {"key": key, "label": label, "value": format_value(figures[key])}
        for key, label, format_value in HEADLINE
    ]


def _survey(figures: dict) -> list[dict]:
    formats = {"share": labels.format_share, "average": labels.format_average}
    return [
        {
            "key": code,
            "label": label,
            "value": formats[kind](figures[f"{code}_{kind}"]),
            "answers": labels.format_count(figures[f"{code}_answers"]),
        }
        for code, kind, label in SURVEY
    ]


def _breakdown(
    filters: ImpactFilters,
    by: str,
    audience: Audience,
    *,
    link=None,
    shown: Protected | None = None,
    scope: dict | None = None,
) -> dict:
    """One breakdown as a table, the same numbers for its chart, and for economies the map.
    `link(key)` gives a row's drill-down address. With `shown`, the rows are what an outside
    audience may see within `scope` (one economy, one session)."""
    if shown is not None:
        rows = _outside_rows(shown, by, scope or {})
    else:
        rows = queries.breakdown(filters, by, audience)
    keys = [row["key"] for row in rows]
    economies = labels.economy_names(keys) if by == "economy" else {}
    name = (
        (lambda key: economies[key]["name"] if key in economies else key)
        if by == "economy"
        else labels.labeller(by, keys)
    )
    table = [
        {
            "key": row["key"],
            "label": name(row["key"]),
            "url": link(row["key"]) if link and row["key"] else "",
            "cells": [labels.format_count(row[column]) for column in COUNT_COLUMNS],
            "attendees": row["attendees"],  # None when suppressed
        }
        for row in rows
    ]
    chart = {
        "type": "line" if by == "quarter" else "bar",
        "labels": [row["label"] for row in table],
        "datasets": [
            {"label": str(COLUMN_LABELS[column]), "data": [row[column] for row in rows]}
            for column in ("registrations", "attendees")
        ],
    }
    if not any(value for dataset in chart["datasets"] for value in dataset["data"]):
        chart = None  # every count suppressed (or none): no bar to draw, the table says "<5"
    result = {
        "by": by,
        "title": BREAKDOWN_TITLES[by],
        "key_label": KEY_LABELS[by],
        "rows": table,
        "chart": chart,
        "chart_id": f"chart-{by}",
    }
    if by == "economy":
        result["map"] = {
            "label": str(COLUMN_LABELS["attendees"]),
            # The scale reaches at least the threshold, so that a suppressed count (drawn as
            # the smallest) never takes the darkest shade.
            "threshold": queries.SMALL_NUMBER,
            "economies": [
                {
                    "numeric": economies[row["key"]]["numeric"],
                    "name": economies[row["key"]]["name"],
                    "value": row["attendees"],
                    "display": labels.format_count(row["attendees"]),
                }
                for row in rows
                if row["key"] in economies
            ],
        }
    return result


def _session_rows(
    filters: ImpactFilters,
    audience: Audience,
    *,
    shown: Protected | None = None,
    scope: dict | None = None,
) -> list[dict]:
    """The held sessions in the figures, newest first, with their counts (two queries)."""
    if shown is not None:
        counts = {row["key"]: row for row in _outside_rows(shown, "session", scope or {})}
    else:
        counts = {row["key"]: row for row in queries.breakdown(filters, "session", audience)}
    sessions = queries.held_sessions(filters, audience)
    if _narrowed_to_registrants(filters) or scope:
        # As in the headline: the sessions held for the registrants asked about.
        sessions = sessions.filter(pk__in=list(counts))
    rows = []
    for session in sessions.order_by("-starts_at", "-pk"):
        row = counts.get(session.pk, {})
        rows.append(
            {
                "session": session,
                "day": labels.format_day(session.starts_at),
                "language": labels.language_label(session.language),
                "url": reverse("impact:session", args=[session.pk]),
                "registrations": labels.format_count(row.get("registrations", 0)),
                "attendees": labels.format_count(row.get("attendees", 0)),
            }
        )
    return rows


def _columns() -> list:
    return [COLUMN_LABELS[column] for column in COUNT_COLUMNS]


# --- Views --------------------------------------------------------------------------------------


@require(can_view_impact)
@require_GET
def dashboard(request):
    audience = permissions.audience_for(request.user)
    choices = _filter_choices(audience)
    filters, error = _read_filters(request.GET, audience, choices)
    # One economy and one session have their own pages.
    filters = replace(filters, economy="", session=None)
    shown = _protected(audience)
    figures = _hide_small_numbers(queries.headline_figures(filters, audience), shown)

    def economy_link(code):
        return reverse("impact:economy", args=[code]) + _query(filters)

    return render(
        request,
        "impact/dashboard.html",
        {
            "suppressed": shown is not None,
            "filter_error": error,
            "fields": None if shown else _filter_fields(request.GET, choices, error=error),
            "headline": _headline(figures),
            "survey": _survey(figures),
            "economies": _breakdown(filters, "economy", audience, link=economy_link, shown=shown),
            "breakdowns": [
                _breakdown(filters, by, audience, shown=shown)
                for by in ("quarter", "region", "language", "size", "kind")
            ],
            "sessions": _session_rows(filters, audience, shown=shown),
            "columns": _columns(),
            "atlas": static(WORLD_50M),
            "exports": _export_links(filters),
        },
    )


def _export_links(filters) -> list[tuple[str, list[tuple[str, str]]]]:
    """Staff download the same figures (with the same filters) as CSV, XLSX or JSON."""
    query = _query(filters)
    aggregates = [
        (
            label,
            [
                (fmt.upper(), reverse("impact:export-aggregate", args=[by, fmt]) + query)
                for fmt in ("csv", "xlsx", "json")
            ],
        )
        for by, label in (
            ("headline", _("Headline figures")),
            ("economy", _("By economy")),
            ("region", _("By region")),
            ("quarter", _("By quarter")),
            ("language", _("By language")),
            ("size", _("By firm size")),
            ("kind", _("By kind of organisation")),
        )
    ]
    rows = [
        (
            label,
            [
                (fmt.upper(), reverse("impact:export-rows", args=[what, fmt]) + query)
                for fmt in ("csv", "xlsx")
            ],
        )
        for what, label in (
            ("registrations", _("Registrations, one per row")),
            ("attendance", _("Attendance, one per row")),
            ("answers", _("Survey answers, one per row")),
        )
    ]
    return aggregates + rows


@require(can_view_impact)
@require_GET
def economy(request, code: str):
    audience = permissions.audience_for(request.user)
    economy = get_object_or_404(Economy, code=code.upper())
    choices = _filter_choices(audience)
    filters, error = _read_filters(request.GET, audience, choices)
    filters = replace(filters, economy=economy.code, session=None)
    # Narrowed to one economy: the headline is that economy's cell of the breakdown.
    shown = _protected(audience)
    scope = {"economy": economy.code}
    figures = _hide_small_numbers(queries.headline_figures(filters, audience), shown, **scope)
    return render(
        request,
        "impact/economy.html",
        {
            "suppressed": shown is not None,
            "economy": economy,
            "back": reverse("impact:dashboard") + _query(filters, economy=""),
            "filter_error": error,
            "fields": None if shown else _filter_fields(request.GET, choices, error=error),
            "headline": _headline(figures),
            "survey": _survey(figures),
            "breakdowns": [
                _breakdown(filters, by, audience, shown=shown, scope=scope)
                for by in ("quarter", "language", "size", "kind")
            ],
            "sessions": _session_rows(filters, audience, shown=shown, scope=scope),
            "columns": _columns(),
        },
    )


@require(can_view_impact)
@require_GET
def session(request, pk: int):
    audience = permissions.audience_for(request.user)
    session = get_object_or_404(
        permissions.drill_down_sessions(audience).select_related("series"), pk=pk
    )
    filters = ImpactFilters(session=session.pk)
    shown = _protected(audience)
    scope = {"session": session.pk}
    figures = _hide_small_numbers(queries.headline_figures(filters, audience), shown, **scope)

    def economy_link(code):
        return reverse("impact:economy", args=[code])

    return render(
        request,
        "impact/session.html",
        {
            "suppressed": shown is not None,
            "session": session,
            "held": session.ends_at <= timezone.now(),
            "headline": _headline(figures),
            "survey": _survey(figures),
            "economies": _breakdown(
                filters, "economy", audience, link=economy_link, shown=shown, scope=scope
            ),
            "breakdowns": [
                _breakdown(filters, by, audience, shown=shown, scope=scope)
                for by in ("region", "size", "kind")
            ],
            "columns": _columns(),
            "atlas": static(WORLD_50M),
        },
    )


PUBLIC_FIGURES = ("sessions", "firms", "organisations", "economies_reached", "attendees")


@require_GET
def reach(request):
    """The public programme reach: headline counts, regions and economies reached, no personal
    data, small numbers suppressed."""
    audience = Audience.public()
    filters = ImpactFilters()
    shown, figures = outside.for_public()
    figures = {
        **figures,
        **{name: shown.value(name) for name in ("attendees", "organisations", "firms")},
    }
    headline = {item["key"]: item for item in _headline(figures)}
    regions = _breakdown(filters, "region", audience, shown=shown)
    economies = _breakdown(filters, "economy", audience, shown=shown)

    def reached(attendees: int | None) -> bool:
        return attendees != 0  # counted, or suppressed (1 to 4)

    economies["map"]["economies"] = [
        item for item in economies["map"]["economies"] if reached(item["value"])
    ]
    return render(
        request,
        "impact/reach.html",
        {
            "headline": [headline[key] for key in PUBLIC_FIGURES],
            "regions": [row for row in regions["rows"] if reached(row["attendees"])],
            "economies": sorted(
                (row for row in economies["rows"] if reached(row["attendees"])),
                key=lambda row: sort_key(row["label"]),
            ),
            "map": economies["map"],
            # The map is drawn only on request, with the light 110m atlas: the page and what it
            # loads first stay far under the 200 KB that public pages may weigh (chart scripts
            # and atlas together add some 140 KB compressed, loaded only by the button).
            "map_scripts": " ".join(static(path) for path in CHART_SCRIPTS),
            "atlas": static(WORLD_110M),
        },
    )

"""What the impact pages and the co-host workspace show: figures as tables, charts and a map.

The numbers come from impact.outside.Figures, so each audience sees only what it may (None for a
hidden count); here they are named and formatted by impact.labels, in the active language, and
drawn the same as charts from json_script data by static/impact/dashboard.js. Each function turns
one kind of figure into what a template iterates over; none reads the request.
"""

from collections.abc import Callable
from dataclasses import replace

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from events.models import Series, Session
from impact import completions as completions_module
from impact import labels, queries
from impact import outcomes as outcomes_module
from impact.filters import ImpactFilters
from impact.outside import COUNT_COLUMNS, Figures
from outreach.economies import sort_key
from outreach.models import Economy, Organisation

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
PUBLIC_FIGURES = ("sessions", "firms", "organisations", "economies_reached", "attendees")


def query(filters: ImpactFilters, **changes) -> str:
    """The filters as a query string ("?quarter…"), for links that keep them."""
    asked = replace(filters, **changes).as_query() if changes else filters.as_query()
    return f"?{urlencode(asked)}" if asked else ""


def columns() -> list:
    return [COLUMN_LABELS[column] for column in COUNT_COLUMNS]


def headline(figures: dict) -> list[dict]:
    """The headline figures, named and formatted."""
    return [
        {"key": key, "label": label, "value": format_value(figures[key])}
        for key, label, format_value in HEADLINE
    ]


def survey(figures: dict) -> list[dict]:
    """The survey indicators, each with the number of answers it rests on."""
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


def breakdown(
    figures: Figures,
    filters: ImpactFilters,
    by: str,
    *,
    link: Callable[[str], str] | None = None,
) -> dict:
    """One breakdown as a table, the same numbers for its chart, and for economies the map.
    `link(key)` gives a row's drill-down address."""
    rows = figures.breakdown(filters, by)
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


def session_rows(figures: Figures, filters: ImpactFilters) -> list[dict]:
    """The held sessions in the figures, newest first, with their counts (two queries)."""
    counts = {row["key"]: row for row in figures.breakdown(filters, "session")}
    sessions = queries.held_sessions(filters, figures.audience, now=figures.now)
    if any(getattr(filters, name) for name in ORGANISATION_FILTERS):
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


def export_links(filters: ImpactFilters) -> list[tuple[str, list[tuple[str, str]]]]:
    """The staff's downloads of the same figures (with the same filters) as CSV, XLSX or
    JSON."""
    kept = query(filters)
    aggregates = [
        (
            label,
            [
                (fmt.upper(), reverse("impact:export-aggregate", args=[by, fmt]) + kept)
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
            ("outcomes-economy", _("Realised outcomes by economy")),
            ("outcomes-region", _("Realised outcomes by region")),
            ("outcomes-quarter", _("Realised outcomes by quarter")),
            ("outcomes-language", _("Realised outcomes by language")),
            ("outcomes-size", _("Realised outcomes by firm size")),
            ("outcomes-women_led", _("Realised outcomes, women-led or not")),
            ("outcomes-youth_led", _("Realised outcomes, youth-led or not")),
            ("outcomes-series", _("Realised outcomes by series")),
            ("outcomes-cohost", _("Realised outcomes by co-host")),
            ("outcome-markets", _("New markets named")),
            ("completions", _("Course completions")),
            ("completions-economy", _("Course completions by economy")),
            ("completions-size", _("Course completions by firm size")),
            ("completions-women_led", _("Course completions, women-led or not")),
            ("completions-youth_led", _("Course completions, youth-led or not")),
            ("completions-series", _("Course completions by course")),
        )
    ]
    rows = [
        (
            label,
            [
                (fmt.upper(), reverse("impact:export-rows", args=[what, fmt]) + kept)
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


def reach(figures: Figures) -> dict:
    """The public reach page: headline counts, and the regions and economies reached (a count
    shown, or hidden: 1 to 4 attendees), economies by name."""
    filters = ImpactFilters()
    shown = {item["key"]: item for item in headline(figures.headline(filters))}
    regions = breakdown(figures, filters, "region")
    economies = breakdown(figures, filters, "economy")

    def reached(attendees: int | None) -> bool:
        return attendees != 0  # counted, or suppressed (1 to 4)

    economies["map"]["economies"] = [
        item for item in economies["map"]["economies"] if reached(item["value"])
    ]
    return {
        "headline": [shown[key] for key in PUBLIC_FIGURES],
        "regions": [row for row in regions["rows"] if reached(row["attendees"])],
        "economies": sorted(
            (row for row in economies["rows"] if reached(row["attendees"])),
            key=lambda row: sort_key(row["label"]),
        ),
        "map": economies["map"],
    }


def workspace_counts(figures: Figures, session: Session) -> dict[str, int | None]:
    """A session's counts on the co-host's list of sessions: None where hidden."""
    return {
        name: figures.count(name, session=session.pk)
        for name in ("confirmed", "waitlisted", "via_link")
    }


def workspace_figures(figures: Figures, session: Session) -> dict[str, list[tuple[str, str]]]:
    """Registrations (confirmed or waitlisted) of a session by economy, firm size and kind, as
    the small-number rule lets this co-host see them: hidden rows last, then most first, then
    by name."""
    filters = ImpactFilters(session=session.pk)
    tables = {}
    for by in ("economy", "size", "kind"):
        rows = figures.breakdown(filters, by, counts=("registrations",), keys_of="registrations")
        name = labels.labeller(by, [row["key"] for row in rows])
        counts = [(row["key"], row["registrations"]) for row in rows]
        counts.sort(key=lambda item: (item[1] is None, -(item[1] or 0), name(item[0])))
        tables[by] = [(name(value), labels.format_count(count)) for value, count in counts]
    return tables


# --- One session's survey results ------------------------------------------------------------

NPS_GROUP_LABELS = {
    "promoters": gettext_lazy("Promoters (9 or 10)"),
    "passives": gettext_lazy("Passives (7 or 8)"),
    "detractors": gettext_lazy("Detractors (0 to 6)"),
}


def _value_label(question, value: str, choices: dict) -> str:
    if question.kind == "yes_no":
        return str(YES_NO_LABELS[value])
    if question.kind == "nps" and value in ("0", "10"):
        ends = {"0": _("not at all likely"), "10": _("extremely likely")}
        return f"{value} ({ends[value]})"
    if question.kind == "scale" and value in ("1", "5"):
        ends = {"1": _("not at all"), "5": _("completely")}
        return f"{value} ({ends[value]})"
    return choices.get(value, value)


YES_NO_LABELS = {
    "yes": gettext_lazy("Yes"),
    "no": gettext_lazy("No"),
}


def net_promoter_score(groups: dict, answers: int | None, *, suppressed: bool) -> int | None:
    """Promoters minus detractors, in % of the answers, rounded; None without answers, and for
    an outside audience (`suppressed`) under the small-number threshold or when either group
    is hidden."""
    if not answers:
        return None
    if suppressed and (
        answers < queries.SMALL_NUMBER
        or groups.get("promoters") is None
        or groups.get("detractors") is None
    ):
        return None
    return round(100 * (groups["promoters"] - groups["detractors"]) / answers)


# The choices of "markets considered" are world regions (UN M49 codes): drawn as a map, each
# economy takes its region's count.
MARKET_REGIONS = {
    "africa": "002",
    "americas": "019",
    "asia": "142",
    "europe": "150",
    "oceania": "009",
}


def markets_map(rows: list[dict], answers: int | None) -> dict | None:
    """A world map of the markets considered (every economy in its region's shade), when the
    question's choices are regions and it has at least the small-number threshold's answers;
    regions whose count is hidden are left out. The table beside it holds the same numbers."""
    counts = {row["value"]: row for row in rows}
    if set(counts) != set(MARKET_REGIONS) or not answers or answers < queries.SMALL_NUMBER:
        return None
    shown = {MARKET_REGIONS[value]: row for value, row in counts.items() if row["raw"] is not None}
    if not any(row["raw"] for row in shown.values()):
        return None
    economies = Economy.objects.filter(region__in=list(shown)).values_list("numeric", "region")
    return {
        "label": str(_("Answers")),
        "threshold": queries.SMALL_NUMBER,
        "economies": [
            {
                "numeric": numeric,
                "name": shown[region]["label"],
                "value": shown[region]["raw"],
                "display": shown[region]["count"],
            }
            for numeric, region in economies.order_by("numeric")
            if shown[region]["raw"]
        ],
    }


def survey_results(figures: Figures, session: Session) -> list[dict]:
    """Each question answered for the session, as a table of its values with their counts and
    the same numbers for a bar chart; a 0 to 10 question with its net promoter score and
    groups. Counts hidden for this audience read "hidden" and are not drawn."""
    results = []
    for result in figures.survey_results(session):
        question = result["question"]
        if question.kind == "text":
            results.append(
                {
                    "code": question.code,
                    "text": question.text,
                    "kind": "text",
                    "answers": labels.format_count(result["answers"]),
                }
            )
            continue
        choices = {choice.code: choice.text for choice in question.ordered_choices}
        rows = [
            {
                "value": value,
                "label": _value_label(question, value, choices),
                "count": labels.format_count(count),
                "raw": count,
            }
            for value, count in result["counts"].items()
        ]
        data = [row["raw"] for row in rows]
        chart = None
        if any(data):
            chart = {
                "type": "bar",
                "labels": [row["label"] for row in rows],
                "datasets": [{"label": str(_("Answers")), "data": data}],
            }
        block = {
            "code": question.code,
            "text": question.text,
            "kind": question.kind,
            "multiple": question.kind == "multiple",
            "answers": labels.format_count(result["answers"]),
            "rows": rows,
            "chart": chart,
            "chart_id": f"chart-question-{question.code}",
        }
        if question.kind == "multiple":
            block["map"] = markets_map(rows, result["answers"])
            block["map_id"] = f"map-question-{question.code}"
        if question.kind == "nps":
            groups = result["groups"]
            score = net_promoter_score(groups, result["answers"], suppressed=figures.suppressed)
            block["nps"] = {
                "score": "—" if score is None else f"{score:+d}",
                "shown": score is not None,
                "groups": [
                    {
                        "key": name,
                        "label": NPS_GROUP_LABELS[name],
                        "count": labels.format_count(groups[name]),
                    }
                    for name in ("promoters", "passives", "detractors")
                ],
            }
        results.append(block)
    return results


def comments(answers) -> list[dict]:
    """Free-text answers as the session page lists them: text, language and session."""
    return [
        {
            "text": answer.text,
            "language": answer.response.language,
            "language_label": labels.language_label(answer.response.language),
            "question": answer.question.text,
            "session": answer.response.session.display_title,
            "day": labels.format_day(answer.response.submitted_at),
        }
        for answer in answers
    ]


# --- Realised outcomes ---------------------------------------------------------------------------

OUTCOME_ROWS = (
    # (key, label, the figure, its format, the answers it rests on)
    (
        "exported_since",
        gettext_lazy("Exported or started exporting since the session"),
        "exported_since_share",
        labels.format_share,
        "exported_since_answers",
    ),
    (
        "new_markets",
        gettext_lazy("New markets named"),
        "new_markets",
        labels.format_count,
        "markets_answers",
    ),
    (
        "found_partner",
        gettext_lazy("Found a buyer or a partner abroad"),
        "found_partner_share",
        labels.format_share,
        "found_partner_answers",
    ),
    (
        "contribution_a_lot",
        gettext_lazy("The session’s information contributed a lot"),
        "contribution_a_lot_share",
        labels.format_share,
        "contribution_answers",
    ),
    (
        "contribution_somewhat",
        gettext_lazy("It contributed somewhat"),
        "contribution_somewhat_share",
        labels.format_share,
        "contribution_answers",
    ),
    (
        "contribution_not_at_all",
        gettext_lazy("It did not contribute"),
        "contribution_not_at_all_share",
        labels.format_share,
        "contribution_answers",
    ),
)
OUTCOME_COLUMNS = (
    ("outcome_asked", gettext_lazy("Organisations asked"), labels.format_count),
    ("outcome_answered", gettext_lazy("Answers"), labels.format_count),
    ("outcome_response_rate", gettext_lazy("Response rate"), labels.format_share),
    ("exported_since_share", gettext_lazy("Exported since"), labels.format_share),
    ("found_partner_share", gettext_lazy("Found a buyer or partner"), labels.format_share),
    ("contribution_a_lot_share", gettext_lazy("Contributed a lot"), labels.format_share),
)
OUTCOME_BREAKDOWN_TITLES = {
    "economy": gettext_lazy("Outcomes by economy"),
    "region": gettext_lazy("Outcomes by region"),
    "quarter": gettext_lazy("Outcomes by quarter of the first session"),
    "language": gettext_lazy("Outcomes by language of the session"),
    "size": gettext_lazy("Outcomes by firm size"),
    "women_led": gettext_lazy("Outcomes of women-led organisations"),
    "youth_led": gettext_lazy("Outcomes of youth-led organisations"),
    "series": gettext_lazy("Outcomes by series"),
    "cohost": gettext_lazy("Outcomes by co-host"),
}
OUTCOME_KEY_LABELS = {
    **KEY_LABELS,
    "women_led": gettext_lazy("Women-led"),
    "youth_led": gettext_lazy("Youth-led"),
    "series": pgettext_lazy("programme", "Series"),
    "cohost": gettext_lazy("Co-host"),
}


def outcomes(figures: dict) -> dict:
    """The realised outcomes (impact.outcomes) as a table beside the survey's intentions: each
    result with the answers it rests on, and the organisations asked and the response rate;
    the markets named as a list and as a map."""
    names = labels.economy_names([code for code, _count in figures["markets"]])
    markets = [
        {
            "key": code,
            "label": names[code]["name"] if code in names else code,
            "count": labels.format_count(count),
            "value": count,
        }
        for code, count in figures["markets"]
    ]
    return {
        "asked": labels.format_count(figures["outcome_asked"]),
        "answered": labels.format_count(figures["outcome_answered"]),
        "response_rate": labels.format_share(figures["outcome_response_rate"]),
        "rows": [
            {
                "key": key,
                "label": label,
                "value": format_value(figures[figure]),
                "answers": labels.format_count(figures[answers]),
            }
            for key, label, figure, format_value, answers in OUTCOME_ROWS
        ],
        "markets": markets,
        "map": {
            "label": str(_("Organisations naming it")),
            "threshold": queries.SMALL_NUMBER,
            "economies": [
                {
                    "numeric": names[row["key"]]["numeric"],
                    "name": row["label"],
                    "value": row["value"],
                    "display": row["count"],
                }
                for row in markets
                if row["key"] in names
            ],
        }
        if markets
        else None,
    }


def outcome_breakdown(figures: Figures, filters: ImpactFilters, by: str) -> dict:
    """One breakdown of the realised outcomes as a table: per row the organisations asked, the
    answers and the response rate the results rest on."""
    rows = figures.outcome_breakdown(filters, by)
    name = _outcome_labeller(by, [row["key"] for row in rows])
    return {
        "by": f"outcome-{by}",
        "title": OUTCOME_BREAKDOWN_TITLES[by],
        "key_label": OUTCOME_KEY_LABELS[by],
        "columns": [label for _key, label, _format in OUTCOME_COLUMNS],
        "rows": [
            {
                "key": row["key"],
                "label": name(row["key"]),
                "cells": [format_value(row[key]) for key, _label, format_value in OUTCOME_COLUMNS],
            }
            for row in rows
        ],
    }


def _outcome_labeller(by: str, keys: list) -> Callable[[object], str]:
    if by in ("women_led", "youth_led"):
        return lambda key: str(YES_NO_LABELS["yes" if key else "no"])
    if by == "series":
        titles = {series.slug: series.title for series in Series.objects.filter(slug__in=keys)}
        return lambda key: titles.get(key) or _("No series")
    if by == "cohost":
        names = dict(
            Organisation.objects.filter(pk__in=[k for k in keys if k]).values_list("pk", "name")
        )
        return lambda key: names.get(key) or _("No co-host")
    return labels.labeller(by, keys)


def outcome_breakdowns(figures: Figures, filters: ImpactFilters) -> list[dict]:
    """Every breakdown of the realised outcomes this audience reads (none by co-host for an
    outside audience, none within one economy or session), but those with no row."""
    if figures.suppressed and (filters.economy or filters.session):
        return []
    dimensions = (
        outcomes_module.OUTSIDE_DIMENSIONS if figures.suppressed else outcomes_module.DIMENSIONS
    )
    breakdowns = [outcome_breakdown(figures, filters, by) for by in dimensions]
    return [breakdown for breakdown in breakdowns if breakdown["rows"]]


# --- Course completions -------------------------------------------------------------------------

COMPLETION_COLUMNS = (
    ("course_enrolled", gettext_lazy("Enrolled"), labels.format_count),
    ("course_completed", gettext_lazy("Completed"), labels.format_count),
    ("course_completion_rate", gettext_lazy("Completion rate"), labels.format_share),
)
COMPLETION_BREAKDOWN_TITLES = {
    "economy": gettext_lazy("Completions by economy"),
    "size": gettext_lazy("Completions by firm size"),
    "women_led": gettext_lazy("Completions of women-led organisations"),
    "youth_led": gettext_lazy("Completions of youth-led organisations"),
    "series": gettext_lazy("Completions by course"),
}
COMPLETION_KEY_LABELS = {**OUTCOME_KEY_LABELS, "series": gettext_lazy("Course")}


def completions(figures: dict) -> dict:
    """The courses' headline: enrolled, completed and the completion rate, formatted; `any`
    says whether there is anything to show (a hidden count is something)."""
    return {
        "any": figures["course_enrolled"] != 0,
        "figures": [
            {"key": key, "label": label, "value": format_value(figures[key])}
            for key, label, format_value in COMPLETION_COLUMNS
        ],
    }


def completion_breakdown(figures: Figures, filters: ImpactFilters, by: str) -> dict:
    """One breakdown of the course completions as a table: per row enrolled, completed and the
    completion rate."""
    rows = figures.completion_breakdown(filters, by)
    keys = [row["key"] for row in rows]
    if by == "series":
        titles = dict(Series.objects.filter(slug__in=keys).values_list("slug", "title"))

        def name(key):
            return titles.get(key) or key

    else:
        name = _outcome_labeller(by, keys)
    return {
        "by": f"completion-{by}",
        "title": COMPLETION_BREAKDOWN_TITLES[by],
        "key_label": COMPLETION_KEY_LABELS[by],
        "columns": [label for _key, label, _format in COMPLETION_COLUMNS],
        "rows": [
            {
                "key": row["key"],
                "label": name(row["key"]),
                "cells": [
                    format_value(row[key]) for key, _label, format_value in COMPLETION_COLUMNS
                ],
            }
            for row in rows
        ],
    }


def completion_breakdowns(figures: Figures, filters: ImpactFilters) -> list[dict]:
    """Every breakdown of the course completions this audience reads (an outside audience none
    within one economy or session), but those with no row."""
    if figures.suppressed and (filters.economy or filters.session):
        return []
    breakdowns = [
        completion_breakdown(figures, filters, by) for by in completions_module.DIMENSIONS
    ]
    return [breakdown for breakdown in breakdowns if breakdown["rows"]]

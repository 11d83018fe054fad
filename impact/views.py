"""The impact dashboard, its drill-downs to one economy and to one session, and the public
programme reach page.

Each view asks impact.permissions who is reading (an Audience), reads the filters with
impact.forms (programme staff only), and hands the figures that audience may see
(impact.outside.Figures), shaped by impact.tables, to its template. Tables carry the numbers;
static/impact/dashboard.js draws the same numbers as charts from json_script data, so the pages
work without JavaScript and under a strict Content-Security-Policy. Every page runs the same
handful of queries whatever the number of registrations.
"""

from dataclasses import replace

from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from impact import permissions, queries, tables
from impact.filters import ImpactFilters
from impact.forms import ImpactFilterForm
from impact.outside import Figures
from impact.queries import Audience
from outreach.models import Economy
from outreach.permissions import can_view_impact, require

# The light world map (the 50m one weighs 231 KB); economies too small for it (Hong Kong, China;
# Macao, China; Singapore; most small island states) are drawn as dots by impact/dashboard.js.
WORLD_110M = "vendor/world-atlas/countries-110m.json"
CHART_SCRIPTS = ("vendor/chart.js/chart.umd.min.js", "vendor/chartjs-chart-geo/index.umd.min.js")


def _filters(request, figures: Figures) -> tuple[ImpactFilters, ImpactFilterForm | None]:
    """The filters asked for, and their form; outside audiences read the figures unfiltered
    (impact.outside says why) and get no form."""
    if figures.suppressed:
        return ImpactFilters(), None
    form = ImpactFilterForm(request.GET)
    return form.filters(), form


@require(can_view_impact)
@require_GET
def dashboard(request):
    figures = Figures(permissions.audience_for(request.user))
    filters, form = _filters(request, figures)
    # One economy and one session have their own pages.
    filters = replace(filters, economy="", session=None)
    headline = figures.headline(filters)

    def economy_link(code):
        return reverse("impact:economy", args=[code]) + tables.query(filters)

    return render(
        request,
        "impact/dashboard.html",
        {
            "suppressed": figures.suppressed,
            "form": form,
            "headline": tables.headline(headline),
            "survey": tables.survey(headline),
            "outcomes": tables.outcomes(figures.outcomes(filters)),
            "outcome_breakdowns": tables.outcome_breakdowns(figures, filters),
            "completions": tables.completions(figures.completions(filters)),
            "completion_breakdowns": tables.completion_breakdowns(figures, filters),
            "economies": tables.breakdown(figures, filters, "economy", link=economy_link),
            "breakdowns": [
                tables.breakdown(figures, filters, by)
                for by in ("quarter", "region", "language", "size", "kind")
            ],
            "sessions": tables.session_rows(figures, filters),
            "columns": tables.columns(),
            "atlas": static(WORLD_110M),
            "exports": tables.export_links(filters),
        },
    )


@require(can_view_impact)
@require_GET
def economy(request, code: str):
    economy = get_object_or_404(Economy, code=code.upper())
    figures = Figures(permissions.audience_for(request.user))
    filters, form = _filters(request, figures)
    # Narrowed to one economy: the headline is that economy's cell of the breakdown.
    filters = replace(filters, economy=economy.code, session=None)
    headline = figures.headline(filters)
    return render(
        request,
        "impact/economy.html",
        {
            "suppressed": figures.suppressed,
            "economy": economy,
            "back": reverse("impact:dashboard") + tables.query(filters, economy=""),
            "form": form,
            "headline": tables.headline(headline),
            "survey": tables.survey(headline),
            "outcomes": tables.outcomes(figures.outcomes(filters)),
            "completions": tables.completions(figures.completions(filters)),
            "breakdowns": [
                tables.breakdown(figures, filters, by)
                for by in ("quarter", "language", "size", "kind")
            ],
            "sessions": tables.session_rows(figures, filters),
            "columns": tables.columns(),
            "atlas": static(WORLD_110M),
        },
    )


@require(can_view_impact)
@require_GET
def session(request, pk: int):
    audience = permissions.audience_for(request.user)
    session = get_object_or_404(
        permissions.drill_down_sessions(audience).select_related("series"), pk=pk
    )
    figures = Figures(audience)
    filters = ImpactFilters(session=session.pk)
    headline = figures.headline(filters)

    def economy_link(code):
        return reverse("impact:economy", args=[code])

    return render(
        request,
        "impact/session.html",
        {
            "suppressed": figures.suppressed,
            "session": session,
            "held": session.ends_at <= timezone.now(),
            "headline": tables.headline(headline),
            "survey": tables.survey(headline),
            "outcomes": tables.outcomes(figures.outcomes(filters)),
            "economies": tables.breakdown(figures, filters, "economy", link=economy_link),
            "breakdowns": [
                tables.breakdown(figures, filters, by) for by in ("region", "size", "kind")
            ],
            "columns": tables.columns(),
            "atlas": static(WORLD_110M),
            "results": tables.survey_results(figures, session),
            # Co-hosts read the comments of those who agreed to share their details with them.
            "comments": tables.comments(
                queries.session_comments(session, cohost_id=audience.cohost_id)
            ),
            "comments_export": ""
            if figures.suppressed
            else reverse("impact:export-rows", args=["comments", "csv"]) + tables.query(filters),
        },
    )


@require_GET
def reach(request):
    """The public programme reach: headline counts, regions and economies reached, no personal
    data, small numbers suppressed."""
    figures = Figures(Audience.public())
    return render(
        request,
        "impact/reach.html",
        {
            **tables.reach(figures),
            "outcomes": tables.outcomes(figures.outcomes(ImpactFilters())),
            # The map is drawn only on request, with the light 110m atlas: the page and what it
            # loads first stay far under the 200 KB that public pages may weigh (chart scripts
            # and atlas together add some 140 KB compressed, loaded only by the button).
            "map_scripts": " ".join(static(path) for path in CHART_SCRIPTS),
            "atlas": static(WORLD_110M),
        },
    )

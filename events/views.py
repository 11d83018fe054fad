"""Public pages: home, catalogue, session page, calendar files and feeds."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from events import calendar, permissions, queries
from events.forms import CatalogueFilterForm
from events.models import LANGUAGE_CODES
from outreach.languages import active_language
from outreach.queries import programme_reach

PAGE_SIZE = 20


@require_GET
def home(request):
    return render(
        request,
        "events/home.html",
        {"reach": programme_reach(), "sessions": list(queries.upcoming_sessions(limit=6))},
    )


@require_GET
def catalogue(request):
    form = CatalogueFilterForm(request.GET or None, language=active_language())
    filters = queries.CatalogueFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = queries.CatalogueFilters(
            when=data["when"] or "upcoming",
            language=data["language"],
            region=data["region"],
            economy=data["economy"],
            topic=data["topic"],
            format=data["format"],
            text=data["q"].strip(),
            grouped=data["grouped"],
            prefer_language=active_language(),
        )
    page = Paginator(queries.catalogue_sessions(filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "events/catalogue.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "sessions": list(page.object_list),
            "query": query.urlencode(),
            "feeds": _feed_links(),
        },
    )


def _feed_links() -> list[dict]:
    links = [{"label": _("All sessions"), "path": reverse("feeds:all")}]
    names = {
        "en": _("Sessions in English"),
        "fr": _("Sessions in French"),
        "es": _("Sessions in Spanish"),
    }
    for code in LANGUAGE_CODES:
        links.append({"label": names[code], "path": reverse("feeds:language", args=[code])})
    for link in links:
        link["webcal"] = calendar.webcal_url(link["path"])
    return links


@require_GET
def session_detail(request, pk):
    session = get_object_or_404(
        queries.with_related(permissions.visible_sessions(request.user)), pk=pk
    )
    language = active_language()
    return render(
        request,
        "events/session_detail.html",
        {
            "session": session,
            "google_link": calendar.google_calendar_link(session, language=language),
            "outlook_link": calendar.outlook_calendar_link(session, language=language),
        },
    )


@require_GET
def session_ics(request, pk):
    session = get_object_or_404(permissions.visible_sessions(request.user), pk=pk)
    response = HttpResponse(
        calendar.session_calendar(session, language=active_language()),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{calendar.ics_filename(session)}"'
    return response


def _feed_response(sessions, name: str) -> HttpResponse:
    response = HttpResponse(
        calendar.feed_calendar(sessions, name=name), content_type="text/calendar; charset=utf-8"
    )
    response["Cache-Control"] = "public, max-age=900"
    return response


@require_GET
def feed_all(request):
    return _feed_response(queries.feed_sessions(), "Outreach")


@require_GET
def feed_language(request, language):
    if language not in LANGUAGE_CODES:
        raise Http404
    return _feed_response(
        queries.feed_sessions(language=language), f"Outreach ({language.upper()})"
    )


@require_GET
def feed_series(request, slug):
    series = get_object_or_404(queries.all_series(), slug=slug)
    return _feed_response(queries.feed_sessions(series=series), f"Outreach: {series.title}")

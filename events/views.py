"""Public pages: home, catalogue, session page, calendar files and feeds."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from events import calendar, cards, permissions, queries
from events.forms import CatalogueFilterForm
from events.models import LANGUAGE_CODES
from outreach.languages import active_language
from outreach.queries import programme_reach

PAGE_SIZE = 20


@require_GET
def home(request):
    sessions = queries.upcoming_cards(limit=6)
    reach = programme_reach()
    keys = cards.card_keys(sessions)
    return cards.cached_page(
        cards.page_key(request, [reach, *keys]),
        lambda: render(
            request,
            "events/home.html",
            {"reach": reach, "sessions": sessions, "cards": cards.session_cards(sessions, keys)},
        ),
    )


@require_GET
def catalogue(request):
    language = active_language()
    lists = cards.filter_lists(language)
    form = CatalogueFilterForm(request.GET or None, language=language, choices=lists["choices"])
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
            prefer_language=language,
        )
    page = Paginator(queries.CatalogueRows(queries.matching_sessions(filters)), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    keys = cards.card_keys(page.object_list, heading_level=2)
    # The whole page, for visitors who are not signed in, under everything it shows; not a search
    # for words or a list with values unknown (any text makes an address: the cache would fill).
    key = None
    if (form.is_valid() or not form.is_bound) and not filters.text:
        chosen = sorted(form.cleaned_data.items()) if form.is_bound else []
        key = cards.page_key(
            request,
            [lists["version"], chosen, page.paginator.count, page.number, *keys],
            params=[*form.fields, "page"],
        )
    return cards.cached_page(
        key,
        lambda: _catalogue_page(
            request, form=form, filters=filters, options=lists["options"], page=page, keys=keys
        ),
    )


def _catalogue_page(request, *, form, filters, options, page, keys):
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "events/catalogue.html",
        {
            "form": form,
            "selects": cards.filter_selects(form, options),
            "filters": filters,
            "page": page,
            "sessions": page.object_list,
            "cards": cards.session_cards(page.object_list, keys, heading_level=2),
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
        queries.with_page_versions(permissions.visible_sessions(request.user)), pk=pk
    )
    return render(
        request,
        "events/session_detail.html",
        {"session": session, "parts": cards.session_page_parts(session)},
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

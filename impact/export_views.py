"""Exports of impact figures for programme staff: aggregates as CSV, XLSX or JSON, and the rows
behind them as CSV or XLSX, with the dashboard's filters from the query string.

CSV and XLSX are written for people in the language of the URL (/fr/…: French header and
names); `?codes=1` asks for codes instead (column codes, ISO and other codes in the cells), as
JSON always holds. File names carry the filters and the language (impact.exports.export_name).
Each download is recorded by impact.services; the files are written by outreach.exports, except
the rows as CSV, which impact.csv_exports has PostgreSQL write.
"""

from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from impact import exports, services
from impact.filters import FilterError, filters_from
from outreach.exports import as_download, csv_file_response, file_response
from outreach.permissions import is_programme_staff, require


def _bad_filters(error: FilterError) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(
        _("These filters cannot be used: %(problem)s") % {"problem": error},
        content_type="text/plain; charset=utf-8",
    )


def _codes_asked(request) -> bool:
    return request.GET.get("codes", "") in {"1", "true", "yes"}


@require(is_programme_staff)
@require_GET
def export_aggregate(request, by: str, fmt: str):
    """Headline figures or one breakdown (economy, region, quarter, …) as CSV, XLSX or JSON."""
    if by not in exports.AGGREGATES or fmt not in exports.AGGREGATE_FORMATS:
        raise Http404
    try:
        filters = filters_from(request.GET)
    except FilterError as error:
        return _bad_filters(error)
    codes = _codes_asked(request)
    content = services.export_aggregate(filters, by, fmt=fmt, by=request.user, codes=codes)
    if fmt == "json":
        response = JsonResponse(content, json_dumps_params={"indent": 1})
        return as_download(response, exports.export_name(by, filters, "json", codes=True))
    filename = exports.export_name(by, filters, fmt, codes=codes)
    return file_response(content, fmt, filename, sheet=f"impact-{by}")


@require(is_programme_staff)
@require_GET
def export_rows(request, what: str, fmt: str):
    """Registrations, attendance (with walk-ins), survey answers or comments, one row each; as
    CSV straight from PostgreSQL's COPY where it runs (impact.csv_exports)."""
    if what not in exports.ROW_EXPORTS or fmt not in exports.ROW_FORMATS:
        raise Http404
    try:
        filters = filters_from(request.GET)
    except FilterError as error:
        return _bad_filters(error)
    codes = _codes_asked(request)
    filename = exports.export_name(what, filters, fmt, codes=codes)
    if fmt == "csv":
        lines = services.export_csv(filters, what, by=request.user, codes=codes)
        return csv_file_response(lines, filename)
    rows = services.export_rows(filters, what, fmt=fmt, by=request.user, codes=codes)
    return file_response(rows, fmt, filename, sheet=f"impact-{what}")

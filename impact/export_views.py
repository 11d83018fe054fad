"""Exports of impact figures for programme staff: aggregates as CSV, XLSX or JSON, and the rows
behind them as CSV or XLSX, with the dashboard's filters from the query string.

CSV and XLSX are written for people in the language of the URL (/fr/…: French header and
names); `?codes=1` asks for codes instead (column codes, ISO and other codes in the cells), as
JSON always holds. File names carry the filters and the language (impact.exports.export_name).
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from impact import exports
from impact.filters import FilterError, filters_from
from impact.queries import Audience
from outreach import audit
from outreach.exports import as_download, csv_response
from outreach.models import AuditAction
from outreach.permissions import is_programme_staff

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def staff_only(view):
    """Sign in first; then organisers and analysts only (they see every organisation)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_programme_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _bad_filters(error: FilterError) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(
        _("These filters cannot be used: %(problem)s") % {"problem": error},
        content_type="text/plain; charset=utf-8",
    )


def _codes_asked(request) -> bool:
    return request.GET.get("codes", "") in {"1", "true", "yes"}


def _file_response(rows, fmt: str, filename: str, *, sheet: str):
    """CSV streamed line by line; XLSX built in a temporary file, then streamed from it; neither
    kept in a cache (outreach.exports.as_download)."""
    if fmt == "csv":
        return csv_response(rows, filename)
    response = FileResponse(
        exports.xlsx_file(rows, sheet=sheet), content_type=CONTENT_TYPES["xlsx"]
    )
    return as_download(response, filename)


@staff_only
@require_GET
def export_aggregate(request, by: str, fmt: str):
    """Headline figures or one breakdown (economy, region, quarter, …) as CSV, XLSX or JSON."""
    if by not in exports.AGGREGATES or fmt not in exports.AGGREGATE_FORMATS:
        raise Http404
    try:
        filters = filters_from(request.GET)
    except FilterError as error:
        return _bad_filters(error)
    audience = Audience.staff()
    codes = _codes_asked(request)
    audit.record(
        request.user,
        AuditAction.EXPORT_DOWNLOADED,
        export=f"impact-{by}",
        format=fmt,
        filters=filters.as_query(),
    )
    if fmt == "json":
        response = JsonResponse(
            exports.aggregate_json(filters, by, audience), json_dumps_params={"indent": 1}
        )
        return as_download(response, exports.export_name(by, filters, "json", codes=True))
    rows = exports.aggregate_rows(filters, by, audience, codes=codes)
    filename = exports.export_name(by, filters, fmt, codes=codes)
    return _file_response(rows, fmt, filename, sheet=f"impact-{by}")


@staff_only
@require_GET
def export_rows(request, what: str, fmt: str):
    """Registrations, attendance (with walk-ins) or survey answers, one row each."""
    if what not in exports.ROW_EXPORTS or fmt not in exports.ROW_FORMATS:
        raise Http404
    try:
        filters = filters_from(request.GET)
    except FilterError as error:
        return _bad_filters(error)
    codes = _codes_asked(request)
    audit.record(
        request.user,
        AuditAction.EXPORT_DOWNLOADED,
        export=f"impact-{what}",
        format=fmt,
        filters=filters.as_query(),
    )
    rows = exports.export_rows(what, filters, Audience.staff(), codes=codes)
    filename = exports.export_name(what, filters, fmt, codes=codes)
    return _file_response(rows, fmt, filename, sheet=f"impact-{what}")

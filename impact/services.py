"""The only writes of impact: the audit entry of each download.

Each function records who downloaded what (the acting person as `by=`, an EXPORT_DOWNLOADED
entry in the audit log) and returns what the download holds; the views parse, call one of these
and hand the result to a writer (outreach.exports).
"""

from collections.abc import Iterator

from django.db.models import QuerySet

from events.models import Session
from impact import csv_exports, exports
from impact.filters import ImpactFilters
from impact.queries import Audience
from outreach import audit
from outreach.models import AuditAction, User
from registrations import queries as registration_queries
from registrations.models import Registration


def export_cohost_registrants(session: Session, *, by: User) -> QuerySet[Registration]:
    """A co-host member downloads the registrants of a session it co-hosts: returns those it may
    list (registrations.queries.cohost_registrants) and writes an EXPORT_DOWNLOADED entry."""
    audit.record(by, AuditAction.EXPORT_DOWNLOADED, session, export="cohost-registrants")
    return registration_queries.cohost_registrants(session, by.organisation_id)


def export_aggregate(
    filters: ImpactFilters,
    what: str,
    *,
    fmt: str,
    by: User | None,
    codes: bool = False,
    command: str = "",
) -> dict | Iterator[list]:
    """Programme staff download the headline figures or one breakdown (`what`): returns the
    JSON document for fmt "json", else the rows (impact.exports.aggregate_rows), and writes an
    EXPORT_DOWNLOADED entry with the format and filters. A management command exports as
    nobody (`by=None`) and names itself (`command`)."""
    _record(by, what, fmt, filters, **({"command": command} if command else {}))
    audience = Audience.staff()
    if fmt == "json":
        return exports.aggregate_json(filters, what, audience)
    return exports.aggregate_rows(filters, what, audience, codes=codes)


def export_rows(
    filters: ImpactFilters, what: str, *, fmt: str, by: User, codes: bool = False
) -> Iterator[list]:
    """Programme staff download registrations, attendance or survey answers one per row: returns
    the row stream (impact.exports.export_rows) and writes an EXPORT_DOWNLOADED entry."""
    _record(by, what, fmt, filters)
    return exports.export_rows(what, filters, Audience.staff(), codes=codes)


def export_csv(
    filters: ImpactFilters, what: str, *, by: User, codes: bool = False
) -> Iterator[bytes]:
    """Programme staff download registrations, attendance, answers or comments as CSV: returns
    the file's bytes as a stream (impact.csv_exports.export_csv: from COPY on PostgreSQL) and
    writes an EXPORT_DOWNLOADED entry."""
    _record(by, what, "csv", filters)
    return csv_exports.export_csv(what, filters, Audience.staff(), codes=codes)


def _record(by: User | None, what: str, fmt: str, filters: ImpactFilters, **details) -> None:
    audit.record(
        by,
        AuditAction.EXPORT_DOWNLOADED,
        **details,
        export=f"impact-{what}",
        format=fmt,
        filters=filters.as_query(),
    )

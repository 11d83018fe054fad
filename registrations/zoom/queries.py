"""What the session's organiser page says of Zoom (registrations.zoom.services)."""

from django.db.models import Count, Q

from events.models import Session, SessionFormat, SessionStatus
from registrations.models import ZoomSync, ZoomSyncState
from registrations.zoom.services import REGISTRANT, WEBINAR


def zoom_status(session: Session) -> dict | None:
    """The webinar's last sync, how many registrants Zoom could not add or cancel (with the
    latest reason), and whether a retry is offered; None for a session that has nothing to do
    with Zoom. Three queries, however many registrants."""
    if not session.zoom_webinar_id and not (
        session.zoom_create and session.format != SessionFormat.IN_PERSON
    ):
        return None
    webinar = ZoomSync.objects.filter(session=session, action=WEBINAR).first()
    registrants = ZoomSync.objects.filter(session=session, action__startswith=REGISTRANT)
    counts = registrants.aggregate(
        failed=Count("pk", filter=Q(state=ZoomSyncState.FAILED)),
        waiting=Count("pk", filter=Q(state=ZoomSyncState.PENDING)),
    )
    latest = (
        registrants.filter(state=ZoomSyncState.FAILED).values_list("failure", flat=True).first()
        if counts["failed"]
        else ""
    )
    not_created = (
        webinar is None
        and not session.zoom_webinar_id
        and session.status in (SessionStatus.PUBLISHED, SessionStatus.FINISHED)
    )
    webinar_failed = webinar is not None and webinar.state == ZoomSyncState.FAILED
    return {
        "webinar": webinar,
        "state": webinar.state if webinar else "",
        "registrants_failed": counts["failed"],
        "registrants_waiting": counts["waiting"],
        "registrant_failure": latest,
        "retry": not_created or webinar_failed or bool(counts["failed"]),
    }

"""Zoom in both directions: the webinar made and kept in line with its session, each confirmed
registrant added (with a personal join link) or cancelled, and the attendance pulled once the
session has ended.

What is promised
----------------
Every call to Zoom is made by a task, never inside a database transaction: a service records
what is asked in the session's ZoomSync for that action ("webinar", "registrant:<pk>",
"attendance"), waiting, and queues the task after commit; the task brings Zoom in line with
what the rows say now (so it is safe to run twice, and a task that runs late does the latest
thing) and records how it went: done, or failed with Zoom's reason and the count of tries. The
session's organiser page shows a failure with a retry (`retry`), and the next change queues the
sync again anyway.

- A published online or hybrid session with "create on Zoom" gets its webinar: the session's
  title, start, time zone, length and summary; its id and join link are kept on the session
  (the join link as the session's own, for those without a personal one). A new time or title
  updates it, a cancellation deletes it.
- A confirmed registration of a session with a webinar becomes a Zoom registrant, whose id and
  personal join link are kept on the registration; its messages then carry that link
  (registrations.messages.emails). A cancellation, a move to another session, a return to the
  waitlist or an erasure cancels the registrant. The registrant's task is queued before the
  registration's confirmation (its save comes first), so a worker normally adds it first.
- Once a session with a webinar has ended (and Zoom has had PULL_AFTER to write its report),
  the periodic job `queue_due_attendance_pulls` asks for the attendance as the attendance page's
  button does (attendance.request_zoom_pull, no preview); a failure is tried again after a
  growing wait, at most PULL_ATTEMPTS times. A session whose attendance was imported from a
  file, or pulled already, is left alone.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from events.models import Session, SessionFormat, SessionStatus
from outreach.models import User
from outreach.tasks import enqueue_on_commit
from registrations.attendance import services as attendance
from registrations.attendance import zoom
from registrations.models import (
    AttendanceImport,
    Registration,
    RegistrationStatus,
    ZoomPull,
    ZoomSync,
    ZoomSyncState,
)

WEBINAR = "webinar"
ATTENDANCE = "attendance"
REGISTRANT = "registrant:"
# The tasks, by the dotted path the queue stores: registrations/tasks.py (the top of the app)
# imports this module to run them, so this module does not import it back.
SYNC_ZOOM_WEBINAR = "registrations.tasks.sync_zoom_webinar"
SYNC_ZOOM_REGISTRANT = "registrations.tasks.sync_zoom_registrant"
# Zoom writes a webinar's participant report some minutes after it ends.
PULL_AFTER = timedelta(minutes=30)
# Zoom keeps reports for long, but a session this old without attendance is left to people.
PULL_WITHIN = timedelta(days=14)
PULL_ATTEMPTS = 4
# The wait before trying a failed pull again, doubled at each failure: 15, 30, 60 minutes.
PULL_RETRY_AFTER = timedelta(minutes=15)


def registrant_action(registration_pk: int) -> str:
    return f"{REGISTRANT}{registration_pk}"


def _hosted_on_zoom(session: Session) -> bool:
    return session.zoom_create and session.format != SessionFormat.IN_PERSON


def _public(session: Session) -> bool:
    return session.status in (SessionStatus.PUBLISHED, SessionStatus.FINISHED)


def _ask(session: Session, action: str) -> ZoomSync:
    """The session's ZoomSync for `action`, waiting again with no tries yet; in the caller's
    transaction."""
    now = timezone.now()
    sync, created = ZoomSync.objects.select_for_update().get_or_create(
        session=session, action=action, defaults={"updated_at": now}
    )
    if not created:
        sync.state, sync.attempts, sync.failure, sync.updated_at = (
            ZoomSyncState.PENDING,
            0,
            "",
            now,
        )
        sync.save(update_fields=["state", "attempts", "failure", "updated_at"])
    return sync


def _record(session: Session, action: str, failure: str = "") -> ZoomSync:
    """How a try went: done, or failed with Zoom's reason; one more try counted."""
    now = timezone.now()
    state = ZoomSyncState.FAILED if failure else ZoomSyncState.DONE
    with transaction.atomic():
        sync, _created = ZoomSync.objects.select_for_update().get_or_create(
            session=session, action=action, defaults={"updated_at": now}
        )
        sync.state, sync.failure, sync.updated_at = state, failure[:500], now
        sync.attempts = F("attempts") + 1
        sync.save(update_fields=["state", "failure", "updated_at", "attempts"])
    sync.refresh_from_db(fields=["attempts"])
    return sync


# --- The webinar -------------------------------------------------------------------------------


@transaction.atomic
def request_webinar_sync(session: Session) -> ZoomSync | None:
    """The session was published or changed: have its webinar created, updated or deleted.

    Writes the session's "webinar" ZoomSync (waiting) and queues `sync_zoom_webinar` after
    commit; no HTTP call is made here. A session that has nothing to do with Zoom (not to be
    created there, and no webinar) writes and queues nothing: returns None.
    """
    if not session.zoom_webinar_id and not (_hosted_on_zoom(session) and _public(session)):
        return None
    sync = _ask(session, WEBINAR)
    enqueue_on_commit(import_string(SYNC_ZOOM_WEBINAR), session.pk)
    return sync


def _webinar(session: Session) -> zoom.Webinar:
    return zoom.Webinar(
        topic=session.localized("title", session.language),
        starts_at=session.starts_at,
        time_zone=session.time_zone,
        minutes=session.duration_minutes,
        agenda=session.localized("summary", session.language),
    )


def run_webinar_sync(session: Session) -> ZoomSync:
    """Bring the session's webinar in line with the session as it is now: delete it for a
    cancelled session, update it (title, time, zone, length) when it exists, or create it for a
    public session to be created on Zoom, keeping its id and join link on the session (a new
    version of its calendar event) and asking for each confirmed registrant to be added.

    Calls Zoom outside any transaction; writes the session's webinar id and join link, and the
    "webinar" ZoomSync: done, or failed with Zoom's reason.
    """
    session = Session.objects.get(pk=session.pk)
    try:
        if session.status == SessionStatus.CANCELLED:
            if session.zoom_webinar_id:
                zoom.delete_webinar(session.zoom_webinar_id)
                Session.objects.filter(pk=session.pk).update(zoom_webinar_id="")
        elif session.zoom_webinar_id:
            zoom.update_webinar(session.zoom_webinar_id, _webinar(session))
        elif _hosted_on_zoom(session) and _public(session):
            created = zoom.create_webinar(_webinar(session))
            _keep_webinar(session, created)
    except zoom.ZoomError as error:
        return _record(session, WEBINAR, str(error) or type(error).__name__)
    return _record(session, WEBINAR)


@transaction.atomic
def _keep_webinar(session: Session, created: zoom.Created) -> None:
    Session.objects.filter(pk=session.pk).update(
        zoom_webinar_id=created.id,
        join_url=created.join_url[:500],
        sequence=F("sequence") + 1,
    )
    # Those who registered before the webinar existed (a creation that failed at first).
    waiting = Registration.objects.filter(
        session=session,
        status=RegistrationStatus.CONFIRMED,
        person__isnull=False,
        zoom_registrant_id="",
    ).only("pk", "session_id")
    for registration in waiting:
        _ask(session, registrant_action(registration.pk))
        enqueue_on_commit(import_string(SYNC_ZOOM_REGISTRANT), registration.pk)


# --- Registrants -------------------------------------------------------------------------------


def _wants_registrant(registration: Registration, session: Session) -> bool:
    return (
        registration.status == RegistrationStatus.CONFIRMED
        and registration.person_id is not None
        and session.status != SessionStatus.CANCELLED
    )


def registrant_out_of_step(registration: Registration) -> bool:
    """Whether Zoom must hear of this registration: confirmed without a Zoom registrant at a
    session with a webinar, or a registrant no longer confirmed (cancelled, waitlisted, moved,
    anonymised). Asks the database only for the first case, and only when the registration's
    session is not loaded."""
    if registration.zoom_registrant_id:
        return registration.status != RegistrationStatus.CONFIRMED or not registration.person_id
    if registration.status != RegistrationStatus.CONFIRMED or not registration.person_id:
        return False
    if Registration.session.is_cached(registration):
        return bool(registration.session.zoom_webinar_id)
    return Session.objects.filter(pk=registration.session_id).exclude(zoom_webinar_id="").exists()


@transaction.atomic
def request_registrant_sync(registration: Registration) -> ZoomSync:
    """A registration changed: have its Zoom registrant added or cancelled.

    Writes its "registrant:<pk>" ZoomSync (waiting) and queues `sync_zoom_registrant` after
    commit; no HTTP call is made here.
    """
    sync = _ask(registration.session, registrant_action(registration.pk))
    enqueue_on_commit(import_string(SYNC_ZOOM_REGISTRANT), registration.pk)
    return sync


def run_registrant_sync(registration: Registration) -> ZoomSync | None:
    """Bring the registration's Zoom registrant in line with it: add a confirmed registration
    (keeping the registrant's id and personal join link), cancel one no longer confirmed (and
    forget its link). Waits (writes nothing) while the session has no webinar: its creation asks
    again for every confirmed registrant.

    Calls Zoom outside any transaction; writes the registration's registrant id and link, and
    its ZoomSync: done, or failed with Zoom's reason.
    """
    registration = (
        Registration.objects.select_related("session", "person").filter(pk=registration.pk).first()
    )
    if registration is None:
        return None
    session = registration.session
    webinar = session.zoom_webinar_id
    if not webinar:
        return None
    action = registrant_action(registration.pk)
    try:
        if _wants_registrant(registration, session):
            if not registration.zoom_registrant_id:
                person = registration.person
                created = zoom.add_registrant(
                    webinar, email=person.email, full_name=person.full_name
                )
                Registration.objects.filter(pk=registration.pk).update(
                    zoom_registrant_id=created.id[:64], zoom_join_url=created.join_url[:1000]
                )
        elif registration.zoom_registrant_id:
            zoom.cancel_registrant(
                webinar,
                registrant_id=registration.zoom_registrant_id,
                email=registration.person.email if registration.person_id else "",
            )
            Registration.objects.filter(pk=registration.pk).update(
                zoom_registrant_id="", zoom_join_url=""
            )
    except zoom.ZoomError as error:
        return _record(session, action, str(error) or type(error).__name__)
    return _record(session, action)


# --- Asking again ------------------------------------------------------------------------------


@transaction.atomic
def retry(session: Session, *, by: User | None) -> int:
    """An organiser asks Zoom again for what failed on this session (its webinar, registrants,
    the attendance pull), or for a webinar not created yet. Returns how many calls were queued.

    Writes those ZoomSyncs (waiting), and for the attendance a ZoomPull asked by `by`, and
    queues their tasks after commit; no HTTP call is made here.
    """
    count = 0
    failed = ZoomSync.objects.filter(session=session, state=ZoomSyncState.FAILED)
    webinar_failed = failed.filter(action=WEBINAR).exists()
    never_asked = not ZoomSync.objects.filter(session=session, action=WEBINAR).exists()
    if webinar_failed or never_asked:
        count += request_webinar_sync(session) is not None
    for action in failed.filter(action__startswith=REGISTRANT).values_list("action", flat=True):
        registration = Registration.objects.filter(
            session=session, pk=int(action.removeprefix(REGISTRANT))
        ).first()
        if registration is None:
            ZoomSync.objects.filter(session=session, action=action).delete()
            continue
        request_registrant_sync(registration)
        count += 1
    if failed.filter(action=ATTENDANCE).exists():
        try:
            attendance.request_zoom_pull(session, by=by)
        except attendance.SessionPastRetention:
            return count
        count += 1
    return count


# --- Attendance after the end ------------------------------------------------------------------


def due_attendance_pulls(*, now: datetime) -> list[Session]:
    """Sessions whose attendance Zoom should now have: with a webinar, ended at least PULL_AFTER
    ago (within PULL_WITHIN), not cancelled, without attendance imported from a file or pulled,
    and whose last automatic pull either never ran or failed fewer than PULL_ATTEMPTS times and
    long enough ago."""
    syncs = ZoomSync.objects.filter(session=OuterRef("pk"), action=ATTENDANCE)
    waiting = Q()
    for attempts in range(1, PULL_ATTEMPTS):
        waiting |= Q(attempts=attempts, updated_at__gt=now - PULL_RETRY_AFTER * 2 ** (attempts - 1))
    return list(
        Session.objects.exclude(zoom_webinar_id="")
        .filter(
            status__in=[SessionStatus.PUBLISHED, SessionStatus.FINISHED],
            ends_at__lte=now - PULL_AFTER,
            ends_at__gt=now - PULL_WITHIN,
        )
        .exclude(Exists(AttendanceImport.objects.filter(session=OuterRef("pk"))))
        .exclude(Exists(syncs.filter(state=ZoomSyncState.DONE)))
        # A pull asked for and not finished is running, unless its worker was lost long ago.
        .exclude(
            Exists(
                syncs.filter(
                    state=ZoomSyncState.PENDING,
                    updated_at__gt=now - attendance.ZOOM_PULL_TIMEOUT,
                )
            )
        )
        .exclude(Exists(syncs.filter(attempts__gte=PULL_ATTEMPTS)))
        .exclude(Exists(syncs.filter(state=ZoomSyncState.FAILED).filter(waiting)))
        .order_by("ends_at", "pk")
    )


def queue_due_attendance_pulls(*, now: datetime | None = None) -> int:
    """Ask Zoom for the attendance of every session due (`due_attendance_pulls`), as the
    attendance page's button does but by nobody: the pull imports it with no preview, and the
    attendance page shows how it went. Returns how many pulls were queued.

    Writes each session's ZoomPull (attendance.request_zoom_pull) and its "attendance" ZoomSync
    (waiting); the pull's task records the outcome in both. A session past its retention
    period is skipped.
    """
    now = now or timezone.now()
    count = 0
    for session in due_attendance_pulls(now=now):
        try:
            with transaction.atomic():
                attendance.request_zoom_pull(session, by=None)
                sync, _created = ZoomSync.objects.get_or_create(
                    session=session, action=ATTENDANCE, defaults={"updated_at": now}
                )
                ZoomSync.objects.filter(pk=sync.pk).update(
                    state=ZoomSyncState.PENDING, updated_at=now
                )
        except attendance.SessionPastRetention:
            continue
        count += 1
    return count


def run_attendance_pull(pull: ZoomPull) -> ZoomPull:
    """Pull the attendance a ZoomPull asks for (attendance.run_zoom_pull, from the button or
    the periodic job) and count the try in the session's "attendance" ZoomSync: done, or failed
    with the reason (tried again by `queue_due_attendance_pulls`)."""
    pull = attendance.run_zoom_pull(pull)
    _record(pull.session, ATTENDANCE, pull.failure)
    return pull

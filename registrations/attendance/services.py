"""Who really came: attendance reports imported, people checked in at the door.

Erasure and retention are final here too: an anonymised registration (see registrations.privacy)
is never a candidate, and its attended and minutes never change again. A report's row carrying
the email or name of someone erased or anonymised (their suppression key) is dropped when that
person had a registration at the session, and otherwise kept as an anonymous walk-in, so that
no name comes back and no figure moves.
"""

import dataclasses
import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from events.models import Session
from outreach import audit
from outreach.models import AuditAction, User
from outreach.tasks import enqueue_on_commit
from registrations import follow_ups, privacy
from registrations.attendance import reports, zoom
from registrations.models import (
    AttendanceImport,
    AttendanceRecord,
    MatchedBy,
    Registration,
    RegistrationStatus,
    ZoomPull,
)
from registrations.services import RegistrationAnonymised

# A Zoom report of 100,000 attendees is about 10 MB; Teams' UTF-16 doubles a file's size.
MAX_REPORT_BYTES = 25 * 1024 * 1024


class FileTooLarge(reports.ReportError):
    """Refused before reading: uploads are capped, and never stored or served back."""

    def __init__(self):
        self.line = 0
        self.message = _("The file is larger than %(megabytes)d MB.") % {
            "megabytes": MAX_REPORT_BYTES // (1024 * 1024)
        }
        ValueError.__init__(self, self.message)

    def __reduce__(self):
        return type(self), ()


@dataclass(frozen=True)
class ReportOptions:
    """How to read a report: the platform, the account's time zone, the order of day and month
    in its dates, and for a generic CSV which column holds what."""

    time_zone: str = "UTC"
    platform: str = "auto"
    date_order: str = "auto"
    mapping: dict | None = None


class SessionPastRetention(reports.ReportError):
    """Refused: the session's personal data is gone or due to go, so it takes no report."""

    def __init__(self):
        self.line = 0
        self.message = _(
            "This session is past its series' retention period: its registrations are "
            "anonymised, so attendance, check-ins and survey invitations are closed."
        )
        ValueError.__init__(self, self.message)

    def __reduce__(self):
        return type(self), ()


# Stands for the email of a row whose person is erased, so that their rows still count as one
# person (the report's grouping is by email); never stored, never a real address (no "@").
_ANONYMOUS = "anonymous:"


def _candidates(session: Session) -> list[reports.Candidate]:
    registrations = (
        Registration.objects.filter(session=session, person__isnull=False)
        .exclude(status=RegistrationStatus.CANCELLED)
        .select_related("person")
    )
    return [
        reports.Candidate(key=r.pk, name=r.person.full_name, email=r.person.email)
        for r in registrations
    ]


def refuse_past_retention(session: Session) -> None:
    """SessionPastRetention when the session takes no new personal data (its retention period
    has passed): no report, check-in, link or survey invitation. The services ask it; the
    attendance page asks it first, so that nobody fills in a form that must be refused."""
    if privacy.is_past_retention(session):
        raise SessionPastRetention


def read_report(upload) -> bytes:
    """The bytes of an uploaded report; FileTooLarge, before reading, past MAX_REPORT_BYTES."""
    if upload.size > MAX_REPORT_BYTES:
        raise FileTooLarge
    return upload.read()


def preview_attendance(session: Session, data: bytes, options: ReportOptions) -> list:
    """Read a report and match it to the session's registrations, writing nothing.

    Raises attendance_reports.ReportError naming the line of a malformed file.
    """
    if len(data) > MAX_REPORT_BYTES:
        raise FileTooLarge
    refuse_past_retention(session)
    report = reports.parse_report(
        data,
        time_zone=options.time_zone,
        platform=options.platform,
        mapping=options.mapping,
        date_order=options.date_order,
    )
    return _match(session, report)


def _match(session: Session, report: reports.ParsedReport) -> list[reports.Attendance]:
    """The report matched to the session's live registrations, erased people left out (see the
    module's docstring)."""
    candidates = _candidates(session)
    report = _without_erased(session, report, candidates)
    people = reports.match_attendance(
        report, candidates, threshold_minutes=session.attendance_threshold
    )
    return [
        dataclasses.replace(person, name="", email="")
        if person.email.startswith(_ANONYMOUS)
        else person
        for person in people
    ]


def absent_after_import(session: Session, people: list[reports.Attendance]) -> int:
    """How many registrations importing this preview would mark absent: those not cancelled nor
    anonymised that neither attended by the report (at least the session's threshold) nor were
    checked in at the door (as `_apply_to_registrations` will record them)."""
    attending = {person.key for person in people if person.key is not None and person.attended}
    attending |= set(
        AttendanceRecord.objects.filter(
            session=session, matched_by=MatchedBy.CHECK_IN, attended=True
        ).values_list("registration_id", flat=True)
    )
    registrations = Registration.objects.filter(
        session=session, anonymised_at__isnull=True
    ).exclude(status=RegistrationStatus.CANCELLED)
    return registrations.exclude(pk__in=[key for key in attending if key is not None]).count()


def _without_erased(
    session: Session, report: reports.ParsedReport, candidates: list[reports.Candidate]
) -> reports.ParsedReport:
    """The report without the rows of people erased or anonymised: a row whose email or name
    has a suppression key is dropped if its person had a registration here (now anonymised,
    its attendance kept as it was), else kept without name or email. A row whose email is a
    live registration's is someone registered now, and stays."""
    live = {reports.comparable_email(c.email) for c in candidates if c.email}
    said = {
        (row.email, row.name)
        for row in [*report.joins, *report.absentees]
        if reports.comparable_email(row.email) not in live
    }
    suppressed = privacy.suppressed_rows(session, said)
    if not suppressed:
        return report

    def kept(row):
        found = suppressed.get((row.email, row.name))
        if found is None:
            return row
        if found.registered:
            return None
        return dataclasses.replace(row, name="", email=f"{_ANONYMOUS}{found.token}")

    return reports.ParsedReport(
        joins=[row for row in map(kept, report.joins) if row is not None],
        absentees=[row for row in map(kept, report.absentees) if row is not None],
        platform=report.platform,
    )


def import_from_zoom(
    session: Session, webinar_id: str, *, by: User | None = None
) -> tuple[AttendanceImport, bool]:
    """Pull a past webinar's participants from Zoom's API and import them like a report file.

    The HTTP call is made before any transaction opens. Writes what `import_attendance_report`
    writes, with an ATTENDANCE_IMPORTED audit entry (platform zoom) when anything changed.
    Raises zoom.ZoomError when Zoom cannot be reached or refuses, SessionPastRetention when the
    session takes no personal data; writes nothing then.
    """
    report = zoom.fetch_participants(webinar_id)
    fingerprint = "\n".join(
        f"{j.email}|{j.name}|{j.joined_at.isoformat()}|{j.left_at.isoformat()}"
        for j in report.joins
    ).encode()
    return _import_parsed(
        session,
        report,
        data=fingerprint,
        filename=f"zoom-webinar-{webinar_id}",
        by=by,
        details={"platform": "zoom"},
    )


# A pull still unfinished after this long is taken for lost (its worker stopped): it may be
# asked for again. Zoom's retries and page tokens end far sooner.
ZOOM_PULL_TIMEOUT = timedelta(minutes=15)
# The task that pulls, by the dotted path the queue stores: registrations/tasks.py (the top of
# the app) imports this module to run it, so this module does not import it back.
PULL_ZOOM_ATTENDANCE = "registrations.tasks.pull_zoom_attendance"


@transaction.atomic
def request_zoom_pull(session: Session, *, by: User | None) -> ZoomPull:
    """An organiser asks for a webinar's attendance from Zoom; a task pulls it (no HTTP call is
    made here, nor inside any transaction).

    Writes the session's ZoomPull (pulling since now, by `by`) and queues
    `pull_zoom_attendance` after commit. A pull still running is left to finish: nothing new is
    queued. Raises SessionPastRetention, writing nothing.
    """
    refuse_past_retention(session)
    now = timezone.now()
    pull, created = ZoomPull.objects.select_for_update().get_or_create(
        session=session, defaults={"requested_by": by, "started_at": now}
    )
    if not created:
        if pull.is_running and pull.started_at > now - ZOOM_PULL_TIMEOUT:
            return pull
        pull.requested_by = by
        pull.started_at = now
        pull.finished_at = None
        pull.changed = False
        pull.failure = ""
        pull.save()
    enqueue_on_commit(import_string(PULL_ZOOM_ATTENDANCE), pull.pk)
    return pull


def run_zoom_pull(pull: ZoomPull) -> ZoomPull:
    """Pull the attendance a ZoomPull asks for (`import_from_zoom`, as its requester) and record
    how it went: finished, whether anything changed, or Zoom's reason for failing.

    Writes what `import_from_zoom` writes, then the ZoomPull. Safe to run twice: the same
    participants again change nothing.
    """
    try:
        _source, changed = import_from_zoom(
            pull.session, zoom.webinar_of(pull.session), by=pull.requested_by
        )
    except (zoom.ZoomError, reports.ReportError) as error:
        pull.changed, pull.failure = False, str(error)[:500] or type(error).__name__
    else:
        pull.changed, pull.failure = changed, ""
    pull.finished_at = timezone.now()
    pull.save(update_fields=["changed", "failure", "finished_at"])
    return pull


@transaction.atomic
def import_attendance_report(
    session: Session,
    data: bytes,
    *,
    filename: str,
    options: ReportOptions,
    by: User | None = None,
    command: str = "",
) -> tuple[AttendanceImport, bool]:
    """Record who attended from a report; returns the import and whether anything changed.

    The same file again changes nothing. A new file replaces what earlier reports said (check-ins
    stay). Registrations found get their minutes and attended/absent; confirmed registrations not
    in the report are absent, and the session's attendance is known (registrations.follow_ups).
    When anything changed, an ATTENDANCE_IMPORTED audit entry names the person `by` (or the
    management `command`) and the platform. A file over MAX_REPORT_BYTES
    (FileTooLarge), a malformed file (ReportError) or a session past its retention period
    (SessionPastRetention) is refused and writes nothing.
    """
    if len(data) > MAX_REPORT_BYTES:
        raise FileTooLarge
    report = reports.parse_report(
        data,
        time_zone=options.time_zone,
        platform=options.platform,
        mapping=options.mapping,
        date_order=options.date_order,
    )
    # The same bytes read with other options (corrected column names) are another import.
    fingerprint = data + repr(sorted(dataclasses.asdict(options).items())).encode()
    details = {"platform": options.platform} | ({"command": command} if command else {})
    return _import_parsed(
        session, report, data=fingerprint, filename=filename, by=by, details=details
    )


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@transaction.atomic
def _import_parsed(
    session: Session, report, *, data: bytes, filename: str, by, details: dict
) -> tuple[AttendanceImport, bool]:
    digest = _digest(data)
    refuse_past_retention(session)
    known = AttendanceImport.objects.filter(session=session, sha256=digest).first()
    if known is not None:
        return known, False
    people = _match(session, report)
    source = AttendanceImport.objects.create(
        session=session,
        imported_by=by,
        filename=filename[:255],
        sha256=digest,
        platform=report.platform,
    )
    # An anonymised registration's record stays (without name or email): what it says is final.
    AttendanceRecord.objects.filter(session=session, source__isnull=False).exclude(
        registration__anonymised_at__isnull=False
    ).delete()
    checked_in = set(
        AttendanceRecord.objects.filter(session=session, matched_by=MatchedBy.CHECK_IN).values_list(
            "registration_id", flat=True
        )
    )
    records = []
    for person in people:
        if person.key in checked_in:
            continue
        records.append(
            AttendanceRecord(
                session=session,
                source=source,
                registration_id=person.key,
                name=person.name[:200],
                email=person.email[:254],
                minutes=person.minutes,
                joins=person.joins,
                attended=person.attended,
                matched_by=person.matched_by,
            )
        )
    AttendanceRecord.objects.bulk_create(records)
    _apply_to_registrations(session)
    follow_ups.mark_attendance_known(session)
    audit.record(by, AuditAction.ATTENDANCE_IMPORTED, session, **details)
    return source, True


def _apply_to_registrations(session: Session) -> None:
    """Copy the records onto the registrations: attended with minutes, or absent. Only the
    registrations whose facts change are written, in one batch; anonymised ones never change."""
    found = {
        record.registration_id: record
        for record in AttendanceRecord.objects.filter(session=session, registration__isnull=False)
    }
    registrations = Registration.objects.filter(
        session=session, anonymised_at__isnull=True
    ).exclude(status=RegistrationStatus.CANCELLED)
    changed = []
    for registration in registrations.only("pk", "attended", "minutes_attended"):
        record = found.get(registration.pk)
        facts = (bool(record and record.attended), record.minutes if record else 0)
        if (registration.attended, registration.minutes_attended) != facts:
            registration.attended, registration.minutes_attended = facts
            changed.append(registration)
    Registration.objects.bulk_update(changed, ["attended", "minutes_attended"], batch_size=500)


@transaction.atomic
def link_by_hand(
    record: AttendanceRecord, registration: Registration, *, by: User | None
) -> AttendanceRecord:
    """An organiser links an unmatched person of a report to a registration of the session.

    Writes the record and the registration's attendance, the session's attendance as known
    (registrations.follow_ups), and an ATTENDANCE_LINKED audit entry.
    Raises SessionPastRetention for a session past its retention period, RegistrationAnonymised
    for an anonymised registration or an anonymous record (an erased person's row): what they
    say is final."""
    refuse_past_retention(record.session)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.session_id != record.session_id:
        raise ValueError("The registration is for another session.")
    if registration.is_anonymised or not (record.name or record.email):
        raise RegistrationAnonymised
    AttendanceRecord.objects.filter(registration=registration).exclude(pk=record.pk).delete()
    record.registration = registration
    record.matched_by = MatchedBy.HAND
    record.attended = record.minutes >= record.session.attendance_threshold
    record.save(update_fields=["registration", "matched_by", "attended"])
    _apply_to_registrations(record.session)
    follow_ups.mark_attendance_known(record.session)
    audit.record(by, AuditAction.ATTENDANCE_LINKED, registration, record=record.pk)
    return record


@transaction.atomic
def check_in(registration: Registration, *, by: User | None) -> AttendanceRecord:
    """Mark a person present at the door of an in-person session; twice changes nothing.

    Writes their attendance record and registration, the session's attendance as known
    (registrations.follow_ups), and a CHECKED_IN audit entry. Raises
    SessionPastRetention for a session past its retention period, RegistrationAnonymised for an
    anonymised registration."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    refuse_past_retention(registration.session)
    if registration.is_anonymised:
        raise RegistrationAnonymised
    person = registration.person
    record, _created = AttendanceRecord.objects.update_or_create(
        registration=registration,
        defaults={
            "session": registration.session,
            "source": None,
            "name": person.full_name,
            "email": person.email,
            "attended": True,
            "matched_by": MatchedBy.CHECK_IN,
            "minutes": registration.session.duration_minutes,
        },
    )
    Registration.objects.filter(pk=registration.pk).update(
        attended=True, minutes_attended=record.minutes
    )
    follow_ups.mark_attendance_known(registration.session)
    audit.record(by, AuditAction.CHECKED_IN, registration)
    return record


def attendance_summary(session: Session) -> dict:
    registrations = Registration.objects.filter(session=session).exclude(
        status=RegistrationStatus.CANCELLED
    )
    return {
        "attended": registrations.filter(attended=True).count(),
        "absent": registrations.filter(attended=False).count(),
        "unmatched": AttendanceRecord.objects.filter(
            session=session, registration__isnull=True
        ).count(),
        "checked_at": timezone.now(),
    }

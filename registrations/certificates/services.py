"""Certificates of attendance (a session) and of completion (a course), and their revocation.

What a certificate says is written once, when it is issued, in the person's language
(User.language), into its Certificate row: the name, the organisation, the session's or the
course's title in that language (else in the first language it has), the dates, the hours and
the co-hosts' names. The PDF (certificates.pdf) and the public verification page
(/<lang>/certificates/<code>/) show that row, so a later change of the session or of the
person's profile never changes a certificate already issued.

- Dates are the days in the session's own time zone (the organiser's), as it was announced.
- Hours: a session's certificate counts the session's scheduled minutes; a course's counts the
  scheduled minutes of the sessions of the course the person attended (what they took part in,
  not the whole course they may have completed with a session missed). Dates of a course run
  from its first to its last session.
- The code: 12 characters of an alphabet without look-alikes (no 0, O, 1, I, L), grouped
  XXXX-XXXX-XXXX: about 59 bits, unguessable, short enough to type. Typed codes are read
  without regard to case, spaces or dashes (`normalise_code`).

Issuing is automatic (no audit entry: nobody acts): `issue_attendance_certificates(session)`
runs whenever a session's attendance becomes known (registrations.follow_ups
.mark_attendance_known: an import, a Zoom pull, a check-in, a link by hand), and
`issue_completion_certificate(enrolment)` when an enrolment completes. Both are idempotent (the
unique constraints, and a lock on the row certified). An attendance corrected later to "absent"
keeps its certificate until an organiser revokes it (`revoke`). An erasure, or the retention
period's anonymisation, revokes every certificate of the registrations (and enrolments) it
anonymises and empties their name and organisation (`revoke_on_erasure`, from
registrations.privacy).
"""

import re
import secrets
import zoneinfo
from datetime import datetime

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from events.models import LANGUAGE_CODES, Series, Session, SessionStatus
from outreach import audit
from outreach.models import AuditAction, User
from registrations.models import (
    Certificate,
    CertificateKind,
    Enrolment,
    Registration,
    RegistrationStatus,
    RevokedBecause,
)

# No 0/O, 1/I/L: what is read off paper is typed back right.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
GROUP = 4
_NOT_A_CODE_CHARACTER = re.compile(r"[\s\-–—_.]+")
# The signed link to a certificate's PDF that the follow-up message carries.
DOWNLOAD_SALT = "outreach.registrations.certificates.download"


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, CODE_LENGTH, GROUP))


def normalise_code(typed: str) -> str | None:
    """The stored form (XXXX-XXXX-XXXX) of a code as typed: any case, dashes or spaces
    optional. None when it cannot be a code."""
    raw = _NOT_A_CODE_CHARACTER.sub("", typed or "").upper()
    if len(raw) != CODE_LENGTH or any(character not in ALPHABET for character in raw):
        return None
    return "-".join(raw[i : i + GROUP] for i in range(0, CODE_LENGTH, GROUP))


def download_token(certificate: Certificate) -> str:
    """The secret of the link that downloads the certificate without signing in."""
    return signing.dumps(certificate.pk, salt=DOWNLOAD_SALT)


def certificate_for_token(token: str) -> Certificate | None:
    """The valid certificate a download link names; None for a tampered link or a revoked
    certificate."""
    try:
        pk = signing.loads(token, salt=DOWNLOAD_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return Certificate.objects.filter(pk=pk, revoked_at__isnull=True).first()


def _translated(obj, field: str, language: str) -> str:
    """A modeltranslation field in the language asked, else in the first language filled."""
    for code in dict.fromkeys((language, getattr(obj, "language", language), *LANGUAGE_CODES)):
        value = (getattr(obj, f"{field}_{code}", "") or "").strip()
        if value:
            return value
    return getattr(obj, field, "") or ""


def _local_day(session: Session, moment: datetime):
    return timezone.localtime(moment, zoneinfo.ZoneInfo(session.time_zone or "UTC")).date()


def _person_name(person: User) -> str:
    return person.full_name or person.email


def _cohost_names(sessions) -> list[str]:
    names = {cohost.name for session in sessions for cohost in session.cohosts.all()}
    return sorted(names, key=str.casefold)


def _attendance_certificate(registration: Registration) -> Certificate:
    session = registration.session
    person = registration.person
    language = person.language
    return Certificate(
        code=new_code(),
        kind=CertificateKind.ATTENDANCE,
        registration=registration,
        language=language,
        name=_person_name(person),
        organisation_name=registration.organisation.name,
        title=_translated(session, "title", language),
        starts_on=_local_day(session, session.starts_at),
        ends_on=_local_day(session, session.ends_at),
        minutes=session.duration_minutes,
        cohost_names=_cohost_names([session]),
    )


def _certifiable(registrations: QuerySet[Registration]) -> QuerySet[Registration]:
    return (
        registrations.filter(attended=True, person__isnull=False, anonymised_at__isnull=True)
        .exclude(status=RegistrationStatus.CANCELLED)
        .exclude(certificates__kind=CertificateKind.ATTENDANCE)
        .select_related("person", "organisation", "session")
        .prefetch_related("session__cohosts")
    )


def issue_attendance_certificate(registration: Registration) -> Certificate | None:
    """The registration's certificate of attendance, issued now if it has none: for a
    registration that attended (not cancelled, not anonymised). None otherwise.

    Writes one Certificate row; twice gives the same certificate."""
    with transaction.atomic():
        locked = Registration.objects.select_for_update().filter(pk=registration.pk)
        if not locked.exists():
            return None
        existing = Certificate.objects.filter(
            registration=registration, kind=CertificateKind.ATTENDANCE
        ).first()
        if existing is not None:
            return existing
        found = _certifiable(Registration.objects.filter(pk=registration.pk)).first()
        if found is None:
            return None
        return _saved(_attendance_certificate(found))


def issue_attendance_certificates(session: Session) -> int:
    """A certificate of attendance for every registration of the session that attended and
    has none yet. Writes Certificate rows; returns how many. Safe to run twice, and beside a
    concurrent run (the one-per-registration constraint drops the second)."""
    if session.status == SessionStatus.CANCELLED:
        return 0
    registrations = _certifiable(Registration.objects.filter(session=session))
    certificates = [_attendance_certificate(registration) for registration in registrations]
    created = Certificate.objects.bulk_create(certificates, ignore_conflicts=True)
    return len(created)


def _course_sessions(series: Series):
    return (
        Session.objects.filter(series=series)
        .exclude(status=SessionStatus.CANCELLED)
        .prefetch_related("cohosts")
        .order_by("starts_at", "pk")
    )


def issue_completion_certificate(enrolment: Enrolment) -> Certificate | None:
    """The enrolment's certificate of completion, issued now if it has none: for an enrolment
    that completed (completed_at set), not anonymised. None otherwise.

    Writes one Certificate row; twice gives the same certificate."""
    with transaction.atomic():
        enrolment = (
            Enrolment.objects.select_for_update(of=("self",))
            .select_related("person", "organisation", "series")
            .filter(pk=enrolment.pk)
            .first()
        )
        if enrolment is None:
            return None
        existing = Certificate.objects.filter(
            enrolment=enrolment, kind=CertificateKind.COMPLETION
        ).first()
        if existing is not None:
            return existing
        if (
            enrolment.completed_at is None
            or enrolment.person is None
            or enrolment.anonymised_at is not None
            or enrolment.status == RegistrationStatus.CANCELLED
        ):
            return None
        person = enrolment.person
        language = person.language
        sessions = list(_course_sessions(enrolment.series))
        attended = set(
            enrolment.registrations.filter(attended=True).values_list("session_id", flat=True)
        )
        first, last = (sessions[0], sessions[-1]) if sessions else (None, None)
        today = timezone.localdate()
        return _saved(
            Certificate(
                code=new_code(),
                kind=CertificateKind.COMPLETION,
                enrolment=enrolment,
                language=language,
                name=_person_name(person),
                organisation_name=enrolment.organisation.name,
                title=_translated(enrolment.series, "title", language),
                starts_on=_local_day(first, first.starts_at) if first else today,
                ends_on=_local_day(last, last.ends_at) if last else today,
                minutes=sum(s.duration_minutes for s in sessions if s.pk in attended),
                cohost_names=_cohost_names(sessions),
            )
        )


def _saved(certificate: Certificate) -> Certificate:
    """Save a new certificate; a code already taken (about one chance in 10^17) draws another."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                certificate.save()
            return certificate
        except IntegrityError:
            if Certificate.objects.filter(code=certificate.code).exists():
                certificate.code = new_code()
                certificate.pk = None
                continue
            raise
    raise IntegrityError("No free certificate code.")


@transaction.atomic
def revoke(certificate: Certificate, *, by: User) -> Certificate:
    """An organiser revokes a certificate: the verification page says "revoked" from now on
    and its PDF is no longer offered. Writes the certificate and a CERTIFICATE_REVOKED audit
    entry; a certificate revoked already is left as it is."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at is not None:
        return certificate
    certificate.revoked_at = timezone.now()
    certificate.revoked_because = RevokedBecause.ORGANISER
    certificate.save(update_fields=["revoked_at", "revoked_because"])
    audit.record(by, AuditAction.CERTIFICATE_REVOKED, certificate, code=certificate.code)
    return certificate


def revoke_on_erasure(certificates: QuerySet[Certificate], *, now: datetime) -> int:
    """The certificates of an erased person or of anonymised registrations: revoked because
    the data was erased, without the name and organisation they carried (the verification page
    then says only that). Runs inside the caller's transaction (registrations.privacy).
    Returns how many."""
    return certificates.update(
        revoked_at=Coalesce("revoked_at", now),
        revoked_because=RevokedBecause.ERASURE,
        name="",
        organisation_name="",
    )

"""Reads of certificates: a person's own, a session's, one by its code."""

from django.db.models import Q, QuerySet

from events.models import Session
from registrations.models import Certificate, CertificateKind


def own_certificates(person) -> QuerySet[Certificate]:
    """The person's valid certificates, newest first: of attendance (their registrations) and
    of completion (their enrolments)."""
    return Certificate.objects.filter(
        Q(registration__person=person) | Q(enrolment__person=person),
        revoked_at__isnull=True,
    ).order_by("-starts_on", "-pk")


def own_certificate(person, code: str) -> Certificate | None:
    """The person's valid certificate of that code, or None (someone else's is not theirs)."""
    return own_certificates(person).filter(code=code).first()


def session_certificates(session: Session) -> QuerySet[Certificate]:
    """The certificates of attendance issued for the session, revoked ones too, by name."""
    return (
        Certificate.objects.filter(kind=CertificateKind.ATTENDANCE, registration__session=session)
        .select_related("registration")
        .order_by("revoked_at", "name", "pk")
    )


def certificate_by_code(code: str) -> Certificate | None:
    return Certificate.objects.filter(code=code).first()


def registration_certificate(registration) -> Certificate | None:
    """The registration's valid certificate of attendance, if it has one."""
    return Certificate.objects.filter(
        registration=registration, kind=CertificateKind.ATTENDANCE, revoked_at__isnull=True
    ).first()

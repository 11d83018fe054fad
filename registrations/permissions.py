"""Who may see and change registrations; every registrations view and export asks here."""

from events import permissions as events_permissions
from events.models import Session
from registrations.models import Registration, RegistrationStatus


def can_manage_registrations(user, session: Session) -> bool:
    return events_permissions.can_manage_sessions(user)


def can_see_join_link(user, session: Session, registration: Registration | None) -> bool:
    """The join link: for the person's confirmed registration, and for organisers."""
    if events_permissions.can_see_join_link(user, session):
        return True
    return (
        registration is not None
        and registration.person_id is not None
        and registration.person_id == getattr(user, "pk", None)
        and registration.status == RegistrationStatus.CONFIRMED
    )

"""Who may see and change registrations; every registrations view and export asks here."""

from django.db.models import Q

from events import permissions as events_permissions
from events.models import Session
from outreach import permissions as base
from registrations.models import Registration, RegistrationStatus


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


def shared_with_cohost(organisation_id: int) -> Q:
    """The registrations whose details (name, email, organisation) a co-host may see: the
    person agreed to share them with this co-host and has not been erased or anonymised. The
    co-host lists these people; of everyone else it sees only protected counts (impact.outside).
    """
    return Q(shared_with=organisation_id, person__isnull=False)


def cohost_may_see_details(user, registration: Registration) -> bool:
    """Whether a co-host member may see this registrant's name, email and organisation: by the
    rule of `shared_with_cohost`. Reads `registration.shared_with`, which callers prefetch
    (registrations.queries.cohost_registrants)."""
    organisation_id = base.cohost_organisation_id(user)
    return (
        organisation_id is not None
        and registration.person_id is not None
        and organisation_id in {organisation.pk for organisation in registration.shared_with.all()}
    )

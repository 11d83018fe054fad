"""Who may see and change registrations; every registrations view and export asks here."""

from django.db.models import Q, QuerySet

from events import permissions as events_permissions
from events.models import Session
from outreach import permissions as base
from outreach.permissions import rule
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


@rule("write_to_registrants")
def can_write_to_registrants(user) -> bool:
    """Write a message to a group of a session's registrants (registrations.bulk): organisers,
    and co-host managers for their own organisation's sessions (`writable_sessions`)."""
    return base.is_organiser(user) or base.is_cohost_manager(user)


def writable_sessions(user) -> QuerySet[Session]:
    """The sessions whose registrants a person may write to: every session for organisers,
    their organisation's for co-host managers (another's is a 404), none for anyone else. A
    series' registrants are written to by organisers only (events.permissions
    .can_manage_sessions)."""
    if base.is_organiser(user):
        return Session.objects.all()
    if base.is_cohost_manager(user):
        return events_permissions.cohost_sessions(user)
    return Session.objects.none()

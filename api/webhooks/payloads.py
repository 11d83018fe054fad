"""What each subscription's payload holds: only what that organisation may see through the API.

- The organisers' own organisation (OrganisationKind.ORGANISER) sees every session, and every
  registrant's name, email and organisation.
- A co-host organisation sees events of the sessions it co-hosts or proposed (as
  events.permissions.cohost_sessions), and a registrant's name, email and organisation only if
  that person shares them with this co-host (registrations.permissions.shared_with_cohost).
  Of anyone else the payload says only that a registration was made or cancelled and its
  status: no id, no name and no organisation facts (economy, size, kind), since one person's
  facts would identify them. Attendance counts follow the small-number rule of its pages
  (impact.suppression): a count that would tell of 1 to 4 people is null.
- Survey answers themselves are never in a payload (only that a response came in).
"""

from django.db.models import Q

from events.models import Session
from impact.suppression import sensitive
from outreach.links import absolute_url
from outreach.models import OrganisationKind
from registrations.models import Registration, RegistrationStatus, SurveyResponse

ORGANISERS = "organisers"
COHOST = "cohost"


def audience(subscription, session: Session) -> str | None:
    """How the subscription's organisation sees `session`: as the organisers, as a co-host, or
    not at all (None)."""
    organisation = subscription.organisation
    if organisation.kind == OrganisationKind.ORGANISER:
        return ORGANISERS
    cohosted = Session.objects.filter(
        Q(cohosts=organisation.pk) | Q(proposed_by=organisation.pk), pk=session.pk
    ).exists()
    return COHOST if cohosted else None


def session_block(session: Session) -> dict:
    return {
        "id": session.pk,
        "uid": str(session.uid),
        "title": session.localized("title", session.language),
        "language": session.language,
        "status": session.status,
        "format": session.format,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "time_zone": session.time_zone,
        "url": absolute_url(session.get_absolute_url()),
    }


def _may_see_registrant(view: str, organisation_id: int, registration: Registration) -> bool:
    if registration.person_id is None:  # erased or anonymised
        return False
    if view == ORGANISERS:
        return True
    return registration.shared_with.filter(pk=organisation_id).exists()


def registrant_block(registration: Registration) -> dict:
    person = registration.person
    return {
        "full_name": person.full_name,
        "email": person.email,
        "organisation": registration.organisation.name if registration.organisation_id else "",
        "job_title": registration.job_title,
    }


def registration_block(view: str, organisation_id: int, registration: Registration) -> dict:
    if not _may_see_registrant(view, organisation_id, registration):
        return {"shared": False, "status": registration.status, "registrant": None}
    return {
        "shared": True,
        "id": registration.pk,
        "status": registration.status,
        "source": registration.source,
        "registrant": registrant_block(registration),
    }


def attendance_block(view: str, session: Session) -> dict:
    registrations = Registration.objects.filter(
        session=session, status=RegistrationStatus.CONFIRMED
    )
    confirmed = registrations.count()
    attended = registrations.filter(attended=True).count()
    if view == COHOST and (sensitive(attended) or sensitive(confirmed - attended)):
        return {"confirmed": None, "attended": None}
    return {"confirmed": confirmed, "attended": attended}


def response_block(view: str, organisation_id: int, response: SurveyResponse) -> dict:
    block = {"survey": response.survey.slug, "purpose": response.survey.purpose}
    registration = response.registration
    if registration is not None and _may_see_registrant(view, organisation_id, registration):
        block["registration"] = registration_block(view, organisation_id, registration)
    else:
        block["registration"] = None
    return block

"""What each subscription's payload holds: only what that organisation may see through the API,
in the API's own shapes (api.serializers.cohost, api.serializers.staff).

- The organisers' own organisation (OrganisationKind.ORGANISER) sees every session as the
  staff API shows it, and every registration (StaffRegistrationSerializer).
- A co-host organisation sees events of the sessions it co-hosts or proposed (as
  events.permissions.cohost_sessions), each session as its API shows it, and a registrant as
  RegistrantSerializer shows them, only if that person shares their details with this co-host
  (registrations.permissions.shared_with_cohost). The registration and survey events of
  everyone else are not delivered to the co-host at all: its API lists only those who share,
  and one event per person would count people that the small-number rule hides on its pages.
  Attendance counts follow that rule (impact.suppression): a count that would tell of 1 to 4
  people is null.
- Survey answers themselves are never in a payload, only that a response came in.
"""

import json

from django.db.models import Q
from rest_framework.utils.encoders import JSONEncoder

from api.serializers.cohost import CohostSessionSerializer, RegistrantSerializer
from api.serializers.staff import StaffRegistrationSerializer, StaffSessionSerializer
from events.models import Session
from impact.suppression import sensitive
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


def _plain(data) -> dict:
    """A serializer's data as plain JSON values, as stored and sent."""
    return json.loads(json.dumps(data, cls=JSONEncoder))


def session_block(view: str, organisation_id: int, session: Session) -> dict:
    if view == ORGANISERS:
        return _plain(StaffSessionSerializer(session).data)
    return _plain(
        CohostSessionSerializer(session, context={"organisation_id": organisation_id}).data
    )


class WebhookRegistrantSerializer(RegistrantSerializer):
    """The API's registrant, for an organisation rather than a signed-in member of it."""

    def _shared(self, registration) -> bool:
        return shares_with(registration, self.context["organisation_id"])


def shares_with(registration: Registration, organisation_id: int) -> bool:
    """registrations.permissions.cohost_may_see_details, for an organisation."""
    return (
        registration.person_id is not None
        and registration.shared_with.filter(pk=organisation_id).exists()
    )


def registration_block(view: str, organisation_id: int, registration: Registration) -> dict | None:
    """The registration as the subscriber's API shows it; None for a co-host it is not shared
    with (then nothing is delivered to that co-host)."""
    if view == ORGANISERS:
        return _plain(StaffRegistrationSerializer(registration).data)
    if not shares_with(registration, organisation_id):
        return None
    return _plain(
        WebhookRegistrantSerializer(registration, context={"organisation_id": organisation_id}).data
    )


def attendance_block(view: str, session: Session) -> dict:
    registrations = Registration.objects.filter(
        session=session, status=RegistrationStatus.CONFIRMED
    )
    confirmed = registrations.count()
    attended = registrations.filter(attended=True).count()
    if view == COHOST and (sensitive(attended) or sensitive(confirmed - attended)):
        return {"confirmed": None, "attended": None}
    return {"confirmed": confirmed, "attended": attended}


def response_block(view: str, organisation_id: int, response: SurveyResponse) -> dict | None:
    """That a survey was answered (never the answers), and by whom where the subscriber may know;
    None for a co-host unless the person shares with it (then nothing is delivered to it)."""
    registration = response.registration
    block = {
        "id": response.pk,
        "survey": response.survey.slug,
        "purpose": response.survey.purpose,
        "anonymous": response.survey.anonymous,
    }
    if view == COHOST and (registration is None or not shares_with(registration, organisation_id)):
        return None
    block["registration"] = (
        registration_block(view, organisation_id, registration) if registration else None
    )
    return block

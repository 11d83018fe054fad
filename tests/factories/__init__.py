"""Factories per app; `from tests.factories import X` reaches every one of them."""

from tests.factories.events import (
    SeriesFactory,
    SessionFactory,
    TextSuggestionFactory,
    TopicFactory,
)
from tests.factories.outreach import (
    FirmFactory,
    OrganisationFactory,
    OrganiserFactory,
    UserFactory,
    economy,
)
from tests.factories.registrations import (
    AttendanceRecordFactory,
    MessageFactory,
    RegistrationFactory,
    SurveyInvitationFactory,
    SurveyResponseFactory,
    default_survey,
    registration_form,
)

__all__ = [
    "AttendanceRecordFactory",
    "FirmFactory",
    "MessageFactory",
    "OrganisationFactory",
    "OrganiserFactory",
    "RegistrationFactory",
    "SeriesFactory",
    "SessionFactory",
    "SurveyInvitationFactory",
    "SurveyResponseFactory",
    "TextSuggestionFactory",
    "TopicFactory",
    "UserFactory",
    "default_survey",
    "economy",
    "registration_form",
]

"""Factories per app; `from tests.factories import X` reaches every one of them."""

from tests.factories.events import SeriesFactory, SessionFactory, TopicFactory
from tests.factories.outreach import (
    FirmFactory,
    OrganisationFactory,
    OrganiserFactory,
    UserFactory,
    economy,
)
from tests.factories.registrations import RegistrationFactory

__all__ = [
    "FirmFactory",
    "OrganisationFactory",
    "OrganiserFactory",
    "RegistrationFactory",
    "SeriesFactory",
    "SessionFactory",
    "TopicFactory",
    "UserFactory",
    "economy",
]

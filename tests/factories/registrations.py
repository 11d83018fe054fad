"""Registrations for sessions."""

import factory
from django.utils import timezone

from tests.factories.events import SessionFactory
from tests.factories.outreach import UserFactory


class RegistrationFactory(factory.django.DjangoModelFactory):
    """A confirmed registration; create it through registrations.services where seats matter."""

    class Meta:
        model = "registrations.Registration"
        skip_postgeneration_save = True

    session = factory.SubFactory(SessionFactory)
    person = factory.SubFactory(UserFactory)
    organisation = factory.LazyAttribute(lambda r: r.person.organisation)
    status = "confirmed"
    consent_version = "2026-11"
    shares_with_cohosts = False
    consented_at = factory.LazyFunction(timezone.now)
    confirmed_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def shared_with(self, create, extracted, **kwargs):
        """Agreeing to share means sharing with the session's co-hosts of the moment."""
        if create and self.shares_with_cohosts:
            self.shared_with.set(extracted or self.session.cohosts.all())

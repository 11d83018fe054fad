from datetime import timedelta

import factory
from django.utils import timezone

from outreach.models import Economy, Organisation, OrganisationKind, Role, SizeBand, User


def economy(code: str) -> Economy:
    """Economies are loaded by a migration; tests take them, never build them."""
    return Economy.objects.get(code=code)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.SUPPORT
    economy = factory.LazyFunction(lambda: economy("CL"))


class FirmFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Firm {n}")
    kind = OrganisationKind.FIRM
    size_band = SizeBand.MICRO


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    role = Role.PARTICIPANT
    organisation = factory.SubFactory(FirmFactory)

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_unusable_password()
        if create:
            self.save(update_fields=["password"])


class OrganiserFactory(UserFactory):
    role = Role.ORGANISER
    organisation = factory.SubFactory(
        OrganisationFactory,
        name=factory.Sequence(lambda n: f"Programme office {n}"),
        kind=OrganisationKind.ORGANISER,
    )


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "events.Topic"

    slug = factory.Sequence(lambda n: f"topic-{n}")
    name_en = factory.Sequence(lambda n: f"Topic {n}")
    name_fr = factory.Sequence(lambda n: f"Sujet {n}")
    name_es = factory.Sequence(lambda n: f"Tema {n}")


class SeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "events.Series"

    slug = factory.Sequence(lambda n: f"series-{n}")
    title_en = factory.Sequence(lambda n: f"Series {n}")
    title_fr = factory.Sequence(lambda n: f"Série {n}")
    title_es = factory.Sequence(lambda n: f"Serie {n}")


class SessionFactory(factory.django.DjangoModelFactory):
    """A published online session in English, a week from now, 90 minutes long."""

    class Meta:
        model = "events.Session"
        skip_postgeneration_save = True

    title_en = factory.Sequence(lambda n: f"Session {n}")
    summary_en = "What firms need to know."
    language = "en"
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    )
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + timedelta(minutes=90))
    time_zone = "Europe/Zurich"
    capacity = 100
    status = "published"
    join_url = "https://meet.example.org/j/secret-join-link"

    @factory.post_generation
    def cohosts(self, create, extracted, **kwargs):
        if create and extracted:
            self.cohosts.set(extracted)

    @factory.post_generation
    def target_economies(self, create, extracted, **kwargs):
        if create and extracted:
            self.target_economies.set(extracted)

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.set(extracted)


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

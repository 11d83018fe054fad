"""Sessions, the series they belong to and their topics."""

from datetime import timedelta

import factory
from django.utils import timezone

from outreach.models import OrganisationKind, Role
from tests.factories.outreach import OrganisationFactory, UserFactory


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


class TextSuggestionFactory(factory.django.DjangoModelFactory):
    """A co-host member's pending suggestion for a session's English title."""

    class Meta:
        model = "events.TextSuggestion"

    session = factory.SubFactory(SessionFactory)
    organisation = factory.SubFactory(OrganisationFactory, kind=OrganisationKind.GOVERNMENT)
    suggested_by = factory.SubFactory(
        UserFactory, role=Role.COHOST, organisation=factory.SelfAttribute("..organisation")
    )
    field = "title"
    language = "en"
    text = "A clearer title"

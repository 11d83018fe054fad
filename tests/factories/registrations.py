"""Registrations for sessions, their attendance and surveys."""

from datetime import timedelta

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


class AttendanceRecordFactory(factory.django.DjangoModelFactory):
    """A report's line for a person who attended an hour: matched by email to `registration`
    when one is given, a walk-in nobody registered otherwise."""

    class Meta:
        model = "registrations.AttendanceRecord"

    registration = None
    session = factory.Maybe(
        "registration",
        yes_declaration=factory.SelfAttribute("registration.session"),
        no_declaration=factory.SubFactory(SessionFactory, status="finished"),
    )
    name = factory.Maybe(
        "registration",
        yes_declaration=factory.SelfAttribute("registration.person.full_name"),
        no_declaration=factory.Sequence(lambda n: f"Walk-in {n}"),
    )
    email = factory.Maybe(
        "registration",
        yes_declaration=factory.SelfAttribute("registration.person.email"),
        no_declaration=factory.Sequence(lambda n: f"walkin{n}@elsewhere.example"),
    )
    minutes = 60
    attended = True
    matched_by = factory.Maybe("registration", yes_declaration="email", no_declaration="")


def default_survey():
    """The default survey is loaded by a migration; tests take it, never build it."""
    from registrations.models import Survey

    return Survey.objects.get(slug="impact")


class SurveyInvitationFactory(factory.django.DjangoModelFactory):
    """An invitation to the default survey, open for a week."""

    class Meta:
        model = "registrations.SurveyInvitation"

    survey = factory.LazyFunction(default_survey)
    registration = factory.SubFactory(RegistrationFactory, attended=True)
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class SurveyResponseFactory(factory.django.DjangoModelFactory):
    """An attendee's answers to the default survey, carrying their organisation's economy, kind
    and size as the survey records them. `answers={"satisfaction": 5, "comments": "Useful"}`
    answers questions by code: a number, a yes or no, or words."""

    class Meta:
        model = "registrations.SurveyResponse"
        skip_postgeneration_save = True

    survey = factory.LazyFunction(default_survey)
    registration = factory.SubFactory(RegistrationFactory, attended=True)
    session = factory.SelfAttribute("registration.session")
    economy = factory.SelfAttribute("registration.organisation.economy")
    organisation_kind = factory.SelfAttribute("registration.organisation.kind")
    size_band = factory.SelfAttribute("registration.organisation.size_band")
    language = "en"

    @factory.post_generation
    def answers(self, create, extracted, **kwargs):
        from registrations.models import Answer

        for code, value in (extracted or {}).items():
            question = self.survey.questions.get(code=code)
            if isinstance(value, bool):
                Answer.objects.create(response=self, question=question, boolean=value)
            elif isinstance(value, int):
                Answer.objects.create(response=self, question=question, number=value)
            else:
                Answer.objects.create(response=self, question=question, text=value)


class MessageFactory(factory.django.DjangoModelFactory):
    """A confirmation waiting in the outbox for its registration."""

    class Meta:
        model = "registrations.Message"

    registration = factory.SubFactory(RegistrationFactory)
    kind = "confirmation"
    key = factory.LazyAttribute(lambda m: f"{m.kind}:{m.registration.pk}")
    session_sequence = factory.SelfAttribute("registration.session.sequence")


def registration_form(**overrides) -> dict:
    """What a Chilean micro firm types into the public registration form; a value of None
    leaves that field out."""
    data = {
        "full_name": "Lucía Pérez",
        "email": "lucia@example.org",
        "economy": "CL",
        "organisation_name": "Andes Café",
        "kind": "firm",
        "size_band": "micro",
        "sector": "food",
        "exporting_status": "ready",
        "time_zone": "America/Santiago",
        "consent": "on",
        **overrides,
    }
    return {key: value for key, value in data.items() if value is not None}

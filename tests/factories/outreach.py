"""People, organisations and the economies they are in."""

import factory

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

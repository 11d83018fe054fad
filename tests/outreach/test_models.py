import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from outreach.models import Organisation, OrganisationKind, SizeBand, User, size_band_for
from tests.factories import OrganisationFactory, UserFactory, economy


@pytest.mark.parametrize(
    ("employees", "band"),
    [
        (0, "micro"),
        (10, "micro"),
        (11, "small"),
        (50, "small"),
        (51, "medium"),
        (250, "medium"),
        (251, "large"),
    ],
)
def test_size_band_follows_the_employee_count(employees, band):
    assert size_band_for(employees) == band


def test_size_band_refuses_a_negative_count():
    with pytest.raises(ValueError, match="fewer than zero"):
        size_band_for(-1)


@pytest.mark.django_db
def test_only_firms_carry_a_size_band():
    with pytest.raises(IntegrityError):
        Organisation.objects.create(
            name="Chamber",
            kind=OrganisationKind.SUPPORT,
            economy=economy("PE"),
            size_band=SizeBand.MICRO,
        )


@pytest.mark.django_db
def test_a_non_firm_with_firm_facts_fails_validation_with_a_message():
    chamber = Organisation(
        name="Chamber", kind=OrganisationKind.SUPPORT, economy=economy("PE"), women_led=True
    )

    with pytest.raises(ValidationError, match="asked of firms only"):
        chamber.full_clean()


@pytest.mark.django_db
def test_organisation_names_are_unique_per_economy_ignoring_case():
    OrganisationFactory(name="Andes Exports", economy=economy("CL"))
    OrganisationFactory(name="Andes Exports", economy=economy("PE"))

    with pytest.raises(IntegrityError):
        OrganisationFactory(name="ANDES EXPORTS", economy=economy("CL"))


@pytest.mark.django_db
def test_the_email_is_the_identity_without_case_or_spaces():
    person = User.objects.create_user("  Maria.Lopez@Example.ORG ")

    assert person.email == "maria.lopez@example.org"
    assert not person.has_usable_password()
    assert User.objects.get_by_natural_key("MARIA.LOPEZ@example.org") == person
    with pytest.raises(IntegrityError):
        User.objects.create(email="MARIA.LOPEZ@EXAMPLE.ORG")


@pytest.mark.django_db
def test_a_person_has_a_language_and_a_time_zone():
    person = UserFactory(language="es", time_zone="America/Santiago")

    person.full_clean()

    assert (person.language, person.time_zone) == ("es", "America/Santiago")


@pytest.mark.django_db
def test_an_unknown_time_zone_is_refused():
    person = UserFactory.build(time_zone="Mars/Olympus_Mons", organisation=None)

    with pytest.raises(ValidationError) as error:
        person.full_clean()

    assert error.value.message_dict["time_zone"] == ["Mars/Olympus_Mons is not a known time zone."]


@pytest.mark.django_db
def test_a_language_outside_english_french_and_spanish_is_refused_by_the_database():
    with pytest.raises(IntegrityError):
        UserFactory(language="de")

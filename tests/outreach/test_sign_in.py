"""One code to sign in: the first code a person enters also verifies their address, they land
in their workspace, and allauth's texts speak as the rest of Outreach does (vous, usted)."""

import importlib
import re
from urllib.parse import quote

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core import mail
from django.urls import reverse
from django.utils import translation

from outreach.models import OrganisationKind, Role, User
from outreach.services import create_person, invite_cohost_member
from registrations.services import find_or_create_person
from tests.factories import FirmFactory, OrganisationFactory, OrganiserFactory, UserFactory

pytestmark = pytest.mark.django_db

CODE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.MULTILINE)


def in_language(language: str, name: str) -> str:
    with translation.override(language):
        return reverse(name)


def codes_in(messages) -> list[str]:
    return [match for message in messages for match in CODE.findall(message.body)]


def sign_in(client, email: str, *, language: str = "fr", next_url: str = ""):
    """Ask for a code, enter the one emailed: the answer to entering it."""
    query = f"?next={quote(next_url)}" if next_url else ""
    url = in_language(language, "account_request_login_code") + query
    asked = client.post(url, {"email": email})
    assert asked.status_code == 302
    [code] = codes_in(mail.outbox)
    return client.post(asked.url, {"code": code})


# One code


@pytest.mark.xfail(strict=True, reason="registrations.services creates people with create_person")
def test_a_person_registered_by_the_public_form_signs_in_with_one_code(client):
    person, created = find_or_create_person(
        email="Awa.Diop@Example.org",
        full_name="Awa Diop",
        language="fr",
        time_zone="Africa/Dakar",
        organisation=FirmFactory(),
    )

    entered = sign_in(client, "awa.diop@example.org")

    assert created is True
    assert entered.status_code == 302
    assert entered.url == in_language("fr", "registrations:my-sessions")
    assert client.get(entered.url).context["user"] == person
    assert len(mail.outbox) == 1  # the sign-in code, and no "confirm your address" after it
    assert person.emailaddress_set.get().verified is True


def test_create_person_gives_an_unverified_primary_address():
    person = create_person(" Lea.Martin@Example.org ", full_name="Léa Martin", language="fr")

    assert person.email == "lea.martin@example.org"
    assert not person.has_usable_password()
    assert list(person.emailaddress_set.values_list("email", "primary", "verified")) == [
        ("lea.martin@example.org", True, False)
    ]


def test_an_invited_cohost_member_signs_in_with_one_code_and_lands_in_their_workspace(
    client, django_capture_on_commit_callbacks
):
    ministry = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)
    person = invite_cohost_member(
        by=OrganiserFactory(),
        organisation=ministry,
        email="omar@example.org",
        full_name="Omar Sy",
        cohost_role="viewer",
        language="fr",
    )

    entered = sign_in(client, "omar@example.org")

    assert entered.url == in_language("fr", "cohost:home")
    assert len(mail.outbox) == 1
    assert person.emailaddress_set.get().verified is True


def test_signing_up_with_an_unknown_address_needs_one_code(client):
    url = in_language("es", "account_signup")

    asked = client.post(url, {"email": "nuevo@example.org", "full_name": "Nuevo Cliente"})
    [code] = codes_in(mail.outbox)
    entered = client.post(asked.url, {"code": code})

    assert entered.url == in_language("es", "registrations:my-sessions")
    assert client.get(entered.url).context["user"].email == "nuevo@example.org"
    assert len(mail.outbox) == 1


def test_an_unknown_address_is_told_how_to_get_an_account_and_then_needs_one_code(client):
    asked = client.post(
        in_language("fr", "account_request_login_code"), {"email": "inconnu@example.org"}
    )
    [unknown] = mail.outbox
    signup_url = re.search(r"https://outreach\.example(/\S+)", unknown.body).group(1)

    signed_up = client.post(signup_url, {"email": "inconnu@example.org", "full_name": "Ines"})
    [code] = codes_in(mail.outbox)
    entered = client.post(signed_up.url, {"code": code})

    assert asked.status_code == 302
    assert codes_in([unknown]) == []
    assert signup_url == in_language("fr", "account_signup")
    assert entered.url == in_language("fr", "registrations:my-sessions")
    assert len(mail.outbox) == 2  # the "no account" email, then the one code


def test_the_backfill_gives_everyone_without_an_address_an_unverified_primary_one():
    migration = importlib.import_module("outreach.migrations.0007_primary_email_addresses")
    without = UserFactory(email="without@example.org")
    verified = UserFactory(email="verified@example.org")
    verified.emailaddress_set.create(email=verified.email, primary=True, verified=True)
    erased = UserFactory(email="placeholder@example.org", is_active=False)
    User.objects.filter(pk=erased.pk).update(email=f"erased-{erased.pk}@invalid.example")

    migration.give_primary_addresses(apps, schema_editor=None)
    migration.give_primary_addresses(apps, schema_editor=None)  # a second run adds nothing

    assert list(
        EmailAddress.objects.order_by("email").values_list("user", "email", "primary", "verified")
    ) == [
        (verified.pk, "verified@example.org", True, True),
        (without.pk, "without@example.org", True, False),
    ]


def test_the_backfill_is_reversible_as_a_no_op():
    migration = importlib.import_module("outreach.migrations.0007_primary_email_addresses")
    [operation] = migration.Migration.operations

    assert operation.reversible


# Where a person lands


@pytest.mark.parametrize(
    ("role", "kind", "landing"),
    [
        (Role.ORGANISER, OrganisationKind.ORGANISER, "events:manage-sessions"),
        (Role.ANALYST, OrganisationKind.ORGANISER, "impact:dashboard"),
        (Role.COHOST, OrganisationKind.GOVERNMENT, "cohost:home"),
        (Role.PARTICIPANT, OrganisationKind.FIRM, "registrations:my-sessions"),
    ],
)
def test_each_role_lands_in_its_workspace(client, role, kind, landing):
    person = UserFactory(role=role, organisation=OrganisationFactory(kind=kind))
    person.emailaddress_set.create(email=person.email, primary=True, verified=True)

    entered = sign_in(client, person.email, language="es")

    assert entered.url == in_language("es", landing)
    assert client.get(entered.url).status_code == 200


def test_a_safe_next_is_followed_whatever_the_role(client):
    organiser = OrganiserFactory()
    organiser.emailaddress_set.create(email=organiser.email, primary=True, verified=False)
    profile = in_language("fr", "outreach:profile")

    entered = sign_in(client, organiser.email, next_url=profile)

    assert entered.url == profile


@pytest.mark.parametrize("unsafe", ["https://evil.example/fr/", "//evil.example/", "javascript:x"])
def test_an_unsafe_next_is_refused_for_the_workspace(client, unsafe):
    organiser = OrganiserFactory()
    organiser.emailaddress_set.create(email=organiser.email, primary=True, verified=True)

    entered = sign_in(client, organiser.email, next_url=unsafe)

    assert entered.url == in_language("fr", "events:manage-sessions")


def test_signing_out_keeps_the_language(client):
    client.force_login(UserFactory())

    signed_out = client.post(in_language("es", "account_logout"))

    assert signed_out.url == in_language("es", "events:home")

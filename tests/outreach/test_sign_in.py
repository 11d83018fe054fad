"""One code to sign in: the first code a person enters also verifies their address, they land
in their workspace, and allauth's texts speak as the rest of Outreach does (vous, usted)."""

import html
import importlib
import re
from pathlib import Path
from urllib.parse import quote

import allauth
import pytest
from allauth.account.models import EmailAddress
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.apps import apps
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation

from outreach.allauth_texts import ALLAUTH_TEXTS
from outreach.models import OrganisationKind, Role, User
from outreach.services import create_person, invite_cohost_member
from registrations.services import find_or_create_person
from tests.factories import FirmFactory, OrganisationFactory, OrganiserFactory, UserFactory

pytestmark = pytest.mark.django_db

CODE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.MULTILINE)
LOCALE = Path(__file__).resolve().parents[2] / "locale"
ALLAUTH_LOCALE = Path(allauth.__file__).resolve().parent / "locale"
# The familiar forms (tú, tu, te, ti, and verbs in the tú form) that Outreach never uses.
TU = re.compile(
    r"\b(tú|tu|tus|te|ti|contigo|puedes|quieres|tienes|estás|has|ingresa|introduce|"
    r"introdúcelo|ten|haz|recibirás|envíame)\b",
    re.IGNORECASE,
)
SIGN_IN_SOURCES = ("templates/account/", "outreach/allauth_texts.py", "outreach/accounts.py")
TOI = re.compile(r"\b(tu|toi|ton|ta|tes|utilisateur|utilisatrice)\b", re.IGNORECASE)


@pytest.fixture
def catalogues(settings, tmp_path):
    """The French and Spanish catalogues compiled from their .po files into a temporary
    LOCALE_PATHS, so that a test reads the translations as written, whatever .mo is on disk."""
    for language in ("fr", "es"):
        with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as handle:
            catalogue = read_po(handle, locale=language)
        folder = tmp_path / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        with (folder / "django.mo").open("wb") as handle:
            write_mo(handle, catalogue)
    # The settings fixture puts LOCALE_PATHS back after the test, which, like this change,
    # empties Django's translation caches.
    settings.LOCALE_PATHS = [tmp_path]


def visible_text(response) -> str:
    page = response.content.decode()
    page = re.sub(r"(?s)<head>.*?</head>|<header.*?</header>|<footer.*?</footer>", "", page)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


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


def test_a_person_added_in_the_admin_signs_in_with_one_code(client):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    admin_client = Client()
    admin_client.force_login(admin_user)

    added = admin_client.post(
        reverse("admin:outreach_user_add"),
        {"email": "nadia.haddad@example.org", "full_name": "Nadia Haddad", "role": "analyst"},
    )
    person = User.objects.get(email="nadia.haddad@example.org")
    entered = sign_in(client, "nadia.haddad@example.org")

    assert added.status_code == 302
    assert person.emailaddress_set.get().verified is True
    assert entered.status_code == 302
    assert len(mail.outbox) == 1


def test_an_invited_cohost_member_signs_in_with_one_code_and_lands_in_their_workspace(client):
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
    signup_url = re.search(r"https://outreach\.example(/\S+/signup/)", unknown.body).group(1)

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


# What a person reads


def sign_in_pages(client, language: str) -> dict[str, str]:
    """The text of each page of the sign-in and sign-up flows, in this language."""
    pages = {"sign in": client.get(in_language(language, "account_request_login_code"))}
    pages["sign up"] = client.get(in_language(language, "account_signup"))
    pages["enter the code"] = client.post(
        in_language(language, "account_request_login_code"),
        {"email": "nobody@example.org"},
        follow=True,
    )
    pages["a wrong code"] = client.post(
        in_language(language, "account_confirm_login_code"), {"code": "AAAA-AAAA"}
    )
    client.get(in_language(language, "account_logout"))
    client.force_login(UserFactory())
    pages["email addresses"] = client.get(in_language(language, "account_email"))
    pages["sign out"] = client.get(in_language(language, "account_logout"))
    pages["signed out"] = client.post(in_language(language, "account_logout"), follow=True)
    return {name: visible_text(response) for name, response in pages.items()}


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_no_sign_in_page_asks_to_register_or_sign_up_first(client, catalogues, language):
    pages = sign_in_pages(client, language)

    # Also allauth's titles for its sign-up page: "Inscription" and "Registro"/"Registrarse",
    # the words Outreach uses for registering for a session.
    first = re.compile(r"(?i:\bfirst\b|d['’]abord|\bprimero\b)|\bInscription\b|\bRegistr")
    assert {name: first.findall(text) for name, text in pages.items()} == {
        name: [] for name in pages
    }
    no_account_needed = {
        "en": "You need no account to register for a session.",
        "fr": "Nul besoin de compte pour vous inscrire à une session.",
        "es": "No necesita una cuenta para inscribirse en una sesión.",
    }[language]
    assert no_account_needed in pages["sign in"]
    assert no_account_needed in pages["sign up"]


def test_the_spanish_pages_say_usted(client, catalogues):
    pages = sign_in_pages(client, "es")

    assert {name: TU.findall(text) for name, text in pages.items()} == {name: [] for name in pages}
    assert "Introduzca su código de inicio de sesión" in pages["enter the code"]
    assert (
        "Hemos enviado un código a nobody@example.org. Introdúzcalo aquí" in pages["enter the code"]
    )
    assert "¿Desea cerrar sesión?" in pages["sign out"]
    assert "Ha cerrado sesión." in pages["signed out"]


def test_the_french_pages_say_vous_and_never_the_user(client, catalogues):
    pages = sign_in_pages(client, "fr")

    assert {name: TOI.findall(text) for name, text in pages.items()} == {name: [] for name in pages}
    assert "Saisissez votre code de connexion" in pages["enter the code"]
    assert "Créer un compte" in pages["sign up"]


@pytest.mark.parametrize(
    ("msgid", "spanish"),
    [
        ("Sign-In Code", "Su código de inicio de sesión"),
        ("Please Confirm Your Email Address", "Confirme su dirección de correo electrónico"),
        ("Incorrect code.", "Código incorrecto."),
        (
            "Your primary email address must be verified.",
            "Primero debe confirmar su dirección de correo electrónico principal.",
        ),
        ("Email address", "Dirección de correo electrónico"),
    ],
)
def test_allauths_own_texts_are_overridden_in_spanish(catalogues, msgid, spanish):
    with translation.override("es"):
        assert translation.gettext(msgid) == spanish


def test_the_overridden_errors_say_usted_and_vous(catalogues):
    url = in_language("es", "account_request_login_code")
    # Each request from a fresh browser, as a script would send them.
    for _ in range(3):
        Client().post(url, {"email": "prisa@example.org"})

    refused = visible_text(Client().post(url, {"email": "prisa@example.org"}))

    assert "Demasiados intentos con esta dirección. Espere unos minutos" in refused
    with translation.override("es"):
        assert translation.gettext("Please wait a moment before asking again.") == (
            "Espere un momento antes de volver a solicitarlo."
        )
    with translation.override("fr"):
        assert translation.gettext("Another account already uses this email address.") == (
            "Un autre compte utilise déjà cette adresse e-mail."
        )


def test_the_texts_kept_from_allauth_are_still_allauths_msgids():
    for language in ("fr", "es"):
        with (ALLAUTH_LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as handle:
            allauths = {message.id for message in read_po(handle) if message.id}

        assert [text for text in ALLAUTH_TEXTS if text not in allauths] == []


@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_translation_of_this_work_is_formal(language):
    """Every string of the sign-in pages, their emails and allauth's texts we keep."""
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as handle:
        messages = [
            m
            for m in read_po(handle, locale=language)
            if m.id and any(path.startswith(SIGN_IN_SOURCES) for path, _line in m.locations)
        ]
    assert len(messages) > 50
    familiar = TU if language == "es" else TOI

    assert [m.string for m in messages if familiar.search(m.string)] == []
    assert [m.id for m in messages if not m.string or m.fuzzy] == []


# What the emails say


@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_sign_in_email_names_outreach_and_never_a_host(settings, language):
    settings.SITE_URL = "http://127.0.0.1:8221"
    UserFactory(email="known@example.org").emailaddress_set.create(
        email="known@example.org", primary=True, verified=True
    )
    asks = [
        ("account_request_login_code", {"email": "known@example.org"}),
        ("account_request_login_code", {"email": "new@example.org"}),
        ("account_signup", {"email": "known@example.org", "full_name": "K"}),
        ("account_signup", {"email": "new@example.org", "full_name": "N"}),
    ]
    for name, data in asks:
        Client().post(in_language(language, name), data)

    assert len(mail.outbox) == 4  # a code, "no account", "you have an account", a code
    for message in mail.outbox:
        words = re.sub(r"https?://\S+", "", message.subject + "\n" + message.body)
        assert "Outreach" in words
        assert "127.0.0.1" not in words
        assert "8221" not in words
    links = re.findall(r"https?://\S+", mail.outbox[1].body)
    assert links == [
        f"http://127.0.0.1:8221{in_language(language, 'events:catalogue')}",
        f"http://127.0.0.1:8221{in_language(language, 'account_signup')}",
    ]


def test_the_sign_in_code_email_in_spanish_says_usted(client, catalogues):
    UserFactory(email="ana@example.org", language="es").emailaddress_set.create(
        email="ana@example.org", primary=True, verified=True
    )

    client.post(in_language("es", "account_request_login_code"), {"email": "ana@example.org"})

    [message] = mail.outbox
    assert message.subject == "[Outreach] Su código de inicio de sesión"
    assert "Este es su código para iniciar sesión en Outreach:" in message.body
    assert "Introdúzcalo en la página donde lo solicitó" in message.body
    assert TU.findall(message.body) == []
    assert message.body.rstrip().endswith("El equipo de Outreach")


def test_the_code_page_says_once_where_the_code_went_and_again_after_a_new_code(client):
    UserFactory(email="once@example.org").emailaddress_set.create(
        email="once@example.org", primary=True, verified=True
    )
    url = in_language("en", "account_request_login_code")

    asked = visible_text(client.post(url, {"email": "once@example.org"}, follow=True))
    again = visible_text(
        client.post(
            in_language("en", "account_confirm_login_code"), {"action": "resend"}, follow=True
        )
    )

    assert asked.count("once@example.org") == 1
    assert "We have emailed a sign-in code to once@example.org." in again
    assert len(codes_in(mail.outbox)) == 2


def test_creating_an_account_offers_a_new_code_too(client):
    client.post(in_language("en", "account_signup"), {"email": "new@example.org", "full_name": "N"})
    cache.clear()  # allauth allows one confirmation email per 10 seconds: they have passed

    again = visible_text(
        client.post(
            in_language("en", "account_email_verification_sent"), {"action": "resend"}, follow=True
        )
    )

    assert "We have emailed a confirmation code to new@example.org." in again
    assert len(codes_in(mail.outbox)) == 2

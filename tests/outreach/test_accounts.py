import re

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from outreach.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def french(name: str, **kwargs) -> str:
    with translation.override("fr"):
        return reverse(name, kwargs=kwargs or None)


def code_from(message) -> str:
    return re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.MULTILINE).group(1)


def test_signup_in_french_needs_no_password_and_verifies_the_email_by_code(client):
    response = client.post(
        french("account_signup"), {"email": "Ines.Garcia@Example.org", "full_name": "Inès García"}
    )

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ines.garcia@example.org"]
    assert message.subject == "[Outreach] Confirmez votre adresse e-mail"
    person = User.objects.get(email="ines.garcia@example.org")
    assert person.full_name == "Inès García"
    assert person.language == "fr"
    assert not person.has_usable_password()

    response = client.post(response.url, {"code": code_from(message)}, follow=True)

    assert response.context["user"] == person
    assert person.emailaddress_set.get().verified is True


def test_login_by_code_in_french(client):
    person = UserFactory(email="amadou@example.org", language="fr")
    person.emailaddress_set.create(email=person.email, verified=True, primary=True)

    response = client.post(french("account_request_login_code"), {"email": "AMADOU@example.org"})

    assert response.status_code == 302
    assert response.url == french("account_confirm_login_code")
    message = mail.outbox[0]
    assert "code" in message.subject.lower()
    assert "Votre code de connexion" in message.body or "code" in message.body

    response = client.post(response.url, {"code": code_from(message)})

    assert response.status_code == 302
    assert client.get(french("outreach:profile")).context["user"] == person


def test_login_page_in_french_asks_for_the_email_only(client):
    response = client.get(french("account_login"))

    assert response.status_code == 200
    assert 'name="password"' not in response.content.decode()
    assert 'name="email"' in response.content.decode()
    assert "<h1>Se connecter</h1>" in response.content.decode()


def test_emails_name_the_site_from_settings_not_from_the_host_header(client, settings):
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]

    client.post(
        french("account_signup"),
        {"email": "host@example.org", "full_name": "Host Header"},
        HTTP_HOST="evil.example",
    )

    body = mail.outbox[0].body
    assert "evil.example" not in body
    # Named, never given as a host: allauth's own footer printed the domain.
    assert "Outreach" in body
    assert "outreach.example" not in body


def test_requesting_login_codes_is_rate_limited_per_address():
    UserFactory(email="spam@example.org").emailaddress_set.create(
        email="spam@example.org", verified=True, primary=True
    )
    url = french("account_request_login_code")

    # Each request from a fresh browser, as a script would send them.
    answers = [Client().post(url, {"email": "spam@example.org"}).status_code for _ in range(5)]

    assert answers == [302, 302, 302, 200, 200]
    assert len(mail.outbox) == 3


def test_an_unknown_email_gets_the_same_answer_as_a_known_one(client):
    UserFactory(email="known@example.org").emailaddress_set.create(
        email="known@example.org", verified=True, primary=True
    )
    url = french("account_request_login_code")

    known = client.post(url, {"email": "known@example.org"})
    unknown = client.post(url, {"email": "nobody@example.org"})

    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)


@pytest.mark.parametrize(
    "path",
    [
        "/en/accounts/password/reset/",
        "/en/accounts/password/set/",
        "/en/accounts/password/change/",
        "/en/accounts/password/reset/key/done/",
        "/en/accounts/reauthenticate/",
        "/en/accounts/reauthenticate/code/",
    ],
)
def test_no_password_or_reauthentication_page_exists(client, path):
    response = client.get(path)

    assert response.status_code == 404


def test_admin_sign_in_sends_to_the_code_sign_in_instead_of_asking_a_password(client):
    response = client.get("/admin/login/")

    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/?next=")


def test_admin_refuses_a_signed_in_person_who_is_not_staff(client):
    client.force_login(UserFactory())

    assert client.get("/admin/login/").status_code == 403


def test_staff_signed_in_by_code_reach_the_admin(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    assert client.get("/admin/").status_code == 200


def test_a_password_post_to_the_sign_in_page_signs_nobody_in(client):
    person = UserFactory(email="known@example.org")
    person.set_password("correct horse battery staple")
    person.save()

    client.post(
        reverse("account_login"),
        {"login": "known@example.org", "password": "correct horse battery staple"},
    )

    assert "_auth_user_id" not in client.session


def test_no_backend_signs_anyone_in_with_a_password_whatever_the_credentials(rf):
    person = UserFactory(email="staff@example.org", is_staff=True, is_superuser=True)
    person.set_password("correct horse battery staple")
    person.save()

    answers = [
        authenticate(rf.post("/"), **credentials)
        for credentials in (
            {"email": "staff@example.org", "password": "correct horse battery staple"},
            {"username": "staff@example.org", "password": "correct horse battery staple"},
        )
    ]

    assert answers == [None, None]


def test_staff_keep_their_admin_permissions_without_a_password_backend():
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_organisation"))

    assert staff.has_perm("outreach.view_organisation") is True
    assert staff.has_perm("outreach.change_organisation") is False


@pytest.mark.parametrize("path", ["/admin/password_change/", "/admin/password_change/done/"])
def test_the_admin_has_no_page_to_change_a_password(client, path):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    assert client.get(path).status_code == 404


def test_the_admins_person_pages_offer_no_password(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    person = UserFactory()

    change = client.get(f"/admin/outreach/user/{person.pk}/change/")
    add = client.post(
        "/admin/outreach/user/add/",
        {"email": "added@example.org", "full_name": "Added By Hand", "role": "participant"},
    )

    assert change.status_code == 200
    assert "password" not in change.content.decode().lower()
    # Django's own address for it falls to the admin's catch-all: no form behind it.
    password_page = client.get(f"/admin/outreach/user/{person.pk}/password/", follow=True)
    assert 'type="password"' not in password_page.content.decode()
    assert add.status_code == 302
    assert User.objects.get(email="added@example.org").has_usable_password() is False


def test_signing_up_with_a_known_address_tells_its_owner_to_sign_in_by_code(client):
    UserFactory(email="known@example.org").emailaddress_set.create(
        email="known@example.org", verified=True, primary=True
    )

    response = client.post(
        reverse("account_signup"), {"email": "known@example.org", "full_name": "Someone Else"}
    )

    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["known@example.org"]
    assert "reset" not in message.body.lower()
    assert "https://outreach.example/en/accounts/login/code/" in message.body

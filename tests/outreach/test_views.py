import pytest
from django.urls import reverse

from tests.factories import FirmFactory, UserFactory
from tests.queries import assert_same_queries_for_1_and_more

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("en", "Webinars that help small firms trade internationally"),
        ("fr", "Des webinaires pour aider les petites entreprises à commercer à l’international"),
        ("es", "Seminarios web para que las pequeñas empresas comercien internacionalmente"),
    ],
)
def test_home_page_speaks_each_language(client, language, heading):
    response = client.get(f"/{language}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}" ' in html
    assert heading in html


def test_the_root_redirects_to_a_language(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 302
    assert response.url == "/es/"


def test_the_language_switcher_links_to_the_same_page_in_each_language(client):
    response = client.get("/fr/accounts/login/code/")

    links = {link["code"]: link["url"] for link in response.context["language_links"]}
    assert links == {
        "en": "/en/accounts/login/code/",
        "fr": "/fr/accounts/login/code/",
        "es": "/es/accounts/login/code/",
    }
    assert 'aria-current="page" lang="fr"' in response.content.decode()


def test_every_page_has_a_skip_link_and_landmarks(client):
    html = client.get("/en/").content.decode()

    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert "<header" in html
    assert "<footer" in html
    assert "<nav" in html


def test_the_home_page_query_count_does_not_grow_with_organisations(client):
    _, response = assert_same_queries_for_1_and_more(
        client, reverse("events:home"), FirmFactory.create_batch, more=21
    )

    assert response.context["reach"]["firms"] == 21


def test_the_profile_needs_a_signed_in_person(client):
    response = client.get("/fr/profile/")

    assert response.status_code == 302
    assert response.url == "/fr/accounts/login/?next=/fr/profile/"


def test_a_person_sets_language_and_time_zone_in_their_profile(client):
    person = UserFactory(language="en")
    client.force_login(person)

    response = client.post(
        "/en/profile/",
        {"full_name": "Lucía Pérez", "language": "es", "time_zone": "America/Santiago"},
    )

    assert response.status_code == 302
    assert response.url == "/es/profile/"
    person.refresh_from_db()
    assert (person.full_name, person.language, person.time_zone) == (
        "Lucía Pérez",
        "es",
        "America/Santiago",
    )


def test_a_profile_with_an_unknown_time_zone_gets_a_translated_error_and_changes_nothing(client):
    person = UserFactory(language="fr", time_zone="Europe/Paris")
    client.force_login(person)

    response = client.post(
        "/fr/profile/", {"full_name": "X", "language": "fr", "time_zone": "Nowhere/Town"}
    )

    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    person.refresh_from_db()
    assert person.time_zone == "Europe/Paris"


def test_text_a_person_typed_is_shown_as_text(client):
    person = UserFactory(full_name="<script>alert(1)</script>")
    client.force_login(person)

    html = client.get(reverse("outreach:profile")).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_interface_time_zone_is_the_signed_in_persons(client):
    person = UserFactory(time_zone="Asia/Kathmandu")
    client.force_login(person)

    response = client.get("/en/profile/")

    assert response.context["TIME_ZONE"] == "Asia/Kathmandu"

import re

import pytest
from django.core import mail

from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_every_page_carries_a_strict_content_security_policy(client):
    response = client.get("/en/")

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.parametrize("path", ["/en/", "/fr/sessions/", "/es/accounts/login/"])
def test_public_pages_have_no_inline_script_or_style(client, path):
    SessionFactory()

    html = client.get(path).content.decode()

    assert "<script>" not in html
    assert "style=" not in html
    assert "<style" not in html


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "javascript:alert(1)", "/\\evil.example"]
)
def test_signing_in_never_redirects_to_another_site(client, target):
    person = UserFactory(email="ana@example.org")
    person.emailaddress_set.create(email=person.email, verified=True, primary=True)
    client.post("/en/accounts/login/code/", {"email": person.email, "next": target})
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mail.outbox[0].body, re.M).group(1)

    response = client.post("/en/accounts/login/code/confirm/", {"code": code, "next": target})

    assert response.status_code == 302
    assert response.url.startswith("/")
    assert not response.url.startswith(("//", "/\\"))
    assert "evil" not in response.url


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "javascript:alert(1)"]
)
def test_choosing_a_time_zone_never_redirects_to_another_site(client, target):
    response = client.post("/en/time-zone/", {"time_zone": "UTC", "next": target})

    assert response.url == "/en/"

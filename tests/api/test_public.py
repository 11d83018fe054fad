"""The public endpoints: published sessions and series, no token."""

import pytest
from django.test import Client

from tests.factories.events import SessionFactory

pytestmark = pytest.mark.django_db


def test_the_public_list_shows_published_sessions_only():
    published = SessionFactory()
    SessionFactory(status="draft")
    response = Client().get("/api/v1/sessions/")
    assert response.status_code == 200, response.content
    assert [item["id"] for item in response.json()["results"]] == [published.pk]

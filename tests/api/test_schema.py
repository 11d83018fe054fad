"""The OpenAPI schema at /api/v1/schema/ validates, and drf-spectacular finds nothing to warn
about."""

import io

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def schema() -> dict:
    response = Client().get("/api/v1/schema/", headers={"Accept": "application/vnd.oai.openapi"})
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_the_schema_is_a_valid_openapi_document():
    document = schema()

    validate(document)

    assert document["info"]["title"] == "Outreach API"
    assert "/api/v1/sessions/" in document["paths"]
    assert "/api/v1/cohost/sessions/{key}/registrants/" in document["paths"]


def test_tokens_are_bearer_and_the_public_endpoints_need_none():
    document = schema()

    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token.",
    }
    assert document["paths"]["/api/v1/sessions/"]["get"].get("security") in (None, [], [{}])
    assert document["paths"]["/api/v1/cohost/sessions/"]["get"]["security"] == [{"bearerAuth": []}]


def test_drf_spectacular_validates_the_schema_without_a_warning(tmp_path):
    out = tmp_path / "schema.yaml"
    stderr = io.StringIO()

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out), stderr=stderr)

    assert out.read_text().startswith("openapi: 3")
    assert "Warning" not in stderr.getvalue()

import json
import logging

import pytest
from django.tasks import task_backends

from outreach.logs import JsonFormatter, RedactSecrets, redact

pytestmark = pytest.mark.django_db


def test_health_answers_when_the_database_answers(client):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json()["database"] is True
    assert response.json()["status"] == "ok"


def test_health_reports_the_task_backend(client):
    tasks = client.get("/health/").json()["tasks"]

    assert tasks == {"backend": type(task_backends["default"]).__name__, "ok": True}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET /fr/surveys/AbC-123_xyz/ 404", "GET /fr/surveys/[token]/ 404"),
        ("POST /es/registrations/s3cr3t/cancel/", "POST /es/registrations/[token]/cancel/"),
        ("GET /feeds/people/abcDEF.ics", "GET /feeds/people/[token].ics"),
        (
            "join https://us02web.zoom.us/j/85012345678?pwd=x now",
            "join https://us02web.zoom.us/j/[join link] now",
        ),
        ("GET /en/sessions/12/ 200", "GET /en/sessions/12/ 200"),
    ],
)
def test_secrets_are_removed_from_log_lines(text, expected):
    assert redact(text) == expected


def test_log_records_are_redacted_and_written_as_json():
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: %s",
        ("/fr/surveys/secret/",),
        None,
    )

    RedactSecrets().filter(record)
    line = json.loads(JsonFormatter().format(record))

    assert line["message"] == "Not Found: /fr/surveys/[token]/"
    assert (line["level"], line["logger"]) == ("WARNING", "django.request")


def test_health_fails_when_tasks_wait_with_no_worker(client, settings):
    from datetime import timedelta

    from django.utils import timezone

    from registrations.tasks import send_message

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    result = send_message.enqueue(1)
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(pk=result.id).update(
        enqueued_at=timezone.now() - timedelta(hours=1)
    )

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json()["tasks"]["ok"] is False
    assert response.json()["tasks"]["oldest_waiting_seconds"] >= 3600

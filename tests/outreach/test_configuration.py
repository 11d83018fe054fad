"""Configuration that cannot silently weaken: every variable read is documented, one function
finds the client for every rate limit (and a forged X-Forwarded-For moves none), personal data
is never kept by a cache, and /health/ tells its details to staff only.

Start-up refusals (a missing shared cache, a malformed rate) are in test_startup.py: they run
manage.py as production does."""

import json
import re
from pathlib import Path

import pytest
from allauth.account.adapter import get_adapter
from django.test import RequestFactory
from django.urls import reverse

from outreach.models import CohostRole, OrganisationKind, Role
from registrations import ratelimit
from tests.factories import (
    OrganisationFactory,
    OrganiserFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
)
from tests.registrations.test_views import form_data, register_url

ROOT = Path(__file__).resolve().parents[2]
# Where Outreach reads its environment: the settings and their helpers, gunicorn's settings, and
# any module of the apps.
READERS = [
    ROOT / "outreach" / "settings.py",
    ROOT / "gunicorn.conf.py",
    *(ROOT / "outreach").rglob("*.py"),
    *(ROOT / "events").rglob("*.py"),
    *(ROOT / "registrations").rglob("*.py"),
    *(ROOT / "impact").rglob("*.py"),
]
ENV_READ = re.compile(
    r"""(?:env_[a-z]+|os\.environ\.get|os\.getenv|os\.environ\.setdefault|os\.environ\[)"""
    r"""\(?\s*["']([A-Z][A-Z0-9_]*)["']"""
)
# Read, but not a setting of Outreach: which settings module Django loads.
NOT_SETTINGS = {"DJANGO_SETTINGS_MODULE"}


def variables_read() -> set[str]:
    names = set()
    for path in READERS:
        names |= set(ENV_READ.findall(path.read_text()))
    return names - NOT_SETTINGS


def variables_documented() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s?([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def test_env_example_lists_every_variable_that_is_read():
    read = variables_read()

    assert {"DEBUG", "CACHE_URL", "LOG_FORMAT", "GUNICORN_WORKERS"} <= read  # the search works
    assert read - variables_documented() == set()


def test_env_example_lists_nothing_that_is_not_read():
    assert variables_documented() - variables_read() == set()


# --- One client address for every limit ---------------------------------------------------------


def request_from(remote: str, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/en/sessions/1/register/", **headers)


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "client"),
    [
        # No proxy trusted: whatever the client writes in X-Forwarded-For is ignored.
        (0, "203.0.113.9", None, "203.0.113.9"),
        (0, "203.0.113.9", "198.51.100.1", "203.0.113.9"),
        (0, "203.0.113.9", "198.51.100.1, 192.0.2.1", "203.0.113.9"),
        (0, "203.0.113.9", "127.0.0.1", "203.0.113.9"),
        (0, "203.0.113.9", "not an address", "203.0.113.9"),
        # One proxy: only the address it appended counts, never what the client sent before it.
        (1, "10.0.0.1", "198.51.100.7", "198.51.100.7"),
        (1, "10.0.0.1", "forged, 1.2.3.4, 198.51.100.7", "198.51.100.7"),
        (1, "10.0.0.1", None, "10.0.0.1"),
        # Two proxies: the address the outer one appended.
        (2, "10.0.0.1", "forged, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
    ],
)
def test_one_function_finds_the_client_for_allauths_limits_and_ours(
    settings, proxies, remote, forwarded, client
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    request = request_from(remote, forwarded)

    ours = ratelimit.client_ip(request)

    assert ours == client
    assert ours == get_adapter(request).get_client_ip(request)


def test_an_address_that_cannot_be_read_counts_in_one_shared_bucket(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1

    address = ratelimit.client_ip(request_from("10.0.0.1", "not an address"))

    assert address == ""
    assert ratelimit.network_of(address) == "unknown"


@pytest.mark.django_db
def test_a_forged_forwarded_for_from_one_network_does_not_escape_its_limit(client, settings):
    """An attacker on one /24 rotates X-Forwarded-For and the last octet: with no proxy
    trusted, every request still counts against the same network."""
    settings.OUTREACH_REGISTER_LIMIT_PER_NETWORK = "3/10m"
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    session = SessionFactory(capacity=100)

    answers = [
        client.post(
            register_url(session),
            form_data(email=f"p{n}@example.org"),
            REMOTE_ADDR=f"203.0.113.{n}",
            HTTP_X_FORWARDED_FOR=f"198.51.{n}.{n}, 192.0.2.{n}",
        ).status_code
        for n in range(1, 7)
    ]

    assert answers.count(429) == 3
    assert answers[3:] == [429, 429, 429]


# --- Personal data is never kept by a cache ---------------------------------------------------


@pytest.mark.django_db
def test_downloads_of_personal_data_are_not_stored_by_any_cache(client):
    ministry = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)
    session = SessionFactory(cohosts=[ministry])
    registration = RegistrationFactory(session=session, shares_with_cohosts=True)
    person = registration.person

    client.force_login(person)
    own = [client.get("/en/my-data.json"), client.get(f"/feeds/people/{person.calendar_token}.ics")]
    client.force_login(OrganiserFactory())
    organiser = [
        client.get(reverse("registrations:manage-csv", args=[session.pk])),
        client.get("/en/impact/export/rows/registrations.csv"),
        client.get("/en/impact/export/rows/attendance.csv"),
        client.get("/en/impact/export/rows/attendance.xlsx"),
    ]
    client.force_login(
        UserFactory(role=Role.COHOST, cohost_role=CohostRole.VIEWER, organisation=ministry)
    )
    cohost = [client.get(reverse("cohost:registrants-csv", args=[session.pk]))]

    responses = [*own, *organiser, *cohost]
    assert [r.status_code for r in responses] == [200] * len(responses)
    assert [r["Cache-Control"] for r in responses] == ["no-store"] * len(responses)
    assert person.email in json.dumps(json.loads(own[0].content))
    for response in responses:
        response.close()


# --- /health/ ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "participant", "cohost"])
def test_health_tells_others_than_staff_only_its_status(client, who):
    if who == "participant":
        client.force_login(UserFactory())
    elif who == "cohost":
        ministry = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)
        client.force_login(
            UserFactory(role=Role.COHOST, cohost_role=CohostRole.MANAGER, organisation=ministry)
        )

    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["organiser", "analyst", "django staff"])
def test_health_shows_its_queues_to_staff(client, who):
    if who == "django staff":
        user = UserFactory(is_staff=True)
    else:
        user = OrganiserFactory(role=Role.ANALYST if who == "analyst" else Role.ORGANISER)
    client.force_login(user)

    response = client.get("/health/")

    assert response.status_code == 200
    assert {"status", "database", "tasks"} <= set(response.json())
    assert response.json()["tasks"]["ok"] is True


@pytest.mark.django_db
def test_health_still_fails_for_everyone_when_no_worker_takes_the_tasks(client, settings):
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from registrations.tasks import send_message

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    result = send_message.enqueue(1)
    DBTaskResult.objects.filter(pk=result.id).update(
        enqueued_at=timezone.now() - timedelta(hours=1)
    )

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json() == {"status": "failing"}

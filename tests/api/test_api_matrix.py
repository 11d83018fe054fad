"""The API's permission matrix: every /api/v1/ route against every role and token, with real
requests (Django's test client sending `Authorization: Bearer`), and a second ministry.

The routes are read from api/urls.py when this module is collected, so a route added without a
decision here fails `test_every_api_route_has_a_decision`. Each decision is the answer the view
should give, read from the views and the permission modules (api.permissions maps a token's
owner onto the predicates of the pages), not copied from a run.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from api.models import ApiToken
from api.tokens import hash_token
from outreach.models import CohostRole, OrganisationKind, Role
from tests.api.conftest import READ_WRITE, bearer, expired, revoked, token_for
from tests.factories import OrganisationFactory, OrganiserFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

# The order is the order of the calls: writers last, so that what they change (a session
# cancelled) is seen by nobody after them in the same test.
ROLES = (
    "anonymous",  # no Authorization header
    "bad_token",  # a token nobody was given
    "firm",  # a participant: no token may be made for one (a row made by hand is refused)
    "expired",  # an organiser's read and write token, expired
    "revoked",  # an organiser's read and write token, revoked
    "cohost_a_viewer_read",
    "cohost_a_manager_read",
    "analyst_read",
    "analyst_read_write",
    "organiser_read",
    "cohost_b_manager_read_write",  # the second ministry
    "cohost_a_manager_read_write",
    "organiser_read_write",
)


class _Ok:
    """Allowed: whatever the view answers to an empty body (200, 201, 400, 409), never a
    refusal (401, 403), a 404, a 405 or an error."""

    def matches(self, status: int) -> bool:
        return status < 500 and status not in {401, 403, 404, 405, 429}

    def __repr__(self):
        return "allowed"


OK = _Ok()


def everyone(answer) -> dict:
    return dict.fromkeys(ROLES, answer)


def with_token(answers: dict) -> dict:
    """Only with a valid token of a role the view names (`answers`): no token or a bad, expired
    or revoked one (or a firm's) is a 401; every other role a 403."""
    refused = dict.fromkeys(("anonymous", "bad_token", "firm", "expired", "revoked"), 401)
    return {**everyone(403), **refused, **answers}


COHOST_READERS = {
    "cohost_a_viewer_read": 200,
    "cohost_a_manager_read": 200,
    "cohost_a_manager_read_write": 200,
}
# Ministry A's session A: the second ministry does not find it.
ON_SESSION_A = with_token({**COHOST_READERS, "cohost_b_manager_read_write": 404})
ORGANISERS_READ = with_token({"organiser_read": 200, "organiser_read_write": 200})
# A write: an organiser's read token is refused for its scope (403), a read and write one may.
ORGANISERS_WRITE = with_token({"organiser_read_write": OK})
STAFF_READ = with_token(
    {
        "organiser_read": 200,
        "organiser_read_write": 200,
        "analyst_read": 200,
        "analyst_read_write": 200,
    }
)

# GET unless methods are named.
EXPECTED: dict[str, dict] = {
    # Public: no token needed, and a token (even a bad one) changes nothing.
    "api:schema": everyone(200),
    "api:docs": everyone(200),
    "api:sessions": everyone(200),
    "api:session": everyone(200),
    "api:series": everyone(200),
    # A co-host's token: its own organisation's sessions (B lists its own).
    "api:cohost-sessions": with_token({**COHOST_READERS, "cohost_b_manager_read_write": 200}),
    "api:cohost-session": ON_SESSION_A,
    "api:cohost-registrants": ON_SESSION_A,
    "api:cohost-figures": ON_SESSION_A,
    # Managers with a read and write token propose (an empty proposal: 400); a viewer is
    # refused by the predicate, a manager's read token by its scope.
    "api:cohost-proposals": {
        "POST": with_token({"cohost_a_manager_read_write": 400, "cohost_b_manager_read_write": 400})
    },
    # Staff endpoints (api/views/staff.py): organisers manage sessions, registrations, attendance.
    "api:staff-sessions": {"GET": ORGANISERS_READ, "POST": ORGANISERS_WRITE},
    "api:staff-session": {"GET": ORGANISERS_READ, "PATCH": ORGANISERS_WRITE},
    "api:staff-session-publish": {"POST": ORGANISERS_WRITE},
    "api:staff-session-cancel": {"POST": ORGANISERS_WRITE},
    "api:staff-session-registrations": ORGANISERS_READ,
    "api:staff-attendance-preview": {"POST": ORGANISERS_WRITE},
    "api:staff-attendance-import": {"POST": ORGANISERS_WRITE},
    # Organisers and analysts read the figures.
    "api:staff-impact-figures": STAFF_READ,
    "api:staff-impact-breakdown": STAFF_READ,
}


# --- The routes of api/urls.py, walked once at collection ---------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # "api:name"
    kwargs: frozenset[str]


def _walk(resolver, namespaces=(), kwargs=frozenset()):
    for entry in resolver.url_patterns:
        names = kwargs | frozenset(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _walk(entry, inner, names)
        elif isinstance(entry, URLPattern):
            yield Route(":".join((*namespaces, entry.name or "?")), names)


ROUTES = sorted(
    {route for route in _walk(get_resolver()) if route.name.startswith("api:")},
    key=lambda route: route.name,
)


def test_every_api_route_has_a_decision():
    assert {route.name for route in ROUTES} == set(EXPECTED), (
        "API routes without a decision (or decisions without a route): "
        f"{sorted({route.name for route in ROUTES} ^ set(EXPECTED))}"
    )


def test_every_decision_covers_every_role():
    for name, entry in EXPECTED.items():
        for method, answers in _by_method(entry).items():
            assert set(answers) == set(ROLES), (name, method)


def test_the_routes_are_under_api_v1():
    for route in ROUTES:
        kwargs = dict.fromkeys(route.kwargs, "1")
        assert reverse(route.name, kwargs=kwargs).startswith("/api/v1/")


# --- The world ----------------------------------------------------------------------------------


@pytest.fixture
def world():
    ministry_a = OrganisationFactory(name="Ministry A", kind=OrganisationKind.GOVERNMENT)
    ministry_b = OrganisationFactory(name="Ministry B", kind=OrganisationKind.GOVERNMENT)
    session_a = SessionFactory(cohosts=[ministry_a], title_en="Session of ministry A")
    SessionFactory(cohosts=[ministry_b], title_en="Session of ministry B")

    def cohost(organisation, role):
        return UserFactory(role=Role.COHOST, cohost_role=role, organisation=organisation)

    organiser = OrganiserFactory()
    analyst = UserFactory(role=Role.ANALYST, organisation=organiser.organisation)
    firm_person = UserFactory()
    firm_token = "firmtok.a-token-made-by-hand-for-a-participant"
    ApiToken.objects.create(
        owner=firm_person,
        name="by hand",
        prefix="firmtok",
        key_hash=hash_token(firm_token),
        scope=READ_WRITE,
        expires_at=timezone.now() + timedelta(days=30),
    )
    tokens = {
        "anonymous": None,
        "bad_token": "nobody.was-given-this-token",
        "firm": firm_token,
        "expired": expired(token_for(organiser, READ_WRITE)),
        "revoked": revoked(token_for(organiser, READ_WRITE)),
        "cohost_a_viewer_read": token_for(cohost(ministry_a, CohostRole.VIEWER)),
        "cohost_a_manager_read": token_for(cohost(ministry_a, CohostRole.MANAGER)),
        "analyst_read": token_for(analyst),
        "analyst_read_write": token_for(analyst, READ_WRITE),
        "organiser_read": token_for(organiser),
        "cohost_b_manager_read_write": token_for(
            cohost(ministry_b, CohostRole.MANAGER), READ_WRITE
        ),
        "cohost_a_manager_read_write": token_for(
            cohost(ministry_a, CohostRole.MANAGER), READ_WRITE
        ),
        "organiser_read_write": token_for(organiser, READ_WRITE),
    }
    assert set(tokens) == set(ROLES)
    return {"session": session_a, "tokens": tokens}


def _by_method(entry: dict) -> dict:
    methods = {"GET", "POST", "PATCH", "PUT", "DELETE"}
    return entry if set(entry) <= methods else {"GET": entry}


def _address(route: Route, world) -> str:
    values = {"key": str(world["session"].pk), "pk": world["session"].pk, "dimension": "economy"}
    return reverse(route.name, kwargs={name: values[name] for name in route.kwargs})


def _call(token, method: str, url: str):
    client = bearer(token) if token else Client()
    if method == "GET":
        return client.get(url)
    return client.generic(method, url, "{}", content_type="application/json")


@pytest.mark.parametrize("route", ROUTES, ids=[route.name for route in ROUTES])
def test_matrix(world, route, settings):
    # No rate limit in the way of the matrix's many calls.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "10000/minute", "anonymous": "10000/minute"},
    }
    url = _address(route, world)
    wrong = []
    for method, answers in _by_method(EXPECTED[route.name]).items():
        for role in ROLES:
            response = _call(world["tokens"][role], method, url)
            expected = answers[role]
            ok = (
                expected.matches(response.status_code)
                if expected is OK
                else (response.status_code == expected)
            )
            if not ok:
                wrong.append(f"{method} {url} as {role}: {response.status_code}, not {expected}")
            elif response.status_code in (401, 403, 404):
                # A refusal is JSON that says why, and tells nothing of the object.
                assert response["Content-Type"].startswith("application/json"), (role, url)
                assert b"ministry a" not in response.content.lower(), (role, url)
    assert not wrong, "\n".join(wrong)

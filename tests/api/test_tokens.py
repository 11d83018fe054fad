"""Personal API tokens: made on the tokens page, shown once, stored hashed, scoped, expiring,
revocable; and what the API answers to a bad, expired or revoked one."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from api import tokens
from api.models import ApiToken
from outreach.models import AuditAction, AuditEntry, CohostRole, Role
from tests.api.conftest import (
    READ,
    READ_WRITE,
    analyst,
    bearer,
    expired,
    member_of,
    revoked,
    token_for,
)
from tests.factories import OrganiserFactory, SessionFactory, UserFactory
from tests.queries import assert_same_queries_for_1_and_more

pytestmark = pytest.mark.django_db

COHOST_SESSIONS = "/api/v1/cohost/sessions/"


# --- The token itself ---------------------------------------------------------------------------


def test_a_token_is_kept_only_as_its_prefix_and_hash(ministry):
    person = member_of(ministry)

    token, text = tokens.create_token(person, name="CRM", scope=READ, days=90, by=person)

    prefix, secret = text.split(".", 1)
    assert token.prefix == prefix
    assert len(secret) >= 40
    assert token.key_hash == hashlib.sha256(text.encode()).hexdigest()
    stored = ApiToken.objects.filter(pk=token.pk).values()[0]
    assert not any(secret in str(value) for value in stored.values())
    assert token.expires_at - token.created_at == timedelta(days=90)


def test_two_tokens_never_share_a_prefix_or_a_secret(ministry):
    person = member_of(ministry)
    texts = [token_for(person) for _ in range(5)]
    assert len({text.split(".")[0] for text in texts}) == len(set(texts)) == 5


@pytest.mark.parametrize("days", [0, 7, 366])
def test_a_token_lasts_30_90_or_365_days(ministry, days):
    person = member_of(ministry)
    with pytest.raises(ValueError, match="days"):
        tokens.create_token(person, name="x", scope=READ, days=days, by=person)


def test_nobody_makes_a_token_for_a_firm_or_for_someone_else(ministry):
    firm_person = UserFactory()
    with pytest.raises(PermissionError):
        tokens.create_token(firm_person, name="x", scope=READ, days=30, by=firm_person)
    with pytest.raises(PermissionError):
        tokens.create_token(
            member_of(ministry), name="x", scope=READ, days=30, by=OrganiserFactory()
        )


# --- Authentication -----------------------------------------------------------------------------


def test_a_valid_token_acts_as_its_owner_and_records_its_use(ministry):
    text = token_for(member_of(ministry))

    response = bearer(text).get(COHOST_SESSIONS)

    assert response.status_code == 200
    assert tokens.find_token(text).last_used_at is not None


def test_its_use_is_recorded_at_most_once_a_minute(ministry):
    text = token_for(member_of(ministry))
    bearer(text).get(COHOST_SESSIONS)
    first = tokens.find_token(text).last_used_at

    bearer(text).get(COHOST_SESSIONS)
    assert tokens.find_token(text).last_used_at == first

    ApiToken.objects.filter(prefix=text.split(".")[0]).update(
        last_used_at=timezone.now() - timedelta(minutes=2)
    )
    bearer(text).get(COHOST_SESSIONS)
    assert tokens.find_token(text).last_used_at > first


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda text: text + "x", "not valid"),
        (lambda text: "unknown.token", "not valid"),
        (expired, "expired"),
        (revoked, "revoked"),
    ],
    ids=["altered", "unknown", "expired", "revoked"],
)
def test_a_bad_expired_or_revoked_token_is_a_401_that_says_so(ministry, make, says):
    text = make(token_for(member_of(ministry)))

    response = bearer(text).get(COHOST_SESSIONS)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert says in response.json()["detail"]


def test_the_401_is_in_the_callers_language(ministry):
    text = expired(token_for(member_of(ministry)))

    response = bearer(text, **{"Accept-Language": "fr"}).get(COHOST_SESSIONS)

    assert response.status_code == 401
    assert response.json()["detail"] == "Ce jeton a expiré."


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Token abc"])
def test_a_malformed_header_is_refused(ministry, header):
    response = Client(headers={"Authorization": header}).get(COHOST_SESSIONS)
    assert response.status_code == 401


def test_a_token_stops_working_when_its_owner_leaves_the_cohost(ministry):
    person = member_of(ministry)
    text = token_for(person)
    person.role = Role.PARTICIPANT
    person.save()

    assert bearer(text).get(COHOST_SESSIONS).status_code == 401


def test_a_token_stops_working_when_its_owner_is_deactivated(ministry):
    person = member_of(ministry)
    text = token_for(person)
    person.is_active = False
    person.save()

    assert bearer(text).get(COHOST_SESSIONS).status_code == 401


def test_a_signed_in_browser_without_a_token_is_not_a_token(client, ministry):
    client.force_login(member_of(ministry))
    assert client.get(COHOST_SESSIONS, headers={"Accept": "application/json"}).status_code == 401


def test_the_browsable_page_is_only_for_people_signed_in(client):
    SessionFactory()
    html = {"Accept": "text/html"}

    anonymous = Client().get("/api/v1/sessions/", headers=html)
    client.force_login(OrganiserFactory())
    signed_in = client.get("/api/v1/sessions/", headers=html)

    assert anonymous["Content-Type"].startswith("application/json")
    assert signed_in["Content-Type"].startswith("text/html")


def test_calls_with_a_token_are_limited_per_token(ministry, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "2/minute", "anonymous": "100/minute"},
    }
    person = member_of(ministry)
    first, second = bearer(token_for(person)), bearer(token_for(person))

    answers = [first.get(COHOST_SESSIONS).status_code for _ in range(3)]

    assert answers == [200, 200, 429]
    assert second.get(COHOST_SESSIONS).status_code == 200


# --- The tokens page ----------------------------------------------------------------------------

PAGE = "/en/account/tokens/"


def created_text(response) -> str:
    match = re.search(r'id="new-token"[^>]*value="([^"]+)"', response.content.decode())
    assert match, "the new token is shown"
    return match.group(1)


@pytest.mark.parametrize(
    "person",
    [
        lambda ministry: member_of(ministry, CohostRole.VIEWER),
        lambda ministry: member_of(ministry, CohostRole.MANAGER),
        lambda ministry: OrganiserFactory(),
        lambda ministry: analyst(),
    ],
    ids=["cohost viewer", "cohost manager", "organiser", "analyst"],
)
def test_a_member_or_staff_creates_a_token_seen_once_that_works(client, ministry, person):
    owner = person(ministry)
    client.force_login(owner)

    response = client.post(PAGE, {"name": "Our CRM", "scope": READ_WRITE, "days": "30"})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    text = created_text(response)
    token = ApiToken.objects.get(owner=owner)
    assert (token.name, token.scope, token.key_hash) == (
        "Our CRM",
        READ_WRITE,
        tokens.hash_token(text),
    )
    assert (token.expires_at - token.created_at).days == 30
    # Listed from now on by its prefix, never shown again.
    again = client.get(PAGE).content.decode()
    assert token.prefix in again
    assert text not in again
    assert bearer(text).get("/api/v1/sessions/").status_code == 200


def test_the_page_lists_ones_own_tokens_only(client, ministry):
    owner, other = member_of(ministry), member_of(ministry)
    mine = tokens.create_token(owner, name="Mine", scope=READ, days=30, by=owner)[0]
    theirs = tokens.create_token(other, name="Theirs", scope=READ, days=30, by=other)[0]
    client.force_login(owner)

    page = client.get(PAGE).content.decode()

    assert mine.prefix in page
    assert theirs.prefix not in page
    assert "Theirs" not in page


def test_revoking_a_token_stops_it(client, ministry):
    owner = member_of(ministry)
    text = token_for(owner)
    token = tokens.find_token(text)
    client.force_login(owner)

    response = client.post(f"{PAGE}{token.pk}/revoke/")

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert bearer(text).get(COHOST_SESSIONS).status_code == 401
    actions = AuditEntry.objects.filter(actor=owner).order_by("pk").values_list("action", flat=True)
    assert list(actions) == [AuditAction.API_TOKEN_CREATED, AuditAction.API_TOKEN_REVOKED]
    assert client.post(f"{PAGE}{token.pk}/revoke/").status_code == 302
    assert AuditEntry.objects.filter(action=AuditAction.API_TOKEN_REVOKED).count() == 1


def test_nobody_revokes_someone_elses_token(client, ministry):
    other = member_of(ministry)
    token = tokens.find_token(token_for(other))
    client.force_login(member_of(ministry))

    assert client.post(f"{PAGE}{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_firm_gets_no_token(client):
    client.force_login(UserFactory())

    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"name": "x", "scope": READ, "days": "30"}).status_code == 403
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"scope": READ, "days": "30"}, "name"),
        ({"name": "  ", "scope": READ, "days": "30"}, "name"),
        ({"name": "x", "scope": "admin", "days": "30"}, "scope"),
        ({"name": "x", "scope": READ, "days": "1000"}, "days"),
    ],
)
def test_the_form_refuses_what_is_missing_or_unknown_in_french(client, ministry, data, field):
    client.force_login(member_of(ministry))

    response = client.post("/fr/account/tokens/", data)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_the_profile_links_to_the_tokens_page_for_those_who_may_have_one(client, ministry):
    client.force_login(member_of(ministry))
    assert PAGE in client.get("/en/profile/").content.decode()
    client.force_login(UserFactory())
    assert PAGE not in client.get("/en/profile/").content.decode()


def test_the_tokens_page_asks_as_many_queries_for_one_token_as_for_three(client, ministry):
    owner = member_of(ministry)
    client.force_login(owner)
    assert_same_queries_for_1_and_more(
        client, PAGE, lambda count: [token_for(owner) for _ in range(count)]
    )


def test_the_page_says_which_tokens_expired_or_were_revoked(client, ministry):
    owner = member_of(ministry)
    stale = tokens.find_token(expired(token_for(owner)))
    gone = tokens.find_token(revoked(token_for(owner)))
    live = tokens.find_token(token_for(owner))
    client.force_login(owner)

    page = client.get(PAGE).content.decode()

    rows = {
        token.prefix: page.split(f"<code>{token.prefix}…</code>")[1].split("</tr>")[0]
        for token in (stale, gone, live)
    }
    assert "Expired" in rows[stale.prefix]
    assert "Revoked" in rows[gone.prefix]
    assert f"/{live.pk}/revoke/" in rows[live.prefix]
    assert "/revoke/" not in rows[stale.prefix] + rows[gone.prefix]

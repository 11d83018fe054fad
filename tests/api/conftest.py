"""Tokens for each role, and a client that sends them (Authorization: Bearer)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from api import tokens
from api.models import ApiToken, TokenScope
from outreach.models import CohostRole, OrganisationKind, Role
from tests.factories.outreach import OrganisationFactory, OrganiserFactory, UserFactory, economy

READ, READ_WRITE = TokenScope.READ, TokenScope.READ_WRITE


def token_for(user, scope=READ, days=30) -> str:
    """A new token of `user`, as text (made by the same function as the tokens page)."""
    return tokens.create_token(user, name="test", scope=scope, days=days, by=user)[1]


def bearer(token_text: str, **headers) -> Client:
    """A client that sends the token with every request (a real request through Django's
    middleware, URL resolver and DRF)."""
    return Client(headers={"Authorization": f"Bearer {token_text}", **headers})


def expired(token_text: str) -> str:
    token = tokens.find_token(token_text)
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=timezone.now() - timedelta(days=31),
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    return token_text


def revoked(token_text: str) -> str:
    token = tokens.find_token(token_text)
    tokens.revoke_token(token, by=token.owner)
    return token_text


def member_of(organisation, cohost_role=CohostRole.VIEWER):
    return UserFactory(role=Role.COHOST, organisation=organisation, cohost_role=cohost_role)


def analyst():
    return UserFactory(role=Role.ANALYST, organisation=OrganiserFactory().organisation)


@pytest.fixture
def ministry():
    return OrganisationFactory(
        name="Ministerio de Economía", kind=OrganisationKind.GOVERNMENT, economy=economy("CL")
    )


@pytest.fixture
def other_ministry():
    return OrganisationFactory(
        name="Ministerio de Comercio Exterior",
        kind=OrganisationKind.GOVERNMENT,
        economy=economy("PE"),
    )

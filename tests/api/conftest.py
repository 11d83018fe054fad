"""Tokens for each role, and a client that sends them (Authorization: Bearer)."""

import pytest
from django.test import Client

from api import tokens
from api.models import TokenScope
from outreach.models import CohostRole, Role
from tests.factories.outreach import OrganisationFactory, OrganiserFactory, UserFactory


def token_for(user, scope=TokenScope.READ, days=30) -> str:
    """A new token of `user`, as text."""
    return tokens.create_token(user, name="test", scope=scope, days=days, by=user)[1]


def bearer(token_text: str) -> Client:
    """A client that sends the token with every request (a real HTTP request through Django)."""
    return Client(headers={"Authorization": f"Bearer {token_text}"})


@pytest.fixture
def ministry():
    return OrganisationFactory(name="Ministry of Trade")


@pytest.fixture
def other_ministry():
    return OrganisationFactory(name="Other Ministry")


def cohost(organisation, role=CohostRole.VIEWER):
    return UserFactory(role=Role.COHOST, organisation=organisation, cohost_role=role)


def analyst():
    return UserFactory(role=Role.ANALYST, organisation=OrganiserFactory().organisation)


@pytest.fixture
def organiser():
    return OrganiserFactory()

import pytest
from django.contrib.auth.models import AnonymousUser

from outreach import permissions
from outreach.models import Role
from tests.factories import OrganisationFactory, OrganiserFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    ministry_a = OrganisationFactory(kind="government")
    ministry_b = OrganisationFactory(kind="government")
    return {
        "anonymous": AnonymousUser(),
        "participant": UserFactory(),
        "cohost_a": UserFactory(role=Role.COHOST, organisation=ministry_a),
        "cohost_b": UserFactory(role=Role.COHOST, organisation=ministry_b),
        "analyst": UserFactory(role=Role.ANALYST),
        "organiser": OrganiserFactory(),
    }


@pytest.mark.parametrize(
    ("who", "impact", "sessions", "staff"),
    [
        ("anonymous", False, False, False),
        ("participant", False, False, False),
        ("cohost_a", True, False, False),
        ("analyst", True, False, True),
        ("organiser", True, True, True),
    ],
)
def test_each_role_gets_its_own_answers(people, who, impact, sessions, staff):
    user = people[who]

    assert permissions.can_view_impact(user) is impact
    assert permissions.is_organiser(user) is sessions
    assert permissions.is_programme_staff(user) is staff


def test_a_deactivated_organiser_loses_every_right(people):
    organiser = people["organiser"]
    organiser.is_active = False

    assert not permissions.is_organiser(organiser)
    assert not permissions.can_view_impact(organiser)

import pytest
from django.core.management import call_command

from outreach.models import Economy, Organisation, OrganisationKind, Role, User

pytestmark = pytest.mark.django_db


def snapshot():
    from events.models import Session
    from registrations.models import Registration

    return (
        sorted(Organisation.objects.values_list("name", "kind", "economy", "size_band")),
        sorted(User.objects.values_list("email", "role", "organisation__name", "password")),
        sorted(Session.objects.values_list("uid", "status", "starts_at", "confirmed_count")),
        sorted(Registration.objects.values_list("session__uid", "person__email", "status")),
    )


def test_seed_demo_builds_a_believable_programme(capsys):
    call_command("seed_demo")

    firms_and_support = Organisation.objects.filter(
        kind__in=[OrganisationKind.FIRM, OrganisationKind.SUPPORT]
    )
    assert firms_and_support.count() >= 60
    economies = Economy.objects.filter(organisations__in=firms_and_support).distinct()
    assert economies.count() >= 25
    assert set(economies.values_list("region", flat=True)) == {"002", "019", "142", "150", "009"}
    assert Organisation.objects.filter(kind=OrganisationKind.GOVERNMENT).count() == 2
    assert User.objects.filter(role=Role.ORGANISER).exists()
    assert User.objects.filter(role=Role.ANALYST).exists()
    assert User.objects.filter(role=Role.COHOST).values("organisation").distinct().count() == 2
    printed = capsys.readouterr().out
    assert "organiser@outreach.example" in printed
    assert "analyst@outreach.example" in printed


def test_seed_demo_twice_changes_nothing():
    call_command("seed_demo")
    first = snapshot()

    call_command("seed_demo")

    assert snapshot() == first


def test_seed_demo_plans_sessions_and_registrations():
    from events.models import Session
    from registrations.models import Registration

    call_command("seed_demo")

    languages = set(Session.objects.values_list("language", flat=True))
    assert languages == {"en", "fr", "es"}
    assert Session.objects.filter(status="finished").exists()
    assert Session.objects.filter(status="published").exists()
    assert Session.objects.filter(cohosts__name__contains="Chile").exists()
    assert Session.objects.filter(series__slug="export-course").count() == 3
    statuses = set(Registration.objects.values_list("status", flat=True))
    assert statuses == {"confirmed", "waitlisted", "cancelled"}

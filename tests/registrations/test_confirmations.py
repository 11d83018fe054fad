"""Nobody registers in another's name: what the public form asks for an address it has not proved
waits for the address's owner to confirm through a single-use link (registrations.confirmations).

The attacker knows the victim's address and fills in the form while not signed in."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from outreach.models import OrganisationKind, Role, User
from registrations import confirmations, services
from registrations.models import PendingKind, PendingRegistration, Registration
from tests.factories import (
    FirmFactory,
    OrganisationFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    economy,
)

pytestmark = pytest.mark.django_db

SITE_URL = "https://outreach.example"


def form_data(**overrides) -> dict:
    data = {
        "full_name": "Mallory Impostor",
        "email": "victoria@example.org",
        "economy": "PE",
        "organisation_name": "Shell Company SAC",
        "kind": "firm",
        "size_band": "small",
        "sector": "food",
        "exporting_status": "ready",
        "job_title": "Chief Impostor",
        "time_zone": "America/Lima",
        "gender": "man",
        "shares_with_cohosts": "on",
        "consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def ministry():
    return OrganisationFactory(
        name="Ministerio de Economía", kind=OrganisationKind.GOVERNMENT, economy=economy("CL")
    )


@pytest.fixture
def session(ministry):
    return SessionFactory(
        title_en="Exporting to the EU", title_fr="Exporter vers l'UE", cohosts=[ministry]
    )


@pytest.fixture
def victim():
    firm = FirmFactory(name="Real Exports Ltd", economy=economy("CL"))
    return UserFactory(
        email="victoria@example.org",
        full_name="Victoria Real",
        organisation=firm,
        language="fr",
        time_zone="Europe/Paris",
        gender="woman",
    )


def profile(person: User) -> tuple:
    person.refresh_from_db()
    return (
        person.full_name,
        person.organisation.name,
        person.language,
        person.time_zone,
        person.gender,
    )


def what_the_cohost_sees(client, ministry, session) -> str:
    client.force_login(UserFactory(role=Role.COHOST, cohost_role="viewer", organisation=ministry))
    page = client.get(reverse("cohost:session", args=[session.pk])).content.decode()
    export = b"".join(client.get(reverse("cohost:registrants-csv", args=[session.pk])))
    client.logout()
    return page + export.decode("utf-8-sig")


def link_in(message) -> str:
    return re.search(rf"{SITE_URL}(/\w\w/registrations/confirm/[^/\s]+/)", message.body).group(1)


def test_registering_with_a_known_address_changes_and_shares_nothing_until_confirmed(
    client, session, ministry, victim, run_tasks
):
    before = profile(victim)

    response = client.post(reverse("registrations:register", args=[session.pk]), form_data())

    assert (response.status_code, response.url) == (302, f"/en/sessions/{session.pk}/registered/")
    assert Registration.objects.count() == 0
    assert profile(victim) == before
    seen = what_the_cohost_sees(client, ministry, session)
    for secret in ("Victoria", "victoria@example.org", "Mallory", "Shell Company", "Impostor"):
        assert secret not in seen
    pending = PendingRegistration.objects.get()
    assert (pending.kind, pending.person, pending.email) == (
        PendingKind.REGISTRATION,
        victim,
        "victoria@example.org",
    )
    run_tasks()
    [message] = mail.outbox
    assert message.to == ["victoria@example.org"]
    # In the person's language, not the form's.
    assert message.extra_headers["Content-Language"] == "fr"
    assert link_in(message).startswith("/fr/registrations/confirm/")
    # The email repeats nothing the form's author typed.
    for typed in ("Mallory", "Shell Company", "Impostor"):
        assert typed not in message.body
        assert typed not in message.subject


def test_the_owner_confirms_through_the_link_and_only_then_is_registered_and_shares(
    client, session, ministry, victim, run_tasks
):
    other_session = SessionFactory(cohosts=[ministry])
    bystander = UserFactory(email="bystander@example.org", full_name="Bystander")
    bystanders_registration = RegistrationFactory(session=other_session, person=bystander)
    client.post(
        reverse("registrations:register", args=[session.pk]), form_data(job_title="Export manager")
    )
    run_tasks()
    link = link_in(mail.outbox[0])

    page = client.get(link)

    assert page.status_code == 200
    assert 'lang="fr"' in page.content.decode()
    assert "Shell Company SAC" in page.content.decode()  # what confirming would apply
    assert Registration.objects.filter(session=session).count() == 0

    response = client.post(link)

    assert response.status_code == 200
    registration = Registration.objects.get(session=session)
    assert (registration.person, registration.status, registration.job_title) == (
        victim,
        "confirmed",
        "Export manager",
    )
    assert list(registration.shared_with.all()) == [ministry]
    assert profile(victim) == (
        "Mallory Impostor",
        "Shell Company SAC",
        "fr",
        "America/Lima",
        "man",
    )
    seen = what_the_cohost_sees(client, ministry, session)
    assert "victoria@example.org" in seen
    # Nothing else moved: no registration elsewhere, the bystander as they were.
    assert Registration.objects.filter(person=victim).count() == 1
    assert profile(bystander)[0] == "Bystander"
    assert Registration.objects.get(person=bystander) == bystanders_registration
    assert not Registration.objects.get(person=bystander).shares_with_cohosts


def test_a_confirmation_link_works_once(client, session, victim, run_tasks):
    client.post(reverse("registrations:register", args=[session.pk]), form_data())
    run_tasks()
    link = link_in(mail.outbox[0]).replace("/fr/", "/en/")
    client.post(link)

    again = client.post(link)
    opened = client.get(link)

    assert (again.status_code, opened.status_code) == (410, 410)
    assert "This link was used already" in again.content.decode()
    assert Registration.objects.filter(session=session).count() == 1


@pytest.mark.parametrize(
    "forge",
    ["flipped signature", "another id", "unsigned id", "garbage"],
)
def test_a_tampered_link_is_refused_with_a_clear_page_in_the_persons_language(
    client, session, victim, run_tasks, forge
):
    client.post(reverse("registrations:register", args=[session.pk]), form_data())
    run_tasks()
    token = link_in(mail.outbox[0]).split("/")[-2]
    pending = PendingRegistration.objects.get()
    forged = {
        "flipped signature": token[:-1] + ("A" if token[-1] != "A" else "B"),
        "another id": signing.dumps(pending.pk + 1, salt=confirmations.SALT),
        "unsigned id": str(pending.pk),
        "garbage": "%3Cscript%3E",
    }[forge]

    response = client.post(f"/fr/registrations/confirm/{forged}/")

    assert response.status_code == 404
    assert "Ce lien n’est pas valide" in response.content.decode()
    assert Registration.objects.count() == 0
    assert PendingRegistration.objects.get().confirmed_at is None


def test_a_link_older_than_a_week_has_expired(client, session, victim):
    client.post(reverse("registrations:register", args=[session.pk]), form_data())
    pending = PendingRegistration.objects.get()
    eight_days_ago = (timezone.now() - timedelta(days=8)).timestamp()
    with mock.patch("django.core.signing.time.time", return_value=eight_days_ago):
        token = confirmations.confirmation_token(pending)

    response = client.post(f"/en/registrations/confirm/{token}/")

    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert Registration.objects.count() == 0


def test_the_link_stops_working_once_the_address_is_no_longer_the_persons(client, session, victim):
    client.post(reverse("registrations:register", args=[session.pk]), form_data())
    token = confirmations.confirmation_token(PendingRegistration.objects.get())
    User.objects.filter(pk=victim.pk).update(email="victoria.new@example.org")

    response = client.post(f"/en/registrations/confirm/{token}/")

    assert response.status_code == 404
    assert Registration.objects.count() == 0


def test_a_person_who_can_no_longer_sign_in_is_not_written_to(client, session, victim, run_tasks):
    User.objects.filter(pk=victim.pk).update(is_active=False)

    client.post(reverse("registrations:register", args=[session.pk]), form_data())
    run_tasks()

    assert mail.outbox == []


def test_a_new_address_registers_at_once_but_shares_only_once_proven(
    client, session, ministry, run_tasks
):
    client.post(
        reverse("registrations:register", args=[session.pk]),
        form_data(email="newcomer@example.org", full_name="Nora Newcomer"),
    )

    registration = Registration.objects.get()
    assert (registration.person.email, registration.status) == ("newcomer@example.org", "confirmed")
    assert (registration.shares_with_cohosts, list(registration.shared_with.all())) == (False, [])
    assert "Nora Newcomer" not in what_the_cohost_sees(client, ministry, session)
    run_tasks(include_deferred=False)
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == [
        "Please confirm that your details may be shared: Exporting to the EU",
        "You are registered: Exporting to the EU",
    ]
    request = next(m for m in mail.outbox if m.subject.startswith("Please confirm"))
    assert "Ministerio de Economía" in request.body

    response = client.post(link_in(request))

    assert response.status_code == 200
    registration.refresh_from_db()
    assert registration.shares_with_cohosts is True
    assert list(registration.shared_with.all()) == [ministry]
    seen = what_the_cohost_sees(client, ministry, session)
    assert "Nora Newcomer" in seen
    assert "newcomer@example.org" in seen


def test_a_double_click_by_a_new_address_registers_once_and_asks_nothing_more(
    client, session, run_tasks
):
    data = form_data(email="newcomer@example.org", shares_with_cohosts=None)

    answers = [
        client.post(reverse("registrations:register", args=[session.pk]), data) for _ in range(2)
    ]

    assert [a.status_code for a in answers] == [302, 302]
    assert Registration.objects.count() == 1
    assert PendingRegistration.objects.count() == 0
    run_tasks(include_deferred=False)
    assert [m.subject for m in mail.outbox] == ["You are registered: Exporting to the EU"]


def test_a_new_address_that_does_not_share_gets_no_link(client, session, run_tasks):
    client.post(
        reverse("registrations:register", args=[session.pk]),
        form_data(email="newcomer@example.org", shares_with_cohosts=None),
    )

    run_tasks(include_deferred=False)

    assert PendingRegistration.objects.count() == 0
    assert [m.subject for m in mail.outbox] == ["You are registered: Exporting to the EU"]


def test_a_signed_in_person_registers_and_shares_at_once(client, session, ministry, victim):
    client.force_login(victim)

    client.post(
        reverse("registrations:register", args=[session.pk]), form_data(full_name="Victoria Real")
    )

    registration = Registration.objects.get()
    assert registration.person == victim
    assert list(registration.shared_with.all()) == [ministry]
    assert PendingRegistration.objects.count() == 0
    assert profile(victim)[:2] == ("Victoria Real", "Shell Company SAC")


def test_a_held_registration_takes_no_seat_until_confirmed(client, victim, run_tasks):
    session = SessionFactory(capacity=1)
    client.post(
        reverse("registrations:register", args=[session.pk]), form_data(shares_with_cohosts=None)
    )
    run_tasks()
    link = link_in(mail.outbox[0])
    someone_else = UserFactory()
    services.register(session, person=someone_else, organisation=someone_else.organisation)

    client.post(link)

    assert Registration.objects.get(person=victim).status == "waitlisted"


def test_confirming_after_registration_closed_records_nothing(client, session, victim, run_tasks):
    client.post(reverse("registrations:register", args=[session.pk]), form_data())
    run_tasks()
    session.registration_closes_at = timezone.now() - timedelta(minutes=1)
    session.save(update_fields=["registration_closes_at"])

    response = client.post(link_in(mail.outbox[0]))

    assert response.status_code == 409
    assert Registration.objects.count() == 0
    assert PendingRegistration.objects.get().confirmed_at is None


def test_the_thanks_page_says_the_same_for_a_known_address_registered_or_not(
    client, session, victim
):
    # A new address is registered at once and its page shows the outcome (the visitor made
    # that registration); a known one shows only that an email went if the address is known,
    # the same words whether its owner is registered for the session or not.
    not_registered = client.post(
        reverse("registrations:register", args=[session.pk]), form_data(), follow=True
    )
    services.register(session, person=victim, organisation=victim.organisation)
    registered = client.post(
        reverse("registrations:register", args=[session.pk]), form_data(), follow=True
    )

    assert not_registered.content == registered.content
    assert b"Victoria Real" not in registered.content
    assert "If <strong>victoria@example.org</strong> is already known to us" in (
        registered.content.decode()
    )


def test_the_confirmation_request_is_sent_once(session, victim, run_tasks):
    data = {
        **form_data(),
        "economy": economy("PE"),
        "shares_with_cohosts": True,
    }
    pending = services.register_from_form(session, data=data, person=None, language="en")
    run_tasks()

    assert confirmations.send_confirmation_request.call(pending.pk) is False
    assert len(mail.outbox) == 1

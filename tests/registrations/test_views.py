import csv
import io
import threading

import pytest
from django.core import mail
from django.db import connection, transaction
from django.urls import reverse

from events.models import Session
from outreach.models import Organisation, User
from registrations import services
from registrations.models import PendingRegistration, Registration
from tests.factories import (
    OrganiserFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    economy,
    registration_form,
)
from tests.queries import assert_same_queries_for_1_and_more

pytestmark = pytest.mark.django_db


def form_data(**overrides) -> dict:
    return registration_form(**{"women_led": "on", **overrides})


def register_url(session, language="es") -> str:
    return f"/{language}/sessions/{session.pk}/register/"


def test_registering_needs_one_form_and_no_password(client, run_tasks):
    session = SessionFactory()

    response = client.post(register_url(session), form_data())

    assert response.status_code == 302
    assert response.url == f"/es/sessions/{session.pk}/registered/"
    registration = Registration.objects.get()
    person = registration.person
    assert (person.email, person.full_name, person.language) == (
        "lucia@example.org",
        "Lucía Pérez",
        "es",
    )
    assert not person.has_usable_password()
    firm = registration.organisation
    assert (firm.name, firm.economy_id, firm.kind, firm.size_band, firm.women_led) == (
        "Andes Café",
        "CL",
        "firm",
        "micro",
        True,
    )
    assert registration.consent_version == "2026-11"
    run_tasks(include_deferred=False)
    assert [m.to for m in mail.outbox] == [["lucia@example.org"]]


def test_a_signed_in_person_finds_the_form_filled_in(client):
    person = UserFactory(full_name="Kofi Mensah", time_zone="Africa/Accra")
    client.force_login(person)

    form = client.get(register_url(SessionFactory(), "en")).context["form"]

    assert form.initial["full_name"] == "Kofi Mensah"
    assert form.initial["organisation_name"] == person.organisation.name
    assert form.initial["time_zone"] == "Africa/Accra"
    assert form.fields["email"].disabled


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"email": "not-an-email"},
            "email",
            "Introduzca una dirección de correo electrónico válida.",
        ),
        ({"economy": "XX"}, "economy", None),
        ({"consent": None}, "consent", None),
        ({"size_band": ""}, "size_band", None),
    ],
)
def test_bad_input_gets_a_translated_error_and_changes_nothing(client, changes, field, message):
    session = SessionFactory()

    response = client.post(register_url(session), form_data(**changes))

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors
    if message:
        assert errors[field] == [message]
    assert Registration.objects.count() == 0
    assert not User.objects.filter(email="lucia@example.org").exists()
    assert not Organisation.objects.filter(name="Andes Café").exists()


@pytest.mark.parametrize("status", ["cancelled", "draft"])
def test_a_cancelled_or_draft_session_takes_no_registration(client, status):
    session = SessionFactory(status=status)
    client.force_login(OrganiserFactory()) if status == "draft" else None

    response = client.post(register_url(session), form_data())

    assert response.status_code == 200
    assert "registration-form" not in response.content.decode()
    assert Registration.objects.count() == 0


def test_a_non_firm_is_not_asked_firm_questions(client):
    session = SessionFactory()

    client.post(
        register_url(session),
        form_data(kind="support", size_band="", sector="", exporting_status="", women_led=None),
    )

    organisation = Registration.objects.get().organisation
    assert (organisation.kind, organisation.size_band) == ("support", "")


def test_the_same_answer_whether_the_email_is_known_or_not(client):
    session = SessionFactory()
    UserFactory(email="known@example.org")

    known = client.post(register_url(session), form_data(email="known@example.org"))
    unknown = client.post(register_url(session), form_data(email="unknown@example.org"))
    again = client.post(register_url(session), form_data(email="unknown@example.org"))

    assert {(r.status_code, r.url) for r in (known, unknown, again)} == {
        (302, f"/es/sessions/{session.pk}/registered/")
    }


def test_a_filled_honeypot_gets_the_same_answer_and_writes_nothing(client):
    session = SessionFactory()

    response = client.post(register_url(session), form_data(website="http://spam.example"))

    assert (response.status_code, response.url) == (302, f"/es/sessions/{session.pk}/registered/")
    assert Registration.objects.count() == 0


def test_registering_is_limited_per_address(client, settings):
    settings.OUTREACH_REGISTER_LIMIT_PER_EMAIL = "2/h"
    sessions = SessionFactory.create_batch(3)

    answers = [client.post(register_url(s), form_data()).status_code for s in sessions]

    assert answers == [302, 302, 429]
    # The first creates the person; the second, for an address known by then, waits for the
    # owner's confirmation (registrations.confirmations); the third is refused.
    assert (Registration.objects.count(), PendingRegistration.objects.count()) == (1, 1)


def test_registering_is_limited_per_network_and_a_forged_forwarded_for_does_not_help(
    client, settings
):
    settings.OUTREACH_REGISTER_LIMIT_PER_NETWORK = "2/10m"
    session = SessionFactory()

    answers = [
        client.post(
            register_url(session),
            form_data(email=f"p{n}@example.org"),
            REMOTE_ADDR=f"203.0.113.{n}",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        ).status_code
        for n in range(3)
    ]

    assert answers == [302, 302, 429]


def test_behind_a_trusted_proxy_the_forwarded_address_counts(client, settings):
    settings.OUTREACH_REGISTER_LIMIT_PER_NETWORK = "1/10m"
    # outreach.settings sets allauth's count from OUTREACH_TRUSTED_PROXY_COUNT (test_startup).
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    session = SessionFactory()

    answers = [
        client.post(
            register_url(session),
            form_data(email=f"p{n}@example.org"),
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"forged, 198.51.{n}.7",
        ).status_code
        for n in range(2)
    ]

    assert answers == [302, 302]


def test_a_tampered_cancel_link_gets_a_clear_answer_and_changes_nothing(client):
    registration = RegistrationFactory()

    response = client.post(f"/fr/registrations/{registration.token}x/cancel/")

    assert response.status_code == 404
    assert "registrations/bad_link.html" in [t.name for t in response.templates]
    registration.refresh_from_db()
    assert registration.status == "confirmed"


def test_opening_the_cancel_link_asks_first_and_the_button_cancels(client):
    session = SessionFactory(capacity=1)
    person = UserFactory()
    registration = services.register(session, person=person, organisation=person.organisation)
    url = f"/fr/registrations/{registration.token}/cancel/"

    client.get(url)
    registration.refresh_from_db()
    assert registration.status == "confirmed"

    response = client.post(url)

    registration.refresh_from_db()
    assert response.status_code == 200
    assert registration.status == "cancelled"
    assert Session.objects.get(pk=session.pk).confirmed_count == 0


def test_my_sessions_lists_a_persons_registrations_and_private_feed(client):
    registration = RegistrationFactory()
    RegistrationFactory()  # someone else's
    client.force_login(registration.person)

    response = client.get(reverse("registrations:my-sessions"))

    assert [r.pk for r in response.context["upcoming"]] == [registration.pk]
    assert registration.person.calendar_token in response.content.decode()


def test_my_sessions_needs_signing_in(client):
    assert client.get(reverse("registrations:my-sessions")).status_code == 302


def test_the_personal_feed_holds_a_persons_seats_and_no_join_link(client):
    registration = RegistrationFactory()
    RegistrationFactory(
        person=registration.person, status="waitlisted", waitlisted_at=registration.created_at
    )
    RegistrationFactory()

    response = client.get(f"/feeds/people/{registration.person.calendar_token}.ics")

    body = response.content.decode()
    assert body.count("BEGIN:VEVENT") == 1
    assert "secret-join-link" not in body
    assert client.get("/feeds/people/guessed-token.ics").status_code == 404


def test_the_join_link_shows_on_the_session_page_only_to_a_confirmed_registrant(client):
    registration = RegistrationFactory()
    url = registration.session.get_absolute_url()

    assert "secret-join-link" not in client.get(url).content.decode()
    client.force_login(UserFactory())
    assert "secret-join-link" not in client.get(url).content.decode()
    client.force_login(registration.person)
    assert "secret-join-link" in client.get(url).content.decode()


def test_a_full_session_page_says_registering_joins_the_waitlist(client):
    session = SessionFactory(capacity=1, confirmed_count=1)

    html = client.get(session.get_absolute_url()).content.decode()

    assert "join the waitlist" in html


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's lock_timeout")
@pytest.mark.django_db(transaction=True)
def test_a_session_locked_too_long_answers_try_again_not_an_error(client, settings):
    settings.OUTREACH_LOCK_TIMEOUT_MS = 200
    session = SessionFactory()
    locked = threading.Event()
    release = threading.Event()

    def hold_the_session():
        with transaction.atomic():
            Session.objects.select_for_update().get(pk=session.pk)
            locked.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold_the_session)
    holder.start()
    locked.wait(5)
    try:
        response = client.post(register_url(session), form_data())
    finally:
        release.set()
        holder.join()

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert Registration.objects.count() == 0


# --- Organisers ------------------------------------------------------------------------------


def manage_urls(session, registration) -> list[str]:
    return [
        reverse("registrations:manage", args=[session.pk]),
        reverse("registrations:manage-csv", args=[session.pk]),
    ]


def test_registration_lists_are_for_organisers_only(client):
    registration = RegistrationFactory()
    session = registration.session

    for url in manage_urls(session, registration):
        assert client.get(url).status_code == 302
    client.force_login(registration.person)
    for url in manage_urls(session, registration):
        assert client.get(url).status_code == 403
    response = client.post(
        reverse("registrations:manage-action", args=[session.pk, registration.pk]),
        {"action": "cancel", "confirmed": "1"},
    )
    assert response.status_code == 403
    registration.refresh_from_db()
    assert registration.status == "confirmed"


def test_organisers_search_and_filter_registrations(client):
    session = SessionFactory()
    chile = RegistrationFactory(session=session, person__full_name="Camila Rojas")
    chile.organisation.economy = economy("CL")
    chile.organisation.save()
    kenya = RegistrationFactory(session=session, person__full_name="James Mwangi")
    kenya.organisation.economy = economy("KE")
    kenya.organisation.save()
    client.force_login(OrganiserFactory())
    url = reverse("registrations:manage", args=[session.pk])

    by_name = client.get(url, {"q": "camila"}).context["registrations"]
    by_economy = client.get(url, {"economy": "ke"}).context["registrations"]

    assert [r.pk for r in by_name] == [chile.pk]
    assert [r.pk for r in by_economy] == [kenya.pk]


def test_the_csv_export_is_safe_to_open_in_a_spreadsheet(client):
    registration = RegistrationFactory(person__full_name='=HYPERLINK("http://evil")')
    client.force_login(OrganiserFactory())

    response = client.get(reverse("registrations:manage-csv", args=[registration.session.pk]))

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Name", "Email", "Organisation"]
    assert rows[1][0] == '\'=HYPERLINK("http://evil")'


def test_an_organiser_moves_people_by_hand(client):
    session = SessionFactory(capacity=1)
    holder, waiting = (
        services.register(session, person=p, organisation=p.organisation)
        for p in UserFactory.create_batch(2)
    )
    client.force_login(OrganiserFactory())
    base = f"/en/manage/sessions/{session.pk}/registrations"

    client.post(f"{base}/{holder.pk}/", {"action": "waitlist"})
    client.post(f"{base}/{waiting.pk}/", {"action": "confirm"})

    holder.refresh_from_db()
    waiting.refresh_from_db()
    assert (holder.status, waiting.status) == ("waitlisted", "confirmed")
    assert Session.objects.get(pk=session.pk).confirmed_count == 1


def test_the_organiser_list_keeps_its_query_count(client):
    session = SessionFactory(capacity=100)
    client.force_login(OrganiserFactory())

    assert_same_queries_for_1_and_more(
        client,
        reverse("registrations:manage", args=[session.pk]),
        lambda count: RegistrationFactory.create_batch(count, session=session),
        more=31,
    )


def test_a_title_with_line_breaks_cannot_inject_mail_headers(run_tasks):
    session = SessionFactory(title_en="Trade\r\nBcc: everyone@example.org")
    person = UserFactory()

    services.register(session, person=person, organisation=person.organisation)
    run_tasks(include_deferred=False)

    (message,) = mail.outbox
    assert message.subject == "You are registered: Trade Bcc: everyone@example.org"
    assert message.message()["Bcc"] is None
    assert message.bcc == []

"""Registering is unambiguous (issue 14, item 1): the thanks page says what the person got, to
them only; registering again sends the confirmation again, rate-limited; a session for other
economies warns first; the privacy notice exists in three languages."""

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from registrations import queries, services, views
from registrations.messages.emails import build_email
from registrations.models import (
    PRIVACY_NOTICE_VERSION,
    Message,
    MessageKind,
    PendingRegistration,
    Registration,
    RegistrationStatus,
)
from tests.factories import FirmFactory, SessionFactory, UserFactory, economy, registration_form

pytestmark = pytest.mark.django_db


def form_data(**overrides) -> dict:
    return registration_form(**overrides)


def register_url(session, language="en") -> str:
    return f"/{language}/sessions/{session.pk}/register/"


def thanks_url(session, language="en") -> str:
    return f"/{language}/sessions/{session.pk}/registered/"


def waitlist(session, count: int, *, start) -> list[Registration]:
    """`count` people waiting at `session`, in that order."""
    people = []
    for index in range(count):
        person = UserFactory()
        people.append(
            services.register(
                session,
                person=person,
                organisation=person.organisation,
                now=start + timedelta(minutes=index),
            )
        )
    return people


# --- Place in line ----------------------------------------------------------------------------


def test_place_in_line_counts_the_people_ahead_at_the_same_session_only():
    now = timezone.now()
    full = SessionFactory(capacity=0)
    other = SessionFactory(capacity=0)
    waitlist(other, 3, start=now - timedelta(hours=2))  # earlier, at another session
    first, second, third = waitlist(full, 3, start=now - timedelta(hours=1))

    places = [queries.waitlist_place(r) for r in (first, second, third)]

    assert places == [1, 2, 3]
    assert queries.waitlist_places([third, first]) == {first.pk: 1, third.pk: 3}


def test_place_in_line_follows_promotion():
    now = timezone.now()
    session = SessionFactory(capacity=0)
    first, second, third = waitlist(session, 3, start=now - timedelta(hours=1))
    session.capacity = 1
    session.save(update_fields=["capacity"])

    promoted = services.promote_from_waitlist(session)

    assert promoted == [first]
    second.refresh_from_db()
    third.refresh_from_db()
    assert [queries.waitlist_place(r) for r in (second, third)] == [1, 2]


def test_a_confirmed_registration_has_no_place_in_line():
    session = SessionFactory()
    person = UserFactory()
    registration = services.register(session, person=person, organisation=person.organisation)

    assert queries.waitlist_place(registration) is None


def test_the_waitlist_email_gives_the_place_in_line_and_leave_the_waitlist(run_tasks):
    now = timezone.now()
    session = SessionFactory(capacity=0)
    _first, second = waitlist(session, 2, start=now - timedelta(hours=1))
    message = Message.objects.get(registration=second, kind=MessageKind.WAITLISTED)

    email = build_email(message)

    assert "You are number 2 in line." in email.body
    cancel = f"https://outreach.example/en/registrations/{second.token}/cancel/"
    assert f"Leave the waitlist in one click: {cancel}" in email.body
    assert "Cancel your registration" not in email.body


# --- The thanks page --------------------------------------------------------------------------


def test_the_thanks_page_says_you_have_a_seat_with_the_address_and_calendar(client):
    session = SessionFactory(title_en="Rules of origin")

    response = client.post(register_url(session), form_data(), follow=True)

    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1>You have a seat</h1>" in page
    assert "to <strong>lucia@example.org</strong>" in page
    assert f'href="/en/sessions/{session.pk}/calendar.ics"' in page
    assert "https://calendar.google.com/calendar/render?" in page
    assert 'href="/en/my-sessions/"' in page


def test_the_thanks_page_gives_the_place_on_the_waitlist_without_a_calendar(client):
    session = SessionFactory(capacity=0)
    waitlist(session, 2, start=timezone.now() - timedelta(hours=1))

    response = client.post(register_url(session), form_data(), follow=True)

    page = response.content.decode()
    assert "<h1>You are number 3 on the waitlist</h1>" in page
    assert "the waitlist notice to <strong>lucia@example.org</strong>" in page
    assert "calendar.ics" not in page


def test_the_thanks_page_shows_the_outcome_to_no_other_browser(client):
    session = SessionFactory()
    client.post(register_url(session), form_data())

    stranger = Client().get(thanks_url(session))

    page = stranger.content.decode()
    assert stranger.status_code == 200
    assert "lucia@example.org" not in page
    assert "You have a seat" not in page


def test_the_thanks_page_forgets_the_outcome_after_an_hour(client):
    session = SessionFactory()
    client.post(register_url(session), form_data())
    signer = signing.get_cookie_signer(
        salt=signing._cookie_signer_salt(views.THANKS_KEY, views.THANKS_SALT)
    )
    remembered = json.loads(signer.unsign(client.cookies[views.THANKS_KEY].value))
    entry = remembered[str(session.pk)]
    entry["at"] = (timezone.now() - timedelta(hours=1, minutes=1)).isoformat()
    client.cookies[views.THANKS_KEY] = signer.sign(json.dumps(remembered))

    response = client.get(thanks_url(session))

    assert "You have a seat" not in response.content.decode()


def test_a_remembered_outcome_not_signed_by_the_server_shows_nothing(client):
    session = SessionFactory()
    client.post(register_url(session), form_data())
    assert "You have a seat" in client.get(thanks_url(session)).content.decode()
    signer = signing.get_cookie_signer(
        salt=signing._cookie_signer_salt(views.THANKS_KEY, views.THANKS_SALT)
    )
    remembered = json.loads(signer.unsign(client.cookies[views.THANKS_KEY].value))
    forged = json.dumps(remembered)  # the same outcome, its signature gone
    client.cookies[views.THANKS_KEY] = forged

    response = client.get(thanks_url(session))

    assert "You have a seat" not in response.content.decode()
    assert "lucia@example.org" not in response.content.decode()


def test_registering_writes_no_login_session(client):
    session = SessionFactory()

    client.post(register_url(session), form_data())

    assert settings_session_cookie(client) is None


def test_a_host_header_changes_no_link_on_the_thanks_page(client, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver", "evil.example"]
    session = SessionFactory()
    client.post(register_url(session), form_data())

    response = client.get(thanks_url(session), HTTP_HOST="evil.example")

    assert "You have a seat" in response.content.decode()
    assert "evil.example" not in response.content.decode()


# --- Registering again ------------------------------------------------------------------------


def test_registering_again_sends_the_confirmation_again_once_in_ten_minutes(client, run_tasks):
    session = SessionFactory()
    person = UserFactory(email="lucia@example.org")
    services.register(session, person=person, organisation=person.organisation)
    run_tasks()
    Message.objects.update(created_at=timezone.now() - timedelta(minutes=11))
    client.force_login(person)
    mail.outbox.clear()

    again = client.post(register_url(session), form_data(), follow=True)
    run_tasks()
    too_soon = client.post(register_url(session), form_data(), follow=True)
    run_tasks()

    assert [m.subject for m in mail.outbox] == [f"You are registered: {session.title_en}"]
    assert "we sent your confirmation again" in again.content.decode()
    assert "Your confirmation was sent less than 10 minutes ago" in too_soon.content.decode()
    assert Registration.objects.get().status == RegistrationStatus.CONFIRMED


def test_resend_own_confirmation_sends_a_waiting_person_their_waitlist_notice():
    session = SessionFactory(capacity=0)
    (registration,) = waitlist(session, 1, start=timezone.now() - timedelta(hours=1))
    Message.objects.update(created_at=timezone.now() - timedelta(minutes=11))

    message = services.resend_own_confirmation(registration)

    assert (message.kind, services.resend_own_confirmation(registration)) == (
        MessageKind.WAITLISTED,
        None,
    )


def test_a_stranger_typing_a_registered_address_learns_nothing_more(client, run_tasks):
    session = SessionFactory(capacity=0)
    firm = FirmFactory(name="Real Exports Ltd", economy=economy("CL"))
    owner = UserFactory(email="owner@example.org", full_name="Olga Owner", organisation=firm)
    services.register(session, person=owner, organisation=firm)
    run_tasks()
    Message.objects.update(created_at=timezone.now() - timedelta(minutes=11))
    mail.outbox.clear()

    response = client.post(
        register_url(session),
        form_data(email="owner@example.org", full_name="Mallory"),
        follow=True,
    )
    run_tasks()

    page = response.content.decode()
    assert (
        "If <strong>owner@example.org</strong> is already known to us, we sent it an email: the "
        "confirmation again if it is registered for this session, or a link to confirm the "
        "registration with one click (it is recorded only then)."
    ) in page
    for secret in ("Olga Owner", "Real Exports", "waitlist</h1>", "number 1", "You have a seat"):
        assert secret not in page
    # Its owner gets their own waitlist notice again, and nothing of the stranger's form applies.
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["owner@example.org"], f"You are on the waitlist: {session.title_en}")
    ]
    owner.refresh_from_db()
    assert (owner.full_name, PendingRegistration.objects.count()) == ("Olga Owner", 0)


def test_a_stranger_typing_a_known_address_not_registered_reads_the_same_words(client):
    session = SessionFactory()
    UserFactory(email="owner@example.org", full_name="Olga Owner")

    response = client.post(register_url(session), form_data(email="owner@example.org"), follow=True)

    page = response.content.decode()
    assert "If <strong>owner@example.org</strong> is already known to us" in page
    assert "Olga Owner" not in page
    assert Registration.objects.count() == 0


# --- A session for other economies ------------------------------------------------------------


def test_an_economy_the_session_is_not_for_is_warned_about_before_anything_is_recorded(client):
    session = SessionFactory(target_economies=[economy("PE"), economy("CO")])

    first = client.post(register_url(session), form_data(economy="CL"))
    confirmed = client.post(register_url(session), form_data(economy="CL", register_anyway="on"))

    page = first.content.decode()
    assert first.status_code == 400
    assert "This session is meant for organisations of Colombia, Peru." in page
    assert 'name="register_anyway"' in page
    assert 'href="#id_economy"' in page
    assert confirmed.status_code == 302
    assert Registration.objects.get().economy_id == "CL"


def test_an_economy_the_session_is_for_is_not_warned_about(client):
    session = SessionFactory(target_economies=[economy("CL")])

    response = client.post(register_url(session), form_data(economy="CL"))

    assert response.status_code == 302


def test_the_form_offers_no_register_anyway_box_without_a_warning(client):
    session = SessionFactory(target_economies=[economy("PE")])

    response = client.get(register_url(session))

    assert 'name="register_anyway"' not in response.content.decode()


# --- The form's errors ------------------------------------------------------------------------


def test_the_error_summary_links_each_field_in_error_and_is_focused(client):
    session = SessionFactory()

    response = client.post(
        register_url(session), form_data(size_band="", sector=None, consent=None, kind=None)
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert 'tabindex="-1" autofocus' in page
    kind = '<a class="alert-link" href="#id_kind_0">You represent: This field is required.</a>'
    assert kind in page
    assert 'href="#id_consent">' in page
    assert "Size of the firm (required for firms)" in page


def test_a_firm_that_leaves_its_questions_empty_is_sent_to_each(client):
    session = SessionFactory()

    response = client.post(register_url(session), form_data(size_band="", sector=""))

    page = response.content.decode()
    assert 'href="#id_size_band">Size of the firm (required for firms): Please answer' in page
    assert 'href="#id_sector">Main sector (required for firms): Please answer' in page


# --- Full sessions ----------------------------------------------------------------------------


def test_a_full_session_says_full_join_the_waitlist_and_offers_no_calendar_entry(client):
    session = SessionFactory(capacity=0, title_en="Packed")

    catalogue = client.get(reverse("events:catalogue")).content.decode()
    detail = client.get(session.get_absolute_url()).content.decode()
    form = client.get(register_url(session)).content.decode()

    assert "Full: join the waitlist" in catalogue
    assert "0 seats left" not in catalogue
    assert detail.count("Full: join the waitlist") == 2  # the seats line and the button
    assert "calendar.ics" not in detail
    assert '<button class="btn btn-primary" type="submit">Full: join the waitlist</button>' in form


def test_a_hybrid_session_card_shows_its_venue(client):
    SessionFactory(format="hybrid", venue="Palais des Nations, Geneva")

    catalogue = client.get(reverse("events:catalogue")).content.decode()

    assert "Venue: Palais des Nations, Geneva" in catalogue


# --- The privacy notice -----------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_the_privacy_notice_exists_in_each_language_with_its_version(client, language):
    with translation.override(language):
        url = reverse("registrations:privacy")

    response = client.get(url)

    page = response.content.decode()
    assert (url, response.status_code) == (f"/{language}/privacy/", 200)
    assert f'<html lang="{language}"' in page
    assert PRIVACY_NOTICE_VERSION in page
    assert "mailto:" in page


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_the_consent_box_links_the_privacy_notice(client, language):
    session = SessionFactory()

    page = client.get(register_url(session, language)).content.decode()

    assert f'<a href="/{language}/privacy/">' in page


def test_the_consent_records_the_notices_version(client):
    session = SessionFactory()

    client.post(register_url(session), form_data())

    assert Registration.objects.get().consent_version == PRIVACY_NOTICE_VERSION


def test_the_privacy_notice_lists_each_series_retention_period(client):
    from tests.factories import SeriesFactory

    SeriesFactory(title_en="Open webinars", retention_months=24)

    page = client.get("/en/privacy/").content.decode()

    assert "Open webinars: 24 months" in page


# --- My sessions ------------------------------------------------------------------------------


def test_my_sessions_shows_the_join_link_and_a_calendar_button_for_a_seat(client):
    person = UserFactory()
    seat = SessionFactory(title_en="With a seat")
    in_person = SessionFactory(title_en="In Geneva", format="in_person", venue="Palais")
    full = SessionFactory(title_en="Full one", capacity=0)
    for session in (seat, in_person, full):
        services.register(session, person=person, organisation=person.organisation)
    client.force_login(person)

    page = client.get(reverse("registrations:my-sessions")).content.decode()

    assert page.count("https://meet.example.org/j/secret-join-link") == 1
    assert f'href="/en/sessions/{seat.pk}/calendar.ics"' in page
    assert f'href="/en/sessions/{in_person.pk}/calendar.ics"' in page
    assert f'href="/en/sessions/{full.pk}/calendar.ics"' not in page
    assert "Venue: Palais" in page
    assert "On the waitlist: number 1 in line" in page
    assert "Leave the waitlist" in page


def test_the_owner_confirming_through_the_emailed_link_sees_their_seat(client, run_tasks):
    session = SessionFactory()
    owner = UserFactory(email="owner@example.org")
    client.post(register_url(session), form_data(email="owner@example.org"))
    run_tasks()
    (request,) = mail.outbox
    link = next(word for word in request.body.split() if "/registrations/confirm/" in word)

    response = client.post(link.replace("https://outreach.example", ""))

    page = response.content.decode()
    assert "<h1>You have a seat</h1>" in page
    assert "to <strong>owner@example.org</strong>" in page
    assert Registration.objects.get().person == owner


def settings_session_cookie(client):
    return client.cookies.get(settings.SESSION_COOKIE_NAME)

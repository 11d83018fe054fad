"""Webhooks: signed deliveries to a real local receiver, retries with backoff, what each
subscriber's payload may hold, refused private receivers, replays, and one delivery per event."""

import hashlib
import hmac
import json
import logging
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from api.models import DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookSubscription
from api.webhooks import services as webhooks
from api.webhooks.forms import SubscriptionForm
from events import services as events
from outreach.models import AuditAction, AuditEntry, CohostRole, OrganisationKind, Role
from registrations import services as registrations
from registrations.attendance.services import check_in
from registrations.surveys import services as surveys
from tests.factories import (
    FirmFactory,
    OrganisationFactory,
    OrganiserFactory,
    RegistrationFactory,
    SessionFactory,
    SurveyInvitationFactory,
    UserFactory,
)

ALL_EVENTS = list(WebhookEvent.values)


# --- A real receiver on loopback ----------------------------------------------------------------


class Receiver:
    """An HTTP server on 127.0.0.1 in a thread: answers each POST with the next status of
    `answers` (the last one repeated), and keeps what it received."""

    def __init__(self, answers=(200,)):
        self.answers = list(answers)
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                receiver.received.append(
                    {"headers": dict(self.headers), "body": self.rfile.read(length)}
                )
                status = receiver.answers[min(len(receiver.received), len(receiver.answers)) - 1]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def independent_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The documented scheme written again here: hex HMAC-SHA256 of "<ts>.<body>"."""
    return hmac.new(
        secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256
    ).hexdigest()


# --- The world ----------------------------------------------------------------------------------


@pytest.fixture
def world(db):
    organisers = OrganiserFactory().organisation
    ministry_a = OrganisationFactory(name="Ministry A", kind=OrganisationKind.GOVERNMENT)
    ministry_b = OrganisationFactory(name="Ministry B", kind=OrganisationKind.GOVERNMENT)
    return {
        "organisers": organisers,
        "a": ministry_a,
        "b": ministry_b,
        "session_a": SessionFactory(cohosts=[ministry_a]),
        "session_b": SessionFactory(cohosts=[ministry_b]),
    }


def subscribe(organisation, url="https://receiver.example/hook", events=ALL_EVENTS):
    return WebhookSubscription.objects.create(
        organisation=organisation, url=url, events=events, secret=webhooks.new_secret()
    )


def deliveries_of(subscription, event=None):
    found = WebhookDelivery.objects.filter(subscription=subscription)
    return list(found.filter(event=event) if event else found)


def register(session, *, shares, name="Ana Flores"):
    person = UserFactory(full_name=name)
    return registrations.register(
        session, person=person, organisation=person.organisation, shares_with_cohosts=shares
    )


# --- Signing ------------------------------------------------------------------------------------


@override_settings(OUTREACH_WEBHOOKS_ALLOW_PRIVATE=True)
def test_a_delivery_is_signed_as_documented(world, receiver, run_tasks):
    subscription = subscribe(world["organisers"], url=receiver.url)
    registration = register(world["session_a"], shares=False)
    run_tasks()

    (got,) = receiver.received
    headers, body = got["headers"], got["body"]
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert headers["X-Outreach-Event"] == "registration.created"
    assert headers["X-Outreach-Delivery"] == str(delivery.pk)
    assert headers["Content-Type"] == "application/json"
    timestamp = headers["X-Outreach-Timestamp"]
    assert abs(int(timestamp) - timezone.now().timestamp()) < 60
    expected = independent_signature(subscription.secret, timestamp, body)
    assert headers["X-Outreach-Signature"] == f"t={timestamp},v1={expected}"
    # Any other secret, timestamp or body gives another signature.
    assert independent_signature("another secret", timestamp, body) != expected
    assert independent_signature(subscription.secret, str(int(timestamp) + 1), body) != expected
    payload = json.loads(body)
    assert payload["event"] == "registration.created"
    assert payload["session"]["id"] == world["session_a"].pk
    assert payload["registration"]["id"] == registration.pk
    assert payload["registration"]["name"] == "Ana Flores"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 1, 200)
    assert delivery.delivered_at is not None


# --- Retries ------------------------------------------------------------------------------------


@override_settings(OUTREACH_WEBHOOKS_ALLOW_PRIVATE=True)
def test_a_receiver_failing_twice_gets_three_tries_with_backoff(world, run_tasks, caplog):
    caplog.set_level(logging.INFO, logger="api.webhooks.services")
    with Receiver(answers=(500, 500, 204)) as receiver:
        subscription = subscribe(world["organisers"], url=receiver.url)
        register(world["session_b"], shares=False)

        before = timezone.now()
        run_tasks(include_deferred=False)
        delivery = WebhookDelivery.objects.get(subscription=subscription)
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.RETRYING, 1)
        assert (delivery.response_status, delivery.last_error) == (500, "HTTP 500")
        assert before + timedelta(minutes=1) <= delivery.next_attempt_at
        assert delivery.next_attempt_at <= timezone.now() + timedelta(minutes=1)
        assert len(receiver.received) == 1

        # The worker runs the retry when it is due (the queue holds it until run_after).
        run_tasks()
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 3)
        assert (delivery.response_status, delivery.last_error) == (204, "")
        assert delivery.next_attempt_at is None
    assert len(receiver.received) == 3
    # The same delivery each time, each try signed afresh.
    assert {got["headers"]["X-Outreach-Delivery"] for got in receiver.received} == {
        str(delivery.pk)
    }
    tries = [r.getMessage() for r in caplog.records if "webhook delivery" in r.getMessage()]
    assert [line.split(": ")[1] for line in tries] == [
        "retrying 500",
        "retrying 500",
        "delivered 204",
    ]


@override_settings(OUTREACH_WEBHOOKS_ALLOW_PRIVATE=True)
def test_the_second_try_waits_five_minutes_and_the_last_gives_up(world, run_tasks):
    with Receiver(answers=(503,)) as receiver:
        subscription = subscribe(world["organisers"], url=receiver.url)
        register(world["session_a"], shares=False)
        run_tasks(include_deferred=False)
        delivery = WebhookDelivery.objects.get(subscription=subscription)
        # The second try, run by hand as a worker would at its time.
        now = timezone.now()
        assert webhooks.attempt_delivery(delivery.pk, now=now) == DeliveryStatus.RETRYING
        delivery.refresh_from_db()
        assert delivery.next_attempt_at == now + timedelta(minutes=5)
        run_tasks()
    delivery.refresh_from_db()
    assert delivery.attempts == webhooks.MAX_ATTEMPTS == 6
    assert (delivery.status, delivery.response_status) == (DeliveryStatus.FAILED, 503)
    assert len(receiver.received) == 6
    # A delivery that has failed is not tried again by a stray task.
    assert webhooks.attempt_delivery(delivery.pk) == ""
    assert len(receiver.received) == 6


@override_settings(OUTREACH_WEBHOOKS_ALLOW_PRIVATE=True)
def test_a_receiver_that_cannot_be_reached_is_retried(world, run_tasks):
    with Receiver() as gone:
        url = gone.url
    subscription = subscribe(world["organisers"], url=url)
    register(world["session_a"], shares=False)
    run_tasks(include_deferred=False)
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.response_status is None
    assert "ConnectionError" in delivery.last_error


# --- What each subscriber sees ------------------------------------------------------------------


def test_a_cohost_gets_only_its_sessions_and_only_registrants_who_share_with_it(
    world, django_capture_on_commit_callbacks
):
    organisers = subscribe(world["organisers"])
    cohost_a = subscribe(world["a"])
    cohost_b = subscribe(world["b"])
    with django_capture_on_commit_callbacks(execute=True):
        sharing = register(world["session_a"], shares=True, name="Sharing Person")
        private = register(world["session_a"], shares=False, name="Private Person")
        register(world["session_b"], shares=True, name="Other Person")

    # Ministry B co-hosts neither of session A's registrations; ministry A none of session B's.
    (of_b,) = deliveries_of(cohost_b)
    assert of_b.payload["registration"]["name"] == "Other Person"
    assert of_b.payload["session"]["id"] == world["session_b"].pk
    # Ministry A hears of the person who shares with it, as its API shows a registrant...
    (of_a,) = deliveries_of(cohost_a)
    assert of_a.payload["session"]["id"] == world["session_a"].pk
    assert of_a.payload["session"]["proposed"] is False
    registrant = of_a.payload["registration"]
    assert (registrant["id"], registrant["name"], registrant["email"]) == (
        sharing.pk,
        "Sharing Person",
        sharing.person.email,
    )
    assert registrant["organisation"] == sharing.organisation.name
    # ... and not at all of the one who did not share (each event would count a hidden person).
    serialised = json.dumps(
        [d.payload for d in WebhookDelivery.objects.exclude(subscription=organisers)]
    )
    assert "Private Person" not in serialised
    assert private.person.email not in serialised
    # The organisers hear of everyone, with the staff API's fields.
    names = {d.payload["registration"]["name"] for d in deliveries_of(organisers)}
    assert names == {"Sharing Person", "Private Person", "Other Person"}
    assert "join_url" in deliveries_of(organisers)[0].payload["session"]
    assert "join_url" not in of_a.payload["session"]


def test_a_subscription_gets_only_the_events_it_chose(world, django_capture_on_commit_callbacks):
    cancellations = subscribe(world["organisers"], events=[WebhookEvent.REGISTRATION_CANCELLED])
    with django_capture_on_commit_callbacks(execute=True):
        registration = register(world["session_a"], shares=False)
    assert deliveries_of(cancellations) == []
    with django_capture_on_commit_callbacks(execute=True):
        registrations.cancel_registration(registration)
    (delivery,) = deliveries_of(cancellations)
    assert delivery.event == "registration.cancelled"
    assert delivery.payload["registration"]["status"] == "cancelled"


def test_a_paused_subscription_gets_nothing(world, django_capture_on_commit_callbacks):
    paused = subscribe(world["organisers"])
    paused.is_active = False
    paused.save()
    with django_capture_on_commit_callbacks(execute=True):
        register(world["session_a"], shares=False)
    assert deliveries_of(paused) == []


def test_session_events_reach_its_cohost_and_not_another(world, django_capture_on_commit_callbacks):
    organiser = OrganiserFactory(organisation=world["organisers"])
    cohost_a, cohost_b = subscribe(world["a"]), subscribe(world["b"])
    draft = SessionFactory(status="draft", cohosts=[world["a"]])
    with django_capture_on_commit_callbacks(execute=True):
        events.publish_session(draft, by=organiser)
    with django_capture_on_commit_callbacks(execute=True):
        events.reschedule_session(
            draft,
            starts_at=draft.starts_at + timedelta(days=1),
            ends_at=draft.ends_at + timedelta(days=1),
            by=organiser,
        )
    with django_capture_on_commit_callbacks(execute=True):
        events.cancel_session(draft, by=organiser)
    assert [d.event for d in reversed(deliveries_of(cohost_a))] == [
        "session.published",
        "session.changed",
        "session.cancelled",
    ]
    changed = deliveries_of(cohost_a, "session.changed")[0]
    assert changed.payload["change"] == "rescheduled"
    assert datetime.fromisoformat(changed.payload["session"]["starts_at"]) == draft.starts_at
    assert deliveries_of(cohost_b) == []


def test_attendance_and_survey_events(world, django_capture_on_commit_callbacks):
    organisers, cohost_a = subscribe(world["organisers"]), subscribe(world["a"])
    session = world["session_a"]
    people = [
        RegistrationFactory(session=session, person=UserFactory(organisation=FirmFactory()))
        for _ in range(6)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        check_in(people[0], by=None)
    # One attendee of six: the organisers get the figures, the co-host a small number hidden.
    (recorded,) = deliveries_of(organisers, "attendance.recorded")
    assert recorded.payload["attendance"] == {"confirmed": 6, "attended": 1}
    (hidden,) = deliveries_of(cohost_a, "attendance.recorded")
    assert hidden.payload["attendance"] == {"confirmed": None, "attended": None}
    # Checked in twice: the same figures are not delivered again.
    with django_capture_on_commit_callbacks(execute=True):
        check_in(people[0], by=None)
    assert len(deliveries_of(organisers, "attendance.recorded")) == 1
    for person in people[1:]:
        with django_capture_on_commit_callbacks(execute=True):
            check_in(person, by=None)
    latest = deliveries_of(cohost_a, "attendance.recorded")[0]
    assert latest.payload["attendance"] == {"confirmed": 6, "attended": 6}

    invitation = SurveyInvitationFactory(registration=people[0])
    with django_capture_on_commit_callbacks(execute=True):
        surveys.submit_response(invitation, {"satisfaction": 5}, language="en")
    (answered,) = deliveries_of(organisers, "survey.answered")
    response = answered.payload["response"]
    assert response["registration"]["email"] == people[0].person.email
    assert response["purpose"] == "after_session"
    assert "satisfaction" not in json.dumps(answered.payload)
    # The co-host is not told of an answer by someone who does not share with it...
    assert deliveries_of(cohost_a, "survey.answered") == []
    # ... and is, with who, of one who does.
    people[1].shares_with_cohosts = True
    people[1].save()
    people[1].shared_with.set([world["a"]])
    invitation = SurveyInvitationFactory(registration=people[1])
    with django_capture_on_commit_callbacks(execute=True):
        surveys.submit_response(invitation, {"satisfaction": 4}, language="en")
    (told,) = deliveries_of(cohost_a, "survey.answered")
    assert told.payload["response"]["registration"]["email"] == people[1].person.email
    assert "satisfaction" not in json.dumps(told.payload)


# --- One delivery per event ---------------------------------------------------------------------


def test_the_same_event_twice_is_delivered_once(world, django_capture_on_commit_callbacks):
    from registrations import signals

    subscription = subscribe(world["organisers"])
    with django_capture_on_commit_callbacks(execute=True):
        registration = register(world["session_a"], shares=False)
    signals.registration_created.send(sender=None, registration=registration)
    webhooks.registration_created(registration)
    assert len(deliveries_of(subscription)) == 1
    # Registering again after a cancellation is a new event.
    with django_capture_on_commit_callbacks(execute=True):
        registrations.cancel_registration(registration)
        registrations.register(
            world["session_a"], person=registration.person, organisation=registration.organisation
        )
    assert [d.event for d in reversed(deliveries_of(subscription))] == [
        "registration.created",
        "registration.cancelled",
        "registration.created",
    ]


# --- Private receivers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://0.0.0.0/hook",
        "https://localhost/hook",
        "https://localhost:8443/hook",
    ],
)
def test_private_and_loopback_receivers_are_refused(url):
    form = SubscriptionForm({"url": url, "events": ["registration.created"]})
    assert not form.is_valid()
    assert form.errors["url"] == [
        "This address leads to a private, local or reserved network; use a public address."
    ]


def test_a_public_https_receiver_is_accepted_and_http_is_not():
    form = SubscriptionForm({"url": "https://93.184.215.14/hook", "events": ["survey.answered"]})
    assert form.is_valid(), form.errors
    plain = SubscriptionForm({"url": "http://93.184.215.14/hook", "events": ["survey.answered"]})
    assert plain.errors["url"] == ["Use an https:// address."]


def test_a_receiver_that_became_private_is_refused_at_sending(world, receiver, run_tasks):
    """A name that resolves to loopback by the time of sending (DNS rebinding) is not called."""
    subscription = subscribe(
        world["organisers"], url=receiver.url.replace("127.0.0.1", "localhost")
    )
    register(world["session_a"], shares=False)
    run_tasks(include_deferred=False)
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.last_error == "Receiver refused: scheme."
    subscription.url = receiver.url.replace("http://", "https://")
    subscription.save()
    webhooks.attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.last_error == "Receiver refused: private."
    assert receiver.received == []


# --- The screens --------------------------------------------------------------------------------


def manager_of(organisation):
    return UserFactory(role=Role.COHOST, organisation=organisation, cohost_role=CohostRole.MANAGER)


@override_settings(OUTREACH_WEBHOOKS_ALLOW_PRIVATE=True)
def test_a_cohost_manager_subscribes_sees_deliveries_and_replays(
    world, receiver, client, run_tasks
):
    manager = manager_of(world["a"])
    client.force_login(manager)
    response = client.post(
        reverse("webhooks:create"),
        {"url": receiver.url, "events": ["registration.created", "session.changed"]},
    )
    subscription = WebhookSubscription.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("webhooks:detail", args=[subscription.pk])
    assert subscription.organisation == world["a"]
    assert subscription.events == ["registration.created", "session.changed"]
    assert len(subscription.secret) == 64

    register(world["session_a"], shares=True)
    run_tasks()
    delivery = WebhookDelivery.objects.get()
    page = client.get(reverse("webhooks:detail", args=[subscription.pk])).content.decode()
    assert subscription.secret in page
    assert f"#{delivery.pk}" in page
    assert "Delivered" in page

    response = client.post(reverse("webhooks:replay", args=[delivery.pk]))
    assert response.status_code == 302
    run_tasks()
    replay = WebhookDelivery.objects.get(replay_of=delivery)
    assert (replay.status, replay.event_id, replay.payload) == (
        DeliveryStatus.DELIVERED,
        delivery.event_id,
        delivery.payload,
    )
    assert len(receiver.received) == 2
    first, second = receiver.received
    assert first["body"] == second["body"]
    assert second["headers"]["X-Outreach-Delivery"] == str(replay.pk)

    listing = client.get(reverse("webhooks:list")).content.decode()
    assert receiver.url in listing
    assert list(
        AuditEntry.objects.filter(actor=manager).order_by("pk").values_list("action", flat=True)
    ) == [AuditAction.WEBHOOK_SUBSCRIBED, AuditAction.WEBHOOK_REPLAYED]


def test_another_organisations_subscription_and_deliveries_are_not_found(world, client):
    theirs = subscribe(world["b"])
    delivery = WebhookDelivery.objects.create(
        subscription=theirs, event="session.changed", event_id="x", payload={}
    )
    client.force_login(manager_of(world["a"]))
    assert client.get(reverse("webhooks:detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("webhooks:replay", args=[delivery.pk])).status_code == 404
    assert client.post(reverse("webhooks:delete", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("webhooks:toggle", args=[theirs.pk])).status_code == 404
    assert (
        reverse("webhooks:detail", args=[theirs.pk])
        not in client.get(reverse("webhooks:list")).content.decode()
    )
    assert WebhookDelivery.objects.filter(replay_of=delivery).count() == 0
    theirs.refresh_from_db()
    assert theirs.is_active


def test_organisers_manage_the_programmes_subscriptions(world, client):
    organiser = OrganiserFactory(organisation=world["organisers"])
    mine, cohosts = subscribe(world["organisers"]), subscribe(world["a"])
    client.force_login(organiser)
    listing = client.get(reverse("webhooks:list")).content.decode()
    assert reverse("webhooks:detail", args=[mine.pk]) in listing
    assert reverse("webhooks:detail", args=[cohosts.pk]) not in listing
    assert client.post(reverse("webhooks:toggle", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    assert not mine.is_active
    assert client.post(reverse("webhooks:delete", args=[mine.pk])).status_code == 302
    assert not WebhookSubscription.objects.filter(pk=mine.pk).exists()
    assert WebhookSubscription.objects.filter(pk=cohosts.pk).exists()


def test_a_refused_receiver_is_a_form_error_on_the_page(world, client):
    client.force_login(manager_of(world["a"]))
    response = client.post(
        reverse("webhooks:create"), {"url": "https://10.0.0.5/", "events": ["survey.answered"]}
    )
    assert response.status_code == 200
    assert "private, local or reserved network" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_the_subscription_list_and_deliveries_keep_their_query_count(world, client):
    from tests.queries import assert_same_queries_for_1_and_more

    client.force_login(manager_of(world["a"]))
    subscribe(world["b"])  # another organisation's: never listed

    def add_subscriptions(count):
        for number in range(count):
            subscription = subscribe(world["a"], url=f"https://{number}.receiver.example/")
            WebhookDelivery.objects.create(
                subscription=subscription, event="session.changed", event_id="e", payload={}
            )

    _first, last = assert_same_queries_for_1_and_more(
        client, reverse("webhooks:list"), add_subscriptions
    )
    assert last.content.decode().count("receiver.example/") == 3
    subscription = subscribe(world["a"])

    def add_deliveries(count):
        for _ in range(count):
            original = WebhookDelivery.objects.create(
                subscription=subscription,
                event="session.changed",
                event_id=f"e{WebhookDelivery.objects.count()}",
                payload={},
            )
            WebhookDelivery.objects.create(
                subscription=subscription,
                event="session.changed",
                event_id=original.event_id,
                payload={},
                replay_of=original,
            )

    assert_same_queries_for_1_and_more(
        client, reverse("webhooks:detail", args=[subscription.pk]), add_deliveries
    )


@override_settings(OUTREACH_WEBHOOKS_ALLOW_PRIVATE=True)
def test_a_delivery_whose_task_was_lost_is_queued_again(world, receiver, run_tasks):
    from django.tasks import default_task_backend

    subscription = subscribe(world["organisers"], url=receiver.url)
    register(world["session_a"], shares=False)
    run_tasks(include_deferred=False)  # commits: the delivery is made and its task queued
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert delivery.status == DeliveryStatus.DELIVERED
    waiting = WebhookDelivery.objects.create(
        subscription=subscription, event="session.changed", event_id="lost", payload={"a": 1}
    )
    # A try claimed by a worker that died: its lease runs out.
    claimed = WebhookDelivery.objects.create(
        subscription=subscription,
        event="session.changed",
        event_id="claimed",
        payload={"b": 2},
        status=DeliveryStatus.RETRYING,
        attempts=1,
        next_attempt_at=timezone.now() + webhooks.LEASE,
    )
    default_task_backend.clear()  # the queue lost their tasks

    assert webhooks.recover_deliveries() == 0  # not late yet
    later = timezone.now() + webhooks.GRACE + webhooks.LEASE + timedelta(seconds=1)
    assert webhooks.recover_deliveries(now=later) == 2
    run_tasks()
    waiting.refresh_from_db()
    claimed.refresh_from_db()
    assert (waiting.status, waiting.attempts) == (DeliveryStatus.DELIVERED, 1)
    assert (claimed.status, claimed.attempts) == (DeliveryStatus.DELIVERED, 2)
    assert webhooks.recover_deliveries(now=later) == 0
    assert len(receiver.received) == 3


def test_a_failure_making_deliveries_never_fails_the_senders_work(world, caplog):
    from registrations import signals
    from registrations.models import Registration

    subscription = subscribe(world["organisers"])
    # A registration gone by the time the receiver runs: logged, and the sender carries on.
    signals.registration_created.send(sender=Registration, registration=Registration(pk=999999))
    assert deliveries_of(subscription) == []
    assert "could not make the deliveries of on_registration_created" in caplog.text


def test_a_send_connects_to_the_address_checked_not_to_a_new_lookup(receiver):
    """receiver.invalid resolves nowhere: the request reaches the receiver only because the
    session connects to the address given, with the URL's host name in Host."""
    from api.webhooks import addresses

    port = receiver.server.server_port
    url = f"http://receiver.invalid:{port}/hook"
    with addresses.pinned_session(url, "127.0.0.1") as session:
        response = session.post(url, data=b"{}", timeout=5)
    assert response.status_code == 200
    (got,) = receiver.received
    assert got["headers"]["Host"] == f"receiver.invalid:{port}"


@override_settings(OUTREACH_WEBHOOKS_ALLOW_PRIVATE=True)
def test_a_receiver_named_by_host_name_gets_its_delivery(world, receiver, run_tasks):
    url = receiver.url.replace("127.0.0.1", "localhost")
    subscription = subscribe(world["organisers"], url=url)
    register(world["session_a"], shares=False)
    run_tasks()
    assert WebhookDelivery.objects.get(subscription=subscription).status == "delivered"
    (got,) = receiver.received
    assert got["headers"]["Host"] == f"localhost:{receiver.server.server_port}"

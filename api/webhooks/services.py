"""Writes for webhooks: subscribing, fanning an event out to deliveries, sending them.

Events reach this module from the layers below through their signals (api.webhooks.receivers,
connected in api.apps), after those layers committed. `publish` makes one WebhookDelivery per
subscription that may see the event, with the payload as that subscription may see it
(api.webhooks.payloads), and queues its sending; the same event published twice (the same
`event_id`) is delivered once. The workers send (`attempt_delivery`): a 2xx answer delivers it;
anything else is tried again after BACKOFF, up to MAX_ATTEMPTS tries, then it has FAILED.
"""

import logging
import secrets
from datetime import datetime, timedelta

import requests
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from api.models import DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookSubscription
from api.webhooks import addresses, payloads, signing
from events.models import Session
from outreach import audit
from outreach.models import AuditAction, Organisation, User
from outreach.tasks import enqueue_on_commit
from registrations.models import Registration, SurveyResponse

logger = logging.getLogger(__name__)

# The task queued here, by the dotted path the queue stores (api/tasks.py imports this module).
SEND_WEBHOOK = "api.tasks.send_webhook"
# The wait before each retry: the n-th failed try waits BACKOFF[n - 1].
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# Seconds to connect, and to wait for the answer.
TIMEOUT = (5, 10)
# A try claimed this long ago and not finished was left by a worker that died; a delivery
# waiting this long past its time (its task lost with a queue) is queued again by
# `recover_deliveries`, a periodic job (outreach.periodic).
LEASE = timedelta(minutes=2)
GRACE = timedelta(minutes=10)


# --- Subscriptions ------------------------------------------------------------------------------


def new_secret() -> str:
    return secrets.token_hex(32)


@transaction.atomic
def subscribe(
    organisation: Organisation, *, url: str, events: list[str], by: User | None
) -> WebhookSubscription:
    """Subscribe `organisation`'s receiver `url` to `events`, with a new signing secret.

    Raises addresses.UnsafeReceiver when the URL may not be used (the form checks it first).
    Writes the subscription."""
    addresses.check(url)
    subscription = WebhookSubscription.objects.create(
        organisation=organisation,
        url=url,
        events=[event for event in WebhookEvent.values if event in events],
        secret=new_secret(),
        created_by=by,
    )
    audit.record(
        by, AuditAction.WEBHOOK_SUBSCRIBED, subscription, url=url, events=subscription.events
    )
    return subscription


@transaction.atomic
def deactivate(subscription: WebhookSubscription, *, by: User | None) -> WebhookSubscription:
    """Stop sending to this subscription (deliveries waiting are not sent: they fail)."""
    subscription.is_active = False
    subscription.save(update_fields=["is_active"])
    audit.record(by, AuditAction.WEBHOOK_PAUSED, subscription, url=subscription.url)
    return subscription


@transaction.atomic
def activate(subscription: WebhookSubscription, *, by: User | None) -> WebhookSubscription:
    subscription.is_active = True
    subscription.save(update_fields=["is_active"])
    audit.record(by, AuditAction.WEBHOOK_RESUMED, subscription, url=subscription.url)
    return subscription


@transaction.atomic
def delete(subscription: WebhookSubscription, *, by: User | None) -> None:
    """Delete the subscription and its deliveries."""
    audit.record(
        by,
        AuditAction.WEBHOOK_DELETED,
        subscription.organisation,
        url=subscription.url,
        subscription=subscription.pk,
    )
    subscription.delete()


@transaction.atomic
def replay(delivery: WebhookDelivery, *, by: User | None) -> WebhookDelivery:
    """Send a delivery's payload again, as a new delivery that points at it (`replay_of`)."""
    original = delivery.replay_of or delivery
    copy = WebhookDelivery.objects.create(
        subscription=delivery.subscription,
        event=delivery.event,
        event_id=delivery.event_id,
        payload=delivery.payload,
        replay_of=original,
    )
    audit.record(
        by,
        AuditAction.WEBHOOK_REPLAYED,
        delivery.subscription,
        delivery=delivery.pk,
        event=delivery.event,
    )
    enqueue_on_commit(import_string(SEND_WEBHOOK), copy.pk)
    return copy


# --- Events -------------------------------------------------------------------------------------


# The events that some active subscription wants, in the shared cache: every registration and
# cancellation asks, and mostly nobody subscribes, so the answer costs a cache read rather than
# a transaction. Forgotten when a subscription is saved or deleted (api.apps), and after a
# minute at most.
SUBSCRIBED_EVENTS = "webhooks:subscribed-events"


def subscribed_events() -> set[str]:
    events = cache.get(SUBSCRIBED_EVENTS)
    if events is None:
        events = set()
        active = WebhookSubscription.objects.filter(is_active=True)
        for chosen in active.values_list("events", flat=True):
            events.update(chosen)
        cache.set(SUBSCRIBED_EVENTS, events, timeout=60)
    return events


def forget_subscribed_events(**kwargs) -> None:
    # At once, for this transaction's own reads, and again once others can see the change.
    cache.delete(SUBSCRIBED_EVENTS)
    transaction.on_commit(lambda: cache.delete(SUBSCRIBED_EVENTS))


def _subscriptions(event: str) -> list[WebhookSubscription]:
    subscriptions = WebhookSubscription.objects.filter(is_active=True).select_related(
        "organisation"
    )
    return [subscription for subscription in subscriptions if event in subscription.events]


def publish(event: str, *, event_id: str, session: Session, data) -> list[WebhookDelivery]:
    """Make a delivery of `event` for every active subscription to it that may see `session`,
    and queue their sending after commit; returns the deliveries made now.

    `data(view, organisation_id)` builds the event's own part of the payload for a subscriber
    that sees the session as `view` (payloads.ORGANISERS or payloads.COHOST), or None when that
    subscriber may not know of the event at all. A subscription that has this `event_id`
    already gets nothing new (one delivery per event)."""
    if event not in subscribed_events():
        return []
    with transaction.atomic():
        return _publish(event, event_id=event_id, session=session, data=data)


def _publish(event: str, *, event_id: str, session: Session, data) -> list[WebhookDelivery]:
    made = []
    for subscription in _subscriptions(event):
        view = payloads.audience(subscription, session)
        if view is None:
            continue
        own = data(view, subscription.organisation_id)
        if own is None:
            continue
        payload = {
            "event": event,
            "event_id": event_id,
            "created_at": timezone.now().isoformat(),
            "session": payloads.session_block(view, subscription.organisation_id, session),
            **own,
        }
        try:
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(
                    subscription=subscription, event=event, event_id=event_id, payload=payload
                )
        except IntegrityError:
            continue  # delivered (or being delivered) already
        enqueue_on_commit(import_string(SEND_WEBHOOK), delivery.pk)
        made.append(delivery)
    return made


def registration_created(registration: Registration) -> list[WebhookDelivery]:
    if WebhookEvent.REGISTRATION_CREATED not in subscribed_events():
        return []
    registration = _fresh_registration(registration)
    return publish(
        WebhookEvent.REGISTRATION_CREATED,
        event_id=f"registration.created:{registration.pk}:{registration.revision}",
        session=registration.session,
        data=lambda view, organisation_id: _wrap(
            "registration", payloads.registration_block(view, organisation_id, registration)
        ),
    )


def registration_cancelled(registration: Registration) -> list[WebhookDelivery]:
    if WebhookEvent.REGISTRATION_CANCELLED not in subscribed_events():
        return []
    registration = _fresh_registration(registration)
    return publish(
        WebhookEvent.REGISTRATION_CANCELLED,
        event_id=f"registration.cancelled:{registration.pk}:{registration.revision}",
        session=registration.session,
        data=lambda view, organisation_id: _wrap(
            "registration", payloads.registration_block(view, organisation_id, registration)
        ),
    )


def attendance_recorded(session: Session) -> list[WebhookDelivery]:
    """Attendance became known or changed: the same figures twice are delivered once."""
    session = Session.objects.get(pk=session.pk)
    figures = payloads.attendance_block(payloads.ORGANISERS, session)
    return publish(
        WebhookEvent.ATTENDANCE_RECORDED,
        event_id=f"attendance.recorded:{session.pk}:{figures['confirmed']}:{figures['attended']}",
        session=session,
        data=lambda view, organisation_id: {"attendance": payloads.attendance_block(view, session)},
    )


SESSION_EVENTS = {
    "cancelled": WebhookEvent.SESSION_CANCELLED,
    "rescheduled": WebhookEvent.SESSION_CHANGED,
    "updated": WebhookEvent.SESSION_CHANGED,
    "published": WebhookEvent.SESSION_PUBLISHED,
}


def session_changed(session: Session, change: str) -> list[WebhookDelivery]:
    """A session was published, cancelled, rescheduled or changed (events.signals)."""
    event = SESSION_EVENTS[change]
    session = Session.objects.get(pk=session.pk)
    return publish(
        event,
        event_id=f"{event}:{session.pk}:{session.sequence}",
        session=session,
        data=lambda view, organisation_id: {"change": change},
    )


def survey_answered(response: SurveyResponse) -> list[WebhookDelivery]:
    response = SurveyResponse.objects.select_related(
        "survey", "session", "registration__person", "registration__organisation"
    ).get(pk=response.pk)
    return publish(
        WebhookEvent.SURVEY_ANSWERED,
        event_id=f"survey.answered:{response.pk}",
        session=response.session,
        data=lambda view, organisation_id: _wrap(
            "response", payloads.response_block(view, organisation_id, response)
        ),
    )


def _wrap(name: str, block: dict | None) -> dict | None:
    return None if block is None else {name: block}


def _fresh_registration(registration: Registration) -> Registration:
    return Registration.objects.select_related("session", "person", "organisation").get(
        pk=registration.pk
    )


# --- Sending ------------------------------------------------------------------------------------


def _claim(delivery_id: int, *, now: datetime) -> WebhookDelivery | None:
    """Take the delivery's next try (one worker only): None when there is nothing to send."""
    delivery = (
        WebhookDelivery.objects.select_related("subscription")
        .filter(pk=delivery_id, status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING])
        .first()
    )
    if delivery is None:
        return None
    taken = WebhookDelivery.objects.filter(
        pk=delivery.pk,
        status=delivery.status,
        attempts=delivery.attempts,
    ).update(attempts=delivery.attempts + 1, next_attempt_at=now + LEASE)
    if not taken:
        return None
    delivery.attempts += 1
    delivery.next_attempt_at = None
    return delivery


def _headers(delivery: WebhookDelivery, timestamp: int, content: bytes) -> dict:
    return {
        "Content-Type": "application/json",
        "User-Agent": "Outreach-Webhooks/1",
        signing.EVENT_HEADER: delivery.event,
        signing.DELIVERY_HEADER: str(delivery.pk),
        signing.TIMESTAMP_HEADER: str(timestamp),
        signing.SIGNATURE_HEADER: signing.signature_header(
            delivery.subscription.secret, timestamp, content
        ),
    }


def _send(delivery: WebhookDelivery, *, now: datetime) -> tuple[int | None, str]:
    """One try: (the receiver's HTTP status, or None, and the error if it failed)."""
    subscription = delivery.subscription
    if not subscription.is_active:
        return None, "The subscription is deactivated."
    try:
        checked = addresses.check(subscription.url)
    except addresses.UnsafeReceiver as refused:
        return None, f"Receiver refused: {refused.reason}."
    content = signing.body(delivery.payload)
    timestamp = int(now.timestamp())
    # Each checked address in turn, connecting to that address itself (a name resolved again
    # could lead elsewhere by now), until one answers.
    for address in checked:
        try:
            with addresses.pinned_session(subscription.url, address) as session:
                response = session.post(
                    subscription.url,
                    data=content,
                    headers=_headers(delivery, timestamp, content),
                    timeout=TIMEOUT,
                    allow_redirects=False,  # a redirect could lead anywhere, inside too
                )
            break
        except requests.ConnectionError as error:
            failure = error
        except requests.RequestException as error:
            return None, f"{type(error).__name__}: {error}"[:500]
    else:
        return None, f"{type(failure).__name__}: {failure}"[:500]
    if 200 <= response.status_code < 300:
        return response.status_code, ""
    return response.status_code, f"HTTP {response.status_code}"


def attempt_delivery(delivery_id: int, *, now: datetime | None = None) -> str:
    """Send one delivery once, outside any transaction (the workers, api.tasks.send_webhook);
    returns its status after the try. Safe to run twice: a delivery delivered, failed or being
    tried by another worker is left alone.

    Writes the try's outcome on the delivery (attempts, response_status, last_error); after a
    failed try queues the next one BACKOFF later (RETRYING), or gives up after MAX_ATTEMPTS
    (FAILED). A subscription deactivated meanwhile fails at once."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now=now)
    if delivery is None:
        return ""
    status, error = _send(delivery, now=now)
    delivery.response_status = status
    delivery.last_error = error
    if not error:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = timezone.now()
    elif delivery.attempts < MAX_ATTEMPTS and delivery.subscription.is_active:
        delivery.status = DeliveryStatus.RETRYING
        delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
    else:
        delivery.status = DeliveryStatus.FAILED
    logger.info(
        "webhook delivery %s (%s) try %s: %s %s",
        delivery.pk,
        delivery.event,
        delivery.attempts,
        delivery.status,
        status or error,
    )
    with transaction.atomic():
        delivery.save(
            update_fields=[
                "status",
                "response_status",
                "last_error",
                "delivered_at",
                "next_attempt_at",
            ]
        )
        if delivery.status == DeliveryStatus.RETRYING:
            enqueue_on_commit(
                import_string(SEND_WEBHOOK), delivery.pk, run_after=delivery.next_attempt_at
            )
    return delivery.status


def recover_deliveries(*, now: datetime | None = None) -> int:
    """Queue again the deliveries whose task was lost (a queue down when it was queued, a worker
    that died during a try): waiting or retrying, and GRACE past their time. Returns how many.
    A delivery queued twice is still sent once at a time (`_claim`)."""
    now = now or timezone.now()
    stale = WebhookDelivery.objects.filter(
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING]
    ).filter(
        Q(next_attempt_at__lt=now - GRACE)
        | Q(next_attempt_at__isnull=True, created_at__lt=now - GRACE)
    )
    ids = list(stale.values_list("pk", flat=True))
    with transaction.atomic():
        for delivery_id in ids:
            enqueue_on_commit(import_string(SEND_WEBHOOK), delivery_id)
    return len(ids)

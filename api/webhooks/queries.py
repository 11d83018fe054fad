"""Reads for the webhook screens."""

from django.db.models import Count, QuerySet

from api.models import WebhookDelivery, WebhookSubscription
from api.webhooks import permissions

DELIVERIES_SHOWN = 100


def subscriptions(user) -> QuerySet[WebhookSubscription]:
    return (
        permissions.managed_subscriptions(user)
        .select_related("organisation")
        .annotate(delivery_count=Count("deliveries"))
        .order_by("organisation__name", "pk")
    )


def deliveries(subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    """The subscription's latest deliveries, newest first."""
    return subscription.deliveries.order_by("-created_at", "-pk")[:DELIVERIES_SHOWN]

"""Who manages which webhook subscriptions: co-host managers their organisation's, organisers
the programme's (the organisers' own organisation, OrganisationKind.ORGANISER). Everyone else,
co-host viewers and analysts included, gets 403; another organisation's subscription is a 404."""

from django.db.models import QuerySet

from api.models import WebhookDelivery, WebhookSubscription
from outreach import permissions as base
from outreach.models import Organisation, OrganisationKind
from outreach.permissions import rule


@rule("manage_webhooks")
def can_manage_webhooks(user) -> bool:
    return base.is_organiser(user) or base.is_cohost_manager(user)


def subscribing_organisation(user) -> Organisation | None:
    """The organisation a person's new subscriptions belong to."""
    if base.is_cohost_manager(user):
        return user.organisation
    if base.is_organiser(user):
        if user.organisation is not None and user.organisation.kind == OrganisationKind.ORGANISER:
            return user.organisation
        return Organisation.objects.filter(kind=OrganisationKind.ORGANISER).order_by("pk").first()
    return None


def managed_subscriptions(user) -> QuerySet[WebhookSubscription]:
    if base.is_cohost_manager(user):
        return WebhookSubscription.objects.filter(organisation=user.organisation_id)
    if base.is_organiser(user):
        return WebhookSubscription.objects.filter(organisation__kind=OrganisationKind.ORGANISER)
    return WebhookSubscription.objects.none()


def managed_deliveries(user) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(subscription__in=managed_subscriptions(user))

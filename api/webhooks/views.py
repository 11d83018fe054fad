"""The webhook screens: co-host managers for their organisation, organisers for the programme's."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from api.webhooks import permissions, queries, services
from api.webhooks.forms import SubscriptionForm
from outreach.permissions import require


@require(permissions.can_manage_webhooks)
@require_GET
def subscription_list(request):
    return render(
        request,
        "api/webhooks.html",
        {
            "subscriptions": queries.subscriptions(request.user),
            "organisation": permissions.subscribing_organisation(request.user),
        },
    )


@require(permissions.can_manage_webhooks)
@require_http_methods(["GET", "POST"])
def subscription_create(request):
    organisation = permissions.subscribing_organisation(request.user)
    if organisation is None:
        raise Http404
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        subscription = services.subscribe(organisation, by=request.user, **form.cleaned_data)
        messages.success(request, _("Subscribed. Keep the signing secret below for your receiver."))
        return redirect("webhooks:detail", pk=subscription.pk)
    return render(request, "api/webhooks_form.html", {"form": form, "organisation": organisation})


def _subscription(request, pk):
    return get_object_or_404(
        permissions.managed_subscriptions(request.user).select_related("organisation"), pk=pk
    )


@require(permissions.can_manage_webhooks)
@require_GET
def subscription_detail(request, pk):
    subscription = _subscription(request, pk)
    return render(
        request,
        "api/webhooks_detail.html",
        {"subscription": subscription, "deliveries": queries.deliveries(subscription)},
    )


@require(permissions.can_manage_webhooks)
@require_POST
def subscription_toggle(request, pk):
    subscription = _subscription(request, pk)
    if subscription.is_active:
        services.deactivate(subscription, by=request.user)
        messages.success(request, _("The subscription is paused: nothing more is sent to it."))
    else:
        services.activate(subscription, by=request.user)
        messages.success(request, _("The subscription is active again."))
    return redirect("webhooks:detail", pk=subscription.pk)


@require(permissions.can_manage_webhooks)
@require_POST
def subscription_delete(request, pk):
    subscription = _subscription(request, pk)
    services.delete(subscription, by=request.user)
    messages.success(request, _("The subscription and its deliveries are deleted."))
    return redirect("webhooks:list")


@require(permissions.can_manage_webhooks)
@require_POST
def delivery_replay(request, pk):
    delivery = get_object_or_404(
        permissions.managed_deliveries(request.user).select_related("subscription"), pk=pk
    )
    services.replay(delivery, by=request.user)
    messages.success(request, _("The delivery will be sent again in a moment."))
    return redirect("webhooks:detail", pk=delivery.subscription_id)

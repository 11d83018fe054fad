"""A co-host manager subscribes a receiver, is refused a private address, reads how to verify
a delivery and replays one, without JavaScript's help; each page passes axe."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from api.models import WebhookDelivery, WebhookSubscription
from outreach.models import CohostRole, OrganisationKind, Role
from tests.browser.conftest import assert_accessible
from tests.browser.test_dashboard import log_in
from tests.factories import OrganisationFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_a_cohost_manager_subscribes_and_replays_a_delivery(live_server, browser):
    ministry = OrganisationFactory(name="Ministry of Trade", kind=OrganisationKind.GOVERNMENT)
    manager = UserFactory(role=Role.COHOST, organisation=ministry, cohost_role=CohostRole.MANAGER)
    context = browser.new_context(locale="en-GB", timezone_id="UTC")
    log_in(context, manager, live_server)
    page = context.new_page()

    page.goto(live_server.url + reverse("webhooks:list"))
    expect(page.locator("main")).to_contain_text("No subscription yet.")
    assert_accessible(page)
    page.get_by_role("link", name="Add a subscription").click()
    page.get_by_label("Receiver URL").fill("https://10.0.0.8/hook")
    page.get_by_label("Registration created").check()
    page.locator("main button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("private, local or reserved network")
    assert_accessible(page)

    page.get_by_label("Receiver URL").fill("https://93.184.215.14/hook")
    page.locator("main button[type=submit]").click()
    subscription = WebhookSubscription.objects.get()
    expect(page.locator("[data-secret]")).to_have_text(subscription.secret)
    expect(page.locator("main")).to_contain_text("Verifying a delivery")
    assert_accessible(page)

    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event="registration.created",
        event_id="registration.created:1:0",
        payload={"event": "registration.created"},
        status="failed",
        attempts=6,
        response_status=500,
        last_error="HTTP 500",
    )
    page.reload()
    expect(page.locator("main tbody tr")).to_have_count(1)
    page.get_by_role("button", name="Send again").click()
    expect(page.locator(".messages")).to_contain_text("sent again in a moment")
    expect(page.locator("main")).to_contain_text(f"replay of #{delivery.pk}")
    assert_accessible(page)
    context.close()

"""An organiser merges two spellings of one firm from the likely duplicates page, without
JavaScript's help: the list, the confirmation and the list again pass axe."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from outreach.models import Organisation
from registrations.models import Registration
from tests.browser.conftest import assert_accessible
from tests.browser.test_dashboard import log_in
from tests.factories import FirmFactory, OrganiserFactory, RegistrationFactory, UserFactory, economy

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_an_organiser_merges_two_spellings_of_a_firm(live_server, browser):
    keep = FirmFactory(name="Café Andino S.A.", economy=economy("CL"), website="https://andino.cl")
    duplicate = FirmFactory(name="CAFE ANDINO", economy=economy("CL"))
    RegistrationFactory.create_batch(2, person=UserFactory(organisation=keep))
    RegistrationFactory(person=UserFactory(organisation=duplicate))
    FirmFactory(name="Textiles Lima SAC", economy=economy("PE"))
    FirmFactory(name="TEXTILES LIMA", economy=economy("PE"))
    context = browser.new_context(locale="en-GB", timezone_id="UTC")
    log_in(context, OrganiserFactory(), live_server)
    page = context.new_page()

    page.goto(live_server.url + reverse("registrations:duplicates"))
    page.locator("select[name=economy]").select_option("CL")
    page.locator("main form[role=search] button[type=submit]").click()
    groups = page.locator("[data-duplicate-group]")
    expect(groups).to_have_count(1)
    assert_accessible(page)
    expect(page.locator(f"#keep-{keep.pk}")).to_be_checked()
    expect(page.locator(f"#merge-{duplicate.pk}")).to_be_checked()
    groups.first.locator("button[type=submit]").click()

    expect(page.locator("h1")).to_have_text("Merge organisations")
    expect(page.locator("main")).to_contain_text("Registrations: 1")
    assert_accessible(page)
    page.locator("main button[name=step][value=merge]").click()

    expect(page.locator(".messages")).to_contain_text("Merged into Café Andino S.A.: CAFE ANDINO.")
    expect(page.locator("[data-duplicate-group]")).to_have_count(0)
    assert_accessible(page)
    assert not Organisation.objects.filter(pk=duplicate.pk).exists()
    assert Registration.objects.filter(organisation=keep).count() == 3
    assert Organisation.objects.filter(economy="PE").count() == 2
    context.close()

"""A ministry member signs in by code, copies the invitation link, a firm registers through it,
and the registration appears in the ministry's list and figures."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from outreach.models import OrganisationKind
from outreach.services import invite_cohost_member
from registrations.models import Registration, RegistrationStatus
from tests.browser.conftest import describe, run_due_tasks, serious_accessibility_violations
from tests.factories import OrganisationFactory, SessionFactory, economy

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

TITLE = "Exportar servicios a la Alianza del Pacífico"
SITE_URL = "https://outreach.example"
MEMBER_EMAIL = "carolina.rojas@economia.example.cl"
FIRM_EMAIL = "ana.perez@frutasdelsur.cl"


def assert_accessible(page) -> None:
    violations = serious_accessibility_violations(page)
    assert violations == [], describe(violations)


def sign_in_code(address: str) -> str:
    (message,) = [m for m in mail.outbox if m.to == [address]]
    return re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.MULTILINE).group(1)


def figure(page, label: str):
    """The count shown next to a label in the figures section."""
    figures = page.locator("section[aria-labelledby=figures-heading]")
    return figures.locator("tr").filter(has=page.locator("th", has_text=label)).locator("td")


def test_a_ministry_member_follows_a_registration_through_their_invitation_link(
    live_server, browser, queued_tasks
):
    ministry = OrganisationFactory(
        name="Ministerio de Economía", kind=OrganisationKind.GOVERNMENT, economy=economy("CL")
    )
    session = SessionFactory(language="es", title_es=TITLE, capacity=50)
    session.cohosts.set([ministry])
    invite_cohost_member(
        by=None,
        organisation=ministry,
        email=MEMBER_EMAIL,
        full_name="Carolina Rojas",
        cohost_role="viewer",
        language="es",
    )
    mail.outbox.clear()
    ministry_context = browser.new_context(timezone_id="America/Santiago", locale="es-CL")
    ministry_context.add_cookies(
        [{"name": "tz", "value": "America/Santiago", "url": live_server.url}]
    )
    page = ministry_context.new_page()

    # Act 1: the member signs in with a code sent by email.
    page.goto(f"{live_server.url}/es/accounts/login/code/")
    page.locator("main input[name=email]").fill(MEMBER_EMAIL)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/es/accounts/login/code/confirm/"))
    page.locator("main input[name=code]").fill(sign_in_code(MEMBER_EMAIL))
    page.locator("main form button[type=submit]").first.click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))

    # Act 2: the workspace lists the session; its page gives the invitation link.
    page.goto(f"{live_server.url}/es/cohost/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("main h1")).to_have_text("Ministerio de Economía")
    assert_accessible(page)
    page.get_by_role("link", name=TITLE).click()
    expect(page).to_have_url(f"{live_server.url}/es/cohost/sessions/{session.pk}/")
    expect(page.locator("main h1")).to_have_text(TITLE)
    assert_accessible(page)
    invitation = page.locator("#invitation-link").input_value()
    assert invitation.startswith(f"{SITE_URL}/es/sessions/{session.pk}/register/?via=")

    # Act 3: a firm, not signed in, opens the link and registers, agreeing to share.
    firm_context = browser.new_context(timezone_id="America/Santiago", locale="es-CL")
    firm_context.add_cookies([{"name": "tz", "value": "America/Santiago", "url": live_server.url}])
    firm_page = firm_context.new_page()
    firm_page.goto(invitation.replace(SITE_URL, live_server.url))
    firm_page.locator("#id_full_name").fill("Ana Pérez")
    firm_page.locator("#id_email").fill(FIRM_EMAIL)
    firm_page.locator("#id_economy").select_option("CL")
    firm_page.locator("#id_organisation_name").fill("Frutas del Sur SpA")
    firm_page.locator("input[name=kind][value=firm]").check()
    firm_page.locator("#id_size_band").select_option("small")
    firm_page.locator("#id_sector").select_option("food")
    firm_page.locator("#id_exporting_status").select_option("ready")
    firm_page.locator("#id_time_zone").select_option("America/Santiago")
    firm_page.get_by_label(re.compile("Ministerio de Economía")).check()
    expect(firm_page.locator("input[name=shares_with_cohosts]")).to_be_checked()
    firm_page.locator("#id_consent").check()
    firm_page.locator("form.registration-form button[type=submit]").click()
    expect(firm_page).to_have_url(f"{live_server.url}/es/sessions/{session.pk}/registered/")
    # Her details reach the ministry only once she proves the address is hers: she opens the
    # link emailed to her and confirms (registrations.confirmations).
    run_due_tasks(queued_tasks)
    (request,) = [m for m in mail.outbox if m.to == [FIRM_EMAIL] and "/confirm/" in m.body]
    link = re.search(rf"{re.escape(SITE_URL)}(/es/registrations/confirm/[^/\s]+/)", request.body)
    firm_page.goto(live_server.url + link.group(1))
    expect(firm_page.locator("main")).to_contain_text("Ministerio de Economía")
    assert_accessible(firm_page)
    firm_page.locator("main form button[type=submit]").click()
    expect(firm_page.locator("main h1")).to_be_visible()
    firm_context.close()

    # Assert: counted for the ministry, and shown in its list and figures.
    registration = Registration.objects.get(session=session)
    assert (
        registration.status,
        registration.source,
        registration.source_organisation,
        registration.shares_with_cohosts,
    ) == (RegistrationStatus.CONFIRMED, "cohost", ministry, True)
    page.reload()
    registrants = page.locator("section[aria-labelledby=registrants-heading] tbody")
    expect(registrants.locator("tr")).to_have_count(1)
    expect(registrants).to_contain_text("Ana Pérez")
    expect(registrants).to_contain_text(FIRM_EMAIL)
    expect(registrants).to_contain_text("Frutas del Sur SpA")
    # Ana shared her details with the ministry, which lists her: a count made only of people it
    # already knows is no secret to it, so it is shown (impact.suppression, rule 1).
    expect(figure(page, "Chile")).to_have_text("1")
    expect(figure(page, "Pequeña (de 11 a 50 empleados)")).to_have_text("1")
    expect(figure(page, "Empresa")).to_have_text("1")
    assert_accessible(page)
    page.goto(f"{live_server.url}/es/cohost/")
    cells = page.locator("main tbody tr").filter(has_text=TITLE).locator("td")
    expect(cells).to_have_count(6)
    # Confirmed, on the waitlist, through the ministry's link.
    assert [cells.nth(column).inner_text() for column in (3, 4, 5)] == ["1", "0", "1"]
    ministry_context.close()

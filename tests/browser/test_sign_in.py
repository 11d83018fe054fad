"""A firm registered by the public form, in French, signs in for the first time: one code."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.factories import SessionFactory
from tests.outreach.test_sign_in import TOI, catalogues  # noqa: F401 (the fixture, used below)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

TITLE = "Exporter vers la CEDEAO : les règles d’origine"
EMAIL = "awa.diop@saveursdusahel.sn"
CODE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.MULTILINE)


def seen(page) -> str:
    """The text of the page's main part, as a person reads it."""
    return page.locator("main").inner_text()


def check_accessible(page, javascript: bool) -> None:
    # axe waits on timers, which never fire in a page without JavaScript.
    if javascript:
        assert_accessible(page)


@pytest.mark.usefixtures("catalogues")
@pytest.mark.parametrize("width", [360, 1280])
def test_first_sign_in_with_one_code_in_french(live_server, browser, queued_tasks, tmp_path, width):
    session = SessionFactory(language="fr", title_fr=TITLE, capacity=30)
    # A phone without JavaScript at 360 px, a desktop at 1280: every step works without it.
    javascript = width > 360
    context = browser.new_context(
        viewport={"width": width, "height": 800},
        java_script_enabled=javascript,
        timezone_id="Africa/Dakar",
        locale="fr-SN",
    )
    context.add_cookies([{"name": "tz", "value": "Africa/Dakar", "url": live_server.url}])
    page = context.new_page()

    # Act 1: Awa registers from the public form, with no account and no password.
    page.goto(f"{live_server.url}/fr/sessions/{session.pk}/register/")
    page.locator("#id_full_name").fill("Awa Diop")
    page.locator("#id_email").fill(EMAIL)
    page.locator("#id_economy").select_option("SN")
    page.locator("#id_organisation_name").fill("Saveurs du Sahel")
    page.locator("input[name=kind][value=firm]").check()
    page.locator("#id_size_band").select_option("small")
    page.locator("#id_sector").select_option("food")
    page.locator("#id_exporting_status").select_option("ready")
    page.locator("#id_consent").check()
    page.locator("form.registration-form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/fr/sessions/{session.pk}/registered/")
    mail.outbox.clear()  # the registration's own confirmation is not what this test reads

    # Act 2: later, she signs in from the header, on the French site.
    page.goto(f"{live_server.url}/fr/")
    page.locator("header").get_by_role("link", name="Se connecter").click()
    expect(page).to_have_url(f"{live_server.url}/fr/accounts/login/")
    expect(page.locator("main h1")).to_have_text("Se connecter")
    asking = seen(page)
    assert "Nul besoin de compte pour vous inscrire à une session." in asking
    assert "utilisez l’adresse de votre inscription" in asking
    assert TOI.findall(asking) == []
    check_accessible(page, javascript)
    page.screenshot(path=tmp_path / f"1-sign-in-{width}.png", full_page=True)
    page.get_by_label("Adresse e-mail").fill(EMAIL)
    page.get_by_role("button", name="Recevoir un code par e-mail").click()

    # Act 3: one email, with one code; she enters it.
    expect(page).to_have_url(f"{live_server.url}/fr/accounts/login/code/confirm/")
    expect(page.locator("main h1")).to_have_text("Saisissez votre code de connexion")
    expect(page.locator("main")).to_contain_text(f"Nous avons envoyé un code à {EMAIL}.")
    assert TOI.findall(seen(page)) == []
    check_accessible(page, javascript)
    page.screenshot(path=tmp_path / f"2-enter-code-{width}.png", full_page=True)
    [message] = mail.outbox
    assert message.to == [EMAIL]
    assert message.subject == "[Outreach] Votre code de connexion"
    assert "Voici votre code pour vous connecter à Outreach" in message.body
    assert "127.0.0.1" not in message.body
    assert "outreach.example" not in message.body
    assert TOI.findall(message.body) == []
    [code] = CODE.findall(message.body)
    page.get_by_label("Code").fill(code)
    page.locator("main form").first.get_by_role("button", name="Se connecter").click()

    # She is signed in, on her sessions, and no second code was asked for or sent.
    expect(page).to_have_url(f"{live_server.url}/fr/my-sessions/")
    expect(page.locator("main")).to_contain_text("Connexion réussie\u00a0: bienvenue, Awa Diop.")
    expect(page.locator("main")).to_contain_text(TITLE)
    expect(page.locator("header")).to_contain_text("Se déconnecter")
    assert TOI.findall(seen(page)) == []
    assert len(mail.outbox) == 1
    check_accessible(page, javascript)
    page.screenshot(path=tmp_path / f"3-signed-in-{width}.png", full_page=True)
    context.close()

"""An organiser builds a survey in French with a markets question (economies, grouped by region)
and a short text; a firm then answers it from its link on a 360 px phone, ticking two markets.
Both the builder and the survey page pass axe."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from registrations.models import SurveyInvitation, SurveyResponse
from registrations.questions.answers import answer_values
from registrations.surveys import services as surveys
from tests.browser.conftest import assert_accessible
from tests.browser.test_dashboard import log_in
from tests.factories import (
    FirmFactory,
    OrganiserFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    economy,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

MARKETS = {
    "text_en": "To which markets do you plan to export?",
    "text_fr": "Vers quels marchés prévoyez-vous d’exporter ?",
    "text_es": "¿A qué mercados prevé exportar?",
}
PRODUCT = {
    "text_en": "Your main product?",
    "text_fr": "Votre produit principal ?",
    "text_es": "¿Su producto principal?",
}


def french(path: str) -> str:
    return path.replace("/en/", "/fr/", 1)


def add_question(page, texts: dict, kind: str, *, required: bool = False) -> None:
    page.locator("main a[href$='/questions/survey/add/']").click()
    for name, text in texts.items():
        page.locator(f"input[name={name}]").fill(text)
    page.locator(f"input[name=kind][value={kind}]").check()
    if required:
        page.locator("input[name=required]").check()
    assert_accessible(page)
    questions = page.url.removesuffix("add/")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(questions)


def test_an_organiser_builds_a_survey_in_french_and_a_firm_answers_it_on_a_phone(
    live_server, browser
):
    starts_at = (timezone.now() - timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    session = SessionFactory(
        language="fr",
        title_fr="Exporter vers l’Asie",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=90),
        status="finished",
    )
    organiser = OrganiserFactory(language="fr")
    context = browser.new_context(locale="fr-FR", timezone_id="UTC")
    context.add_cookies([{"name": "tz", "value": "UTC", "url": live_server.url}])
    log_in(context, organiser, live_server)
    page = context.new_page()

    # Act 1: from the session's page, the organiser opens its survey and starts an empty one.
    page.goto(live_server.url + french(reverse("events:session-edit", args=[session.pk])))
    page.locator("main a[href$='/questions/survey/']").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert_accessible(page)
    page.locator("button[name=start][value=empty]").click()

    # Act 2: a required markets question and a short text, in three languages.
    add_question(page, MARKETS, "economies", required=True)
    add_question(page, PRODUCT, "short_text")
    expect(page.locator("main table")).to_contain_text(MARKETS["text_fr"])
    expect(page.locator("main table")).to_contain_text(PRODUCT["text_fr"])
    assert_accessible(page)
    page.locator("main a[href$='/preview/']").click()
    page.locator("main a[hreflang=es]").click()
    expect(page.locator("main .card")).to_contain_text(MARKETS["text_es"])
    assert_accessible(page)
    context.close()

    survey = surveys.survey_for(session)
    assert survey.session == session
    questions = list(survey.questions.values_list("code", "kind", "required", "text_fr"))
    assert questions == [
        ("to_which_markets_do_you_plan_to_export", "economies", True, MARKETS["text_fr"]),
        ("your_main_product", "short_text", False, PRODUCT["text_fr"]),
    ]

    # Act 3: a French-speaking firm opens its link on a 360 px phone and ticks two markets.
    firm = FirmFactory(economy=economy("SN"))
    registration = RegistrationFactory(
        session=session,
        person=UserFactory(language="fr", organisation=firm),
        attended=True,
    )
    invitation = SurveyInvitation.objects.create(
        survey=survey, registration=registration, closes_at=timezone.now() + timedelta(days=7)
    )
    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="fr-SN", timezone_id="Africa/Dakar"
    )
    phone.add_cookies([{"name": "tz", "value": "Africa/Dakar", "url": live_server.url}])
    page = phone.new_page()
    page.goto(f"{live_server.url}/fr/surveys/{invitation.token}/")

    form = page.locator("main form.survey-form")
    expect(form).to_contain_text(MARKETS["text_fr"])
    expect(form.locator("details[open]")).to_have_count(0)
    page.locator("summary", has_text="Europe").click()
    page.locator("label", has_text="Allemagne").click()
    page.locator("summary", has_text="Asie").click()
    page.locator("label", has_text="Japon").click()
    page.locator("input[name=your_main_product]").fill("Savon au karité")
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)
    form.locator("button[type=submit]").click()

    # Assert: thanked, and the two markets stored with the words.
    expect(page.locator("main h1")).to_have_text("Merci")
    response = SurveyResponse.objects.get()
    assert (response.registration, response.language) == (registration, "fr")
    markets = response.answers.get(question__code="to_which_markets_do_you_plan_to_export")
    assert sorted(markets.economies.values_list("code", flat=True)) == ["DE", "JP"]
    assert answer_values(response)["your_main_product"] == "Savon au karité"
    phone.close()

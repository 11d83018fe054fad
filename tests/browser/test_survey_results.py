"""A Spanish-reading analyst opens a session's survey results: each question as a table beside
its chart, the net promoter score, the comments; and a firm answers the 0 to 10 question on a
360 px phone, with targets of 24 px at least. Screenshots are kept in SCREENSHOTS (if set)."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from outreach.models import Role
from registrations.models import Answer, Survey, SurveyResponse
from tests.browser.conftest import accessibility_violations, describe
from tests.browser.test_dashboard import log_in
from tests.factories import (
    FirmFactory,
    OrganiserFactory,
    RegistrationFactory,
    SessionFactory,
    SurveyInvitationFactory,
    UserFactory,
    economy,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

RECOMMEND = [10, 10, 9, 9, 8, 6, 3]  # 4 promoters, 1 passive, 2 detractors: NPS +29


def screenshot_dir(tmp_path) -> Path:
    folder = Path(os.environ.get("SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def held_spanish_session():
    starts_at = (timezone.now() - timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    return SessionFactory(
        language="es",
        title_es="Exportar a la Unión Europea",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=90),
        status="finished",
    )


def answered(session, *, recommend, comment=""):
    firm = FirmFactory(economy=economy("CL"))
    registration = RegistrationFactory(
        session=session, person=UserFactory(organisation=firm), attended=True
    )
    survey = Survey.objects.get(slug="impact")
    response = SurveyResponse.objects.create(
        survey=survey,
        session=session,
        registration=registration,
        economy=firm.economy,
        organisation_kind=firm.kind,
        size_band=firm.size_band,
        language="es",
    )
    questions = {q.code: q for q in survey.questions.all()}
    Answer.objects.create(response=response, question=questions["recommend"], number=recommend)
    Answer.objects.create(response=response, question=questions["satisfaction"], number=4)
    markets = Answer.objects.create(response=response, question=questions["markets_considered"])
    markets.choices.set(questions["markets_considered"].choices.filter(code__in=["asia", "europe"]))
    if comment:
        Answer.objects.create(response=response, question=questions["comments"], text=comment)


def test_an_analyst_reads_a_sessions_survey_results_in_spanish(live_server, browser, tmp_path):
    session = held_spanish_session()
    for n, score in enumerate(RECOMMEND):
        answered(session, recommend=score, comment="Muy útil, gracias." if n == 0 else "")
    context = browser.new_context(
        locale="es-ES", timezone_id="Europe/Madrid", viewport={"width": 1280, "height": 900}
    )
    context.add_cookies([{"name": "tz", "value": "Europe/Madrid", "url": live_server.url}])
    log_in(context, OrganiserFactory(role=Role.ANALYST, language="es"), live_server)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server.url}/es/impact/sessions/{session.pk}/#survey-results")

    expect(page.locator("html")).to_have_attribute("lang", "es")
    recommend = page.locator("[data-question=recommend]")
    expect(recommend.locator("canvas")).to_have_attribute("data-drawn", "true", timeout=20_000)
    expect(recommend.locator("dd[data-figure=nps]")).to_have_text("+29")
    expect(recommend.locator("dd[data-figure=promoters]")).to_have_text("4")
    expect(recommend.locator("tr[data-value='10'] td")).to_have_text("2")
    markets = page.locator("[data-question=markets_considered]")
    expect(markets.locator("tr[data-value=asia] th")).to_have_text("Asia")
    expect(markets.locator("tr[data-value=europe] th")).to_have_text("Europa")
    expect(markets.locator("tr[data-value=europe] td")).to_have_text("7")
    expect(markets.locator("[data-chart=map] canvas")).to_have_attribute("data-drawn", "true")
    expect(page.locator("[data-comment] blockquote[lang=es]")).to_have_text("Muy útil, gracias.")
    violations = accessibility_violations(page)
    assert violations == [], describe(violations)
    assert errors == []
    shots = screenshot_dir(tmp_path)
    page.locator("#survey-results").screenshot(path=str(shots / "survey-results-es-1280.png"))
    page.set_viewport_size({"width": 360, "height": 800})
    page.locator("[data-question=recommend]").screenshot(
        path=str(shots / "survey-results-es-360.png")
    )
    width = page.evaluate("document.documentElement.scrollWidth")
    context.close()

    assert width <= 360


def test_a_firm_answers_the_0_to_10_question_on_a_phone_without_javascript(
    live_server, browser, tmp_path
):
    session = held_spanish_session()
    invitation = SurveyInvitationFactory(registration__session=session)
    context = browser.new_context(
        locale="es-ES",
        java_script_enabled=False,
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        has_touch=True,
        is_mobile=True,
    )
    context.add_cookies([{"name": "tz", "value": "Europe/Madrid", "url": live_server.url}])
    page = context.new_page()

    page.goto(f"{live_server.url}/es/surveys/{invitation.token}/")

    scale = page.locator("fieldset#div_id_recommend")
    with translation.override("es"):  # "nada probable", "muy probable" once h9.es.po is merged
        ends = (f"0 = {gettext('not at all likely')}", f"10 = {gettext('extremely likely')}")
    expect(scale.locator(".scale-ends")).to_contain_text(ends[0])
    expect(scale.locator(".scale-ends")).to_contain_text(ends[1])
    targets = scale.locator("label.scale-option")
    expect(targets).to_have_count(11)
    boxes = [targets.nth(n).bounding_box() for n in range(11)]
    assert min(box["width"] for box in boxes) >= 24
    assert min(box["height"] for box in boxes) >= 24
    assert max(box["x"] + box["width"] for box in boxes) <= 360
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    targets.nth(9).click()  # the label is the target: tapping "9" picks 9
    expect(scale.locator("input[value='9']")).to_be_checked()
    scale.screenshot(path=str(screenshot_dir(tmp_path) / "survey-scale-es-360.png"))
    page.screenshot(path=str(screenshot_dir(tmp_path) / "survey-es-360.png"), full_page=True)
    context.close()

"""A French-speaking attendee answers the survey from the link in the invitation email."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from registrations.models import MessageKind, MessageStatus, SurveyInvitation, SurveyResponse
from registrations.surveys import services as surveys
from tests.browser.conftest import assert_accessible, run_due_tasks
from tests.factories import FirmFactory, RegistrationFactory, SessionFactory, UserFactory, economy

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

TITLE = "Vendre dans l’UE : les règles d’origine"
SITE_URL = "https://outreach.example"
EMAIL = "awa.ndiaye@dakarsoap.example"
FRENCH_QUESTIONS = [
    "Êtes-vous satisfait de la session ?",
    "Cette session vous aidera-t-elle à simplifier vos études de marché ?",
    "Éclairera-t-elle une décision d’exportation de votre entreprise ?",
    "Quels marchés votre entreprise envisage-t-elle désormais ?",
    "Quelle est la probabilité que vous recommandiez ces sessions à une autre entreprise ?",
    "Des commentaires ?",
]
COMMENT = "Très clair. Un atelier sur les certificats d’origine serait utile."


def test_an_attendee_answers_the_survey_in_french_from_the_emails_link(
    live_server, browser, queued_tasks
):
    starts_at = (timezone.now() - timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    session = SessionFactory(
        language="fr",
        title_fr=TITLE,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=90),
        status="finished",
    )
    firm = FirmFactory(name="Savonnerie de Dakar", economy=economy("SN"), size_band="micro")
    person = UserFactory(
        full_name="Awa Ndiaye",
        email=EMAIL,
        language="fr",
        time_zone="Africa/Dakar",
        organisation=firm,
    )
    registration = RegistrationFactory(
        session=session, person=person, attended=True, minutes_attended=84
    )
    mail.outbox.clear()

    # Act 1: the session is over; the attendees are invited and the worker sends the email.
    assert surveys.invite_attendees(session) == 1
    assert run_due_tasks(queued_tasks) == ["send_message"]
    assert [result.task.name for result in queued_tasks] == ["send_survey_reminders"]
    (email,) = mail.outbox
    assert (email.to, email.subject) == ([EMAIL], f"Qu’en avez-vous retiré ? {TITLE}")
    assert email.body.startswith("Bonjour Awa Ndiaye,\n")
    invitation = SurveyInvitation.objects.get(registration=registration)
    links = re.findall(rf"{re.escape(SITE_URL)}/[a-z]{{2}}/surveys/[^/\s]+/", email.body)
    assert links == [f"{SITE_URL}/fr/surveys/{invitation.token}/"]
    assert registration.messages.get(kind=MessageKind.SURVEY).status == MessageStatus.SENT

    # Act 2: she opens the link, signed in nowhere, and answers every question.
    # The tz cookie is set up front so that tz.js never reloads the page under the test's feet.
    context = browser.new_context(timezone_id="Africa/Dakar", locale="fr-SN")
    context.add_cookies([{"name": "tz", "value": "Africa/Dakar", "url": live_server.url}])
    page = context.new_page()
    page.goto(links[0].replace(SITE_URL, live_server.url))

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("main h1")).to_have_text("Que vous a apporté la session ?")
    expect(page.locator("main")).to_contain_text(TITLE)
    for question in FRENCH_QUESTIONS:
        expect(page.locator("main form.survey-form")).to_contain_text(question)
    assert_accessible(page)
    page.locator("input[name=satisfaction][value='4']").check()
    page.locator("input[name=simplifies_market_research][value=yes]").check()
    page.locator("input[name=informs_export_decision][value=no]").check()
    page.locator("input[name=markets_considered][value=africa]").check()
    page.locator("input[name=markets_considered][value=europe]").check()
    page.locator("input[name=recommend][value='9']").check()
    page.locator("textarea[name=comments]").fill(COMMENT)
    page.locator("form.survey-form button[type=submit]").click()

    # Assert: thanked in French, and the answers stored against her registration.
    expect(page.locator("main h1")).to_have_text("Merci")
    response = SurveyResponse.objects.get()
    assert (
        response.survey,
        response.session,
        response.registration,
        response.economy_id,
        response.organisation_kind,
        response.size_band,
        response.language,
    ) == (invitation.survey, session, registration, "SN", "firm", "micro", "fr")
    answers = {
        answer.question.code: (
            answer.number,
            answer.boolean,
            answer.text,
            sorted(choice.code for choice in answer.choices.all()),
        )
        for answer in response.answers.all()
    }
    assert answers == {
        "satisfaction": (4, None, "", []),
        "simplifies_market_research": (None, True, "", []),
        "informs_export_decision": (None, False, "", []),
        "markets_considered": (None, None, "", ["africa", "europe"]),
        "recommend": (9, None, "", []),
        "comments": (None, None, COMMENT, []),
    }
    assert surveys.response_rate(session) == (1, 1)

    # Act 3: the same link a second time cannot be used.
    page.goto(links[0].replace(SITE_URL, live_server.url))

    expect(page.locator("main h1")).to_have_text(
        "Ce lien vers le questionnaire ne peut pas être utilisé"
    )
    expect(page.locator("main form.survey-form")).to_have_count(0)
    assert SurveyResponse.objects.count() == 1
    context.close()

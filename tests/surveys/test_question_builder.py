"""The question builder (registrations.questions): organisers compose questions in English,
French and Spanish, of every kind; a firm answers them through its survey link; a survey that
has answers is versioned when it changes, so results stay comparable."""

from datetime import timedelta

import pytest
from django.utils import timezone

from registrations.models import (
    Choice,
    Question,
    QuestionKind,
    Survey,
    SurveyInvitation,
    SurveyResponse,
)
from registrations.questions.answers import answer_values
from tests.factories import (
    FirmFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    economy,
)

pytestmark = pytest.mark.django_db


def finished_session(**fields):
    starts_at = (timezone.now() - timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    return SessionFactory(
        starts_at=starts_at, ends_at=starts_at + timedelta(minutes=90), status="finished", **fields
    )


def attendee(session, *, language="es", economy_code="CL", women_led=False, youth_led=False):
    firm = FirmFactory(economy=economy(economy_code), women_led=women_led, youth_led=youth_led)
    person = UserFactory(language=language, organisation=firm)
    return RegistrationFactory(session=session, person=person, attended=True)


def invite(survey, registration) -> SurveyInvitation:
    return SurveyInvitation.objects.create(
        survey=survey, registration=registration, closes_at=timezone.now() + timedelta(days=7)
    )


def question(survey, code, kind, texts, *, required=False, position=0, choices=()):
    created = Question.objects.create(
        survey=survey,
        code=code,
        kind=kind,
        required=required,
        position=position,
        text=texts[0],
        text_en=texts[0],
        text_fr=texts[1],
        text_es=texts[2],
    )
    for index, (choice_code, choice_texts) in enumerate(choices):
        Choice.objects.create(
            question=created,
            code=choice_code,
            position=index,
            text=choice_texts[0],
            text_en=choice_texts[0],
            text_fr=choice_texts[1],
            text_es=choice_texts[2],
        )
    return created


def survey_url(invitation, language: str) -> str:
    return f"/{language}/surveys/{invitation.token}/"


# Fields and answers of every kind ---------------------------------------------------------------


@pytest.fixture
def markets_survey():
    session = finished_session()
    survey = Survey.objects.create(slug="markets", title="Markets", session=session)
    question(
        survey,
        "markets",
        QuestionKind.ECONOMIES,
        ("Which markets?", "Quels marchés ?", "¿Qué mercados?"),
        required=True,
        position=0,
    )
    question(
        survey,
        "product",
        QuestionKind.SHORT_TEXT,
        ("Your main product?", "Votre produit principal ?", "¿Su producto principal?"),
        position=1,
    )
    question(
        survey,
        "channel",
        QuestionKind.SINGLE,
        ("How do you sell?", "Comment vendez-vous ?", "¿Cómo vende?"),
        position=2,
        choices=[
            ("online", ("Online", "En ligne", "En línea")),
            ("agents", ("Through agents", "Par des agents", "Mediante agentes")),
        ],
    )
    return survey


def test_an_economies_question_offers_every_economy_by_region_in_spanish(client, markets_survey):
    invitation = invite(markets_survey, attendee(markets_survey.session))

    response = client.get(survey_url(invitation, "es"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "¿Qué mercados?" in content
    assert "¿Su producto principal?" in content
    assert "Mediante agentes" in content
    # Regions fold their economies away, named in Spanish; nothing is ticked yet.
    assert content.count("<details") == 5
    assert '<summary class="py-2">África' in content
    assert 'value="DE"' in content
    assert "Alemania" in content
    assert " checked" not in content


def test_answers_of_the_new_kinds_are_stored_with_the_registrations_facts(client, markets_survey):
    registration = attendee(markets_survey.session, women_led=True)
    invitation = invite(markets_survey, registration)

    response = client.post(
        survey_url(invitation, "es"),
        {"markets": ["DE", "JP"], "product": "  Arándanos  ", "channel": "agents"},
    )

    assert response.status_code == 200
    stored = SurveyResponse.objects.get()
    assert (stored.registration, stored.language, stored.women_led, stored.youth_led) == (
        registration,
        "es",
        True,
        False,
    )
    markets = stored.answers.get(question__code="markets")
    assert sorted(markets.economies.values_list("code", flat=True)) == ["DE", "JP"]
    assert stored.answers.get(question__code="product").text == "Arándanos"
    assert answer_values(stored) == {
        "markets": "Alemania, Japón",
        "product": "Arándanos",
        "channel": "Mediante agentes",
    }


def test_an_unknown_economy_or_a_long_short_text_is_refused_and_nothing_is_stored(
    client, markets_survey
):
    invitation = invite(markets_survey, attendee(markets_survey.session))

    response = client.post(
        survey_url(invitation, "es"), {"markets": ["DE", "XX"], "product": "x" * 201}
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"markets", "product"}
    assert "Escoja una opción válida" in errors["markets"][0]
    assert SurveyResponse.objects.count() == 0
    # What was ticked stays ticked, its region (Europe) open.
    content = response.content.decode()
    assert content.count(" open>") == 1
    assert content.count(" checked>") == 1
    assert 'value="DE" id="id_markets_3_' in content


def test_a_question_missing_a_translation_shows_a_filled_language(client, markets_survey):
    Question.objects.filter(code="product").update(text_es="", text_en="")
    invitation = invite(markets_survey, attendee(markets_survey.session))

    response = client.get(survey_url(invitation, "es"))

    labels = {field.name: field.label for field in response.context["form"]}
    assert labels["product"] == "Votre produit principal ?"

"""The question builder (registrations.questions): organisers compose questions in English,
French and Spanish, of every kind; a firm answers them through its survey link; a survey that
has answers is versioned when it changes, so results stay comparable."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from outreach.models import AuditAction, AuditEntry
from registrations.models import (
    Answer,
    Choice,
    Question,
    QuestionKind,
    Survey,
    SurveyInvitation,
    SurveyPurpose,
    SurveyResponse,
)
from registrations.questions import services as builder
from registrations.questions.answers import answer_values
from registrations.surveys import services as surveys
from tests.factories import (
    FirmFactory,
    OrganiserFactory,
    RegistrationFactory,
    SeriesFactory,
    SessionFactory,
    UserFactory,
    economy,
)
from tests.queries import assert_same_queries_for_1_and_more

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


# The builder's screens --------------------------------------------------------------------------

MARKETS = {
    "text_en": "To which markets do you plan to export?",
    "text_fr": "Vers quels marchés prévoyez-vous d’exporter ?",
    "text_es": "¿A qué mercados prevé exportar?",
    "kind": "economies",
    "required": "on",
}
PRODUCT = {
    "text_en": "Your main product?",
    "text_fr": "Votre produit principal ?",
    "text_es": "¿Su producto principal?",
    "kind": "short_text",
}
CHANNEL = {
    "text_en": "How do you sell abroad?",
    "text_fr": "Comment vendez-vous à l’étranger ?",
    "text_es": "¿Cómo vende en el extranjero?",
    "kind": "single",
    "choices_en": "Online\nThrough agents\n",
    "choices_fr": "En ligne\nPar des agents",
    "choices_es": "En línea\r\nMediante agentes",
}


def url(name, session, code=None, purpose="survey"):
    kwargs = {"pk": session.pk, "purpose": purpose}
    if code:
        kwargs["question"] = code
    return reverse(f"registrations:{name}", kwargs=kwargs)


def series_url(name, series, code=None, purpose="survey"):
    kwargs = {"slug": series.slug, "purpose": purpose}
    if code:
        kwargs["question"] = code
    return reverse(f"registrations:series-{name}", kwargs=kwargs)


@pytest.fixture
def organiser(client):
    person = OrganiserFactory()
    client.force_login(person)
    return person


def codes(survey) -> list[str]:
    return list(survey.questions.values_list("code", flat=True))


def compose(client, session, *questions, start="empty"):
    client.post(url("questions", session), {"start": start})
    for data in questions:
        response = client.post(url("question-add", session), data)
        assert response.status_code == 302, response.context["form"].errors
    return Survey.objects.get(session=session, archived_at=None)


def test_a_survey_composed_in_the_builder_is_answered_in_spanish(client, organiser):
    session = finished_session()
    other = finished_session()

    survey = compose(client, session, MARKETS, PRODUCT, CHANNEL)

    assert codes(survey) == [
        "to_which_markets_do_you_plan_to_export",
        "your_main_product",
        "how_do_you_sell_abroad",
    ]
    assert list(Choice.objects.filter(question__survey=survey).values_list("code", "text_es")) == [
        ("online", "En línea"),
        ("through_agents", "Mediante agentes"),
    ]
    assert surveys.survey_for(session) == survey
    assert surveys.survey_for(other).slug == "impact"
    client.logout()
    registration = attendee(session, language="es", youth_led=True)
    invitation = invite(surveys.survey_for(session), registration)
    page = client.get(survey_url(invitation, "es")).content.decode()
    assert "¿A qué mercados prevé exportar?" in page
    assert "¿Su producto principal?" in page
    assert "Mediante agentes" in page
    assert "Alemania" in page

    response = client.post(
        survey_url(invitation, "es"),
        {
            "to_which_markets_do_you_plan_to_export": ["BR", "JP"],
            "your_main_product": "Salmón ahumado",
            "how_do_you_sell_abroad": "through_agents",
        },
    )

    assert response.status_code == 200
    stored = SurveyResponse.objects.get()
    assert (stored.survey, stored.language, stored.youth_led) == (survey, "es", True)
    assert answer_values(stored) == {
        "to_which_markets_do_you_plan_to_export": "Brasil, Japón",
        "your_main_product": "Salmón ahumado",
        "how_do_you_sell_abroad": "Mediante agentes",
    }
    entries = AuditEntry.objects.filter(action=AuditAction.QUESTIONS_CHANGED)
    assert [entry.details["change"] for entry in entries.order_by("pk")] == [
        "created",
        "added",
        "added",
        "added",
    ]


def test_the_builder_lists_the_questions_and_moves_them(client, organiser):
    session = finished_session()
    survey = compose(client, session, MARKETS, PRODUCT, CHANNEL)

    response = client.post(url("question-move", session, "your_main_product"), {"direction": "up"})

    assert response.status_code == 302
    assert codes(survey) == [
        "your_main_product",
        "to_which_markets_do_you_plan_to_export",
        "how_do_you_sell_abroad",
    ]
    client.post(url("question-move", session, "your_main_product"), {"direction": "up"})
    client.post(
        url("question-move", session, "to_which_markets_do_you_plan_to_export"),
        {"direction": "down"},
    )
    assert codes(survey) == [
        "your_main_product",
        "how_do_you_sell_abroad",
        "to_which_markets_do_you_plan_to_export",
    ]
    page = client.get(url("questions", session)).content.decode()
    assert page.index("Your main product?") < page.index("How do you sell abroad?")
    assert "Economies or markets" in page
    assert "Online · Through agents" in page


def test_the_preview_shows_the_form_in_each_language(client, organiser):
    session = finished_session()
    compose(client, session, MARKETS, CHANNEL)

    french = client.get(url("questions-preview", session), {"language": "fr"}).content.decode()
    spanish = client.get(url("questions-preview", session), {"language": "es"}).content.decode()

    assert "Vers quels marchés prévoyez-vous d’exporter ?" in french
    assert "Par des agents" in french
    assert "Allemagne" in french
    assert "Envoyer mes réponses" in french
    assert "¿Cómo vende en el extranjero?" in spanish
    assert "Alemania" in spanish
    # The page around it stays in the organiser's language.
    assert "What a firm sees, in each language." in spanish


def test_bad_input_gets_translated_errors_and_changes_nothing(client, organiser):
    session = finished_session()
    survey = compose(client, session, PRODUCT)
    before = AuditEntry.objects.count()

    response = client.post(
        url("question-add", session),
        {
            "kind": "single",
            "choices_en": "One\nTwo\nThree",
            "choices_fr": "Un\nDeux",
        },
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["text_en"] == ["Write the question in at least one language."]
    assert errors["choices_en"] == ["Give the same number of choices in each language (3 here)."]
    assert errors["choices_fr"] == ["Give the same number of choices in each language (2 here)."]
    assert codes(survey) == ["your_main_product"]
    assert AuditEntry.objects.count() == before


def test_a_question_without_english_takes_its_code_from_another_language(client, organiser):
    session = finished_session()

    survey = compose(client, session, {"text_fr": "Quel est votre secteur ?", "kind": "text"})

    question = survey.questions.get()
    assert (question.code, question.text_en, question.text_fr) == (
        "quel_est_votre_secteur",
        "",
        "Quel est votre secteur ?",
    )


# Versions ---------------------------------------------------------------------------------------


def answer(survey, session, values: dict) -> SurveyResponse:
    invitation = invite(survey, attendee(session))
    return surveys.submit_response(invitation, values, language="en")


def test_a_change_after_an_answer_makes_the_next_version(client, organiser):
    session = finished_session()
    v1 = compose(client, session, PRODUCT, CHANNEL)
    first = answer(v1, session, {"your_main_product": "Wine", "how_do_you_sell_abroad": "online"})

    response = client.post(
        url("question-edit", session, "how_do_you_sell_abroad"),
        {**CHANNEL, "choices_en": "Online shop\nThrough agents"},
    )

    assert response.status_code == 302
    v1.refresh_from_db()
    v2 = Survey.objects.get(session=session, archived_at=None)
    assert (v1.archived_at is not None, v2.family, v2.version, v2.slug) == (
        True,
        v1.family,
        2,
        f"{v1.family}-v2",
    )
    assert codes(v2) == codes(v1) == ["your_main_product", "how_do_you_sell_abroad"]
    assert list(
        v1.questions.get(code="how_do_you_sell_abroad").choices.values_list("code", flat=True)
    ) == ["online", "through_agents"]
    # A reworded choice keeps its code.
    assert list(
        v2.questions.get(code="how_do_you_sell_abroad").choices.values_list("code", "text_en")
    ) == [("online", "Online shop"), ("through_agents", "Through agents")]
    assert first.answers.get(question__code="how_do_you_sell_abroad").question.survey == v1
    assert surveys.survey_for(session) == v2
    second = answer(
        v2, session, {"your_main_product": "Olives", "how_do_you_sell_abroad": "online"}
    )
    # Both versions' answers count together by code.
    by_code = Answer.objects.filter(
        question__survey__family=v1.family, question__code="how_do_you_sell_abroad"
    )
    assert sorted(by_code.values_list("response_id", "choices__code")) == sorted(
        [(first.pk, "online"), (second.pk, "online")]
    )
    # Further changes to the unanswered... version 2 has an answer now: the next one is 3.
    client.post(url("question-delete", session, "your_main_product"))
    v3 = Survey.objects.get(session=session, archived_at=None)
    assert (v3.version, codes(v3)) == (3, ["how_do_you_sell_abroad"])
    assert codes(v2) == ["your_main_product", "how_do_you_sell_abroad"]


def test_changes_before_any_answer_stay_in_the_first_version(client, organiser):
    session = finished_session()
    survey = compose(client, session, PRODUCT, CHANNEL)

    client.post(url("question-delete", session, "your_main_product"))
    client.post(
        url("question-edit", session, "how_do_you_sell_abroad"), {**CHANNEL, "required": "on"}
    )

    assert list(Survey.objects.filter(session=session).values_list("version", "archived_at")) == [
        (1, None)
    ]
    assert codes(survey) == ["how_do_you_sell_abroad"]
    assert survey.questions.get().required is True


def test_a_new_question_never_takes_the_code_of_a_deleted_one(client, organiser):
    session = finished_session()
    v1 = compose(client, session, PRODUCT)
    answer(v1, session, {"your_main_product": "Wine"})
    client.post(url("question-delete", session, "your_main_product"))

    compose(client, session, PRODUCT)

    v2 = Survey.objects.get(session=session, archived_at=None)
    assert codes(v2) == ["your_main_product_2"]


def test_standard_questions_keep_their_code_kind_and_choices(client, organiser):
    session = finished_session()
    client.post(url("questions", session), {"start": "standard"})
    survey = Survey.objects.get(session=session, archived_at=None)
    standard = codes(Survey.objects.get(slug="impact"))
    assert codes(survey) == standard
    assert all(survey.questions.values_list("standard", flat=True))

    # The wording changes; the kind (a disabled field) does not, whatever is posted.
    response = client.post(
        url("question-edit", session, "satisfaction"),
        {"text_en": "Were you satisfied?", "kind": "text"},
    )
    assert response.status_code == 302
    satisfaction = survey.questions.get(code="satisfaction")
    assert (satisfaction.kind, satisfaction.text_en, satisfaction.standard) == (
        "scale",
        "Were you satisfied?",
        True,
    )
    # Nor through the service.
    with pytest.raises(builder.QuestionRefused):
        builder.edit_question(
            survey,
            "satisfaction",
            data=builder.QuestionData(texts={"en": "Satisfied?"}, kind="yes_no"),
            by=organiser,
        )
    # Its choices keep their codes and their number.
    markets = {
        "text_en": "Which markets?",
        "kind": "multiple",
        "choices_en": "Africa\nThe Americas\nAsia\nEurope\nOceania",
    }
    assert (
        client.post(url("question-edit", session, "markets_considered"), markets).status_code == 302
    )
    assert list(
        survey.questions.get(code="markets_considered").choices.values_list("code", "text_en")
    ) == [
        ("africa", "Africa"),
        ("americas", "The Americas"),
        ("asia", "Asia"),
        ("europe", "Europe"),
        ("oceania", "Oceania"),
    ]
    fewer = client.post(
        url("question-edit", session, "markets_considered"),
        {**markets, "choices_en": "Africa\nElsewhere"},
    )
    assert fewer.status_code == 400
    assert fewer.context["form"].errors["choices_en"] == [
        "This is one of the programme's indicators: keep its 5 choices."
    ]
    # And they stay in the survey.
    response = client.post(url("question-delete", session, "recommend"), follow=True)
    assert "it stays in the survey" in response.content.decode()
    assert codes(survey) == standard


def test_a_change_on_one_series_leaves_another_series_untouched(client, organiser):
    mine, theirs = SeriesFactory(), SeriesFactory()
    client.post(series_url("questions", theirs), {"start": "standard"})
    client.post(series_url("questions", mine), {"start": "standard"})
    their_survey = Survey.objects.get(series=theirs)
    before = list(their_survey.questions.values_list("code", "text_en", "position"))

    client.post(series_url("question-add", mine), PRODUCT)
    client.post(
        series_url("question-edit", mine, "comments"), {"text_en": "Anything else?", "kind": "text"}
    )
    client.post(series_url("question-move", mine, "comments"), {"direction": "up"})
    client.post(series_url("question-delete", mine, "your_main_product"))

    assert list(their_survey.questions.values_list("code", "text_en", "position")) == before
    assert Survey.objects.filter(series=theirs).count() == 1
    my_survey = Survey.objects.get(series=mine)
    assert my_survey.questions.get(code="comments").text_en == "Anything else?"
    # A session of the series asks the series' survey.
    assert surveys.survey_for(finished_session(series=mine)) == my_survey


def test_registration_questions_are_composed_apart_from_the_survey(client, organiser):
    session = finished_session()

    client.post(url("questions", session, purpose="registration"), {"start": "empty"})
    client.post(url("question-add", session, purpose="registration"), PRODUCT)

    registration = Survey.objects.get(session=session, purpose=SurveyPurpose.REGISTRATION)
    assert codes(registration) == ["your_main_product"]
    assert surveys.survey_for(session).slug == "impact"
    page = client.get(url("questions", session, purpose="registration")).content.decode()
    assert "Your main product?" in page


def test_a_session_without_registration_questions_says_it_asks_its_series(client, organiser):
    series = SeriesFactory()
    session = finished_session(series=series)
    alone = finished_session()
    client.post(series_url("questions", series, purpose="registration"), {"start": "empty"})
    client.post(series_url("question-add", series, purpose="registration"), PRODUCT)

    page = client.get(url("questions", session, purpose="registration")).content.decode()
    alone_page = client.get(url("questions", alone, purpose="registration")).content.decode()

    assert "its registration form asks the series" in page
    assert "asks only its usual questions" not in page
    assert "asks only its usual questions" in alone_page


def test_an_unknown_purpose_or_question_is_not_found(client, organiser):
    session = finished_session()
    compose(client, session, PRODUCT)

    assert client.get(url("questions", session, purpose="outcome")).status_code == 404
    assert client.get(url("question-edit", session, "nothing_like_it")).status_code == 404
    assert (
        client.get(
            url("question-edit", session, "your_main_product", purpose="registration")
        ).status_code
        == 404
    )


def test_the_questions_list_asks_the_same_queries_for_1_and_3_questions(client, organiser):
    session = finished_session()
    client.post(url("questions", session), {"start": "empty"})
    survey = Survey.objects.get(session=session)

    def add_rows(count):
        for n in range(count):
            builder.add_question(
                survey,
                data=builder.QuestionData(
                    texts={"en": f"Question {n}"}, kind="multiple", choices={"en": ["A", "B"]}
                ),
                by=organiser,
            )

    _first, last = assert_same_queries_for_1_and_more(client, url("questions", session), add_rows)

    assert last.content.decode().count("<tr>") == 1 + 3


def test_the_list_says_which_version_has_answers_and_what_a_change_does(client, organiser):
    session = finished_session()
    survey = compose(client, session, PRODUCT)
    answer(survey, session, {"your_main_product": "Wine"})

    page = client.get(url("questions", session)).content.decode()

    assert "Version 1 has 1 answer. Your next change makes version 2;" in page
    edit = client.get(url("question-edit", session, "your_main_product")).content.decode()
    assert "saving makes version 2" in edit


def test_a_session_without_its_own_survey_says_what_it_asks_meanwhile(client, organiser):
    series = SeriesFactory()
    session = finished_session(series=series)
    lone = finished_session()
    client.post(series_url("questions", series), {"start": "empty"})
    Survey.objects.filter(series=series).update(title_en="The series' own survey")

    of_the_series = client.get(url("questions", session)).content.decode()
    standard = client.get(url("questions", lone)).content.decode()

    assert "this asks “The series&#x27; own survey” after the session" in of_the_series
    assert "this asks “What was the session worth to you?” after the session" in standard


def test_a_refused_change_to_an_answered_survey_makes_no_new_version(client, organiser):
    session = finished_session()
    client.post(url("questions", session), {"start": "standard"})
    survey = Survey.objects.get(session=session)
    answer(survey, session, {"satisfaction": 5})

    with pytest.raises(builder.QuestionRefused):
        builder.edit_question(
            survey,
            "recommend",
            data=builder.QuestionData(texts={"en": "Recommend us?"}, kind="scale"),
            by=organiser,
        )
    response = client.post(url("question-delete", session, "recommend"), follow=True)

    assert list(Survey.objects.filter(session=session).values_list("version", "archived_at")) == [
        (1, None)
    ]
    assert survey.questions.get(code="recommend").text_en.startswith("How likely")
    assert "it stays in the survey" in response.content.decode()
    assert not AuditEntry.objects.filter(details__change__in=["edited", "deleted"]).exists()

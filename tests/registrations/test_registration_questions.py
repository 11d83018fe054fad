"""Custom registration questions: the organisers' questions (a Survey of purpose "registration"
on a session, else on its series) asked by the public form in the visitor's language, stored
with the registration, listed, filtered and exported for organisers, and shown to a co-host
only for the registrants who agreed to share with it."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from impact import outside
from impact import queries as impact_queries
from impact.filters import ImpactFilters
from impact.queries import Audience
from outreach.models import CohostRole, OrganisationKind, Role
from registrations import confirmations, queries, services
from registrations.models import (
    Choice,
    PendingRegistration,
    Question,
    Registration,
    Survey,
    SurveyResponse,
)
from registrations.questions.answers import answer_values, save_answers
from tests.factories import (
    FirmFactory,
    OrganisationFactory,
    OrganiserFactory,
    RegistrationFactory,
    SeriesFactory,
    SessionFactory,
    UserFactory,
    registration_form,
)
from tests.queries import assert_same_queries_for_1_and_more

pytestmark = pytest.mark.django_db


def registration_questions(*, session=None, series=None, slug="market-questions") -> Survey:
    """The organisers' questions: a required single choice, an optional yes or no, markets,
    and a short text."""
    survey = Survey.objects.create(
        slug=slug, purpose="registration", title="Questions", session=session, series=series
    )
    market = Question.objects.create(
        survey=survey,
        code="market",
        position=1,
        kind="single",
        required=True,
        text_en="Which region interests you most?",
        text_fr="Quelle région vous intéresse le plus ?",
        text_es="¿Qué región le interesa más?",
    )
    Choice.objects.create(
        question=market, code="asia", position=1, text_en="Asia", text_fr="Asie", text_es="Asia"
    )
    Choice.objects.create(
        question=market,
        code="europe",
        position=2,
        text_en="Europe",
        text_fr="Europe",
        text_es="Europa",
    )
    Question.objects.create(
        survey=survey,
        code="first_time",
        position=2,
        kind="yes_no",
        text_en="Is this your first session with us?",
        text_fr="Est-ce votre première session avec nous ?",
        text_es="¿Es su primera sesión con nosotros?",
    )
    Question.objects.create(
        survey=survey,
        code="markets",
        position=3,
        kind="economies",
        text_en="Which markets do you sell to?",
        text_fr="Sur quels marchés vendez-vous ?",
        text_es="¿En qué mercados vende?",
    )
    Question.objects.create(
        survey=survey,
        code="goal",
        position=4,
        kind="short_text",
        text_en="What do you hope to learn?",
        text_fr="Qu’espérez-vous apprendre ?",
        text_es="¿Qué espera aprender?",
    )
    return survey


def answered(registration: Registration, survey: Survey, **answers) -> SurveyResponse:
    """`registration` answered `survey` with these values (as the form cleans them)."""
    response = SurveyResponse.objects.create(
        survey=survey,
        session=registration.session,
        registration=registration,
        economy_id=registration.economy_id,
        organisation_kind=registration.organisation_kind,
        size_band=registration.size_band,
        language="en",
    )
    save_answers(response, survey.questions.all(), answers)
    return response


def stored_answers(registration: Registration) -> dict:
    response = SurveyResponse.objects.get(registration=registration, survey__purpose="registration")
    with translation.override("en"):
        return answer_values(response)


def register_url(session, language="fr") -> str:
    return f"/{language}/sessions/{session.pk}/register/"


def as_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


# --- The public form -----------------------------------------------------------------------


def test_the_form_asks_the_sessions_questions_in_the_visitors_language(client):
    session = SessionFactory()
    registration_questions(session=session)

    page = client.get(register_url(session)).content.decode()

    assert "Quelle région vous intéresse le plus ?" in page
    assert "Asie" in page
    assert "Sur quels marchés vendez-vous ?" in page
    assert "Which region" not in page
    # Asked after the person's details, before the agreement to the privacy notice.
    assert page.index('name="time_zone"') < page.index('name="question_market"')
    assert page.index('name="question_market"') < page.index('name="consent"')


def test_answers_given_in_french_are_stored_with_the_registration(client):
    session = SessionFactory()
    survey = registration_questions(session=session)

    response = client.post(
        register_url(session),
        registration_form(
            question_market="europe",
            question_first_time="yes",
            question_markets=["PE", "CO"],
            question_goal="Vendre en Europe",
        ),
    )

    assert response.status_code == 302
    registration = Registration.objects.get()
    stored = SurveyResponse.objects.get()
    assert (stored.survey, stored.session, stored.registration, stored.language) == (
        survey,
        session,
        registration,
        "fr",
    )
    assert (stored.economy_id, stored.organisation_kind, stored.size_band) == (
        "CL",
        "firm",
        "micro",
    )
    answers = {answer.question.code: answer for answer in stored.answers.all()}
    assert [c.code for c in answers["market"].choices.all()] == ["europe"]
    assert answers["first_time"].boolean is True
    assert sorted(e.code for e in answers["markets"].economies.all()) == ["CO", "PE"]
    assert answers["goal"].text == "Vendre en Europe"


def test_a_required_question_left_unanswered_gets_a_translated_error_and_registers_nothing(
    client,
):
    session = SessionFactory()
    registration_questions(session=session)

    response = client.post(register_url(session), registration_form(question_first_time="no"))

    assert response.status_code == 400
    assert response.context["form"].errors["question_market"] == ["Ce champ est obligatoire."]
    page = response.content.decode()
    assert 'href="#id_question_market_0"' in page
    assert 'id="id_question_market_0"' in page
    assert Registration.objects.count() == 0
    assert SurveyResponse.objects.count() == 0


def test_the_error_summary_links_to_the_first_box_of_a_required_markets_question(client):
    session = SessionFactory()
    registration_questions(session=session)
    Question.objects.filter(code__in=["markets", "goal"]).update(required=True)

    response = client.post(register_url(session), registration_form(question_market="asia"))

    page = response.content.decode()
    assert response.status_code == 400
    assert 'href="#id_question_markets_0_0"' in page
    assert 'id="id_question_markets_0_0"' in page
    assert 'href="#id_question_goal"' in page
    assert 'id="id_question_goal"' in page


def test_an_unknown_choice_is_refused_in_the_visitors_language(client):
    session = SessionFactory()
    registration_questions(session=session)

    response = client.post(register_url(session, "es"), registration_form(question_market="mars"))

    assert response.status_code == 400
    assert response.context["form"].errors["question_market"] == [
        "Escoja una opción válida. mars no es una de las opciones disponibles."
    ]
    assert Registration.objects.count() == 0


def test_series_questions_apply_to_each_session_of_the_series_and_a_sessions_own_override_them(
    client,
):
    series = SeriesFactory()
    first, second, own = (SessionFactory(series=series) for _ in range(3))
    for_series = registration_questions(series=series, slug="series-questions")
    for_own = Survey.objects.create(
        slug="own-questions", purpose="registration", title="Own", session=own
    )
    Question.objects.create(
        survey=for_own,
        code="partner",
        kind="yes_no",
        text_en="Do you look for a partner?",
        text_fr="Cherchez-vous un partenaire ?",
        text_es="¿Busca un socio?",
    )

    assert queries.registration_survey(first) == for_series
    assert queries.registration_survey(second) == for_series
    assert queries.registration_survey(own) == for_own
    assert "Quelle région" in client.get(register_url(second)).content.decode()
    own_page = client.get(register_url(own)).content.decode()
    assert "Cherchez-vous un partenaire ?" in own_page
    assert "Quelle région" not in own_page


def test_an_archived_version_or_another_purpose_asks_nothing():
    session = SessionFactory()
    Survey.objects.create(
        slug="old",
        purpose="registration",
        title="Old",
        session=session,
        archived_at="2026-01-01T00:00Z",
    )
    Survey.objects.create(slug="after", purpose="after_session", title="After", session=session)

    assert queries.registration_survey(session) is None


def test_a_session_without_questions_registers_as_before(client):
    with_questions = SessionFactory()
    registration_questions(session=with_questions)
    without = SessionFactory()

    form = client.get(register_url(without)).context["form"]
    response = client.post(register_url(without), registration_form())

    assert not [name for name in form.fields if name.startswith("question_")]
    assert response.status_code == 302
    assert Registration.objects.get().session == without
    assert SurveyResponse.objects.count() == 0


def test_optional_questions_left_empty_store_no_response(client):
    session = SessionFactory()
    survey = registration_questions(session=session)
    survey.questions.filter(code="market").update(required=False)

    response = client.post(register_url(session), registration_form())

    assert response.status_code == 302
    assert Registration.objects.count() == 1
    assert SurveyResponse.objects.count() == 0


def test_a_known_address_answers_ride_in_the_pending_details_and_are_stored_on_confirming(
    client,
):
    session = SessionFactory()
    registration_questions(session=session)
    person = UserFactory(email="lucia@example.org", language="es")

    client.post(
        register_url(session),
        registration_form(question_market="asia", question_markets=["JP"]),
    )

    pending = PendingRegistration.objects.get()
    assert pending.details["answers"] == {"market": "asia", "markets": ["JP"]}
    assert SurveyResponse.objects.count() == 0
    with translation.override("fr"):
        link = reverse(
            "registrations:confirm-registration",
            kwargs={"token": confirmations.confirmation_token(pending)},
        )
    page = client.get(link).content.decode()
    assert 'Quelle région vous intéresse le plus ?</dt><dd class="col-sm-8">Asie</dd>' in page
    assert 'Sur quels marchés vendez-vous ?</dt><dd class="col-sm-8">Japon</dd>' in page

    registration = services.confirm_pending_registration(pending)

    assert registration.person == person
    assert stored_answers(registration) == {"market": "Asia", "markets": "Japan"}
    assert SurveyResponse.objects.get().language == "es"


def test_registering_again_after_cancelling_replaces_the_answers(client):
    session = SessionFactory()
    registration_questions(session=session)
    person = UserFactory()
    client.force_login(person)
    client.post(
        register_url(session, "en"),
        registration_form(question_market="asia", question_first_time="yes"),
    )
    services.cancel_registration(Registration.objects.get())

    client.post(register_url(session, "en"), registration_form(question_market="europe"))

    registration = Registration.objects.get()
    assert registration.status == "confirmed"
    assert stored_answers(registration) == {"market": "Europe"}
    assert SurveyResponse.objects.count() == 1


def test_registering_again_while_registered_keeps_the_answers(client):
    session = SessionFactory()
    registration_questions(session=session)
    client.force_login(UserFactory())
    client.post(register_url(session, "en"), registration_form(question_market="asia"))

    client.post(register_url(session, "en"), registration_form(question_market="europe"))

    assert stored_answers(Registration.objects.get()) == {"market": "Asia"}


def test_a_registration_made_without_the_form_answers_no_question():
    session = SessionFactory()
    registration_questions(session=session)
    person = UserFactory()

    services.register(session, person=person, organisation=person.organisation)

    assert Registration.objects.count() == 1
    assert SurveyResponse.objects.count() == 0


# --- The organisers' list and export -------------------------------------------------------


@pytest.fixture
def two_sessions():
    """A session whose registrants answered its questions, and a second session of the same
    series whose registrants answered the same questions (and must never show up)."""
    series = SeriesFactory()
    session = SessionFactory(series=series)
    other = SessionFactory(series=series)
    survey = registration_questions(series=series)
    europe = RegistrationFactory(
        session=session, person=UserFactory(full_name="Ana Europa", organisation=FirmFactory())
    )
    answered(europe, survey, market="europe", first_time=True, markets=["PE"], goal="=1+1")
    asia = RegistrationFactory(session=session, person=UserFactory(full_name="Kenji Asia"))
    answered(asia, survey, market="asia", first_time=False, markets=["JP", "KR"])
    elsewhere = RegistrationFactory(session=other, person=UserFactory(full_name="Otro Europa"))
    answered(elsewhere, survey, market="europe", first_time=True, markets=["PE"])
    return session, survey


def test_the_organisers_list_shows_a_column_per_question(client, two_sessions):
    session, _survey = two_sessions
    client.force_login(OrganiserFactory())

    page = client.get(f"/en/manage/sessions/{session.pk}/registrations/").content.decode()

    assert '<th scope="col">Which region interests you most?</th>' in page
    assert '<td data-label="Which region interests you most?">Europe</td>' in page
    assert '<td data-label="Which markets do you sell to?">Japan, Republic of Korea</td>' in page
    assert "Otro Europa" not in page


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({"q_market": "europe"}, ["Ana Europa"]),
        ({"q_market": "asia"}, ["Kenji Asia"]),
        ({"q_first_time": "no"}, ["Kenji Asia"]),
        ({"q_markets": "pe"}, ["Ana Europa"]),
        ({"q_markets": "KR", "q_market": "asia"}, ["Kenji Asia"]),
        ({"q_markets": "KR", "q_market": "europe"}, []),
        ({"q_market": "mars"}, []),
        ({"q_first_time": "maybe"}, []),
        ({"q_goal": "anything"}, ["Ana Europa", "Kenji Asia"]),  # texts filter nothing
        ({"q_unknown": "x"}, ["Ana Europa", "Kenji Asia"]),
    ],
)
def test_the_organisers_list_filters_by_an_answer_and_leaves_other_sessions_out(
    client, two_sessions, query, names
):
    session, _survey = two_sessions
    client.force_login(OrganiserFactory())

    response = client.get(f"/en/manage/sessions/{session.pk}/registrations/", query)

    listed = [r.person.full_name for r in response.context["registrations"]]
    assert sorted(listed) == names


def test_answers_to_an_earlier_version_of_the_questions_are_listed_and_filtered(client):
    session = SessionFactory()
    first = registration_questions(session=session, slug="first-version")
    early = RegistrationFactory(session=session, person=UserFactory(full_name="Early Bird"))
    answered(early, first, market="europe", markets=["PE"])
    Survey.objects.filter(pk=first.pk).update(archived_at=timezone.now())
    second = registration_questions(session=session, slug="second-version")
    Survey.objects.filter(pk=second.pk).update(family="first-version", version=2)
    late = RegistrationFactory(session=session, person=UserFactory(full_name="Late Comer"))
    answered(late, second, market="asia", markets=["JP"])
    client.force_login(OrganiserFactory())
    url = f"/en/manage/sessions/{session.pk}/registrations/"

    europe = client.get(url, {"q_market": "europe"})
    peru = client.get(url, {"q_markets": "PE"})

    assert [r.person.full_name for r in europe.context["registrations"]] == ["Early Bird"]
    assert [r.person.full_name for r in peru.context["registrations"]] == ["Early Bird"]
    assert (
        '<td data-label="Which region interests you most?">Europe</td>' in europe.content.decode()
    )
    markets = {f["name"]: f for f in peru.context["answer_filters"]}["q_markets"]
    assert [code for code, _name in markets["options"]] == ["JP", "PE"]


def test_the_list_offers_each_questions_answers_as_filter_choices(client, two_sessions):
    session, _survey = two_sessions
    client.force_login(OrganiserFactory())

    response = client.get(f"/fr/manage/sessions/{session.pk}/registrations/", {"q_market": "asia"})

    filters = {f["name"]: f for f in response.context["answer_filters"]}
    assert list(filters) == ["q_market", "q_first_time", "q_markets"]
    assert filters["q_market"]["options"] == [("asia", "Asie"), ("europe", "Europe")]
    assert filters["q_market"]["value"] == "asia"
    assert filters["q_first_time"]["options"] == [("yes", "Oui"), ("no", "Non")]
    # The markets someone named, at any session of the questions: never a list of 250.
    assert [code for code, _name in filters["q_markets"]["options"]] == ["JP", "PE", "KR"]
    assert '<option value="asia" selected>Asie</option>' in response.content.decode()


def test_the_organisers_list_asks_as_many_queries_for_one_answer_as_for_three(client):
    session = SessionFactory()
    survey = registration_questions(session=session)
    client.force_login(OrganiserFactory())

    def add_rows(count):
        for _ in range(count):
            registration = RegistrationFactory(session=session)
            answered(registration, survey, market="asia", markets=["JP", "CN"], first_time=True)

    assert_same_queries_for_1_and_more(
        client, f"/en/manage/sessions/{session.pk}/registrations/", add_rows
    )


def test_the_organisers_export_has_a_column_per_question_in_english_and_is_formula_safe(
    client, two_sessions
):
    session, _survey = two_sessions
    client.force_login(OrganiserFactory())

    response = client.get(f"/fr/manage/sessions/{session.pk}/registrations.csv")

    rows = as_rows(response)
    assert rows[0][-4:] == [
        "Which region interests you most?",
        "Is this your first session with us?",
        "Which markets do you sell to?",
        "What do you hope to learn?",
    ]
    by_name = {row[0]: row[-4:] for row in rows[1:]}
    assert by_name == {
        "Ana Europa": ["Europe", "Oui", "Pérou", "'=1+1"],
        "Kenji Asia": ["Asie", "Non", "Japon, République de Corée", ""],
    }


def test_the_organisers_export_holds_answer_codes_and_follows_the_answer_filter(
    client, two_sessions
):
    session, _survey = two_sessions
    client.force_login(OrganiserFactory())

    response = client.get(
        f"/en/manage/sessions/{session.pk}/registrations.csv",
        {"codes": "1", "q_first_time": "no"},
    )

    rows = as_rows(response)
    assert rows[0][-4:] == ["market", "first_time", "markets", "goal"]
    assert [row[-4:] for row in rows[1:]] == [["asia", "no", "JP;KR", ""]]


# --- Co-hosts --------------------------------------------------------------------------------


@pytest.fixture
def cohosted():
    """A session co-hosted by two ministries: one registrant shares with the first only, one
    shares with nobody."""
    first = OrganisationFactory(name="Ministerio Uno", kind=OrganisationKind.GOVERNMENT)
    second = OrganisationFactory(name="Ministerio Dos", kind=OrganisationKind.GOVERNMENT)
    session = SessionFactory(cohosts=[first, second])
    survey = registration_questions(session=session)
    sharing = RegistrationFactory(
        session=session,
        person=UserFactory(full_name="Ana Comparte"),
        shares_with_cohosts=True,
        shared_with=[first],
    )
    answered(sharing, survey, market="europe", goal="Socios en Lyon")
    private = RegistrationFactory(session=session, person=UserFactory(full_name="Beto Reservado"))
    answered(private, survey, market="asia", goal="Nadie lo sabe")
    return session, first, second


def member_of(organisation):
    return UserFactory(role=Role.COHOST, cohost_role=CohostRole.VIEWER, organisation=organisation)


def test_a_cohost_sees_the_answers_of_those_who_share_with_it_and_nothing_of_others(
    client, cohosted
):
    session, first, _second = cohosted
    client.force_login(member_of(first))

    response = client.get(f"/en/cohost/sessions/{session.pk}/")

    page = response.content.decode()
    assert [row["answers"] for row in response.context["registrants"]] == [
        [
            ("Which region interests you most?", "Europe"),
            ("Is this your first session with us?", ""),
            ("Which markets do you sell to?", ""),
            ("What do you hope to learn?", "Socios en Lyon"),
        ]
    ]
    assert "Socios en Lyon" in page
    assert "Nadie lo sabe" not in page
    assert "Beto Reservado" not in page


def test_a_cohost_export_carries_the_answers_of_those_who_share_with_it_only(client, cohosted):
    session, first, _second = cohosted
    client.force_login(member_of(first))

    rows = as_rows(client.get(f"/en/cohost/sessions/{session.pk}/registrants.csv"))

    assert rows[0][-2:] == ["Which markets do you sell to?", "What do you hope to learn?"]
    assert [row[0] for row in rows[1:]] == ["Ana Comparte"]
    assert rows[1][-4:] == ["Europe", "", "", "Socios en Lyon"]


def test_a_cohost_nobody_shared_with_sees_no_answer(client, cohosted):
    session, _first, second = cohosted
    client.force_login(member_of(second))

    page = client.get(f"/en/cohost/sessions/{session.pk}/").content.decode()
    rows = as_rows(client.get(f"/en/cohost/sessions/{session.pk}/registrants.csv"))

    assert "Socios en Lyon" not in page
    assert "Nadie lo sabe" not in page
    assert len(rows) == 1  # the header only
    assert "Socios en Lyon" not in str(rows)


def test_another_organisations_session_is_not_found_by_a_cohost(client, cohosted):
    session, _first, _second = cohosted
    client.force_login(member_of(OrganisationFactory(kind=OrganisationKind.GOVERNMENT)))

    assert client.get(f"/en/cohost/sessions/{session.pk}/").status_code == 404
    assert client.get(f"/en/cohost/sessions/{session.pk}/registrants.csv").status_code == 404


def test_an_erased_person_shares_no_answer_any_more(client, cohosted):
    session, first, _second = cohosted
    Registration.objects.filter(person__full_name="Ana Comparte").update(
        person=None, anonymised_at="2026-01-01T00:00Z", anonymised_by="erasure"
    )
    client.force_login(member_of(first))

    rows = as_rows(client.get(f"/en/cohost/sessions/{session.pk}/registrants.csv"))

    assert len(rows) == 1


def test_the_cohost_page_asks_as_many_queries_for_one_answering_registrant_as_for_three(client):
    ministry = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)
    session = SessionFactory(cohosts=[ministry])
    survey = registration_questions(session=session)
    client.force_login(member_of(ministry))

    def add_rows(count):
        for _ in range(count):
            registration = RegistrationFactory(session=session, shares_with_cohosts=True)
            answered(registration, survey, market="asia", markets=["JP", "CN"], first_time=True)

    _, response = assert_same_queries_for_1_and_more(
        client, f"/en/cohost/sessions/{session.pk}/", add_rows
    )
    assert len(response.context["registrants"]) == 3


# --- Never survey results ------------------------------------------------------------------


def test_answers_to_registration_questions_never_count_as_survey_results():
    """A registration question is the registrant's own answer, not a survey's: it shows in no
    survey result, indicator or comment, even coded as one of the standard indicators."""
    session = SessionFactory(status="finished")
    survey = Survey.objects.create(
        slug="coded-like-the-survey", purpose="registration", title="Q", session=session
    )
    for code, kind in (("satisfaction", "scale"), ("informs_export_decision", "yes_no")):
        Question.objects.create(survey=survey, code=code, kind=kind, text_en=code)
    Question.objects.create(survey=survey, code="plans", kind="text", text_en="Your plans?")
    registration = RegistrationFactory(session=session, shares_with_cohosts=True)
    answered(registration, survey, satisfaction=1, informs_export_decision=False, plans="Secret")

    assert impact_queries.survey_results(session) == []
    assert impact_queries.survey_answer_records([session.pk]) == []
    assert list(impact_queries.session_comments(session)) == []
    assert outside._survey_records([session.pk]) == []
    indicators = impact_queries.survey_indicators(ImpactFilters(), Audience.staff())
    assert (indicators["satisfaction_answers"], indicators["informs_export_decision_answers"]) == (
        0,
        0,
    )

"""After a session: those who attended are invited, in their language, to a short survey by a
single-use link that needs no sign-in; one reminder; the survey closes after a while."""

import re
import secrets
from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.tasks import default_task_backend
from django.utils import timezone

from registrations.models import (
    Answer,
    Choice,
    Message,
    MessageKind,
    MessageStatus,
    Question,
    Survey,
    SurveyInvitation,
    SurveyResponse,
)
from registrations.surveys import services as surveys
from tests.factories import (
    FirmFactory,
    OrganiserFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    economy,
)

pytestmark = pytest.mark.django_db

SITE_URL = "https://outreach.example"
TITLES = {
    "en": "Selling to the EU: export readiness",
    "fr": "Vendre dans l’UE : être prêt à exporter",
    "es": "Vender en la UE: preparación para exportar",
}
DEFAULT_CODES = [
    "satisfaction",
    "simplifies_market_research",
    "informs_export_decision",
    "markets_considered",
    "recommend",
    "comments",
]
FRENCH_QUESTIONS = [
    "Êtes-vous satisfait de la session ?",
    "Cette session vous aidera-t-elle à simplifier vos études de marché ?",
    "Éclairera-t-elle une décision d’exportation de votre entreprise ?",
    "Quels marchés votre entreprise envisage-t-elle désormais ?",
    "Quelle est la probabilité que vous recommandiez ces sessions à une autre entreprise ?",
    "Des commentaires ?",
]
ANSWERS = {
    "satisfaction": "4",
    "simplifies_market_research": "yes",
    "informs_export_decision": "no",
    "markets_considered": ["africa", "europe"],
    "recommend": "0",
    "comments": "Très utile, surtout les règles d’origine.",
}
STORED_ANSWERS = {
    "satisfaction": (4, None, "", []),
    "simplifies_market_research": (None, True, "", []),
    "informs_export_decision": (None, False, "", []),
    "markets_considered": (None, None, "", ["africa", "europe"]),
    "recommend": (0, None, "", []),
    "comments": (None, None, "Très utile, surtout les règles d’origine.", []),
}


def finished_session(**fields):
    starts_at = (timezone.now() - timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    return SessionFactory(
        title_en=TITLES["en"],
        title_fr=TITLES["fr"],
        title_es=TITLES["es"],
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=90),
        status="finished",
        **fields,
    )


def registration(session, name, email, language, *, attended=True, economy_code="SN", size="small"):
    firm = FirmFactory(name=f"{name} SARL", economy=economy(economy_code), size_band=size)
    person = UserFactory(full_name=name, email=email, language=language, organisation=firm)
    return RegistrationFactory(
        session=session,
        person=person,
        attended=attended,
        minutes_attended={True: 60, False: 0, None: None}[attended],
    )


@pytest.fixture
def session():
    return finished_session()


@pytest.fixture
def people(session) -> dict:
    """Three who attended, in English, French and Spanish, and two who did not."""
    return {
        "en": registration(
            session, "Kwame Mensah", "kwame@ghanacocoa.example", "en", economy_code="GH"
        ),
        "fr": registration(
            session, "Awa Ndiaye", "awa@dakarsoap.example", "fr", economy_code="SN", size="micro"
        ),
        "es": registration(
            session,
            "Lucía Pérez",
            "lucia@frutasdelsur.example",
            "es",
            economy_code="CL",
            size="medium",
        ),
        "absent": registration(
            session, "Chidi Okeke", "chidi@lagostextiles.example", "en", attended=False
        ),
        "unknown": registration(
            session, "Li Wei", "li.wei@shenzhen-parts.example", "en", attended=None
        ),
    }


def survey_url(invitation, language: str) -> str:
    return f"/{language}/surveys/{invitation.token}/"


def invitation_of(registration) -> SurveyInvitation:
    return SurveyInvitation.objects.get(registration=registration)


def answers_of(response: SurveyResponse) -> dict:
    return {
        answer.question.code: (
            answer.number,
            answer.boolean,
            answer.text,
            sorted(choice.code for choice in answer.choices.all()),
        )
        for answer in response.answers.all()
    }


def survey_links(body: str) -> list[str]:
    return re.findall(rf"{re.escape(SITE_URL)}/[a-z]{{2}}/surveys/[^/\s]+/", body)


def template_names(response) -> list[str]:
    return [template.name for template in response.templates]


# Invitations ----------------------------------------------------------------------------------


def test_those_who_attended_a_finished_session_are_invited_once(session, people):
    now = timezone.now()

    invited = surveys.invite_attendees(session, now=now)
    again = surveys.invite_attendees(session, now=now + timedelta(hours=1))

    assert (invited, again) == (3, 0)
    invitations = SurveyInvitation.objects.order_by("registration")
    default = Survey.objects.get(slug="impact")
    assert [(i.registration, i.survey, i.closes_at) for i in invitations] == [
        (people[key], default, now + timedelta(days=14)) for key in ("en", "fr", "es")
    ]
    assert sorted(
        Message.objects.filter(kind=MessageKind.SURVEY).values_list("registration", flat=True)
    ) == sorted(people[key].pk for key in ("en", "fr", "es"))


def test_nobody_is_invited_before_the_session_ends(people, session):
    before_the_end = session.ends_at - timedelta(minutes=1)
    running = SessionFactory(
        starts_at=timezone.now() - timedelta(minutes=30),
        ends_at=timezone.now() + timedelta(minutes=60),
    )
    # Checked in at the door already, but the session is still going on.
    registration(running, "Zoë Müller", "zoe@alpenholz.example", "en")

    assert surveys.invite_attendees(session, now=before_the_end) == 0
    assert surveys.invite_attendees(running) == 0
    assert SurveyInvitation.objects.count() == 0
    assert Message.objects.count() == 0


def test_each_attendee_gets_the_link_in_their_language(session, people, run_tasks):
    now = timezone.now()
    surveys.invite_attendees(session, now=now)

    ran = run_tasks(include_deferred=False)

    assert [name for name, _args in ran] == ["send_message"] * 3
    emails = {email.to[0]: email for email in mail.outbox}
    expected = {
        "en": ("What was it worth to you? ", "Hello Kwame Mensah,", "Answer the survey: "),
        # A subject is one line: its spaces, the no-break one too, are made plain.
        "fr": (
            "Qu’en avez-vous retiré ? ",
            "Bonjour Awa Ndiaye,",
            "Répondre au questionnaire\u00a0: ",
        ),
        "es": ("¿Qué le ha aportado? ", "Hola, Lucía Pérez:", "Responder a la encuesta: "),
    }
    for language, (subject, greeting, link_text) in expected.items():
        person = people[language].person
        email = emails.pop(person.email)
        link = f"{SITE_URL}{survey_url(invitation_of(people[language]), language)}"
        assert email.subject == f"{subject}{TITLES[language]}"
        assert email.body.startswith(f"{greeting}\n")
        assert f"{link_text}{link}\n" in email.body
        assert survey_links(email.body) == [link]
        assert "/cancel/" not in email.body
    assert emails == {}
    assert (
        list(Message.objects.filter(kind=MessageKind.SURVEY).values_list("status", flat=True))
        == [MessageStatus.SENT] * 3
    )
    assert [(r.task.name, r.args, r.task.run_after) for r in default_task_backend.results] == [
        ("send_survey_reminders", [session.pk], now + timedelta(days=3))
    ]


def test_the_reminder_reaches_only_those_who_have_not_answered(client, session, people, run_tasks):
    surveys.invite_attendees(session)
    run_tasks(include_deferred=False)
    client.post(survey_url(invitation_of(people["fr"]), "fr"), ANSWERS)
    mail.outbox.clear()

    ran = run_tasks()  # the reminder round is due three days later: a worker runs it then

    assert [name for name, _args in ran] == [
        "send_survey_reminders",
        "send_message",
        "send_message",
    ]
    reminders = sorted((email.to[0], email.subject) for email in mail.outbox)
    assert reminders == [
        ("kwame@ghanacocoa.example", f"A reminder: two minutes for {TITLES['en']}"),
        ("lucia@frutasdelsur.example", f"Recordatorio: dos minutos para {TITLES['es']}"),
    ]
    for email in mail.outbox:
        reminded = people["en"] if email.to[0] == "kwame@ghanacocoa.example" else people["es"]
        language = reminded.person.language
        assert survey_links(email.body) == [
            f"{SITE_URL}{survey_url(invitation_of(reminded), language)}"
        ]
    assert surveys.send_reminders(session) == 0  # one reminder, never two
    assert invitation_of(people["fr"]).reminded_at is None


def test_no_reminder_once_the_survey_has_closed(session, people, run_tasks):
    surveys.invite_attendees(session)
    run_tasks(include_deferred=False)
    closes_at = invitation_of(people["en"]).closes_at

    assert surveys.send_reminders(session, now=closes_at) == 0
    assert not Message.objects.filter(kind=MessageKind.SURVEY_REMINDER).exists()


def test_the_attendance_page_says_the_survey_goes_with_the_follow_ups(client, session, people):
    # No button sends it any more: the attendees' follow-up carries the link
    # (registrations.follow_ups, tested in tests/registrations/test_follow_ups.py).
    client.force_login(OrganiserFactory())

    page = client.get(f"/en/manage/sessions/{session.pk}/attendance/").content.decode()

    assert "survey/invite" not in page
    assert "data-follow-ups" in page
    assert "survey: 0 answers of 0 invited" in page


# Answering --------------------------------------------------------------------------------------


@pytest.fixture
def invitation(session, people) -> SurveyInvitation:
    """The French-speaking attendee's invitation."""
    surveys.invite_attendees(session)
    return invitation_of(people["fr"])


def test_the_survey_opens_in_french_without_signing_in(client, invitation):
    response = client.get(survey_url(invitation, "fr"))

    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    content = response.content.decode()
    assert '<html lang="fr"' in content
    assert list(response.context["form"].fields) == DEFAULT_CODES
    assert [field.label for field in response.context["form"]] == FRENCH_QUESTIONS
    assert "<h1>Que vous a apporté la session ?</h1>" in content
    assert TITLES["fr"] in content
    assert "Envoyer mes réponses" in content
    assert "1 = pas du tout, 5 = tout à fait" in content


def test_answers_of_every_kind_are_stored(client, invitation, people):
    response = client.post(survey_url(invitation, "fr"), ANSWERS)

    assert response.status_code == 200
    assert template_names(response)[0] == "registrations/survey_thanks.html"
    assert "<h1>Merci</h1>" in response.content.decode()
    stored = SurveyResponse.objects.get()
    assert (
        stored.survey,
        stored.session,
        stored.registration,
        stored.economy_id,
        stored.organisation_kind,
        stored.size_band,
        stored.language,
    ) == (
        invitation.survey,
        invitation.registration.session,
        people["fr"],
        "SN",
        "firm",
        "micro",
        "fr",
    )
    assert answers_of(stored) == STORED_ANSWERS
    invitation.refresh_from_db()
    assert invitation.used_at is not None


def test_questions_left_optional_may_stay_unanswered(client, invitation):
    required_only = {
        code: value
        for code, value in ANSWERS.items()
        if code not in ("markets_considered", "comments")
    }

    response = client.post(survey_url(invitation, "fr"), required_only)

    assert response.status_code == 200
    assert set(answers_of(SurveyResponse.objects.get())) == {
        "satisfaction",
        "simplifies_market_research",
        "informs_export_decision",
        "recommend",
    }


def test_a_link_works_once(client, invitation):
    client.post(survey_url(invitation, "fr"), ANSWERS)

    again = client.post(survey_url(invitation, "fr"), {**ANSWERS, "satisfaction": "1"})
    looking = client.get(survey_url(invitation, "fr"))

    assert (again.status_code, looking.status_code) == (404, 404)
    assert template_names(again)[0] == "registrations/survey_closed.html"
    assert "Ce lien vers le questionnaire ne peut pas être utilisé" in looking.content.decode()
    assert SurveyResponse.objects.count() == 1
    assert answers_of(SurveyResponse.objects.get())["satisfaction"] == (4, None, "", [])


@pytest.mark.parametrize(
    "token",
    [
        secrets.token_urlsafe(24),  # a token of the right shape that nobody was given
        "x" * 65,  # longer than any token
        "registration",  # replaced below by the person's registration (cancel) token
    ],
)
def test_a_guessed_link_opens_nothing(client, invitation, token):
    if token == "registration":
        token = invitation.registration.token

    looking = client.get(f"/fr/surveys/{token}/")
    answering = client.post(f"/fr/surveys/{token}/", ANSWERS)

    assert (looking.status_code, answering.status_code) == (404, 404)
    assert template_names(answering)[0] == "registrations/survey_closed.html"
    assert SurveyResponse.objects.count() == 0
    assert SurveyInvitation.objects.filter(used_at__isnull=False).count() == 0


def test_a_token_opens_only_its_own_survey(client, session, people):
    workshop = finished_session()
    kofi = registration(
        workshop, "Kofi Boateng", "kofi@accrafoods.example", "en", economy_code="GH"
    )
    own = Survey.objects.create(
        slug="rules-of-origin-workshop",
        title="The rules of origin workshop",
        title_fr="L’atelier sur les règles d’origine",
        session=workshop,
    )
    useful = Question.objects.create(
        survey=own, code="most_useful", kind="single", text="Most useful part", required=True
    )
    Choice.objects.create(question=useful, code="rules", text="The rules", position=0)
    Choice.objects.create(question=useful, code="cases", text="The cases", position=1)
    Question.objects.create(
        survey=own, code="pace", kind="scale", text="Was the pace right?", position=1
    )
    surveys.invite_attendees(session)
    surveys.invite_attendees(workshop)
    kofi_invitation = invitation_of(kofi)
    awa_invitation = invitation_of(people["fr"])

    kofi_form = client.get(survey_url(kofi_invitation, "en")).context["form"]
    awa_form = client.get(survey_url(awa_invitation, "fr")).context["form"]
    client.post(
        survey_url(kofi_invitation, "en"),
        {**ANSWERS, "most_useful": "cases", "pace": "5"},  # the default survey's answers too
    )

    assert kofi_invitation.survey == own
    assert awa_invitation.survey == Survey.objects.get(slug="impact")
    assert list(kofi_form.fields) == ["most_useful", "pace"]
    assert list(awa_form.fields) == DEFAULT_CODES
    kofis = SurveyResponse.objects.get()
    assert (kofis.survey, kofis.session, kofis.registration) == (own, workshop, kofi)
    assert answers_of(kofis) == {
        "most_useful": (None, None, "", ["cases"]),
        "pace": (5, None, "", []),
    }
    assert not Answer.objects.exclude(question__survey=own).exists()
    assert surveys.response_rate(workshop) == (1, 1)
    assert surveys.response_rate(session) == (0, 3)


def test_a_closed_survey_cannot_be_answered(client, invitation):
    SurveyInvitation.objects.filter(pk=invitation.pk).update(
        closes_at=timezone.now() - timedelta(minutes=1)
    )

    looking = client.get(survey_url(invitation, "fr"))
    answering = client.post(survey_url(invitation, "fr"), ANSWERS)

    assert (looking.status_code, answering.status_code) == (404, 404)
    assert template_names(looking)[0] == "registrations/survey_closed.html"
    assert SurveyResponse.objects.count() == 0


def test_an_invitation_stays_open_for_the_surveys_days(session, people):
    default = Survey.objects.get(slug="impact")
    default.open_days = 7
    default.save()
    now = timezone.now()
    surveys.invite_attendees(session, now=now)
    invitation = invitation_of(people["fr"])

    assert surveys.open_invitation(invitation.token, now=now + timedelta(days=6)) == invitation
    with pytest.raises(surveys.SurveyClosed):
        surveys.open_invitation(invitation.token, now=now + timedelta(days=7))


def test_an_anonymous_survey_keeps_the_firm_not_the_person(client, session, people):
    Survey.objects.filter(slug="impact").update(anonymous=True)
    surveys.invite_attendees(session)
    invitation = invitation_of(people["es"])

    page = client.get(survey_url(invitation, "es"))
    client.post(survey_url(invitation, "es"), ANSWERS)
    again = client.post(survey_url(invitation, "es"), ANSWERS)

    assert "anónimas" in page.content.decode()
    stored = SurveyResponse.objects.get()
    assert (
        stored.registration,
        stored.session,
        stored.economy_id,
        stored.organisation_kind,
        stored.size_band,
        stored.language,
    ) == (None, session, "CL", "firm", "medium", "es")
    assert answers_of(stored) == STORED_ANSWERS
    assert again.status_code == 404
    assert surveys.response_rate(session) == (1, 3)


def test_an_anonymous_response_cannot_be_traced_to_its_invitation(client, session, people):
    Survey.objects.filter(slug="impact").update(anonymous=True)
    surveys.invite_attendees(session)
    for key in ("en", "fr", "es"):
        client.post(survey_url(invitation_of(people[key]), key), ANSWERS)

    same_moment = [
        SurveyInvitation.objects.filter(used_at=response.submitted_at).count()
        for response in SurveyResponse.objects.all()
    ]

    assert 1 not in same_moment


def test_a_registration_has_one_response_at_most(client, invitation, people):
    client.post(survey_url(invitation, "fr"), ANSWERS)
    first = SurveyResponse.objects.get()

    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyResponse.objects.create(
            survey=first.survey,
            session=first.session,
            registration=people["fr"],
            economy_id="SN",
            organisation_kind="firm",
            language="fr",
        )

    assert SurveyResponse.objects.count() == 1


def test_attendees_are_not_invited_twice_when_the_session_gets_its_own_survey(
    client, session, people, run_tasks
):
    client.raise_request_exception = False
    surveys.invite_attendees(session)
    run_tasks(include_deferred=False)
    client.post(survey_url(invitation_of(people["fr"]), "fr"), ANSWERS)
    own = Survey.objects.create(slug="follow-up", title="Follow-up", session=session)
    Question.objects.create(survey=own, code="pace", kind="scale", text="Pace", required=True)
    mail.outbox.clear()

    invited = surveys.invite_attendees(session)
    run_tasks(include_deferred=False)
    answers = [
        client.post(survey_url(other, "fr"), {"pace": "3"}).status_code
        for other in SurveyInvitation.objects.filter(registration=people["fr"])
    ]

    assert len(mail.outbox) == invited  # whoever is counted as invited is told so
    assert set(answers) == {404}  # one response per registration: the page says so, no error
    assert SurveyResponse.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"satisfaction": "9"}, ["satisfaction"]),
        ({"recommend": "11"}, ["recommend"]),
        ({"simplifies_market_research": None}, ["simplifies_market_research"]),
        ({"markets_considered": ["africa", "mars"]}, ["markets_considered"]),
        ({"satisfaction": None, "recommend": None}, ["satisfaction", "recommend"]),
    ],
)
def test_invalid_answers_are_refused_and_nothing_is_stored(client, invitation, changes, errors):
    data = {code: value for code, value in {**ANSWERS, **changes}.items() if value is not None}

    response = client.post(survey_url(invitation, "fr"), data)

    assert response.status_code == 400
    assert list(response.context["form"].errors) == errors
    assert "Veuillez répondre aux questions signalées ci-dessous." in response.content.decode()
    assert (SurveyResponse.objects.count(), Answer.objects.count()) == (0, 0)
    invitation.refresh_from_db()
    assert invitation.used_at is None
    assert client.post(survey_url(invitation, "fr"), ANSWERS).status_code == 200


def test_the_response_rate_counts_answers_of_invitations(client, session, people):
    assert surveys.response_rate(session) == (0, 0)
    surveys.invite_attendees(session)
    assert surveys.response_rate(session) == (0, 3)

    client.post(survey_url(invitation_of(people["fr"]), "fr"), ANSWERS)
    client.post(survey_url(invitation_of(people["en"]), "en"), ANSWERS)

    assert surveys.response_rate(session) == (2, 3)
    client.force_login(OrganiserFactory())
    page = client.get(f"/en/manage/sessions/{session.pk}/attendance/")
    assert "survey: 2 answers of 3 invited" in page.content.decode()

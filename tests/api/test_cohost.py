"""A co-host's token: its organisation's sessions, the registrants who share with it (with
their answers), its figures with small numbers hidden, and proposals by managers."""

import pytest
from django.utils import timezone

from events.models import Session
from impact import tables
from impact.outside import Figures
from impact.queries import Audience
from outreach.models import AuditAction, AuditEntry, CohostRole
from tests.api.conftest import READ, READ_WRITE, bearer, member_of, token_for
from tests.factories import (
    FirmFactory,
    OrganiserFactory,
    RegistrationFactory,
    SessionFactory,
    TopicFactory,
    UserFactory,
    economy,
)
from tests.queries import assert_same_queries_for_1_and_more
from tests.registrations.test_registration_questions import answered, registration_questions

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def viewer(ministry):
    return bearer(token_for(member_of(ministry, CohostRole.VIEWER)))


def used(client):
    """The client after one call: its token's use is recorded (once a minute), so that the calls
    measured next all ask the same queries."""
    client.get("/api/v1/cohost/sessions/")
    return client


def firm_registrant(session, *, economy_code="CL", size_band="micro", **kwargs):
    firm = FirmFactory(economy=economy(economy_code), size_band=size_band)
    return RegistrationFactory(session=session, person=UserFactory(organisation=firm), **kwargs)


# --- Sessions -----------------------------------------------------------------------------------


def test_a_cohost_lists_its_sessions_and_its_proposals_only(ministry, other_ministry):
    cohosted = SessionFactory(cohosts=[ministry])
    proposal = SessionFactory(status="draft", proposed_by=ministry, cohosts=[ministry])
    SessionFactory(cohosts=[other_ministry])
    SessionFactory(status="draft", proposed_by=other_ministry, cohosts=[other_ministry])
    SessionFactory()  # public, co-hosted by nobody

    response = viewer(ministry).get("/api/v1/cohost/sessions/")

    assert set(ids(response)) == {cohosted.pk, proposal.pk}
    proposed = {item["id"]: item["proposed"] for item in response.json()["results"]}
    assert proposed == {cohosted.pk: False, proposal.pk: True}


@pytest.mark.parametrize("suffix", ["", "registrants/", "figures/"])
def test_another_ministrys_token_does_not_find_the_session(ministry, other_ministry, suffix):
    session = SessionFactory(cohosts=[ministry])
    draft = SessionFactory(status="draft", proposed_by=ministry, cohosts=[ministry])

    for target in (session, draft):
        for key in (target.pk, target.uid):
            response = viewer(other_ministry).get(f"/api/v1/cohost/sessions/{key}/{suffix}")
            assert response.status_code == 404
            assert b"Ministerio de Econom" not in response.content
    assert viewer(ministry).get(f"/api/v1/cohost/sessions/{session.pk}/{suffix}").status_code == 200


def test_the_sessions_list_asks_as_many_queries_for_one_as_for_three(ministry):
    topic = TopicFactory()

    def add_rows(count):
        for _ in range(count):
            SessionFactory(cohosts=[ministry], topics=[topic], target_economies=[economy("CL")])

    client = used(viewer(ministry))
    assert_same_queries_for_1_and_more(client, "/api/v1/cohost/sessions/", add_rows)


# --- Registrants --------------------------------------------------------------------------------


@pytest.fixture
def shared(ministry, other_ministry):
    """A session co-hosted by both ministries: Ana shares with the first only, Beto with
    nobody, Carla with the second only; each answered the registration questions."""
    session = SessionFactory(cohosts=[ministry, other_ministry])
    survey = registration_questions(session=session)
    ana = RegistrationFactory(
        session=session,
        person=UserFactory(full_name="Ana Comparte", email="ana@example.org"),
        shares_with_cohosts=True,
        shared_with=[ministry],
    )
    answered(ana, survey, market="europe", goal="Socios en Lyon")
    beto = RegistrationFactory(session=session, person=UserFactory(full_name="Beto Reservado"))
    answered(beto, survey, market="asia", goal="Nadie lo sabe")
    carla = RegistrationFactory(
        session=session,
        person=UserFactory(full_name="Carla Otra"),
        shares_with_cohosts=True,
        shared_with=[other_ministry],
    )
    answered(carla, survey, market="asia", goal="Solo para el segundo")
    return session, ana


def test_a_cohost_lists_only_the_registrants_who_share_with_it_with_their_answers(ministry, shared):
    session, ana = shared

    response = viewer(ministry).get(f"/api/v1/cohost/sessions/{session.pk}/registrants/")

    assert response.status_code == 200
    [registrant] = response.json()["results"]
    assert registrant["id"] == ana.pk
    assert (registrant["name"], registrant["email"]) == ("Ana Comparte", "ana@example.org")
    assert registrant["answers"]["market"] == "Europe"
    assert registrant["answers"]["goal"] == "Socios en Lyon"
    for secret in (b"Beto", b"Nadie lo sabe", b"Carla", b"Solo para el segundo"):
        assert secret not in response.content


def test_the_other_cohost_sees_its_own_sharer_only(other_ministry, shared):
    session, _ana = shared

    response = viewer(other_ministry).get(f"/api/v1/cohost/sessions/{session.pk}/registrants/")

    assert [item["name"] for item in response.json()["results"]] == ["Carla Otra"]
    assert b"Ana" not in response.content


def test_the_registrants_asks_as_many_queries_for_one_as_for_three(ministry):
    session = SessionFactory(cohosts=[ministry])
    survey = registration_questions(session=session)

    def add_rows(count):
        for _ in range(count):
            registration = RegistrationFactory(
                session=session, shares_with_cohosts=True, shared_with=[ministry]
            )
            answered(registration, survey, market="asia", markets=["JP"], first_time=True)

    assert_same_queries_for_1_and_more(
        used(viewer(ministry)), f"/api/v1/cohost/sessions/{session.pk}/registrants/", add_rows
    )


# --- Figures ------------------------------------------------------------------------------------


def test_figures_hide_small_numbers_as_the_pages_do(ministry):
    session = SessionFactory(cohosts=[ministry])
    for _ in range(6):
        firm_registrant(session, economy_code="CL", size_band="micro")
    for _ in range(2):
        firm_registrant(session, economy_code="PE", size_band="small")
    firm_registrant(
        session,
        economy_code="PE",
        status="waitlisted",
        waitlisted_at=timezone.now(),
        confirmed_at=None,
    )

    figures = viewer(ministry).get(f"/api/v1/cohost/sessions/{session.pk}/figures/").json()

    # As on the workspace page: Peru's 3 are hidden, and Chile's 6 too, since the session's 9
    # minus Chile would give Peru away; the same for the sizes. Null: hidden.
    assert [(row["key"], row["registrations"]) for row in figures["by_economy"]] == [
        ("CL", None),
        ("PE", None),
    ]
    assert [row["registrations"] for row in figures["by_size"]] == [None, None]
    assert [(row["label"], row["registrations"]) for row in figures["by_kind"]] == [("Firm", 9)]
    # The counts are the workspace page's: the one waitlisted person is hidden, and so are the
    # 8 confirmed, which the 9 registered would give away.
    page = tables.workspace_counts(Figures(Audience.cohost(ministry.pk)), session)
    assert (figures["confirmed"], figures["waitlisted"], figures["via_invitation_link"]) == (
        page["confirmed"],
        page["waitlisted"],
        page["via_link"],
    )
    assert figures["waitlisted"] is None


def test_figures_are_translated(ministry):
    session = SessionFactory(cohosts=[ministry])
    for _ in range(6):
        firm_registrant(session)

    response = viewer(ministry).get(
        f"/api/v1/cohost/sessions/{session.pk}/figures/", headers={"Accept-Language": "es"}
    )

    assert response.json()["by_kind"] == [{"key": "firm", "label": "Empresa", "registrations": 6}]


# --- Proposals ----------------------------------------------------------------------------------


def proposal(**overrides) -> dict:
    return {
        "language": "es",
        "title_es": "Exportar servicios",
        "summary_es": "Lo esencial.",
        "format": "online",
        "time_zone": "America/Santiago",
        "starts_at": "2027-03-01T10:00",
        "ends_at": "2027-03-01T11:30",
        "capacity": 80,
        "topics": ["customs"],
        **overrides,
    }


def test_a_manager_proposes_a_draft_through_the_same_service_audited_as_the_owner(ministry):
    TopicFactory(slug="customs")
    manager = member_of(ministry, CohostRole.MANAGER)

    response = bearer(token_for(manager, READ_WRITE)).post(
        "/api/v1/cohost/proposals/", proposal(), content_type="application/json"
    )

    assert response.status_code == 201, response.content
    session = Session.objects.get(pk=response.json()["id"])
    assert (session.status, session.proposed_by, session.title_es) == (
        "draft",
        ministry,
        "Exportar servicios",
    )
    assert list(session.cohosts.all()) == [ministry]
    assert [topic.slug for topic in session.topics.all()] == ["customs"]
    # 10:00 in Santiago (UTC-3 in March) is 13:00 UTC.
    assert response.json()["starts_at"] == "2027-03-01T13:00:00Z"
    entry = AuditEntry.objects.get(action=AuditAction.PROPOSAL_MADE)
    assert (entry.actor, entry.object_id) == (manager, str(session.pk))
    # The organisers see it among proposals; the manager's own list has it.
    assert response.json()["proposed"] is True


def test_a_proposal_is_validated_by_the_proposal_form_in_the_callers_language(ministry):
    TopicFactory(slug="customs")
    token = token_for(member_of(ministry, CohostRole.MANAGER), READ_WRITE)

    response = bearer(token, **{"Accept-Language": "es"}).post(
        "/api/v1/cohost/proposals/",
        proposal(ends_at="2027-03-01T09:00"),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "ends_at" in response.json() or "non_field_errors" in response.json()
    assert not Session.objects.exists()


def test_an_unknown_topic_is_refused(ministry):
    token = token_for(member_of(ministry, CohostRole.MANAGER), READ_WRITE)

    response = bearer(token).post(
        "/api/v1/cohost/proposals/", proposal(topics=["nope"]), content_type="application/json"
    )

    assert response.status_code == 400
    assert "topics" in response.json()
    assert not Session.objects.exists()


@pytest.mark.parametrize(
    ("who", "scope", "status"),
    [
        (lambda ministry: member_of(ministry, CohostRole.MANAGER), READ, 403),
        (lambda ministry: member_of(ministry, CohostRole.VIEWER), READ_WRITE, 403),
        (lambda ministry: OrganiserFactory(), READ_WRITE, 403),
    ],
    ids=["manager with a read token", "viewer", "organiser"],
)
def test_only_a_managers_read_and_write_token_proposes(ministry, who, scope, status):
    TopicFactory(slug="customs")

    response = bearer(token_for(who(ministry), scope)).post(
        "/api/v1/cohost/proposals/", proposal(), content_type="application/json"
    )

    assert response.status_code == status
    assert not Session.objects.exists()
    assert not AuditEntry.objects.exclude(action=AuditAction.API_TOKEN_CREATED).exists()

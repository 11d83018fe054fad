"""Co-hosting below the views: invitations, proposals, wording, tracked links and figures."""

import re

import pytest
from django.core import mail

from events import services as event_services
from events.models import Session, SessionStatus, SuggestionStatus
from outreach import services as outreach_services
from outreach.models import OrganisationKind, Role
from registrations import cohost_links
from tests.factories import (
    FirmFactory,
    OrganisationFactory,
    SessionFactory,
    TopicFactory,
    UserFactory,
    economy,
)

pytestmark = pytest.mark.django_db

SITE_URL = "https://outreach.example"


@pytest.fixture
def ministry():
    return OrganisationFactory(
        name="Ministerio de Economía", kind=OrganisationKind.GOVERNMENT, economy=economy("CL")
    )


def manager_of(organisation, **kwargs):
    return UserFactory(role=Role.COHOST, cohost_role="manager", organisation=organisation, **kwargs)


def invite(organisation, **overrides):
    details = {
        "organisation": organisation,
        "email": "amadou.diallo@example.org",
        "full_name": "Amadou Diallo",
        "cohost_role": "viewer",
        "language": "fr",
    }
    details.update(overrides)
    return outreach_services.invite_cohost_member(by=None, **details)


# Invitations


def test_inviting_a_new_person_makes_a_cohost_member_without_a_password(ministry, run_tasks):
    person = invite(ministry, email="  Amadou.Diallo@Example.org ")

    person.refresh_from_db()
    assert (
        person.email,
        person.full_name,
        person.language,
        person.role,
        person.cohost_role,
        person.organisation,
    ) == ("amadou.diallo@example.org", "Amadou Diallo", "fr", Role.COHOST, "viewer", ministry)
    assert not person.has_usable_password()
    assert list(person.emailaddress_set.values_list("email", "primary")) == [
        ("amadou.diallo@example.org", True)
    ]


def test_inviting_a_known_person_keeps_their_name_and_language(ministry, run_tasks):
    known = UserFactory(email="ana.perez@example.org", full_name="Ana Pérez", language="es")

    person = invite(ministry, email="ANA.PEREZ@example.org", full_name="Someone Else")

    known.refresh_from_db()
    assert person.pk == known.pk
    assert (known.full_name, known.language, known.role, known.cohost_role, known.organisation) == (
        "Ana Pérez",
        "es",
        Role.COHOST,
        "viewer",
        ministry,
    )
    assert not known.has_usable_password()


def test_a_firm_cannot_be_a_cohost(run_tasks):
    firm = FirmFactory()

    with pytest.raises(outreach_services.NotACohost):
        invite(firm)

    assert run_tasks() == []


def test_the_invitation_links_to_sign_in_by_code_in_the_persons_language(ministry, run_tasks):
    person = invite(ministry, language="fr")

    ran = run_tasks()

    assert ran == [("send_cohost_invitation", [person.pk])]
    (message,) = mail.outbox
    assert message.to == ["amadou.diallo@example.org"]
    assert re.findall(r"https://\S+", message.body) == [
        f"{SITE_URL}/fr/accounts/login/code/",
        f"{SITE_URL}/fr/cohost/",
    ]


def _without_links(text: str) -> set[str]:
    return {re.sub(r"https://\S+", "LINK", line) for line in text.splitlines()}


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_invitation_is_written_in_the_persons_language(ministry, run_tasks, language):
    invite(ministry, email="english@example.org", language="en")
    invite(ministry, email="other@example.org", language=language)

    run_tasks()

    english, other = mail.outbox
    assert other.subject != english.subject
    common = _without_links(other.body) & _without_links(english.body)
    assert common - {"", "-- ", "Outreach"} == set()


# Proposals


def test_a_proposal_is_a_draft_cohosted_by_its_organisation(ministry):
    topic = TopicFactory()
    session = SessionFactory.build(status=SessionStatus.PUBLISHED, title_en="Selling to Peru")

    proposal = event_services.propose_session(
        session, by=None, organisation=ministry, topics=[topic]
    )

    proposal = Session.objects.get(pk=proposal.pk)
    assert (proposal.status, proposal.proposed_by, proposal.title_en) == (
        SessionStatus.DRAFT,
        ministry,
        "Selling to Peru",
    )
    assert list(proposal.cohosts.all()) == [ministry]
    assert list(proposal.topics.all()) == [topic]


def test_a_declined_proposal_stays_for_the_record_and_out_of_sight(ministry):
    proposal = event_services.propose_session(
        SessionFactory.build(status=SessionStatus.DRAFT), by=None, organisation=ministry
    )

    event_services.decline_proposal(proposal, by=None)

    proposal.refresh_from_db()
    assert proposal.status == SessionStatus.DECLINED
    assert proposal.is_public is False


# Wording suggestions


def suggestion_for(session, organisation, **overrides):
    details = {"field": "title", "language": "en", "text": "  Selling to the EU, step by step  "}
    details.update(overrides)
    return event_services.suggest_text(
        session, by=manager_of(organisation), organisation=organisation, **details
    )


def test_a_suggestion_waits_for_review_with_its_text_trimmed(ministry):
    session = SessionFactory(title_en="Selling to the EU")

    suggestion = suggestion_for(session, ministry)

    assert (suggestion.status, suggestion.text, suggestion.current_text) == (
        SuggestionStatus.PENDING,
        "Selling to the EU, step by step",
        "Selling to the EU",
    )


@pytest.mark.parametrize(("field", "language"), [("join_url", "en"), ("title", "de")])
def test_a_suggestion_for_an_unknown_text_is_refused(ministry, field, language):
    session = SessionFactory()

    with pytest.raises(ValueError, match="Unknown text or language"):
        suggestion_for(session, ministry, field=field, language=language)


def test_applying_a_suggestion_replaces_the_text(ministry):
    session = SessionFactory(title_en="Selling to the EU", summary_es="Para pymes.")
    suggestion = suggestion_for(session, ministry, field="summary", language="es", text="Pymes")

    reviewed = event_services.review_suggestion(suggestion, accept=True, by=None)

    session.refresh_from_db()
    assert (reviewed.status, session.summary_es, session.title_en) == (
        SuggestionStatus.ACCEPTED,
        "Pymes",
        "Selling to the EU",
    )
    assert reviewed.reviewed_at is not None


def test_declining_a_suggestion_leaves_the_text(ministry):
    session = SessionFactory(title_en="Selling to the EU")
    suggestion = suggestion_for(session, ministry)

    reviewed = event_services.review_suggestion(suggestion, accept=False, by=None)

    session.refresh_from_db()
    assert (reviewed.status, session.title_en) == (SuggestionStatus.DECLINED, "Selling to the EU")


def test_a_suggestion_is_reviewed_once_only(ministry):
    session = SessionFactory(title_en="Selling to the EU")
    suggestion = suggestion_for(session, ministry)
    event_services.review_suggestion(suggestion, accept=True, by=None)
    session.refresh_from_db()
    session.title_en = "Selling to the EU: the organisers' wording"
    event_services.save_session(session)
    first_review = suggestion.__class__.objects.get(pk=suggestion.pk).reviewed_at

    again = event_services.review_suggestion(suggestion, accept=True, by=None)
    declined_later = event_services.review_suggestion(suggestion, accept=False, by=None)

    session.refresh_from_db()
    assert session.title_en == "Selling to the EU: the organisers' wording"
    assert (again.status, again.reviewed_at) == (SuggestionStatus.ACCEPTED, first_review)
    assert (declined_later.status, declined_later.reviewed_at) == (
        SuggestionStatus.ACCEPTED,
        first_review,
    )


# Tracked invitation links


def via_of(path: str) -> str:
    return path.split("?via=", 1)[1]


def test_an_invitation_link_names_its_cohost(ministry):
    session = SessionFactory()
    session.cohosts.set([ministry])

    path = cohost_links.invitation_path(session, ministry)

    assert path.startswith(f"/en/sessions/{session.pk}/register/?via={ministry.pk}.")
    assert cohost_links.organisation_from_link(session, via_of(path)) == ministry


@pytest.mark.parametrize(
    "forge",
    [
        "tampered token",
        "another session's token",
        "another organisation's pk",
        "a genuine link of an organisation that does not co-host",
        "no token",
        "garbage",
        "empty",
    ],
)
def test_a_forged_or_foreign_link_names_no_cohost(ministry, forge):
    session, other_session = SessionFactory(), SessionFactory()
    other_ministry = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)
    session.cohosts.set([ministry])
    other_session.cohosts.set([ministry])
    token = cohost_links.link_token(session, ministry)
    other_token = cohost_links.link_token(other_session, ministry)
    via = {
        "tampered token": f"{ministry.pk}.{token[:-1]}{'A' if token[-1] != 'A' else 'B'}",
        "another session's token": f"{ministry.pk}.{other_token}",
        "another organisation's pk": f"{other_ministry.pk}.{token}",
        "a genuine link of an organisation that does not co-host": via_of(
            cohost_links.invitation_path(session, other_ministry)
        ),
        "no token": f"{ministry.pk}.",
        "garbage": "<script>.x",
        "empty": "",
    }[forge]

    assert cohost_links.organisation_from_link(session, via) is None


def test_a_link_stops_counting_once_the_organisation_no_longer_cohosts(ministry):
    session = SessionFactory()
    session.cohosts.set([ministry])
    via = via_of(cohost_links.invitation_path(session, ministry))

    session.cohosts.set([])

    assert cohost_links.organisation_from_link(session, via) is None

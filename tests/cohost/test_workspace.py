"""The co-host workspace as its members and the organisers use it, page by page."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events.models import Session, SessionStatus, SuggestionStatus, TextSuggestion
from outreach.models import OrganisationKind, Role, User
from registrations import cohost_links, confirmations
from registrations.models import PendingRegistration, Registration
from tests.factories import (
    FirmFactory,
    OrganisationFactory,
    OrganiserFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    economy,
    registration_form,
)

pytestmark = pytest.mark.django_db

SITE_URL = "https://outreach.example"


@pytest.fixture
def ministry():
    return OrganisationFactory(
        name="Ministerio de Economía", kind=OrganisationKind.GOVERNMENT, economy=economy("CL")
    )


@pytest.fixture
def other_ministry():
    return OrganisationFactory(
        name="Ministerio de Comercio Exterior",
        kind=OrganisationKind.GOVERNMENT,
        economy=economy("PE"),
    )


def member_of(organisation, cohost_role="manager", **kwargs) -> User:
    return UserFactory(
        role=Role.COHOST, cohost_role=cohost_role, organisation=organisation, **kwargs
    )


def cohosted_by(*organisations, **kwargs) -> Session:
    session = SessionFactory(**kwargs)
    session.cohosts.set(organisations)
    return session


def firm_registrant(session, *, economy_code="CL", size_band="micro", **kwargs) -> Registration:
    firm = FirmFactory(economy=economy(economy_code), size_band=size_band)
    return RegistrationFactory(session=session, person=UserFactory(organisation=firm), **kwargs)


def waitlisted(session, **kwargs) -> Registration:
    return firm_registrant(
        session, status="waitlisted", waitlisted_at=timezone.now(), confirmed_at=None, **kwargs
    )


def form_data(**overrides) -> dict:
    return registration_form(**overrides)


def via_of(path: str) -> str:
    return path.split("?via=", 1)[1]


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


# Organisers invite members


def invitation_data(organisation, **overrides) -> dict:
    data = {
        "organisation": organisation.pk,
        "email": "Amadou.Diallo@Example.org",
        "full_name": "Amadou Diallo",
        "cohost_role": "manager",
        "language": "es",
    }
    data.update(overrides)
    return data


def test_an_organiser_invites_a_member_who_gets_a_sign_in_by_code_email(
    client, ministry, run_tasks
):
    client.force_login(OrganiserFactory())

    response = client.post("/en/manage/cohosts/", invitation_data(ministry))

    assert (response.status_code, response.url) == (302, "/en/manage/cohosts/")
    person = User.objects.get(email="amadou.diallo@example.org")
    assert (
        person.full_name,
        person.role,
        person.cohost_role,
        person.organisation,
        person.language,
    ) == ("Amadou Diallo", Role.COHOST, "manager", ministry, "es")
    assert not person.has_usable_password()
    assert mail.outbox == []
    run_tasks()
    (message,) = mail.outbox
    assert message.to == ["amadou.diallo@example.org"]
    assert re.findall(r"https://\S+", message.body) == [
        f"{SITE_URL}/es/accounts/login/code/",
        f"{SITE_URL}/es/cohost/",
    ]
    listing = client.get("/en/manage/cohosts/").content.decode()
    assert "amadou.diallo@example.org" in listing


def test_inviting_a_known_person_keeps_their_name(client, ministry, run_tasks):
    known = UserFactory(email="amadou.diallo@example.org", full_name="Amadou B. Diallo")
    client.force_login(OrganiserFactory())

    client.post(
        "/en/manage/cohosts/",
        invitation_data(ministry, full_name="A. Diallo", cohost_role="viewer"),
    )

    known.refresh_from_db()
    assert (known.full_name, known.role, known.cohost_role, known.organisation) == (
        "Amadou B. Diallo",
        Role.COHOST,
        "viewer",
        ministry,
    )
    assert User.objects.filter(email="amadou.diallo@example.org").count() == 1
    run_tasks()
    assert [m.to for m in mail.outbox] == [["amadou.diallo@example.org"]]


def test_a_firm_is_not_offered_as_a_cohost(client, run_tasks):
    firm = FirmFactory()
    client.force_login(OrganiserFactory())

    response = client.post("/en/manage/cohosts/", invitation_data(firm))

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["organisation"]
    assert not User.objects.filter(email="amadou.diallo@example.org").exists()
    run_tasks()
    assert mail.outbox == []


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.ANALYST, Role.COHOST])
def test_only_organisers_invite_members(client, ministry, run_tasks, role):
    person = UserFactory(role=role, cohost_role="manager" if role == Role.COHOST else "")
    if role == Role.COHOST:
        person.organisation = ministry
        person.save()
    client.force_login(person)

    answers = [
        client.get("/en/manage/cohosts/").status_code,
        client.post("/en/manage/cohosts/", invitation_data(ministry)).status_code,
    ]

    assert answers == [403, 403]
    assert not User.objects.filter(email="amadou.diallo@example.org").exists()
    run_tasks()
    assert mail.outbox == []


def test_anonymous_visitors_are_sent_to_sign_in_for_the_workspace(client):
    session = SessionFactory()

    for url in (
        "/en/cohost/",
        "/en/cohost/propose/",
        f"/en/cohost/sessions/{session.pk}/",
        f"/en/cohost/sessions/{session.pk}/suggest/",
        f"/en/cohost/sessions/{session.pk}/registrants.csv",
        "/en/manage/cohosts/",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/en/accounts/login/?next="), url


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.ANALYST, Role.ORGANISER])
def test_people_who_are_not_cohost_members_have_no_workspace(client, role):
    client.force_login(UserFactory(role=role))

    assert client.get("/en/cohost/").status_code == 403


# The workspace


def test_the_workspace_lists_the_organisations_sessions_with_their_counts(
    client, ministry, other_ministry
):
    busy = cohosted_by(
        ministry, title_en="Exporting fruit", starts_at=timezone.now() + timedelta(days=1)
    )
    quiet = cohosted_by(ministry, other_ministry, title_en="Rules of origin")
    theirs = cohosted_by(other_ministry, title_en="Their own session")
    for _ in range(2):
        firm_registrant(busy)
    firm_registrant(busy, source="cohost", source_organisation=ministry)
    waitlisted(busy)
    firm_registrant(busy, status="cancelled", confirmed_at=None)
    firm_registrant(theirs)
    client.force_login(member_of(ministry, cohost_role="viewer"))

    response = client.get("/en/cohost/")

    assert response.status_code == 200
    # Busy's counts are small (3 confirmed, 1 waitlisted, 1 through the link): hidden (None).
    assert [(s.pk, s.counts) for s in response.context["sessions"]] == [
        (quiet.pk, {"confirmed": 0, "waitlisted": 0, "via_link": 0}),
        (busy.pk, {"confirmed": None, "waitlisted": None, "via_link": None}),
    ]
    html = response.content.decode()
    assert "Exporting fruit" in html
    assert "Rules of origin" in html
    assert "Their own session" not in html
    assert "/en/cohost/propose/" not in html  # a viewer is not offered to propose


def test_through_your_link_counts_only_this_organisations_link(client, ministry, other_ministry):
    shared = cohosted_by(ministry, other_ministry)
    firm_registrant(shared, source="cohost", source_organisation=ministry)
    for _ in range(2):
        firm_registrant(shared, source="cohost", source_organisation=other_ministry)
    client.force_login(member_of(ministry))

    response = client.get("/en/cohost/")

    assert [s.counts for s in response.context["sessions"]] == [
        {"confirmed": None, "waitlisted": 0, "via_link": None}  # small: hidden
    ]


def test_the_workspace_needs_as_many_queries_for_ten_sessions_as_for_one(client, ministry):
    client.force_login(member_of(ministry))
    firm_registrant(cohosted_by(ministry))
    client.get("/en/cohost/")  # warm up the session and the caches
    with CaptureQueriesContext(connection) as one:
        client.get("/en/cohost/")
    for _ in range(9):
        session = cohosted_by(ministry, series=None)
        firm_registrant(session)
        waitlisted(session)

    with CaptureQueriesContext(connection) as ten:
        response = client.get("/en/cohost/")

    assert len(response.context["sessions"]) == 10
    assert len(ten.captured_queries) == len(one.captured_queries)


# Proposals


def proposal_data(**overrides) -> dict:
    data = {
        "language": "es",
        "title_es": "Exportar servicios a la Alianza del Pacífico",
        "title_en": "",
        "title_fr": "",
        "summary_es": "Para pymes de servicios.",
        "format": "online",
        "time_zone": "America/Santiago",
        "starts_at": "2030-03-12T10:00",
        "ends_at": "2030-03-12T11:30",
        "capacity": "150",
    }
    data.update(overrides)
    return data


def test_a_manager_proposes_a_session_that_becomes_a_draft_cohosted_by_them(client, ministry):
    client.force_login(member_of(ministry))

    response = client.post("/en/cohost/propose/", proposal_data())

    assert (response.status_code, response.url) == (302, "/en/cohost/")
    proposal = Session.objects.get()
    assert (proposal.status, proposal.proposed_by, proposal.title_es, proposal.capacity) == (
        SessionStatus.DRAFT,
        ministry,
        "Exportar servicios a la Alianza del Pacífico",
        150,
    )
    assert list(proposal.cohosts.all()) == [ministry]
    workspace = client.get("/en/cohost/")
    assert [s.pk for s in workspace.context["sessions"]] == [proposal.pk]
    assert "your proposal" in workspace.content.decode()


def test_a_viewer_may_not_propose(client, ministry):
    client.force_login(member_of(ministry, cohost_role="viewer"))

    answers = [
        client.get("/en/cohost/propose/").status_code,
        client.post("/en/cohost/propose/", proposal_data()).status_code,
    ]

    assert answers == [403, 403]
    assert Session.objects.count() == 0


@pytest.fixture
def proposal(client, ministry):
    client.force_login(member_of(ministry))
    client.post("/en/cohost/propose/", proposal_data())
    client.logout()
    return Session.objects.get()


def test_the_organiser_sees_the_proposal_and_declines_it(client, proposal):
    client.force_login(OrganiserFactory())
    listed = client.get("/en/manage/proposals/").context["proposals"]

    response = client.post(f"/en/manage/proposals/{proposal.pk}/decline/")

    assert listed == [proposal]
    assert (response.status_code, response.url) == (302, "/en/manage/proposals/")
    proposal.refresh_from_db()
    assert proposal.status == SessionStatus.DECLINED
    assert client.get("/en/manage/proposals/").context["proposals"] == []
    assert client.post(f"/en/manage/proposals/{proposal.pk}/decline/").status_code == 404
    client.logout()
    assert client.get(f"/es/sessions/{proposal.pk}/").status_code == 404
    client.force_login(UserFactory())
    assert client.get(f"/es/sessions/{proposal.pk}/").status_code == 404
    assert client.get(f"/es/sessions/{proposal.pk}/register/").status_code == 404


def test_the_organiser_publishes_the_proposal_from_the_edit_screen(client, proposal):
    client.force_login(OrganiserFactory())
    edit = client.get(f"/en/manage/sessions/{proposal.pk}/edit/")

    # A proposal comes without a join link: publishing it is confirmed on the publish page.
    response = client.post(
        f"/en/manage/sessions/{proposal.pk}/publish/", {"without_join_link": "1"}
    )

    assert edit.status_code == 200
    assert 'name="publish"' in edit.content.decode()
    assert (response.status_code, response.url) == (
        302,
        f"/en/manage/sessions/{proposal.pk}/edit/",
    )
    proposal.refresh_from_db()
    assert (proposal.status, proposal.proposed_by.name) == (
        SessionStatus.PUBLISHED,
        "Ministerio de Economía",
    )
    client.logout()
    assert client.get(f"/es/sessions/{proposal.pk}/").status_code == 200


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.COHOST])
def test_only_organisers_review_proposals(client, proposal, ministry, role):
    client.force_login(member_of(ministry) if role == Role.COHOST else UserFactory(role=role))

    answers = [
        client.get("/en/manage/proposals/").status_code,
        client.post(f"/en/manage/proposals/{proposal.pk}/decline/").status_code,
    ]

    assert answers == [403, 403]
    proposal.refresh_from_db()
    assert proposal.status == SessionStatus.DRAFT


# Wording suggestions


def suggest(client, session, **overrides):
    data = {"field": "title", "language": "en", "text": "Selling to the EU, step by step"}
    data.update(overrides)
    return client.post(f"/en/cohost/sessions/{session.pk}/suggest/", data)


def test_a_manager_suggests_a_wording_that_the_organiser_applies(client, ministry):
    session = cohosted_by(ministry, title_en="Selling to the EU")
    client.force_login(member_of(ministry))
    response = suggest(client, session)
    assert (response.status_code, response.url) == (302, f"/en/cohost/sessions/{session.pk}/")
    suggestion = TextSuggestion.objects.get()
    client.force_login(OrganiserFactory())
    assert client.get("/en/manage/proposals/").context["suggestions"] == [suggestion]

    response = client.post(f"/en/manage/suggestions/{suggestion.pk}/", {"decision": "accept"})

    assert (response.status_code, response.url) == (302, "/en/manage/proposals/")
    session.refresh_from_db()
    suggestion.refresh_from_db()
    assert (session.title_en, suggestion.status, suggestion.organisation) == (
        "Selling to the EU, step by step",
        SuggestionStatus.ACCEPTED,
        ministry,
    )
    assert client.get("/en/manage/proposals/").context["suggestions"] == []


def test_the_organiser_declines_a_suggestion_and_the_text_stays(client, ministry):
    session = cohosted_by(ministry, title_en="Selling to the EU")
    client.force_login(member_of(ministry))
    suggest(client, session)
    suggestion = TextSuggestion.objects.get()
    client.force_login(OrganiserFactory())

    client.post(f"/en/manage/suggestions/{suggestion.pk}/", {"decision": "decline"})

    session.refresh_from_db()
    suggestion.refresh_from_db()
    assert (session.title_en, suggestion.status) == ("Selling to the EU", SuggestionStatus.DECLINED)


def test_a_suggestion_is_reviewed_once_only(client, ministry):
    session = cohosted_by(ministry, title_en="Selling to the EU")
    client.force_login(member_of(ministry))
    suggest(client, session)
    suggestion = TextSuggestion.objects.get()
    client.force_login(OrganiserFactory())
    client.post(f"/en/manage/suggestions/{suggestion.pk}/", {"decision": "decline"})

    client.post(f"/en/manage/suggestions/{suggestion.pk}/", {"decision": "accept"})

    session.refresh_from_db()
    suggestion.refresh_from_db()
    assert (session.title_en, suggestion.status) == ("Selling to the EU", SuggestionStatus.DECLINED)


def test_a_viewer_may_not_suggest(client, ministry):
    session = cohosted_by(ministry)
    client.force_login(member_of(ministry, cohost_role="viewer"))

    answers = [
        client.get(f"/en/cohost/sessions/{session.pk}/suggest/").status_code,
        suggest(client, session).status_code,
    ]

    assert answers == [403, 403]
    assert TextSuggestion.objects.count() == 0
    page = client.get(f"/en/cohost/sessions/{session.pk}/").content.decode()
    assert f"/en/cohost/sessions/{session.pk}/suggest/" not in page


# Tracked invitation links


def test_the_session_page_shows_the_organisations_invitation_link(client, ministry):
    session = cohosted_by(ministry)
    client.force_login(member_of(ministry, cohost_role="viewer"))

    response = client.get(f"/en/cohost/sessions/{session.pk}/")

    url = SITE_URL + cohost_links.invitation_path(session, ministry)
    assert response.context["share"]["url"] == url
    assert f'id="invitation-link" type="text" readonly value="{url}"' in response.content.decode()


def test_registering_through_the_invitation_link_counts_for_the_cohost(client, ministry):
    session = cohosted_by(ministry)
    with_link = cohost_links.invitation_path(session, ministry)
    page = client.get(with_link)
    assert f'name="via" value="{via_of(with_link)}"' in page.content.decode()

    response = client.post(with_link, form_data(via=via_of(with_link)))

    assert (response.status_code, response.url) == (302, f"/en/sessions/{session.pk}/registered/")
    registration = Registration.objects.get()
    assert (registration.source, registration.source_organisation) == ("cohost", ministry)


@pytest.mark.parametrize(
    "forge",
    [
        "tampered token",
        "another session's token",
        "another organisation's pk",
        "another co-host's genuine link for another session",
        "garbage",
    ],
)
def test_a_tampered_or_foreign_link_counts_as_direct_without_an_error(
    client, ministry, other_ministry, forge
):
    session = cohosted_by(ministry)
    other_session = cohosted_by(ministry, other_ministry)
    token = cohost_links.link_token(session, ministry)
    other_token = cohost_links.link_token(other_session, ministry)
    via = {
        "tampered token": f"{ministry.pk}.{token.swapcase()}",
        "another session's token": f"{ministry.pk}.{other_token}",
        "another organisation's pk": f"{other_ministry.pk}.{token}",
        "another co-host's genuine link for another session": via_of(
            cohost_links.invitation_path(other_session, other_ministry)
        ),
        "garbage": '"><script>alert(1)</script>',
    }[forge]
    url = f"/en/sessions/{session.pk}/register/"

    page = client.get(url, {"via": via})
    response = client.post(url, form_data(via=via))

    assert page.status_code == 200
    assert "alert-danger" not in page.content.decode()
    assert "<script>alert(1)" not in page.content.decode()
    assert (response.status_code, response.url) == (302, f"/en/sessions/{session.pk}/registered/")
    registration = Registration.objects.get()
    assert (registration.source, registration.source_organisation) == ("direct", None)


# Registrants, as far as each agreed to share


def proves_her_address(client, email: str) -> None:
    """Opens the link emailed to a new address that agreed to share, and confirms: only then do
    the co-hosts see the details (registrations.confirmations)."""
    pending = PendingRegistration.objects.get(email=email)
    token = confirmations.confirmation_token(pending)
    client.post(reverse("registrations:confirm-registration", kwargs={"token": token}))


@pytest.fixture
def two_registrants(client, ministry):
    """Lucía shares her details with the co-host (and proves her address through the emailed
    link); Pedro does not."""
    session = cohosted_by(ministry)
    with_link = cohost_links.invitation_path(session, ministry)
    client.post(with_link, form_data(via=via_of(with_link), shares_with_cohosts="on"))
    proves_her_address(client, "lucia@example.org")
    client.post(
        f"/en/sessions/{session.pk}/register/",
        form_data(
            full_name="Pedro Quispe",
            email="pedro@example.pe",
            economy="PE",
            organisation_name="Inca Textiles SAC",
            size_band="small",
        ),
    )
    return session


def test_the_registrant_list_names_only_those_who_agreed_to_share(
    client, ministry, two_registrants
):
    client.force_login(member_of(ministry, cohost_role="viewer"))

    response = client.get(f"/en/cohost/sessions/{two_registrants.pk}/")

    assert response.context["registrants"] == [
        {
            "name": "Lucía Pérez",
            "email": "lucia@example.org",
            "organisation": "Andes Café",
            "economy": "Chile",
            "kind": "Firm",
            "size": "Micro (up to 10 employees)",
            "status": "Confirmed",
            "via_link": True,
            "shared": True,
            "answers": [],  # the session asks no registration question
        },
    ]
    html = response.content.decode()
    assert "lucia@example.org" in html
    # Pedro did not agree: nothing of him is listed, not even his economy, kind or size.
    for secret in ("Pedro", "pedro@example.pe", "Inca Textiles"):
        assert secret not in html
    registrants = html[html.index('id="registrants-heading"') :]
    assert "Peru" not in registrants


def test_a_cohost_added_later_does_not_see_details_shared_with_another(
    client, ministry, other_ministry
):
    session = cohosted_by(ministry)
    client.post(f"/en/sessions/{session.pk}/register/", form_data(shares_with_cohosts="on"))
    proves_her_address(client, "lucia@example.org")
    session.cohosts.add(other_ministry)
    client.force_login(member_of(other_ministry))

    page = client.get(f"/en/cohost/sessions/{session.pk}/")
    export = client.get(f"/en/cohost/sessions/{session.pk}/registrants.csv")

    assert page.context["registrants"] == []
    assert csv_rows(export)[1:] == []


def test_the_csv_export_follows_the_same_rule(client, ministry, two_registrants):
    client.force_login(member_of(ministry, cohost_role="viewer"))

    response = client.get(f"/en/cohost/sessions/{two_registrants.pk}/registrants.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="outreach-registrants-session-{two_registrants.pk}-en.csv"'
    )
    assert csv_rows(response) == [
        ["Name", "Email", "Organisation", "Economy", "Kind of organisation", "Firm size", "Status"],
        [
            "Lucía Pérez",
            "lucia@example.org",
            "Andes Café",
            "Chile",
            "Firm",
            "Micro (up to 10 employees)",
            "Confirmed",
        ],
    ]


def test_the_csv_export_is_safe_to_open_in_a_spreadsheet(client, ministry):
    session = cohosted_by(ministry)
    firm = FirmFactory(name="@SUM(A1:A9)", economy=economy("CL"))
    person = UserFactory(full_name='=HYPERLINK("http://evil.example")', organisation=firm)
    RegistrationFactory(session=session, person=person, shares_with_cohosts=True)
    client.force_login(member_of(ministry))

    response = client.get(f"/en/cohost/sessions/{session.pk}/registrants.csv")

    assert csv_rows(response)[1][:3] == [
        '\'=HYPERLINK("http://evil.example")',
        person.email,
        "'@SUM(A1:A9)",
    ]


def test_the_consent_checkbox_names_the_cohost(client, ministry):
    session = cohosted_by(ministry)

    response = client.get(f"/en/sessions/{session.pk}/register/")

    label = response.context["form"].fields["shares_with_cohosts"].label
    assert label == (
        "I agree that Ministerio de Economía, co-host of this session, sees my name, email "
        "and organisation."
    )
    assert 'name="shares_with_cohosts"' in response.content.decode()


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "es",
            "Acepto que Ministerio de Economía, coorganizador de esta sesión, vea mi nombre, "
            "mi correo electrónico y mi organización.",
        ),
        (
            "fr",
            "J’accepte que Ministerio de Economía, co-organisateur de cette session, voie mon "
            "nom, mon adresse e-mail et mon organisation.",
        ),
    ],
)
def test_the_consent_checkbox_names_the_cohost_in_french_and_spanish(
    client, ministry, language, expected
):
    session = cohosted_by(ministry)

    response = client.get(f"/{language}/sessions/{session.pk}/register/")

    assert response.context["form"].fields["shares_with_cohosts"].label == expected
    assert expected in response.content.decode()


def test_without_a_cohost_there_is_nothing_to_share(client):
    session = SessionFactory()

    response = client.get(f"/es/sessions/{session.pk}/register/")

    assert "shares_with_cohosts" not in response.context["form"].fields
    assert 'name="shares_with_cohosts"' not in response.content.decode()


def test_not_ticking_the_box_shares_nothing(client, ministry):
    session = cohosted_by(ministry)

    client.post(f"/en/sessions/{session.pk}/register/", form_data())

    assert Registration.objects.get().shares_with_cohosts is False


# Figures


def test_figures_hide_small_numbers_and_what_would_give_them_away(client, ministry):
    session = cohosted_by(ministry)
    for _ in range(6):
        firm_registrant(session, economy_code="CL", size_band="micro")
    for _ in range(2):
        firm_registrant(session, economy_code="PE", size_band="small")
    waitlisted(session, economy_code="PE")
    client.force_login(member_of(ministry, cohost_role="viewer"))

    response = client.get(f"/en/cohost/sessions/{session.pk}/")

    figures = {
        name: [(str(label), count) for label, count in rows]
        for name, rows in response.context["figures"].items()
    }
    # Registrations, confirmed or waitlisted: Peru's 3 are hidden, and Chile's 6 too, since
    # the session's 9 minus Chile would give Peru away; the same for the sizes (7 and 2).
    assert figures == {
        "economy": [("Chile", "hidden"), ("Peru", "hidden")],
        "size": [
            ("Micro (up to 10 employees)", "hidden"),
            ("Small (11 to 50 employees)", "hidden"),
        ],
        "kind": [("Firm", "9")],
    }
    html = response.content.decode()
    assert '<th scope="row">Chile</th><td>hidden</td>' in html
    assert '<th scope="row">Peru</th><td>hidden</td>' in html


# One co-host never reaches another's sessions


def test_a_member_of_one_ministry_gets_404_for_another_ministrys_sessions(
    client, ministry, other_ministry
):
    theirs = cohosted_by(other_ministry)
    firm_registrant(theirs, shares_with_cohosts=True)
    their_proposal = SessionFactory(status=SessionStatus.DRAFT, proposed_by=other_ministry)
    client.force_login(member_of(ministry))

    answers = {
        url: client.get(url).status_code
        for session in (theirs, their_proposal)
        for url in (
            f"/en/cohost/sessions/{session.pk}/",
            f"/en/cohost/sessions/{session.pk}/registrants.csv",
            f"/en/cohost/sessions/{session.pk}/suggest/",
        )
    }
    posted = suggest(client, theirs).status_code

    assert set(answers.values()) == {404}
    assert posted == 404
    assert TextSuggestion.objects.count() == 0

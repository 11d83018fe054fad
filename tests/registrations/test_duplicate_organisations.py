"""Duplicate organisations (issue 16, item 6): likely duplicates within an economy, merging them
so that everything follows the organisation kept, and impact figures that count the merged firms
once and equal a recount from the rows."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from api.models import WebhookSubscription
from events.models import Session, TextSuggestion
from impact.filters import ImpactFilters
from impact.queries import Audience, breakdown, headline_figures
from outreach import audit
from outreach.models import AuditAction, AuditEntry, Organisation, OrganisationKind, Role
from registrations.models import (
    Enrolment,
    PendingKind,
    PendingRegistration,
    Registration,
    Survey,
    SurveyInvitation,
)
from registrations.organisations import services
from registrations.organisations.queries import (
    email_domain,
    likely_duplicates,
    normalised_name,
    website_key,
)
from tests.factories import (
    FirmFactory,
    OrganisationFactory,
    OrganiserFactory,
    RegistrationFactory,
    SeriesFactory,
    SessionFactory,
    TextSuggestionFactory,
    UserFactory,
    economy,
)
from tests.queries import assert_same_queries_for_1_and_more

pytestmark = pytest.mark.django_db


# --- Likely duplicates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "normalised"),
    [
        ("Café Andino S.A.", "cafeandino"),
        ("CAFE ANDINO", "cafeandino"),
        ("Cafe Andino SA", "cafeandino"),
        ("Café-Andino, Ltda.", "cafeandino"),
        ("Textiles Pérez y Cía.", "textilesperez"),
        ("Textiles Perez & Co", "textilesperez"),
        ("Soluciones Norte S. de R.L. de C.V.", "solucionesnorte"),
        ("Soluciones Norte, S.A. de C.V.", "solucionesnorte"),
        ("Bäckerei Müller GmbH", "backereimuller"),
        ("Dupont et Fils SARL", "dupontfils"),
        ("Acme Foods Pty Ltd", "acmefoods"),
        ("AcmeFoods Inc.", "acmefoods"),
        ("S.A.", "sa"),  # nothing but a legal form: kept, so it is nobody's duplicate
    ],
)
def test_normalised_name_leaves_out_accents_case_punctuation_and_legal_forms(name, normalised):
    assert normalised_name(name) == normalised


def test_website_key_is_the_host_without_www_or_the_page_on_a_shared_platform():
    assert website_key("https://www.andino.cl/quienes-somos") == "andino.cl"
    assert website_key("andino.cl") == "andino.cl"
    assert website_key("http://WWW.Andino.CL") == "andino.cl"
    assert website_key("https://www.facebook.com/cafeandino/") == "facebook.com/cafeandino"
    assert website_key("https://facebook.com") == ""
    assert website_key("") == ""
    assert website_key("https://shop.example") == ""


@pytest.mark.parametrize(
    ("email", "domain"),
    [
        ("ana@andino.cl", "andino.cl"),
        ("ana@gmail.com", ""),
        ("ana@yahoo.fr", ""),
        ("ana@hotmail.co.uk", ""),
        ("ana@outlook.es", ""),
        ("ana@proton.me", ""),
        ("ana@gmx.de", ""),
        ("ana@example.org", ""),
        ("ana@b.example", ""),
    ],
)
def test_email_domain_leaves_out_public_providers_and_reserved_domains(email, domain):
    assert email_domain(email) == domain


def _names(groups) -> list[list[str]]:
    return [[organisation.name for organisation in group.organisations] for group in groups]


def test_likely_duplicates_by_name_website_and_email_domain_within_one_economy():
    chile, peru = economy("CL"), economy("PE")
    andino = FirmFactory(name="Café Andino S.A.", economy=chile)
    RegistrationFactory.create_batch(2, person=UserFactory(organisation=andino))
    FirmFactory(name="CAFE ANDINO", economy=chile)
    FirmFactory(name="Café Andino", economy=peru)  # another economy: another firm
    FirmFactory(name="Viña Sur", website="https://www.vinasur.cl", economy=chile)
    FirmFactory(name="Bodegas del Sur", website="vinasur.cl/contacto", economy=chile)
    cobre = FirmFactory(name="Cobre Norte", economy=chile)
    UserFactory(organisation=cobre, email="ana@cobrenorte.cl")
    norte = FirmFactory(name="Minera Norte Limitada", economy=chile)
    UserFactory(organisation=norte, email="luis@cobrenorte.cl")
    # People at public providers are not the same organisation.
    for name in ("Alfa Uno", "Beta Dos"):
        UserFactory(organisation=FirmFactory(name=name, economy=chile), email=f"{name}@gmail.com")

    groups = likely_duplicates()

    # By the name of each group's first organisation, the most registered first in a group.
    assert _names(groups) == [
        ["Bodegas del Sur", "Viña Sur"],
        ["Café Andino S.A.", "CAFE ANDINO"],
        ["Cobre Norte", "Minera Norte Limitada"],
    ]
    assert [group.reasons for group in groups] == [["website"], ["name"], ["email"]]
    assert [o.registration_count for o in groups[1].organisations] == [2, 0]
    assert [o.people_count for o in groups[1].organisations] == [1, 0]
    assert {group.economy.code for group in groups} == {"CL"}
    assert _names(likely_duplicates(peru)) == []
    assert _names(likely_duplicates(chile)) == _names(groups)


def test_a_website_domain_matches_the_email_domain_of_another_organisations_people():
    chile = economy("CL")
    FirmFactory(name="Frutas del Valle", website="https://frutasvalle.cl", economy=chile)
    exporter = FirmFactory(name="FV Exportadora", economy=chile)
    UserFactory(organisation=exporter, email="ventas@frutasvalle.cl")

    # The one with people first (neither has registrations).
    assert _names(likely_duplicates(chile)) == [["FV Exportadora", "Frutas del Valle"]]


def test_a_ministry_is_never_grouped_with_a_firm():
    chile = economy("CL")
    OrganisationFactory(name="ProChile", kind=OrganisationKind.GOVERNMENT, economy=chile)
    FirmFactory(name="Pro Chile SpA", economy=chile)
    OrganisationFactory(name="PRO-CHILE", kind=OrganisationKind.GOVERNMENT, economy=chile)

    assert _names(likely_duplicates(chile)) == [["PRO-CHILE", "ProChile"]]


def test_likely_duplicates_asks_the_same_queries_for_one_group_and_many():
    chile = economy("CL")

    def add_groups(count):
        for _ in range(count):
            n = Organisation.objects.count()
            keep = FirmFactory(name=f"Empresa {n} S.A.", economy=chile)
            RegistrationFactory(person=UserFactory(organisation=keep))
            FirmFactory(name=f"Empresa {n}", economy=chile)

    add_groups(1)
    with CaptureQueriesContext(connection) as one:
        assert len(likely_duplicates()) == 1
    add_groups(3)
    with CaptureQueriesContext(connection) as many:
        assert len(likely_duplicates()) == 4
    assert len(many) == len(one) == 3


# --- Merging -----------------------------------------------------------------------------------


def test_every_relation_to_organisation_is_handled_by_the_merge():
    """A model that adds a relation to Organisation must say here how a merge moves it;
    otherwise merging would lose its rows to a cascade (or fail on a protected one)."""
    handled = {reference.key for reference in services.REFERENCES}

    assert services.relations_to_organisations() == handled
    assert services.references() == services.REFERENCES


def outcome_survey() -> Survey:
    return Survey.objects.get(slug="outcomes")


def ask(registration, *, used=False):
    session = registration.session
    return SurveyInvitation.objects.create(
        survey=outcome_survey(),
        registration=registration,
        organisation=registration.organisation,
        series=session.series,
        period_starts_at=session.starts_at,
        closes_at=timezone.now() + timedelta(days=14),
        used_at=timezone.now() if used else None,
    )


@pytest.fixture
def organiser():
    return OrganiserFactory()


def test_merge_moves_every_reference_to_the_organisation_kept(organiser):
    chile = economy("CL")
    keep = OrganisationFactory(name="Cámara de Comercio", economy=chile)
    duplicate = OrganisationFactory(
        name="Camara de Comercio AG", economy=chile, website="https://camara.cl", sector="trade"
    )
    other = OrganisationFactory(name="Cámara de Lima", economy=economy("PE"))
    shared_session = SessionFactory(series=SeriesFactory(), cohosts=[keep, duplicate])
    duplicate_session = SessionFactory(cohosts=[duplicate, other], proposed_by=duplicate)
    member = UserFactory(organisation=duplicate, role=Role.COHOST, cohost_role="manager")
    registration = RegistrationFactory(
        session=shared_session, person=UserFactory(organisation=duplicate)
    )
    brought = RegistrationFactory(session=duplicate_session, source_organisation=duplicate)
    # Shared with both: one link to the kept organisation afterwards, not two.
    shared_with_both = RegistrationFactory(
        session=shared_session, shares_with_cohosts=True, shared_with=[keep, duplicate]
    )
    shared_with_one = RegistrationFactory(
        session=duplicate_session, shares_with_cohosts=True, shared_with=[duplicate, other]
    )
    suggestion = TextSuggestionFactory(
        session=duplicate_session, organisation=duplicate, suggested_by=member
    )
    course = SeriesFactory(is_course=True, capacity=10)
    enrolment = Enrolment.objects.create(
        series=course, person=registration.person, organisation=duplicate, status="confirmed"
    )
    pending = PendingRegistration.objects.create(
        kind=PendingKind.SHARING,
        session=duplicate_session,
        person=brought.person,
        email=brought.person.email,
        registration=brought,
        source_organisation=duplicate,
    )
    pending.share_with.set([duplicate, keep])
    invitation = ask(registration)
    webhook = WebhookSubscription.objects.create(
        organisation=duplicate, url="https://camara.example/hooks", secret="s" * 32
    )
    audit.record(member, AuditAction.PROPOSAL_MADE, duplicate_session)
    facts_before = Registration.objects.values(
        "pk", "economy", "organisation_kind", "size_band", "women_led", "youth_led"
    ).order_by("pk")
    facts_before = list(facts_before)

    moved = services.merge(keep, [duplicate], by=organiser)

    assert not Organisation.objects.filter(pk=duplicate.pk).exists()
    registration.refresh_from_db()
    brought.refresh_from_db()
    assert registration.organisation == keep
    assert brought.source_organisation == keep
    assert list(shared_with_both.shared_with.all()) == [keep]
    assert set(shared_with_one.shared_with.all()) == {keep, other}
    assert set(shared_session.cohosts.all()) == {keep}
    assert set(duplicate_session.cohosts.all()) == {keep, other}
    assert Session.objects.get(pk=duplicate_session.pk).proposed_by == keep
    assert TextSuggestion.objects.get(pk=suggestion.pk).organisation == keep
    member.refresh_from_db()
    assert member.organisation == keep
    enrolment.refresh_from_db()
    assert enrolment.organisation == keep
    invitation.refresh_from_db()
    assert invitation.organisation == keep
    pending.refresh_from_db()
    assert pending.source_organisation == keep
    assert list(pending.share_with.all()) == [keep]
    webhook.refresh_from_db()
    assert webhook.organisation == keep
    proposal_entry = AuditEntry.objects.get(action=AuditAction.PROPOSAL_MADE)
    assert proposal_entry.actor_organisation == keep
    # The duplicate's facts fill the kept one's gaps; registrations keep what they recorded.
    keep.refresh_from_db()
    assert (keep.website, keep.sector) == ("https://camara.cl", "trade")
    assert (
        list(
            Registration.objects.values(
                "pk", "economy", "organisation_kind", "size_band", "women_led", "youth_led"
            ).order_by("pk")
        )
        == facts_before
    )
    assert moved["registrations.Registration.organisation"] == 1
    assert moved["events.Session.cohosts"] == 1  # the shared session's link was dropped
    entry = AuditEntry.objects.get(action=AuditAction.ORGANISATIONS_MERGED)
    assert entry.actor == organiser
    assert entry.object_id == str(keep.pk)
    assert entry.details["kept_id"] == keep.pk
    assert entry.details["merged_ids"] == [duplicate.pk]
    assert entry.details["merged_names"] == ["Camara de Comercio AG"]
    assert entry.details["moved"]["registrations.Registration.organisation"] == 1
    assert entry.details["moved"]["outreach.User.organisation"] == 2
    assert entry.details["facts_filled"] == ["website", "sector"]
    # The other economy's organisation is untouched.
    assert Organisation.objects.get(pk=other.pk).name == "Cámara de Lima"


def test_merge_fills_a_firms_missing_facts_and_keeps_those_it_has(organiser):
    keep = FirmFactory(name="Andino", size_band="small", women_led=False, exporting_status="")
    first = FirmFactory(
        name="Andino SA", size_band="micro", women_led=True, exporting_status="ready"
    )
    second = FirmFactory(name="ANDINO S.A.", size_band="", youth_led=True, sector="food")

    services.merge(keep, [first, second], by=organiser)

    keep.refresh_from_db()
    assert (keep.size_band, keep.exporting_status, keep.sector) == ("small", "ready", "food")
    assert (keep.women_led, keep.youth_led) == (True, True)
    assert Organisation.objects.filter(pk__in=[first.pk, second.pk]).count() == 0


def test_merge_keeps_one_outcome_invitation_per_period_the_answered_one(organiser):
    keep, duplicate = FirmFactory(name="Andino"), FirmFactory(name="Andino SA")
    session = SessionFactory(series=SeriesFactory(), status="finished")
    unanswered = ask(RegistrationFactory(session=session, person=UserFactory(organisation=keep)))
    answered = ask(
        RegistrationFactory(session=session, person=UserFactory(organisation=duplicate)),
        used=True,
    )

    services.merge(keep, [duplicate], by=organiser)

    assert list(SurveyInvitation.objects.filter(organisation=keep)) == [answered]
    assert not SurveyInvitation.objects.filter(pk=unanswered.pk).exists()


@pytest.mark.parametrize(
    ("make_duplicate", "message"),
    [
        (
            lambda keep: FirmFactory(name="Andino", economy=economy("PE")),
            "Only organisations of the same economy can be merged.",
        ),
        (
            lambda keep: OrganisationFactory(name="Andino", kind=OrganisationKind.GOVERNMENT),
            "A firm cannot be merged with the organiser, a ministry or a co-host",
        ),
        (
            lambda keep: OrganisationFactory(name="Andino", kind=OrganisationKind.ORGANISER),
            "A firm cannot be merged with the organiser, a ministry or a co-host",
        ),
        (
            # A support organisation that co-hosts a session acts as a co-host.
            lambda keep: SessionFactory(cohosts=[OrganisationFactory(name="Andino")]).cohosts.get(),
            "A firm cannot be merged with the organiser, a ministry or a co-host",
        ),
        (lambda keep: keep, "The organisation kept cannot also be merged into itself."),
    ],
    ids=["economies", "ministry", "organiser", "cohost", "itself"],
)
def test_merge_refuses_and_writes_nothing(organiser, make_duplicate, message):
    keep = FirmFactory(name="Andino SpA", economy=economy("CL"))
    RegistrationFactory(person=UserFactory(organisation=keep))
    duplicate = make_duplicate(keep)
    RegistrationFactory(person=UserFactory(organisation=duplicate))
    before = sorted(Registration.objects.values_list("pk", "organisation_id"))

    with pytest.raises(services.MergeRefused, match=message):
        services.merge(keep, [duplicate], by=organiser)

    assert Organisation.objects.filter(pk=duplicate.pk).exists()
    assert sorted(Registration.objects.values_list("pk", "organisation_id")) == before
    assert not AuditEntry.objects.filter(action=AuditAction.ORGANISATIONS_MERGED).exists()


def test_a_firm_may_be_merged_with_a_registrant_that_said_another_kind(organiser):
    keep = FirmFactory(name="Andino SpA")
    duplicate = OrganisationFactory(name="Andino", kind=OrganisationKind.OTHER)

    services.merge(keep, [duplicate], by=organiser)

    assert not Organisation.objects.filter(pk=duplicate.pk).exists()


# --- Figures after a merge ----------------------------------------------------------------------


def recount() -> dict:
    """The headline's organisations and firms, and per economy, from the rows (the definitions
    in impact/queries.py's docstring): non-cancelled registrations of held sessions."""
    now = timezone.now()
    rows = [
        r
        for r in Registration.objects.select_related("session")
        if r.status != "cancelled"
        and r.session.status in ("published", "finished")
        and r.session.ends_at <= now
    ]
    per_economy = defaultdict(lambda: {"organisations": set(), "firms": set()})
    for r in rows:
        per_economy[r.economy_id]["organisations"].add(r.organisation_id)
        if r.organisation_kind == OrganisationKind.FIRM:
            per_economy[r.economy_id]["firms"].add(r.organisation_id)
    return {
        "organisations": len({r.organisation_id for r in rows}),
        "firms": len({r.organisation_id for r in rows if r.organisation_kind == "firm"}),
        "by_economy": {
            code: {key: len(ids) for key, ids in counts.items()}
            for code, counts in per_economy.items()
        },
    }


def figures() -> dict:
    headline = headline_figures(ImpactFilters(), Audience.staff())
    rows = breakdown(ImpactFilters(), "economy", Audience.staff())
    return {
        "organisations": headline["organisations"],
        "firms": headline["firms"],
        "by_economy": {
            row["key"]: {"organisations": row["organisations"], "firms": row["firms"]}
            for row in rows
        },
        "registrations": headline["registrations"],
        "attendees": headline["attendees"],
    }


def test_after_a_merge_unique_firms_drop_by_the_number_merged_and_equal_the_recount(organiser):
    chile, peru = economy("CL"), economy("PE")
    start = datetime(2026, 3, 10, 14, tzinfo=UTC)
    held = [
        SessionFactory(
            status="finished",
            starts_at=start + timedelta(days=d),
            ends_at=start + timedelta(days=d, hours=1),
        )
        for d in (0, 30)
    ]
    firms = {
        name: FirmFactory(name=name, economy=chile, size_band="micro")
        for name in ("Café Andino S.A.", "CAFE ANDINO", "Cafe Andino Ltda", "Viña Sur")
    }
    lima = {
        name: FirmFactory(name=name, economy=peru)
        for name in ("Textiles Lima SAC", "TEXTILES LIMA")  # alike, but not merged
    }
    for index, firm in enumerate([*firms.values(), *lima.values()]):
        for session in held[: 1 + index % 2]:
            RegistrationFactory(
                session=session, person=UserFactory(organisation=firm), attended=index % 3 != 0
            )
    before = figures()
    assert before | recount() == before
    peru_before = before["by_economy"]["PE"]

    keep = firms["Café Andino S.A."]
    services.merge(keep, [firms["CAFE ANDINO"], firms["Cafe Andino Ltda"]], by=organiser)

    after = figures()
    assert after | recount() == after
    assert after["firms"] == before["firms"] - 2
    assert after["organisations"] == before["organisations"] - 2
    assert after["by_economy"]["CL"]["firms"] == before["by_economy"]["CL"]["firms"] - 2
    assert after["by_economy"]["PE"] == peru_before
    # Registrations and attendees are people at sessions: a merge changes none of them.
    assert (after["registrations"], after["attendees"]) == (
        before["registrations"],
        before["attendees"],
    )


# --- The screens ------------------------------------------------------------------------------


def test_the_duplicates_page_lists_groups_in_the_same_queries_for_one_and_more(client, organiser):
    client.force_login(organiser)
    chile = economy("CL")

    def add_groups(count):
        for _ in range(count):
            n = Organisation.objects.count()
            FirmFactory(name=f"Empresa {n} S.A.", economy=chile, website=f"https://e{n}.cl")
            FirmFactory(name=f"EMPRESA {n}", economy=chile)

    first, last = assert_same_queries_for_1_and_more(
        client, reverse("registrations:duplicates"), add_groups
    )

    assert last.content.count(b"data-duplicate-group") == 3
    assert "Empresa" in first.content.decode()


def test_the_duplicates_page_filters_by_economy(client, organiser):
    client.force_login(organiser)
    FirmFactory(name="Café Andino S.A.", economy=economy("CL"))
    FirmFactory(name="Cafe Andino", economy=economy("CL"))
    FirmFactory(name="Textiles Lima SAC", economy=economy("PE"))
    FirmFactory(name="TEXTILES LIMA", economy=economy("PE"))

    response = client.get(reverse("registrations:duplicates"), {"economy": "PE"})

    content = response.content.decode()
    assert "TEXTILES LIMA" in content
    assert "Andino" not in content


def test_merging_from_the_page_asks_first_then_merges(client, organiser):
    client.force_login(organiser)
    keep = FirmFactory(name="Café Andino S.A.")
    duplicate = FirmFactory(name="CAFE ANDINO")
    RegistrationFactory.create_batch(2, person=UserFactory(organisation=duplicate))
    url = reverse("registrations:duplicates-merge")

    asked = client.post(url, {"keep": keep.pk, "merge": [duplicate.pk]})

    assert asked.status_code == 200
    content = asked.content.decode()
    assert "Registrations: 2" in content
    assert "People: 1" in content
    assert Organisation.objects.filter(pk=duplicate.pk).exists()

    merged = client.post(url, {"keep": keep.pk, "merge": [duplicate.pk], "step": "merge"})

    assert merged.status_code == 302
    assert merged["Location"] == reverse("registrations:duplicates")
    assert not Organisation.objects.filter(pk=duplicate.pk).exists()
    assert Registration.objects.filter(organisation=keep).count() == 2
    followed = client.get(merged["Location"])
    assert "Merged into Café Andino S.A.: CAFE ANDINO." in followed.content.decode()


def test_a_refused_merge_from_the_page_says_why(client, organiser):
    client.force_login(organiser)
    keep = FirmFactory(name="Café Andino S.A.", economy=economy("CL"))
    duplicate = FirmFactory(name="Café Andino", economy=economy("PE"))

    response = client.post(
        reverse("registrations:duplicates-merge"),
        {"keep": keep.pk, "merge": [duplicate.pk], "step": "merge"},
        follow=True,
    )

    assert "Only organisations of the same economy can be merged." in response.content.decode()
    assert Organisation.objects.filter(pk=duplicate.pk).exists()

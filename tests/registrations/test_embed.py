"""Registration embedded on a co-host's own site (registrations.embed): framable only by the
sites the co-host lists, counted for that co-host, safe against forged posts without cookies,
and light."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from outreach.models import AuditAction, AuditEntry, CohostRole, OrganisationKind, Role
from registrations.cohost_links import link_token
from registrations.embed import origins as embed_origins
from registrations.embed import services as embed
from registrations.models import Registration, RegistrationSource, RegistrationStatus
from tests.factories import (
    OrganisationFactory,
    OrganiserFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    registration_form,
)
from tests.outreach.test_page_weight import first_visit

pytestmark = pytest.mark.django_db

SITE = "https://www.ministerio.gob.cl"


@pytest.fixture
def ministry():
    return OrganisationFactory(kind=OrganisationKind.GOVERNMENT, embed_origins=[SITE])


@pytest.fixture
def session(ministry):
    return SessionFactory(cohosts=[ministry], language="es", title_es="Exportar a Asia")


def embed_path(session, organisation, language="es") -> str:
    return reverse(
        "registrations:embed-register",
        kwargs={"pk": session.pk, "via": f"{organisation.pk}.{link_token(session, organisation)}"},
    ).replace("/en/", f"/{language}/", 1)


def token_of(response) -> str:
    return re.search(r'name="embed_token" value="([^"]+)"', response.content.decode()).group(1)


def post(client, path, token, **overrides):
    return client.post(
        path,
        {**registration_form(**overrides), "embed_token": token},
        HTTP_ORIGIN="https://outreach.example",
    )


# --- The sites listed ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("https://WWW.Ministerio.gob.cl/", "https://www.ministerio.gob.cl"),
        ("https://ministerio.gob.cl:443", "https://ministerio.gob.cl"),
        ("https://ministerio.gob.cl:8443", "https://ministerio.gob.cl:8443"),
        ("https://comercio.gouv.bf", "https://comercio.gouv.bf"),
        ("https://ministère.example", "https://xn--ministre-60a.example"),
    ],
)
def test_a_site_is_kept_as_its_origin(typed, kept):
    assert embed_origins.normalise_origin(typed) == kept


@pytest.mark.parametrize(
    "typed",
    [
        "http://ministerio.gob.cl",  # plain http, in production
        "https://ministerio.gob.cl/registro",  # a path
        "https://ministerio.gob.cl?x=1",
        "https://user:pw@ministerio.gob.cl",
        "https://*.gob.cl",
        "https://a.example; script-src *",  # would write into the policy
        "https://a.example'none'",
        "ministerio.gob.cl",
        "javascript:alert(1)",
        "https://",
    ],
)
def test_anything_but_an_origin_is_refused(typed):
    with pytest.raises(ValidationError):
        embed_origins.parse_origins(typed)


@override_settings(OUTREACH_EMBED_ALLOW_HTTP=True)
def test_plain_http_is_accepted_where_the_setting_allows_it():
    assert embed_origins.parse_origins("http://127.0.0.1:8001 http://127.0.0.1:8001/") == [
        "http://127.0.0.1:8001"
    ]


def manager_of(organisation, role=CohostRole.MANAGER):
    return UserFactory(role=Role.COHOST, cohost_role=role, organisation=organisation)


def test_a_cohost_manager_lists_its_sites_and_the_change_is_audited(client, ministry):
    other = OrganisationFactory(kind=OrganisationKind.GOVERNMENT, embed_origins=[])
    manager = manager_of(ministry)
    client.force_login(manager)
    url = reverse("registrations:embed-sites")

    response = client.post(url, {"origins": "https://www.ministerio.gob.cl\nhttps://prochile.cl/"})

    assert response.status_code == 302
    ministry.refresh_from_db()
    other.refresh_from_db()
    assert ministry.embed_origins == [SITE, "https://prochile.cl"]
    assert other.embed_origins == []
    entry = AuditEntry.objects.get(action=AuditAction.EMBED_SITES_CHANGED)
    assert entry.actor == manager
    assert entry.details["added"] == ["https://prochile.cl"]


def test_a_bad_site_gets_a_translated_error_and_changes_nothing(client, ministry):
    client.force_login(manager_of(ministry))

    response = client.post(
        "/fr/workspace/embed-sites/", {"origins": "https://ok.example\nhttps://a.example/page"}
    )

    assert response.status_code == 400
    assert "https://a.example/page" in response.content.decode()
    ministry.refresh_from_db()
    assert ministry.embed_origins == [SITE]
    assert not AuditEntry.objects.filter(action=AuditAction.EMBED_SITES_CHANGED).exists()


# --- The framed page ----------------------------------------------------------------------


def test_the_page_may_be_framed_by_the_listed_sites_only(client, ministry, session):
    response = client.get(embed_path(session, ministry))
    public = client.get(reverse("registrations:register", args=[session.pk]))

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert f"frame-ancestors {SITE}" in policy
    assert "frame-ancestors 'none'" not in policy
    assert "X-Frame-Options" not in response
    assert "frame-ancestors 'none'" in public["Content-Security-Policy"]
    assert public["X-Frame-Options"] == "DENY"


def test_the_page_sets_no_cookie(client, ministry, session):
    response = client.get(embed_path(session, ministry))
    sent = post(client, embed_path(session, ministry), token_of(response))

    assert not response.cookies
    assert not sent.cookies


@pytest.mark.parametrize("case", ["no sites", "forged mark", "no longer a co-host", "draft"])
def test_the_page_is_not_found_without_a_genuine_listed_cohost(client, ministry, session, case):
    path = embed_path(session, ministry)
    if case == "no sites":
        ministry.embed_origins = []
        ministry.save()
    elif case == "forged mark":
        path = path.replace(link_token(session, ministry), "x" * 27)
    elif case == "no longer a co-host":
        session.cohosts.clear()
    else:
        session.status = "draft"
        session.save()

    assert client.get(path).status_code == 404


def test_a_registration_through_it_counts_for_the_cohost(client, ministry, session):
    other_session = SessionFactory(cohosts=[ministry])
    path = embed_path(session, ministry)

    response = post(client, path, token_of(client.get(path)))

    assert response.status_code == 200
    registration = Registration.objects.get()
    assert registration.session == session
    assert registration.source == RegistrationSource.COHOST
    assert registration.source_organisation == ministry
    assert registration.status == RegistrationStatus.CONFIRMED
    assert "lucia@example.org" in response.content.decode()
    assert f"frame-ancestors {SITE}" in response["Content-Security-Policy"]
    assert not other_session.registrations.exists()


@pytest.mark.parametrize("case", ["no token", "another session's token", "spent", "foreign origin"])
def test_a_forged_or_replayed_post_records_nothing(client, ministry, session, case):
    other = SessionFactory(cohosts=[ministry])
    path = embed_path(session, ministry)
    token = token_of(client.get(path))
    if case == "no token":
        token = ""
    elif case == "another session's token":
        token = token_of(client.get(embed_path(other, ministry)))
    elif case == "spent":
        assert post(client, path, token).status_code == 200
        Registration.objects.all().delete()
    data = {**registration_form(email="second@example.org"), "embed_token": token}
    origin = "https://evil.example" if case == "foreign origin" else "https://outreach.example"

    response = client.post(path, data, HTTP_ORIGIN=origin)

    assert response.status_code == 403
    assert not Registration.objects.exists()


def test_a_signed_in_browser_registers_as_nobody_in_particular(client, ministry, session):
    """The page never acts for a signed-in person: an address already known only gets the email
    asking its owner to confirm, whoever's browser posts the form."""
    owner = UserFactory(email="owner@example.org")
    client.force_login(UserFactory())
    path = embed_path(session, ministry, language="en")

    response = post(client, path, token_of(client.get(path)), email="owner@example.org")

    assert response.status_code == 200
    assert not Registration.objects.filter(person=owner).exists()
    assert "If <strong>owner@example.org</strong> is already known" in response.content.decode()


def test_a_wrong_form_gets_its_errors_in_spanish_and_records_nothing(client, ministry, session):
    path = embed_path(session, ministry)

    response = post(client, path, token_of(client.get(path)), email="not-an-address")

    assert response.status_code == 400
    assert "Hay un problema" in response.content.decode()
    assert not Registration.objects.exists()


def test_the_page_weighs_under_50_kb_on_a_first_visit(client, ministry, session):
    weights = first_visit(client, embed_path(session, ministry))

    assert sum(weights.values()) <= 50 * 1024, weights


# --- The code to paste --------------------------------------------------------------------


def test_the_workspace_offers_the_code_to_paste_once_a_site_is_listed(client, ministry, session):
    plain = OrganisationFactory(kind=OrganisationKind.GOVERNMENT, embed_origins=[])
    other_session = SessionFactory(cohosts=[plain])
    client.force_login(manager_of(ministry))

    page = client.get(reverse("cohost:session", args=[session.pk])).content.decode()
    client.force_login(manager_of(plain))
    plain_page = client.get(reverse("cohost:session", args=[other_session.pk])).content.decode()

    snippet = embed.snippet(session, ministry, language="en")
    assert "&lt;iframe src=&quot;https://outreach.example/en/embed/sessions/" in page
    assert snippet.startswith('<iframe src="https://outreach.example/en/embed/sessions/')
    assert f"?via={ministry.pk}." in snippet  # the link for whoever cannot see the frame
    assert "&lt;iframe" not in plain_page
    assert reverse("registrations:embed-sites") in plain_page


def test_an_organiser_registration_elsewhere_is_untouched(client, ministry, session):
    kept = RegistrationFactory(session=session)
    path = embed_path(session, ministry)

    post(client, path, token_of(client.get(path)))

    kept.refresh_from_db()
    assert kept.source == RegistrationSource.DIRECT
    assert session.registrations.count() == 2
    assert OrganiserFactory  # organisers keep using the full pages (permission matrix)

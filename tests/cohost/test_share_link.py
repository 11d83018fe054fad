"""Sharing an invitation link from the co-host workspace: copy it, print it as a QR code, send
it on WhatsApp or by email with a message in the session's language, built from SITE_URL; only
for published sessions, and only the co-host's own link (another organisation finds nothing)."""

import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from outreach.models import OrganisationKind, Role
from outreach.timezones import format_moment
from registrations import cohost_links
from tests.factories import OrganisationFactory, OrganiserFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

SITE_URL = "https://outreach.example"


@pytest.fixture
def world():
    """Ministry A co-hosts a Spanish session and a draft; ministry B its own session."""
    ministry_a = OrganisationFactory(name="Ministerio A", kind=OrganisationKind.GOVERNMENT)
    ministry_b = OrganisationFactory(name="Ministry B", kind=OrganisationKind.GOVERNMENT)
    return {
        "a": ministry_a,
        "b": ministry_b,
        "session": SessionFactory(
            language="es",
            title_es="Exportar a Asia",
            title_en="Exporting to Asia",
            cohosts=[ministry_a],
        ),
        "draft": SessionFactory(status="draft", cohosts=[ministry_a], proposed_by=ministry_a),
        "session_b": SessionFactory(title_en="Session of B", cohosts=[ministry_b]),
    }


def member_of(organisation):
    return UserFactory(role=Role.COHOST, cohost_role="viewer", organisation=organisation)


def qr(session, organisation, fmt):
    name = "cohost:invitation-qr" if fmt == "svg" else "cohost:invitation-qr-png"
    return reverse(name, args=[session.pk, organisation.pk])


def attribute(content: str, selector: str, name: str) -> str:
    tag = re.search(rf"<[^>]*{selector}[^>]*>", content).group(0)
    return unescape(re.search(rf'{name}="([^"]*)"', tag).group(1))


def test_a_member_gets_the_link_with_a_copy_button_whatsapp_email_and_qr(client, world):
    client.force_login(member_of(world["a"]))
    session = world["session"]

    content = client.get(
        reverse("cohost:session", args=[session.pk]), HTTP_HOST="localhost"
    ).content.decode()

    path = reverse("registrations:register", kwargs={"pk": session.pk}).replace("/en/", "/es/")
    link = f"{SITE_URL}{path}?via={world['a'].pk}.{cohost_links.link_token(session, world['a'])}"
    assert attribute(content, 'id="invitation-link"', "value") == link
    assert "readonly" in re.search(r'<input[^>]*id="invitation-link"[^>]*>', content).group(0)
    assert 'data-copy="invitation-link"' in content
    whatsapp = attribute(content, 'data-share="whatsapp"', "href")
    assert whatsapp.startswith("https://wa.me/?text=")
    message = unquote(whatsapp.removeprefix("https://wa.me/?text="))
    with translation.override("es"):
        when = format_moment(session.starts_at, ZoneInfo("Europe/Zurich"), "es")
        subject = gettext("Invitation: %(title)s") % {"title": "Exportar a Asia"}
        expected = gettext(
            "You are invited to the free webinar “%(title)s” on %(when)s. Register here: %(url)s"
        ) % {"title": "Exportar a Asia", "when": when, "url": link}
    assert message == expected
    assert message.endswith(link)
    email = urlsplit(attribute(content, 'data-share="email"', "href"))
    fields = parse_qs(email.query)
    assert (email.scheme, fields["subject"], fields["body"]) == (
        "mailto",
        [subject],
        [message],
    )
    assert qr(session, world["a"], "svg") in content
    assert "//localhost" not in content  # the request's Host is never used
    assert '<script src="/static/outreach/share.js' in content


def test_the_qr_code_is_an_svg_and_a_png_of_the_link(client, world):
    client.force_login(member_of(world["a"]))

    svg = client.get(qr(world["session"], world["a"], "svg"))
    png = client.get(qr(world["session"], world["a"], "png"))

    assert (svg.status_code, svg["Content-Type"]) == (200, "image/svg+xml")
    assert svg.content.startswith(b"<svg")
    assert (png.status_code, png["Content-Type"]) == (200, "image/png")
    assert png.content.startswith(b"\x89PNG")
    assert png["Content-Disposition"].startswith("attachment;")


def test_staff_open_any_cohosts_qr_code(client, world):
    client.force_login(OrganiserFactory())

    response = client.get(qr(world["session_b"], world["b"], "svg"))

    assert response.status_code == 200


@pytest.mark.parametrize(
    "case", ["other organisation's link", "own link on their session", "a draft of their own"]
)
def test_another_organisation_finds_no_qr_code(client, world, case):
    client.force_login(member_of(world["b"]))
    url = {
        "other organisation's link": qr(world["session"], world["a"], "svg"),
        "own link on their session": qr(world["session"], world["b"], "svg"),
        "a draft of their own": qr(
            SessionFactory(status="draft", cohosts=[world["b"]]), world["b"], "png"
        ),
    }[case]

    response = client.get(url)

    assert response.status_code == 404


def test_a_draft_has_no_link_to_share(client, world):
    client.force_login(member_of(world["a"]))
    draft = world["draft"]

    content = client.get(reverse("cohost:session", args=[draft.pk])).content.decode()
    code = client.get(qr(draft, world["a"], "svg"))

    assert 'id="invitation-link"' not in content
    assert "wa.me" not in content
    assert "The invitation link is ready once the session is published." in content
    assert code.status_code == 404


def test_the_other_organisations_session_keeps_its_own_link(client, world):
    client.force_login(member_of(world["b"]))
    session = world["session_b"]

    content = client.get(reverse("cohost:session", args=[session.pk])).content.decode()

    assert f"via={world['b'].pk}." in attribute(content, 'id="invitation-link"', "value")
    assert f"via={world['a'].pk}." not in content
    assert client.get(reverse("cohost:session", args=[world["session"].pk])).status_code == 404


def test_a_held_session_links_to_its_survey_results(client, world):
    client.force_login(member_of(world["a"]))
    held = SessionFactory(
        cohosts=[world["a"]],
        starts_at=world["session"].starts_at - timedelta(days=14),
        ends_at=world["session"].starts_at - timedelta(days=14, hours=-2),
    )

    held_page = client.get(reverse("cohost:session", args=[held.pk])).content.decode()
    upcoming = client.get(reverse("cohost:session", args=[world["session"].pk])).content.decode()

    results = reverse("impact:session", args=[held.pk]) + "#survey-results"
    assert f'href="{results}"' in held_page
    assert "#survey-results" not in upcoming

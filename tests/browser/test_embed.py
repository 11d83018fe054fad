"""A ministry's own site frames a session's registration form (registrations.embed): Chromium
shows it inside a page of a listed site, where a firm registers, and refuses to show it inside a
page of any other site."""

import threading
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from outreach.models import OrganisationKind
from registrations.cohost_links import link_token
from registrations.models import Registration, RegistrationSource
from tests.browser.conftest import assert_accessible, fill_in_the_registration_form
from tests.factories import OrganisationFactory, SessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class ParentPage(BaseHTTPRequestHandler):
    """A ministry's page that frames the registration form (and a fallback link)."""

    def __init__(self, frame_url, *args, **kwargs):
        self.frame_url = frame_url
        super().__init__(*args, **kwargs)

    def do_GET(self):
        body = (
            "<!DOCTYPE html><html lang='es'><head><title>Ministerio</title></head><body>"
            "<h1>Ministerio</h1>"
            f"<iframe id='outreach' src='{self.frame_url}' title='Inscripción' "
            "width='700' height='1600'></iframe></body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def parent_site():
    """Start a ministry's site framing `frame_url` on 127.0.0.1; returns its origin."""
    servers = []

    def start(frame_url: str) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(ParentPage, frame_url))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_listed_site_frames_the_form_and_another_site_cannot(live_server, browser, parent_site):
    ministry = OrganisationFactory(name="Ministerio de Comercio", kind=OrganisationKind.GOVERNMENT)
    session = SessionFactory(language="es", title_es="Exportar a Asia", cohosts=[ministry])
    via = f"{ministry.pk}.{link_token(session, ministry)}"
    path = reverse("registrations:embed-register", kwargs={"pk": session.pk, "via": via})
    frame_url = live_server.url + path.replace("/en/", "/es/", 1)
    allowed = parent_site(frame_url)
    other = parent_site(frame_url)
    ministry.embed_origins = [allowed]
    ministry.save(update_fields=["embed_origins"])
    context = browser.new_context(locale="es-ES", viewport={"width": 900, "height": 1200})
    page = context.new_page()

    # Chromium replaces a frame its ancestors may not show with its own error page.
    page.goto(other + "/", wait_until="load")
    child = page.frames[1]
    assert not child.url.startswith(live_server.url), child.url
    assert page.frame_locator("#outreach").locator("form.registration-form").count() == 0

    page.goto(allowed + "/")
    frame = page.frame_locator("#outreach")
    expect(frame.locator("form.registration-form")).to_be_visible()
    framed = next(f for f in page.frames if f.url.startswith(live_server.url))
    assert_accessible(framed)
    fill_in_the_registration_form(framed, email="ana@frutas.example")
    framed.locator("form.registration-form button[type=submit]").click()
    expect(frame.locator("h1")).to_have_text("Tiene una plaza")

    registration = Registration.objects.get(person__email="ana@frutas.example")
    assert registration.source == RegistrationSource.COHOST
    assert registration.source_organisation == ministry
    context.close()

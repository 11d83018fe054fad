"""Many firms connect over slow, costly links and old phones: a public page on a first visit,
with every file it loads, weighs at most 100 KB as sent (compressed), in production mode.

Production mode here: DEBUG off (the test settings), pages compressed by the site's middleware
as a browser asking for gzip receives them, and static files weighed as WhiteNoise serves them
(its gzip files, level 9; browsers that take Brotli get less). A first visit has nothing cached,
so every stylesheet, script and icon the page names counts in full. `make bench` runs this file.
"""

import gzip
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone, translation

from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

BUDGET = 100 * 1024
ASSET = re.compile(rb'<(?:link|script)\b[^>]*?(?:href|src)="/static/([^"?#]+)"')


def first_visit(client, path: str) -> dict[str, int]:
    """What a first visit to `path` downloads: {what: bytes as sent}, the page and its files."""
    response = client.get(path, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response.status_code in (200, 404), path
    assert response["Content-Encoding"] == "gzip", f"{path} is sent uncompressed"
    weights = {path: len(response.content)}
    html = gzip.decompress(response.content)
    for asset in dict.fromkeys(ASSET.findall(html)):
        with open(finders.find(asset.decode()), "rb") as handle:
            weights[asset.decode()] = len(gzip.compress(handle.read(), compresslevel=9))
    return weights


@pytest.fixture
def programme():
    """A catalogue as visitors find it: a dozen upcoming sessions in three languages."""
    soon = timezone.now() + timezone.timedelta(days=10)
    sessions = [
        SessionFactory(starts_at=soon + timezone.timedelta(days=3 * n), language=language)
        for n, language in enumerate(["en", "fr", "es"] * 4)
    ]
    return sessions[1]


def public_pages(session) -> list[str]:
    pages = []
    for language in ("en", "fr", "es"):
        with translation.override(language):
            pages += [
                reverse("events:home"),
                reverse("events:catalogue"),
                reverse("events:session-detail", args=[session.pk]),
                reverse("registrations:register", args=[session.pk]),
                reverse("impact:reach"),
                reverse("outreach:set-time-zone"),
                reverse("account_login"),
                reverse("account_signup"),
            ]
    return [*pages, "/fr/no-such-page/"]


def test_every_public_page_weighs_at_most_100_kb_compressed_on_a_first_visit(client, programme):
    too_heavy = {}
    for path in public_pages(programme):
        weights = first_visit(client, path)
        print(f"{sum(weights.values()) / 1024:6.1f} KB  {path}  {weights}")  # pytest -s shows it
        if sum(weights.values()) > BUDGET:
            too_heavy[path] = weights

    assert too_heavy == {}


def test_pages_are_sent_compressed_to_anonymous_visitors_only(client, programme):
    anonymous = client.get("/fr/sessions/", HTTP_ACCEPT_ENCODING="gzip")
    client.force_login(UserFactory())

    signed_in = client.get("/fr/sessions/", HTTP_ACCEPT_ENCODING="gzip")

    assert anonymous["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in anonymous["Vary"]
    assert not signed_in.has_header("Content-Encoding")


def test_the_zone_list_is_not_sent_with_every_page(client, programme):
    html = client.get("/fr/sessions/").content.decode()

    assert 'value="Africa/Dakar"' not in html
    assert 'href="/fr/time-zone/?next=/fr/sessions/"' in html


def test_public_pages_have_no_inline_script_and_defer_the_rest(client):
    html = client.get("/en/").content.decode()

    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts == ['<script src="/static/outreach/tz.js" defer>']

"""Many firms connect over slow, costly links: a public page with its assets stays under 200 KB."""

import gzip
import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

BUDGET = 200 * 1024


def compressed_weight(client, path: str) -> int:
    html = client.get(path).content
    total = len(gzip.compress(html))
    for asset in re.findall(rb'(?:href|src)="/static/([^"]+)"', html):
        with open(finders.find(asset.decode()), "rb") as handle:
            total += len(gzip.compress(handle.read()))
    return total


@pytest.mark.parametrize(
    "path", ["/en/", "/fr/sessions/", "/fr/accounts/login/", "/es/accounts/signup/"]
)
def test_public_pages_with_their_assets_stay_under_200_kb_compressed(client, path):
    assert compressed_weight(client, path) < BUDGET


def test_public_pages_have_no_inline_script_and_defer_the_rest(client):
    html = client.get("/en/").content.decode()

    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts == ['<script src="/static/outreach/tz.js" defer>']

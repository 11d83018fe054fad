"""The time-zone page and field: zones named in the visitor's language, grouped by region, the
likely ones first; sent once, on their own page; dates written as French writes them."""

import re
import zoneinfo
from datetime import UTC, date, datetime

import pytest
from django import forms
from django.utils import translation
from django.views import defaults

from outreach.forms import TimeZoneField
from outreach.middleware import browser_territories
from outreach.timezones import (
    format_day,
    format_moment,
    format_time_range,
    most_likely_zones,
    zone_choices,
    zone_sentence_label,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def optgroups(html: str) -> list[str]:
    return re.findall(r'<optgroup label="([^"]*)">', html)


def test_the_time_zone_page_names_zones_in_french_by_region_the_likely_ones_first(client):
    response = client.get(
        "/fr/time-zone/?next=/fr/sessions/", HTTP_ACCEPT_LANGUAGE="fr-SN,fr;q=0.9,en;q=0.5"
    )

    html = response.content.decode()
    assert response.status_code == 200
    groups = optgroups(html)
    assert groups[1:] == ["Afrique", "Amériques", "Asie", "Europe", "Océanie"]
    likely = html.split("<optgroup")[1]
    assert '<option value="Africa/Dakar">Sénégal — Dakar (UTC+00:00)</option>' in likely
    assert '<option value="UTC" selected>' in html
    assert "Mexique — Mexico (UTC-06:00)" in html
    assert "America/Mexico_City</option>" not in html  # no raw IANA name shown
    assert 'name="next" value="/fr/sessions/"' in html


def test_zone_names_follow_the_language_and_the_un_economy_names():
    with translation.override("es"):
        choices = dict(
            option for _group, options in zone_choices("es", "UTC")[1:] for option in options
        )

    assert choices["America/Mexico_City"] == "México — Ciudad de México (UTC-06:00)"
    assert choices["Asia/Seoul"] == "República de Corea — Seúl (UTC+09:00)"


def test_the_current_zone_and_its_economy_come_first_one_per_offset():
    assert most_likely_zones("America/Chicago", ["FR"])[:5] == [
        "America/Chicago",
        "America/New_York",
        "America/Denver",
        "America/Los_Angeles",
        "America/Anchorage",
    ]
    assert most_likely_zones("UTC", ["SN"]) == ["UTC", "Africa/Dakar"]


def test_a_browser_names_its_economies_in_accept_language(rf):
    request = rf.get("/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en-US;q=0.8,fr")

    assert browser_territories(request) == ("MX", "US")


def test_the_zone_field_keeps_an_old_name_and_refuses_what_is_no_place():
    field = TimeZoneField()

    assert field.clean("Asia/Calcutta") == "Asia/Calcutta"
    assert field.clean("UTC") == "UTC"
    for refused in ("Nowhere/Town", "Etc/GMT+5", "EST5EDT"):
        with pytest.raises(forms.ValidationError):
            field.clean(refused)


def test_a_signed_in_person_changes_their_zone_in_their_profile(client):
    client.force_login(UserFactory(time_zone="Africa/Dakar"))

    html = client.get("/en/time-zone/").content.decode()

    assert "Times are shown in Dakar (Senegal)." in html
    assert 'href="/en/profile/"' in html
    assert "<select" not in html


def test_the_time_zone_page_sends_back_to_this_site_only(client):
    html = client.get("/en/time-zone/?next=https://evil.example/").content.decode()

    assert 'name="next" value="/en/"' in html


def test_a_zone_in_a_sentence_names_its_city_and_economy():
    assert zone_sentence_label("Africa/Dakar", "fr") == "Dakar (Sénégal)"
    assert zone_sentence_label("UTC", "fr") == "UTC"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "jeudi 1er octobre 2026"),
        ("en", "Thursday, October 1, 2026"),
        ("es", "jueves, 1 de octubre de 2026"),
    ],
)
def test_the_first_of_a_month_is_1er_in_french_only(language, expected):
    assert format_day(date(2026, 10, 1), "full", language) == expected


def test_french_times_say_1er_and_never_touch_other_days():
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    first = datetime(2026, 10, 1, 12, tzinfo=UTC)

    assert format_time_range(first, first, paris, "fr")["date"] == "jeudi 1er octobre 2026"
    assert format_moment(first, paris, "fr").startswith("1er octobre 2026 14:00")
    assert format_day(date(2026, 10, 11), "long", "fr") == "11 octobre 2026"
    assert format_day(date(2026, 10, 21), "medium", "fr") == "21 oct. 2026"


def test_an_unknown_address_answers_404_with_the_site_navigation(client):
    response = client.get("/en/no-such-page/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in html
    assert 'href="/en/sessions/"' in html
    assert 'lang="en"' in html


def test_the_500_page_renders_without_a_request_context_in_the_visitors_language(rf):
    with translation.override("fr"):
        response = defaults.server_error(rf.get("/fr/sessions/"))

    html = response.content.decode()
    assert response.status_code == 500
    assert 'href="/fr/sessions/"' in html
    assert 'lang="fr"' in html
    assert "favicon.svg" in html

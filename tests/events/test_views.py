from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from outreach.models import OrganisationKind
from tests.factories import OrganisationFactory, SessionFactory, TopicFactory, UserFactory, economy
from tests.queries import assert_same_queries_for_1_and_more

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return [session.display_title for session in response.context["sessions"]]


def test_the_catalogue_lists_upcoming_sessions_soonest_first(client):
    later = SessionFactory(title_en="Later", starts_at=timezone.now() + timedelta(days=20))
    SessionFactory(title_en="Sooner", starts_at=timezone.now() + timedelta(days=2))
    SessionFactory(title_en="Draft", status="draft")
    SessionFactory(
        title_en="Past",
        starts_at=timezone.now() - timedelta(days=3),
        ends_at=timezone.now() - timedelta(days=3) + timedelta(hours=1),
    )

    response = client.get("/en/sessions/")

    assert titles(response) == ["Sooner", later.title_en]


def test_past_sessions_are_listed_latest_first(client):
    for days, title in [(10, "Older"), (3, "Recent")]:
        start = timezone.now() - timedelta(days=days)
        SessionFactory(title_en=title, starts_at=start, ends_at=start + timedelta(hours=1))

    assert titles(client.get("/en/sessions/?when=past")) == ["Recent", "Older"]


def test_the_catalogue_filters_by_language_and_format(client):
    SessionFactory(title_en="English online")
    SessionFactory(language="es", title_es="Español presencial", format="in_person", venue="Lima")

    assert titles(client.get("/es/sessions/?language=es")) == ["Español presencial"]
    assert titles(client.get("/en/sessions/?format=online")) == ["English online"]


def test_a_national_session_shows_only_for_its_economy_and_region(client):
    open_to_all = SessionFactory(title_en="Open webinar")
    SessionFactory(title_en="For Chile", target_economies=[economy("CL")])

    assert titles(client.get("/en/sessions/?economy=CL")) == ["Open webinar", "For Chile"]
    assert titles(client.get("/en/sessions/?economy=KE")) == [open_to_all.title_en]
    assert titles(client.get("/en/sessions/?region=019")) == ["Open webinar", "For Chile"]
    assert titles(client.get("/en/sessions/?region=002")) == ["Open webinar"]


def test_the_catalogue_filters_by_topic(client):
    topic = TopicFactory(slug="e-commerce")
    SessionFactory(title_en="Selling online", topics=[topic])
    SessionFactory(title_en="Other")

    assert titles(client.get("/en/sessions/?topic=e-commerce")) == ["Selling online"]


def test_text_search_looks_in_the_active_language(client):
    SessionFactory(title_en="Selling online", title_fr="Vendre en ligne", summary_fr="")
    SessionFactory(title_en="Trade finance", title_fr="Financer l’export")

    assert titles(client.get("/fr/sessions/?q=vendre")) == ["Vendre en ligne"]
    assert titles(client.get("/en/sessions/?q=vendre")) == []
    assert titles(client.get("/en/sessions/?q=SELLING online")) == ["Selling online"]


def test_text_search_finds_untranslated_sessions_in_their_own_language(client):
    SessionFactory(language="es", title_en="", title_es="Exportar café")

    assert titles(client.get("/fr/sessions/?q=café")) == ["Exportar café"]


def test_unknown_filters_are_ignored_with_a_note_not_an_error(client):
    SessionFactory(title_en="Still listed")

    response = client.get("/en/sessions/?language=xx&region=999")

    assert response.status_code == 200
    assert titles(response) == ["Still listed"]
    assert "Some filters were not understood" in response.content.decode()


def test_times_show_in_the_viewers_zone_with_the_zone_named(client):
    SessionFactory(starts_at=timezone.now().replace(year=2030, month=1, day=15, hour=13, minute=0))
    client.force_login(UserFactory(time_zone="Asia/Kathmandu"))

    html = client.get("/en/sessions/").content.decode()

    assert "Tuesday, January 15, 2030, 6:45\u202fPM" in html
    assert "(Nepal Time)" in html


def test_a_visitor_sees_times_in_the_zone_of_their_browser_cookie(client):
    SessionFactory(starts_at=timezone.now().replace(year=2030, month=1, day=15, hour=13, minute=0))
    client.cookies["tz"] = "America/Santiago"

    html = client.get("/es/sessions/").content.decode()

    assert "10:00" in html
    assert "hora de verano de Chile" in html


def test_a_visitor_picks_a_time_zone_without_javascript(client):
    response = client.post("/fr/time-zone/", {"time_zone": "Africa/Dakar", "next": "/fr/sessions/"})

    assert response.status_code == 302
    assert response.url == "/fr/sessions/"
    assert response.cookies["tz"].value == "Africa/Dakar"


def test_picking_a_time_zone_never_redirects_elsewhere(client):
    response = client.post("/fr/time-zone/", {"time_zone": "UTC", "next": "https://evil.example/"})

    assert response.url == "/fr/"


def test_the_catalogue_shows_seats_left_and_cohosts(client):
    ministry = OrganisationFactory(name="Ministerio de Economía", kind=OrganisationKind.GOVERNMENT)
    SessionFactory(capacity=40, confirmed_count=15, cohosts=[ministry])

    html = client.get("/en/sessions/").content.decode()

    assert "25 seats left" in html
    assert "Ministerio de Economía" in html


def test_the_session_page_offers_the_calendar_and_hides_the_join_link(client):
    session = SessionFactory(join_url="https://meet.example.org/j/only-for-registrants")

    html = client.get(reverse("events:session-detail", args=[session.pk])).content.decode()

    assert f"/en/sessions/{session.pk}/calendar.ics" in html
    assert "calendar.google.com" in html
    assert "outlook.live.com" in html
    assert "only-for-registrants" not in html


def test_a_draft_is_not_found_by_the_public(client):
    session = SessionFactory(status="draft")

    assert client.get(reverse("events:session-detail", args=[session.pk])).status_code == 404
    assert client.get(f"/en/sessions/{session.pk}/calendar.ics").status_code == 404


def test_html_typed_into_a_session_is_shown_as_text(client):
    session = SessionFactory(
        title_en='<script>alert("t")</script>',
        summary_en="<img src=x onerror=alert(1)>",
        description_en="<b>bold</b>\n<script>alert(2)</script>",
    )

    html = client.get(reverse("events:session-detail", args=[session.pk])).content.decode()
    listing = client.get("/en/sessions/").content.decode()

    for page in (html, listing):
        assert '<script>alert("t")</script>' not in page
        assert "<img src=x" not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


@pytest.mark.parametrize("path", ["/en/sessions/", "/en/"])
def test_list_pages_keep_their_query_count_with_1_and_30_sessions(client, path):
    def add_sessions(count):
        for _ in range(count):
            SessionFactory(
                cohosts=[OrganisationFactory(kind=OrganisationKind.GOVERNMENT)],
                target_economies=[economy("CL"), economy("PE")],
                topics=[TopicFactory()],
            )

    assert_same_queries_for_1_and_more(client, path, add_sessions, more=30)


def test_the_session_page_keeps_its_query_count_with_more_cohosts_and_economies(client):
    session = SessionFactory(cohosts=[OrganisationFactory(kind=OrganisationKind.GOVERNMENT)])
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("events:session-detail", args=[session.pk]))
    session.cohosts.set(OrganisationFactory.create_batch(30, kind=OrganisationKind.GOVERNMENT))
    session.target_economies.set([economy(code) for code in ("CL", "PE", "CO", "MX", "KE")])

    with CaptureQueriesContext(connection) as many:
        client.get(reverse("events:session-detail", args=[session.pk]))

    assert len(many) == len(few)

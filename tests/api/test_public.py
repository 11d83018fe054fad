"""The public endpoints: published sessions and series for anyone, no token, in the language
of Accept-Language, with times in UTC and in the session's zone."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import (
    OrganisationFactory,
    SeriesFactory,
    SessionFactory,
    TopicFactory,
    economy,
)
from tests.queries import assert_same_queries_for_1_and_more

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def get(url, **headers):
    return Client(headers=headers).get(url)


def test_the_list_shows_published_sessions_only():
    published = SessionFactory()
    SessionFactory(status="draft")
    SessionFactory(status="declined")

    assert ids(get("/api/v1/sessions/")) == [published.pk]


def test_the_list_is_upcoming_sessions_by_default_and_past_ones_when_asked():
    upcoming = SessionFactory()
    past = SessionFactory(
        starts_at=timezone.now() - timedelta(days=3),
        ends_at=timezone.now() - timedelta(days=3) + timedelta(hours=1),
        status="finished",
    )

    assert ids(get("/api/v1/sessions/")) == [upcoming.pk]
    assert ids(get("/api/v1/sessions/?when=past")) == [past.pk]


def test_a_session_in_french_or_interpreted_into_it_matches_the_french_filter():
    french = SessionFactory(language="fr", title_fr="En français")
    interpreted = SessionFactory(interpretation_languages=["fr"])
    SessionFactory(language="es", title_es="En español")

    assert set(ids(get("/api/v1/sessions/?language=fr"))) == {french.pk, interpreted.pk}


def test_the_economy_filter_keeps_sessions_for_that_economy_and_for_all():
    chile = SessionFactory(target_economies=[economy("CL")])
    open_to_all = SessionFactory()
    SessionFactory(target_economies=[economy("JP")])

    assert set(ids(get("/api/v1/sessions/?economy=cl"))) == {chile.pk, open_to_all.pk}


def test_the_region_filter_keeps_sessions_for_that_region_and_for_all():
    americas = SessionFactory(target_economies=[economy("PE")])
    open_to_all = SessionFactory()
    SessionFactory(target_economies=[economy("JP")])

    assert set(ids(get("/api/v1/sessions/?region=019"))) == {americas.pk, open_to_all.pk}


def test_the_topic_filter():
    customs, other = TopicFactory(slug="customs"), TopicFactory(slug="finance")
    on_customs = SessionFactory(topics=[customs])
    SessionFactory(topics=[other])

    assert ids(get("/api/v1/sessions/?topic=customs")) == [on_customs.pk]


def test_the_dates_filter_keeps_sessions_starting_between_them():
    soon = timezone.now() + timedelta(days=2)
    later = timezone.now() + timedelta(days=20)
    first = SessionFactory(starts_at=soon, ends_at=soon + timedelta(hours=1))
    second = SessionFactory(starts_at=later, ends_at=later + timedelta(hours=1))

    day = (soon + timedelta(days=1)).date().isoformat()
    assert ids(get(f"/api/v1/sessions/?to={soon.date().isoformat()}")) == [first.pk]
    assert ids(get(f"/api/v1/sessions/?from={day}")) == [second.pk]
    assert ids(get(f"/api/v1/sessions/?from={soon.date()}&to={later.date()}")) == [
        first.pk,
        second.pk,
    ]


@pytest.mark.parametrize(
    "query",
    [
        "language=de",
        "economy=Chile",
        "region=americas",
        "from=yesterday",
        "when=soon",
        "from=2027-02-02&to=2027-02-01",
    ],
)
def test_a_bad_filter_is_a_400_that_names_it(query):
    SessionFactory()

    response = get(f"/api/v1/sessions/?{query}")

    assert response.status_code == 400
    name = query.split("=")[0] if "&" not in query else "to"
    assert name in response.json()


def test_a_session_has_its_times_in_utc_and_in_its_zone_and_its_facts():
    ministry = OrganisationFactory(name="Ministerio de Economía")
    series = SeriesFactory(slug="export-basics")
    starts = timezone.now().replace(microsecond=0, second=0, minute=0) + timedelta(days=30)
    session = SessionFactory(
        starts_at=starts,
        ends_at=starts + timedelta(minutes=90),
        time_zone="America/Santiago",
        capacity=40,
        confirmed_count=15,
        series=series,
        cohosts=[ministry],
        target_economies=[economy("PE"), economy("CL")],
        topics=[TopicFactory(slug="customs")],
        interpretation_languages=["es"],
    )

    item = get(f"/api/v1/sessions/{session.pk}/").json()

    local = starts.astimezone(__import__("zoneinfo").ZoneInfo("America/Santiago"))
    assert item["starts_at"] == starts.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert item["starts_at_local"] == local.isoformat()
    assert item["time_zone"] == "America/Santiago"
    assert item["duration_minutes"] == 90
    assert item["series"] == "export-basics"
    assert item["topics"] == ["customs"]
    assert sorted(item["target_economies"]) == ["CL", "PE"]
    assert item["cohosts"] == ["Ministerio de Economía"]
    assert item["interpretation_languages"] == ["es"]
    assert item["seats_left"] == 25
    assert item["registration"] == "open"
    assert item["uid"] == str(session.uid)
    assert item["url"].endswith(f"/en/sessions/{session.pk}/")


def test_a_session_is_found_by_its_uid_and_a_draft_is_not_found():
    session = SessionFactory()
    draft = SessionFactory(status="draft")

    assert get(f"/api/v1/sessions/{session.uid}/").json()["id"] == session.pk
    assert get(f"/api/v1/sessions/{draft.pk}/").status_code == 404
    assert get(f"/api/v1/sessions/{draft.uid}/").status_code == 404
    assert get("/api/v1/sessions/not-a-uid/").status_code == 404


@pytest.mark.parametrize(
    ("language", "title", "summary"),
    [
        ("fr", "Exporter vers l’Europe", "Ce que les entreprises doivent savoir."),
        ("es", "Exportar a Europa", "Lo que las empresas deben saber."),
        ("de", "Exporting to Europe", "What firms need to know."),  # not offered: English
    ],
)
def test_texts_are_in_the_language_of_accept_language(language, title, summary):
    session = SessionFactory(
        title_en="Exporting to Europe",
        title_fr="Exporter vers l’Europe",
        title_es="Exportar a Europa",
        summary_en="What firms need to know.",
        summary_fr="Ce que les entreprises doivent savoir.",
        summary_es="Lo que las empresas deben saber.",
    )

    response = get(f"/api/v1/sessions/{session.pk}/", **{"Accept-Language": language})

    assert (response.json()["title"], response.json()["summary"]) == (title, summary)
    listed = get("/api/v1/sessions/", **{"Accept-Language": language}).json()["results"]
    assert listed[0]["title"] == title


def test_an_untranslated_title_falls_back_to_the_sessions_own_language():
    session = SessionFactory(language="es", title_en="", title_es="Solo en español")

    response = get(f"/api/v1/sessions/{session.pk}/", **{"Accept-Language": "fr"})

    assert response.json()["title"] == "Solo en español"


def test_the_series_list_in_french():
    series = SeriesFactory(title_en="Export basics", title_fr="Les bases de l’export")

    response = get("/api/v1/series/", **{"Accept-Language": "fr"})

    assert response.json()["results"] == [
        {
            "id": series.pk,
            "slug": series.slug,
            "title": "Les bases de l’export",
            "description": "",
            "is_course": False,
        }
    ]


def test_the_cursor_walks_every_session_once_in_order():
    moment = timezone.now() + timedelta(days=5)
    # Three at the same time: the cursor still gives each once.
    sessions = [
        SessionFactory(starts_at=moment, ends_at=moment + timedelta(hours=1)) for _ in range(3)
    ]
    sessions += [
        SessionFactory(
            starts_at=moment + timedelta(hours=n), ends_at=moment + timedelta(hours=n + 1)
        )
        for n in range(1, 5)
    ]
    seen, url = [], "/api/v1/sessions/?page_size=2"
    while url:
        page = get(url).json()
        assert len(page["results"]) <= 2
        seen += [item["id"] for item in page["results"]]
        url = page["next"]

    assert sorted(seen) == sorted(session.pk for session in sessions)
    assert len(seen) == len(set(seen))


def test_the_list_asks_as_many_queries_for_one_session_as_for_three():
    ministry = OrganisationFactory()
    topic = TopicFactory()

    def add_rows(count):
        for _ in range(count):
            SessionFactory(
                cohosts=[ministry],
                topics=[topic],
                target_economies=[economy("CL")],
                series=SeriesFactory(),
            )

    assert_same_queries_for_1_and_more(Client(), "/api/v1/sessions/", add_rows)


def test_the_series_list_asks_as_many_queries_for_one_as_for_three():
    assert_same_queries_for_1_and_more(
        Client(), "/api/v1/series/", lambda count: [SeriesFactory() for _ in range(count)]
    )


def test_a_public_call_writes_nothing():
    SessionFactory()
    with CaptureQueriesContext(connection) as queries:
        get("/api/v1/sessions/")
    assert not [q for q in queries.captured_queries if q["sql"].startswith(("INSERT", "UPDATE"))]


def test_anonymous_calls_are_limited_per_address(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "100/minute", "anonymous": "2/minute"},
    }
    first = Client(REMOTE_ADDR="203.0.113.1")
    other = Client(REMOTE_ADDR="203.0.113.2")

    answers = [first.get("/api/v1/series/").status_code for _ in range(3)]

    assert answers == [200, 200, 429]
    assert "Retry-After" in first.get("/api/v1/series/").headers
    assert other.get("/api/v1/series/").status_code == 200


def test_a_made_up_forwarded_address_does_not_escape_the_limit(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "100/minute", "anonymous": "2/minute"},
    }
    answers = [
        Client(REMOTE_ADDR="203.0.113.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        .get("/api/v1/series/")
        .status_code
        for n in range(3)
    ]

    assert answers == [200, 200, 429]

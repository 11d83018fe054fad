from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Session, SessionStatus
from outreach.models import Role
from outreach.timezones import aware
from tests.factories import (
    OrganisationFactory,
    OrganiserFactory,
    SeriesFactory,
    SessionFactory,
    TopicFactory,
    UserFactory,
    economy,
)
from tests.queries import assert_same_queries_for_1_and_more

pytestmark = pytest.mark.django_db


def manage_urls(session) -> list[str]:
    base = f"/en/manage/sessions/{session.pk}"
    return [
        reverse("events:manage-sessions"),
        reverse("events:session-create"),
        "/en/manage/sessions/plan-quarter/",
        f"{base}/edit/",
        f"{base}/reschedule/",
        f"{base}/cancel/",
    ]


@pytest.fixture
def organiser_client(client):
    client.force_login(OrganiserFactory(language="fr", time_zone="Europe/Paris"))
    return client


def session_form_data(**overrides) -> dict:
    data = {
        "language": "fr",
        "title_fr": "Vendre en ligne",
        "title_en": "Selling online",
        "title_es": "",
        "summary_fr": "Pour les petites entreprises.",
        "format": "online",
        "time_zone": "America/Santiago",
        "starts_at": "2030-01-15T10:00",
        "ends_at": "2030-01-15T11:30",
        "capacity": "200",
        "join_url": "https://meet.example.org/j/123",
    }
    data.update(overrides)
    return data


def test_anonymous_visitors_are_sent_to_sign_in(client):
    session = SessionFactory()

    for url in manage_urls(session):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/en/accounts/login/?next="), url


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.ANALYST, Role.COHOST])
def test_people_who_are_not_organisers_are_refused(client, role):
    session = SessionFactory()
    client.force_login(UserFactory(role=role))

    for url in manage_urls(session):
        assert client.get(url).status_code == 403, url
    for action in ("publish", "duplicate", "cancel"):
        response = client.post(f"/en/manage/sessions/{session.pk}/{action}/")
        assert response.status_code == 403, action
    assert Session.objects.count() == 1


def test_an_organiser_reaches_every_screen(organiser_client):
    session = SessionFactory()

    for url in manage_urls(session):
        assert organiser_client.get(url).status_code == 200, url


def test_an_organiser_creates_a_draft_on_the_organisers_clock(organiser_client):
    ministry = OrganisationFactory(kind="government")
    topic = TopicFactory()

    response = organiser_client.post(
        "/fr/manage/sessions/new/",
        session_form_data(cohosts=[ministry.pk], topics=[topic.pk], target_economies=["CL"]),
    )

    session = Session.objects.get()
    assert response.status_code == 302
    assert response.url == f"/fr/manage/sessions/{session.pk}/edit/"
    assert session.status == SessionStatus.DRAFT
    assert session.starts_at == aware(datetime(2030, 1, 15, 10), "America/Santiago")
    assert session.time_zone == "America/Santiago"
    assert list(session.cohosts.all()) == [ministry]
    assert list(session.target_economies.all()) == [economy("CL")]


def test_a_start_inside_a_daylight_saving_gap_gets_a_clear_french_message(organiser_client):
    response = organiser_client.post(
        "/fr/manage/sessions/new/",
        session_form_data(
            time_zone="Europe/Paris", starts_at="2030-03-31T02:30", ends_at="2030-03-31T04:00"
        ),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["starts_at"] == [
        "2030-03-31 02:30 n’existe pas dans le fuseau Europe/Paris\u00a0: "
        "l’heure change cette nuit-là."
    ]
    assert Session.objects.count() == 0


def test_an_end_before_the_start_is_refused_in_french(organiser_client):
    response = organiser_client.post(
        "/fr/manage/sessions/new/", session_form_data(ends_at="2030-01-15T09:00")
    )

    assert response.context["form"].errors["ends_at"] == [
        "La session doit se terminer après son début."
    ]
    assert Session.objects.count() == 0


def test_editing_shows_times_on_the_sessions_own_clock(organiser_client):
    session = SessionFactory(
        time_zone="America/Santiago", starts_at=aware(datetime(2030, 1, 15, 10), "America/Santiago")
    )

    form = organiser_client.get(f"/fr/manage/sessions/{session.pk}/edit/").context["form"]

    assert form.initial["starts_at"] == datetime(2030, 1, 15, 10)


def test_publishing_from_the_edit_screen(organiser_client):
    session = SessionFactory(status="draft")

    response = organiser_client.post(f"/fr/manage/sessions/{session.pk}/publish/")

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.PUBLISHED


def test_publishing_without_a_title_in_its_language_says_why(organiser_client):
    session = SessionFactory(status="draft", language="es", title_es="")

    response = organiser_client.post(f"/fr/manage/sessions/{session.pk}/publish/", follow=True)

    assert "Une session publiée doit avoir un titre dans sa propre langue." in [
        str(m) for m in response.context["messages"]
    ]
    session.refresh_from_db()
    assert session.status == SessionStatus.DRAFT


def test_rescheduling_moves_the_session_and_raises_its_sequence(organiser_client):
    session = SessionFactory(time_zone="Europe/Paris")

    organiser_client.post(
        f"/fr/manage/sessions/{session.pk}/reschedule/",
        {
            "time_zone": "Europe/Paris",
            "starts_at": "2030-06-04T15:00",
            "ends_at": "2030-06-04T16:00",
        },
    )

    session.refresh_from_db()
    assert session.starts_at == aware(datetime(2030, 6, 4, 15), "Europe/Paris")
    assert session.sequence == 1


def test_cancelling_asks_first_then_cancels(organiser_client):
    session = SessionFactory()

    assert organiser_client.get(f"/fr/manage/sessions/{session.pk}/cancel/").status_code == 200
    session.refresh_from_db()
    assert session.status == SessionStatus.PUBLISHED

    organiser_client.post(f"/fr/manage/sessions/{session.pk}/cancel/")

    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED


def test_duplicating_opens_the_draft_copy(organiser_client):
    session = SessionFactory()

    response = organiser_client.post(f"/fr/manage/sessions/{session.pk}/duplicate/")

    copy = Session.objects.exclude(pk=session.pk).get()
    assert response.url == f"/fr/manage/sessions/{copy.pk}/edit/"
    assert copy.status == SessionStatus.DRAFT


def test_planning_a_quarter_from_the_screen(organiser_client):
    series = SeriesFactory()
    topic = TopicFactory()

    response = organiser_client.post(
        "/fr/manage/sessions/plan-quarter/",
        {
            "series": series.pk,
            "topic": topic.pk,
            "year": "2030",
            "quarter": "2",
            "title_en": "Selling online",
            "title_fr": "Vendre en ligne",
            "title_es": "Vender en línea",
            "start_en": "2030-05-14T10:00",
            "zone_en": "Europe/Zurich",
            "start_fr": "2030-05-15T14:00",
            "zone_fr": "Europe/Paris",
            "start_es": "2030-05-16T10:00",
            "zone_es": "America/Bogota",
            "duration": "90",
            "capacity": "500",
        },
    )

    assert response.status_code == 302
    assert response.url == "/fr/manage/sessions/?status=draft"
    sessions = Session.objects.order_by("starts_at")
    assert [(s.language, s.status) for s in sessions] == [
        ("en", "draft"),
        ("fr", "draft"),
        ("es", "draft"),
    ]


def test_planning_a_quarter_refuses_dates_outside_it(organiser_client):
    response = organiser_client.post(
        "/fr/manage/sessions/plan-quarter/",
        {
            "series": SeriesFactory().pk,
            "topic": TopicFactory().pk,
            "year": "2030",
            "quarter": "2",
            "title_en": "A",
            "title_fr": "B",
            "title_es": "C",
            "start_en": "2030-08-14T10:00",
            "zone_en": "Europe/Zurich",
            "start_fr": "2030-05-15T14:00",
            "zone_fr": "Europe/Paris",
            "start_es": "2030-05-16T10:00",
            "zone_es": "America/Bogota",
            "duration": "90",
            "capacity": "500",
        },
    )

    assert response.status_code == 200
    assert "start_en" in response.context["form"].errors
    assert Session.objects.count() == 0


def test_the_plan_quarter_form_suggests_the_next_quarter(organiser_client):
    form = organiser_client.get("/fr/manage/sessions/plan-quarter/").context["form"]

    today = timezone.localdate()
    assert form.initial["quarter"] == ((today.month - 1) // 3 + 1) % 4 + 1
    assert set(form.initial) >= {"start_en", "zone_fr", "start_es"}


def test_the_list_keeps_its_query_count_as_sessions_grow(organiser_client):
    assert_same_queries_for_1_and_more(
        organiser_client,
        "/fr/manage/sessions/",
        lambda count: SessionFactory.create_batch(
            count, starts_at=timezone.now() + timedelta(days=3)
        ),
        more=31,
    )

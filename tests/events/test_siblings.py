"""Sessions that know their other languages (issue 16, section 4): siblings on the session page
and the cards, one card per group, the language filter with interpretation, plan-a-quarter's
group and linking by hand."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from events import queries, services
from events.forms import SessionForm
from events.models import LanguageGroup, Session
from outreach.models import AuditAction, AuditEntry, Role
from tests.factories import SessionFactory, TopicFactory, UserFactory
from tests.queries import assert_same_queries_for_1_and_more

pytestmark = pytest.mark.django_db


def _next_weekday(weekday: int, hour: int) -> datetime:
    """The next such weekday at least two days ahead, at the hour in UTC."""
    today = timezone.now().date() + timedelta(days=2)
    day = today + timedelta(days=(weekday - today.weekday()) % 7)
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _group(*sessions: Session) -> LanguageGroup:
    group = LanguageGroup.objects.create()
    Session.objects.filter(pk__in=[s.pk for s in sessions]).update(language_group=group)
    for session in sessions:
        session.language_group = group
    return group


def _trio():
    english = SessionFactory(title_en="Exporting to the EU", starts_at=_next_weekday(1, 8))
    french = SessionFactory(
        language="fr", title_fr="Exporter vers l'UE", starts_at=_next_weekday(3, 14)
    )
    spanish = SessionFactory(
        language="es", title_es="Exportar a la UE", starts_at=_next_weekday(4, 15)
    )
    _group(english, french, spanish)
    return english, french, spanish


def _local_day(moment: datetime, language: str) -> str:
    """The day as the sentence writes it, computed here from the calendar, not from the code."""
    weekdays = {
        "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
        "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
        "es": ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
    }
    months = {
        "en": [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        "fr": [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ],
        "es": [
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ],
    }
    weekday, month = weekdays[language][moment.weekday()], months[language][moment.month - 1]
    day = "1er" if language == "fr" and moment.day == 1 else str(moment.day)
    return {
        "en": f"{weekday}, {month} {moment.day}",
        "fr": f"{weekday} {day} {month}",
        "es": f"{weekday} {moment.day} de {month}",
    }[language]


def test_the_session_page_names_its_siblings_in_english_in_the_viewers_zone(client):
    english, french, spanish = _trio()
    client.cookies["tz"] = "America/Bogota"  # UTC-5 all year
    french_local = french.starts_at - timedelta(hours=5)
    spanish_local = spanish.starts_at - timedelta(hours=5)

    page = client.get(english.get_absolute_url()).content.decode()

    assert f"Also in French, {_local_day(french_local, 'en')}, 9:00\u202fAM your time</a>" in page
    assert (
        f"Also in Spanish, {_local_day(spanish_local, 'en')}, 10:00\u202fAM your time</a>" in page
    )
    assert f'href="{french.get_absolute_url()}"' in page
    assert "Also in English" not in page


def test_the_session_page_names_its_siblings_in_french(client):
    english, french, _spanish = _trio()
    client.cookies["tz"] = "Asia/Tokyo"  # UTC+9 all year
    english_local = english.starts_at + timedelta(hours=9)

    page = client.get(f"/fr/sessions/{french.pk}/").content.decode()

    assert f"Aussi en anglais, {_local_day(english_local, 'fr')}, 17:00 (votre heure)" in page
    assert "Aussi en espagnol" in page
    assert "Aussi en français" not in page


def test_the_session_page_names_its_siblings_in_spanish(client):
    _english, french, spanish = _trio()
    french_local = french.starts_at  # UTC, nobody chose a zone

    page = client.get(f"/es/sessions/{spanish.pk}/").content.decode()

    assert f"También en francés, {_local_day(french_local, 'es')}, 14:00 (su hora)" in page
    assert "También en inglés" in page


def test_a_session_of_another_group_or_none_is_not_named(client):
    english, french, _spanish = _trio()
    other_french = SessionFactory(language="fr", title_fr="Autre sujet")
    _group(other_french, SessionFactory(language="es", title_es="Otro tema"))
    lonely = SessionFactory(language="en", title_en="Alone")
    cancelled = SessionFactory(language="es", status="cancelled")
    draft = SessionFactory(language="es", status="draft")
    english.language_group.sessions.add(cancelled, draft)

    assert [s.pk for s in queries.siblings(english)] == [french.pk, _spanish.pk]
    assert "Otro tema" not in client.get(english.get_absolute_url()).content.decode()
    assert "Also in" not in client.get(lonely.get_absolute_url()).content.decode()
    assert queries.siblings(lonely) == []


def test_the_catalogue_cards_name_siblings_with_the_same_queries_for_more_groups(client):
    def add_groups(count):
        for _ in range(count):
            _trio()

    first, last = assert_same_queries_for_1_and_more(client, "/en/sessions/", add_groups)

    assert first.content.decode().count("Also in") == 6
    assert last.content.decode().count("Also in") == 18


def test_one_card_per_group_prefers_the_visitors_language_else_the_soonest(client):
    english, _french, spanish = _trio()
    pair_fr = SessionFactory(language="fr", title_fr="Paire", starts_at=_next_weekday(0, 9))
    pair_en = SessionFactory(title_en="Pair", starts_at=pair_fr.starts_at + timedelta(days=1))
    _group(pair_fr, pair_en)
    alone = SessionFactory(title_en="Alone", starts_at=_next_weekday(2, 9))

    in_spanish = client.get("/es/sessions/?grouped=1").context["sessions"]
    in_english = client.get("/en/sessions/?grouped=1").context["sessions"]
    all_cards = client.get("/es/sessions/").context["sessions"]

    assert {s.pk for s in in_spanish} == {spanish.pk, pair_fr.pk, alone.pk}
    assert {s.pk for s in in_english} == {english.pk, pair_en.pk, alone.pk}
    assert len(all_cards) == 6
    page = client.get("/es/sessions/?grouped=1").content.decode()
    assert page.count("También en") == 3  # the Spanish card names two, the French pair one


def test_one_card_per_group_keeps_its_query_count_and_pagination(client):
    def add_groups(count):
        for _ in range(count):
            _trio()

    assert_same_queries_for_1_and_more(client, "/en/sessions/?grouped=1", add_groups)
    for _ in range(20):
        _trio()  # 23 groups in all: 69 sessions, 23 cards, two pages of 20

    first = client.get("/en/sessions/?grouped=1")
    second = client.get("/en/sessions/?grouped=1&page=2")

    assert first.context["page"].paginator.count == 23
    assert len(second.context["sessions"]) == 3
    assert all(s.language == "en" for s in first.context["sessions"])


def test_the_language_filter_counts_interpretation_with_a_badge(client):
    interpreted = SessionFactory(
        language="fr", title_fr="Avec interprétation", interpretation_languages=["es", "en"]
    )
    SessionFactory(language="fr", title_fr="Sans interprétation")
    spanish = SessionFactory(language="es", title_es="En español")

    found = client.get("/en/sessions/?language=es")
    in_english = client.get("/en/sessions/?language=en").context["sessions"]

    assert [s.pk for s in found.context["sessions"]] == [interpreted.pk, spanish.pk] or [
        s.pk for s in found.context["sessions"]
    ] == [spanish.pk, interpreted.pk]
    assert "interpreted into Spanish" in found.content.decode()
    assert [s.pk for s in in_english] == [interpreted.pk]
    assert "interpretado al español" in client.get("/es/sessions/").content.decode()


def test_plan_a_quarter_puts_its_three_sessions_in_one_group():
    organiser = UserFactory(role=Role.ORGANISER)
    other = SessionFactory()
    starts = {
        code: (datetime(2027, 5, 10 + n, 10), "Europe/Paris")
        for n, code in enumerate(("en", "fr", "es"))
    }

    sessions = services.plan_quarter(
        by=organiser,
        series=None,
        topic=TopicFactory(),
        titles={"en": "Trade", "fr": "Commerce", "es": "Comercio"},
        starts=starts,
        duration=timedelta(hours=1),
        capacity=50,
    )

    groups = {session.language_group_id for session in sessions}
    assert len(groups) == 1
    assert None not in groups
    assert Session.objects.filter(language_group__in=groups).count() == 3
    other.refresh_from_db()
    assert other.language_group_id is None


def test_an_organiser_links_and_unlinks_a_session_on_its_form(client):
    organiser = UserFactory(role=Role.ORGANISER)
    english = SessionFactory(title_en="Webinar")
    french = SessionFactory(language="fr", title_fr="Webinaire")
    untouched = SessionFactory(language="es")
    client.force_login(organiser)
    form = client.get(f"/en/manage/sessions/{english.pk}/edit/").context["form"]
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data |= {"time_zone": english.time_zone, "starts_at": form.initial["starts_at"]}
    data |= {"ends_at": form.initial["ends_at"], "capacity": 100}

    linked = client.post(f"/en/manage/sessions/{english.pk}/edit/", data | {"sibling": french.pk})
    english.refresh_from_db()
    french.refresh_from_db()
    shown = client.get(english.get_absolute_url()).content.decode()
    unlinked = client.post(f"/en/manage/sessions/{english.pk}/edit/", data | {"sibling": ""})

    assert linked.status_code == 302
    assert english.language_group_id == french.language_group_id is not None
    assert "Also in French" in shown
    assert unlinked.status_code == 302
    assert Session.objects.get(pk=english.pk).language_group_id is None
    assert Session.objects.get(pk=french.pk).language_group_id is None  # a group of one goes
    assert not LanguageGroup.objects.exists()
    untouched.refresh_from_db()
    assert untouched.language_group_id is None
    assert AuditEntry.objects.filter(action=AuditAction.SESSION_EDITED).count() == 2


def test_a_session_cannot_be_linked_to_one_in_its_own_language(client):
    client.force_login(UserFactory(role=Role.ORGANISER))
    english = SessionFactory()
    other_english = SessionFactory()
    form = SessionForm(instance=english)
    data = {**form.initial, "sibling": other_english.pk, "language": "en"}

    bound = SessionForm(data, instance=english)

    assert not bound.is_valid()
    assert "sibling" in bound.errors


def test_the_demo_groups_each_quarters_three_languages_once(client):
    call_command("seed_demo")
    groups = list(LanguageGroup.objects.all())
    call_command("seed_demo")

    quarterly = Session.objects.filter(series__slug="quarterly-webinar")
    assert len(groups) == 8  # eight quarters
    assert list(LanguageGroup.objects.all()) == groups
    assert all(
        sorted(group.sessions.values_list("language", flat=True)) == ["en", "es", "fr"]
        for group in groups
    )
    assert not quarterly.filter(language_group__isnull=True).exists()
    upcoming = quarterly.filter(status="published", language="en").first()
    assert "Also in French" in client.get(upcoming.get_absolute_url()).content.decode()

"""The catalogue's cards, the home page and a session's page kept in the cache (events.cards,
issue 18 part 4): a cached card changes when anything it shows changes, however it changed (a
form's save, registering's `confirmed_count + 1` in SQL, a language group set by update), in
every language; the other cards stay as they were; each time zone sees its own times; nothing
of one visitor reaches another; a warm page asks no more queries than a cold one."""

import re
import zoneinfo
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from redis.backoff import NoBackoff
from redis.retry import Retry

from events import cards, queries, services, siblings
from events.models import Session, Topic
from outreach.models import Economy
from outreach.timezones import format_time_range
from tests.factories import (
    OrganisationFactory,
    RegistrationFactory,
    SessionFactory,
    TopicFactory,
    UserFactory,
)
from tests.factories.outreach import economy
from tests.operations.processes import free_port

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "fr", "es"]
CARD = re.compile(r'<article class="session-card.*?</article>', re.DOTALL)
TITLE_LINK = re.compile(r'<h\d[^>]*><a href="([^"]+)">')


def _card(html: str, session: Session, language: str) -> str:
    """The card whose title links to the session's page."""
    page = f"/{language}/sessions/{session.pk}/"
    found = [card for card in CARD.findall(html) if TITLE_LINK.search(card).group(1) == page]
    assert len(found) == 1, f"{len(found)} cards of session {session.pk} in {language}"
    return found[0]


def _catalogue(client, language: str) -> str:
    response = client.get(f"/{language}/sessions/")
    assert response.status_code == 200
    return response.content.decode()


def _in(language: str, function, *args):
    with translation.override(language):
        return function(*args)


def _translated_session(**fields) -> Session:
    return SessionFactory(
        title_en="Selling abroad",
        title_fr="Vendre à l'étranger",
        title_es="Vender en el extranjero",
        **fields,
    )


def _change_title(session, language):
    """The title in the card's language, as an organiser's form saves it."""
    setattr(session, f"title_{language}", f"New title {language}")
    services.save_session(session)
    return f"New title {language}"


def _change_translation(session, language):
    """Another language's text than the card's own: set in SQL, as a suggestion review might."""
    Session.objects.filter(pk=session.pk).update(**{f"title_{language}": f"Nuevo {language}"})
    return f"Nuevo {language}"


def _reschedule(session, language):
    starts_at = session.starts_at + timedelta(days=1, hours=2)
    ends_at = session.ends_at + timedelta(days=1, hours=2)
    services.reschedule_session(session, starts_at=starts_at, ends_at=ends_at, by=None)
    shown = format_time_range(starts_at, ends_at, timezone.get_current_timezone(), language)
    return f"{shown['date']}, {shown['start']}–{shown['end']}"


def _register(session, language):
    # As registering claims a seat: in SQL, no save(), no signal.
    Session.objects.filter(pk=session.pk).update(confirmed_count=F("confirmed_count") + 1)
    return _in(language, ngettext, "%(seats)s seat left", "%(seats)s seats left", 99) % {
        "seats": 99
    }


def _add_seats(session, language):
    Session.objects.filter(pk=session.pk).update(capacity=150)
    return _in(language, ngettext, "%(seats)s seat left", "%(seats)s seats left", 150) % {
        "seats": 150
    }


def _cancel(session, language):
    services.cancel_session(session, by=None)
    return _in(language, gettext, "Cancelled")


def _add_sibling(session, language):
    french = SessionFactory(language="fr", title_fr="Vendre", starts_at=session.starts_at)
    services.link_sibling(french, session)  # the group is set by update()
    zone = timezone.get_current_timezone()
    return _in(language, siblings.also_in, french, zone, language)


def _add_cohost(session, language):
    session.cohosts.add(OrganisationFactory(name="Ministry of Commerce of Chile"))
    return "Ministry of Commerce of Chile"


def _interpret(session, language):
    Session.objects.filter(pk=session.pk).update(interpretation_languages=["es"])
    return _in(language, siblings.interpreted_into, "es")


CHANGES = {
    "title": _change_title,
    "time": _reschedule,
    "seats taken": _register,
    "capacity": _add_seats,
    "cancellation": _cancel,
    "sibling": _add_sibling,
    "co-host": _add_cohost,
    "interpretation": _interpret,
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("change", list(CHANGES))
def test_a_cached_card_changes_with_its_session_in_every_language(client, language, change):
    session = _translated_session(starts_at=timezone.now() + timedelta(days=5))
    other = _translated_session(starts_at=timezone.now() + timedelta(days=6))
    before = _catalogue(client, language)
    assert _catalogue(client, language) == before  # warm: the same page

    shown = CHANGES[change](Session.objects.get(pk=session.pk), language)
    after = _catalogue(client, language)

    assert shown not in _card(before, session, language)
    assert shown in _card(after, session, language)
    assert _card(after, other, language) == _card(before, other, language)


def test_a_cached_card_changes_when_a_cohost_is_renamed(client):
    ministry = OrganisationFactory(name="Ministry of Trade")
    session = SessionFactory(cohosts=[ministry])
    before = _catalogue(client, "es")

    ministry.name = "Ministry of Foreign Trade"
    ministry.save()
    after = _catalogue(client, "es")

    assert "Ministry of Trade." in _card(before, session, "es")
    assert "Ministry of Foreign Trade." in _card(after, session, "es")


@pytest.mark.parametrize("language", ["fr", "es"])
def test_a_cached_card_changes_when_its_translation_changes_or_arrives(client, language):
    translated = _translated_session()
    english_only = SessionFactory(title_en="Only in English")
    before = _catalogue(client, language)

    new_title = _change_translation(translated, language)
    Session.objects.filter(pk=english_only.pk).update(**{f"title_{language}": "Traduit"})
    after = _catalogue(client, language)

    assert new_title in _card(after, translated, language)
    assert "Only in English" in _card(before, english_only, language)
    assert 'lang="en"' in _card(before, english_only, language)
    assert "Traduit" in _card(after, english_only, language)
    assert f'lang="{language}"' in _card(after, english_only, language)
    # The English card does not show the French or Spanish title.
    english = _catalogue(client, "en")
    assert new_title not in _card(english, translated, "en")


def test_viewers_in_different_time_zones_each_see_their_own_times(client):
    session = SessionFactory(starts_at=timezone.now().replace(hour=12) + timedelta(days=3))
    tokyo = Client(headers={"Cookie": "tz=Asia/Tokyo"})
    lima = Client(headers={"Cookie": "tz=America/Lima"})

    pages = {}
    for viewer, name in ((tokyo, "Asia/Tokyo"), (lima, "America/Lima"), (tokyo, "Asia/Tokyo")):
        pages.setdefault(name, []).append(_card(_catalogue(viewer, "en"), session, "en"))

    for name, (first, *again) in pages.items():
        zone = zoneinfo.ZoneInfo(name)
        shown = format_time_range(session.starts_at, session.ends_at, zone, "en")
        assert f"{shown['date']}, {shown['start']}–{shown['end']}" in first
        assert f"({shown['zone']})" in first
        assert all(card == first for card in again)
    assert pages["Asia/Tokyo"][0] != pages["America/Lima"][0]


def test_a_warm_catalogue_asks_no_more_queries_than_a_cold_one_and_as_many_for_more_rows(client):
    def render(path):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    person = UserFactory()
    counts = {}
    for rows in (1, 3):
        while Session.objects.count() < rows:
            SessionFactory(cohosts=[OrganisationFactory()], target_economies=[economy("PE")])
        for who in ("anonymous", "signed in"):
            if who == "signed in":
                client.force_login(person)  # no whole page kept: only the cards
            cache.clear()
            cold = render("/fr/sessions/")
            warm = render("/fr/sessions/")
            counts[rows, who] = (cold, warm)
            client.logout()

    for (rows, who), (cold, warm) in counts.items():
        assert warm <= cold, (rows, who)
        assert (cold, warm) == counts[1, who], (rows, who)


def test_cards_hold_nothing_of_the_viewer_and_pages_of_people_signed_in_are_their_own(client):
    session = SessionFactory(title_en="Customs basics")
    person = UserFactory()
    RegistrationFactory(session=session, person=person)
    anonymous = _catalogue(client, "en")

    client.force_login(person)
    signed_in = client.get("/en/sessions/").content.decode()
    client.logout()
    anonymous_again = _catalogue(client, "en")

    assert _card(signed_in, session, "en") == _card(anonymous, session, "en")
    assert "Sign out" in signed_in
    assert "Sign out" not in anonymous_again
    assert anonymous_again == anonymous


def test_the_home_page_cards_and_figures_follow_the_sessions(client):
    session = SessionFactory(title_en="Coming soon")
    before = client.get("/en/").content.decode()

    Session.objects.filter(pk=session.pk).update(confirmed_count=F("confirmed_count") + 1)
    OrganisationFactory(kind="firm")
    after = client.get("/en/").content.decode()

    assert "100 seats left" in _card(before, session, "en")
    assert "99 seats left" in _card(after, session, "en")
    assert before != after


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_session_page_changes_with_its_session_and_keeps_the_visitors_own_box(client, language):
    session = _translated_session(capacity=2)
    french = SessionFactory(language="fr", title_fr="Vendre", starts_at=session.starts_at)
    services.link_sibling(french, session)
    path = f"/{language}/sessions/{session.pk}/"
    before = client.get(path).content.decode()

    Session.objects.filter(pk=session.pk).update(confirmed_count=2)  # full
    session.topics.add(TopicFactory(name_en="Logistics", name_fr="Logistique", name_es="Logística"))
    Session.objects.filter(pk=session.pk).update(**{f"title_{language}": "Renamed"})
    full = client.get(path).content.decode()
    Session.objects.filter(pk=french.pk).update(confirmed_count=F("capacity"))
    no_seats_anywhere = client.get(path).content.decode()
    person = UserFactory()
    RegistrationFactory(session=session, person=person)
    client.force_login(person)
    registered = client.get(path).content.decode()

    topic = {"en": "Logistics", "fr": "Logistique", "es": "Logística"}[language]
    full_text = _in(language, gettext, "Full: join the waitlist")
    assert "Renamed" not in before
    assert topic not in before
    assert "Renamed" in full
    assert topic in full
    assert full_text in full
    assert "session-seats-elsewhere" in full
    assert "session-seats-elsewhere" not in no_seats_anywhere
    assert _in(language, gettext, "You are registered: your seat is confirmed.") in registered
    assert _in(language, gettext, "You are registered: your seat is confirmed.") not in full


def test_a_new_topic_or_economy_name_reaches_the_filter_lists_in_every_language(client):
    for language in LANGUAGES:
        client.get(f"/{language}/sessions/")

    TopicFactory(slug="tariffs", name_en="Tariffs", name_fr="Tarifs", name_es="Aranceles")
    chile = Economy.objects.get(code="CL")
    chile.name_fr = "Chili (République du)"
    chile.save()

    pages = {code: client.get(f"/{code}/sessions/").content.decode() for code in LANGUAGES}
    assert '<option value="tariffs">Tarifs</option>' in pages["fr"]
    assert '<option value="tariffs">Aranceles</option>' in pages["es"]
    assert '<option value="CL">Chili (République du)</option>' in pages["fr"]
    assert Topic.objects.filter(slug="tariffs").exists()


def test_the_chosen_filters_stay_chosen_and_unknown_ones_are_named(client):
    SessionFactory(target_economies=[economy("KE")])

    chosen = client.get("/en/sessions/?economy=KE&when=upcoming").content.decode()
    unknown = client.get("/en/sessions/?economy=ZZ").content.decode()

    assert '<option value="KE" selected>' in chosen
    assert '<option value="upcoming" selected>' in chosen
    assert "Some filters were not understood" in unknown


def test_a_release_is_named_by_its_templates_translations_and_code(settings):
    files = {path.relative_to(settings.BASE_DIR).as_posix() for path in cards._release_files()}

    assert {
        "templates/components/session_card.html",
        "templates/events/session_public.html",
        "locale/fr/LC_MESSAGES/django.mo",
        "locale/es/LC_MESSAGES/django.mo",
        "events/cards.py",
        "outreach/timezones.py",
    } <= files
    assert re.fullmatch(r"[0-9a-f]{12}", cards.release())
    SessionFactory()
    rows = queries.CatalogueRows(queries.matching_sessions(queries.CatalogueFilters()))[0:1]
    assert cards.card_keys(rows)[0].startswith(f"card:{cards.release()}:en:UTC:3:")


def test_the_public_pages_are_rendered_while_the_cache_does_not_answer(client, settings):
    session = SessionFactory(title_en="Still listed")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
            "OPTIONS": {"retry": Retry(NoBackoff(), 0)},  # refused at once, not after retries
        }
    }

    catalogue = client.get("/en/sessions/")
    page = client.get(f"/en/sessions/{session.pk}/")

    assert catalogue.status_code == 200
    assert "Still listed" in _card(catalogue.content.decode(), session, "en")
    assert page.status_code == 200
    assert '<h1 lang="en">Still listed</h1>' in page.content.decode()


def _whole_pages_kept(monkeypatch) -> list[str]:
    kept = []
    keep = cards._keep

    def counting(entries, timeout):
        kept.extend(key for key in entries if key.startswith("whole:"))
        return keep(entries, timeout)

    monkeypatch.setattr(cards, "_keep", counting)
    return kept


def test_made_up_parameters_and_values_keep_no_copy_of_the_page(client, monkeypatch):
    SessionFactory(title_en="Customs basics")
    kept = _whole_pages_kept(monkeypatch)

    for n in range(5):
        assert client.get(f"/en/sessions/?utm_source={n}").status_code == 200
        assert client.get(f"/en/?ref={n}").status_code == 200

    assert kept == []


def test_one_page_is_kept_once_whatever_its_address_looks_like(client, monkeypatch):
    SessionFactory(title_en="Customs basics", language="fr")
    kept = _whole_pages_kept(monkeypatch)

    first = client.get("/en/sessions/?language=fr&page=1").content
    for address in ("/en/sessions/?page=1&language=fr", "/en/sessions/?language=fr&page=01"):
        assert client.get(address).content == first

    assert len(kept) == 1
    client.get("/en/sessions/?language=es")
    assert len(kept) == 2  # another choice, another page

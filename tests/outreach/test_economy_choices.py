"""The economies the public forms offer and check come from outreach.economy_cache: no query per
request, the same options and errors as a query gave, and a change seen at once."""

import re
from datetime import timedelta

import pytest
from django import forms
from django.core.cache import cache
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection, transaction
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.html import escape

from outreach import economy_cache
from outreach.models import Economy, User
from registrations.forms import EconomyField, RegistrationForm
from registrations.models import Registration
from tests.factories import SeriesFactory, SessionFactory, registration_form

pytestmark = pytest.mark.django_db

ECONOMY_TABLE = re.compile(r'\b(FROM|JOIN) "outreach_economy"')
# The economies a session is meant for are the session's own data, read with it.
SESSION_TARGETS = '"events_session_target_economies"'
LANGUAGES = ["en", "fr", "es"]
# The form's own messages, as each catalogue has them: a code that is no economy, none at all,
# and the empty option.
NOT_AN_ECONOMY = {
    "en": "Choose an economy from the list.",
    "fr": "Choisissez une économie dans la liste.",
    "es": "Elija una economía de la lista.",
}
REQUIRED = {
    "en": "This field is required.",
    "fr": "Ce champ est obligatoire.",
    "es": "Este campo es requerido.",
}
CHOOSE = {"en": "Choose an economy", "fr": "Choisissez une économie", "es": "Elija una economía"}


def economy_queries(captured) -> list[str]:
    """The queries that read economies for the form: by code, or the whole list."""
    return [
        query["sql"]
        for query in captured
        if ECONOMY_TABLE.search(query["sql"]) and SESSION_TARGETS not in query["sql"]
    ]


def bound_form(language: str = "en", **overrides) -> RegistrationForm:
    return RegistrationForm(registration_form(**overrides), language=language)


def options(language: str) -> list[tuple[str, str]]:
    """The economy select's options as a page draws them."""
    html = str(RegistrationForm(language=language)["economy"])
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', html)


def expected_options(language: str) -> list[tuple[str, str]]:
    """What the form offered when it asked the database (Economy.objects.order_by("sort_name")
    in the active language, named in it)."""
    rows = Economy.objects.order_by("sort_name").values_list("code", f"name_{language}")
    return [("", CHOOSE[language])] + [(code, str(escape(name))) for code, name in rows]


# --- No query -----------------------------------------------------------------------------


def test_a_valid_form_and_its_select_ask_no_query_once_the_cache_is_warm():
    economy_cache.current()  # the first use in a process (or after a change) reads them

    with CaptureQueriesContext(connection) as captured:
        form = bound_form("es")
        valid = form.is_valid()
        html = str(RegistrationForm(language="es")["economy"])

    assert valid, form.errors
    assert len(captured) == 0, [query["sql"] for query in captured]
    assert 'value="CL"' in html
    chile = form.cleaned_data["economy"]
    assert isinstance(chile, Economy)
    assert (chile.pk, chile.name_es, chile.region) == ("CL", "Chile", "019")


def test_a_registration_posted_asks_for_no_economy_by_its_code(client):
    session = SessionFactory()
    url = f"/es/sessions/{session.pk}/register/"
    client.get(url)  # the page shown first fills the cache, as in production

    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, registration_form())

    assert response.status_code == 302, response.content.decode()[:2000]
    assert economy_queries(captured) == []
    assert Registration.objects.get().organisation.economy_id == "CL"


def test_a_course_enrolment_form_checks_its_economy_without_a_query(client):
    course = SeriesFactory(is_course=True)
    start = timezone.now() + timedelta(days=7)
    SessionFactory(series=course, starts_at=start, ends_at=start + timedelta(minutes=90))
    url = f"/en/courses/{course.slug}/enrol/"
    client.get(url)

    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, registration_form(economy="XX"))

    assert response.status_code == 400
    assert NOT_AN_ECONOMY["en"] in response.content.decode()
    assert economy_queries(captured) == []


def test_the_page_draws_the_select_without_a_query(client):
    session = SessionFactory()
    url = f"/fr/sessions/{session.pk}/register/"
    client.get(url)

    with CaptureQueriesContext(connection) as captured:
        html = client.get(url).content.decode()

    assert '<option value="SN">Sénégal</option>' in html
    assert economy_queries(captured) == []


# --- The same options and errors as before --------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_options_are_named_and_sorted_as_the_database_sorts_them(language):
    translation.activate(language)

    assert options(language) == expected_options(language)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", ["XX", "cl", "CHL", "", " CL", "CL\x00"])
def test_a_code_that_is_no_economy_gets_the_forms_translated_error(language, code):
    translation.activate(language)

    form = bound_form(language, economy=code)

    assert not form.is_valid()
    assert form.errors["economy"] == [(REQUIRED if code == "" else NOT_AN_ECONOMY)[language]]


def test_a_bad_code_posted_gets_the_error_in_the_page_language(client):
    session = SessionFactory()

    response = client.post(f"/fr/sessions/{session.pk}/register/", registration_form(economy="ZZ"))

    assert response.status_code == 400
    assert NOT_AN_ECONOMY["fr"] in response.content.decode()
    assert not Registration.objects.exists()


class Stock(forms.Form):
    """The same field drawn by Django's own select template, option by option."""

    economy = forms.ChoiceField(label="Economy of your organisation")


class Ours(forms.Form):
    economy = EconomyField(label="Economy of your organisation", empty_label="Choose an economy")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "state",
    [
        {},
        {"initial": {"economy": "KE"}},
        {"data": {"economy": "CI"}},
        {"data": {"economy": "XX"}},
        {"data": {"economy": ""}},
        {"data": {"economy": "ZW"}},
    ],
)
def test_the_select_is_the_html_djangos_template_draws(language, state):
    translation.activate(language)
    stock, ours = Stock(**state), Ours(**state)
    ours.fields["economy"].language = language
    stock.fields["economy"].choices = list(ours.fields["economy"].choices)
    if "data" in state:
        stock.is_valid()
        ours.is_valid()
    crispy = Template("{% load crispy_forms_tags %}{{ form.economy|as_crispy_field }}")

    assert str(ours["economy"]) == str(stock["economy"])
    assert crispy.render(Context({"form": ours})) == crispy.render(Context({"form": stock}))


def test_the_chosen_economy_stays_selected_and_a_signed_in_persons_is_preselected():
    bound = str(bound_form("en", economy="SN", email="not an email")["economy"])
    initial = str(RegistrationForm(initial={"economy": "KE"}, language="en")["economy"])

    assert '<option value="SN" selected>Senegal</option>' in bound
    assert '<option value="KE" selected>Kenya</option>' in initial


def test_each_form_gets_its_own_instance_to_change():
    first, second = bound_form(), bound_form()
    assert first.is_valid()
    assert second.is_valid()

    first.cleaned_data["economy"].name = "changed"

    assert second.cleaned_data["economy"].name == "Chile"
    assert economy_cache.get("CL").name == "Chile"
    assert first.cleaned_data["economy"]._state.adding is False


# --- A change is seen at once ---------------------------------------------------------------


def test_an_economy_added_with_the_orm_is_offered_and_accepted_at_once():
    economy_cache.current()
    Economy.objects.create(
        code="XK",
        alpha3="XKX",
        numeric="983",
        name_en="Kosovo",
        name_fr="Kosovo",
        name_es="Kosovo",
        sort_name_en="kosovo",
        sort_name_fr="kosovo",
        sort_name_es="kosovo",
        region="150",
        sub_region="039",
    )

    form = bound_form("fr", economy="XK")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["economy"].name_fr == "Kosovo"
    assert ("XK", "Kosovo") in options("fr")


def test_a_renamed_economy_is_shown_with_its_new_name_at_once():
    before = dict(options("es"))
    chile = Economy.objects.get(code="CL")
    chile.name_es = "República de Chile"
    chile.save()

    after = dict(options("es"))

    assert (before["CL"], after["CL"]) == ("Chile", "República de Chile")
    assert economy_cache.get("CL").name_es == "República de Chile"


def test_a_deleted_economy_is_refused_at_once():
    assert bound_form(economy="NR").is_valid()

    Economy.objects.filter(code="NR").get().delete()

    form = bound_form(economy="NR")
    assert not form.is_valid()
    assert form.errors["economy"] == [NOT_AN_ECONOMY["en"]]


def test_a_rename_in_the_admin_is_seen_at_once(client):
    client.force_login(User.objects.create_superuser("root@outreach.example"))
    assert dict(options("en"))["CL"] == "Chile"
    page = client.get("/admin/outreach/economy/CL/change/")
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields}
    data = {name: value for name, value in data.items() if value not in (None, False)}

    response = client.post("/admin/outreach/economy/CL/change/", data | {"name_en": "Chile (R.)"})

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert dict(options("en"))["CL"] == "Chile (R.)"


@pytest.mark.django_db(transaction=True)
def test_another_process_sees_a_committed_change_through_the_shared_generation():
    """Another process keeps its own copy, checked against the generation in the shared cache:
    a change committed here gives it a new generation, so its copy is read again."""
    economy_cache.current()
    elsewhere = economy_cache._memo  # what another process holds in memory

    Economy.objects.filter(code="CL").update(name_en="Chile (updated)")  # no signal…
    economy_cache._memo = elsewhere
    assert economy_cache.get("CL").name_en == "Chile"  # …so nobody knows
    chile = Economy.objects.get(code="CL")
    chile.save()  # autocommit: the change is committed, and the receivers run
    economy_cache._memo = elsewhere

    assert economy_cache.get("CL").name_en == "Chile (updated)"


@pytest.mark.django_db(transaction=True)
def test_a_change_rolled_back_is_never_kept():
    economy_cache.current()

    seen_inside = []

    def delete_chile_then_fail():
        with transaction.atomic():
            Economy.objects.filter(code="CL").get().delete()
            # The transaction that changed it reads what it wrote, and keeps none of it.
            seen_inside.append(bound_form(economy="CL").is_valid())
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        delete_chile_then_fail()

    assert seen_inside == [False]
    assert bound_form(economy="CL").is_valid()
    assert economy_cache.get("CL") is not None


@pytest.mark.django_db(transaction=True)
def test_a_change_is_read_again_once_committed_by_those_that_read_before_the_commit():
    economy_cache.current()

    with transaction.atomic():
        chile = Economy.objects.get(code="CL")
        chile.name_en = "Chile (committed)"
        chile.save()
        generation = cache.get(economy_cache._generation_key())

    assert cache.get(economy_cache._generation_key()) != generation
    assert economy_cache.get("CL").name_en == "Chile (committed)"


def test_an_emptied_cache_is_filled_again():
    economy_cache.current()
    cache.clear()

    with CaptureQueriesContext(connection) as captured:
        chile = economy_cache.get("CL")
    with CaptureQueriesContext(connection) as again:
        economy_cache.get("CL")

    assert chile.name == "Chile"
    assert len(captured) == 1 + len(LANGUAGES)  # the economies, and each language's order
    assert len(again) == 0


def test_a_new_process_reads_the_shared_cache_not_the_database():
    economy_cache.current()
    economy_cache._memo = None  # a process that just started

    with CaptureQueriesContext(connection) as captured:
        assert economy_cache.get("KE").name == "Kenya"

    assert len(captured) == 0


def test_a_new_release_never_reads_what_an_older_one_stored(monkeypatch):
    economy_cache.current()
    old_key = economy_cache._generation_key()
    monkeypatch.setattr(economy_cache, "deploy_version", lambda: "next-release")

    with CaptureQueriesContext(connection) as captured:
        economy_cache.current()

    assert economy_cache._generation_key() != old_key
    assert len(captured) == 1 + len(LANGUAGES)


def test_the_release_version_follows_the_migration_files(tmp_path, monkeypatch, settings):
    class App:
        label = "fake"
        path = str(tmp_path / "fake")

    migrations = tmp_path / "fake" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "0001_initial.py").write_text("# one\n")
    settings.BASE_DIR = tmp_path
    monkeypatch.setattr(economy_cache.apps, "get_app_configs", lambda: [App()])

    first = economy_cache.deploy_version.__wrapped__()
    (migrations / "0002_economies.py").write_text("# two\n")
    second = economy_cache.deploy_version.__wrapped__()
    (migrations / "0002_economies.py").write_text("# two, changed\n")
    third = economy_cache.deploy_version.__wrapped__()

    assert len({first, second, third}) == 3
    assert economy_cache.deploy_version() == economy_cache.deploy_version()


def test_migrate_starts_a_new_generation():
    economy_cache.current()
    generation = cache.get(economy_cache._generation_key())

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    assert cache.get(economy_cache._generation_key()) != generation

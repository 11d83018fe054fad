"""The impact dashboard, its drill-downs and the public programme reach page: who sees what,
the figures they show (the same as impact.queries), small numbers suppressed for outside
audiences, filters, numbers in the reader's language, and a query count that data does not grow."""

import gzip
import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from impact import labels
from impact.filters import ImpactFilters, filters_from
from impact.queries import Audience, headline_figures
from outreach.models import CohostRole, OrganisationKind, Role, SizeBand, User
from registrations.models import Answer, Registration, Survey, SurveyResponse
from tests.factories import (
    FirmFactory,
    OrganisationFactory,
    OrganiserFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    economy,
)

pytestmark = pytest.mark.django_db

NNBSP = "\u202f"  # CLDR's group separator in French
NBSP = "\xa0"  # before the % sign in French and Spanish


# --- Arrange helpers ----------------------------------------------------------------------------


def held_session(*, days_ago: int = 30, cohosts=(), **fields):
    """A published session that started `days_ago` days ago and has ended."""
    starts_at = (timezone.now() - timedelta(days=days_ago)).replace(
        minute=0, second=0, microsecond=0
    )
    session = SessionFactory(starts_at=starts_at, **fields)
    session.cohosts.set(cohosts)
    return session


def attendee(session, *, code="CL", attended=True, **firm):
    """A registration of a new firm of economy `code`, attended unless said otherwise."""
    firm = FirmFactory(economy=economy(code), **firm)
    return RegistrationFactory(
        session=session, person=UserFactory(organisation=firm), attended=attended
    )


def many_registrations(session, count: int, *, code="CL") -> None:
    """`count` attended registrations of firms of one economy, written in three statements."""
    organisation = FirmFactory(economy=economy(code))
    people = User.objects.bulk_create(
        User(email=f"bulk{organisation.pk}-{n}@example.org", organisation=organisation)
        for n in range(count)
    )
    now = timezone.now()
    Registration.objects.bulk_create(
        Registration(
            session=session,
            person=person,
            organisation=organisation,
            status="confirmed",
            attended=True,
            consent_version="2026-11",
            consented_at=now,
            confirmed_at=now,
            economy=organisation.economy,
            organisation_kind=organisation.kind,
            size_band=organisation.size_band,
        )
        for person in people
    )


def answer(session, registration, **answers) -> None:
    """A survey response to the default survey: answers by question code."""
    survey = Survey.objects.get(slug="impact")
    organisation = registration.organisation
    response = SurveyResponse.objects.create(
        survey=survey,
        session=session,
        registration=registration,
        economy=organisation.economy,
        organisation_kind=organisation.kind,
        size_band=organisation.size_band,
        language=session.language,
    )
    for code, value in answers.items():
        field = "boolean" if isinstance(value, bool) else "number"
        Answer.objects.create(
            response=response, question=survey.questions.get(code=code), **{field: value}
        )


def cohost_member(organisation, role=CohostRole.VIEWER):
    return UserFactory(role=Role.COHOST, cohost_role=role, organisation=organisation)


def analyst():
    return OrganiserFactory(role=Role.ANALYST)


@pytest.fixture
def programme():
    """Ministry A co-hosts a Spanish session with 7 attendees from Chile and Peru; ministry B a
    French one with 3 from Senegal; one English session has no co-host."""
    ministry_a = OrganisationFactory(name="Ministry A", kind=OrganisationKind.GOVERNMENT)
    ministry_b = OrganisationFactory(name="Ministry B", kind=OrganisationKind.GOVERNMENT)
    session_a = held_session(
        language="es", title_en="", title_es="Sesión de A", cohosts=[ministry_a]
    )
    session_b = held_session(
        days_ago=40, language="fr", title_en="", title_fr="Session de B", cohosts=[ministry_b]
    )
    session_c = held_session(days_ago=50, title_en="Open session")
    for _ in range(5):
        attendee(session_a, code="CL", women_led=True)
    for _ in range(2):
        attendee(session_a, code="PE", size_band=SizeBand.SMALL)
    attendee(session_a, code="PE", attended=False)
    for _ in range(3):
        attendee(session_b, code="SN")
    attendee(session_c, code="KE", youth_led=True)
    SessionFactory(title_en="Upcoming session")  # not held: counts nowhere
    return {
        "ministry_a": ministry_a,
        "ministry_b": ministry_b,
        "session_a": session_a,
        "session_b": session_b,
        "session_c": session_c,
    }


# --- Reading the page ---------------------------------------------------------------------------


def text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html)).strip()


def shown_figures(response) -> dict[str, str]:
    """The headline figures on the page, by key."""
    content = response.content.decode()
    return {
        key: text(value)
        for key, value in re.findall(r'<dd data-figure="(\w+)">(.*?)</dd>', content, re.S)
    }


def table_rows(response, table_id: str) -> dict[str, list[str]]:
    """A table's rows as {row heading: [cells]}."""
    content = response.content.decode()
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', content, re.S).group(0)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        heading = re.search(r"<th[^>]*>(.*?)</th>", row, re.S)
        if heading:
            rows[text(heading.group(1))] = [
                text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            ]
    return rows


def expected_figures(figures: dict, language: str = "en") -> dict[str, str]:
    """headline_figures as the page should show them."""
    counts = ("sessions", "registrations", "organisations", "firms", "attendees")
    shares = ("attendance_rate", "women_led_share", "youth_led_share", "micro_share")
    return {
        **{key: labels.format_count(figures[key], language) for key in counts},
        "economies_reached": labels.format_count(figures["economies_reached"], language),
        **{key: labels.format_share(figures[key], language) for key in shares},
    }


DASHBOARD = "/en/impact/"


# --- Who sees what ------------------------------------------------------------------------------


def test_dashboard_pages_send_anonymous_visitors_to_sign_in(client, programme):
    for url in (
        DASHBOARD,
        "/en/impact/economies/CL/",
        f"/en/impact/sessions/{programme['session_a'].pk}/",
    ):
        response = client.get(url)

        assert response.status_code == 302, url
        assert response["Location"].startswith("/en/accounts/login/?next=/en/impact/"), url


def test_dashboard_pages_refuse_participants(client, programme):
    client.force_login(UserFactory())

    for url in (
        DASHBOARD,
        "/en/impact/economies/CL/",
        f"/en/impact/sessions/{programme['session_a'].pk}/",
    ):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("make_user", [analyst, OrganiserFactory], ids=["analyst", "organiser"])
def test_programme_staff_see_every_figure_as_headline_figures_computes_it(
    client, programme, make_user
):
    client.force_login(make_user())

    response = client.get(DASHBOARD)

    assert response.status_code == 200
    figures = headline_figures(ImpactFilters(), Audience.staff())
    assert shown_figures(response) == expected_figures(figures)
    assert shown_figures(response) == {
        "sessions": "3",
        "registrations": "12",
        "organisations": "12",
        "firms": "12",
        "attendees": "11",
        "attendance_rate": "91.7%",
        "economies_reached": "4",
        "women_led_share": "41.7%",
        "youth_led_share": "8.3%",
        "micro_share": "83.3%",
    }
    assert table_rows(response, "table-economy") == {
        "Chile": ["5", "5", "5", "5"],
        "Senegal": ["3", "3", "3", "3"],
        "Peru": ["3", "2", "3", "3"],
        "Kenya": ["1", "1", "1", "1"],
    }
    assert list(table_rows(response, "table-sessions")) == [
        "Sesión de A",
        "Session de B",
        "Open session",
    ]


def test_a_cohost_sees_the_figures_of_its_own_sessions_only(client, programme):
    client.force_login(cohost_member(programme["ministry_a"]))

    response = client.get(DASHBOARD)

    assert response.status_code == 200
    audience = Audience.cohost(programme["ministry_a"].pk)
    exact = expected_figures(headline_figures(ImpactFilters(), audience))
    # One registrant of 8 did not attend: registrations beside attendees would give that one
    # away, and so would the attendance rate. Shares whose other part is small (3 firms not
    # women-led, 2 not micro) would give that part away too: they read "—".
    assert shown_figures(response) == {
        **exact,
        "registrations": "hidden",
        "attendees": "hidden",
        "attendance_rate": "—",
        "women_led_share": "—",
        "micro_share": "—",
    }
    assert list(table_rows(response, "table-sessions")) == ["Sesión de A"]
    content = response.content.decode()
    assert "Session de B" not in content
    assert "Senegal" not in content
    assert 'name="cohost"' not in content  # the co-host filter is not theirs to use


@pytest.mark.parametrize("other", ["ministry B", "not-a-number"])
def test_a_cohost_asking_for_another_cohost_is_still_shown_its_own_figures(
    client, programme, other
):
    client.force_login(cohost_member(programme["ministry_a"]))
    asked = programme["ministry_b"].pk if other == "ministry B" else other

    response = client.get(DASHBOARD, {"cohost": asked})

    assert response.status_code == 200
    assert shown_figures(response)["sessions"] == "1"
    assert "data-filter-error" not in response.content.decode()
    assert "Session de B" not in response.content.decode()


def test_a_cohost_cannot_open_another_cohosts_session(client, programme):
    client.force_login(cohost_member(programme["ministry_a"], CohostRole.MANAGER))

    own = client.get(reverse("impact:session", args=[programme["session_a"].pk]))
    other = client.get(reverse("impact:session", args=[programme["session_b"].pk]))
    uncohosted = client.get(reverse("impact:session", args=[programme["session_c"].pk]))

    assert own.status_code == 200
    assert (other.status_code, uncohosted.status_code) == (404, 404)
    assert b"Session de B" not in other.content


def test_staff_open_any_held_session_with_its_figures(client, programme):
    client.force_login(analyst())
    session = programme["session_b"]

    response = client.get(reverse("impact:session", args=[session.pk]))

    assert response.status_code == 200
    figures = headline_figures(ImpactFilters(session=session.pk), Audience.staff())
    assert shown_figures(response) == expected_figures(figures)
    assert shown_figures(response)["attendees"] == "3"
    assert table_rows(response, "table-economy") == {"Senegal": ["3", "3", "3", "3"]}


def test_a_draft_session_has_no_page_of_figures(client, programme):
    client.force_login(analyst())
    draft = SessionFactory(status="draft")

    response = client.get(reverse("impact:session", args=[draft.pk]))

    assert response.status_code == 404


def test_the_economy_drill_down_shows_that_economys_figures_and_sessions(client, programme):
    client.force_login(analyst())

    response = client.get(reverse("impact:economy", args=["PE"]))

    assert response.status_code == 200
    figures = headline_figures(ImpactFilters(economy="PE"), Audience.staff())
    assert shown_figures(response) == expected_figures(figures)
    assert (shown_figures(response)["registrations"], shown_figures(response)["attendees"]) == (
        "3",
        "2",
    )
    assert list(table_rows(response, "table-sessions")) == ["Sesión de A"]
    assert "<h1>Peru</h1>" in response.content.decode()


def test_an_unknown_economy_is_not_found(client, programme):
    client.force_login(analyst())

    assert client.get("/en/impact/economies/ZZ/").status_code == 404


# --- Small numbers ------------------------------------------------------------------------------


def test_breakdowns_suppress_small_numbers_for_a_cohost_but_not_for_staff(client, programme):
    client.force_login(cohost_member(programme["ministry_a"]))
    seen_by_cohost = client.get(DASHBOARD)
    client.force_login(analyst())
    seen_by_staff = client.get(DASHBOARD)

    # Peru is small, and Chile is hidden too: the total (8 registrations) minus Chile would
    # give Peru away. The same for the sizes.
    assert table_rows(seen_by_cohost, "table-economy") == {
        "Chile": ["hidden", "hidden", "hidden", "hidden"],
        "Peru": ["hidden", "hidden", "hidden", "hidden"],
    }
    assert table_rows(seen_by_cohost, "table-size") == {
        "Micro (up to 10 employees)": ["6", "hidden", "hidden", "hidden"],
        "Small (11 to 50 employees)": ["hidden", "hidden", "hidden", "hidden"],
    }
    assert shown_figures(seen_by_cohost)["sessions"] == "1"
    assert table_rows(seen_by_staff, "table-economy")["Peru"] == ["3", "2", "3", "3"]
    assert "data-suppression-note" in seen_by_cohost.content.decode()
    assert "data-suppression-note" not in seen_by_staff.content.decode()


def test_a_cohost_drilling_down_to_one_economy_sees_its_small_counts_suppressed(client, programme):
    client.force_login(cohost_member(programme["ministry_a"]))

    response = client.get(reverse("impact:economy", args=["PE"]))

    figures = shown_figures(response)
    assert (figures["registrations"], figures["attendees"], figures["firms"]) == (
        "hidden",
        "hidden",
        "hidden",
    )
    assert (figures["attendance_rate"], figures["micro_share"]) == ("—", "—")
    assert figures["sessions"] == "1"
    # Every count by size is suppressed: the table says so, and no empty chart is drawn.
    assert table_rows(response, "table-size") == {
        "Micro (up to 10 employees)": ["hidden", "0", "hidden", "hidden"],  # did not attend
        "Small (11 to 50 employees)": ["hidden", "hidden", "hidden", "hidden"],
    }
    assert 'data-chart-data="chart-size"' not in response.content.decode()


def test_the_reach_page_is_public_with_small_numbers_suppressed_and_nobody_named(client, programme):
    response = client.get(reverse("impact:reach"))

    assert response.status_code == 200
    assert shown_figures(response) == {
        "sessions": "3",
        "firms": "12",
        "organisations": "12",
        "economies_reached": "4",
        "attendees": "11",
    }
    content = response.content.decode()
    assert re.findall(r'<li data-key="(\w+)">', content) == ["CL", "KE", "PE", "SN"]
    # Peru (2) and Africa (4) are hidden, and so is Americas: the total (11) minus Americas
    # would give Africa away, and Americas minus Chile would give Peru away.
    assert 'Peru <span class="text-body-secondary">(hidden)</span>' in content
    assert 'Chile <span class="text-body-secondary">(5)</span>' in content
    assert table_rows(response, "table-region") == {"Americas": ["hidden"], "Africa": ["hidden"]}
    for private in ("Person ", "Firm ", "@example.org", "Ministry"):
        assert private not in content


def test_the_reach_page_suppresses_small_totals(client):
    session = held_session()
    attendee(session, code="CL")
    attendee(session, code="CL", attended=False)

    response = client.get(reverse("impact:reach"))

    assert shown_figures(response) == {
        "sessions": "1",
        "firms": "hidden",
        "organisations": "hidden",
        "economies_reached": "1",
        "attendees": "hidden",
    }


# --- Filters ------------------------------------------------------------------------------------


def test_filters_narrow_the_figures(client, programme):
    client.force_login(analyst())

    by_language = client.get(DASHBOARD, {"language": "fr"})
    by_cohost = client.get(DASHBOARD, {"cohost": programme["ministry_a"].pk})
    by_size = client.get(DASHBOARD, {"size_band": "small"})
    by_region = client.get(DASHBOARD, {"region": "002"})  # Africa

    assert shown_figures(by_language)["registrations"] == "3"
    assert shown_figures(by_cohost)["registrations"] == "8"
    assert (shown_figures(by_size)["registrations"], shown_figures(by_size)["sessions"]) == (
        "2",
        "1",
    )
    assert shown_figures(by_region)["attendees"] == "4"
    for response in (by_language, by_cohost, by_size, by_region):
        assert "data-filter-error" not in response.content.decode()


def test_period_filters_take_a_quarter_a_year_or_days(client, programme):
    client.force_login(analyst())
    start = programme["session_c"].starts_at.date()
    quarter = f"{start.year}-Q{(start.month - 1) // 3 + 1}"

    by_days = client.get(DASHBOARD, {"start": start.isoformat(), "end": start.isoformat()})
    by_quarter = client.get(DASHBOARD, {"quarter": quarter})
    by_year = client.get(DASHBOARD, {"year": "1999"})

    assert shown_figures(by_days)["registrations"] == "1"
    in_quarter = headline_figures(filters_from({"quarter": quarter}), Audience.staff())
    assert shown_figures(by_quarter) == expected_figures(in_quarter)
    assert shown_figures(by_year)["sessions"] == "0"
    assert f'<option value="{quarter}" selected>' in by_quarter.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"quarter": "2026-Q5"},
        {"year": "last"},
        {"start": "yesterday"},
        {"start": "2026-07-01", "end": "2026-06-01"},
        {"region": "999"},
        {"group": "g20"},
        {"language": "de"},
        {"format": "radio"},
        {"size_band": "huge"},
        {"kind": "club"},
        {"series": "no-such-series"},
        {"cohost": "not-a-number"},
        {"cohost": "999999"},
        {"language": "fr", "quarter": "2026-Q9"},
    ],
)
def test_bad_filters_show_a_message_and_the_unfiltered_figures(client, programme, query):
    client.force_login(analyst())

    response = client.get(DASHBOARD, query)

    assert response.status_code == 200
    assert "data-filter-error" in response.content.decode()
    assert shown_figures(response) == expected_figures(
        headline_figures(ImpactFilters(), Audience.staff())
    )


def test_bad_filters_on_the_economy_page_keep_the_economy(client, programme):
    client.force_login(analyst())

    response = client.get(reverse("impact:economy", args=["CL"]), {"quarter": "nonsense"})

    assert response.status_code == 200
    assert "data-filter-error" in response.content.decode()
    assert shown_figures(response)["registrations"] == "5"


def test_links_to_an_economy_keep_the_filters(client, programme):
    client.force_login(analyst())

    response = client.get(DASHBOARD, {"language": "es"})

    assert '<a href="/en/impact/economies/CL/?language=es">Chile</a>' in response.content.decode()


# --- Numbers in the reader's language -----------------------------------------------------------


def test_numbers_are_formatted_for_each_language():
    assert [labels.format_count(1234, language) for language in ("en", "fr", "es")] == [
        "1,234",
        f"1{NNBSP}234",
        "1.234",
    ]
    assert [labels.format_share(0.7634, language) for language in ("en", "fr", "es")] == [
        "76.3%",
        f"76,3{NBSP}%",
        f"76,3{NBSP}%",
    ]
    assert [labels.format_average(4.25, language) for language in ("en", "fr", "es")] == [
        "4.25",
        "4,25",
        "4,25",
    ]
    # A hidden count reads a word in the language.
    assert (labels.format_count(None, "en"), labels.format_share(None, "fr")) == ("hidden", "—")


def test_labels_name_breakdown_keys_in_the_active_language():
    with translation.override("fr"):
        assert labels.labeller("economy", ["CL", "HK"])("HK") == "Hong Kong, Chine"
        assert labels.labeller("region", ["019"])("019") == "Amériques"
        assert labels.labeller("language", ["es"])("es") == "Espagnol"
        assert labels.labeller("quarter", ["2026-Q3"])("2026-Q3") in {"Q3 2026", "T3 2026"}
    with translation.override("es"):
        assert labels.labeller("economy", ["CL"])("CL") == "Chile"
        assert labels.labeller("language", ["fr"])("fr") == "Francés"


def test_the_french_dashboard_groups_thousands_with_a_narrow_no_break_space(client):
    session = held_session(language="fr", title_en="", title_fr="Session nombreuse")
    many_registrations(session, 1234, code="SN")
    client.force_login(analyst())

    response = client.get("/fr/impact/")

    figures = shown_figures(response)
    assert (figures["registrations"], figures["attendees"]) == (f"1{NNBSP}234", f"1{NNBSP}234")
    assert table_rows(response, "table-economy") == {
        "Sénégal": [f"1{NNBSP}234", f"1{NNBSP}234", "1", "1"]
    }


@pytest.mark.parametrize(
    ("language", "rate", "satisfaction"),
    [("fr", f"66,7{NBSP}%", "4,5"), ("es", f"66,7{NBSP}%", "4,5"), ("en", "66.7%", "4.5")],
)
def test_percentages_and_averages_follow_the_language(client, language, rate, satisfaction):
    session = held_session()
    first, second, _absent = (
        attendee(session),
        attendee(session),
        attendee(session, attended=False),
    )
    answer(session, first, simplifies_market_research=True, satisfaction=5)
    answer(session, second, simplifies_market_research=False, satisfaction=4)
    client.force_login(analyst())

    response = client.get(f"/{language}/impact/")

    assert shown_figures(response)["attendance_rate"] == rate
    survey = {
        key: [text(result), text(answers)]
        for key, result, answers in re.findall(
            r'<tr data-indicator="(\w+)">.*?<td[^>]*>(.*?)</td><td[^>]*>(.*?)</td>',
            response.content.decode(),
            re.S,
        )
    }
    share = "50%" if language == "en" else f"50{NBSP}%"
    assert survey["simplifies_market_research"] == [share, "2"]
    assert survey["satisfaction"] == [satisfaction, "2"]
    assert survey["recommend"] == ["—", "0"]


# --- Charts have the same numbers as their tables -----------------------------------------------


def test_each_chart_carries_the_numbers_of_its_table(client, programme):
    client.force_login(analyst())

    response = client.get(DASHBOARD)

    content = response.content.decode()
    for by in ("quarter", "region", "language", "size", "kind"):
        assert f'data-chart-data="chart-{by}"' in content
        assert f'<script id="chart-{by}" type="application/json">' in content
    economies = response.context["economies"]["map"]["economies"]
    assert {(e["numeric"], e["value"]) for e in economies} == {
        ("152", 5),
        ("604", 2),
        ("686", 3),
        ("404", 1),
    }
    language = next(b for b in response.context["breakdowns"] if b["by"] == "language")
    assert language["chart"]["labels"] == ["Spanish", "French", "English"]
    assert [set["data"] for set in language["chart"]["datasets"]] == [[8, 3, 1], [7, 3, 1]]


def test_dashboard_pages_have_no_inline_script(client, programme):
    client.force_login(analyst())

    for url in (
        DASHBOARD,
        "/en/impact/economies/CL/",
        f"/en/impact/sessions/{programme['session_a'].pk}/",
        "/en/impact/reach/",
    ):
        html = client.get(url).content.decode()
        for tag in re.findall(r"<script[^>]*>", html):
            assert ' src="' in tag or 'type="application/json"' in tag, (url, tag)
            if ' src="' in tag:
                assert tag.endswith(" defer>"), (url, tag)
        assert "style=" not in html, url


# --- Weight and queries -------------------------------------------------------------------------


def test_the_reach_page_stays_light_even_with_its_map_asked_for(client, programme):
    """Public pages weigh under 200 KB compressed with their assets; the map's scripts and atlas
    are loaded only on request, and even with them the page stays under the budget."""
    html = client.get("/fr/impact/reach/").content
    assets = re.findall(rb'(?:href|src)="/static/([^"]+)"', html)
    on_request = re.search(rb'data-scripts="([^"]+)"', html).group(1).split()
    atlas = re.search(rb'data-atlas="([^"]+)"', html).group(1)

    def weight(paths):
        total = 0
        for path in paths:
            with open(finders.find(path.decode().removeprefix("/static/")), "rb") as handle:
                total += len(gzip.compress(handle.read()))
        return total

    first_load = len(gzip.compress(html)) + weight(assets)
    assert atlas.endswith(b"countries-110m.json")
    assert first_load < 60 * 1024
    assert first_load + weight([*on_request, atlas]) < 200 * 1024


def render_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def many_sessions_and_registrations(ministry) -> None:
    for days_ago, language, codes in (
        (20, "en", ("KE", "NG", "GH")),
        (120, "fr", ("SN", "CI", "FR")),
        (220, "es", ("CL", "PE", "MX")),
        (400, "es", ("AR", "UY", "BR")),
    ):
        session = held_session(days_ago=days_ago, language=language, cohosts=[ministry])
        for code in codes:
            attendee(session, code=code, women_led=True, size_band=SizeBand.MEDIUM)
            attendee(session, code=code, attended=False)
            many_registrations(session, 6, code=code)
        answer(
            session,
            session.registrations.first(),
            satisfaction=4,
            recommend=9,
            simplifies_market_research=True,
        )


@pytest.mark.parametrize("role", ["analyst", "cohost"])
def test_query_counts_do_not_grow_with_the_data(client, role):
    ministry = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)
    user = analyst() if role == "analyst" else cohost_member(ministry)
    client.force_login(user)
    few = held_session(cohosts=[ministry])
    attendee(few, code="CL")
    attendee(few, code="CL", attended=False)
    urls = [DASHBOARD, "/en/impact/economies/CL/", f"/en/impact/sessions/{few.pk}/"]
    urls.append("/en/impact/reach/")
    with_few = [render_queries(client, url) for url in urls]

    many_sessions_and_registrations(ministry)
    many_registrations(few, 30, code="CL")
    with_many = [render_queries(client, url) for url in urls]

    assert with_many == with_few

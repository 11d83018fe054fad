"""Realised outcomes in the figures (impact.outcomes): counted again here from the rows in plain
Python, for every filter and breakdown, with the small-number rule for outside audiences.

The independent count reads the definitions in impact/outcomes.py's docstring and nothing else
of impact: organisations asked are the outcome invitations of held sessions (the invitation's
registration's session and facts), organisations answering the outcome responses (their own
facts), each indicator read by its question's code whatever the survey's version.
"""

import csv
import io
import json
import zipfile
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from impact.filters import ImpactFilters
from impact.outside import Figures, for_cohost, for_public
from impact.queries import Audience
from outreach.models import OrganisationKind, Role
from outreach.periods import quarter_key, session_quarter
from registrations.models import (
    Answer,
    Choice,
    Question,
    Survey,
    SurveyInvitation,
    SurveyPurpose,
    SurveyResponse,
)
from registrations.privacy import erase_person
from tests.factories import (
    FirmFactory,
    OrganisationFactory,
    OrganiserFactory,
    RegistrationFactory,
    SeriesFactory,
    SessionFactory,
    UserFactory,
    economy,
)
from tests.impact.test_suppression_adversary import basis, span_contains
from tests.queries import assert_same_queries_for_1_and_more

pytestmark = pytest.mark.django_db

REGIONS = {"CL": "019", "PE": "019", "MX": "019", "SN": "002", "KE": "002", "VN": "142"}
CONTRIBUTION = ("not_at_all", "somewhat", "a_lot")


# --- Building the rows ------------------------------------------------------------------------


def outcome_survey() -> Survey:
    return Survey.objects.get(slug="outcomes")


def second_version() -> Survey:
    """Version 2 of the outcome survey: the same codes, one question reworded, version 1
    archived (as the builder does once a version has answers)."""
    first = outcome_survey()
    first.archived_at = timezone.now()
    first.save(update_fields=["archived_at"])
    second = Survey.objects.create(
        slug="outcomes-v2",
        purpose=SurveyPurpose.OUTCOME,
        family=first.family,
        version=2,
        title=first.title,
        is_default=first.is_default,
    )
    for question in first.questions.all():
        copy = Question.objects.create(
            survey=second,
            code=question.code,
            position=question.position,
            kind=question.kind,
            text=question.text
            if question.code != "exported_since"
            else "Have you sold abroad since the session?",
            required=question.required,
            standard=question.standard,
        )
        for choice in question.choices.all():
            Choice.objects.create(
                question=copy, code=choice.code, position=choice.position, text=choice.text
            )
    return second


def held(starts_at, *, language="en", series=None, cohosts=()):
    return SessionFactory(
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=90),
        language=language,
        series=series or SeriesFactory(),
        status="finished",
        cohosts=list(cohosts),
    )


def attend(session, organisation, **fields):
    return RegistrationFactory(
        session=session,
        person=UserFactory(organisation=organisation),
        organisation=organisation,
        economy=organisation.economy,
        size_band=organisation.size_band,
        organisation_kind=organisation.kind,
        women_led=organisation.women_led,
        youth_led=organisation.youth_led,
        attended=True,
        **fields,
    )


def ask(registration, *, survey=None):
    """The outcome invitation of the period this registration opened."""
    session = registration.session
    return SurveyInvitation.objects.create(
        survey=survey or outcome_survey(),
        registration=registration,
        organisation=registration.organisation,
        series=session.series,
        period_starts_at=session.starts_at,
        closes_at=timezone.now() + timedelta(days=14),
    )


def answer(
    registration,
    *,
    exported=None,
    markets=(),
    found=None,
    contribution=None,
    survey=None,
    language="en",
):
    """An outcome response with the facts of its registration, answering by code."""
    survey = survey or outcome_survey()
    response = SurveyResponse.objects.create(
        survey=survey,
        session=registration.session,
        registration=registration,
        economy_id=registration.economy_id,
        organisation_kind=registration.organisation_kind,
        size_band=registration.size_band,
        women_led=registration.women_led,
        youth_led=registration.youth_led,
        language=language,
    )
    questions = {q.code: q for q in survey.questions.all()}
    if exported is not None:
        Answer.objects.create(
            response=response, question=questions["exported_since"], boolean=exported
        )
    if markets:
        a = Answer.objects.create(response=response, question=questions["export_markets"])
        a.economies.set([economy(code) for code in markets])
    if found is not None:
        Answer.objects.create(response=response, question=questions["found_partner"], boolean=found)
    if contribution is not None:
        a = Answer.objects.create(response=response, question=questions["contribution"])
        a.choices.set(questions["contribution"].choices.filter(code=contribution))
    return response


# --- The independent count ----------------------------------------------------------------------


def session_kept(session, f: ImpactFilters, now) -> bool:
    if session.status not in ("published", "finished") or session.ends_at > now:
        return False
    if f.language and session.language != f.language:
        return False
    if f.series and (session.series is None or session.series.slug != f.series):
        return False
    if f.cohost and f.cohost not in {o.pk for o in session.cohosts.all()}:
        return False
    return not (f.session and session.pk != f.session)


def facts_kept(economy_code, size_band, kind, f: ImpactFilters) -> bool:
    if f.economy and economy_code != f.economy:
        return False
    if f.region and REGIONS.get(economy_code) != f.region:
        return False
    if f.size_band and size_band != f.size_band:
        return False
    return not (f.kind and kind != f.kind)


def rows(f: ImpactFilters, now) -> tuple[list[dict], list[dict]]:
    """Invitations and responses the figures count, as plain dicts."""
    asked = []
    for invitation in SurveyInvitation.objects.select_related(
        "survey", "registration__session__series"
    ):
        r = invitation.registration
        if invitation.survey.purpose != "outcome" or r.status == "cancelled":
            continue
        if not session_kept(r.session, f, now) or not facts_kept(
            r.economy_id, r.size_band, r.organisation_kind, f
        ):
            continue
        asked.append(facts(r.session, r.economy_id, r.size_band, r.women_led, r.youth_led))
    answered = []
    for response in SurveyResponse.objects.select_related("survey", "session__series"):
        if response.survey.purpose != "outcome":
            continue
        if not session_kept(response.session, f, now) or not facts_kept(
            response.economy_id, response.size_band, response.organisation_kind, f
        ):
            continue
        row = facts(
            response.session,
            response.economy_id,
            response.size_band,
            response.women_led,
            response.youth_led,
        )
        for a in response.answers.select_related("question"):
            code = a.question.code
            if code in ("exported_since", "found_partner"):
                row[code] = a.boolean
            elif code == "contribution":
                row[code] = next((c.code for c in a.choices.all()), None)
            elif code == "export_markets":
                row["markets"] = {e.code for e in a.economies.all()}
        answered.append(row)
    return asked, answered


def facts(session, economy_code, size_band, women_led, youth_led) -> dict:
    return {
        "session": session.pk,
        "economy": economy_code,
        "region": REGIONS.get(economy_code, ""),
        "quarter": quarter_key(*session_quarter(session.starts_at, session.time_zone)),
        "language": session.language,
        "size": size_band,
        "women_led": women_led,
        "youth_led": youth_led,
        "series": session.series.slug if session.series else "",
        "cohosts": [o.pk for o in session.cohosts.all()] or [""],
        "exported_since": None,
        "found_partner": None,
        "contribution": None,
        "markets": set(),
    }


def share(part, whole):
    return round(part / whole, 4) if whole else None


def expected(asked: list[dict], answered: list[dict]) -> dict:
    exported = [r["exported_since"] for r in answered if r["exported_since"] is not None]
    found = [r["found_partner"] for r in answered if r["found_partner"] is not None]
    said = [r["contribution"] for r in answered if r["contribution"] is not None]
    named = Counter(m for r in answered for m in r["markets"])
    figures = {
        "outcome_asked": len(asked),
        "outcome_answered": len(answered),
        "outcome_response_rate": share(len(answered), len(asked)),
        "exported_since_answers": len(exported),
        "exported_since_share": share(sum(exported), len(exported)),
        "found_partner_answers": len(found),
        "found_partner_share": share(sum(found), len(found)),
        "contribution_answers": len(said),
        "markets_answers": sum(1 for r in answered if r["markets"]),
        "new_markets": len(named),
        "markets": dict(named),
    }
    for value in CONTRIBUTION:
        figures[f"contribution_{value}"] = said.count(value)
        figures[f"contribution_{value}_share"] = share(said.count(value), len(said))
    return figures


def expected_breakdown(asked, answered, by: str) -> dict:
    groups = defaultdict(lambda: ([], []))
    for index, rows_ in enumerate((asked, answered)):
        for row in rows_:
            for value in row["cohosts"] if by == "cohost" else [row[by]]:
                groups[value][index].append(row)
    return {value: expected(*pair) for value, pair in groups.items()}


def computed(figures: dict) -> dict:
    return {**figures, "markets": dict(figures["markets"])}


BY = ("economy", "region", "quarter", "language", "size", "women_led", "youth_led", "series")


# --- A programme, by hand -------------------------------------------------------------------------


@pytest.fixture
def programme():
    """Series A (ministry A co-hosts it, in Spanish) asked five Chilean and Peruvian firms,
    four answered; series B (ministry B, in French) asked two Senegalese firms, one answered;
    one invitation of a session not held yet and one to the after-session survey do not
    count."""
    now = timezone.now()
    ministry_a = OrganisationFactory(name="Ministry A", kind=OrganisationKind.GOVERNMENT)
    ministry_b = OrganisationFactory(name="Ministry B", kind=OrganisationKind.GOVERNMENT)
    series_a, series_b = SeriesFactory(slug="series-a"), SeriesFactory(slug="series-b")
    session_a = held(
        now - timedelta(days=200), language="es", series=series_a, cohosts=[ministry_a]
    )
    session_b = held(
        now - timedelta(days=190), language="fr", series=series_b, cohosts=[ministry_b]
    )
    firms_a = [
        FirmFactory(economy=economy("CL"), size_band="micro", women_led=True),
        FirmFactory(economy=economy("CL"), size_band="small"),
        FirmFactory(economy=economy("PE"), size_band="micro", youth_led=True),
        FirmFactory(economy=economy("PE"), size_band="small", women_led=True),
        FirmFactory(economy=economy("CL"), size_band="medium"),
    ]
    registrations_a = [attend(session_a, firm) for firm in firms_a]
    for registration in registrations_a:
        ask(registration)
    answer(
        registrations_a[0], exported=True, markets=["US", "CN"], found=True, contribution="a_lot"
    )
    answer(registrations_a[1], exported=True, markets=["US"], found=False, contribution="somewhat")
    answer(registrations_a[2], exported=False, found=False, contribution="not_at_all")
    answer(registrations_a[3], exported=True, markets=["DE"], found=True, contribution="a_lot")
    firms_b = [FirmFactory(economy=economy("SN")), FirmFactory(economy=economy("SN"))]
    registrations_b = [attend(session_b, firm) for firm in firms_b]
    for registration in registrations_b:
        ask(registration)
    answer(registrations_b[0], exported=True, markets=["FR"], found=False, contribution="somewhat")
    # Not counted: a session to come, and the survey after the session.
    upcoming = SessionFactory(series=series_a, cohosts=[ministry_a])
    ask(attend(upcoming, FirmFactory(economy=economy("CL"))))
    later = attend(session_a, FirmFactory(economy=economy("CL")))
    SurveyInvitation.objects.create(
        survey=Survey.objects.get(slug="impact"),
        registration=later,
        closes_at=now + timedelta(days=7),
    )
    return {
        "ministry_a": ministry_a,
        "ministry_b": ministry_b,
        "session_a": session_a,
        "session_b": session_b,
        "registrations_a": registrations_a,
        "registrations_b": registrations_b,
    }


def test_the_figures_worked_out_by_hand(programme):
    figures = Figures(Audience.staff()).outcomes(ImpactFilters())

    assert figures["outcome_asked"] == 7
    assert figures["outcome_answered"] == 5
    assert figures["outcome_response_rate"] == round(5 / 7, 4)
    assert figures["exported_since_share"] == 0.8
    assert figures["found_partner_share"] == 0.4
    assert figures["contribution_a_lot"] == 2
    assert figures["new_markets"] == 4
    assert dict(figures["markets"]) == {"US": 2, "CN": 1, "DE": 1, "FR": 1}


def test_filters_leave_the_other_series_economy_and_cohost_untouched(programme):
    staff = Figures(Audience.staff())
    only_b = staff.outcomes(ImpactFilters(series="series-b"))
    assert (only_b["outcome_asked"], only_b["outcome_answered"]) == (2, 1)
    assert dict(only_b["markets"]) == {"FR": 1}
    cohost_a = staff.outcomes(ImpactFilters(cohost=programme["ministry_a"].pk))
    assert (cohost_a["outcome_asked"], cohost_a["outcome_answered"]) == (5, 4)
    peru = staff.outcomes(ImpactFilters(economy="PE"))
    assert (peru["outcome_asked"], peru["outcome_answered"]) == (2, 2)
    assert dict(peru["markets"]) == {"DE": 1}
    assert staff.outcomes(ImpactFilters(language="fr"))["exported_since_share"] == 1.0


def test_each_breakdown_row_carries_its_answers_and_response_rate(programme):
    rows = {
        row["key"]: row
        for row in Figures(Audience.staff()).outcome_breakdown(ImpactFilters(), "series")
    }
    assert rows["series-a"]["outcome_response_rate"] == 0.8
    assert rows["series-a"]["exported_since_answers"] == 4
    assert rows["series-b"]["outcome_response_rate"] == 0.5
    by_cohost = {
        row["key"]: row
        for row in Figures(Audience.staff()).outcome_breakdown(ImpactFilters(), "cohost")
    }
    assert by_cohost[programme["ministry_a"].pk]["outcome_answered"] == 4
    assert by_cohost[programme["ministry_b"].pk]["outcome_answered"] == 1
    women = {
        row["key"]: row
        for row in Figures(Audience.staff()).outcome_breakdown(ImpactFilters(), "women_led")
    }
    assert (women[True]["outcome_asked"], women[True]["outcome_answered"]) == (2, 2)


def test_versions_of_the_outcome_survey_add_up(programme):
    second = second_version()
    late = attend(programme["session_a"], FirmFactory(economy=economy("MX")))
    ask(late, survey=second)
    answer(late, survey=second, exported=True, markets=["US"], found=True, contribution="a_lot")

    figures = Figures(Audience.staff()).outcomes(ImpactFilters())

    assert figures["outcome_asked"] == 8
    assert figures["outcome_answered"] == 6
    assert figures["exported_since_answers"] == 6
    assert figures["contribution_a_lot"] == 3
    assert dict(figures["markets"])["US"] == 3


def test_erasure_keeps_the_figures(programme):
    before = Figures(Audience.staff()).outcomes(ImpactFilters())
    for registration in programme["registrations_a"][:3]:
        erase_person(registration.person)
    assert SurveyResponse.objects.filter(registration__isnull=True).count() == 3

    assert Figures(Audience.staff()).outcomes(ImpactFilters()) == before


def test_an_outside_audience_sees_small_cells_hidden(programme):
    figures = Figures(Audience.cohost(programme["ministry_b"].pk))
    seen = figures.outcomes(ImpactFilters())
    # Two asked, one answered: every count under 5 is hidden, and the shares with them.
    assert seen["outcome_asked"] is None
    assert seen["outcome_answered"] is None
    assert seen["outcome_response_rate"] is None
    assert seen["exported_since_share"] is None
    assert dict(seen["markets"]) == {"FR": None}
    # Ministry A's five asked are shown; its answers (4) are not, nor the rate.
    a = Figures(Audience.cohost(programme["ministry_a"].pk)).outcomes(ImpactFilters())
    assert a["outcome_asked"] == 5
    assert a["outcome_answered"] is None
    assert a["outcome_response_rate"] is None


# --- Pages and exports ---------------------------------------------------------------------


def test_the_pages_show_the_outcomes_beside_the_intentions(client, programme):
    client.force_login(OrganiserFactory(role=Role.ANALYST))
    dashboard = client.get(reverse("impact:dashboard")).content.decode()
    assert 'data-outcome-figure="outcome_asked">7<' in dashboard
    assert 'data-outcome="exported_since"' in dashboard
    assert 'id="table-outcome-series"' in dashboard
    assert 'id="map-markets"' in dashboard
    economy_page = client.get(reverse("impact:economy", args=["PE"])).content.decode()
    assert 'data-outcome-figure="outcome_asked">2<' in economy_page
    session_page = client.get(
        reverse("impact:session", args=[programme["session_b"].pk])
    ).content.decode()
    assert 'data-outcome-figure="outcome_answered">1<' in session_page
    # Not the outcome survey's questions among the session's survey results.
    assert 'data-question="exported_since"' not in session_page


def test_the_public_and_a_cohost_see_the_outcomes_suppressed(client, programme):
    reach = client.get(reverse("impact:reach")).content.decode()
    assert 'data-outcome-figure="outcome_asked">7<' in reach
    assert 'data-outcome-figure="outcome_answered">5<' in reach
    assert 'id="list-markets"' in reach
    member = UserFactory(role=Role.COHOST, organisation=programme["ministry_b"])
    client.force_login(member)
    page = client.get(reverse("cohost:session", args=[programme["session_b"].pk])).content.decode()
    assert 'data-outcome-figure="outcome_asked">hidden<' in page


def test_the_dashboards_queries_do_not_grow_with_outcomes(client, programme):
    client.force_login(OrganiserFactory(role=Role.ANALYST))
    session = programme["session_a"]

    def add(count):
        for _n in range(count):
            registration = attend(session, FirmFactory(economy=economy("MX")))
            ask(registration)
            answer(
                registration, exported=True, markets=["US", "JP"], found=True, contribution="a_lot"
            )

    assert_same_queries_for_1_and_more(client, reverse("impact:dashboard"), add)


@pytest.mark.parametrize("which", ["reach", "cohost-dashboard", "economy", "session"])
def test_the_other_pages_queries_do_not_grow_with_outcomes(client, programme, which):
    session = programme["session_a"]
    urls = {
        "reach": reverse("impact:reach"),
        "cohost-dashboard": reverse("impact:dashboard"),
        "economy": reverse("impact:economy", args=["MX"]),
        "session": reverse("impact:session", args=[session.pk]),
    }
    if which == "cohost-dashboard":
        client.force_login(UserFactory(role=Role.COHOST, organisation=programme["ministry_a"]))
    elif which != "reach":
        client.force_login(OrganiserFactory(role=Role.ANALYST))
    markets = iter(["US", "JP", "BR", "IN", "ZA", "AU", "CA"])

    def add(count):
        for _n in range(count):
            registration = attend(session, FirmFactory(economy=economy("MX")))
            ask(registration)
            answer(registration, exported=True, markets=[next(markets)], contribution="a_lot")

    assert_same_queries_for_1_and_more(client, urls[which], add)


DIMENSIONS_EXPORTED = [
    f"outcomes-{by}"
    for by in (
        "economy",
        "region",
        "quarter",
        "language",
        "size",
        "women_led",
        "youth_led",
        "series",
        "cohost",
    )
]


@pytest.mark.parametrize("by", [*DIMENSIONS_EXPORTED, "outcome-markets"])
@pytest.mark.parametrize("codes", ["?codes=1", ""])
def test_every_outcome_export_is_written(client, programme, by, codes):
    client.force_login(OrganiserFactory(role=Role.ANALYST))
    for fmt in ("csv", "json"):
        response = client.get(reverse("impact:export-aggregate", args=[by, fmt]) + codes)
        assert response.status_code == 200, (by, fmt)
    text = b"".join(response_csv(client, by, codes).streaming_content).decode("utf-8-sig")
    header, *lines = list(csv.reader(io.StringIO(text)))
    assert lines
    if by != "outcome-markets":
        asked = header.index("outcome_asked" if codes else "Organisations asked about outcomes")
        assert sum(int(line[asked]) for line in lines) >= 7


def response_csv(client, by, codes):
    return client.get(reverse("impact:export-aggregate", args=[by, "csv"]) + codes)


def test_the_exports_hold_the_outcomes(client, programme):
    client.force_login(OrganiserFactory(role=Role.ANALYST))
    headline = client.get(reverse("impact:export-aggregate", args=["headline", "json"]))
    figures = json.loads(
        b"".join(headline.streaming_content) if headline.streaming else headline.content
    )["rows"][0]
    assert figures["outcome_asked"] == 7
    assert figures["new_markets"] == 4
    # The columns there before stay first, in their order.
    assert next(iter(figures)) == "sessions"
    assert list(figures).index("recommend_answers") < list(figures).index("outcome_asked")
    by_series = client.get(
        reverse("impact:export-aggregate", args=["outcomes-series", "csv"]) + "?codes=1"
    )
    table = list(
        csv.reader(
            io.StringIO(
                b"".join(by_series.streaming_content).decode("utf-8-sig")
                if by_series.streaming
                else by_series.content.decode("utf-8-sig")
            )
        )
    )
    header, *lines = table
    assert header[:4] == ["series", "name", "outcome_asked", "outcome_answered"]
    rows_ = {line[0]: dict(zip(header, line, strict=True)) for line in lines}
    assert rows_["series-b"]["outcome_response_rate"] == "0.5"
    markets = client.get(
        reverse("impact:export-aggregate", args=["outcome-markets", "xlsx"]) + "?codes=1"
    )
    with zipfile.ZipFile(io.BytesIO(b"".join(markets.streaming_content))) as workbook:
        sheet = workbook.read("xl/worksheets/sheet1.xml").decode()
    assert "organisations" in sheet
    assert "US" in sheet
    answers = client.get(reverse("impact:export-rows", args=["answers", "csv"]) + "?codes=1")
    text = b"".join(answers.streaming_content).decode("utf-8-sig")
    header, *lines = list(csv.reader(io.StringIO(text)))
    assert header[-1] == "markets"
    assert any(line[-1] == "US CN" or line[-1] == "CN US" for line in lines)


# --- The property: the figures equal the independent count, with suppression ------------

organisations = st.lists(
    st.tuples(
        st.sampled_from(sorted(REGIONS)),
        st.sampled_from(["micro", "small", "medium"]),
        st.booleans(),  # women-led
        st.booleans(),  # youth-led
    ),
    min_size=1,
    max_size=8,
)
sessions = st.lists(
    st.tuples(
        st.sampled_from([200, 230, 300]),  # days ago
        st.sampled_from(["en", "fr", "es"]),
        st.integers(0, 1),  # series
        st.integers(0, 2),  # co-hosts: none, ministry, both
    ),
    min_size=1,
    max_size=3,
)
people = st.lists(
    st.tuples(
        st.integers(0, 7),  # organisation
        st.integers(0, 2),  # session
        st.sampled_from([True, True, True, False]),  # answered
        st.sampled_from([True, True, True, False, None]),  # exported
        st.sets(st.sampled_from(["US", "CN", "DE", "FR"]), max_size=2),
        st.sampled_from([True, True, False, None]),  # found
        st.sampled_from([*CONTRIBUTION, None]),
        st.booleans(),  # version 2
    ),
    min_size=1,
    max_size=30,
)
filters = st.sampled_from(
    [
        {},
        {"economy": "CL"},
        {"region": "002"},
        {"series": "series-0"},
        {"cohost": "ministry"},
        {"language": "fr"},
        {"size_band": "micro"},
    ]
)

SLOW = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def build(organisation_rows, session_rows, people_rows):
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    ministry = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)
    other = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)
    series = [SeriesFactory(slug=f"series-{n}") for n in range(2)]
    held_ = [
        held(
            now - timedelta(days=days),
            language=language,
            series=series[s],
            cohosts=[[], [ministry], [ministry, other]][c],
        )
        for days, language, s, c in session_rows
    ]
    firms = [
        FirmFactory(economy=economy(code), size_band=size, women_led=w, youth_led=y)
        for code, size, w, y in organisation_rows
    ]
    versions = [outcome_survey()]
    if any(row[7] for row in people_rows):
        versions.append(second_version())
    periods = set()  # one outcome survey per organisation, series and period
    for org, session, answered, exported, markets, found, contribution, v2 in people_rows:
        survey = versions[-1] if v2 else versions[0]
        firm, session = firms[org % len(firms)], held_[session % len(held_)]
        if (firm.pk, session.series_id, session.starts_at) in periods:
            continue
        periods.add((firm.pk, session.series_id, session.starts_at))
        registration = attend(session, firm)
        ask(registration, survey=survey)
        if answered:
            answer(
                registration,
                survey=survey,
                exported=exported,
                markets=sorted(markets),
                found=found,
                contribution=contribution,
            )
    return ministry


@SLOW
@given(organisation_rows=organisations, session_rows=sessions, people_rows=people, query=filters)
def test_outcome_figures_equal_the_independent_count(
    organisation_rows, session_rows, people_rows, query
):
    with transaction.atomic():
        ministry = build(organisation_rows, session_rows, people_rows)
        now = timezone.now()
        f = ImpactFilters(**{**query, **({"cohost": ministry.pk} if "cohost" in query else {})})
        asked, answered = rows(f, now)
        figures = Figures(Audience.staff(), now=now)

        assert computed(figures.outcomes(f)) == expected(asked, answered)
        for by in (*BY, "cohost"):
            want = expected_breakdown(asked, answered, by)
            got = {row["key"]: row for row in figures.outcome_breakdown(f, by)}
            assert set(got) == set(want), by
            for value, row in got.items():
                assert {k: v for k, v in row.items() if k != "key"} == {
                    k: v for k, v in want[value].items() if k not in ("markets", "new_markets")
                }, (by, value)
        transaction.set_rollback(True)


# The adversary: it knows which kinds of records each shown count counts (the session, the
# organisation's facts, asked or answering, and each answer), finds the sums among them, and
# solves them all at once (impact.suppression is not asked).

ANSWER_MEASURES = {
    "outcome_asked": lambda u: u["type"] == "asked",
    "outcome_answered": lambda u: u["type"] == "answered",
    "exported_since_answers": lambda u: u["exported_since"] is not None,
    "exported_since_yes": lambda u: u["exported_since"] is True,
    "exported_since_no": lambda u: u["exported_since"] is False,
    "found_partner_answers": lambda u: u["found_partner"] is not None,
    "found_partner_yes": lambda u: u["found_partner"] is True,
    "found_partner_no": lambda u: u["found_partner"] is False,
    "contribution_answers": lambda u: u["contribution"] is not None,
    **{f"contribution={v}": (lambda u, v=v: u["contribution"] == v) for v in CONTRIBUTION},
}


def universe(records) -> list[dict]:
    """Every kind of record: each session with each organisation's facts seen, asked, or
    answering with any answers."""
    seen = {tuple(sorted((k, r[k]) for k in FACTS)) for r in records}
    kinds = []
    for facts_ in sorted(seen):
        base = dict(facts_)
        kinds.append(
            {
                **base,
                "type": "asked",
                "exported_since": None,
                "found_partner": None,
                "contribution": None,
            }
        )
        for exported in (True, False, None):
            for found in (True, False, None):
                for contribution in (*CONTRIBUTION, None):
                    kinds.append(
                        {
                            **base,
                            "type": "answered",
                            "exported_since": exported,
                            "found_partner": found,
                            "contribution": contribution,
                        }
                    )
    return kinds


FACTS = (
    "session",
    "economy",
    "region",
    "quarter",
    "language",
    "size",
    "women_led",
    "youth_led",
    "series",
)


def adversary_records(ministry_pk, now) -> list[dict]:
    f = ImpactFilters(cohost=ministry_pk)
    asked, answered = rows(f, now)
    out = []
    for type_, rows_ in (("asked", asked), ("answered", answered)):
        for r in rows_:
            out.append({**r, "type": type_})
    return out


def pinned(shown, records) -> set:
    kinds = universe(records)
    cells = {c: v for c, v in shown.cells.items() if c[0] in ANSWER_MEASURES}
    units = {}
    for cell in cells:
        dims = dict(cell[1])
        matches = [
            i
            for i, kind in enumerate(kinds)
            if all(kind[d] == v for d, v in dims.items()) and ANSWER_MEASURES[cell[0]](kind)
        ]
        units[cell] = frozenset(matches)
    hidden = {c for c in cells if c in shown.hidden}
    sums = []
    for total in cells:
        for part in cells:
            if part != total and units[part] < units[total]:
                for other in cells:
                    if other not in (part, total) and units[other] == units[total] - units[part]:
                        sums.append((total, [part, other]))
    families = defaultdict(list)
    for cell in cells:
        if units[cell]:
            families[cell[0], tuple(d for d, _v in cell[1])].append(cell)
    for total in cells:
        for members in families.values():
            inside = [c for c in members if c != total and units[c] <= units[total]]
            if (
                inside
                and frozenset().union(*(units[c] for c in inside)) == units[total]
                and sum(len(units[c]) for c in inside) == len(units[total])
            ):
                sums.append((total, inside))
    equations = []
    for total, parts in sums:
        row = defaultdict(int)
        for cell, sign in ((total, 1), *((p, -1) for p in parts)):
            if cell in hidden:
                row[cell] += sign
        row = {c: v % ((1 << 61) - 1) for c, v in row.items() if v % ((1 << 61) - 1)}
        if row:
            equations.append(row)
    pivots = basis(equations)
    found = {cell for cell in hidden if span_contains(pivots, {cell: 1})}
    for total, parts in sums:
        if total in hidden:
            continue
        hidden_parts = [c for c in parts if c in hidden]
        rest = cells[total] - sum(cells[c] for c in parts if c not in hidden)
        if hidden_parts and rest == len(hidden_parts):
            found |= set(hidden_parts)
    return found


def test_a_shown_total_minus_a_shown_part_never_gives_a_hidden_one():
    """Seven of eight exported: the one who did not is hidden, and so is what would give it
    away (the seven, or the eight)."""
    now = timezone.now()
    session = held(now - timedelta(days=200))
    for n in range(8):
        registration = attend(session, FirmFactory(economy=economy("CL")))
        ask(registration)
        answer(registration, exported=n > 0, found=n > 0, contribution="a_lot")

    shown = for_public(now=now)[0]

    no = ("exported_since_no", ())
    assert no in shown.hidden
    assert {("exported_since_yes", ()), ("exported_since_answers", ())} & shown.hidden
    assert pinned(shown, adversary_records(None, now)) == set()
    assert (
        Figures(Audience.public(), now=now).outcomes(ImpactFilters())["exported_since_share"]
        is None
    )


@SLOW
@given(organisation_rows=organisations, session_rows=sessions, people_rows=people)
def test_outside_audiences_see_no_small_outcome_count_nor_one_worked_out(
    organisation_rows, session_rows, people_rows
):
    with transaction.atomic():
        ministry = build(organisation_rows, session_rows, people_rows)
        now = timezone.now()
        for shown, records in (
            (for_cohost(ministry.pk, now=now), adversary_records(ministry.pk, now)),
            (for_public(now=now)[0], adversary_records(None, now)),
        ):
            outcome_cells = {
                c: v
                for c, v in shown.cells.items()
                if c[0] in ANSWER_MEASURES or c[0].startswith("market=")
            }
            for cell, value in outcome_cells.items():
                if cell not in shown.hidden:
                    assert value == 0 or value >= 5, cell
            assert pinned(shown, records) == set()
        transaction.set_rollback(True)

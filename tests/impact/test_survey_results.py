"""A session's survey results on its page of figures: per question a table of counts (and the
same numbers for a chart), markets considered, the net promoter score and its groups, the
comments with their language; for co-hosts, small numbers hidden, no NPS under 5 answers and
only the comments of those who agreed to share with them; never another session's answers."""

import csv
import io
import json
import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from outreach.models import AuditAction, AuditEntry, CohostRole, OrganisationKind, Role
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


def held_session(*, cohosts=(), **fields):
    starts_at = (timezone.now() - timedelta(days=10)).replace(minute=0, second=0, microsecond=0)
    session = SessionFactory(starts_at=starts_at, **fields)
    session.cohosts.set(cohosts)
    return session


def respond(session, *, shares_with=(), anonymous=False, language="en", **answers) -> Registration:
    """An attendee of a new Chilean firm answers the default survey: answers by question code
    (a number, True or False, a list of choice codes, or words)."""
    firm = FirmFactory(economy=economy("CL"))
    registration = RegistrationFactory(
        session=session,
        person=UserFactory(organisation=firm),
        attended=True,
        shares_with_cohosts=bool(shares_with),
        shared_with=list(shares_with),
    )
    survey = Survey.objects.get(slug="impact")
    response = SurveyResponse.objects.create(
        survey=survey,
        session=session,
        registration=None if anonymous else registration,
        economy=firm.economy,
        organisation_kind=firm.kind,
        size_band=firm.size_band,
        language=language,
    )
    for code, value in answers.items():
        question = survey.questions.get(code=code)
        if isinstance(value, bool):
            Answer.objects.create(response=response, question=question, boolean=value)
        elif isinstance(value, int):
            Answer.objects.create(response=response, question=question, number=value)
        elif isinstance(value, list):
            answer = Answer.objects.create(response=response, question=question)
            answer.choices.set(question.choices.filter(code__in=value))
        else:
            Answer.objects.create(response=response, question=question, text=value)
    return registration


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def table_rows(content: str, table_id: str) -> dict[str, str]:
    """A question's table as {answer: count}."""
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', content, re.S).group(0)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    return {
        text(heading): text(cell)
        for heading, cell in re.findall(r"<th[^>]*>(.*?)</th><td[^>]*>(.*?)</td>", body, re.S)
    }


def figure(content: str, name: str) -> str:
    return text(re.search(rf'data-figure="{name}">(.*?)</dd>', content, re.S).group(1))


def comments(content: str) -> list[str]:
    return [text(c) for c in re.findall(r"<blockquote[^>]*>(.*?)</blockquote>", content, re.S)]


def cohost_member(organisation):
    return UserFactory(role=Role.COHOST, cohost_role=CohostRole.VIEWER, organisation=organisation)


def analyst():
    return OrganiserFactory(role=Role.ANALYST)


def page(client, session):
    response = client.get(reverse("impact:session", args=[session.pk]))
    assert response.status_code == 200
    return response.content.decode()


RECOMMEND = [10, 10, 9, 8, 5, 3]  # 3 promoters, 1 passive, 2 detractors: NPS +17


@pytest.fixture
def sessions():
    """Session A has six answers; session B, the same day, five others that must not leak."""
    ministry = OrganisationFactory(name="Ministry A", kind=OrganisationKind.GOVERNMENT)
    session_a = held_session(cohosts=[ministry], title="Session A")
    session_b = held_session(title="Session B")
    for n, score in enumerate(RECOMMEND):
        respond(
            session_a,
            recommend=score,
            satisfaction=5 if n < 4 else 2,
            simplifies_market_research=n < 5,
            markets_considered=["asia", "europe"] if n < 2 else ["africa"],
        )
    for _n in range(5):
        respond(session_b, recommend=0, satisfaction=1, markets_considered=["oceania"])
    return {"ministry": ministry, "a": session_a, "b": session_b}


def test_staff_read_each_questions_counts_of_that_session_only(client, sessions):
    client.force_login(analyst())

    content = page(client, sessions["a"])

    assert table_rows(content, "table-question-satisfaction") == {
        "1 (not at all)": "0",
        "2": "2",
        "3": "0",
        "4": "0",
        "5 (completely)": "4",
    }
    assert table_rows(content, "table-question-markets_considered") == {
        "Africa": "4",
        "Americas": "0",
        "Asia": "2",
        "Europe": "2",
        "Oceania": "0",
    }
    assert table_rows(content, "table-question-simplifies_market_research") == {
        "Yes": "5",
        "No": "1",
    }
    recommend = table_rows(content, "table-question-recommend")
    assert recommend["0 (not at all likely)"] == "0"  # session B's five zeros stay there
    assert recommend["10 (extremely likely)"] == "2"
    assert (figure(content, "nps"), figure(content, "promoters")) == ("+17", "3")
    assert (figure(content, "passives"), figure(content, "detractors")) == ("1", "2")
    assert 'id="chart-question-recommend"' in content  # the chart's data, drawn by script


def test_a_cohost_sees_small_counts_hidden_and_no_score_under_five_answers(client):
    ministry = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)
    session = held_session(cohosts=[ministry])
    for score in (10, 9, 2):
        respond(session, recommend=score, satisfaction=4)
    client.force_login(cohost_member(ministry))

    content = page(client, session)

    assert figure(content, "nps") == "—"
    assert table_rows(content, "table-question-recommend")["10 (extremely likely)"] == "hidden"
    assert set(table_rows(content, "table-question-satisfaction").values()) <= {"0", "hidden"}
    assert "Not shown under 5 answers." in content


def test_a_cohost_reads_a_score_over_enough_answers(client):
    ministry = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)
    session = held_session(cohosts=[ministry])
    for _n in range(6):
        respond(session, recommend=10)
    client.force_login(cohost_member(ministry))

    content = page(client, session)

    assert figure(content, "nps") == "+100"
    assert table_rows(content, "table-question-recommend")["10 (extremely likely)"] == "6"


def test_a_cohost_of_another_organisation_gets_404(client, sessions):
    client.force_login(cohost_member(OrganisationFactory(kind=OrganisationKind.GOVERNMENT)))

    response = client.get(reverse("impact:session", args=[sessions["a"].pk]))

    assert response.status_code == 404


def test_comments_show_their_language_and_only_those_shared_with_a_cohost(client):
    ministry = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)
    other = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)
    session = held_session(cohosts=[ministry, other])
    respond(session, shares_with=[ministry], language="es", comments="Muy útil")
    respond(session, shares_with=[other], comments="Shared with the other ministry")
    respond(session, comments="Not shared")
    respond(session, shares_with=[ministry], anonymous=True, comments="Anonymous")
    respond(session, comments="   ")
    respond(held_session(cohosts=[ministry]), shares_with=[ministry], comments="Other session")

    client.force_login(analyst())
    staff = page(client, session)
    client.force_login(cohost_member(ministry))
    cohost = page(client, session)

    assert comments(staff) == [
        "Muy útil",
        "Shared with the other ministry",
        "Not shared",
        "Anonymous",
    ]
    assert '<blockquote class="mb-1" lang="es">' in staff
    assert "Spanish" in text(staff)
    assert comments(cohost) == ["Muy útil"]
    assert "Export the comments" not in cohost


def test_staff_export_the_comments_as_csv_with_an_audit_entry(client, sessions):
    respond(sessions["a"], language="fr", comments="Très utile")
    respond(sessions["b"], comments="Elsewhere")
    user = analyst()
    client.force_login(user)
    link = re.search(r'href="([^"]*comments\.csv[^"]*)"', page(client, sessions["a"])).group(1)

    response = client.get(unescape(link))

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][-3:] == ["Language of the response", "Question", "Text"]
    assert [row[-3:] for row in rows[1:]] == [["French", "Any comments?", "Très utile"]]
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT_DOWNLOADED)
    assert (entry.actor, entry.details["export"]) == (user, "impact-comments")


def test_a_cohost_cannot_export_comments(client, sessions):
    client.force_login(cohost_member(sessions["ministry"]))

    response = client.get(
        reverse("impact:export-rows", args=["comments", "csv"]), {"session": sessions["a"].pk}
    )

    assert response.status_code in (403, 404)
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT_DOWNLOADED).exists()


def test_markets_considered_are_a_map_with_enough_answers(client, sessions):
    client.force_login(analyst())

    content = page(client, sessions["a"])

    data = re.search(
        r'<script id="map-question-markets_considered" type="application/json">(.*?)</script>',
        content,
        re.S,
    ).group(1)
    economies = {e["numeric"]: (e["name"], e["value"]) for e in json.loads(data)["economies"]}
    assert (economies["404"], economies["156"], economies["250"]) == (
        ("Africa", 4),  # Kenya
        ("Asia", 2),  # China
        ("Europe", 2),  # France
    )
    assert "076" not in economies  # Brazil: the Americas were not chosen


def test_markets_considered_have_no_map_under_five_answers(client):
    session = held_session()
    for _n in range(4):
        respond(session, markets_considered=["asia"])
    client.force_login(analyst())

    content = page(client, session)

    assert table_rows(content, "table-question-markets_considered")["Asia"] == "4"
    assert "map-question-markets_considered" not in content

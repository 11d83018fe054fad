"""Realised outcomes: what the outcome survey (registrations.outcome_survey), asked months after
an organisation's first session of a series, says happened since.

Definitions (the same on every page, in every export and in the tests):
- organisations asked: outcome survey invitations (one per organisation, series and period),
  of held sessions in the figures: the invitation's session is the one that opened the period
  (its registration), and the filters on the organisation read that registration's facts;
- organisations answering: responses to an outcome survey (any version: the figures read the
  standard questions by code, never by id), with the facts the response kept; a response
  whose registration was erased still counts;
- response rate: answering / asked, in every cell;
- exported since, found a buyer or partner: the share of yes among the answers to
  exported_since, found_partner;
- contribution: the count and share of each answer to contribution (not at all, somewhat, a
  lot) among its answers;
- new markets: the distinct economies named in export_markets, and per economy the number of
  responses naming it.
A session's quarter, language and series are those of the session that opened the period.

Everything is counted from one list of records (one per invitation, one per response, read in
four queries whatever their number) by impact.suppression.tabulate, so that programme staff's
figures and the cells an outside audience's rule protects (impact.outside) are the same counts.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import cached_property

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, F, Q, Value

from events.models import Session
from impact.filters import ImpactFilters
from impact.queries import Audience, _facts_filter, held_sessions
from impact.suppression import Measure, Relation, Tables, key, split_relations, tabulate
from outreach.periods import quarter_key, session_quarter
from registrations.models import (
    Answer,
    RegistrationStatus,
    SurveyInvitation,
    SurveyPurpose,
    SurveyResponse,
)

YES_NO = ("exported_since", "found_partner")
CONTRIBUTION = ("not_at_all", "somewhat", "a_lot")
MARKETS = "export_markets"
CODES = (*YES_NO, "contribution", MARKETS)

# The dimensions of the breakdowns: of the organisation (as it was), and of the session that
# opened the period. A session may have several co-hosts: by co-host, a row per co-host.
DIMENSIONS = (
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
# What an outside audience reads: the headline, one economy's and one session's, and each
# breakdown but by co-host (a co-host reads its own sessions only; rows of several co-hosts of
# one session would not add up).
OUTSIDE_DIMENSIONS = tuple(d for d in DIMENSIONS if d != "cohost")
OUTSIDE_MARGINALS = ((), *((d,) for d in OUTSIDE_DIMENSIONS), ("session",))
PUBLIC_MARGINALS = ((),)
MARKET_MARGINALS = ((), ("economy",), ("session",))


def _yes(code):
    return Measure(lambda r: r[code] is True)


def _no(code):
    return Measure(lambda r: r[code] is False)


def _answered(code):
    return Measure(lambda r: r[code] is not None)


def _said(value):
    return Measure(lambda r: r["contribution"] == value)


MEASURES = {
    "outcome_asked": Measure(lambda r: r["asked"]),
    "outcome_answered": Measure(lambda r: r["answered"]),
    **{f"{code}_answers": _answered(code) for code in YES_NO},
    **{f"{code}_yes": _yes(code) for code in YES_NO},
    **{f"{code}_no": _no(code) for code in YES_NO},
    "contribution_answers": _answered("contribution"),
    **{f"contribution={value}": _said(value) for value in CONTRIBUTION},
    "markets_answers": Measure(lambda r: bool(r["markets"])),
}
NOT_ANSWERED = "outcome_not_answered"  # asked minus answering: shown nowhere, ties them


def market_measure(code: str) -> str:
    return f"market={code}"


# --- The records -------------------------------------------------------------------------------


def _invitations(session_ids: list[int], filters: ImpactFilters):
    # Those whose registration is one of `_registrations_of(session_ids, filters)`, written as
    # conditions on the joined registration: PostgreSQL then reads the invitations and finds
    # each one's registration by its key, where a semi-join read every registration.
    return SurveyInvitation.objects.filter(
        _on_registration(
            Q(session_id__in=session_ids)
            & ~Q(status=RegistrationStatus.CANCELLED)
            & _facts_filter(filters)
        ),
        survey__purpose=SurveyPurpose.OUTCOME,
    )


def _on_registration(condition: Q) -> Q:
    """The condition on a registration as a condition on an invitation's registration."""
    prefixed = Q()
    prefixed.connector, prefixed.negated = condition.connector, condition.negated
    prefixed.children = [
        _on_registration(child) if isinstance(child, Q) else (f"registration__{child[0]}", child[1])
        for child in condition.children
    ]
    return prefixed


def _invitation_records(session_ids: list[int], filters: ImpactFilters) -> list[dict]:
    rows = (
        _invitations(session_ids, filters)
        .values(
            o_session=F("registration__session_id"),
            o_starts_at=F("registration__session__starts_at"),
            o_time_zone=F("registration__session__time_zone"),
            o_language=F("registration__session__language"),
            o_series=F("registration__session__series__slug"),
            o_economy=F("registration__economy_id"),
            o_region=F("registration__economy__region"),
            o_size=F("registration__size_band"),
            o_kind=F("registration__organisation_kind"),
            o_women_led=F("registration__women_led"),
            o_youth_led=F("registration__youth_led"),
        )
        .order_by("pk")
    )
    return [_record(row, asked=True) for row in rows]


def _responses(session_ids: list[int], filters: ImpactFilters):
    return SurveyResponse.objects.filter(
        survey__purpose=SurveyPurpose.OUTCOME, session_id__in=session_ids
    ).filter(_facts_filter(filters))


def _response_records(session_ids: list[int], filters: ImpactFilters) -> list[dict]:
    responses = _responses(session_ids, filters)
    rows = responses.values(
        "pk",
        o_session=F("session_id"),
        o_starts_at=F("session__starts_at"),
        o_time_zone=F("session__time_zone"),
        o_language=F("session__language"),
        o_series=F("session__series__slug"),
        o_economy=F("economy_id"),
        o_region=F("economy__region"),
        o_size=F("size_band"),
        o_kind=F("organisation_kind"),
        o_women_led=F("women_led"),
        o_youth_led=F("youth_led"),
    ).order_by("pk")
    answers = defaultdict(dict)
    for response_id, code, boolean, choice in Answer.objects.filter(
        response__in=responses, question__code__in=(*YES_NO, "contribution")
    ).values_list("response_id", "question__code", "boolean", "choices__code"):
        if code in YES_NO:
            answers[response_id][code] = boolean
        elif choice in CONTRIBUTION:
            answers[response_id][code] = choice
    markets = defaultdict(set)
    for response_id, economy in Answer.economies.through.objects.filter(
        answer__response__in=responses, answer__question__code=MARKETS
    ).values_list("answer__response_id", "economy_id"):
        markets[response_id].add(economy)
    return [
        _record(row, answered=True, answers=answers[row["pk"]], markets=markets[row["pk"]])
        for row in rows
    ]


def _record(row: dict, *, asked=False, answered=False, answers=None, markets=()) -> dict:
    answers = answers or {}
    return {
        "session": row["o_session"],
        # The quarter by the one rule (outreach.periods), as every other figure has it.
        "quarter": quarter_key(*session_quarter(row["o_starts_at"], row["o_time_zone"])),
        "language": row["o_language"],
        "series": row["o_series"] or "",
        "economy": row["o_economy"] or "",
        "region": row["o_region"] or "",
        "size": row["o_size"] or "",
        "kind": row["o_kind"] or "",
        "women_led": bool(row["o_women_led"]),
        "youth_led": bool(row["o_youth_led"]),
        "asked": asked,
        "answered": answered,
        "exported_since": answers.get("exported_since"),
        "found_partner": answers.get("found_partner"),
        "contribution": answers.get("contribution"),
        "markets": frozenset(markets),
    }


def records_of(session_ids: list[int], filters: ImpactFilters) -> list[dict]:
    """One record per outcome invitation and per outcome response of these held sessions, as
    the filters on the organisation keep them (four queries whatever their number)."""
    return _invitation_records(session_ids, filters) + _response_records(session_ids, filters)


class OutcomeRecords(Sequence):
    """The records (`records_of`) of some held sessions, read only when they are used as a
    list: programme staff's figures and breakdowns (`staff_figures`, `staff_breakdown`) count
    the same cells in SQL instead (`_grouped_counts`), without reading a record."""

    def __init__(self, session_ids: list[int], filters: ImpactFilters):
        self.session_ids = session_ids
        self.filters = filters
        self._cells = {}  # marginal (a dimension or None) → cells
        self._grouped = {}  # what SQL grouped by (a fact, the session or None) → its counts

    @cached_property
    def records(self) -> list[dict]:
        return records_of(self.session_ids, self.filters)

    def __getitem__(self, index):
        return self.records[index]

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self):
        return iter(self.records)

    def __eq__(self, other) -> bool:
        return self.records == list(other)

    __hash__ = None

    def cells(self, by: str | None) -> dict:
        if by not in self._cells:
            # The breakdowns by quarter, language, series and co-host share one count per
            # session.
            field = _group_field(by)
            if field not in self._grouped:
                self._grouped[field] = _grouped_counts(self.session_ids, self.filters, field)
            self._cells[by] = _cells_of(by, *self._grouped[field])
        return self._cells[by]


def outcome_records(
    filters: ImpactFilters, audience: Audience, *, now: datetime | None = None
) -> OutcomeRecords:
    """The records (`records_of`) of the held sessions in the figures (read when used)."""
    session_ids = list(held_sessions(filters, audience, now=now).values_list("pk", flat=True))
    return OutcomeRecords(session_ids, filters)


# --- Programme staff's counts in SQL -------------------------------------------------------------

# What a record's dimension is grouped by in SQL: a fact the invitation's registration or the
# response kept, or the session (its quarter, language, series and co-hosts are then read per
# session).
_FACT_FIELDS = {
    "economy": "economy_id",
    "region": "economy__region",
    "size": "size_band",
    "women_led": "women_led",
    "youth_led": "youth_led",
}
_BOOLEAN_DIMENSIONS = ("women_led", "youth_led")
# The columns of the responses' counts, in _RESPONSE_COUNTS' order.
_RESPONSE_MEASURES = (
    "outcome_answered",
    *(f"{code}_{what}" for code in YES_NO for what in ("answers", "yes", "no")),
    "contribution_answers",
    *(f"contribution={value}" for value in CONTRIBUTION),
    "markets_answers",
)
# Each response's answers, one row per response answering any of them (a question read by its
# code whatever the survey's version, as `_response_records` reads them).
_ANSWERS = """
SELECT answer.response_id AS response_id,
    {yes_no},
    MAX(CASE WHEN question.code = 'contribution' AND choice.code IN ({contribution})
        THEN choice.code END) AS contribution,
    MAX(CASE WHEN question.code = '{markets}' AND market.economy_id IS NOT NULL THEN 1 ELSE 0 END)
        AS has_markets
FROM registrations_answer answer
JOIN registrations_question question ON question.id = answer.question_id
LEFT JOIN registrations_answer_choices answer_choice
    ON answer_choice.answer_id = answer.id AND question.code = 'contribution'
LEFT JOIN registrations_choice choice ON choice.id = answer_choice.choice_id
LEFT JOIN registrations_answer_economies market
    ON market.answer_id = answer.id AND question.code = '{markets}'
WHERE question.code IN ({codes})
    AND answer.response_id IN (SELECT response.rid FROM ({responses}) response)
GROUP BY answer.response_id
"""
_YES_NO_COLUMN = (
    "MAX(CASE WHEN question.code = '{code}' THEN"
    " (CASE WHEN answer.boolean THEN 1 WHEN NOT answer.boolean THEN 0 END) END) AS {code}"
)
_RESPONSE_COUNTS = """
SELECT response.g, COUNT(*),
    {yes_no},
    SUM(CASE WHEN answers.contribution IS NOT NULL THEN 1 ELSE 0 END),
    {contribution},
    SUM(CASE WHEN answers.has_markets = 1 THEN 1 ELSE 0 END)
FROM ({responses}) response
LEFT JOIN ({answers}) answers ON answers.response_id = response.rid
GROUP BY response.g
"""
_YES_NO_COUNTS = (
    "SUM(CASE WHEN answers.{code} IS NOT NULL THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN answers.{code} = 1 THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN answers.{code} = 0 THEN 1 ELSE 0 END)"
)
_MARKET_COUNTS = """
SELECT response.g, market.economy_id, COUNT(DISTINCT response.rid)
FROM ({responses}) response
JOIN registrations_answer answer ON answer.response_id = response.rid
JOIN registrations_question question ON question.id = answer.question_id
JOIN registrations_answer_economies market ON market.answer_id = answer.id
WHERE question.code = '{markets}'
GROUP BY response.g, market.economy_id
"""


def _group_field(by: str | None) -> str | None:
    if by is None:
        return None
    return _FACT_FIELDS.get(by, "session_id")


def _grouped_counts(session_ids: list[int], filters: ImpactFilters, field: str | None):
    """({group: {measure: count}}, {group: {market: count}}), grouped in SQL by `field` of the
    invitation's registration and of the response (None: everything in one group), in three
    queries whatever the number of records. `_cells_of` makes them the cells
    `outcome_tables(records, [(by,)], [(by,)])` counts (or [()]) that programme staff read."""
    group = F(field) if field else Value(0)
    counts = defaultdict(lambda: defaultdict(int))  # group → measure → count
    invitations = (
        _invitations(session_ids, filters)
        .values(g=F(f"registration__{field}") if field else Value(0))
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in invitations:
        counts[row["g"]]["outcome_asked"] += row["n"]
    try:
        responses_sql, params = (
            _responses(session_ids, filters).values(rid=F("pk"), g=group).order_by().query
        ).sql_with_params()
    except EmptyResultSet:  # no held session, or a filter no economy meets: no response
        return counts, {}
    answers = _ANSWERS.format(
        yes_no=", ".join(_YES_NO_COLUMN.format(code=code) for code in YES_NO),
        contribution=", ".join(f"'{value}'" for value in CONTRIBUTION),
        markets=MARKETS,
        codes=", ".join(f"'{code}'" for code in CODES),
        responses=responses_sql,
    )
    statement = _RESPONSE_COUNTS.format(
        yes_no=", ".join(_YES_NO_COUNTS.format(code=code) for code in YES_NO),
        contribution=", ".join(
            f"SUM(CASE WHEN answers.contribution = '{value}' THEN 1 ELSE 0 END)"
            for value in CONTRIBUTION
        ),
        responses=responses_sql,
        answers=answers,
    )
    market_counts = defaultdict(lambda: defaultdict(int))  # group → market → count
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, *params])
        for g, *values in cursor.fetchall():
            for measure, value in zip(_RESPONSE_MEASURES, values, strict=True):
                counts[g][measure] += int(value or 0)
        cursor.execute(_MARKET_COUNTS.format(responses=responses_sql, markets=MARKETS), params)
        for g, market, n in cursor.fetchall():
            market_counts[g][market] += n
    return counts, market_counts


def _cells_of(by: str | None, counts: dict, market_counts: dict) -> dict:
    """The cells of the counts per SQL group (`_grouped_counts`) per value of `by`: every
    measure of MEASURES for each value a record has (0 where none counts), and each market
    named with its count."""
    values_of = _dimension_values(by, set(counts))
    cells = {}
    for g, measures in counts.items():
        for value in values_of(g):
            dims = {by: value} if by else {}
            for measure in MEASURES:
                cell = key(measure, **dims)
                cells[cell] = cells.get(cell, 0) + measures.get(measure, 0)
            for market, n in market_counts.get(g, {}).items():
                cell = key(market_measure(market), **dims)
                cells[cell] = cells.get(cell, 0) + n
    return cells


def _dimension_values(by: str | None, groups: set):
    """A function from a SQL group (a fact, a session id) to the values of `by` it counts for,
    as `_record` (and `with_cohosts`) give them."""
    if by is None:
        return lambda g: [None]
    if by in _BOOLEAN_DIMENSIONS:
        return lambda g: [bool(g)]
    if by in _FACT_FIELDS:
        return lambda g: [g or ""]
    if by == "cohost":
        cohosts = defaultdict(list)
        for session_id, organisation_id in Session.cohosts.through.objects.filter(
            session_id__in=groups
        ).values_list("session_id", "organisation_id"):
            cohosts[session_id].append(organisation_id)
        return lambda g: cohosts.get(g) or [""]
    of_session = {}
    for pk, starts_at, time_zone, language, series in Session.objects.filter(
        pk__in=groups
    ).values_list("pk", "starts_at", "time_zone", "language", "series__slug"):
        of_session[pk] = {
            "quarter": quarter_key(*session_quarter(starts_at, time_zone)),
            "language": language,
            "series": series or "",
        }[by]
    return lambda g: [of_session[g]]


def with_cohosts(records: list[dict]) -> list[dict]:
    """The records once per co-host of their session ("" for none), for the breakdown by
    co-host (one query)."""
    cohosts = defaultdict(list)
    for session_id, organisation_id in (
        Session.cohosts.through.objects.filter(session_id__in={r["session"] for r in records})
        .order_by("organisation_id")
        .values_list("session_id", "organisation_id")
    ):
        cohosts[session_id].append(organisation_id)
    return [
        {**record, "cohost": cohost}
        for record in records
        for cohost in (cohosts.get(record["session"]) or [""])
    ]


def markets(cells, hidden, **dims) -> list[tuple[str, int | None]]:
    """The markets named within these dimensions, {code: count (None where hidden)}, most named
    first (hidden ones last: sorted by their true count they would tell it), then by code."""
    wanted = key("outcome_asked", **dims)[1]
    found = []
    for cell, count in cells.items():
        if cell[0].startswith("market=") and cell[1] == wanted and count:
            found.append((cell[0].removeprefix("market="), None if cell in hidden else count))
    return sorted(found, key=lambda item: (item[1] is None, -(item[1] or 0), item[0]))


# --- The tables ----------------------------------------------------------------------------------


def outcome_tables(records: list[dict], marginals, market_marginals) -> Tables:
    """Every outcome count over these marginals, related as they add up: over the dimensions
    (every count is of invitations or responses, so each adds up over every dimension, series
    over its sessions too), answering and not answering, yes and no, the three contributions.
    The counts per market add up to nothing (a response may name several)."""
    tables = tabulate(records, MEASURES, marginals)
    markets = sorted({m for r in records for m in r["markets"]})
    if markets:
        tables.merge(
            tabulate(
                records,
                {
                    market_measure(code): Measure(lambda r, code=code: code in r["markets"])
                    for code in markets
                },
                market_marginals,
            )
        )
    for cell in [c for c in tables.cells if c[0] == "outcome_asked"]:
        answered = ("outcome_answered", cell[1])
        rest = tables.cells[cell] - tables.cells.get(answered, 0)
        if answered in tables.cells and rest >= 0:
            tables.cells[(NOT_ANSWERED, cell[1])] = rest
            tables.unpublished.add((NOT_ANSWERED, cell[1]))
            tables.relations.append(Relation(cell, (answered, (NOT_ANSWERED, cell[1]))))
    for code in YES_NO:
        tables.relations += split_relations(
            tables, f"{code}_answers", (f"{code}_yes", f"{code}_no")
        )
    tables.relations += split_relations(
        tables, "contribution_answers", tuple(f"contribution={v}" for v in CONTRIBUTION)
    )
    # A series is its sessions.
    marginals = {tuple(sorted(m)) for m in marginals}
    if ("series",) in marginals and ("session",) in marginals:
        series_of = {r["session"]: r["series"] for r in records}
        for cell in [c for c in tables.cells if dict(c[1]).keys() == {"series"}]:
            series = dict(cell[1])["series"]
            parts = tuple(
                key(cell[0], session=session)
                for session in sorted(series_of)
                if series_of[session] == series and key(cell[0], session=session) in tables.cells
            )
            if parts:
                tables.relations.append(Relation(cell, parts))
    return tables


# --- Reading the figures ------------------------------------------------------------------------


def _share(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return round(part / whole, 4)


def figures_from(value, shows, **dims) -> dict:
    """The outcome figures of one cell: `value(measure, **dims)` gives a count (None where
    hidden), `shows(measure, **dims)` whether it is shown. A share is None when either count
    it rests on (or what it leaves) is hidden."""
    asked = value("outcome_asked", **dims)
    answered = value("outcome_answered", **dims)
    figures = {
        "outcome_asked": asked,
        "outcome_answered": answered,
        "outcome_response_rate": _share(answered, asked),
    }
    for code in YES_NO:
        answers = value(f"{code}_answers", **dims)
        yes = value(f"{code}_yes", **dims)
        figures[f"{code}_answers"] = answers
        figures[f"{code}_share"] = _share(yes, answers) if shows(f"{code}_no", **dims) else None
    answers = value("contribution_answers", **dims)
    figures["contribution_answers"] = answers
    for choice in CONTRIBUTION:
        count = value(f"contribution={choice}", **dims)
        figures[f"contribution_{choice}"] = count
        figures[f"contribution_{choice}_share"] = _share(count, answers)
    figures["markets_answers"] = value("markets_answers", **dims)
    return figures


def _reader(cells: dict):
    """A staff reader of counts: every count shown, 0 where nothing is counted."""
    return (lambda measure, **dims: cells.get(key(measure, **dims), 0)), (
        lambda measure, **dims: True
    )


def staff_figures(records: list[dict]) -> dict:
    """Programme staff's realised outcomes over these records (`outcome_records`), with the
    markets named ([(code, count)], most named first) and how many they are."""
    if isinstance(records, OutcomeRecords):
        cells = records.cells(None)
    else:
        cells = outcome_tables(records, [()], [()]).cells
    figures = figures_from(*_reader(cells))
    figures["markets"] = markets(cells, frozenset())
    figures["new_markets"] = len(figures["markets"])
    return figures


def staff_breakdown(records: list[dict], by: str) -> list[dict]:
    """Programme staff's realised outcomes per value of `by`, most organisations asked first
    (quarters in time order)."""
    if by not in DIMENSIONS:
        raise ValueError(f"Cannot break down outcomes by {by!r}.")
    if isinstance(records, OutcomeRecords):
        cells = records.cells(by)
    else:
        if by == "cohost":
            records = with_cohosts(records)
        cells = outcome_tables(records, [(by,)], [(by,)]).cells
    value, shows = _reader(cells)
    keys = dict.fromkeys(dict(c[1])[by] for c in cells if c[0] == "outcome_asked")
    keys.update(dict.fromkeys(dict(c[1])[by] for c in cells if c[0] == "outcome_answered"))
    rows = [{"key": k, **figures_from(value, shows, **{by: k})} for k in keys]
    if by == "quarter":
        return sorted(rows, key=lambda row: row["key"])
    return sorted(
        rows,
        key=lambda row: (-row["outcome_asked"], -row["outcome_answered"], str(row["key"])),
    )

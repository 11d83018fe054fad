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
from datetime import datetime

from django.db.models import F

from events.models import Session
from impact.filters import ImpactFilters
from impact.queries import Audience, _facts_filter, _registrations_of, held_sessions
from impact.suppression import Measure, Relation, Tables, key, split_relations, tabulate
from outreach.periods import quarter_key, session_quarter
from registrations.models import (
    Answer,
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


def _invitation_records(session_ids: list[int], filters: ImpactFilters) -> list[dict]:
    rows = (
        SurveyInvitation.objects.filter(
            survey__purpose=SurveyPurpose.OUTCOME,
            registration__in=_registrations_of(session_ids, filters),
        )
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


def outcome_records(
    filters: ImpactFilters, audience: Audience, *, now: datetime | None = None
) -> list[dict]:
    """The records (`records_of`) of the held sessions in the figures."""
    session_ids = list(held_sessions(filters, audience, now=now).values_list("pk", flat=True))
    return records_of(session_ids, filters)


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

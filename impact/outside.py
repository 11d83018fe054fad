"""What outside audiences see, read once and protected once (impact.suppression).

Every page and file a co-host member reads (the impact dashboard and its drill-downs to an
economy and a session, the workspace's session list, session page and registrants file) and the
public reach page pick their numbers from one `Protected` object per audience, built here from
all that audience can see at once. So a cell hidden on one page is hidden on every page, and no
page shows what would reveal a cell hidden on another.

Outside audiences read the figures without filters: every filter is another table (a period
minus a shorter period, an economy's firms minus its micro firms) and differences of such
tables would pin cells the rule hides. Programme staff keep every filter and exact numbers.

Pages ask one way, whoever reads: `Figures(audience)` gives the headline figures and the
breakdowns as that audience may see them (staff's straight from impact.queries, an outside
audience's from its Protected counts, None where hidden).
"""

from collections import defaultdict
from dataclasses import replace
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from events.models import Session
from impact import completions, outcomes
from impact.filters import ImpactFilters
from impact.queries import (
    NPS_GROUPS,
    Audience,
    breakdown,
    headline_figures,
    held_sessions,
    question_values,
    survey_answer_records,
    survey_questions,
    survey_results,
)
from impact.suppression import (
    Measure,
    Protected,
    Relation,
    Tables,
    key,
    protected,
    split_relations,
    tabulate,
)
from outreach.models import Economy, OrganisationKind, SizeBand
from outreach.periods import quarter_key, session_quarter
from registrations.models import Answer, Registration, RegistrationStatus, SurveyPurpose
from registrations.permissions import shared_with_cohost

FIRM = OrganisationKind.FIRM


def _firm(record: dict) -> bool:
    return record["kind"] == FIRM


# The counts of the tables (every breakdown's columns) and of the headlines.
COUNTS = {
    "registrations": Measure(lambda r: 1),
    "attendees": Measure(lambda r: r["attended"]),
    "organisations": Measure(lambda r: r["org"], distinct=True),
    "firms": Measure(lambda r: r["org"] if _firm(r) else None, distinct=True),
}
HEADLINE_COUNTS = {
    "women_led": Measure(lambda r: r["org"] if _firm(r) and r["women_led"] else None, True),
    "youth_led": Measure(lambda r: r["org"] if _firm(r) and r["youth_led"] else None, True),
    "micro": Measure(
        lambda r: r["org"] if _firm(r) and r["size"] == SizeBand.MICRO else None, True
    ),
    "confirmed_attendees": Measure(
        lambda r: r["status"] == RegistrationStatus.CONFIRMED and bool(r["attended"])
    ),
    "confirmed_absent": Measure(
        lambda r: r["status"] == RegistrationStatus.CONFIRMED and not r["attended"]
    ),
    # Shown nowhere, but registrations are those who attended and those who did not, and
    # each of them confirmed or waitlisted: these tie the shown counts together.
    "waitlisted_attendees": Measure(
        lambda r: r["status"] == RegistrationStatus.WAITLISTED and bool(r["attended"])
    ),
    "waitlisted_absent": Measure(
        lambda r: r["status"] == RegistrationStatus.WAITLISTED and not r["attended"]
    ),
}
UNPUBLISHED = ("absent", "waitlisted_attendees", "waitlisted_absent")
KNOWN = frozenset(
    {
        "registrations",
        "confirmed",
        "waitlisted",
        "via_link",
        "direct",
        "organisations",
        "firms",
        "micro",
        "other_than_micro",
    }
)
# Shares on headlines: (share, counted part, the rest of the whole, the whole).
SHARES = {
    "women_led_share": ("women_led", "other_than_women_led", "firms"),
    "youth_led_share": ("youth_led", "other_than_youth_led", "firms"),
    "micro_share": ("micro", "other_than_micro", "firms"),
}
YES_NO = ("simplifies_market_research", "informs_export_decision")
AVERAGES = ("satisfaction", "recommend")
WORKSPACE_COUNTS = {
    "registrations": COUNTS["registrations"],
    "confirmed": Measure(lambda r: r["status"] == RegistrationStatus.CONFIRMED),
    "waitlisted": Measure(lambda r: r["status"] == RegistrationStatus.WAITLISTED),
    "via_link": Measure(lambda r: r["via_link"]),
}
# The marginals a co-host reads: the dashboard's breakdowns, an economy's page (its breakdowns
# and sessions), a session's page (its breakdowns); headlines over all, an economy, a session.
BREAKDOWNS = (
    ("economy",),
    ("region",),
    ("quarter",),
    ("language",),
    ("size",),
    ("kind",),
    ("session",),
    ("economy", "quarter"),
    ("economy", "language"),
    ("economy", "size"),
    ("economy", "kind"),
    ("economy", "session"),
    ("region", "session"),
    ("session", "size"),
    ("kind", "session"),
)
HEADLINES = ((), ("economy",), ("session",))
WORKSPACE = (("session",), ("economy", "session"), ("session", "size"), ("kind", "session"))
SESSION_ONLY = ("confirmed", "waitlisted", "via_link")  # the workspace's list of sessions


def _registration_records(registrations, organisation_id: int | None) -> list[dict]:
    rows = registrations.values(
        "pk",
        "session_id",
        "session__starts_at",
        "session__time_zone",
        "session__language",
        "economy_id",
        "economy__region",
        "size_band",
        "organisation_kind",
        "organisation_id",
        "women_led",
        "youth_led",
        "attended",
        "status",
        "source_organisation_id",
        "person_id",
    )
    shared = set()
    if organisation_id is not None:
        shared = set(
            registrations.filter(shared_with_cohost(organisation_id)).values_list("pk", flat=True)
        )
    records = []
    for row in rows:
        records.append(
            {
                "session": row["session_id"],
                # The quarter by the one rule (outreach.periods), as staff's breakdowns have it.
                "quarter": quarter_key(
                    *session_quarter(row["session__starts_at"], row["session__time_zone"])
                ),
                "language": row["session__language"],
                "economy": row["economy_id"] or "",
                "region": row["economy__region"] or "",
                "size": row["size_band"] or "",
                "kind": row["organisation_kind"] or "",
                "org": row["organisation_id"],
                "women_led": row["women_led"],
                "youth_led": row["youth_led"],
                "attended": bool(row["attended"]),
                "status": row["status"],
                "via_link": organisation_id is not None
                and row["source_organisation_id"] == organisation_id,
                "shared": row["pk"] in shared,
            }
        )
    return records


def _survey_records(session_ids: list[int]) -> list[dict]:
    answers = (
        Answer.objects.filter(
            response__session_id__in=session_ids, question__code__in=(*YES_NO, *AVERAGES)
        )
        # A registration question an organiser happened to code "satisfaction" is no survey's.
        .exclude(response__survey__purpose=SurveyPurpose.REGISTRATION)
        .values(
            "question__code",
            "boolean",
            "number",
            "response__session_id",
            "response__economy_id",
        )
        .order_by("pk")
    )
    return [
        {
            "session": answer["response__session_id"],
            "economy": answer["response__economy_id"] or "",
            "question": answer["question__code"],
            "boolean": answer["boolean"],
            "number": answer["number"],
        }
        for answer in answers
    ]


SURVEY_COUNTS = {
    **{
        f"{code}_answers": Measure(
            lambda r, code=code: r["question"] == code and r["boolean"] is not None
        )
        for code in YES_NO
    },
    **{
        f"{code}_yes": Measure(lambda r, code=code: r["question"] == code and bool(r["boolean"]))
        for code in YES_NO
    },
    **{
        f"{code}_answers": Measure(
            lambda r, code=code: r["question"] == code and r["number"] is not None
        )
        for code in AVERAGES
    },
}


def _complement(tables: Tables, whole: str, part: str, rest: str) -> None:
    """Cells `rest` = `whole` - `part` wherever both are counted, related to them."""
    for cell in list(tables.cells):
        if cell[0] != part:
            continue
        whole_cell, rest_cell = (whole, cell[1]), (rest, cell[1])
        if whole_cell in tables.cells:
            tables.cells[rest_cell] = tables.cells[whole_cell] - tables.cells[cell]
            tables.relations.append(Relation(whole_cell, (cell, rest_cell)))


def _workspace(records: list[dict]) -> Tables:
    """The workspace's counts: registrations per session by economy, size and kind; confirmed,
    waitlisted and through the link per session."""
    tables = tabulate(records, {"registrations": COUNTS["registrations"]}, WORKSPACE)
    tables.merge(
        tabulate(
            records,
            {
                **{name: WORKSPACE_COUNTS[name] for name in SESSION_ONLY},
                "direct": Measure(lambda r: not r["via_link"]),
            },
            [("session",)],
        )
    )
    tables.unpublished |= {cell for cell in tables.cells if cell[0] == "direct"}
    tables.relations += split_relations(tables, "registrations", ("confirmed", "waitlisted"))
    tables.relations += split_relations(tables, "registrations", ("via_link", "direct"))
    return tables


def _impact(records: list[dict]) -> Tables:
    """The impact pages' counts over held sessions (see BREAKDOWNS and HEADLINES)."""
    tables = tabulate(
        records,
        {**COUNTS, "absent": Measure(lambda r: not r["attended"])},
        BREAKDOWNS + HEADLINES,
    )
    tables.merge(tabulate(records, HEADLINE_COUNTS, HEADLINES))
    tables.unpublished |= {cell for cell in tables.cells if cell[0] in UNPUBLISHED}
    tables.relations += split_relations(tables, "registrations", ("attendees", "absent"))
    tables.relations += split_relations(
        tables, "attendees", ("confirmed_attendees", "waitlisted_attendees")
    )
    tables.relations += split_relations(tables, "absent", ("confirmed_absent", "waitlisted_absent"))
    for part, rest, whole in SHARES.values():
        _complement(tables, whole, part, rest)
    # Firms are the organisations of kind firm, wherever the kind is a dimension; micro firms
    # the firms of size micro, wherever the size is.
    for cell in list(tables.cells):
        dims = dict(cell[1])
        if cell[0] == "organisations" and dims.get("kind") == FIRM:
            firms = key("firms", **{d: v for d, v in dims.items() if d != "kind"})
            if firms in tables.cells:
                tables.relations.append(Relation(firms, (cell,)))
        if cell[0] == "micro" and key("firms", **dims, size=SizeBand.MICRO) in tables.cells:
            tables.relations.append(Relation(cell, (key("firms", **dims, size=SizeBand.MICRO),)))
        if cell[0] == "other_than_micro":
            others = tuple(
                key("firms", **dims, size=size)
                for size in [*SizeBand.values, ""]
                if size != SizeBand.MICRO and key("firms", **dims, size=size) in tables.cells
            )
            if others:
                tables.relations.append(Relation(cell, others))
    return tables


def cohost_tables(organisation_id: int, *, now: datetime | None = None) -> tuple[Tables, dict]:
    """Every count a co-host's members can see, with the relations between them, and what
    they know person by person (`known`: the people who shared their details with it)."""
    now = now or timezone.now()
    held = set(
        held_sessions(ImpactFilters(), Audience.cohost(organisation_id), now=now).values_list(
            "pk", flat=True
        )
    )
    workspace = set(
        Session.objects.filter(
            Q(cohosts=organisation_id) | Q(proposed_by=organisation_id)
        ).values_list("pk", flat=True)
    )
    registrations = (
        Registration.objects.filter(session_id__in=held | workspace)
        .exclude(status=RegistrationStatus.CANCELLED)
        .order_by("pk")
    )
    records = _registration_records(registrations, organisation_id)

    def build(records: list[dict]) -> Tables:
        tables = _impact([r for r in records if r["session"] in held])
        tables.merge(_workspace([r for r in records if r["session"] in workspace]))
        return tables

    tables = build(records)
    survey = tabulate(_survey_records(sorted(held)), SURVEY_COUNTS, HEADLINES)
    for code in YES_NO:
        _complement(survey, f"{code}_answers", f"{code}_yes", f"{code}_no")
    tables.merge(survey)
    tables.merge(_survey_result_tables(sorted(held)))
    tables.merge(
        outcomes.outcome_tables(
            outcomes.records_of(sorted(held), ImpactFilters()),
            outcomes.OUTSIDE_MARGINALS,
            outcomes.MARKET_MARGINALS,
        )
    )
    # Course completions (impact.completions).
    tables.merge(
        completions.completion_tables(
            completions.records_of(sorted(held), ImpactFilters()), completions.OUTSIDE_MARGINALS
        )
    )
    # Confirmed registrants of a held session either attended or not.
    tables.relations += split_relations(
        tables, "confirmed", ("confirmed_attendees", "confirmed_absent")
    )
    tables.relations += split_relations(
        tables, "waitlisted", ("waitlisted_attendees", "waitlisted_absent")
    )
    # The co-host knows those who shared their details with it as its registrant list shows
    # them (organisation, economy, kind, size, status, its link): that part of those counts is
    # no secret, and the rule protects the rest. Whether they attended, or are women-led, it
    # does not know.
    known = build([r for r in records if r["shared"]])
    return tables, {cell: n for cell, n in known.cells.items() if cell[0] in KNOWN}


def value_measure(code: str, value: str) -> str:
    """The count of the answers to question `code` that say `value`: for yes or no the same
    cells as the survey indicators' ("{code}_yes", "{code}_no"), so that both are hidden alike."""
    if value in ("yes", "no"):
        return f"{code}_{value}"
    return f"{code}={value}"


def _survey_result_tables(session_ids: list[int]) -> Tables:
    """The per-session survey results (impact.queries.survey_results) as cells: each question's
    answers, the count of each of its values and, from 0 to 10, its three groups; related as
    they add up (a question with several choices does not: one answer may say several)."""
    questions = {}
    for question in survey_questions(session_ids):
        questions.setdefault(question.code, question)
    measures = {}
    sums = []
    for code, question in questions.items():
        measures[f"{code}_answers"] = Measure(
            lambda r, code=code: r["question"] == code and bool(r["values"])
        )
        values = question_values(question)
        for value in values:
            measures[value_measure(code, value)] = Measure(
                lambda r, code=code, value=value: r["question"] == code and value in r["values"]
            )
        if question.kind != "multiple" and values:
            sums.append((f"{code}_answers", tuple(value_measure(code, v) for v in values)))
        if question.kind == "nps":
            groups = []
            for name, numbers in NPS_GROUPS:
                parts = tuple(value_measure(code, str(n)) for n in numbers)
                measures[f"{code}_{name}"] = Measure(
                    lambda r, code=code, numbers=numbers: (
                        r["question"] == code and any(str(n) in r["values"] for n in numbers)
                    )
                )
                sums.append((f"{code}_{name}", parts))
                groups.append(f"{code}_{name}")
            sums.append((f"{code}_answers", tuple(groups)))
    tables = tabulate(survey_answer_records(session_ids), measures, (("session",),))
    for whole, parts in sums:
        tables.relations += split_relations(tables, whole, parts)
    return tables


def for_cohost(organisation_id: int, *, now: datetime | None = None) -> Protected:
    """What a co-host's members may see of its sessions' figures."""
    tables, known = cohost_tables(organisation_id, now=now)
    return protected(tables, known=known)


PUBLIC_HEADLINE = ("sessions", "firms", "organisations", "economies_reached", "attendees")


def public_tables(*, now: datetime | None = None) -> tuple[Tables, dict]:
    """The reach page's counts: attendees by economy and region and in all, unique firms and
    organisations; and the headline figures that are not counts of people."""
    audience = Audience.public()
    filters = ImpactFilters()
    figures = headline_figures(filters, audience, now=now)
    by_economy = breakdown(filters, "economy", audience, now=now)
    regions = dict(
        Economy.objects.filter(code__in=[r["key"] for r in by_economy]).values_list(
            "code", "region"
        )
    )
    tables = Tables()
    total = key("attendees")
    tables.cells[total] = figures["attendees"]
    for name in ("organisations", "firms"):
        tables.cells[key(name)] = figures[name]
    members = defaultdict(list)
    for row in by_economy:
        cell = key("attendees", economy=row["key"])
        tables.cells[cell] = row["attendees"]
        members[regions.get(row["key"], "")].append(cell)
    for region, cells in members.items():
        region_cell = key("attendees", region=region)
        tables.cells[region_cell] = sum(tables.cells[c] for c in cells)
        tables.relations.append(Relation(region_cell, tuple(cells)))
    tables.relations.append(
        Relation(total, tuple(key("attendees", region=region) for region in members))
    )
    # Realised outcomes, in all (impact.outcomes).
    held = list(held_sessions(filters, audience, now=now).values_list("pk", flat=True))
    tables.merge(
        outcomes.outcome_tables(
            outcomes.records_of(held, filters),
            outcomes.PUBLIC_MARGINALS,
            outcomes.PUBLIC_MARGINALS,
        )
    )
    # Course completions, in all (impact.completions).
    tables.merge(
        completions.completion_tables(
            completions.records_of(held, filters), completions.PUBLIC_MARGINALS
        )
    )
    return tables, figures


def for_public(*, now: datetime | None = None) -> tuple[Protected, dict]:
    """What everyone may see on the reach page, and the headline figures it is drawn from."""
    tables, figures = public_tables(now=now)
    return protected(tables), figures


# --- The one way pages read figures ------------------------------------------------------------

# The counts every breakdown row carries, in the order of the tables' columns.
COUNT_COLUMNS = ("registrations", "attendees", "organisations", "firms")


class Figures:
    """The figures one audience reads, for every impact page and the co-host workspace.

    Programme staff read impact.queries with every filter. An outside audience reads its
    Protected counts (`for_cohost`, `for_public`), unfiltered but for one economy or one
    session (`filters.economy`, `filters.session`: the drill-downs); a hidden count is None, and
    so is every share or average computed from a hidden count."""

    def __init__(self, audience: Audience, *, now: datetime | None = None):
        self.audience = audience
        self.now = now
        self._public = None
        self._outcome_records = {}  # staff's, per filters
        self._completion_records = {}  # staff's, per filters
        if audience.cohost_id is not None and audience.suppress_small_numbers:
            self.protected = for_cohost(audience.cohost_id, now=now)
        elif audience.suppress_small_numbers:
            self.protected, self._public = for_public(now=now)
        else:
            self.protected = None

    @property
    def suppressed(self) -> bool:
        """Whether small numbers are hidden from this audience."""
        return self.protected is not None

    def headline(self, filters: ImpactFilters) -> dict:
        """The headline figures (impact.queries.headline_figures) as this audience may see
        them."""
        if self.protected is None:
            return headline_figures(filters, self.audience, now=self.now)
        scope = _scope(filters)
        if self._public is not None:
            # The public reads the reach page's figures only: the others are not its to see.
            return {
                name: (
                    self.protected.value(name, **scope)
                    if name in ("attendees", "organisations", "firms")
                    else self._public[name]
                    if name in PUBLIC_HEADLINE
                    else None
                )
                for name in self._public
            }
        return _hidden_in(
            headline_figures(filters, self.audience, now=self.now), self.protected, scope
        )

    def breakdown(
        self,
        filters: ImpactFilters,
        by: str,
        *,
        counts: tuple[str, ...] = COUNT_COLUMNS,
        keys_of: str = "attendees",
    ) -> list[dict]:
        """One breakdown's rows, {"key", and each of `counts`}, as this audience may see them.
        Staff's rows are impact.queries.breakdown's; an outside audience's are the values of
        `by` that have a cell of `keys_of`, hidden rows last: sorted among the others by their
        true count, they would tell what they hide."""
        if self.protected is None:
            return breakdown(filters, by, self.audience, now=self.now)
        scope = _scope(filters)
        rows = [
            {
                "key": value,
                **{name: self.protected.value(name, **scope, **{by: value}) for name in counts},
            }
            for value in self.protected.keys(keys_of, by, **scope)
        ]
        if by == "quarter":
            return sorted(rows, key=lambda row: row["key"])
        return sorted(
            rows,
            key=lambda row: (row[keys_of] is None, -(row[keys_of] or 0), str(row["key"])),
        )

    def survey_results(self, session: Session) -> list[dict]:
        """One session's survey results (impact.queries.survey_results) as this audience may
        see them: a hidden count is None, as are the answers of a question whose count is."""
        results = survey_results(session)
        if self.protected is None:
            return results
        shown = []
        for result in results:
            code = result["question"].code
            shown.append(
                {
                    **result,
                    "answers": self.protected.value(f"{code}_answers", session=session.pk),
                    "counts": {
                        value: self.protected.value(value_measure(code, value), session=session.pk)
                        for value in result["counts"]
                    },
                    "groups": {
                        name: self.protected.value(f"{code}_{name}", session=session.pk)
                        for name in result["groups"]
                    },
                }
            )
        return shown

    def _staff_outcome_records(self, filters: ImpactFilters) -> list[dict]:
        """Staff's outcome records (impact.outcomes), read once per filters."""
        if filters not in self._outcome_records:
            self._outcome_records[filters] = outcomes.outcome_records(
                filters, self.audience, now=self.now
            )
        return self._outcome_records[filters]

    def outcomes(self, filters: ImpactFilters) -> dict:
        """The realised outcomes (impact.outcomes) as this audience may see them: the figures,
        the markets named with their counts ([(code, count or None)]) and how many they are."""
        if self.protected is None:
            return outcomes.staff_figures(self._staff_outcome_records(filters))
        scope = _scope(filters)
        figures = outcomes.figures_from(self.protected.value, self.protected.shows, **scope)
        named = outcomes.markets(self.protected.cells, self.protected.hidden, **scope)
        figures["markets"] = named
        figures["new_markets"] = None if figures["markets_answers"] is None else len(named)
        return figures

    def outcome_breakdown(self, filters: ImpactFilters, by: str) -> list[dict]:
        """The realised outcomes per value of `by` (impact.outcomes.DIMENSIONS), each row with
        the answers and the response rate it rests on; hidden rows last, as in `breakdown`.
        Outside audiences read none by co-host, and none within one economy or session."""
        if by not in outcomes.DIMENSIONS:
            raise ValueError(f"Cannot break down outcomes by {by!r}.")
        if self.protected is None:
            return outcomes.staff_breakdown(self._staff_outcome_records(filters), by)
        shown, scope = self.protected, _scope(filters)
        values = dict.fromkeys(
            shown.keys("outcome_asked", by, **scope) + shown.keys("outcome_answered", by, **scope)
        )
        rows = [
            {
                "key": value,
                **outcomes.figures_from(shown.value, shown.shows, **scope, **{by: value}),
            }
            for value in values
        ]
        if by == "quarter":
            return sorted(rows, key=lambda row: row["key"])
        return sorted(
            rows,
            key=lambda row: (
                row["outcome_asked"] is None,
                -(row["outcome_asked"] or 0),
                -(row["outcome_answered"] or 0),
                str(row["key"]),
            ),
        )

    def _staff_completion_records(self, filters: ImpactFilters) -> list[dict]:
        """Staff's completion records (impact.completions), read once per filters."""
        if filters not in self._completion_records:
            self._completion_records[filters] = completions.completion_records(
                filters, self.audience, now=self.now
            )
        return self._completion_records[filters]

    def completions(self, filters: ImpactFilters) -> dict:
        """Course completions (impact.completions) as this audience may see them: enrolled,
        completed and the completion rate (None where a count it rests on is hidden)."""
        if self.protected is None:
            return completions.staff_figures(self._staff_completion_records(filters))
        return completions.figures_from(
            self.protected.value, self.protected.shows, **_scope(filters)
        )

    def completion_breakdown(self, filters: ImpactFilters, by: str) -> list[dict]:
        """Course completions per value of `by` (impact.completions.DIMENSIONS), each row with
        the enrolled count beside the completed; hidden rows last, as in `breakdown`. Outside
        audiences read none within one economy or session, and the public none at all."""
        if by not in completions.DIMENSIONS:
            raise ValueError(f"Cannot break down completions by {by!r}.")
        if self.protected is None:
            return completions.staff_breakdown(self._staff_completion_records(filters), by)
        shown, scope = self.protected, _scope(filters)
        if scope:
            return []
        rows = [
            {"key": value, **completions.figures_from(shown.value, shown.shows, **{by: value})}
            for value in shown.keys("course_enrolled", by)
        ]
        return sorted(
            rows,
            key=lambda row: (
                row["course_enrolled"] is None,
                -(row["course_enrolled"] or 0),
                -(row["course_completed"] or 0),
                str(row["key"]),
            ),
        )

    def count(self, name: str, **scope) -> int | None:
        """One count of an outside audience (the workspace's per session), None if hidden."""
        if self.protected is None:
            raise ValueError("Staff read counts from impact.queries, with filters.")
        return self.protected.value(name, **scope)


def _scope(filters: ImpactFilters) -> dict:
    """The one economy or one session an outside audience's figures are narrowed to; any other
    filter is refused (see the module's docstring)."""
    scope = {}
    if filters.economy:
        scope["economy"] = filters.economy
    if filters.session:
        scope["session"] = filters.session
    if replace(filters, economy="", session=None) != ImpactFilters():
        raise ValueError("Outside audiences read the figures unfiltered.")
    return scope


def _hidden_in(figures: dict, shown: Protected, scope: dict) -> dict:
    """Headline figures with the counts `shown` hides as None, and every share or average
    computed from a hidden count."""
    figures = dict(figures)
    for name in COUNT_COLUMNS:
        figures[name] = shown.value(name, **scope)
    if not (
        shown.shows("confirmed_attendees", **scope) and shown.shows("confirmed_absent", **scope)
    ):
        figures["attendance_rate"] = None
    for share, (part, rest, whole) in SHARES.items():
        if not all(shown.shows(name, **scope) for name in (part, rest, whole)):
            figures[share] = None
    for code in YES_NO:
        figures[f"{code}_answers"] = shown.value(f"{code}_answers", **scope)
        if not (shown.shows(f"{code}_yes", **scope) and shown.shows(f"{code}_no", **scope)):
            figures[f"{code}_share"] = None
    for code in AVERAGES:
        figures[f"{code}_answers"] = shown.value(f"{code}_answers", **scope)
        if figures[f"{code}_answers"] is None:
            figures[f"{code}_average"] = None
    return figures

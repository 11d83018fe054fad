"""Impact figures, computed from the rows every time, never stored by hand.

Definitions (the same in the dashboard, every export and the tests):
- held sessions: published or finished sessions that have ended, started within the period;
  drafts, declined proposals and cancelled sessions are not held;
- registrations: registrations of held sessions that were not cancelled;
- attendees: those registrations marked attended (by a report or the check-in);
- attendance rate: confirmed registrations that attended / confirmed registrations;
- unique organisations and firms: distinct organisations among the registrations (firms: of
  kind firm), so a firm attending many sessions counts once;
- economies reached: distinct economies of organisations with at least one attendee;
- shares of women-led, youth-led and micro firms: among the unique firms;
- survey indicators: over the answers given to held sessions' surveys, with their number.
Filters on economy, region, group, firm size and kind apply to the registrant's organisation
(for survey answers, to the facts the response kept). Periods and quarters are read in UTC,
whoever looks: a figure never depends on the viewer's time zone.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.db.models import Avg, Count, F, Q, QuerySet
from django.db.models.functions import ExtractQuarter, ExtractYear
from django.utils import timezone

from events.models import Session, SessionStatus
from impact.filters import GROUPS, ImpactFilters
from outreach.economies import REGIONS
from outreach.models import OrganisationKind, SizeBand
from registrations.models import Answer, Registration, RegistrationStatus, SurveyResponse

SMALL_NUMBER = 5
HELD = (SessionStatus.PUBLISHED, SessionStatus.FINISHED)


@dataclass(frozen=True)
class Audience:
    """Who reads the figures: staff see everything; a co-host sees its own sessions only;
    outside audiences (co-hosts, the public) see small numbers suppressed."""

    cohost_id: int | None = None
    suppress_small_numbers: bool = False

    @classmethod
    def staff(cls) -> "Audience":
        return cls()

    @classmethod
    def cohost(cls, organisation_id: int) -> "Audience":
        return cls(cohost_id=organisation_id, suppress_small_numbers=True)

    @classmethod
    def public(cls) -> "Audience":
        return cls(suppress_small_numbers=True)


def held_sessions(
    filters: ImpactFilters, audience: Audience, *, now: datetime | None = None
) -> QuerySet[Session]:
    now = now or timezone.now()
    sessions = Session.objects.filter(status__in=HELD, ends_at__lte=now)
    if filters.start:
        sessions = sessions.filter(starts_at__gte=datetime.combine(filters.start, time.min, UTC))
    if filters.end:
        day_after = filters.end + timedelta(days=1)
        sessions = sessions.filter(starts_at__lt=datetime.combine(day_after, time.min, UTC))
    if filters.language:
        sessions = sessions.filter(language=filters.language)
    if filters.series:
        sessions = sessions.filter(series__slug=filters.series)
    if filters.format:
        sessions = sessions.filter(format=filters.format)
    if filters.session:
        sessions = sessions.filter(pk=filters.session)
    if filters.cohost:
        sessions = sessions.filter(cohosts=filters.cohost)
    if audience.cohost_id is not None:
        sessions = sessions.filter(cohosts=audience.cohost_id)
    return sessions


def _organisation_filter(filters: ImpactFilters, prefix: str) -> Q:
    """The organisation facts filters, on `prefix` (organisation__ for registrations)."""
    condition = Q()
    if filters.economy:
        condition &= Q(**{f"{prefix}economy_id": filters.economy})
    if filters.region:
        field = "region" if filters.region in REGIONS else "sub_region"
        condition &= Q(**{f"{prefix}economy__{field}": filters.region})
    if filters.group:
        condition &= Q(**{f"{prefix}economy__{GROUPS[filters.group]}": True})
    if filters.size_band:
        condition &= Q(**{f"{prefix}size_band": filters.size_band})
    if filters.kind:
        condition &= Q(**{f"{prefix}kind": filters.kind})
    return condition


def registrations_in_scope(
    filters: ImpactFilters, audience: Audience, *, now: datetime | None = None
) -> QuerySet[Registration]:
    return (
        Registration.objects.filter(session__in=held_sessions(filters, audience, now=now))
        .exclude(status=RegistrationStatus.CANCELLED)
        .filter(_organisation_filter(filters, "organisation__"))
    )


def responses_in_scope(
    filters: ImpactFilters, audience: Audience, *, now: datetime | None = None
) -> QuerySet[SurveyResponse]:
    condition = Q()
    if filters.economy:
        condition &= Q(economy_id=filters.economy)
    if filters.region:
        field = "region" if filters.region in REGIONS else "sub_region"
        condition &= Q(**{f"economy__{field}": filters.region})
    if filters.group:
        condition &= Q(**{f"economy__{GROUPS[filters.group]}": True})
    if filters.size_band:
        condition &= Q(size_band=filters.size_band)
    if filters.kind:
        condition &= Q(organisation_kind=filters.kind)
    return SurveyResponse.objects.filter(
        session__in=held_sessions(filters, audience, now=now)
    ).filter(condition)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def headline_figures(
    filters: ImpactFilters, audience: Audience, *, now: datetime | None = None
) -> dict:
    """The dashboard's figures, in a handful of aggregate queries whatever the data size."""
    registrations = registrations_in_scope(filters, audience, now=now)
    counts = registrations.aggregate(
        registrations=Count("pk"),
        confirmed=Count("pk", filter=Q(status=RegistrationStatus.CONFIRMED)),
        attendees=Count("pk", filter=Q(attended=True)),
        confirmed_attendees=Count(
            "pk", filter=Q(attended=True, status=RegistrationStatus.CONFIRMED)
        ),
        organisations=Count("organisation", distinct=True),
        economies_reached=Count("organisation__economy", distinct=True, filter=Q(attended=True)),
    )
    firms = registrations.filter(organisation__kind=OrganisationKind.FIRM).aggregate(
        firms=Count("organisation", distinct=True),
        women_led=Count("organisation", distinct=True, filter=Q(organisation__women_led=True)),
        youth_led=Count("organisation", distinct=True, filter=Q(organisation__youth_led=True)),
        micro=Count(
            "organisation", distinct=True, filter=Q(organisation__size_band=SizeBand.MICRO)
        ),
    )
    sessions = held_sessions(filters, audience, now=now)
    if any((filters.economy, filters.region, filters.group, filters.size_band, filters.kind)):
        # Sessions held for the registrants asked about: those with at least one of them.
        sessions = sessions.filter(pk__in=registrations.values("session"))
    return {
        "sessions": sessions.count(),
        "registrations": counts["registrations"],
        "attendees": counts["attendees"],
        "attendance_rate": _share(counts["confirmed_attendees"], counts["confirmed"]),
        "organisations": counts["organisations"],
        "firms": firms["firms"],
        "economies_reached": counts["economies_reached"],
        "women_led_share": _share(firms["women_led"], firms["firms"]),
        "youth_led_share": _share(firms["youth_led"], firms["firms"]),
        "micro_share": _share(firms["micro"], firms["firms"]),
        **survey_indicators(filters, audience, now=now),
    }


def survey_indicators(
    filters: ImpactFilters, audience: Audience, *, now: datetime | None = None
) -> dict:
    """Shares of yes, average satisfaction and likelihood to recommend, each with its count."""
    answers = Answer.objects.filter(response__in=responses_in_scope(filters, audience, now=now))
    figures = answers.aggregate(
        simplifies_yes=Count(
            "pk", filter=Q(question__code="simplifies_market_research", boolean=True)
        ),
        simplifies_n=Count(
            "pk", filter=Q(question__code="simplifies_market_research", boolean__isnull=False)
        ),
        informs_yes=Count("pk", filter=Q(question__code="informs_export_decision", boolean=True)),
        informs_n=Count(
            "pk", filter=Q(question__code="informs_export_decision", boolean__isnull=False)
        ),
        satisfaction=Avg("number", filter=Q(question__code="satisfaction")),
        satisfaction_n=Count("pk", filter=Q(question__code="satisfaction", number__isnull=False)),
        recommend=Avg("number", filter=Q(question__code="recommend")),
        recommend_n=Count("pk", filter=Q(question__code="recommend", number__isnull=False)),
    )
    return {
        "simplifies_market_research_share": _share(
            figures["simplifies_yes"], figures["simplifies_n"]
        ),
        "simplifies_market_research_answers": figures["simplifies_n"],
        "informs_export_decision_share": _share(figures["informs_yes"], figures["informs_n"]),
        "informs_export_decision_answers": figures["informs_n"],
        "satisfaction_average": round(figures["satisfaction"], 2)
        if figures["satisfaction"] is not None
        else None,
        "satisfaction_answers": figures["satisfaction_n"],
        "recommend_average": round(figures["recommend"], 2)
        if figures["recommend"] is not None
        else None,
        "recommend_answers": figures["recommend_n"],
    }


# --- Breakdowns ----------------------------------------------------------------------------

DIMENSIONS = {
    "economy": ("organisation__economy_id",),
    "region": ("organisation__economy__region",),
    "quarter": ("year", "quarter"),
    "language": ("session__language",),
    "size": ("organisation__size_band",),
    "kind": ("organisation__kind",),
    "session": ("session_id",),
}


def suppress(value: int, audience: Audience) -> int | None:
    """None stands for a count below the threshold that an outside audience must not see."""
    if audience.suppress_small_numbers and 0 < value < SMALL_NUMBER:
        return None
    return value


def breakdown(
    filters: ImpactFilters, by: str, audience: Audience, *, now: datetime | None = None
) -> list[dict]:
    """Registrations, attendees, organisations and firms per value of one dimension, in one
    query. Rows are sorted by attendees, most first (quarters in time order)."""
    if by not in DIMENSIONS:
        raise ValueError(f"Cannot break down by {by!r}.")
    registrations = registrations_in_scope(filters, audience, now=now)
    if by == "quarter":
        registrations = registrations.annotate(
            year=ExtractYear("session__starts_at", tzinfo=UTC),
            quarter=ExtractQuarter("session__starts_at", tzinfo=UTC),
        )
    keys = DIMENSIONS[by]
    rows = (
        registrations.values(*keys)
        .order_by()
        .annotate(
            registrations=Count("pk"),
            attendees=Count("pk", filter=Q(attended=True)),
            organisations=Count("organisation", distinct=True),
            firms=Count(
                "organisation", distinct=True, filter=Q(organisation__kind=OrganisationKind.FIRM)
            ),
        )
    )
    result = []
    for row in rows:
        key = f"{row['year']}-Q{row['quarter']}" if by == "quarter" else row[keys[0]]
        result.append(
            {
                "key": key if key is not None else "",
                "registrations": suppress(row["registrations"], audience),
                "attendees": suppress(row["attendees"], audience),
                "organisations": suppress(row["organisations"], audience),
                "firms": suppress(row["firms"], audience),
                "_order": row["attendees"],
            }
        )
    if by == "quarter":
        result.sort(key=lambda r: r["key"])
    else:
        result.sort(key=lambda r: (-r["_order"], str(r["key"])))
    for row in result:
        del row["_order"]
    return result


def registration_rows(filters: ImpactFilters, audience: Audience, *, now: datetime | None = None):
    """Row-level registrations for exports: one per registration, streamed from the database."""
    return (
        registrations_in_scope(filters, audience, now=now)
        .values(
            "pk",
            "session_id",
            "session__language",
            "session__starts_at",
            "organisation__economy_id",
            "organisation__economy__region",
            "organisation__kind",
            "organisation__size_band",
            "organisation__women_led",
            "organisation__youth_led",
            "status",
            "attended",
            "minutes_attended",
            "source",
            organisation_name=F("organisation__name"),
        )
        .order_by("pk")
    )

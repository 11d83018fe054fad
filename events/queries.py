"""Reads of series and sessions: querysets already filtered, ordered and prefetched."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone, translation

from events.models import (
    LANGUAGE_CODES,
    Series,
    Session,
    SessionStatus,
    SuggestionStatus,
    TextSuggestion,
    Topic,
)
from outreach.models import Economy, Organisation

PUBLIC_STATUSES = (SessionStatus.PUBLISHED, SessionStatus.FINISHED, SessionStatus.CANCELLED)
FEED_HISTORY = timedelta(days=365)


def offered_siblings(*, now: datetime | None = None) -> QuerySet[Session]:
    """The sessions a page may offer as another language's: published and not yet over."""
    now = now or timezone.now()
    return Session.objects.filter(status=SessionStatus.PUBLISHED, ends_at__gt=now).order_by(
        "starts_at", "pk"
    )


def with_related(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """Everything a session card or page shows, in a fixed number of queries (its siblings
    in other languages too: `siblings`)."""
    return sessions.select_related("series", "language_group").prefetch_related(
        Prefetch("cohosts", queryset=Organisation.objects.select_related("economy")),
        Prefetch("target_economies", queryset=Economy.objects.order_by("sort_name")),
        Prefetch("topics", queryset=Topic.objects.order_by("slug")),
        Prefetch(
            "language_group__sessions",
            queryset=offered_siblings().only(
                "pk",
                "language",
                "starts_at",
                "ends_at",
                "capacity",
                "confirmed_count",
                "language_group",
                "status",
            ),
            to_attr="offered_sessions",
        ),
    )


def siblings(session: Session) -> list[Session]:
    """The other sessions of the session's language group that a page may offer: published,
    not over, soonest first. Read from `with_related`'s prefetch when it is there (a list asks
    no query per card), else from the database."""
    if session.language_group_id is None:
        return []
    group = session.language_group
    offered = getattr(group, "offered_sessions", None)
    if offered is None:
        offered = list(offered_siblings().filter(language_group=group))
    return [sibling for sibling in offered if sibling.pk != session.pk]


def siblings_with_seats(session: Session) -> list[Session]:
    """The siblings a full session offers instead: those with a seat free."""
    return [sibling for sibling in siblings(session) if sibling.seats_left]


@dataclass(frozen=True)
class CatalogueFilters:
    when: str = "upcoming"  # or "past"
    language: str = ""
    region: str = ""
    economy: str = ""
    topic: str = ""
    format: str = ""
    text: str = ""
    # One card per language group: the session in `prefer_language`, else the soonest.
    grouped: bool = False
    prefer_language: str = ""


def catalogue_sessions(
    filters: CatalogueFilters, *, now: datetime | None = None
) -> QuerySet[Session]:
    """Public sessions matching the filters: upcoming soonest first, past latest first.

    A session open to all economies matches any region or economy filter; a national
    session matches only the economies it targets.
    """
    now = now or timezone.now()
    sessions = Session.objects.filter(status__in=PUBLIC_STATUSES)
    if filters.when == "past":
        sessions = sessions.filter(ends_at__lte=now).exclude(status=SessionStatus.CANCELLED)
        sessions = sessions.order_by("-starts_at", "-pk")
    else:
        sessions = sessions.filter(ends_at__gt=now).order_by("starts_at", "pk")
    if filters.language:
        # A session interpreted into the language is given in it too.
        sessions = sessions.filter(
            Q(language=filters.language) | _interpreted_into(filters.language)
        )
    if filters.format:
        sessions = sessions.filter(format=filters.format)
    # Filters on topics and target economies ask whether a matching row exists rather than
    # joining, so a session is listed once with no DISTINCT over all its columns.
    if filters.topic:
        topics = Session.topics.through.objects.filter(session=OuterRef("pk"))
        sessions = sessions.filter(Exists(topics.filter(topic__slug=filters.topic)))
    if filters.economy or filters.region:
        targets = Session.target_economies.through.objects.filter(session=OuterRef("pk"))
        if filters.economy:
            matching = targets.filter(economy__code=filters.economy)
        else:
            matching = targets.filter(economy__region=filters.region)
        sessions = sessions.filter(~Exists(targets) | Exists(matching))
    if filters.text:
        sessions = sessions.filter(_text_matches(filters.text))
    # Cards show titles and summaries; the long descriptions stay in the database.
    descriptions = ["description"] + [f"description_{code}" for code in LANGUAGE_CODES]
    if filters.grouped:
        sessions = _one_per_group(sessions, filters.prefer_language, past=filters.when == "past")
    return with_related(sessions.defer(*descriptions))


def _interpreted_into(language: str) -> Q:
    if connection.features.supports_json_field_contains:
        return Q(interpretation_languages__contains=[language])
    # SQLite has no JSON containment: the list's text holds the code in quotes.
    return Q(interpretation_languages__icontains=f'"{language}"')


def _one_per_group(sessions: QuerySet[Session], language: str, *, past: bool) -> QuerySet[Session]:
    """Of each language group among `sessions`, only one: the one in `language` if any, else
    the soonest (the latest for past sessions); a session of no group stays."""
    soonest = F("starts_at").desc() if past else F("starts_at").asc()
    return sessions.annotate(
        rank_in_group=Window(
            RowNumber(),
            partition_by=[
                F("language_group_id"),
                Case(When(language_group__isnull=True, then=F("pk")), default=Value(0)),
            ],
            order_by=[
                Case(When(language=language, then=Value(0)), default=Value(1)).asc(),
                soonest,
                F("pk").asc(),
            ],
        )
    ).filter(rank_in_group=1)


def _text_matches(text: str) -> Q:
    """Every word must appear in the title or summary in the active language (or the session's)."""
    language = (translation.get_language() or "en")[:2]
    condition = Q()
    for word in text.split()[:8]:
        word_matches = Q()
        for field in ("title", "summary"):
            word_matches |= Q(**{f"{field}_{language}__icontains": word})
            # Sessions with no text in this language are shown in their own; search that too.
            untranslated = Q(**{f"{field}_{language}": ""}) | Q(
                **{f"{field}_{language}__isnull": True}
            )
            in_own_language = Q()
            for code in LANGUAGE_CODES:
                in_own_language |= Q(language=code, **{f"{field}_{code}__icontains": word})
            word_matches |= untranslated & in_own_language
        condition &= word_matches
    return condition


def upcoming_sessions(*, limit: int = 6) -> QuerySet[Session]:
    return catalogue_sessions(CatalogueFilters())[:limit]


def feed_sessions(
    *, language: str | None = None, series: Series | None = None
) -> QuerySet[Session]:
    """Sessions for a calendar feed: a year back and everything ahead, cancelled ones included."""
    sessions = Session.objects.filter(
        status__in=PUBLIC_STATUSES, ends_at__gte=timezone.now() - FEED_HISTORY
    )
    if language:
        sessions = sessions.filter(language=language)
    if series:
        sessions = sessions.filter(series=series)
    return with_related(sessions.order_by("starts_at", "pk"))


# The registrations layer's state for waiting people, named here as a value: events imports
# nothing from the layers above it (docs/architecture.md).
WAITLISTED = "waitlisted"


def managed_sessions(*, status: str = "", series: str = "", text: str = "") -> QuerySet[Session]:
    """The organiser's list: every session, latest first, each with `waitlisted` (how many wait
    for a seat); `text` keeps those whose title in any language, venue or series holds each of
    its words (case aside)."""
    sessions = Session.objects.order_by("-starts_at", "-pk")
    if status:
        sessions = sessions.filter(status=status)
    if series:
        sessions = sessions.filter(series__slug=series)
    for word in text.split()[:5]:
        found = Q(venue__icontains=word) | Q(series__title__icontains=word)
        for code in LANGUAGE_CODES:
            found |= Q(**{f"title_{code}__icontains": word})
        sessions = sessions.filter(found)
    sessions = sessions.annotate(
        waitlisted=Count("registrations", filter=Q(registrations__status=WAITLISTED))
    )
    return with_related(sessions)


def all_series() -> QuerySet[Series]:
    return Series.objects.order_by("title")


def pending_proposals() -> QuerySet[Session]:
    return with_related(
        Session.objects.filter(status=SessionStatus.DRAFT, proposed_by__isnull=False)
        .select_related("proposed_by")
        .order_by("starts_at")
    )


def pending_suggestions() -> QuerySet[TextSuggestion]:
    """Co-hosts' wording suggestions not yet reviewed, oldest first."""
    return (
        TextSuggestion.objects.filter(status=SuggestionStatus.PENDING)
        .select_related("session", "organisation", "suggested_by")
        .order_by("created_at")
    )

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
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
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
# Cards show titles and summaries; the long descriptions stay in the database.
DESCRIPTIONS = ["description"] + [f"description_{code}" for code in LANGUAGE_CODES]
FEED_HISTORY = timedelta(days=365)


def offered_siblings(*, now: datetime | None = None) -> QuerySet[Session]:
    """The sessions a page may offer as another language's: published and not yet over."""
    now = now or timezone.now()
    return Session.objects.filter(status=SessionStatus.PUBLISHED, ends_at__gt=now).order_by(
        "starts_at", "pk"
    )


def _related(*, topics: bool = True) -> list[Prefetch]:
    """The prefetches of what a card (no topics) or a session's page shows."""
    related = [
        Prefetch("cohosts", queryset=Organisation.objects.select_related("economy")),
        Prefetch("target_economies", queryset=Economy.objects.order_by("sort_name")),
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
    ]
    if topics:
        related.append(Prefetch("topics", queryset=Topic.objects.order_by("slug")))
    return related


def with_related(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """Everything a session card or page shows, in a fixed number of queries (its siblings
    in other languages too: `siblings`)."""
    return sessions.select_related("series", "language_group").prefetch_related(*_related())


def fetch_related(sessions: list[Session], *, topics: bool = True) -> None:
    """What `with_related` prefetches, for sessions already fetched (by `with_card_versions`
    or `with_page_versions`): those whose cached card or page was not found. A fixed number of
    queries however many sessions, none for an empty list."""
    if sessions:
        prefetch_related_objects(sessions, *_related(topics=topics))


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


# --- What a cached card or page shows, as the query that lists the sessions reads it ----------
#
# events.cards keeps each session's rendered card and page in the shared cache under a digest of
# everything they show. The row's own fields are in the row; what lies in other rows (co-hosts,
# target economies, topics, the siblings in other languages) is read by the same query as one
# text per session, below, so that a change made in any way (a form's save(), a queryset's
# update(), raw SQL) gives a new digest, and the sessions' related rows are fetched only for the
# cards not found in the cache.


# What a card shows of the session's own row: the catalogue reads only these columns.
CARD_COLUMNS = (
    "id",
    "language_group_id",
    "language",
    "interpretation_languages",
    "format",
    "venue",
    "starts_at",
    "ends_at",
    "status",
    "capacity",
    "confirmed_count",
    *(f"{field}_{code}" for field in ("title", "summary") for code in LANGUAGE_CODES),
)
# And what it shows of other rows, each as one text (`_versions`).
CARD_VERSIONS = ("cohosts_seen", "economies_seen", "siblings_seen")


def _joined(text: str, rows: str, order: str) -> str:
    """SQL for one text of the `rows` (a FROM and WHERE clause, which names the outer session
    "events_session") joined by commas: each row's `text` ("3:Ministry of Trade").

    Joined in `order` where the database can order an aggregate (PostgreSQL, SQLite from 3.44);
    elsewhere the order may vary, which costs a cached copy, never a stale one."""
    if connection.features.supports_aggregate_order_by_clause:
        aggregate = f"STRING_AGG({text}, ',' ORDER BY {order})"
    else:
        aggregate = f"GROUP_CONCAT({text}, ',')"
    return f"(SELECT {aggregate} FROM {rows})"  # noqa: S608 (names from the models, no input)


def _text(*columns: str) -> str:
    return " || ':' || ".join(f"COALESCE(CAST({column} AS TEXT), '')" for column in columns)


def _names(alias: str) -> list[str]:
    return [f"{alias}.name_{code}" for code in LANGUAGE_CODES]


def _versions(*, now: datetime, page: bool = False) -> dict[str, tuple[str, list]]:
    """{name: (SQL, params)} of what a card shows beyond its session's row, each as a text that
    changes when it does: `cohosts_seen` (each co-host's name), `economies_seen` (each target
    economy's names), `siblings_seen` (each offered sibling's page, language and start); with
    `page`, what a session's page shows besides: `topics_seen`, and the siblings' seats.

    Written in SQL: the same with the ORM's Concat and Cast cost more Python to compile than the
    rest of the page."""
    outer = Session._meta.db_table
    sibling_columns = ["sib.id", "sib.language", "sib.starts_at"]
    if page:
        sibling_columns += ["sib.capacity", "sib.confirmed_count"]
    versions = {
        "cohosts_seen": (
            _joined(
                _text("c.organisation_id", "o.name"),
                f"{Session.cohosts.through._meta.db_table} c "
                f"JOIN {Organisation._meta.db_table} o ON o.id = c.organisation_id "
                f"WHERE c.session_id = {outer}.id",
                "c.organisation_id",
            ),
            [],
        ),
        "economies_seen": (
            _joined(
                _text("t.economy_id", *_names("e")),
                f"{Session.target_economies.through._meta.db_table} t "
                f"JOIN {Economy._meta.db_table} e ON e.code = t.economy_id "
                f"WHERE t.session_id = {outer}.id",
                "t.economy_id",
            ),
            [],
        ),
        # The siblings offered_siblings() offers: published and not over.
        "siblings_seen": (
            _joined(
                _text(*sibling_columns),
                f"{outer} sib WHERE sib.language_group_id = {outer}.language_group_id "
                f"AND sib.id <> {outer}.id AND sib.status = %s AND sib.ends_at > %s",
                "sib.id",
            ),
            [SessionStatus.PUBLISHED.value, now],
        ),
    }
    if page:
        versions["topics_seen"] = (
            _joined(
                _text("st.topic_id", *_names("tp")),
                f"{Session.topics.through._meta.db_table} st "
                f"JOIN {Topic._meta.db_table} tp ON tp.id = st.topic_id "
                f"WHERE st.session_id = {outer}.id",
                "st.topic_id",
            ),
            [],
        )
    return versions


def with_page_versions(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """Sessions as a session's cached page needs them (events.cards): with the versions of what
    its page shows beyond its row (`_versions(page=True)`), its series and its group, nothing
    prefetched (`fetch_related` does it when the page is rendered). `sessions` is a query of the
    session table itself, its rows named "events_session"."""
    versions = {
        name: RawSQL(sql, params)  # noqa: S611 (names from the models, values as parameters)
        for name, (sql, params) in _versions(now=timezone.now(), page=True).items()
    }
    return sessions.select_related("series", "language_group").annotate(**versions)


class CatalogueRows:
    """Sessions of a catalogue query as its cached cards need them (events.cards): each with the
    columns a card shows and the versions of what it shows of other rows (`_versions`), nothing
    prefetched. What `Paginator` reads: `count()`, and a page by slicing, in one query each.

    In SQL around the query's own: the ORM spent more time compiling the same (three nested
    queries and three aggregates) than the rest of the page took; and PostgreSQL computes a
    select list's subqueries for each row an OFFSET skips (page 40 skips 780), so the page's rows
    are picked first and read by key."""

    ordered = True

    def __init__(self, sessions: QuerySet[Session], *, now: datetime | None = None):
        self.now = now or timezone.now()
        self.sql, self.params = sessions.values("pk").query.sql_with_params()
        table = Session._meta.db_table
        self.order = ", ".join(
            f"{table}.{'id' if name.lstrip('-') == 'pk' else name.lstrip('-')}"
            f"{' DESC' if name.startswith('-') else ''}"
            for name in sessions.query.order_by
        )

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({self.sql}) matching", self.params)  # noqa: S608
            return cursor.fetchone()[0]

    def __getitem__(self, page: slice) -> list[Session]:
        table = Session._meta.db_table
        versions = _versions(now=self.now)
        columns = [f"{table}.{column}" for column in CARD_COLUMNS]
        columns += [f"{sql} AS {name}" for name, (sql, _params) in versions.items()]
        params = [param for _sql, version_params in versions.values() for param in version_params]
        start, stop = int(page.start or 0), int(page.stop)  # a page has an end
        query = (
            f"SELECT {', '.join(columns)} FROM {table} "  # noqa: S608 (names from the models)
            f"WHERE {table}.id IN ({self.sql} LIMIT {stop - start} OFFSET {start}) "
            f"ORDER BY {self.order}"
        )
        return list(Session.objects.raw(query, [*params, *self.params]))


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
    """Public sessions matching the filters, with everything a card shows prefetched."""
    return with_related(matching_sessions(filters, now=now))


def matching_sessions(
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
    if filters.grouped:
        sessions = _one_per_group(sessions, filters.prefer_language, past=filters.when == "past")
    return sessions.defer(*DESCRIPTIONS)


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


def upcoming_cards(*, limit: int = 6) -> list[Session]:
    """The home page's next sessions, as `CatalogueRows` gives them."""
    return CatalogueRows(matching_sessions(CatalogueFilters()))[:limit]


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

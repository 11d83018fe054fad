"""Writes to series and sessions. Views call these; nothing else changes a session.

The services an organiser's or a co-host's screen calls take the acting person as `by` and
write their audit entry in their own transaction, so that a change and its entry are kept
together or not at all.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from events.models import (
    LANGUAGE_CODES,
    LanguageGroup,
    Series,
    Session,
    SessionFormat,
    SessionStatus,
    SuggestionStatus,
    TextSuggestion,
    Topic,
)
from events.signals import session_changed, session_published
from outreach import audit
from outreach.models import AuditAction, Economy, Organisation, User
from outreach.periods import quarter_bounds
from outreach.timezones import aware

# Fields whose change makes a new version of the calendar event (RFC 5545 SEQUENCE): its time
# and status, and the details registrants act on (where to go, how to join, what it is called).
TIME_FIELDS = ("starts_at", "ends_at", "status")
DETAIL_FIELDS = ("venue", "join_url", *(f"title_{code}" for code in LANGUAGE_CODES))
CALENDAR_FIELDS = (*TIME_FIELDS, *DETAIL_FIELDS)


# `sibling` left out: the session's language group stays as it is.
KEEP = object()


def link_sibling(session: Session, sibling: Session | None) -> None:
    """Put the session in `sibling`'s language group (a new group for both when the sibling has
    none), or with None take it out of its group; a group left with one session is removed.
    In the caller's transaction; the caller writes the audit entry."""
    before = session.language_group_id
    if sibling is None:
        group = None
    elif sibling.language_group_id and sibling.language_group_id != before:
        group = sibling.language_group
    elif sibling.language_group_id:
        return  # together already
    else:
        group = LanguageGroup.objects.create()
        Session.objects.filter(pk=sibling.pk).update(language_group=group)
    if group is None and before is None:
        return
    Session.objects.filter(pk=session.pk).update(language_group=group)
    session.language_group = group
    if before is not None and Session.objects.filter(language_group=before).count() < 2:
        Session.objects.filter(language_group=before).update(language_group=None)
        LanguageGroup.objects.filter(pk=before).delete()


@transaction.atomic
def save_session(
    session: Session,
    *,
    cohosts: Iterable[Organisation] | None = None,
    target_economies: Iterable[Economy] | None = None,
    topics: Iterable[Topic] | None = None,
    sibling=KEEP,
) -> Session:
    """Create or update a session after validating it; bump its SEQUENCE when its time, status,
    venue, join link or a title changes; `sibling` (a session in another language, or None)
    links it to that one's language group or unlinks it (`link_sibling`).

    Writes the session row, its co-host, economy and topic links and its group; after commit, sends
    `session_changed` when a public session is rescheduled, cancelled or its details change.
    """
    session.full_clean()
    change = None
    if session.pk:
        before = Session.objects.select_for_update().get(pk=session.pk)
        if any(getattr(before, f) != getattr(session, f) for f in CALENDAR_FIELDS):
            session.sequence = before.sequence + 1
            change = _public_change(before, session)
        # The seat counter belongs to the registrations layer: never overwrite it from a form.
        session.confirmed_count = before.confirmed_count
    session.save()
    if change:
        transaction.on_commit(
            lambda: session_changed.send(sender=Session, session=session, change=change)
        )
    if cohosts is not None:
        session.cohosts.set(cohosts)
    if target_economies is not None:
        session.target_economies.set(target_economies)
    if topics is not None:
        session.topics.set(topics)
    if sibling is not KEEP:
        link_sibling(session, sibling)
    return session


@transaction.atomic
def create_session(
    session: Session,
    *,
    by: User | None,
    cohosts: Iterable[Organisation] | None = None,
    target_economies: Iterable[Economy] | None = None,
    topics: Iterable[Topic] | None = None,
    sibling=KEEP,
) -> Session:
    """An organiser creates a session (as `save_session`), and the audit log says who did;
    `sibling` (a session in another language) puts it in that one's language group.

    Writes the session row and its links, and one SESSION_CREATED audit entry.
    """
    save_session(
        session,
        cohosts=cohosts,
        target_economies=target_economies,
        topics=topics,
        sibling=sibling,
    )
    audit.record(by, AuditAction.SESSION_CREATED, session)
    return session


@transaction.atomic
def edit_session(
    session: Session,
    *,
    by: User | None,
    fields: Iterable[str] = (),
    cohosts: Iterable[Organisation] | None = None,
    target_economies: Iterable[Economy] | None = None,
    topics: Iterable[Topic] | None = None,
    sibling=KEEP,
) -> Session:
    """An organiser changes a session (as `save_session`); `fields` names what they changed;
    `sibling` links it to a session in another language, or with None unlinks it
    (`link_sibling`).

    Writes the session row, its links and its language group, and one SESSION_EDITED audit
    entry; after commit, `session_changed` as `save_session` sends it.
    """
    save_session(
        session,
        cohosts=cohosts,
        target_economies=target_economies,
        topics=topics,
        sibling=sibling,
    )
    audit.record(by, AuditAction.SESSION_EDITED, session, fields=list(fields))
    return session


def _public_change(before: Session, after: Session) -> str | None:
    """What registrants must be told of: a cancellation, a new time, or new details (venue, join
    link, title) of a public session. A new time says the new details too."""
    if before.status in (SessionStatus.DRAFT, SessionStatus.DECLINED):
        return None
    if after.status == SessionStatus.CANCELLED and before.status != SessionStatus.CANCELLED:
        return "cancelled"
    if after.status == SessionStatus.CANCELLED:
        return None
    if (before.starts_at, before.ends_at) != (after.starts_at, after.ends_at):
        return "rescheduled"
    # New details of a session that has ended (a typo in its title) are nobody's news.
    if after.ends_at <= timezone.now():
        return None
    if any(getattr(before, name) != getattr(after, name) for name in DETAIL_FIELDS):
        return "updated"
    return None


def lacks_join_link(session: Session) -> bool:
    """An online or hybrid session without a join link: its registrants could not join. One to
    be created on Zoom gets its link when it is published (registrations.zoom)."""
    return (
        session.format != SessionFormat.IN_PERSON
        and not session.join_url.strip()
        and not session.zoom_create
    )


def _set_status(session: Session, status: str) -> Session:
    session.status = status
    return save_session(session)


@transaction.atomic
def publish_session(session: Session, *, by: User | None) -> Session:
    """Make a draft public; it must be titled in its own language (checked by the model).

    Writes the session row and a SESSION_PUBLISHED audit entry; after commit, sends
    `session_published` when it was not public before. Raises ValidationError, writing nothing,
    when the session may not be published.
    """
    was_public = (
        session.pk
        and Session.objects.filter(pk=session.pk, status=SessionStatus.PUBLISHED).exists()
    )
    _set_status(session, SessionStatus.PUBLISHED)
    if not was_public:
        transaction.on_commit(lambda: session_published.send(sender=Session, session=session))
    audit.record(by, AuditAction.SESSION_PUBLISHED, session)
    return session


@transaction.atomic
def cancel_session(session: Session, *, by: User | None) -> Session:
    """Cancel a session; it stays in feeds with STATUS:CANCELLED and a higher SEQUENCE.

    Writes the session row and a SESSION_CANCELLED audit entry; after commit, `session_changed`
    tells its registrants. A session already cancelled is left as it is, and nothing recorded.
    """
    if session.status == SessionStatus.CANCELLED:
        return session
    _set_status(session, SessionStatus.CANCELLED)
    audit.record(by, AuditAction.SESSION_CANCELLED, session)
    return session


@transaction.atomic
def reschedule_session(
    session: Session, *, starts_at: datetime, ends_at: datetime, by: User | None
) -> Session:
    """Move a session to a new time, keeping its UID and raising its SEQUENCE.

    Writes the session row and a SESSION_RESCHEDULED audit entry with both times; after commit,
    `session_changed` tells its registrants of a public session.
    """
    before = {"starts_at": session.starts_at, "ends_at": session.ends_at}
    session.starts_at = starts_at
    session.ends_at = ends_at
    save_session(session)
    audit.record(
        by,
        AuditAction.SESSION_RESCHEDULED,
        session,
        before=before,
        after={"starts_at": session.starts_at, "ends_at": session.ends_at},
    )
    return session


@transaction.atomic
def duplicate_session(session: Session, *, by: User | None) -> Session:
    """A draft copy of a session: its texts and links, a new calendar identity, no seat taken.

    Writes the copy and its links, and a SESSION_DUPLICATED audit entry naming the original.
    """
    copy = Session.objects.get(pk=session.pk)
    cohosts = list(session.cohosts.all())
    economies = list(session.target_economies.all())
    topics = list(session.topics.all())
    copy.pk = None
    copy.uid = Session._meta.get_field("uid").default()
    copy.status = SessionStatus.DRAFT
    copy.sequence = 0
    copy.confirmed_count = 0
    copy.language_group = None  # a copy for another date is nobody's sibling yet
    copy.join_url = ""
    copy.zoom_webinar_id = ""  # the copy gets a webinar of its own when it is published
    copy.recording_url = ""
    copy.created_at = timezone.now()
    copy._state.adding = True
    save_session(copy, cohosts=cohosts, target_economies=economies, topics=topics)
    audit.record(by, AuditAction.SESSION_DUPLICATED, copy, original=session.pk)
    return copy


def finish_past_sessions(*, now: datetime | None = None) -> int:
    """Mark published sessions whose end has passed as finished; returns how many."""
    now = now or timezone.now()
    return Session.objects.filter(status=SessionStatus.PUBLISHED, ends_at__lte=now).update(
        status=SessionStatus.FINISHED, sequence=F("sequence") + 1
    )


@dataclass(frozen=True)
class QuarterSlot:
    """When a language's session of a quarter suits its regions best, on the organiser's clock."""

    language: str
    weekday: int  # Monday is 0
    hour: int
    time_zone: str


# English reaches Africa, Europe, the Middle East and Asia in their working day; French reaches
# francophone Africa, Europe and Canada; Spanish reaches the Americas and Spain.
QUARTER_SLOTS = {
    "en": QuarterSlot("en", weekday=1, hour=10, time_zone="Europe/Zurich"),
    "fr": QuarterSlot("fr", weekday=2, hour=14, time_zone="Europe/Paris"),
    "es": QuarterSlot("es", weekday=3, hour=10, time_zone="America/Bogota"),
}


def suggest_quarter_times(year: int, quarter: int) -> dict[str, tuple[datetime, str]]:
    """For each language, a wall-clock start in the quarter's second month, with its zone."""
    first, _last = quarter_bounds(year, quarter)
    month_start = date(year, first.month + 1, 1)
    suggestions = {}
    for language, slot in QUARTER_SLOTS.items():
        day = month_start + timedelta(days=(slot.weekday - month_start.weekday()) % 7 + 7)
        suggestions[language] = (datetime(day.year, day.month, day.day, slot.hour), slot.time_zone)
    return suggestions


@transaction.atomic
def plan_quarter(
    *,
    by: User | None,
    series: Series,
    topic: Topic,
    titles: dict[str, str],
    starts: dict[str, tuple[datetime, str]],
    duration: timedelta,
    capacity: int,
    summaries: dict[str, str] | None = None,
    publish: bool = False,
) -> list[Session]:
    """Create a quarter's three language sessions of one topic at once, as drafts, or published
    all three when `publish` is set.

    `starts` maps each language to a wall-clock start and its time zone. Each session carries
    every title given, so each is titled in its own language and translated for the others;
    the three form one language group (each names the others: "Also in French, ...").
    Writes the sessions, their group and one QUARTER_PLANNED audit entry on the series, listing
    them; with `publish`, each is published as `publish_session` does (its SESSION_PUBLISHED
    entry too), and a session that may not be published raises ValidationError, writing nothing.
    """
    summaries = summaries or {}
    sessions = []
    group = LanguageGroup.objects.create()
    for language in LANGUAGE_CODES:
        local_start, zone = starts[language]
        starts_at = aware(local_start, zone)
        session = Session(
            series=series,
            language=language,
            starts_at=starts_at,
            ends_at=starts_at + duration,
            time_zone=zone,
            capacity=capacity,
            status=SessionStatus.DRAFT,
            language_group=group,
        )
        for code in LANGUAGE_CODES:
            setattr(session, f"title_{code}", titles.get(code, ""))
            setattr(session, f"summary_{code}", summaries.get(code, ""))
        sessions.append(save_session(session, topics=[topic]))
    audit.record(
        by, AuditAction.QUARTER_PLANNED, series, sessions=[session.pk for session in sessions]
    )
    if publish:
        for session in sessions:
            publish_session(session, by=by)
    return sessions


@transaction.atomic
def propose_session(
    session: Session,
    *,
    by: User | None,
    organisation: Organisation,
    topics: Iterable[Topic] = (),
) -> Session:
    """A co-host proposes a session: a draft the organisers review, with the co-host on it.

    Writes the session row and its co-host and topic links, and a PROPOSAL_MADE audit entry.
    """
    session.status = SessionStatus.DRAFT
    session.proposed_by = organisation
    save_session(session, cohosts=[organisation], topics=list(topics))
    audit.record(by, AuditAction.PROPOSAL_MADE, session)
    return session


@transaction.atomic
def decline_proposal(session: Session, *, by: User | None) -> Session:
    """An organiser declines a co-host's proposal; it stays, out of sight, for the record.

    Writes the session row and a PROPOSAL_DECLINED audit entry naming the proposer.
    """
    session.status = SessionStatus.DECLINED
    save_session(session)
    audit.record(by, AuditAction.PROPOSAL_DECLINED, session, proposed_by=session.proposed_by_id)
    return session


@transaction.atomic
def suggest_text(
    session: Session,
    *,
    by: User,
    organisation: Organisation,
    field: str,
    language: str,
    text: str,
) -> TextSuggestion:
    """Record a co-host's wording for one of a session's translated texts, for review.

    Writes the suggestion, made by `by`, and a SUGGESTION_MADE audit entry naming the text and
    its language; raises ValueError, writing nothing, for a text or language sessions lack.
    """
    if field not in TextSuggestion.FIELDS or language not in LANGUAGE_CODES:
        raise ValueError("Unknown text or language.")
    suggestion = TextSuggestion.objects.create(
        session=session,
        organisation=organisation,
        suggested_by=by,
        field=field,
        language=language,
        text=text.strip(),
    )
    audit.record(by, AuditAction.SUGGESTION_MADE, suggestion, field=field, language=language)
    return suggestion


@transaction.atomic
def review_suggestion(
    suggestion: TextSuggestion, *, accept: bool, by: User | None
) -> TextSuggestion:
    """Accept (the text replaces the session's) or decline a suggestion; once only.

    Writes the suggestion (and the session's text when accepted) and a SUGGESTION_ACCEPTED or
    SUGGESTION_DECLINED audit entry. Reviewing a suggestion twice changes nothing, and so
    records nothing.
    """
    suggestion = TextSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    if suggestion.status != SuggestionStatus.PENDING:
        return suggestion
    if accept:
        session = suggestion.session
        setattr(session, f"{suggestion.field}_{suggestion.language}", suggestion.text)
        save_session(session)
    suggestion.status = SuggestionStatus.ACCEPTED if accept else SuggestionStatus.DECLINED
    suggestion.reviewed_at = timezone.now()
    suggestion.save(update_fields=["status", "reviewed_at"])
    audit.record(
        by,
        AuditAction.SUGGESTION_ACCEPTED if accept else AuditAction.SUGGESTION_DECLINED,
        suggestion,
        field=suggestion.field,
        language=suggestion.language,
    )
    return suggestion


@transaction.atomic
def edit_series(series: Series, *, by: User | None, fields: Iterable[str] = ()) -> Series:
    """Save an organiser's change to a series' texts or retention period.

    Writes the series row and a SERIES_EDITED audit entry with the fields changed and the
    retention period now in force.
    """
    series.save()
    audit.record(
        by,
        AuditAction.SERIES_EDITED,
        series,
        fields=list(fields),
        retention_months=series.retention_months,
    )
    return series

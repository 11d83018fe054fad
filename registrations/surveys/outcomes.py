"""Outcomes months later: the outcome survey (registrations.outcome_survey) asked of each
organisation that attended a series, a set number of months after its first session there.

Periods. An organisation's period in a series starts at the start (`starts_at`) of the first
session of the series it attended, its day as the pages show it, and lasts the series'
`outcome_survey_months`; its survey is due when the period ends (`events.models.add_months`,
counted in UTC, so the 31 August becomes the last day of February). An attendance inside a
period opens nothing; the first attendance after it opens the next period. A period whose
survey went out is recorded by its invitation (`SurveyInvitation.period_starts_at`) and stays
as recorded, even when an older attendance is imported later.

Attendance is a fact that stays: an anonymised registration (erased person, past retention)
still counts for when a period starts. Someone must be there to ask, though: the invitation
goes to the organisation's most recent attendee in the series by the period's end who can
still be written to (a person, active, not opted out of non-essential messages), preferring
people still with the organisation, through that attendance's registration (the anchor: its
facts, as they were then, are what the answers are counted by). An organisation with nobody
to ask gets no invitation; its period still counts as a period (no attendance inside it opens
another), and it is asked after all only if someone becomes reachable within `LATEST` of the
due moment. An invitation withdrawn later (its person erased) still records its period: the
organisation is not asked again within it.

Not late: beyond `LATEST` after its due moment a survey is not sent, so a worker stopped for
weeks, or a series switched on long after its sessions, does not ask firms about sessions
years back.

Safe with several workers: the unique constraint one_outcome_survey_per_organisation_and_period
decides which insert wins, and only the winner queues the message.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from events.models import Series, add_months
from registrations.models import (
    MessageKind,
    Registration,
    Survey,
    SurveyInvitation,
    SurveyPurpose,
)
from registrations.services import queue_message

# How long after its due moment an outcome survey may still go out (a missed run is made
# good by the next; weeks later it is not).
LATEST = timedelta(days=30)


def current_outcome_survey() -> Survey | None:
    """The programme's outcome survey in use (its newest version)."""
    return Survey.objects.filter(
        purpose=SurveyPurpose.OUTCOME, is_default=True, archived_at=None
    ).first()


def _periods(attendances: list[datetime], recorded: list[datetime], months: int):
    """Each period start of one organisation in one series, with whether it is recorded.

    `attendances` and `recorded` in any order. A recorded period stands as it is; an
    attendance opens a period when no period holds it and none recorded starts within the
    months it would last."""
    # A recorded period first when an attendance starts it too: that attendance is inside it.
    moments = sorted(
        [(at, True) for at in recorded] + [(at, False) for at in attendances],
        key=lambda moment: (moment[0], not moment[1]),
    )
    recorded_sorted = sorted(recorded)
    ends = None
    for at, is_recorded in moments:
        if is_recorded:
            ends = max(ends, add_months(at, months)) if ends else add_months(at, months)
            yield at, True
            continue
        if ends is not None and at < ends:
            continue
        would_end = add_months(at, months)
        if any(at < start < would_end for start in recorded_sorted):
            continue
        ends = would_end
        yield at, False


def due_periods(
    *, now: datetime, late: timedelta | None = LATEST
) -> dict[tuple[int, int], list[datetime]]:
    """{(series id, organisation id): [period starts]} whose outcome survey is due by `now`
    (and not more than `late` before; None: however long ago), not sent yet. Three queries,
    whatever the number of organisations."""
    months_of = dict(
        Series.objects.filter(outcome_survey_months__gt=0).values_list(
            "pk", "outcome_survey_months"
        )
    )
    if not months_of:
        return {}
    # Only a session that started about `months` ago or earlier can open a period that is due
    # (a few days more: the 31 August is due on the 28 February); the ones before it decide
    # where the periods lie.
    window = Q(pk__in=[])
    for series_id, months in months_of.items():
        latest = add_months(now, -months) + timedelta(days=4)
        window |= Q(session__series_id=series_id, session__starts_at__lte=latest)
    attendances = defaultdict(list)
    rows = (
        Registration.objects.filter(window, attended=True)
        .values_list("session__series_id", "organisation_id", "session__starts_at")
        .distinct()
    )
    for series_id, organisation_id, starts_at in rows.iterator():
        attendances[series_id, organisation_id].append(starts_at)
    recorded = defaultdict(list)
    invitations = SurveyInvitation.objects.filter(
        series_id__in=months_of, organisation__isnull=False
    ).values_list("series_id", "organisation_id", "period_starts_at")
    for series_id, organisation_id, starts_at in invitations.iterator():
        recorded[series_id, organisation_id].append(starts_at)
    due = {}
    for key, moments in attendances.items():
        months = months_of[key[0]]
        starts = [
            start
            for start, is_recorded in _periods(moments, recorded.get(key, []), months)
            if not is_recorded
            and add_months(start, months) <= now
            and (late is None or now - late < add_months(start, months))
        ]
        if starts:
            due[key] = starts
    return due


def anchors(due: dict[tuple[int, int], list[datetime]]) -> dict[tuple[int, int, datetime], int]:
    """{(series id, organisation id, period start): registration id} of whom to ask about each
    due period (see the module's docstring), in two queries; a period with nobody to ask is
    left out. A registration asked an outcome survey once is not asked through again."""
    months_of = dict(
        Series.objects.filter(pk__in={s for s, _o in due}).values_list(
            "pk", "outcome_survey_months"
        )
    )
    candidates = _candidates(due)
    chosen = {}
    used = set()
    for (series_id, organisation_id), starts in due.items():
        for start in starts:
            ends = add_months(start, months_of[series_id])
            anchor = next(
                (
                    pk
                    for starts_at, pk, _same in candidates.get((series_id, organisation_id), [])
                    if starts_at < ends and pk not in used
                ),
                None,
            )
            if anchor is not None:
                used.add(anchor)
                chosen[series_id, organisation_id, start] = anchor
    return chosen


def _candidates(due: dict[tuple[int, int], list[datetime]]) -> dict[tuple[int, int], list]:
    """{(series id, organisation id): [(session start, registration id, still with the
    organisation)]}, the preferred first: who may be asked, in one query."""
    series_ids = {series_id for series_id, _organisation in due}
    organisation_ids = {organisation_id for _series, organisation_id in due}
    rows = (
        Registration.objects.filter(
            attended=True,
            session__series_id__in=series_ids,
            organisation_id__in=organisation_ids,
            person__isnull=False,
            person__is_active=True,
            person__opted_out_at__isnull=True,
        )
        .exclude(survey_invitations__survey__purpose=SurveyPurpose.OUTCOME)
        .values_list(
            "pk",
            "session__series_id",
            "organisation_id",
            "session__starts_at",
            "person__organisation_id",
        )
    )
    candidates = defaultdict(list)
    for pk, series_id, organisation_id, starts_at, person_organisation_id in rows:
        if (series_id, organisation_id) in due:
            candidates[series_id, organisation_id].append(
                (starts_at, pk, person_organisation_id == organisation_id)
            )
    for found in candidates.values():
        found.sort(key=lambda c: (c[2], c[0], c[1]), reverse=True)
    return candidates


@transaction.atomic
def send_due_outcome_surveys(*, now: datetime | None = None) -> int:
    """Invite each organisation whose period's outcome survey is due (see the module's
    docstring) and queue its OUTCOME_SURVEY message, once per organisation and period.

    Writes one SurveyInvitation per period (survey: the current outcome survey; open for the
    survey's `open_days`) and one Message; a concurrent run finds the period taken and writes
    nothing for it. Returns how many were invited. Periodic job "outcome_surveys"."""
    now = now or timezone.now()
    survey = current_outcome_survey()
    if survey is None:
        return 0
    due = due_periods(now=now)
    if not due:
        return 0
    chosen = anchors(due)
    registrations = Registration.objects.select_related("session").in_bulk(chosen.values())
    invited = 0
    for (series_id, organisation_id, start), anchor in chosen.items():
        registration = registrations[anchor]
        try:
            with transaction.atomic():
                invitation = SurveyInvitation.objects.create(
                    survey=survey,
                    registration=registration,
                    organisation_id=organisation_id,
                    series_id=series_id,
                    period_starts_at=start,
                    created_at=now,
                    closes_at=now + timedelta(days=survey.open_days),
                )
        except IntegrityError:
            continue  # another worker invited this period (or this registration) just now
        queue_message(registration, MessageKind.OUTCOME_SURVEY, unique=f"i{invitation.pk}")
        invited += 1
    return invited

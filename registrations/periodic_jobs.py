"""The registrations layer's periodic jobs, run by outreach.periodic once per period.

Each takes `now` and catches up on everything due by then, so a missed period is made good by
the next; each is safe to run again (what is done is not done twice).
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from outreach import audit
from outreach.models import AuditAction
from registrations import follow_ups, privacy
from registrations.models import Survey, SurveyInvitation
from registrations.services import queue_message
from registrations.surveys import outcomes
from registrations.surveys.services import reminder_kind
from registrations.zoom import services as zoom_sync


@transaction.atomic
def apply_retention(*, now: datetime | None = None, command: str = "periodic") -> dict:
    """Anonymise every session past its series' retention period (registrations.privacy) and
    record it in the audit log when anything was anonymised. Returns the counts."""
    plan = privacy.apply_retention(now=now)
    if plan.sessions:
        audit.record(
            None,
            AuditAction.RETENTION_APPLIED,
            command=command,
            sessions=[session.pk for session in plan.sessions],
            registrations=plan.registration_count,
            people_erased=len(plan.people_to_erase),
        )
    return {
        "sessions": len(plan.sessions),
        "registrations": plan.registration_count,
        "people_erased": len(plan.people_to_erase),
    }


@transaction.atomic
def send_due_survey_reminders(*, now: datetime | None = None) -> int:
    """One reminder to each invited person who has not answered once their survey's reminder
    delay has passed, while the survey is open. Each invitation's session also queues its
    reminder as a deferred task; whichever comes first sends it, the other finds it sent.
    An outcome survey's invitation (registrations.surveys.outcomes) gets its own reminder, from here
    only. Returns how many were queued."""
    now = now or timezone.now()
    count = 0
    for survey in Survey.objects.filter(invitations__reminded_at__isnull=True).distinct():
        due = (
            SurveyInvitation.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                survey=survey,
                registration__person__isnull=False,
                used_at__isnull=True,
                reminded_at__isnull=True,
                closes_at__gt=now,
                created_at__lte=now - timedelta(days=survey.reminder_days),
            )
            .select_related("registration__session")
        )
        for invitation in due:
            kind, unique = reminder_kind(invitation)
            queue_message(invitation.registration, kind, unique=unique)
            invitation.reminded_at = now
            invitation.save(update_fields=["reminded_at"])
            count += 1
    return count


def send_due_outcome_surveys(*, now: datetime | None = None) -> int:
    """The outcome surveys due by now, once per organisation and period
    (registrations.surveys.outcomes). Returns how many organisations were invited."""
    return outcomes.send_due_outcome_surveys(now=now)


def queue_due_follow_ups(*, now: datetime | None = None) -> int:
    """The follow-ups of every session due by now, each session once
    (registrations.follow_ups). Returns how many messages were queued."""
    return follow_ups.queue_due_follow_ups(now=now)


def pull_due_zoom_attendance(*, now: datetime | None = None) -> int:
    """The attendance of every session with a Zoom webinar that has ended long enough ago, pulled
    by a task and imported without a preview (registrations.zoom.services). Returns how many
    pulls were queued."""
    return zoom_sync.queue_due_attendance_pulls(now=now)

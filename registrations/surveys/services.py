"""After a session: invite those who attended to a short survey, once, by a single-use link."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from events.models import Session
from outreach.tasks import enqueue_on_commit
from registrations import signals
from registrations.models import (
    MessageKind,
    Registration,
    Survey,
    SurveyInvitation,
    SurveyPurpose,
    SurveyResponse,
)
from registrations.questions.answers import save_answers
from registrations.services import queue_message

# The tasks queued here, by the dotted path the queue stores: registrations/tasks.py (the top
# of the app) imports this module to run them, so this module does not import it back.
SEND_SURVEY_REMINDERS = "registrations.tasks.send_survey_reminders"


class SurveyClosed(Exception):
    """The link was used already, has expired, or belongs to nobody."""


class SurveyWithdrawn(SurveyClosed):
    """The link's registration is anonymised (the person erased, or past retention): the link
    is no longer valid, and nothing is stored through it."""


def answered(registration: Registration, purpose: str) -> bool:
    """Whether the registration has its response to a survey of this purpose already."""
    return SurveyResponse.objects.filter(
        registration=registration, survey__purpose=purpose
    ).exists()


def survey_for(session: Session) -> Survey | None:
    """The session's own survey, else its series', else the programme's default."""
    current = Survey.objects.filter(purpose=SurveyPurpose.AFTER_SESSION, archived_at=None)
    own = current.filter(session=session).first()
    if own is None and session.series_id:
        own = current.filter(series_id=session.series_id).first()
    return own or current.filter(is_default=True).first()


def invite(
    registration: Registration, *, survey: Survey, now: datetime | None = None
) -> SurveyInvitation | None:
    """The registration's single-use link to `survey`, created unless it has one to a survey
    after the session already (a person is invited once per session, whatever survey the
    session has by now). Queues no message: the caller's message carries the link. Returns the
    new invitation, or None."""
    now = now or timezone.now()
    if registration.person_id is None:
        return None
    if registration.survey_invitations.filter(survey__purpose=SurveyPurpose.AFTER_SESSION).exists():
        return None
    invitation, created = SurveyInvitation.objects.get_or_create(
        survey=survey,
        registration=registration,
        defaults={"closes_at": now + timedelta(days=survey.open_days)},
    )
    return invitation if created else None


def schedule_reminder(session: Session, *, survey: Survey, now: datetime | None = None) -> None:
    """Queue, after commit, the one reminder round of a session's survey invitations
    (`send_reminders`); the hourly job sends any that this task misses."""
    now = now or timezone.now()
    enqueue_on_commit(
        import_string(SEND_SURVEY_REMINDERS),
        session.pk,
        run_after=now + timedelta(days=survey.reminder_days),
    )


@transaction.atomic
def invite_attendees(session: Session, *, now: datetime | None = None) -> int:
    """Invite everyone who attended a finished session to its survey (once each) with a SURVEY
    message, and schedule one reminder. Returns how many were newly invited.

    The follow-ups after a session (registrations.follow_ups) invite attendees with their thanks
    instead; this stays for a survey sent on its own."""
    now = now or timezone.now()
    survey = survey_for(session)
    if survey is None or session.ends_at > now:
        return 0
    invited = 0
    attendees = Registration.objects.filter(
        session=session, attended=True, person__isnull=False
    ).select_related("session")
    for registration in attendees:
        if invite(registration, survey=survey, now=now) is not None:
            queue_message(registration, MessageKind.SURVEY)
            invited += 1
    if invited:
        schedule_reminder(session, survey=survey, now=now)
    return invited


def reminder_kind(invitation: SurveyInvitation) -> tuple[str, str]:
    """The kind of an invitation's one reminder, and what makes its message's key its own:
    an outcome survey (one per organisation and period, registrations.outcomes) has its own."""
    if invitation.organisation_id is not None:
        return MessageKind.OUTCOME_SURVEY_REMINDER, f"i{invitation.pk}"
    return MessageKind.SURVEY_REMINDER, ""


def send_reminders(session: Session, *, now: datetime | None = None) -> int:
    """One reminder to each person invited after this session who has not answered while the
    survey is open. Not to an outcome survey's invitation that names the session's
    registration: the periodic job reminds those when their own delay has passed
    (registrations.periodic_jobs.send_due_survey_reminders)."""
    now = now or timezone.now()
    pending = SurveyInvitation.objects.filter(
        registration__session=session,
        registration__person__isnull=False,
        organisation__isnull=True,
        used_at__isnull=True,
        reminded_at__isnull=True,
        closes_at__gt=now,
    ).select_related("registration__session")
    count = 0
    with transaction.atomic():
        for invitation in pending:
            kind, unique = reminder_kind(invitation)
            queue_message(invitation.registration, kind, unique=unique)
            invitation.reminded_at = now
            invitation.save(update_fields=["reminded_at"])
            count += 1
    return count


def invitation_is_open(registration: Registration) -> bool:
    if registration.person_id is None:
        return False
    invitation = registration.survey_invitations.order_by("-created_at").first()
    return bool(invitation and invitation.used_at is None and invitation.closes_at > timezone.now())


def open_invitation(token: str, *, now: datetime | None = None) -> SurveyInvitation:
    """The invitation behind a link, if it may still be answered; else SurveyClosed, or
    SurveyWithdrawn when its registration is anonymised."""
    now = now or timezone.now()
    invitation = (
        SurveyInvitation.objects.select_related(
            "survey", "registration__session", "registration__organisation"
        )
        .filter(token=token)
        .first()
        if token and len(token) <= 64
        else None
    )
    if invitation is not None and invitation.registration.is_anonymised:
        raise SurveyWithdrawn
    if invitation is None or invitation.used_at is not None or invitation.closes_at <= now:
        raise SurveyClosed
    if answered(invitation.registration, invitation.survey.purpose):
        raise SurveyClosed
    return invitation


@transaction.atomic
def submit_response(
    invitation: SurveyInvitation, answers: dict, *, language: str, now: datetime | None = None
) -> SurveyResponse:
    """Record the answers of one invitation, once: the link is spent in the same transaction.

    `answers` maps question codes to values already cleaned by the form (registrations
    .questions.fields), stored by `save_answers`. An anonymous survey keeps economy, firm size
    and kind, not the person.
    """
    now = now or timezone.now()
    token = invitation.token
    invitation = SurveyInvitation.objects.select_for_update().get(pk=invitation.pk)
    # Read again under the lock: an erasure may have withdrawn the link since it was opened.
    registration = invitation.registration
    if registration.is_anonymised or invitation.token != token:
        raise SurveyWithdrawn
    if invitation.used_at is not None or invitation.closes_at <= now:
        raise SurveyClosed
    if answered(registration, invitation.survey.purpose):
        raise SurveyClosed
    survey = invitation.survey
    response = SurveyResponse.objects.create(
        survey=survey,
        session=registration.session,
        registration=None if survey.anonymous else registration,
        # The registration's facts as the person gave them when registering, as reports cut
        # (an outcome survey's: its anchor registration's), kept should it be erased later.
        economy_id=registration.economy_id,
        organisation_kind=registration.organisation_kind,
        size_band=registration.size_band,
        women_led=registration.women_led,
        youth_led=registration.youth_led,
        language=language,
        # An anonymous answer keeps only its day: an exact time would match it to the
        # moment its invitation was spent, and so to the person.
        submitted_at=now.replace(hour=0, minute=0, second=0, microsecond=0)
        if survey.anonymous
        else now,
    )
    save_answers(response, survey.questions.all(), answers)
    invitation.used_at = now
    invitation.save(update_fields=["used_at"])
    transaction.on_commit(
        lambda: signals.survey_answered.send(sender=SurveyResponse, response=response)
    )
    return response


def response_rate(session: Session) -> tuple[int, int]:
    """(responses, invitations) of a session's survey after it (not the outcome surveys that
    name one of its registrations)."""
    invitations = SurveyInvitation.objects.filter(
        registration__session=session, organisation__isnull=True
    )
    return invitations.filter(used_at__isnull=False).count(), invitations.count()

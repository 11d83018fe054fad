"""A person's rights over their data, and the programme's duty to keep it no longer than needed.

A person downloads everything held about them, or erases themselves; each series may set a
retention period after which its sessions' registrations are anonymised. Both keep the
anonymous facts impact figures need (organisation, economy, firm size and kind, status,
attendance, answers other than free text), so that no figure changes.
"""

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from events.models import Series, Session
from outreach.models import Role, User
from registrations.models import (
    Answer,
    AttendanceRecord,
    Message,
    Registration,
    SurveyInvitation,
    SurveyResponse,
    new_token,
)


def personal_data(person: User) -> dict:
    """Everything held about a person, as plain data (for a JSON download)."""
    registrations = (
        Registration.objects.filter(person=person)
        .select_related("session", "organisation__economy")
        .order_by("created_at")
    )
    answers = (
        Answer.objects.filter(response__registration__person=person)
        .select_related("question", "response")
        .prefetch_related("choices")
        .order_by("response__submitted_at", "question__position")
    )
    organisation = person.organisation
    return {
        "exported_at": timezone.now().isoformat(),
        "person": {
            "email": person.email,
            "full_name": person.full_name,
            "language": person.language,
            "time_zone": person.time_zone,
            "gender": person.gender,
            "date_joined": person.date_joined.isoformat(),
            "organisation": organisation.name if organisation else None,
            "economy": organisation.economy_id if organisation else None,
        },
        "registrations": [
            {
                "session": r.session.localized("title", person.language),
                "starts_at": r.session.starts_at.isoformat(),
                "status": r.status,
                "organisation": r.organisation.name,
                "job_title": r.job_title,
                "consent_version": r.consent_version,
                "consented_at": r.consented_at.isoformat(),
                "shares_with_cohosts": r.shares_with_cohosts,
                "attended": r.attended,
                "minutes_attended": r.minutes_attended,
            }
            for r in registrations
        ],
        "survey_answers": [
            {
                "question": a.question.code,
                "number": a.number,
                "yes": a.boolean,
                "text": a.text,
                "choices": [c.code for c in a.choices.all()],
                "submitted_at": a.response.submitted_at.isoformat(),
            }
            for a in answers
        ],
    }


@transaction.atomic
def erase_person(person: User) -> None:
    """Remove a person's name, email and free-text answers; keep the anonymous facts.

    Their registrations stay (with organisation, economy, attendance), so that impact figures
    do not change; every link they were sent stops working; they can no longer sign in.
    """
    person = User.objects.select_for_update().get(pk=person.pk)
    registrations = Registration.objects.filter(person=person)
    for registration in registrations:
        registration.shared_with.clear()
    registrations.update(job_title="", shares_with_cohosts=False)
    for registration in registrations.only("pk"):
        Registration.objects.filter(pk=registration.pk).update(token=secrets.token_urlsafe(24))
    AttendanceRecord.objects.filter(registration__person=person).update(name="", email="")
    Answer.objects.filter(response__registration__person=person).update(text="")
    SurveyResponse.objects.filter(registration__person=person).update(registration=None)
    EmailAddress.objects.filter(user=person).delete()
    person.email = _erased_email(person)
    person.full_name = ""
    person.gender = ""
    person.is_active = False
    person.calendar_token = secrets.token_urlsafe(24)
    person.set_unusable_password()
    person.save()


def _erased_email(person: User) -> str:
    return f"erased-{person.pk}@invalid.example"


def is_erased(person: User) -> bool:
    return person.email == _erased_email(person)


# --- Retention ------------------------------------------------------------------------------
#
# Once a series' retention period has passed since one of its sessions ended, that session's
# registrations are anonymised: the link to the person goes, with the job title, the co-hosts
# they shared their details with, their links (cancel, survey) and the messages sent to them;
# attendance records lose names and emails, survey answers their free text. Each registration
# row stays with its session, organisation, the organisation's facts, source, status,
# attendance and the other answers, so impact figures do not change. Sessions without a
# series, and series without a period, are kept.
#
# A person left with no registration at all, who only ever registered (a participant, neither
# staff nor a co-host member) and has not signed in since their last registration fell due,
# has nothing left to keep an account for: they are erased as if they had asked.


def sessions_past_retention(*, now: datetime | None = None) -> QuerySet[Session]:
    """Sessions whose series' retention period has passed since they ended."""
    now = now or timezone.now()
    past = Q(pk__in=[])
    for series in Series.objects.filter(retention_months__isnull=False):
        past |= Q(series=series, ends_at__lte=series.retention_cutoff(now))
    return Session.objects.filter(past)


def _still_personal(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """Those still holding something personal: a registration with its person, an attendance
    record with a name or email, or a free-text answer (a late import or survey may bring
    some after an earlier run)."""
    return sessions.filter(
        Exists(Registration.objects.filter(session=OuterRef("pk"), person__isnull=False))
        | Exists(AttendanceRecord.objects.filter(session=OuterRef("pk")).exclude(name="", email=""))
        | Exists(Answer.objects.filter(response__session=OuterRef("pk")).exclude(text=""))
    )


def is_past_retention(session: Session, *, now: datetime | None = None) -> bool:
    """Whether a session's personal data is gone or due to go, so that nothing personal may be
    added to it any more (no attendance import, no check-in, no message)."""
    now = now or timezone.now()
    cutoff = session.series.retention_cutoff(now) if session.series_id else None
    if cutoff is not None and session.ends_at <= cutoff:
        return True
    return Registration.objects.filter(session=session, anonymised_at__isnull=False).exists()


@dataclass
class RetentionPlan:
    """What a retention run anonymises and erases, worked out before anything is written."""

    now: datetime
    sessions: list[Session] = field(default_factory=list)
    registrations: dict[int, int] = field(default_factory=dict)  # session id → to anonymise
    people_to_erase: list[int] = field(default_factory=list)

    @property
    def registration_count(self) -> int:
        return sum(self.registrations.values())


def plan_retention(*, now: datetime | None = None) -> RetentionPlan:
    """The sessions past retention that still hold personal data, the registrations each
    would anonymise, and the people who would be left with nothing (see above)."""
    now = now or timezone.now()
    sessions = list(
        _still_personal(sessions_past_retention(now=now))
        .select_related("series")
        .order_by("ends_at", "pk")
    )
    plan = RetentionPlan(now=now, sessions=sessions)
    due = Registration.objects.filter(session__in=sessions, person__isnull=False)
    fell_due = {s.pk: s.series.retention_ends(s.ends_at) for s in sessions}
    last_due: dict[int, datetime] = {}
    for session_id, person_id in due.values_list("session_id", "person_id"):
        plan.registrations[session_id] = plan.registrations.get(session_id, 0) + 1
        if person_id not in last_due or fell_due[session_id] > last_due[person_id]:
            last_due[person_id] = fell_due[session_id]
    kept_elsewhere = Registration.objects.filter(person=OuterRef("pk")).exclude(
        session__in=sessions
    )
    candidates = (
        User.objects.filter(Exists(due.filter(person=OuterRef("pk"))))
        .filter(role=Role.PARTICIPANT, is_staff=False, is_superuser=False)
        .exclude(Exists(kept_elsewhere))
    )
    plan.people_to_erase = sorted(
        person.pk
        for person in candidates.only("pk", "email", "last_login")
        if not is_erased(person)
        and (person.last_login is None or person.last_login < last_due[person.pk])
    )
    return plan


def anonymise_session(session: Session, *, now: datetime | None = None) -> int:
    """Remove every personal detail a session's registrations, attendance and survey answers
    hold, keeping the anonymous facts. Returns how many registrations lost their person.

    Deletes the messages to those registrations (a queued one is then never sent) and their
    co-host sharing; gives their cancel and survey links new secrets (the survey closed)."""
    now = now or timezone.now()
    with transaction.atomic():
        personal = Registration.objects.filter(session=session, person__isnull=False)
        registrations = list(personal.select_for_update().only("pk"))
        Registration.shared_with.through.objects.filter(registration__in=personal).delete()
        Message.objects.filter(registration__in=personal).delete()
        invitations = list(
            SurveyInvitation.objects.filter(registration__in=personal).only("pk", "closes_at")
        )
        for invitation in invitations:
            invitation.token = new_token()
            invitation.closes_at = min(invitation.closes_at, now)
        SurveyInvitation.objects.bulk_update(invitations, ["token", "closes_at"], batch_size=500)
        for registration in registrations:
            registration.person = None
            registration.job_title = ""
            registration.shares_with_cohosts = False
            registration.token = new_token()
            registration.anonymised_at = now
        Registration.objects.bulk_update(
            registrations,
            ["person", "job_title", "shares_with_cohosts", "token", "anonymised_at"],
            batch_size=500,
        )
        AttendanceRecord.objects.filter(session=session).exclude(name="", email="").update(
            name="", email=""
        )
        Answer.objects.filter(response__session=session).exclude(text="").update(text="")
    return len(registrations)


@transaction.atomic
def apply_retention(*, now: datetime | None = None) -> RetentionPlan:
    """Anonymise every session past its series' retention period, then erase the people left
    with nothing; one transaction. Returns the plan it carried out."""
    plan = plan_retention(now=now)
    for session in plan.sessions:
        anonymise_session(session, now=plan.now)
    for start in range(0, len(plan.people_to_erase), 500):
        for person in User.objects.filter(pk__in=plan.people_to_erase[start : start + 500]):
            # Someone who registered again while the run was being planned keeps their account.
            if not Registration.objects.filter(person=person).exists():
                erase_person(person)
    return plan

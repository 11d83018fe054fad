"""A person's rights over their data: a copy of everything, and erasure that keeps the
anonymous facts impact figures need (economy, firm size and kind, attendance, scale answers)."""

import secrets

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from outreach.models import User
from registrations.models import Answer, AttendanceRecord, Registration, SurveyResponse


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
    person.email = f"erased-{person.pk}@invalid.example"
    person.full_name = ""
    person.gender = ""
    person.is_active = False
    person.calendar_token = secrets.token_urlsafe(24)
    person.set_unusable_password()
    person.save()

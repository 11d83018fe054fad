"""Demo registrations: a contact person for every demo firm and support organisation,
registered across the demo sessions, with some on the waitlist and some cancelled.

Written directly (no messages are queued), then each session's seat counter is set from
the rows, so that seeding twice changes nothing."""

import random
import re
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from events.models import Session, SessionStatus
from outreach.models import Organisation, OrganisationKind, User
from registrations import demo_courses, demo_outcomes
from registrations.models import (
    PRIVACY_NOTICE_VERSION,
    Answer,
    Choice,
    Question,
    Registration,
    RegistrationStatus,
    Survey,
    SurveyInvitation,
    SurveyPurpose,
    SurveyResponse,
)

LANGUAGE_BY_ECONOMY = {
    "fr": {"SN", "CI", "BF", "ML", "MA", "MG", "RW", "HT", "VU"},
    "es": {"CL", "PE", "CO", "MX", "EC", "BO", "PY", "HN"},
}
ZONE_BY_ECONOMY = {
    "CL": "America/Santiago",
    "PE": "America/Lima",
    "CO": "America/Bogota",
    "MX": "America/Mexico_City",
    "KE": "Africa/Nairobi",
    "SN": "Africa/Dakar",
    "BD": "Asia/Dhaka",
    "FJ": "Pacific/Fiji",
    "VN": "Asia/Ho_Chi_Minh",
}


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40]


def _contact(organisation: Organisation) -> User:
    language = next(
        (code for code, codes in LANGUAGE_BY_ECONOMY.items() if organisation.economy_id in codes),
        "en",
    )
    person, created = User.objects.update_or_create(
        email=f"contact@{_slug(organisation.name)}.example",
        defaults={
            "full_name": f"Contact, {organisation.name}",
            "organisation": organisation,
            "language": language,
            "time_zone": ZONE_BY_ECONOMY.get(organisation.economy_id, "UTC"),
        },
    )
    if created:
        person.set_unusable_password()
        person.save(update_fields=["password"])
    return person


@transaction.atomic
def seed() -> list[str]:
    organisations = Organisation.objects.filter(
        kind__in=[OrganisationKind.FIRM, OrganisationKind.SUPPORT]
    ).order_by("name")
    people = [_contact(organisation) for organisation in organisations]
    # Courses are enrolled in whole (registrations.demo_courses), not session by session.
    demo_courses.make_courses()
    sessions = (
        Session.objects.exclude(status__in=[SessionStatus.DRAFT, SessionStatus.DECLINED])
        .exclude(series__is_course=True)
        .order_by("starts_at", "pk")
    )
    now = timezone.now()
    for session in sessions:
        pick = random.Random(str(session.uid))  # noqa: S311 (demo data, not security)
        audience = [
            p
            for p in people
            if not session.target_economies.exists()
            or session.target_economies.filter(code=p.organisation.economy_id).exists()
        ]
        wanted = min(len(audience), max(session.capacity // 8, 12) + pick.randint(0, 10))
        if session.capacity <= 40:
            wanted = len(audience)
        chosen = pick.sample(audience, wanted)
        confirmed = 0
        for n, person in enumerate(chosen):
            if n % 11 == 5:
                status = RegistrationStatus.CANCELLED
            elif confirmed < session.capacity:
                status = RegistrationStatus.CONFIRMED
                confirmed += 1
            else:
                status = RegistrationStatus.WAITLISTED
            at = min(session.starts_at, now) - timezone.timedelta(days=20 - n % 20)
            Registration.objects.update_or_create(
                session=session,
                person=person,
                defaults={
                    "organisation": person.organisation,
                    "status": status,
                    "consent_version": PRIVACY_NOTICE_VERSION,
                    "consented_at": at,
                    "created_at": at,
                    "confirmed_at": at if status == RegistrationStatus.CONFIRMED else None,
                    "waitlisted_at": at if status == RegistrationStatus.WAITLISTED else None,
                    "cancelled_at": at if status == RegistrationStatus.CANCELLED else None,
                },
            )
    demo_courses.enrol(now)
    _attribute_to_cohosts()
    _attendance_and_answers(now)
    demo_courses.complete(now)
    demo_outcomes.seed(now)
    counts = Session.objects.annotate(
        seats=Count("registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED))
    ).values_list("pk", "seats")
    for pk, seats in counts:
        Session.objects.filter(pk=pk).update(confirmed_count=seats)
    return []


def _attribute_to_cohosts():
    """Most registrations of the national sessions came through the ministry's link; some of
    those people agreed to share their details with the ministry."""
    for session in Session.objects.filter(series__slug="national-sessions"):
        cohost = session.cohosts.first()
        for n, registration in enumerate(session.registrations.order_by("pk")):
            through_link = n % 4 != 3
            shares = n % 3 != 2
            Registration.objects.filter(pk=registration.pk).update(
                source="cohost" if through_link else "direct",
                source_organisation=cohost if through_link else None,
                shares_with_cohosts=shares,
            )
            registration.shared_with.set([cohost] if shares else [])


def _attendance_and_answers(now):
    """Past sessions: about three in four confirmed people came; two in five of them answered
    the default survey, so that figures and charts are alive."""
    survey = Survey.objects.get(
        is_default=True, purpose=SurveyPurpose.AFTER_SESSION, archived_at=None
    )
    questions = {q.code: q for q in Question.objects.filter(survey=survey)}
    markets = list(Choice.objects.filter(question=questions["markets_considered"]))
    past = Session.objects.filter(ends_at__lte=now, status=SessionStatus.FINISHED)
    for session in past:
        for registration in session.registrations.filter(status=RegistrationStatus.CONFIRMED):
            # One draw per person, so that a second seeding (which skips the answers given
            # the first time) draws the same attendance.
            pick = random.Random(f"attendance-{session.uid}-{registration.person_id}")  # noqa: S311
            came = pick.random() < 0.75
            minutes = pick.randint(15, session.duration_minutes) if came else pick.randint(0, 6)
            Registration.objects.filter(pk=registration.pk).update(
                attended=came, minutes_attended=minutes
            )
            if not came:
                continue
            invitation, _created = SurveyInvitation.objects.get_or_create(
                survey=survey,
                registration=registration,
                defaults={"closes_at": session.ends_at + timedelta(days=survey.open_days)},
            )
            if (
                pick.random() >= 0.4
                or SurveyResponse.objects.filter(registration=registration, survey=survey).exists()
            ):
                continue
            organisation = registration.organisation
            response = SurveyResponse.objects.create(
                survey=survey,
                session=session,
                registration=registration,
                economy_id=organisation.economy_id,
                organisation_kind=organisation.kind,
                size_band=organisation.size_band,
                language=registration.person.language,
                submitted_at=session.ends_at + timedelta(hours=pick.randint(2, 60)),
            )
            Answer.objects.create(
                response=response,
                question=questions["satisfaction"],
                number=pick.choice([3, 4, 4, 5, 5]),
            )
            Answer.objects.create(
                response=response,
                question=questions["simplifies_market_research"],
                boolean=pick.random() < 0.8,
            )
            Answer.objects.create(
                response=response,
                question=questions["informs_export_decision"],
                boolean=pick.random() < 0.6,
            )
            Answer.objects.create(
                response=response, question=questions["recommend"], number=pick.randint(6, 10)
            )
            considered = Answer.objects.create(
                response=response, question=questions["markets_considered"]
            )
            considered.choices.set(pick.sample(markets, pick.randint(1, 3)))
            SurveyInvitation.objects.filter(pk=invitation.pk).update(used_at=response.submitted_at)

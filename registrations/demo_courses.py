"""Demo courses: the Digital Champions winners' three-week workshop, held one session a week in
the last two months, with its enrolments, attendance and completions (and so certificates of
completion); and the export training course ahead, full, with one firm on its waitlist.

Written directly (no messages are queued) and keyed on stable UIDs and slugs, so that seeding
twice changes nothing. `make_courses` runs before the demo's registrations (which leave a
course's sessions alone), `enrol` after them, `complete` once attendance is drawn."""

import random
import uuid
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from events.models import CompletionRule, Series, Session, SessionFormat, SessionStatus
from outreach.models import Organisation, OrganisationKind, User
from registrations.courses import services as courses
from registrations.models import PRIVACY_NOTICE_VERSION, Enrolment, Registration, RegistrationStatus

NAMESPACE = uuid.UUID("7a1f0c52-3e4d-4b6a-8c9e-2d5f7a1b3c4e")
WORKSHOP = "digital-champions-workshop"
WORKSHOP_TITLES = {
    "en": "Digital Champions: three-week online selling workshop",
    "fr": "Champions du numérique : atelier de vente en ligne en trois semaines",
    "es": "Campeones digitales: taller de venta en línea de tres semanas",
}
WEEK_TITLES = {
    "en": "Digital Champions workshop, week %(week)s",
    "fr": "Atelier Champions du numérique, semaine %(week)s",
    "es": "Taller Campeones digitales, semana %(week)s",
}
PLACES = 20
EXPORT_COURSE = "export-course"
DEMO_PARTICIPANT = "firm@outreach.example"


def make_courses() -> None:
    """The workshop's series and its three past sessions; the export course made a course."""
    series = Series.objects.filter(slug=WORKSHOP).first() or Series(slug=WORKSHOP)
    for code, title in WORKSHOP_TITLES.items():
        setattr(series, f"title_{code}", title)
    series.is_course = True
    series.capacity = PLACES
    series.completion_rule = CompletionRule.SESSIONS
    series.completion_sessions = 2
    series.save()
    today = timezone.now().replace(hour=14, minute=0, second=0, microsecond=0)
    first = today - timedelta(weeks=7)
    for week in range(3):
        uid = uuid.uuid5(NAMESPACE, f"workshop-week-{week + 1}")
        session = Session.objects.filter(uid=uid).first() or Session(uid=uid)
        for code, title in WEEK_TITLES.items():
            setattr(session, f"title_{code}", title % {"week": week + 1})
        session.summary_en = "Selling online across borders: listings, payments and delivery."
        session.summary_fr = "Vendre en ligne à l’étranger : annonces, paiements et livraison."
        session.summary_es = "Vender en línea en el extranjero: anuncios, pagos y entregas."
        session.series = series
        session.language = "en"
        session.format = SessionFormat.ONLINE
        session.starts_at = first + timedelta(weeks=week)
        session.ends_at = session.starts_at + timedelta(minutes=90)
        session.time_zone = "UTC"
        session.capacity = 40
        session.status = SessionStatus.FINISHED
        session.join_url = f"https://meet.example.org/j/{uid.int % 10**10:010d}"
        session.save()
    Series.objects.filter(slug=EXPORT_COURSE).update(
        is_course=True,
        capacity=5,
        completion_rule=CompletionRule.SESSIONS,
        completion_sessions=2,
    )


def _enrol(series: Series, people: list[User], *, confirmed: int, held: bool, now) -> None:
    sessions = list(courses.course_sessions(series))
    for n, person in enumerate(people):
        at = (sessions[0].starts_at if held else now) - timedelta(days=20 - n)
        status = RegistrationStatus.CONFIRMED if n < confirmed else RegistrationStatus.WAITLISTED
        enrolment, _created = Enrolment.objects.update_or_create(
            series=series,
            person=person,
            defaults={
                "organisation": person.organisation,
                "status": status,
                "created_at": at,
                "confirmed_at": at if status == RegistrationStatus.CONFIRMED else None,
                "waitlisted_at": at if status == RegistrationStatus.WAITLISTED else None,
            },
        )
        for session in sessions:
            registration, _created = Registration.objects.update_or_create(
                session=session,
                person=person,
                defaults={
                    "enrolment": enrolment,
                    "organisation": person.organisation,
                    "status": status,
                    "consent_version": PRIVACY_NOTICE_VERSION,
                    "consented_at": at,
                    "created_at": at,
                    "confirmed_at": at if status == RegistrationStatus.CONFIRMED else None,
                    "waitlisted_at": at if status == RegistrationStatus.WAITLISTED else None,
                    "cancelled_at": None,
                },
            )
            registration.record_organisation_facts()
            registration.save()
    Series.objects.filter(pk=series.pk).update(
        enrolled_count=series.enrolments.filter(status=RegistrationStatus.CONFIRMED).count()
    )


def enrol(now) -> None:
    """Firms' contacts enrolled: 14 in the workshop, and 6 in the export course ahead (its 5
    places taken, one on its waitlist)."""
    firms = list(
        User.objects.filter(
            organisation__in=Organisation.objects.filter(kind=OrganisationKind.FIRM),
            email__endswith=".example",
        ).order_by("email")
    )
    pick = random.Random(WORKSHOP)  # noqa: S311 (demo data, not security)
    workshop = Series.objects.get(slug=WORKSHOP)
    # The demo's participant login is one of them, so that My sessions shows a course.
    participant = [p for p in firms if p.email == DEMO_PARTICIPANT]
    others = [p for p in firms if p.email != DEMO_PARTICIPANT]
    chosen = participant + pick.sample(others, min(14 - len(participant), len(others)))
    _enrol(workshop, chosen, confirmed=14, held=True, now=now)
    export = Series.objects.filter(slug=EXPORT_COURSE, is_course=True).first()
    # French speakers first (the course is in French): its 5 places taken, one more waits.
    ahead = sorted(firms, key=lambda p: (p.language != "fr", p.email))[:6]
    if export is not None and ahead:
        _enrol(export, ahead, confirmed=5, held=False, now=now)


def complete(now) -> None:
    """Completions from the attendance the demo drew (registrations.demo), each with its
    certificate of completion; the session seat counters kept true."""
    workshop = Series.objects.get(slug=WORKSHOP)
    # Completed when the last session's attendance came in, the day it ended.
    known_at = courses.course_sessions(workshop).last().ends_at + timedelta(hours=2)
    for enrolment in workshop.enrolments.filter(status=RegistrationStatus.CONFIRMED):
        courses.update_completion(enrolment, now=min(known_at, now))
    counts = Session.objects.filter(series__is_course=True).annotate(
        seats=Count("registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED))
    )
    for session in counts:
        Session.objects.filter(pk=session.pk).update(confirmed_count=session.seats)

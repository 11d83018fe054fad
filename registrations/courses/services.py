"""Writes for courses: enrolling, leaving, the course's waitlist, and completion.

What is promised
----------------
- A course's places are its own (`Series.capacity`, None: no limit), claimed in one conditional
  UPDATE of `Series.enrolled_count` while the series row is locked (`select_for_update`), so two
  people never take the last place. Every course write locks the series row first, then its
  sessions' rows, in that order: no deadlock between enrolments.
- A confirmed enrolment also holds a seat in each of its upcoming sessions (the sessions' own
  `confirmed_count`, claimed the same way as a single registration's), so a session's count and
  its check constraint stay true. When any of those sessions has no seat left, the course is
  full for the newcomer as well: the enrolment waits, and no place or seat is held. Its
  effective size is therefore the smallest of the course's places and its sessions' seats; the
  series form refuses more places than a session has seats (events.forms.SeriesForm).
- An enrolment has one registration for each published session of the course still ahead, with
  the enrolment's status, each reminded as any registration is. A session's own waitlist never
  promotes a course's registration alone (registrations.services.promote_from_waitlist): a
  course's waitlist moves whole, the longest waiting first (`waitlisted_at`).
- One message per event: ENROLLED (with one calendar invitation per session, each its own UID),
  ENROLMENT_WAITLISTED, and ENROLMENT_CANCELLED (a cancellation for each session left), queued on
  the enrolment's first upcoming registration.
- Completion (`update_completion`) follows attendance wherever it becomes known (imported,
  pulled from Zoom, checked in, linked by hand: registrations.follow_ups.mark_attendance_known).
  It is set once and stays: a certificate may have been issued and shown to others on its
  strength, so a later import that lowers attendance does not undo it; an organiser revokes the
  certificate if the completion was a mistake.
"""

from datetime import datetime

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from events.models import CompletionRule, Series, Session, SessionStatus
from outreach.models import Organisation, User, normalise_email
from registrations import services
from registrations.certificates import services as certificates
from registrations.confirmations import BadLink
from registrations.models import (
    PRIVACY_NOTICE_VERSION,
    Enrolment,
    MessageKind,
    PendingKind,
    PendingRegistration,
    Registration,
    RegistrationSource,
    RegistrationState,
    RegistrationStatus,
)


class NotACourse(ValueError):
    """The series is not a course: its sessions are registered for one by one."""


class CourseStarted(Exception):
    """Refused: every session of the course has started; leaving it changes nothing now."""


class _NoPlace(Exception):
    """Rolls back the places and seats claimed for an enrolment that must wait."""


# --- Reading the course ---------------------------------------------------------------------


def course_sessions(series: Series) -> QuerySet[Session]:
    """The sessions that make the course: published (or finished), not cancelled, in order."""
    return Session.objects.filter(
        series=series, status__in=[SessionStatus.PUBLISHED, SessionStatus.FINISHED]
    ).order_by("starts_at", "pk")


def upcoming_sessions(series: Series, *, now: datetime | None = None) -> list[Session]:
    """The course's published sessions that have not started: those an enrolment registers for."""
    now = now or timezone.now()
    return list(
        Session.objects.filter(
            series=series, status=SessionStatus.PUBLISHED, starts_at__gt=now
        ).order_by("starts_at", "pk")
    )


def course_state(series: Series, *, now: datetime | None = None) -> RegistrationState:
    """OPEN, or why not, by the course's next session (its registration window): FINISHED when
    none is ahead, DRAFT when the series is not a course."""
    now = now or timezone.now()
    if not series.is_course:
        return RegistrationState.DRAFT
    upcoming = upcoming_sessions(series, now=now)
    if not upcoming:
        return RegistrationState.FINISHED
    return services.registration_state(upcoming[0], now=now)


def places_left(series: Series) -> int | None:
    """Places still free in the course (None: no limit)."""
    if series.capacity is None:
        return None
    return max(series.capacity - series.enrolled_count, 0)


# --- Enrolling ------------------------------------------------------------------------------


def _lock_series(series: Series) -> Series:
    return Series.objects.select_for_update().get(pk=series.pk)


def _claim_place(series: Series) -> bool:
    """Take one place in the course if one is free, in one statement; True when taken."""
    return bool(
        Series.objects.filter(pk=series.pk)
        .filter(Q(capacity__isnull=True) | Q(enrolled_count__lt=F("capacity")))
        .update(enrolled_count=F("enrolled_count") + 1)
    )


def _free_place(series: Series) -> None:
    Series.objects.filter(pk=series.pk, enrolled_count__gt=0).update(
        enrolled_count=F("enrolled_count") - 1
    )


def _claim_all(series: Series, sessions: list[Session]) -> bool:
    """A place in the course and a seat in each session, or none of them (a savepoint)."""
    try:
        with transaction.atomic():
            if not _claim_place(series):
                raise _NoPlace
            for session in sorted(sessions, key=lambda s: s.pk):
                if not services._claim_seat(session):
                    raise _NoPlace
    except _NoPlace:
        return False
    return True


def _waitlist_is_empty(series: Series) -> bool:
    return not Enrolment.objects.filter(
        series=series, status=RegistrationStatus.WAITLISTED
    ).exists()


def enrol(
    series: Series,
    *,
    person: User,
    organisation: Organisation,
    source: str = RegistrationSource.DIRECT,
    source_organisation: Organisation | None = None,
    shares_with_cohosts: bool = False,
    job_title: str = "",
    consent_version: str = PRIVACY_NOTICE_VERSION,
    now: datetime | None = None,
) -> Enrolment:
    """Enrol a person in a course: a place and a seat in every session ahead while free, else
    the course's waitlist.

    Idempotent: a person enrolled already (not cancelled) gets their enrolment back and no new
    message; a cancelled enrolment comes back to life. Writes the enrolment, one registration
    per upcoming session, the course's and the sessions' counters in one transaction; queues
    ENROLLED (or ENROLMENT_WAITLISTED) and the sessions' reminders after commit.
    Raises NotACourse, services.RegistrationClosed or services.SeatsBusy.
    """
    now = now or timezone.now()
    if not series.is_course:
        raise NotACourse
    state = course_state(series, now=now)
    if state != RegistrationState.OPEN:
        raise services.RegistrationClosed(state)
    existing = Enrolment.objects.filter(series=series, person=person).first()
    if existing is not None and existing.status != RegistrationStatus.CANCELLED:
        return existing
    details = {
        "organisation": organisation,
        "source": source,
        "source_organisation": source_organisation,
        "shares_with_cohosts": shares_with_cohosts,
        "job_title": job_title,
        "consent_version": consent_version,
    }
    try:
        with transaction.atomic():
            services._lock_timeout()
            return _enrol_locked(series, person, details, now=now)
    except IntegrityError:
        # The same person's second click arrived while the first was being written.
        return Enrolment.objects.get(series=series, person=person)
    except OperationalError as error:
        if services._waited_too_long(error):
            raise services.SeatsBusy from error
        raise


def _enrol_locked(series: Series, person: User, details: dict, *, now: datetime) -> Enrolment:
    series = _lock_series(series)  # from here the course is ours until commit
    enrolment = Enrolment.objects.select_for_update().filter(series=series, person=person).first()
    if enrolment is not None and enrolment.status != RegistrationStatus.CANCELLED:
        return enrolment
    sessions = upcoming_sessions(series, now=now)
    held = {
        r.session_id
        for r in Registration.objects.filter(
            session__in=sessions,
            person=person,
            status=RegistrationStatus.CONFIRMED,
            enrolment__isnull=True,
        )
    }
    # Nobody jumps the queue: while people wait for the course, a newcomer waits behind them.
    confirmed = _waitlist_is_empty(series) and _claim_all(
        series, [s for s in sessions if s.pk not in held]
    )
    first = enrolment is None
    if first:
        enrolment = Enrolment(series=series, person=person)
    enrolment.organisation = details["organisation"]
    enrolment.cancelled_at = None
    _set_status(enrolment, confirmed, now=now)
    enrolment.save(force_insert=first)
    registrations = [
        _registration_for(enrolment, session, details, confirmed=confirmed, now=now)
        for session in sessions
    ]
    _announce(enrolment, registrations, confirmed=confirmed, now=now)
    return enrolment


def _set_status(enrolment: Enrolment, confirmed: bool, *, now: datetime) -> None:
    if confirmed:
        enrolment.status = RegistrationStatus.CONFIRMED
        enrolment.confirmed_at = now
        enrolment.waitlisted_at = None
    else:
        enrolment.status = RegistrationStatus.WAITLISTED
        enrolment.waitlisted_at = now


def _registration_for(
    enrolment: Enrolment, session: Session, details: dict, *, confirmed: bool, now: datetime
) -> Registration:
    """The enrolment's registration for one session: new, or the person's earlier one (left,
    or registered for alone before the series became a course) made part of the enrolment."""
    registration = Registration.objects.filter(session=session, person=enrolment.person).first()
    new = registration is None
    if new:
        registration = Registration(session=session, person=enrolment.person)
    else:
        registration.revision += 1
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED
    for name, value in details.items():
        setattr(registration, name, value)
    registration.enrolment = enrolment
    registration.record_organisation_facts()
    registration.consented_at = now
    registration.cancelled_at = None
    if confirmed:
        registration.status = RegistrationStatus.CONFIRMED
        if not was_confirmed:
            registration.confirmed_at = now
        registration.waitlisted_at = None
    else:
        if was_confirmed:  # a seat held alone goes back: the course waits as a whole
            Session.objects.filter(pk=session.pk).update(confirmed_count=F("confirmed_count") - 1)
        registration.status = RegistrationStatus.WAITLISTED
        registration.waitlisted_at = now
    registration.save(force_insert=new)
    if registration.shares_with_cohosts:
        registration.shared_with.set(session.cohosts.all())
    elif not new:
        registration.shared_with.clear()
    return registration


def _announce(
    enrolment: Enrolment, registrations: list[Registration], *, confirmed: bool, now: datetime
) -> None:
    """Queue the one message of an enrolment, on its first registration ahead, and the sessions'
    reminders for a confirmed one."""
    if not registrations:
        return
    first = registrations[0]
    kind = MessageKind.ENROLLED if confirmed else MessageKind.ENROLMENT_WAITLISTED
    services.queue_message(first, kind, unique=f"enrolment-{enrolment.pk}")
    if confirmed:
        for registration in registrations:
            services.schedule_reminders(registration.session, now=now)


# --- Leaving, and the waitlist --------------------------------------------------------------


def cancel_own_enrolment(enrolment: Enrolment, *, now: datetime | None = None) -> Enrolment:
    """A person leaves their course (the link in its messages, or My sessions): as
    cancel_enrolment, but only while a session of it is still ahead; after, raises
    CourseStarted and changes nothing."""
    now = now or timezone.now()
    if enrolment.status != RegistrationStatus.CANCELLED and not upcoming_sessions(
        enrolment.series, now=now
    ):
        raise CourseStarted
    return cancel_enrolment(enrolment, now=now)


def cancel_enrolment(enrolment: Enrolment, *, now: datetime | None = None) -> Enrolment:
    """Leave the whole course: every registration for a session ahead is cancelled (its seat
    freed), the place in the course goes to the first enrolment waiting (who is told), and one
    ENROLMENT_CANCELLED message takes every session left out of the person's calendar.
    Registrations of sessions already held stay as they are (their attendance is history).
    Cancelling twice changes nothing. Raises services.SeatsBusy when the course stays locked."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            services._lock_timeout()
            series = _lock_series(enrolment.series)
            enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
            if enrolment.status == RegistrationStatus.CANCELLED:
                return enrolment
            held_a_place = enrolment.status == RegistrationStatus.CONFIRMED
            left = _leave_sessions(enrolment, now=now)
            enrolment.status = RegistrationStatus.CANCELLED
            enrolment.cancelled_at = now
            enrolment.save(update_fields=["status", "cancelled_at"])
            if held_a_place:
                _free_place(series)
                promote_enrolments(series, now=now)
            if left:
                services.queue_message(
                    left[0], MessageKind.ENROLMENT_CANCELLED, unique=f"enrolment-{enrolment.pk}"
                )
            return enrolment
    except OperationalError as error:
        if services._waited_too_long(error):
            raise services.SeatsBusy from error
        raise


def _leave_sessions(enrolment: Enrolment, *, now: datetime) -> list[Registration]:
    registrations = list(
        enrolment.registrations.select_for_update(of=("self",))
        .select_related("session")
        .filter(session__starts_at__gt=now)
        .exclude(status=RegistrationStatus.CANCELLED)
        .order_by("session__starts_at", "session_id")
    )
    for registration in registrations:
        if registration.status == RegistrationStatus.CONFIRMED:
            Session.objects.filter(pk=registration.session_id).update(
                confirmed_count=F("confirmed_count") - 1
            )
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = now
        registration.revision += 1
        registration.save(update_fields=["status", "cancelled_at", "revision"])
    return registrations


def promote_enrolments(series: Series, *, now: datetime | None = None) -> list[Enrolment]:
    """Give every free place of the course to the enrolments waiting longest, each with a seat
    in every session ahead, and tell them (ENROLLED). Returns them. The caller holds the series
    row (or this takes it)."""
    now = now or timezone.now()
    promoted = []
    with transaction.atomic():
        series = _lock_series(series)
        while True:
            waiting = (
                Enrolment.objects.select_for_update()
                .filter(series=series, status=RegistrationStatus.WAITLISTED)
                .order_by("waitlisted_at", "pk")
                .first()
            )
            if waiting is None:
                break
            registrations = list(
                waiting.registrations.select_related("session")
                .filter(session__starts_at__gt=now, status=RegistrationStatus.WAITLISTED)
                .order_by("session__starts_at", "session_id")
            )
            if not registrations or not _claim_all(series, [r.session for r in registrations]):
                break
            waiting.status = RegistrationStatus.CONFIRMED
            waiting.confirmed_at = now
            waiting.save(update_fields=["status", "confirmed_at"])
            for registration in registrations:
                registration.status = RegistrationStatus.CONFIRMED
                registration.confirmed_at = now
                registration.revision += 1
                registration.save(update_fields=["status", "confirmed_at", "revision"])
            _announce(waiting, registrations, confirmed=True, now=now)
            promoted.append(waiting)
    return promoted


# --- Completion -----------------------------------------------------------------------------


def progress(enrolment: Enrolment, sessions: list[Session] | None = None) -> dict:
    """What the enrolment has done of its course: sessions attended of the course's, minutes
    attended (each session's capped at its length) of the minutes scheduled, and whether that
    meets the completion rule ("met"; False for a course without a rule)."""
    series = enrolment.series
    if sessions is None:
        sessions = list(course_sessions(series))
    by_session = {s.pk: s for s in sessions}
    attended = minutes = 0
    for registration in enrolment.registrations.all():
        session = by_session.get(registration.session_id)
        if session is None or registration.status == RegistrationStatus.WAITLISTED:
            continue
        if registration.attended:
            attended += 1
        minutes += min(registration.minutes_attended or 0, session.duration_minutes)
    scheduled = sum(s.duration_minutes for s in sessions)
    rule = series.completion_rule
    met = False
    needed = None
    if rule == CompletionRule.SESSIONS and series.completion_sessions:
        met = attended >= series.completion_sessions
        needed = max(series.completion_sessions - attended, 0)
    elif rule == CompletionRule.MINUTES and series.completion_percent and scheduled:
        met = minutes * 100 >= series.completion_percent * scheduled
    return {
        "attended": attended,
        "sessions": len(sessions),
        "minutes": minutes,
        "scheduled_minutes": scheduled,
        "met": met,
        "sessions_needed": needed,
    }


def update_completion(enrolment: Enrolment, *, now: datetime | None = None) -> bool:
    """Mark the enrolment completed when its attendance meets the course's rule; True when it
    completed just now. Once completed it stays so (see the module's docstring). Only a
    confirmed enrolment that is not anonymised completes. Writes completed_at (one conditional
    UPDATE, so two imports at once complete it once) and issues the certificate of completion
    (registrations.certificates) in the same transaction."""
    now = now or timezone.now()
    if (
        enrolment.completed_at is not None
        or enrolment.anonymised_at is not None
        or enrolment.status != RegistrationStatus.CONFIRMED
        or not progress(enrolment)["met"]
    ):
        return False
    with transaction.atomic():
        done = Enrolment.objects.filter(pk=enrolment.pk, completed_at__isnull=True).update(
            completed_at=now
        )
        if not done:
            return False
        enrolment.completed_at = now
        certificates.issue_completion_certificate(enrolment)
    return True


def update_session_completions(session: Session, *, now: datetime | None = None) -> int:
    """Completion for every confirmed enrolment with a registration at this session (a course's
    session whose attendance just became known). Returns how many completed now."""
    if session.series_id is None:
        return 0
    enrolments = Enrolment.objects.filter(
        series_id=session.series_id,
        series__is_course=True,
        status=RegistrationStatus.CONFIRMED,
        completed_at__isnull=True,
        anonymised_at__isnull=True,
        registrations__session=session,
    ).select_related("series")
    return sum(update_completion(enrolment, now=now) for enrolment in enrolments)


# --- The public form ------------------------------------------------------------------------


@transaction.atomic
def enrol_from_form(
    series: Series,
    *,
    data: dict,
    person: User | None,
    language: str,
    brought_by: Organisation | None = None,
) -> Enrolment | PendingRegistration:
    """Enrol from the public registration form (registrations.forms.RegistrationForm), as
    services.register_from_form registers, with the same care for an address typed by someone
    not signed in:
    - a signed-in person enrols at once, their profile updated from the form;
    - a new address: the person and the enrolment are created at once;
    - an address already known: nothing is enrolled (no place held) and nothing about that
      person changes; a PendingRegistration (on the course's next session, the course named in
      its details) keeps the answers and the link is emailed to them; confirm_pending_enrolment
      enrols then.
    A person enrolled already gets their enrolment back and no new message. One transaction:
    a refused enrolment leaves no new person or organisation. Raises NotACourse,
    services.RegistrationClosed or services.SeatsBusy."""
    if person is None:
        known = User.objects.filter(email=normalise_email(data["email"])).first()
        if known is not None:
            return _hold_enrolment(series, person=known, data=data, brought_by=brought_by)
    organisation = services.find_or_create_organisation(services._organisation_details(data))
    details = {
        "organisation": organisation,
        "source": services._source(brought_by),
        "source_organisation": brought_by,
        "job_title": data["job_title"],
    }
    if person is not None:
        services._update_profile(person, data, organisation)
        return enrol(series, person=person, **details)
    person, created = services.find_or_create_person(
        email=data["email"],
        full_name=data["full_name"],
        language=language,
        time_zone=data["time_zone"],
        organisation=organisation,
        gender=data["gender"],
    )
    if not created:  # someone used the address a moment ago: it is known now
        return _hold_enrolment(series, person=person, data=data, brought_by=brought_by)
    return enrol(series, person=person, **details)


def _hold_enrolment(
    series: Series, *, person: User, data: dict, brought_by: Organisation | None
) -> Enrolment | PendingRegistration:
    state = course_state(series)
    if state != RegistrationState.OPEN:
        raise services.RegistrationClosed(state)
    enrolled = (
        Enrolment.objects.filter(series=series, person=person)
        .exclude(status=RegistrationStatus.CANCELLED)
        .first()
    )
    if enrolled is not None:
        return enrolled
    details = {name: data.get(name) for name in services.FORM_DETAILS}
    details["economy"] = data["economy"].pk
    details["shares_with_cohosts"] = False
    details["course"] = series.pk
    return services._hold(
        PendingRegistration(
            kind=PendingKind.REGISTRATION,
            session=upcoming_sessions(series)[0],
            person=person,
            email=person.email,
            details=details,
            source_organisation=brought_by,
        ),
        [],
    )


def is_pending_enrolment(pending: PendingRegistration) -> bool:
    return pending.kind == PendingKind.REGISTRATION and bool(pending.details.get("course"))


def confirm_pending_enrolment(
    pending: PendingRegistration, *, now: datetime | None = None
) -> Enrolment:
    """The address's owner confirms an enrolment held for it (`_hold_enrolment`): enrol now,
    as places allow at this moment, and write the form's answers to their profile, once.
    Raises confirmations.BadLink("used") the second time, RegistrationClosed or SeatsBusy."""
    now = now or timezone.now()
    with transaction.atomic():
        pending = (
            PendingRegistration.objects.select_for_update(of=("self",))
            .select_related("session", "person")
            .get(pk=pending.pk)
        )
        if pending.confirmed_at is not None:
            raise BadLink("used")
        series = Series.objects.get(pk=pending.details["course"])
        details = pending.details
        organisation = services.find_or_create_organisation(services._organisation_details(details))
        services._update_profile(pending.person, details, organisation)
        enrolment = enrol(
            series,
            person=pending.person,
            organisation=organisation,
            source=services._source(pending.source_organisation),
            source_organisation=pending.source_organisation,
            job_title=details["job_title"],
            now=now,
        )
        pending.confirmed_at = now
        pending.save(update_fields=["confirmed_at"])
    return enrolment

"""Writes for registrations: registering, cancelling, the waitlist, and queuing messages.

Capacity is guarded in the database: a seat is claimed by one conditional UPDATE of the
session's counter (`confirmed_count < capacity`), which also locks the session row until the
transaction ends, and a unique constraint allows one registration per person and session.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from events.models import Session, SessionStatus
from outreach import audit
from outreach.db import insert_or_find
from outreach.models import (
    AuditAction,
    Economy,
    Organisation,
    OrganisationKind,
    User,
    normalise_email,
)
from outreach.services import create_person_unless_known
from outreach.tasks import enqueue_on_commit
from registrations import queries, signals
from registrations.confirmations import BadLink, send_confirmation_request
from registrations.models import (
    PRIVACY_NOTICE_VERSION,
    Message,
    MessageKind,
    PendingKind,
    PendingRegistration,
    Registration,
    RegistrationSource,
    RegistrationState,
    RegistrationStatus,
    ReminderRun,
    Survey,
    SurveyPurpose,
    SurveyResponse,
)
from registrations.questions.answers import EMPTY, save_answers
from registrations.seats import LockWait, SeatsBusy, claim_seat, someone_waits, waited_too_long

# The tasks queued here, by the dotted path the queue stores: registrations/tasks.py (the top
# of the app) imports this module to run them, so this module does not import it back.
SEND_MESSAGE = "registrations.tasks.send_message"
SEND_SESSION_REMINDERS = "registrations.tasks.send_session_reminders"


class RegistrationClosed(Exception):
    """The session does not take registrations now; `reason` (a RegistrationState) says why."""

    def __init__(self, reason: RegistrationState):
        super().__init__(reason)
        self.reason = reason


class NoSeatLeft(Exception):
    pass


class RegistrationAnonymised(ValueError):
    """Refused: the registration is anonymised (erased or past retention) and no longer changes."""


class SessionStarted(Exception):
    """Refused: the session has started, and after the start nothing about it moves by itself
    (no self-cancel, no promotion, no seat message); organisers correct it explicitly."""


def has_started(session: Session, *, now: datetime | None = None) -> bool:
    """Whether the session has started, by its start as stored now (a stale copy may not know
    it was moved)."""
    now = now or timezone.now()
    starts_at = Session.objects.filter(pk=session.pk).values_list("starts_at", flat=True).first()
    return starts_at is None or starts_at <= now


def registration_state(session: Session, *, now: datetime | None = None) -> RegistrationState:
    """OPEN, or why not: DRAFT, CANCELLED, FINISHED, NOT_YET or CLOSED."""
    now = now or timezone.now()
    if session.status in (SessionStatus.DRAFT, SessionStatus.DECLINED):
        return RegistrationState.DRAFT
    if session.status == SessionStatus.CANCELLED:
        return RegistrationState.CANCELLED
    if session.status == SessionStatus.FINISHED or session.ends_at <= now:
        return RegistrationState.FINISHED
    if session.registration_opens_at and now < session.registration_opens_at:
        return RegistrationState.NOT_YET
    if session.registration_closes_at and now >= session.registration_closes_at:
        return RegistrationState.CLOSED
    return RegistrationState.OPEN


@dataclass(frozen=True)
class OrganisationDetails:
    name: str
    economy: Economy
    kind: str
    sector: str = ""
    size_band: str = ""
    exporting_status: str = ""
    women_led: bool = False
    youth_led: bool = False


def find_or_create_organisation(details: OrganisationDetails) -> Organisation:
    """The organisation of that name in that economy (any case), created if new.

    For a firm already known, facts it lacked are filled in; facts it has are kept.
    """
    firm_facts = {}
    if details.kind == OrganisationKind.FIRM:
        firm_facts = {
            "sector": details.sector,
            "size_band": details.size_band,
            "exporting_status": details.exporting_status,
            "women_led": details.women_led,
            "youth_led": details.youth_led,
        }
    name = " ".join(details.name.split())
    new = Organisation(name=name, economy=details.economy, kind=details.kind, **firm_facts)
    # The unique index compares names by the database's lower(), and so does the lookup.
    existing, created = insert_or_find(
        new, where="lower(name) = lower(%s) AND economy_id = %s", params=[name, details.economy.pk]
    )
    if created:
        return existing
    if existing.is_firm and firm_facts:
        missing = {k: v for k, v in firm_facts.items() if v and not getattr(existing, k)}
        if missing:
            Organisation.objects.filter(pk=existing.pk).update(**missing)
            for key, value in missing.items():
                setattr(existing, key, value)
    return existing


def find_or_create_person(
    *,
    email: str,
    full_name: str,
    language: str,
    time_zone: str,
    organisation: Organisation,
    gender: str = "",
) -> tuple[User, bool]:
    """The person with this email, or a new one who will never need a password.

    A person already known keeps their own profile: a form filled in by someone who only
    knows their address changes nothing of it.
    """
    person = create_person_unless_known(
        email,
        full_name=full_name,
        language=language,
        time_zone=time_zone,
        organisation=organisation,
        gender=gender,
    )
    if person is None:
        return User.objects.get(email=normalise_email(email)), False
    person._created_just_now = True  # nothing can be registered for them yet
    return person, True


def _lock_timeout() -> LockWait:
    """From here to the end of the transaction, locks are waited for at most
    OUTREACH_LOCK_TIMEOUT_MS in all; then the person is told to try again (SeatsBusy) instead of
    waiting for ever."""
    return LockWait()


def _claim_seat(session: Session) -> bool:
    """Take one seat if one is free, in one statement; True when taken."""
    return claim_seat(session)[0]


def register(
    session: Session,
    *,
    person: User,
    organisation: Organisation,
    source: str = RegistrationSource.DIRECT,
    source_organisation: Organisation | None = None,
    shares_with_cohosts: bool = False,
    job_title: str = "",
    consent_version: str = PRIVACY_NOTICE_VERSION,
    listening_language: str = "",
    now: datetime | None = None,
    lock_wait: LockWait | None = None,
) -> Registration:
    """Register a person: confirmed while seats are free, else on the waitlist.
    `listening_language`: the interpretation they listen in ("" for the session's language).
    `lock_wait`: the caller's transaction's, when it has begun one (its locks and these share
    one budget); else this makes its own.

    Idempotent: a person already registered (not cancelled) gets their registration back and
    no new message. A cancelled registration comes back to life. Writes the registration and
    the session's seat counter in one transaction; queues the confirmation or waitlist notice
    and the reminders after commit. Raises RegistrationClosed or SeatsBusy.
    """
    now = now or timezone.now()
    state = registration_state(session, now=now)
    if state != RegistrationState.OPEN:
        raise RegistrationClosed(state)
    existing = None
    if not getattr(person, "_created_just_now", False):
        existing = Registration.objects.filter(session=session, person=person).first()
    if existing is not None and existing.status != RegistrationStatus.CANCELLED:
        return existing
    # A person created just now cannot have clicked twice: no savepoint is needed to catch it.
    savepoint = not getattr(person, "_created_just_now", False)
    try:
        with transaction.atomic(savepoint=savepoint):
            if lock_wait is None:
                lock_wait = LockWait()
            else:
                lock_wait.spend()
            registration = _register_locked(
                session,
                person,
                existing,
                lock_wait,
                now=now,
                organisation=organisation,
                source=source,
                source_organisation=source_organisation,
                shares_with_cohosts=shares_with_cohosts,
                job_title=job_title,
                consent_version=consent_version,
                listening_language=listening_language,
            )
    except IntegrityError:
        # The same person's second click arrived while the first was being written.
        return Registration.objects.get(session=session, person=person)
    except OperationalError as error:
        if waited_too_long(error):
            raise SeatsBusy from error
        raise  # the database is unreachable: the 503 page, not "try again in a moment"
    return registration


_waited_too_long = waited_too_long  # the courses' and siblings' name for it


def _register_locked(session, person, existing, lock_wait, *, now, **details):
    # From here the session row is locked until commit, when a seat was taken.
    confirmed, waits = claim_seat(session)
    if waits and someone_waits(session):
        # Seats freed while people wait (capacity raised): they go first, the newcomer waits.
        Session.objects.filter(pk=session.pk).update(confirmed_count=F("confirmed_count") - 1)
        promote_from_waitlist(session, now=now)
        confirmed = False
    lock_wait.spend()  # the insert below may wait for the same person's other click
    registration = existing or Registration(session=session, person=person)
    if existing is not None:
        registration.revision += 1
    for name, value in details.items():
        setattr(registration, name, value)
    registration.record_organisation_facts()
    registration.consented_at = now
    registration.cancelled_at = None
    if confirmed:
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
        registration.waitlisted_at = None
    else:
        registration.status = RegistrationStatus.WAITLISTED
        registration.waitlisted_at = now
    if existing is None:
        registration.save(force_insert=True)
    else:
        registration.save()
    if registration.shares_with_cohosts:
        registration.shared_with.set(session.cohosts.all())
    elif existing is not None:
        registration.shared_with.clear()
    first = existing is None
    transaction.on_commit(
        lambda: signals.registration_created.send(sender=Registration, registration=registration)
    )
    if confirmed:
        queue_message(registration, MessageKind.CONFIRMATION, first_of_registration=first)
        schedule_reminders(session, now=now)
    else:
        queue_message(registration, MessageKind.WAITLISTED, first_of_registration=first)
    return registration


@transaction.atomic
def cancel_own_registration(
    registration: Registration, *, now: datetime | None = None
) -> Registration:
    """A person cancels their own registration (the link in every message): as
    cancel_registration, but only before the session starts; after, raises SessionStarted and
    changes nothing."""
    _lock_timeout()
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    now = now or timezone.now()  # read once the lock is ours: a wait may end after the start
    if has_started(registration.session, now=now):
        raise SessionStarted
    return cancel_registration(registration, now=now)


@transaction.atomic
def cancel_registration(registration: Registration, *, now: datetime | None = None) -> Registration:
    """Cancel a registration; a seat it held goes to the first person waiting, who is told.

    Writes the registration (and the promoted one, or the seat counter); queues the
    cancellation notice and any promotion after commit. Cancelling twice changes nothing.
    After the session's start (an organiser correcting the record) the seat is freed but
    nobody is promoted and nobody is told.
    """
    now = now or timezone.now()
    _lock_timeout()
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == RegistrationStatus.CANCELLED:
        return registration
    started = has_started(registration.session, now=now)
    held_a_seat = registration.status == RegistrationStatus.CONFIRMED
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    registration.revision += 1
    registration.save(update_fields=["status", "cancelled_at", "revision"])
    if held_a_seat:
        Session.objects.filter(pk=registration.session_id).update(
            confirmed_count=F("confirmed_count") - 1
        )
        if not started:
            promote_from_waitlist(registration.session, now=now)
    if not started:
        queue_message(registration, MessageKind.REGISTRATION_CANCELLED)
    transaction.on_commit(
        lambda: signals.registration_cancelled.send(sender=Registration, registration=registration)
    )
    return registration


def promote_from_waitlist(session: Session, *, now: datetime | None = None) -> list[Registration]:
    """Give every free seat to the people waiting longest, and tell them. Returns them.

    Once the session has started nobody is promoted (an organiser may still confirm a person
    by hand): returns []."""
    now = now or timezone.now()
    promoted = []
    with transaction.atomic():
        if has_started(session, now=now):
            return promoted
        while True:
            # A course's registrations wait with their enrolment, and move with it only
            # (registrations.courses.services.promote_enrolments).
            waiting = (
                Registration.objects.select_for_update(skip_locked=True)
                .filter(
                    session=session, status=RegistrationStatus.WAITLISTED, enrolment__isnull=True
                )
                .order_by("waitlisted_at", "pk")
                .first()
            )
            if waiting is None or not _claim_seat(session):
                break
            waiting.status = RegistrationStatus.CONFIRMED
            waiting.confirmed_at = now
            waiting.revision += 1
            waiting.save(update_fields=["status", "confirmed_at", "revision"])
            queue_message(waiting, MessageKind.PROMOTED)
            promoted.append(waiting)
        if promoted:
            schedule_reminders(session, now=now)
    return promoted


@transaction.atomic
def confirm_by_hand(registration: Registration, *, now: datetime | None = None) -> Registration:
    """An organiser gives a waiting person a seat; refused with NoSeatLeft when none is free.

    The person is told, and reminded, unless the session has started: then it is a correction
    of the record and no message goes out."""
    now = now or timezone.now()
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == RegistrationStatus.CONFIRMED:
        return registration
    if not _claim_seat(registration.session):
        raise NoSeatLeft
    registration.status = RegistrationStatus.CONFIRMED
    registration.confirmed_at = now
    registration.cancelled_at = None
    registration.revision += 1
    registration.save(update_fields=["status", "confirmed_at", "cancelled_at", "revision"])
    if not has_started(registration.session, now=now):
        queue_message(registration, MessageKind.PROMOTED)
        schedule_reminders(registration.session, now=now)
    return registration


@transaction.atomic
def waitlist_by_hand(registration: Registration, *, now: datetime | None = None) -> Registration:
    """An organiser moves a person to the end of the waitlist, freeing any seat they held.

    The person is told, unless the session has started (a correction of the record); the seat
    freed goes to nobody by itself."""
    now = now or timezone.now()
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == RegistrationStatus.WAITLISTED:
        return registration
    if registration.status == RegistrationStatus.CONFIRMED:
        Session.objects.filter(pk=registration.session_id).update(
            confirmed_count=F("confirmed_count") - 1
        )
    registration.status = RegistrationStatus.WAITLISTED
    registration.waitlisted_at = now
    registration.revision += 1
    registration.save(update_fields=["status", "waitlisted_at", "revision"])
    if not has_started(registration.session, now=now):
        queue_message(registration, MessageKind.WAITLISTED)
    return registration


# What an organiser may do to a registration by hand, and what the audit log calls it.
MOVES_BY_HAND = {
    "confirm": AuditAction.REGISTRATION_CONFIRMED,
    "waitlist": AuditAction.REGISTRATION_WAITLISTED,
    "cancel": AuditAction.REGISTRATION_CANCELLED,
}


@transaction.atomic
def move_by_hand(registration: Registration, *, to: str, by: User | None) -> Registration:
    """An organiser confirms, waitlists or cancels a registration (`to`: a key of MOVES_BY_HAND).

    Writes what `confirm_by_hand`, `waitlist_by_hand` or `cancel_registration` write (and queues
    their messages), and an audit entry with the status before and after when it changed.
    Raises RegistrationAnonymised or NoSeatLeft, writing nothing.
    """
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.is_anonymised:
        raise RegistrationAnonymised
    move = {
        "confirm": confirm_by_hand,
        "waitlist": waitlist_by_hand,
        "cancel": cancel_registration,
    }[to]
    before = registration.status
    moved = move(registration)
    if moved.status != before:
        audit.record(by, MOVES_BY_HAND[to], moved, before=before, after=moved.status)
    return moved


@transaction.atomic
def fill_from_waitlist(session: Session, *, by: User | None) -> list[Registration]:
    """An organiser gives every free seat to the people waiting longest (`promote_from_waitlist`).

    Writes the promoted registrations and queues their messages; a WAITLIST_FILLED audit entry
    when anyone got a seat. Returns the people promoted.
    """
    promoted = promote_from_waitlist(session)
    if promoted:
        audit.record(by, AuditAction.WAITLIST_FILLED, session, promoted=len(promoted))
    return promoted


@transaction.atomic
def export_registrations(
    session: Session,
    *,
    by: User | None,
    status: str = "",
    economy: str = "",
    text: str = "",
    answers: dict | None = None,
) -> QuerySet[Registration]:
    """An organiser downloads a session's registrations, filtered (by answers to registration
    questions too: `answers` maps a Question to a value): returns them, with their answers
    (`queries.session_registrations`), and writes an EXPORT_DOWNLOADED audit entry. The search
    words may be a person's name: the entry keeps only that there were some."""
    audit.record(
        by,
        AuditAction.EXPORT_DOWNLOADED,
        session,
        export="registrations",
        status=status,
        economy=economy,
        search=bool(text),
        **({"answers": {q.code: value for q, value in answers.items()}} if answers else {}),
    )
    return queries.session_registrations(
        session, status=status, economy=economy, text=text, answers=answers
    )


# --- Messages -------------------------------------------------------------------------------


def queue_message(
    registration: Registration,
    kind: str,
    *,
    due_at: datetime | None = None,
    unique: str = "",
    first_of_registration: bool = False,
) -> Message | None:
    """Record a message to send and enqueue its task after commit.

    The key (kind, registration, session version, and `unique` where a kind may recur) makes
    a message exist once: queuing it again returns None and sends nothing more.
    `first_of_registration` skips that check for a registration inserted just now.
    An anonymised registration has nobody to write to: nothing is queued.
    """
    if registration.person_id is None:
        return None
    session = registration.session
    key = f"{kind}:{registration.pk}:{session.sequence}.{registration.revision}"
    if unique:
        key = f"{key}:{unique}"
    message = Message(
        key=key,
        registration=registration,
        kind=kind,
        session_sequence=session.sequence,
        due_at=due_at or timezone.now(),
    )
    if first_of_registration:
        message.save(force_insert=True)
    else:
        try:
            with transaction.atomic():
                message.save(force_insert=True)
        except IntegrityError:
            return None
    run_after = due_at if due_at and due_at > timezone.now() else None
    enqueue_on_commit(import_string(SEND_MESSAGE), message.pk, run_after=run_after)
    return message


def reminder_offsets() -> list[int]:
    """Minutes before a session that reminders go out (by default a day and an hour)."""
    return list(settings.OUTREACH_REMINDER_MINUTES)


# Reminder rounds this process has seen scheduled and committed, by (session, start): the
# first confirmed registration of a session schedules them, and the next ones need not ask the
# database again. Rounds are never deleted; a session that moves has a new start.
_SCHEDULED: set[tuple[str, datetime]] = set()


def _remember_scheduled(seen: tuple[str, datetime]) -> None:
    if len(_SCHEDULED) > 10_000:
        _SCHEDULED.clear()
    _SCHEDULED.add(seen)


def schedule_reminders(session: Session, *, now: datetime | None = None) -> list[ReminderRun]:
    """Make sure each reminder round still ahead of this session's start is scheduled once."""
    now = now or timezone.now()
    seen = (str(session.uid), session.starts_at)
    if seen in _SCHEDULED:
        return []
    due = [m for m in reminder_offsets() if session.starts_at - timedelta(minutes=m) > now]
    known = ReminderRun.objects.filter(session=session, starts_at=session.starts_at)
    if len(due) <= known.count():
        transaction.on_commit(lambda: _remember_scheduled(seen))
        return []
    runs = []
    for minutes in due:
        run, created = ReminderRun.objects.get_or_create(
            session=session, minutes_before=minutes, starts_at=session.starts_at
        )
        if created:
            runs.append(run)
    transaction.on_commit(lambda: _remember_scheduled(seen))
    send_session_reminders = import_string(SEND_SESSION_REMINDERS)
    for run in runs:
        run_after = run.starts_at - timedelta(minutes=run.minutes_before)
        enqueue_on_commit(send_session_reminders, run.pk, run_after=run_after)
    return runs


def send_reminder_round(run: ReminderRun, *, now: datetime | None = None) -> int:
    """Queue this round's reminder to every confirmed registrant; nothing if the session moved
    or was cancelled. Returns how many were queued."""
    now = now or timezone.now()
    session = run.session
    count = 0
    with transaction.atomic():
        run = ReminderRun.objects.select_for_update().get(pk=run.pk)
        if run.done_at is not None:
            return 0
        if session.starts_at == run.starts_at and session.status == SessionStatus.PUBLISHED:
            registrations = Registration.objects.filter(
                session=session, status=RegistrationStatus.CONFIRMED
            ).select_related("session")
            for registration in registrations:
                if queue_message(
                    registration, MessageKind.REMINDER, unique=str(run.minutes_before)
                ):
                    count += 1
        run.done_at = now
        run.save(update_fields=["done_at"])
    return count


# The message that tells registrants of each change events.signals.session_changed names.
CHANGE_MESSAGES = {
    "rescheduled": MessageKind.RESCHEDULED,
    "updated": MessageKind.UPDATED,
    "cancelled": MessageKind.SESSION_CANCELLED,
}


def announce_session_change(session: Session, change: str) -> int:
    """Tell registrants that the session moved, was cancelled or has new details (venue, join
    link, title): an updated invitation to those with a seat, the cancellation to the waitlist
    too. Each goes once per version of the session (the message key holds its SEQUENCE).
    Returns how many were queued."""
    kind = CHANGE_MESSAGES[change]
    statuses = [RegistrationStatus.CONFIRMED]
    if change == "cancelled":
        statuses.append(RegistrationStatus.WAITLISTED)
    registrations = Registration.objects.filter(
        session=session, status__in=statuses
    ).select_related("session")
    count = 0
    with transaction.atomic():
        for registration in registrations:
            if queue_message(registration, kind):
                count += 1
        if change == "rescheduled":
            schedule_reminders(session)
    return count


def resend_message(
    registration: Registration, kind: str, *, now: datetime | None = None
) -> Message:
    """An organiser sends a message again (a confirmation lost in a spam folder)."""
    now = now or timezone.now()
    return queue_message(registration, kind, unique=f"resend-{now.timestamp()}")


@transaction.atomic
def resend_by_hand(registration: Registration, *, by: User | None) -> Message:
    """An organiser sends a person's last news again: their confirmation when they hold a seat,
    else their waitlist notice.

    Queues the message (`resend_message`) and writes a MESSAGE_RESENT audit entry naming its
    kind. Raises RegistrationAnonymised, writing nothing.
    """
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.is_anonymised:
        raise RegistrationAnonymised
    kind = (
        MessageKind.CONFIRMATION
        if registration.status == RegistrationStatus.CONFIRMED
        else MessageKind.WAITLISTED
    )
    message = resend_message(registration, kind)
    audit.record(by, AuditAction.MESSAGE_RESENT, registration, kind=kind)
    return message


# A person who registers again for a session they are registered for gets their confirmation
# (or waitlist notice) again, at most once in this many minutes per registration: the form
# sent twice, or by someone else typing their address, must not flood their inbox.
RESEND_AFTER_MINUTES = 10


class Again:
    """What registering again did (`registration.again`, set by register_from_form)."""

    RESENT = "resent"
    TOO_SOON = "too_soon"


def resend_own_confirmation(
    registration: Registration, *, now: datetime | None = None
) -> Message | None:
    """A registered person (or someone typing their address) registers again: queue their
    confirmation, or their waitlist notice, once more, unless one of them was queued for this
    registration in the last RESEND_AFTER_MINUTES (then None, nothing queued). The Message rows
    are the record the limit reads; the registration row is locked so that two requests at
    once queue one message."""
    now = now or timezone.now()
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update()
            .select_related("session")
            .get(pk=registration.pk)
        )
        if registration.person_id is None or registration.status == RegistrationStatus.CANCELLED:
            return None
        kinds = [MessageKind.CONFIRMATION, MessageKind.WAITLISTED, MessageKind.PROMOTED]
        recent = registration.messages.filter(
            kind__in=kinds, created_at__gt=now - timedelta(minutes=RESEND_AFTER_MINUTES)
        )
        if recent.exists():
            return None
        kind = (
            MessageKind.CONFIRMATION
            if registration.status == RegistrationStatus.CONFIRMED
            else MessageKind.WAITLISTED
        )
        return queue_message(registration, kind, unique=f"again-{now.timestamp()}")


def _again(registration: Registration) -> Registration:
    message = resend_own_confirmation(registration)
    registration.again = Again.RESENT if message else Again.TOO_SOON
    return registration


def listening_languages(session: Session) -> list[str]:
    """The languages a registrant may listen in: the session's, then those it is interpreted
    into; empty when it offers no interpretation (nothing to choose)."""
    offered = [code for code in session.interpretation_languages or [] if code != session.language]
    return [session.language, *offered] if offered else []


def chosen_listening_language(session: Session, chosen: str | None) -> str:
    """What a registration keeps of the form's choice: an interpretation the session offers,
    else "" (the session's own language)."""
    return chosen if chosen and chosen in listening_languages(session)[1:] else ""


# The answers of the public form kept while a registration waits for its confirmation.
FORM_DETAILS = (
    "full_name",
    "organisation_name",
    "economy",
    "kind",
    "sector",
    "size_band",
    "exporting_status",
    "women_led",
    "youth_led",
    "job_title",
    "gender",
    "time_zone",
    "shares_with_cohosts",
)


def _organisation_details(data: dict) -> OrganisationDetails:
    economy = data["economy"]
    return OrganisationDetails(
        name=data["organisation_name"],
        economy=economy if isinstance(economy, Economy) else Economy.objects.get(pk=economy),
        kind=data["kind"],
        sector=data.get("sector", ""),
        size_band=data.get("size_band", ""),
        exporting_status=data.get("exporting_status", ""),
        women_led=bool(data.get("women_led")),
        youth_led=bool(data.get("youth_led")),
    )


def _update_profile(person: User, data: dict, organisation: Organisation) -> None:
    """What the form says about its author, written to their profile: only ever for a person
    who proved the address is theirs (signed in, or through the confirmation link)."""
    User.objects.filter(pk=person.pk).update(
        full_name=data["full_name"],
        organisation=organisation,
        time_zone=data["time_zone"],
        gender=data["gender"],
    )


def _share(registration: Registration, cohosts: list[Organisation]) -> None:
    """Let these co-hosts see the person's name, email and organisation."""
    if not cohosts or registration.person_id is None:
        return
    Registration.objects.filter(pk=registration.pk).update(shares_with_cohosts=True)
    registration.shares_with_cohosts = True
    registration.shared_with.add(*cohosts)


def _source(brought_by: Organisation | None) -> str:
    return RegistrationSource.COHOST if brought_by else RegistrationSource.DIRECT


def _answer_questions(
    registration: Registration,
    survey: Survey | None,
    answers: dict | None,
    *,
    language: str,
    replace: bool,
) -> SurveyResponse | None:
    """Store the answers to the registration form's questions (`survey`, purpose
    "registration") with the registration, in the caller's transaction: one SurveyResponse
    carrying the registration's organisation facts and the form's language, and one Answer per
    question answered (registrations.questions.answers.save_answers). Nothing when the form
    asked no question or none was answered.

    `replace`: the registration may have answers already (registered again after cancelling,
    or a second click of the same person): the earlier answers go and the form's latest stand,
    as the rest of the form's details do."""
    if replace:
        SurveyResponse.objects.filter(
            registration=registration, survey__purpose=SurveyPurpose.REGISTRATION
        ).delete()
    if survey is None or registration.person_id is None:
        return None
    answers = answers or {}
    if all(answers.get(question.code) in EMPTY for question in survey.questions.all()):
        return None
    response = SurveyResponse.objects.create(
        survey=survey,
        session_id=registration.session_id,
        registration=registration,
        economy_id=registration.economy_id,
        organisation_kind=registration.organisation_kind,
        size_band=registration.size_band,
        women_led=registration.women_led,
        youth_led=registration.youth_led,
        language=language,
    )
    save_answers(response, survey.questions.all(), answers)
    return response


class _AddressKnown(Exception):
    """The address typed belongs to someone already: undo what the form wrote so far."""

    def __init__(self, person: User):
        self.person = person


def register_from_form(
    session: Session,
    *,
    data: dict,
    person: User | None,
    language: str,
    brought_by: Organisation | None = None,
    survey: Survey | None = None,
    answers: dict | None = None,
) -> Registration | PendingRegistration:
    """Register from the public form: find or add the organisation and the person, then register.

    Whoever fills in the form while not signed in proves nothing about the address they type,
    so what it can do in that address's name is limited until the owner confirms, through a
    single-use link emailed to the address (registrations.confirmations):
    - a signed-in person registers at once, their profile updated from the form, sharing on
      if they agreed;
    - an address already known: nothing is registered (no seat held) and nothing stored about
      that person changes; a PendingRegistration keeps the answers and the link is emailed to
      them; confirm_pending_registration registers and applies the answers then;
    - a new address: the person and the registration are created at once (nothing of anyone's
      changes: the one-form journey and its seat stay), but sharing with the co-hosts waits
      for the same kind of link, so no co-host sees details of an unproven address.
    A person already registered for the session (signed in, or an address already known) gets
    their confirmation again (resend_own_confirmation, rate-limited): `registration.again` says
    whether it went (Again.RESENT) or one went too recently (Again.TOO_SOON).
    For an address already known the page says only that an email went if the address is known
    (whether registered already or not), so that nobody learns what that person registered for.
    `brought_by` is the co-host whose invitation link the person followed. `answers` (by
    question code, as RegistrationForm.answers cleans them) answer `survey`, the session's
    registration questions (queries.registration_survey): stored with the registration
    (`_answer_questions`), held in the pending registration's details for an address already
    known, and left as they were for a person registered already (registering again after
    cancelling replaces them). All of it is one transaction: a refused registration leaves no
    new person, organisation or answer. Returns the registration, or the pending registration
    whose link was queued.

    For a new address, the organisation and the person are written first, each in one
    statement that does nothing when the row exists (no lookup before, no savepoint): an address
    found taken then undoes the transaction and holds the registration instead.
    """
    try:
        with transaction.atomic():
            return _register_from_form(
                session,
                data=data,
                person=person,
                language=language,
                brought_by=brought_by,
                survey=survey,
                answers=answers,
            )
    except _AddressKnown as known:
        with transaction.atomic():
            return _hold_registration(
                session, person=known.person, data=data, brought_by=brought_by, answers=answers
            )
    except OperationalError as error:
        if waited_too_long(error):
            raise SeatsBusy from error
        raise


def _register_from_form(session, *, data, person, language, brought_by, survey, answers):
    lock_wait = LockWait()  # the organisation's and the address's rows may be locked too
    organisation = find_or_create_organisation(_organisation_details(data))
    if person is not None:
        _update_profile(person, data, organisation)
        registered = (
            Registration.objects.filter(session=session, person=person)
            .exclude(status=RegistrationStatus.CANCELLED)
            .first()
        )
        if registered is not None:
            return _again(registered)
        registration = register(
            session,
            person=person,
            organisation=organisation,
            source=_source(brought_by),
            source_organisation=brought_by,
            shares_with_cohosts=data.get("shares_with_cohosts", False),
            job_title=data["job_title"],
            listening_language=chosen_listening_language(session, data.get("listening_language")),
            lock_wait=lock_wait,
        )
        _answer_questions(registration, survey, answers, language=language, replace=True)
        return registration
    lock_wait.spend()
    person = create_person_unless_known(
        data["email"],
        full_name=data["full_name"],
        language=language,
        time_zone=data["time_zone"],
        organisation=organisation,
        gender=data["gender"],
    )
    if person is None:
        raise _AddressKnown(User.objects.get(email=normalise_email(data["email"])))
    person._created_just_now = True  # nothing can be registered for them yet
    registration = register(
        session,
        person=person,
        organisation=organisation,
        source=_source(brought_by),
        source_organisation=brought_by,
        job_title=data["job_title"],
        listening_language=chosen_listening_language(session, data.get("listening_language")),
        lock_wait=lock_wait,
    )
    # A person created just now has no earlier registration, so no earlier answers either.
    _answer_questions(registration, survey, answers, language=language, replace=False)
    cohosts = list(session.cohosts.all()) if data.get("shares_with_cohosts") else []
    if cohosts:
        _hold(
            PendingRegistration(
                kind=PendingKind.SHARING,
                session=session,
                person=person,
                email=person.email,
                registration=registration,
            ),
            cohosts,
        )
    return registration


def _hold(pending: PendingRegistration, cohosts: list[Organisation]) -> PendingRegistration:
    pending.save()
    pending.share_with.set(cohosts)
    enqueue_on_commit(send_confirmation_request, pending.pk)
    return pending


def _hold_registration(
    session: Session,
    *,
    person: User,
    data: dict,
    brought_by: Organisation | None,
    answers: dict | None = None,
) -> Registration | PendingRegistration:
    """Keep the form's answers for a known address and email its owner the link to confirm.
    The answers to the registration questions ride along in `details["answers"]` (codes and
    plain values, by question code).

    A person already registered for the session (a double click, or the form sent again) gets
    their registration back and their confirmation again, rate-limited (`_again`): there is
    nothing to confirm that registering would do, and what the form says about them is not
    applied without their confirmation anyway.
    """
    state = registration_state(session)
    if state != RegistrationState.OPEN:
        raise RegistrationClosed(state)
    registered = (
        Registration.objects.filter(session=session, person=person)
        .exclude(status=RegistrationStatus.CANCELLED)
        .first()
    )
    if registered is not None:
        return _again(registered)
    details = {name: data.get(name) for name in FORM_DETAILS}
    details["economy"] = data["economy"].pk
    details["shares_with_cohosts"] = bool(data.get("shares_with_cohosts"))
    details["listening_language"] = data.get("listening_language") or ""
    details["answers"] = {
        code: value for code, value in (answers or {}).items() if value not in EMPTY
    }
    cohosts = list(session.cohosts.all()) if details["shares_with_cohosts"] else []
    return _hold(
        PendingRegistration(
            kind=PendingKind.REGISTRATION,
            session=session,
            person=person,
            email=person.email,
            details=details,
            source_organisation=brought_by,
        ),
        cohosts,
    )


def confirm_pending_registration(
    pending: PendingRegistration, *, now: datetime | None = None
) -> Registration:
    """The address's owner confirms through the link: do what the form asked, once.

    A registration of a known address registers now (confirmed or waitlisted as seats allow at
    this moment, with the usual messages) and writes the form's answers to the person's
    profile; sharing is switched on for the co-hosts named in the form that still co-host the
    session. The answers to the registration questions held in the details are stored with the
    registration, as answers to the session's registration questions of now (a question changed
    meanwhile keeps the answers that still fit it), replacing any earlier ones.
    Raises confirmations.BadLink("used") the second time, RegistrationClosed or SeatsBusy as
    registering does (then nothing is recorded and the link still works).
    """
    now = now or timezone.now()
    with transaction.atomic():
        pending = (
            PendingRegistration.objects.select_for_update(of=("self",))
            .select_related("session", "person", "registration")
            .get(pk=pending.pk)
        )
        if pending.confirmed_at is not None:
            raise BadLink("used")
        session = pending.session
        cohosts = list(pending.share_with.filter(cohosted_sessions=session))
        if pending.kind == PendingKind.REGISTRATION:
            details = pending.details
            organisation = find_or_create_organisation(_organisation_details(details))
            _update_profile(pending.person, details, organisation)
            registration = register(
                session,
                person=pending.person,
                organisation=organisation,
                source=_source(pending.source_organisation),
                source_organisation=pending.source_organisation,
                job_title=details["job_title"],
                listening_language=chosen_listening_language(
                    session, details.get("listening_language")
                ),
                now=now,
            )
            _answer_questions(
                registration,
                queries.registration_survey(session),
                details.get("answers"),
                language=pending.person.language,
                replace=True,
            )
        else:
            registration = pending.registration
        _share(registration, cohosts)
        pending.confirmed_at = now
        pending.save(update_fields=["confirmed_at"])
    return registration


def retry_message(message: Message, *, by: User | None) -> None:
    """An organiser sends a failed message again, now.

    Sets it pending, queues its sending after commit, and writes a MESSAGE_RESENT audit entry
    (retry) on its registration.
    """
    with transaction.atomic():
        updated = Message.objects.filter(pk=message.pk, status="failed").update(
            status="pending", attempts=0
        )
        if updated:
            enqueue_on_commit(import_string(SEND_MESSAGE), message.pk)
        audit.record(
            by, AuditAction.MESSAGE_RESENT, message.registration, kind=message.kind, retry=True
        )

"""A person's rights over their data, and the programme's duty to keep it no longer than needed.

A person downloads everything held about them, or erases themselves; each series may set a
retention period after which its sessions' registrations are anonymised. Both keep the
anonymous facts impact figures need (organisation, economy, firm size and kind, status,
attendance, answers other than free text), so that no figure changes.

Both are final. An anonymised registration (by erasure or retention) has nobody behind it: its
attendance no longer changes, its links (cancel, survey) stop working, no message goes to it.
What could bring a name back later, an attendance report listing the person again, is met by
one-way keys (SuppressedIdentity): a report's row carrying an erased or anonymised person's
email or name is dropped, or kept as an anonymous walk-in (registrations.attendance).
"""

import functools
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import parseaddr
from importlib import import_module

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from events.models import Series, Session
from outreach import audit
from outreach.models import AuditAction, Role, User
from registrations import services
from registrations.attendance.reports import comparable_email, normalise_name
from registrations.certificates import services as certificates
from registrations.courses import services as courses
from registrations.models import (
    PRIVACY_NOTICE_VERSION,
    AnonymisedBy,
    Answer,
    AttendanceRecord,
    Certificate,
    Enrolment,
    Message,
    PendingRegistration,
    Registration,
    RegistrationStatus,
    SuppressedIdentity,
    SurveyInvitation,
    SurveyResponse,
    new_token,
)

# --- Suppression keys -----------------------------------------------------------------------
#
# A keyed HMAC (SECRET_KEY) of a normalised email or name: the same person's row in a later
# report gives the same key, and the key gives nothing back. Keys made before a change of
# SECRET_KEY still match while the old secret is listed in SECRET_KEY_FALLBACKS.

SUPPRESSION_SALT = "outreach.registrations.privacy.suppressed-identity"


def _hmac_keys() -> list[bytes]:
    """The HMAC key derived from SECRET_KEY, then from each fallback, as salted_hmac derives it
    (a report of 100,000 rows needs it once, not 200,000 times)."""
    secrets_ = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [_derived_key(secret) for secret in secrets_]


@functools.lru_cache(maxsize=8)
def _derived_key(secret: str) -> bytes:
    return hashlib.sha256((SUPPRESSION_SALT + secret).encode()).digest()


def identity_keys(*, email: str = "", name: str = "", every_secret: bool = False) -> set[str]:
    """The suppression keys of an email and a name, as attendance reports compare them (no
    case, spaces or accents). With `every_secret`, also under SECRET_KEY_FALLBACKS (to compare);
    without, under SECRET_KEY only (to store). Equal to salted_hmac(SUPPRESSION_SALT, value,
    algorithm="sha256")."""
    keys = _hmac_keys() if every_secret else _hmac_keys()[:1]
    return _keyed("email", comparable_email(email), keys) | _keyed(
        "name", normalise_name(name), keys
    )


def _keyed(kind: str, normalised: str, hmac_keys: list[bytes]) -> set[str]:
    if not normalised:
        return set()
    value = f"{kind}:{normalised}".encode()
    return {hmac.new(key, value, hashlib.sha256).hexdigest() for key in hmac_keys}


@dataclass(frozen=True)
class Suppressed:
    """A report's row that belongs to someone erased or anonymised: `registered` when they had
    a registration at the session (now anonymised), else they came without one; `token` is the
    same for all of one person's rows (from their key), so that they still count as one."""

    registered: bool
    token: str


def suppressed_rows(
    session: Session, rows: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], Suppressed]:
    """Which of these (email, name) pairs of a report belong to someone erased or anonymised.

    An email is compared with the keys kept for every session (erasure) and for this one; a
    name only with this session's, since a name is nobody's everywhere."""
    here: dict[str, bool] = {}
    for key, registered in SuppressedIdentity.objects.filter(session=session).values_list(
        "key", "registered"
    ):
        here[key] = here.get(key, False) or registered
    anywhere = SuppressedIdentity.objects.filter(session__isnull=True).exists()
    if not here and not anywhere:
        return {}
    hmac_keys = _hmac_keys()
    keys = {
        said: (
            _keyed("email", comparable_email(said[0]), hmac_keys),
            _keyed("name", normalise_name(said[1]), hmac_keys) if here else set(),
        )
        for said in set(rows)
    }
    everywhere: set[str] = set()
    if anywhere:
        email_keys = sorted({key for by_email, _by_name in keys.values() for key in by_email})
        kept_everywhere = SuppressedIdentity.objects.filter(session__isnull=True)
        if kept_everywhere.count() <= len(email_keys):
            # Fewer people erased than addresses in the report: read them all, once.
            everywhere.update(kept_everywhere.values_list("key", flat=True))
        else:
            for start in range(0, len(email_keys), 5000):
                everywhere.update(
                    kept_everywhere.filter(key__in=email_keys[start : start + 5000]).values_list(
                        "key", flat=True
                    )
                )
    found = {}
    for said, (by_email, by_name) in keys.items():
        hits = {key: here[key] for key in by_email | by_name if key in here}
        hits.update({key: hits.get(key, False) for key in by_email & everywhere})
        if hits:
            person_key = min((by_email & hits.keys()) or hits.keys())
            found[said] = Suppressed(registered=any(hits.values()), token=person_key[:24])
    return found


def _suppress(keys: Iterable[tuple[str, int | None, bool]]) -> None:
    """Store (key, session id or None for everywhere, registered) once each."""
    rows = {
        (key, session_id, registered and session_id is not None)
        for key, session_id, registered in keys
    }
    SuppressedIdentity.objects.bulk_create(
        [
            SuppressedIdentity(key=key, session_id=session_id, registered=registered)
            for key, session_id, registered in sorted(rows, key=str)
        ],
        ignore_conflicts=True,
        batch_size=1000,
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
    records = (
        AttendanceRecord.objects.filter(
            Q(registration__person=person)
            | Q(registration__isnull=True, email__iexact=person.email.strip())
        )
        .select_related("session")
        .order_by("session__starts_at", "pk")
    )
    messages = (
        Message.objects.filter(registration__person=person)
        .select_related("registration__session")
        .order_by("created_at", "pk")
    )
    invitations = (
        SurveyInvitation.objects.filter(registration__person=person)
        .select_related("registration__session", "survey")
        .order_by("created_at", "pk")
    )
    pending = (
        PendingRegistration.objects.filter(person=person)
        .select_related("session")
        .order_by("created_at", "pk")
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
        "attendance": [
            {
                "session": r.session.localized("title", person.language),
                "starts_at": r.session.starts_at.isoformat(),
                "name": r.name,
                "email": r.email,
                "minutes": r.minutes,
                "joins": r.joins,
                "attended": r.attended,
                "matched_by": r.matched_by,
            }
            for r in records
        ],
        "messages": [
            {
                "session": m.registration.session.localized("title", person.language),
                "kind": m.kind,
                "status": m.status,
                "created_at": m.created_at.isoformat(),
                "due_at": m.due_at.isoformat(),
                "sent_at": m.sent_at.isoformat() if m.sent_at else None,
            }
            for m in messages
        ],
        "survey_invitations": [
            {
                "session": i.registration.session.localized("title", person.language),
                "survey": i.survey.title,
                "created_at": i.created_at.isoformat(),
                "closes_at": i.closes_at.isoformat(),
                "reminded_at": i.reminded_at.isoformat() if i.reminded_at else None,
                "used_at": i.used_at.isoformat() if i.used_at else None,
            }
            for i in invitations
        ],
        "confirmations_asked": [
            {
                "session": p.session.localized("title", person.language),
                "kind": p.kind,
                "email": p.email,
                "details": p.details,
                "created_at": p.created_at.isoformat(),
                "sent_at": p.sent_at.isoformat() if p.sent_at else None,
                "confirmed_at": p.confirmed_at.isoformat() if p.confirmed_at else None,
            }
            for p in pending
        ],
    }


@transaction.atomic
def erase_person(person: User, *, now: datetime | None = None) -> None:
    """Erase a person: their name, email and free-text answers go; the anonymous facts stay.

    In one transaction: their seats at sessions not yet started are cancelled, each going to the
    first person waiting (who is told, after commit); every registration of theirs is anonymised
    (no person, no job title, no co-host sharing, a new cancel secret, survey links withdrawn,
    messages deleted) with its status and attendance kept, so that figures do not change;
    attendance records with their email, matched or not, lose name and email, and their email
    and names are kept as suppression keys so that no later report brings them back; they are
    signed out everywhere (their login sessions deleted) and can no longer sign in.
    """
    email = _erase(person, now=now or timezone.now())
    delete_login_sessions({person.pk: email})


@transaction.atomic
def erase_on_request(person: User, *, by: User) -> None:
    """A person asks to be erased (`by` is that person): `erase_person`, and the audit entry.

    Writes what `erase_person` writes and a PERSON_ERASED entry that proves the erasure was asked
    for, by person #id; it keeps no email.
    """
    if by.pk != person.pk:
        raise ValueError("Only the person themself asks for their erasure here.")
    erase_person(person)
    audit.record(by, AuditAction.PERSON_ERASED, person, asked_by="self")


def _erase(person: User, *, now: datetime) -> str:
    """erase_person but for the login sessions; returns the email the person had."""
    person = User.objects.select_for_update().get(pk=person.pk)
    email, full_name = person.email, person.full_name
    # An answer being submitted holds its invitation: wait for it, so that its words are erased
    # too; an answer submitted after this finds its registration anonymised and is refused.
    list(SurveyInvitation.objects.filter(registration__person=person).select_for_update())
    if not is_erased(person):
        keys = [(key, None, False) for key in identity_keys(email=email)]
    else:
        keys = []
    # A course is left whole, as its leave link would: its place goes to the next in line.
    for enrolment in Enrolment.objects.filter(person=person).exclude(
        status=RegistrationStatus.CANCELLED
    ):
        courses.cancel_enrolment(enrolment, now=now)
    # A seat at a session not yet started goes back to the waitlist, as a cancel would; a
    # session under way or past keeps what happened (nothing moves after the start).
    upcoming = Registration.objects.filter(person=person, session__starts_at__gt=now).exclude(
        status=RegistrationStatus.CANCELLED
    )
    for registration in upcoming:
        services.cancel_registration(registration, now=now)
    registrations = Registration.objects.filter(person=person)
    walked_in = Q(registration__isnull=True, email__iexact=email.strip())
    records = AttendanceRecord.objects.filter(
        Q(registration__in=registrations) | (walked_in if email.strip() else Q(pk__in=[]))
    )
    for session_id, name, registration_id in records.values_list(
        "session_id", "name", "registration_id"
    ):
        registered = registration_id is not None
        keys += [(key, session_id, registered) for key in identity_keys(email=email, name=name)]
    for session_id in registrations.values_list("session_id", flat=True):
        keys += [(key, session_id, True) for key in identity_keys(email=email, name=full_name)]
    _suppress(keys)
    records.update(name="", email="")
    Answer.objects.filter(response__registration__person=person).update(text="")
    SurveyResponse.objects.filter(registration__person=person).update(registration=None)
    # Their certificates of completion (a course's); those of attendance go with _withdraw.
    certificates.revoke_on_erasure(
        Certificate.objects.filter(
            Q(enrolment__person=person) | Q(enrolment__registrations__person=person)
        ),
        now=now,
    )
    _withdraw(registrations, now=now, by=AnonymisedBy.ERASURE)
    # Their enrolments keep the organisation, status and completion, without the person.
    Enrolment.objects.filter(person=person).update(
        person=None, anonymised_at=now, token=new_token()
    )
    # What the public form asked in their name, waiting for (or past) their confirmation.
    PendingRegistration.objects.filter(person=person).delete()
    EmailAddress.objects.filter(user=person).delete()
    person.email = _erased_email(person)
    person.full_name = ""
    person.gender = ""
    person.is_active = False
    person.calendar_token = secrets.token_urlsafe(24)
    person.set_unusable_password()
    person.save()
    return email


def _withdraw(registrations: QuerySet[Registration], *, now: datetime, by: str) -> int:
    """Anonymise these registrations: the person, job title, co-host sharing and messages go,
    the cancel link gets a new secret, survey links close, their certificates are revoked
    without the name and organisation they carried; status and attendance stay.
    Returns how many."""
    rows = list(registrations.filter(person__isnull=False).select_for_update().only("pk"))
    ids = [row.pk for row in rows]
    Registration.shared_with.through.objects.filter(registration_id__in=ids).delete()
    Message.objects.filter(registration_id__in=ids).delete()
    # What a certificate says of them goes too; its public page then says "revoked".
    certificates.revoke_on_erasure(Certificate.objects.filter(registration_id__in=ids), now=now)
    SurveyInvitation.objects.filter(registration_id__in=ids, closes_at__gt=now).update(
        closes_at=now
    )
    for registration in rows:
        registration.person = None
        registration.job_title = ""
        registration.shares_with_cohosts = False
        registration.token = new_token()
        registration.anonymised_at = now
        registration.anonymised_by = by
    Registration.objects.bulk_update(
        rows,
        ["person", "job_title", "shares_with_cohosts", "token", "anonymised_at", "anonymised_by"],
        batch_size=500,
    )
    return len(rows)


# An address as it may sit in a login session's data (allauth keeps the one a code was sent to).
_EMAIL_IN_SESSION = re.compile(r"[^\s'\"<>,;:()\[\]{}]+@[^\s'\"<>,;:()\[\]{}]+")


def delete_login_sessions(people: dict[int, str]) -> int:
    """Delete every stored login session that belongs to one of these people (id → email) or
    mentions their email (a sign-in by code under way keeps the address in the session), in one
    pass over the sessions. Returns how many.

    Reads the rows of the database-backed session engines (db, cached_db); a cached copy is
    dropped after commit. Other engines keep nothing server-side that could be found here."""
    engine = import_module(settings.SESSION_ENGINE)
    store_class = engine.SessionStore
    if not people or not hasattr(store_class, "get_model_class"):
        return 0
    model = store_class.get_model_class()
    ids = {str(pk) for pk in people}
    emails = {comparable_email(email) for email in people.values()} - {""}
    store = store_class()
    doomed = []
    rows = model.objects.values_list("session_key", "session_data").order_by()
    for key, data in rows.iterator(chunk_size=2000):
        decoded = store.decode(data)
        if str(decoded.get("_auth_user_id", "")) in ids or emails & set(
            _EMAIL_IN_SESSION.findall(repr(decoded).casefold())
        ):
            doomed.append(key)
    for start in range(0, len(doomed), 500):
        model.objects.filter(session_key__in=doomed[start : start + 500]).delete()
    if doomed and hasattr(store, "cache_key_prefix"):

        def drop_cached_copies():
            for key in doomed:
                store_class(session_key=key).delete()

        transaction.on_commit(drop_cached_copies)
    return len(doomed)


def _erased_email(person: User) -> str:
    return f"erased-{person.pk}@invalid.example"


def is_erased(person: User) -> bool:
    return person.email == _erased_email(person)


# --- The privacy notice -----------------------------------------------------------------------
#
# The notice at /<lang>/privacy/ (registrations.views.privacy_notice) says what this module and
# the registration form do. Its version is the one each registration stores with the consent
# given (Registration.consent_version); change both, and the date, when the notice changes.
NOTICE_VERSION = PRIVACY_NOTICE_VERSION
NOTICE_DATE = date(2026, 11, 30)


def notice_contact() -> str:
    """The address the notice gives for questions: the programme's sender address."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


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
    return Registration.objects.filter(
        session=session, anonymised_by=AnonymisedBy.RETENTION
    ).exists()


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
    co-host sharing; gives their cancel links new secrets and closes their survey links; keeps
    the emails and names as suppression keys of this session, so that a late report cannot
    bring them back."""
    now = now or timezone.now()
    with transaction.atomic():
        personal = Registration.objects.filter(session=session, person__isnull=False)
        keys = []
        for email, name in personal.values_list("person__email", "person__full_name"):
            keys += [(key, session.pk, True) for key in identity_keys(email=email, name=name)]
        records = AttendanceRecord.objects.filter(session=session).exclude(name="", email="")
        for name, email, registration_id in records.values_list("name", "email", "registration_id"):
            registered = registration_id is not None
            keys += [(key, session.pk, registered) for key in identity_keys(email=email, name=name)]
        _suppress(keys)
        count = _withdraw(personal, now=now, by=AnonymisedBy.RETENTION)
        PendingRegistration.objects.filter(session=session).delete()
        records.update(name="", email="")
        Answer.objects.filter(response__session=session).exclude(text="").update(text="")
    return count


@transaction.atomic
def apply_retention(*, now: datetime | None = None) -> RetentionPlan:
    """Anonymise every session past its series' retention period, then erase the people left
    with nothing; one transaction. Returns the plan it carried out."""
    plan = plan_retention(now=now)
    for session in plan.sessions:
        anonymise_session(session, now=plan.now)
    erased = {}
    for start in range(0, len(plan.people_to_erase), 500):
        for person in User.objects.filter(pk__in=plan.people_to_erase[start : start + 500]):
            # Someone who registered again while the run was being planned keeps their account.
            if not Registration.objects.filter(person=person).exists():
                erased[person.pk] = _erase(person, now=plan.now)
    delete_login_sessions(erased)  # one pass over the login sessions for everyone erased
    return plan

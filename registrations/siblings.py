"""Moving waitlisted people of a full session to the same session in another language (a sibling:
events.queries.siblings) that has seats, in one step (issue 16, section 5).

Capacity is guarded as registering guards it (registrations.services): each seat on the sibling
is claimed by the conditional UPDATE of its counter, which locks the sibling's row until the
transaction ends, so moving never fills a session beyond its capacity, whoever registers at the
same moment. The waiting registrations are locked first, then the sibling's row, as cancelling
does (registration, then session).
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from events.models import Session
from outreach import audit
from outreach.models import AuditAction, User
from registrations import services
from registrations.models import MessageKind, Registration, RegistrationStatus


class NotASibling(ValueError):
    """The target is not the same session in another language, or cannot take anyone (over,
    cancelled, a draft)."""


@dataclass
class Moved:
    """What a move did: the new registrations on the sibling, and how many of those chosen
    stayed on the waitlist (no seat left on the sibling) or were skipped (registered for the
    sibling already, or not waiting any more)."""

    registrations: list[Registration] = field(default_factory=list)
    no_seat: int = 0
    skipped: int = 0

    @property
    def count(self) -> int:
        return len(self.registrations)


def movable(session: Session) -> list[Registration]:
    """The session's waitlisted people an organiser may move, longest waiting first: those of
    a course move with their course (registrations.courses), anonymised ones have nobody."""
    return list(
        Registration.objects.filter(
            session=session,
            status=RegistrationStatus.WAITLISTED,
            person__isnull=False,
            enrolment__isnull=True,
        )
        .select_related("person", "organisation")
        .order_by("waitlisted_at", "pk")
    )


def _check_sibling(session: Session, target: Session, *, now: datetime) -> None:
    if (
        target.pk == session.pk
        or session.language_group_id is None
        or target.language_group_id != session.language_group_id
        or target.status != "published"
        or services.has_started(target, now=now)
    ):
        raise NotASibling


@transaction.atomic
def move_to_sibling(
    registrations, target: Session, *, by: User | None, now: datetime | None = None
) -> Moved:
    """Move waitlisted registrations of one session to `target`, the same session in another
    language with seats, longest waiting first, in one transaction.

    Each person moved has their waitlisted registration cancelled (it held no seat: nobody is
    promoted and no cancellation goes out) and a confirmed one on the target, claiming one of
    its seats; once the target has no seat left (or people wait for it already), the rest stay
    where they are. A person registered for the target already, or no longer waiting, is
    skipped. Their details go along (organisation, job title, listening language where the
    target offers it); the co-hosts they shared with keep seeing them only where they co-host
    the target too. Each person moved is sent MOVED_TO_SIBLING in their language with the
    target's calendar invitation, and reminders are scheduled; one WAITLIST_MOVED audit entry
    on the full session names the target and the registrations. Raises NotASibling, writing
    nothing.
    """
    now = now or timezone.now()
    ids = [registration.pk for registration in registrations]
    moved = Moved()
    if not ids:
        return moved
    services._lock_timeout()
    chosen = list(
        Registration.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("session")
        .order_by("waitlisted_at", "pk")
    )
    sessions = {registration.session_id for registration in chosen}
    if len(sessions) != 1:
        raise NotASibling
    session = chosen[0].session
    target = Session.objects.get(pk=target.pk)
    _check_sibling(session, target, now=now)
    target_cohosts = set(target.cohosts.values_list("pk", flat=True))
    already = dict(
        Registration.objects.filter(
            session=target, person__in=[r.person_id for r in chosen if r.person_id]
        ).values_list("person_id", "status")
    )
    target_waits = Registration.objects.filter(
        session=target, status=RegistrationStatus.WAITLISTED
    ).exists()
    for registration in chosen:
        waiting = (
            registration.status == RegistrationStatus.WAITLISTED
            and registration.person_id is not None
            and registration.enrolment_id is None
        )
        if not waiting or already.get(registration.person_id, RegistrationStatus.CANCELLED) != (
            RegistrationStatus.CANCELLED
        ):
            moved.skipped += 1
            continue
        if target_waits or not services._claim_seat(target):
            moved.no_seat += 1
            continue
        moved.registrations.append(
            _move(
                registration,
                target,
                target_cohosts,
                now=now,
                revive=registration.person_id in already,
            )
        )
    if moved.registrations:
        services.schedule_reminders(target, now=now)
    audit.record(
        by,
        AuditAction.WAITLIST_MOVED,
        session,
        to=target.pk,
        moved=[registration.pk for registration in moved.registrations],
        no_seat=moved.no_seat,
        skipped=moved.skipped,
    )
    return moved


def _move(
    registration: Registration, target: Session, target_cohosts: set, *, now, revive: bool
) -> Registration:
    """Cancel the waiting registration and confirm the person on the target (a seat claimed
    already); a registration of theirs cancelled earlier on the target comes back to life."""
    shared = [
        pk for pk in registration.shared_with.values_list("pk", flat=True) if pk in target_cohosts
    ]
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    registration.revision += 1
    registration.save(update_fields=["status", "cancelled_at", "revision"])
    if revive:
        new = Registration.objects.select_for_update().get(
            session=target, person_id=registration.person_id
        )
        new.revision += 1
    else:
        new = Registration(session=target, person_id=registration.person_id)
    for name in ("organisation_id", "source", "source_organisation_id", "job_title"):
        setattr(new, name, getattr(registration, name))
    new.consent_version = registration.consent_version
    new.consented_at = registration.consented_at
    new.listening_language = services.chosen_listening_language(
        target, registration.listening_language or registration.session.language
    )
    new.shares_with_cohosts = bool(shared)
    new.record_organisation_facts()
    new.status = RegistrationStatus.CONFIRMED
    new.confirmed_at = now
    new.waitlisted_at = None
    new.cancelled_at = None
    if revive:
        new.save()
    else:
        new.save(force_insert=True)
    new.shared_with.set(shared)
    services.queue_message(new, MessageKind.MOVED_TO_SIBLING, first_of_registration=not revive)
    return new

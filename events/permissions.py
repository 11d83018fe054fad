"""Who may see and change sessions: every events view, feed and export asks here.

Views ask through ``outreach.permissions.require(predicate)``, templates through
``user|may:"name"`` for the predicates registered here with ``@rule("name")``.
"""

from django.db.models import Q, QuerySet

from events.models import Session, SessionStatus
from outreach import permissions as base
from outreach.permissions import rule


@rule("manage_sessions")
def can_manage_sessions(user) -> bool:
    """Create, edit, publish, reschedule and cancel sessions, and plan quarters."""
    return base.is_organiser(user)


def public_sessions() -> QuerySet[Session]:
    """The sessions everyone may open: all but drafts and declined proposals."""
    return Session.objects.exclude(status__in=[SessionStatus.DRAFT, SessionStatus.DECLINED])


def sees_only_public_sessions(user) -> bool:
    """Whether `visible_sessions(user)` is `public_sessions()`: anyone but organisers and
    co-host members."""
    return not base.is_organiser(user) and base.cohost_organisation_id(user) is None


def visible_sessions(user) -> QuerySet[Session]:
    """Sessions a person may open: public ones for everyone; drafts for organisers, and for the
    co-hosts of the draft."""
    if base.is_organiser(user):
        return Session.objects.all()
    public = public_sessions()
    organisation_id = base.cohost_organisation_id(user)
    if organisation_id is None:
        return public
    return (public | Session.objects.filter(cohosts=organisation_id)).distinct()


def cohost_sessions(user) -> QuerySet[Session]:
    """The sessions a co-host member's organisation co-hosts or proposed; none for anyone else.

    Every co-host view, export and figure starts from here, so that a member of one ministry
    never reaches another's sessions (404, even by guessing ids)."""
    organisation_id = base.cohost_organisation_id(user)
    if organisation_id is None:
        return Session.objects.none()
    return Session.objects.filter(
        Q(cohosts=organisation_id) | Q(proposed_by=organisation_id)
    ).distinct()


@rule("propose_sessions")
def can_propose_sessions(user) -> bool:
    """Propose a session, and suggest wording for the sessions one's organisation co-hosts:
    co-host managers."""
    return base.is_cohost_manager(user)


def can_suggest_texts(user, session: Session) -> bool:
    return base.is_cohost_manager(user) and cohost_sessions(user).filter(pk=session.pk).exists()


def can_see_join_link(user, session: Session) -> bool:
    """The join link is for confirmed registrants (decided in the registrations layer) and staff.

    In this layer only organisers qualify; registrations.permissions widens it.
    """
    return base.is_organiser(user)

"""Who may see and change sessions: every events view, feed and export asks here."""

from django.db.models import QuerySet

from events.models import Session, SessionStatus
from outreach import permissions as base


def can_manage_sessions(user) -> bool:
    """Create, edit, publish, reschedule and cancel sessions, and plan quarters."""
    return base.can_manage_sessions(user)


def visible_sessions(user) -> QuerySet[Session]:
    """Sessions a person may open: public ones for everyone, drafts for organisers too."""
    if base.can_manage_sessions(user):
        return Session.objects.all()
    return Session.objects.exclude(status=SessionStatus.DRAFT)


def can_see_join_link(user, session: Session) -> bool:
    """The join link is for confirmed registrants (decided in the registrations layer) and staff.

    In this layer only organisers qualify; registrations.permissions widens it.
    """
    return base.can_manage_sessions(user)

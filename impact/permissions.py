"""Who reads which impact figures: every impact view asks here.

Organisers and analysts read everything; a co-host member reads the figures of the sessions
their organisation co-hosts, with small numbers suppressed (impact.queries.Audience). The public
programme reach page is for everyone, with the public audience.
"""

from django.db.models import QuerySet
from django.http import Http404

from events.models import Session, SessionStatus
from impact.queries import HELD, Audience
from outreach import permissions as base
from outreach.models import Organisation


def audience_for(user) -> Audience | None:
    """The audience a person reads the dashboard as, or None if they may not read it."""
    if base.is_programme_staff(user):
        return Audience.staff()
    organisation_id = base.cohost_organisation_id(user)
    if organisation_id is not None:
        return Audience.cohost(organisation_id)
    return None


def drill_down_sessions(audience: Audience) -> QuerySet[Session]:
    """The sessions whose page of figures this audience may open: published or finished ones
    (a session not held yet shows no figures), for a co-host only those it co-hosts."""
    sessions = Session.objects.filter(status__in=HELD)
    if audience.cohost_id is not None:
        sessions = sessions.filter(cohosts=audience.cohost_id)
    return sessions


def invitation_to_share(
    user, session_pk: int, organisation_pk: int
) -> tuple[Session, Organisation]:
    """The session and co-host of an invitation link this person may share (its QR code):
    programme staff any co-host's, a co-host member only their own organisation's; the session
    published and co-hosted by it. Raises Http404 otherwise, so that another organisation's
    links are not found (impact.invitations.SHAREABLE says which sessions have one)."""
    if not base.is_programme_staff(user) and base.cohost_organisation_id(user) != organisation_pk:
        raise Http404
    session = Session.objects.filter(
        pk=session_pk, cohosts=organisation_pk, status=SessionStatus.PUBLISHED
    ).first()
    organisation = Organisation.objects.filter(pk=organisation_pk).first()
    if session is None or organisation is None:
        raise Http404
    return session, organisation

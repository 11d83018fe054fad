"""Who reads which impact figures: every impact view asks here.

Organisers and analysts read everything; a co-host member reads the figures of the sessions
their organisation co-hosts, with small numbers suppressed (impact.queries.Audience). The public
programme reach page is for everyone, with the public audience.
"""

from django.db.models import QuerySet

from events.models import Session
from impact.queries import HELD, Audience
from outreach import permissions as base


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

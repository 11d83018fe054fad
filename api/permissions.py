"""Who may call which API endpoint: the token's scope, then the same predicates as the pages.

A token acts as its owner: these classes map the owner onto the predicates of
outreach/events/registrations/impact permissions, never a rule of their own. Objects outside
what the owner may see are 404s (the views filter through `visible_*`/`cohost_*` querysets).
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions

from api.models import ApiToken, TokenScope
from events import permissions as events_permissions
from impact import permissions as impact_permissions
from outreach import permissions as base


def token_of(request) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


READ_ONLY = _("This token may only read: create a read and write token to change anything.")


def within_scope(request) -> bool:
    """A read token only reads (GET, HEAD, OPTIONS); a read and write token does anything its
    owner may."""
    token = token_of(request)
    if token is None or request.method in permissions.SAFE_METHODS:
        return True
    return token.scope == TokenScope.READ_WRITE


class TokenScopePermission(permissions.BasePermission):
    """A read token may only read: any write is a 403. Requests without a token pass here; the
    view's own permission decides whether they need one. (The default: every view that names
    its own permissions keeps the scope through `HasToken`.)"""

    message = READ_ONLY

    def has_permission(self, request, view):
        return within_scope(request)


class HasToken(permissions.BasePermission):
    """Only with a token (none: 401; a browser's session does not count as a token), and
    within its scope (a read token writing: 403)."""

    def has_permission(self, request, view):
        if token_of(request) is None:
            return False
        if not within_scope(request):
            raise exceptions.PermissionDenied(READ_ONLY)
        return True


class _Predicate(HasToken):
    predicate = staticmethod(lambda user: False)

    def has_permission(self, request, view):
        return super().has_permission(request, view) and self.predicate(request.user)


class IsCohostMember(_Predicate):
    """A co-host member's token (their organisation's sessions)."""

    predicate = staticmethod(base.is_cohost_member)


class MayPropose(_Predicate):
    """Co-host managers: proposing sessions (events.permissions.can_propose_sessions)."""

    predicate = staticmethod(events_permissions.can_propose_sessions)


class IsOrganiser(_Predicate):
    """Organisers: creating and changing sessions, registrations and attendance."""

    predicate = staticmethod(base.is_organiser)


class IsProgrammeStaff(_Predicate):
    """Organisers and analysts: every organisation's sessions and figures."""

    predicate = staticmethod(base.is_programme_staff)


class MayViewImpact(_Predicate):
    """The impact figures: staff all of them, co-host members their own sessions'."""

    predicate = staticmethod(base.can_view_impact)


# --- What a token's owner sees: the querysets of the layers below -----------------------------


def cohost_sessions(user):
    """A co-host member's organisation's sessions, drafts they proposed included."""
    return events_permissions.cohost_sessions(user)


def visible_sessions(user):
    return events_permissions.visible_sessions(user)


def audience_for(user):
    """The impact audience (staff, or a co-host with small numbers suppressed)."""
    return impact_permissions.audience_for(user)

"""Who may do what in the foundations: every view asks these functions, never its own rule.

Later layers (events, registrations, impact) add their own permissions module that builds on
these answers. There is one way to ask, in views and in templates:

- a view is wrapped in ``@require(predicate)``: anonymous visitors are sent to sign in, everyone
  else the predicate refuses gets 403 (objects outside what a person may see are 404s, found
  through the ``visible_*`` querysets);
- a template asks ``{% if user|may:"name" %}`` for a predicate registered with ``@rule("name")``.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from outreach.models import CohostRole, Role, User

Predicate = Callable[[User], bool]

RULES: dict[str, Predicate] = {}


def rule(name: str) -> Callable[[Predicate], Predicate]:
    """Registers a predicate under a name that templates can ask (``user|may:"name"``)."""

    def register(predicate: Predicate) -> Predicate:
        if RULES.setdefault(name, predicate) is not predicate:
            raise ValueError(f"Two predicates are registered as {name!r}.")
        return predicate

    return register


def allowed(user, name: str) -> bool:
    """The answer of the predicate registered as ``name``; an unknown name is an error."""
    return RULES[name](user)


def require(predicate: Predicate):
    """The view runs only for people the predicate accepts: anonymous visitors are sent to the
    sign-in page (and come back), signed-in people it refuses get 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not predicate(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _role(user) -> str | None:
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return user.role


@rule("sign_in")
def is_signed_in(user) -> bool:
    """Anyone with an active account: My sessions, the profile."""
    return user is not None and user.is_authenticated and user.is_active


@rule("organise")
def is_organiser(user) -> bool:
    """Programme staff who plan sessions, manage co-hosts and import attendance."""
    return _role(user) == Role.ORGANISER


@rule("staff")
def is_programme_staff(user) -> bool:
    """Organisers and analysts: the people who see every organisation's figures."""
    return _role(user) in {Role.ORGANISER, Role.ANALYST}


def may_see_operations(user) -> bool:
    """The details of /health/ (queues, workers, periodic jobs): programme staff and Django
    staff (the admin's users)."""
    return is_programme_staff(user) or bool(_role(user) and user.is_staff)


@rule("cohost")
def is_cohost_member(user) -> bool:
    """A member of a co-hosting organisation (a ministry, an agency, a chamber)."""
    return _role(user) == Role.COHOST and user.organisation_id is not None


def is_cohost_manager(user) -> bool:
    """A co-host member who may act for the organisation: propose, suggest, invite."""
    return is_cohost_member(user) and user.cohost_role == CohostRole.MANAGER


def cohost_organisation_id(user) -> int | None:
    """The organisation a co-host member acts for, or None for everyone else."""
    return user.organisation_id if is_cohost_member(user) else None


@rule("view_impact")
def can_view_impact(user) -> bool:
    """The impact dashboard: staff see everything, co-host members their own sessions' figures."""
    return is_programme_staff(user) or is_cohost_member(user)

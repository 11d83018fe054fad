"""Tracked invitation links: a co-host shares a session's registration address carrying a
signed mark of the co-host, so that registrations through it are counted for them and the
mark cannot be forged or moved to another session."""

from django.core import signing
from django.urls import reverse

from events.models import Session
from outreach.models import Organisation

SALT = "registrations.cohost-link"


def link_token(session: Session, organisation: Organisation) -> str:
    return signing.Signer(salt=SALT).sign(f"{session.pk}.{organisation.pk}").split(":", 1)[1]


def invitation_path(session: Session, organisation: Organisation) -> str:
    path = reverse("registrations:register", kwargs={"pk": session.pk})
    return f"{path}?via={organisation.pk}.{link_token(session, organisation)}"


def organisation_from_link(session: Session, via: str) -> Organisation | None:
    """The co-host a link was made for, if the mark is genuine, for this session, and the
    organisation still co-hosts it; None otherwise (the registration then counts as direct)."""
    organisation_pk, _dot, token = (via or "").partition(".")
    if not organisation_pk.isdigit() or not token:
        return None
    signer = signing.Signer(salt=SALT)
    try:
        value = signer.unsign(f"{session.pk}.{organisation_pk}:{token}")
    except signing.BadSignature:
        return None
    if value != f"{session.pk}.{organisation_pk}":
        return None
    return session.cohosts.filter(pk=organisation_pk).first()

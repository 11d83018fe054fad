"""The framed registration form's protection against forged posts, without cookies.

A page framed on a ministry's site gets no cookies in most browsers (third-party cookies are
blocked), so Django's CSRF cookie cannot work there. The embedded form acts as nobody (it never
uses a signed-in session: every post is an anonymous visitor's), so a forged post could do no
more than the form itself offers; still, each post must carry the token of a form this site
served (signed, bound to the session and the co-host, valid FORM_TOKEN_AGE), spent once, and
come from a page of this site when the browser says where it comes from (the Origin header).
"""

import secrets
from urllib.parse import urlsplit

from django.core import signing
from django.core.cache import cache

from events.models import Session
from outreach.links import absolute_url
from outreach.models import Organisation

SALT = "registrations.embed-form"
FORM_TOKEN_AGE = 3 * 60 * 60  # seconds: long enough to fill the form slowly


def form_token(session: Session, organisation: Organisation) -> str:
    value = f"{session.pk}.{organisation.pk}.{secrets.token_urlsafe(12)}"
    return signing.TimestampSigner(salt=SALT).sign(value)


def spend_form_token(token: str, session: Session, organisation: Organisation) -> bool:
    """Whether `token` is one this site served for this session and co-host, still fresh and
    not used before; using it spends it."""
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token or "", max_age=FORM_TOKEN_AGE)
    except signing.BadSignature:
        return False
    session_pk, _dot, rest = value.partition(".")
    organisation_pk, _dot, nonce = rest.partition(".")
    if (session_pk, organisation_pk) != (str(session.pk), str(organisation.pk)) or not nonce:
        return False
    return cache.add(f"embed-form:{nonce}", 1, timeout=FORM_TOKEN_AGE)


def own_origin() -> str:
    parts = urlsplit(absolute_url("/"))
    return f"{parts.scheme}://{parts.netloc}"


def comes_from_here(request) -> bool:
    """A post whose browser names its origin must name this site's (the framed page is ours,
    so its form posts from our origin); one without the header is judged by its token alone."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return origin in {own_origin(), f"{request.scheme}://{request.get_host()}"}

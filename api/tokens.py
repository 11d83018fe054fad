"""Personal API tokens: creating, revoking and recognising them.

A token is ``<prefix>.<secret>``: the prefix (public, shown in lists, the rate limit's key) and
a random secret from `secrets.token_urlsafe`. Only the prefix and the SHA-256 of the whole token
are stored, so the token is shown once, when it is created, and never again.
"""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from api.models import ApiToken, TokenScope
from outreach import audit
from outreach import permissions as base
from outreach.models import AuditAction
from outreach.permissions import rule

# A token's lifetime, in days, as offered on the tokens page.
EXPIRY_DAYS = (30, 90, 365)
PREFIX_BYTES = 6  # 8 characters of URL-safe text
# How often last_used_at is written: at most once a minute per token.
LAST_USED_EVERY = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@rule("api_tokens")
def may_hold_tokens(user) -> bool:
    """Co-host members and programme staff create tokens; participants (firms) never."""
    return base.is_cohost_member(user) or base.is_programme_staff(user)


def create_token(owner, *, name: str, scope: str, days: int, by) -> tuple[ApiToken, str]:
    """A new token for `owner`; returns it with its full text, which is never kept.

    Side effects: the row and an API_TOKEN_CREATED audit entry (the token page shows the
    token once)."""
    if scope not in TokenScope.values:
        raise ValueError(f"Unknown scope {scope!r}.")
    if days not in EXPIRY_DAYS:
        raise ValueError(f"A token lasts {EXPIRY_DAYS} days, not {days}.")
    if by != owner or not may_hold_tokens(owner):
        raise PermissionError("Only co-host members and staff create tokens, for themselves.")
    with transaction.atomic():
        while True:
            prefix = secrets.token_urlsafe(PREFIX_BYTES)[:8]
            if not ApiToken.objects.filter(prefix=prefix).exists():
                break
        text = f"{prefix}.{secrets.token_urlsafe(32)}"
        now = timezone.now()
        token = ApiToken.objects.create(
            owner=owner,
            name=name,
            prefix=prefix,
            key_hash=hash_token(text),
            scope=scope,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        audit.record(
            by,
            AuditAction.API_TOKEN_CREATED,
            token,
            prefix=prefix,
            scope=scope,
            expires_at=token.expires_at.isoformat(),
        )
    return token, text


def revoke_token(token: ApiToken, *, by) -> None:
    """Revokes one of `by`'s own tokens, with an API_TOKEN_REVOKED audit entry; revoking twice
    changes nothing."""
    if token.owner_id != by.pk:
        raise PermissionError("A person revokes only their own tokens.")
    with transaction.atomic():
        revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if revoked:
            audit.record(by, AuditAction.API_TOKEN_REVOKED, token, prefix=token.prefix)


def tokens_of(user):
    """A person's tokens, newest first."""
    return ApiToken.objects.filter(owner=user).order_by("-created_at", "-pk")


def find_token(text: str) -> ApiToken | None:
    """The token whose whole text this is (by its hash), with its owner; None if unknown."""
    return (
        ApiToken.objects.select_related("owner", "owner__organisation")
        .filter(key_hash=hash_token(text))
        .first()
    )


def touch(token: ApiToken, *, now=None) -> None:
    """Records the token's use, at most once a minute (one UPDATE, no read)."""
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now

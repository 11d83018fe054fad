"""Limits on registering, per email address and per network, counted in the shared cache (which
production cannot run without: outreach.settings).

The client's address comes from the one function every limit uses, allauth's (its sign-in and
code limits included): X-Forwarded-For counts only as far as our own proxies append to it
(ALLAUTH_TRUSTED_PROXY_COUNT, set from OUTREACH_TRUSTED_PROXY_COUNT), so a header forged by the
client changes nothing.

Each limit is a fixed window per key that starts at the key's first hit: a counter that expires
`window` seconds after it was created. On Redis (production) every key a call counts is counted
in one round trip: INCR, then EXPIRE … NX (Redis 7), which sets the expiry only on a counter
that has none yet, pipelined for all the keys at once (`may_register`: its two keys, one round
trip instead of six). Other caches (local memory in development and tests) count with add and
incr, as Django's cache API allows, with the same results.
"""

import ipaddress

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied

from outreach.config import parse_rate
from outreach.models import normalise_email

__all__ = ["allow", "client_ip", "may_register", "network_of", "parse_rate"]


def client_ip(request) -> str:
    """The client's address as allauth finds it for its own limits; "" when there is none to
    find (no address, or fewer X-Forwarded-For entries than our proxies add: a request that did
    not come through them)."""
    try:
        return get_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):
        return ""


def network_of(ip: str) -> str:
    """The network a client belongs to: an IPv4 /24 or an IPv6 /48."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return "unknown"
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def allow(key: str, rate: str) -> bool:
    """Count one hit on the key; False once the rate is exceeded within the window."""
    return _allow_all([(key, rate)])


def may_register(request, email: str) -> bool:
    """Count one registration from this network and this address (both, whatever either says);
    False when either is over its limit."""
    network = network_of(client_ip(request))
    return _allow_all(
        [
            (f"register:net:{network}", settings.OUTREACH_REGISTER_LIMIT_PER_NETWORK),
            (
                f"register:email:{normalise_email(email)}",
                settings.OUTREACH_REGISTER_LIMIT_PER_EMAIL,
            ),
        ]
    )


def _allow_all(limits: list[tuple[str, str]]) -> bool:
    """Count one hit on each (key, rate); True when none is over its rate."""
    windows = []
    for key, rate in limits:
        limit, window = parse_rate(rate)
        windows.append((f"ratelimit:{key}", limit, window))
    store = caches[DEFAULT_CACHE_ALIAS]
    count = _count_on_redis if isinstance(store, RedisCache) else _count_in_cache
    hits = count(store, [(cache_key, window) for cache_key, _limit, window in windows])
    return all(hit <= limit for hit, (_key, limit, _window) in zip(hits, windows, strict=True))


def _count_on_redis(store: RedisCache, keys: list[tuple[str, int]]) -> list[int]:
    """One round trip for every key: INCR creates a counter at 1 or adds one, and EXPIRE … NX
    starts the window on a counter that has no expiry yet (at its first hit, or on a counter
    that somehow lost its expiry), never moving an expiry already set. The names are the cache's
    own (its KEY_PREFIX and VERSION) and Django's Redis cache keeps integers as plain numbers,
    so `cache.get` reads these counters and counters left by the add-then-incr path carry on."""
    names = [(store.make_and_validate_key(key), window) for key, window in keys]
    client = store._cache.get_client(names[0][0], write=True)
    pipeline = client.pipeline(transaction=False)
    for name, window in names:
        pipeline.incr(name)
        pipeline.expire(name, window, nx=True)
    replies = pipeline.execute()
    return [int(hits) for hits in replies[::2]]


def _count_in_cache(store, keys: list[tuple[str, int]]) -> list[int]:
    """Any other cache: add the counter at 0 with the window as its timeout (a no-op when it
    exists), then incr it."""
    hits = []
    for cache_key, window in keys:
        store.add(cache_key, 0, timeout=window)
        try:
            hits.append(store.incr(cache_key))
        except ValueError:  # expired between add and incr
            store.set(cache_key, 1, timeout=window)
            hits.append(1)
    return hits

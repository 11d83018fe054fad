"""Limits on registering, per email address and per network, counted in the shared cache (which
production cannot run without: outreach.settings).

The client's address comes from the one function every limit uses, allauth's (its sign-in and
code limits included): X-Forwarded-For counts only as far as our own proxies append to it
(ALLAUTH_TRUSTED_PROXY_COUNT, set from OUTREACH_TRUSTED_PROXY_COUNT), so a header forged by the
client changes nothing.
"""

import ipaddress

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import cache
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
    limit, window = parse_rate(rate)
    cache_key = f"ratelimit:{key}"
    cache.add(cache_key, 0, timeout=window)
    try:
        hits = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window)
        hits = 1
    return hits <= limit


def may_register(request, email: str) -> bool:
    network = network_of(client_ip(request))
    by_network = allow(f"register:net:{network}", settings.OUTREACH_REGISTER_LIMIT_PER_NETWORK)
    by_email = allow(
        f"register:email:{normalise_email(email)}", settings.OUTREACH_REGISTER_LIMIT_PER_EMAIL
    )
    return by_network and by_email

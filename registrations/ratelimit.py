"""Limits on registering, per email address and per network, counted in the shared cache."""

import ipaddress
import re

from django.conf import settings
from django.core.cache import cache

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "10/h" → (10, 3600); "60/10m" → (60, 600)."""
    match = re.fullmatch(r"(\d+)/(\d*)([smhd])", rate.strip())
    if not match:
        raise ValueError(f"Not a rate: {rate!r}")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * UNITS[unit]


def client_ip(request) -> str:
    """The client's address. X-Forwarded-For counts only as far as our own proxies append to it,
    so a forged header sent by the client changes nothing."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.OUTREACH_TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [
        p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()
    ]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]


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
        f"register:email:{email.strip().lower()}", settings.OUTREACH_REGISTER_LIMIT_PER_EMAIL
    )
    return by_network and by_email

"""Receiver URLs may not reach inside our network: every address a receiver's host resolves to
must be public (not private, loopback, link-local, shared, multicast or reserved), checked when
subscribing and again before every send (a name may resolve elsewhere later: DNS rebinding).
settings.OUTREACH_WEBHOOKS_ALLOW_PRIVATE lifts the rule (tests with a local receiver)."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class UnsafeReceiver(Exception):
    """Why a receiver URL is refused: `reason` is "scheme", "unresolvable" or "private"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def https_only() -> bool:
    """Only https receivers in production; http too in development or where private ones are
    allowed."""
    return not (settings.DEBUG or settings.OUTREACH_WEBHOOKS_ALLOW_PRIVATE)


def check(url: str) -> list[str]:
    """The addresses `url`'s host resolves to, all public; raises UnsafeReceiver otherwise."""
    parts = urlsplit(url)
    allowed_schemes = {"https"} if https_only() else {"https", "http"}
    if parts.scheme not in allowed_schemes or not parts.hostname:
        raise UnsafeReceiver("scheme")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError, UnicodeError) as error:
        raise UnsafeReceiver("unresolvable") from error
    addresses = sorted({info[4][0] for info in found})
    if not addresses:
        raise UnsafeReceiver("unresolvable")
    if not settings.OUTREACH_WEBHOOKS_ALLOW_PRIVATE and not all(map(_is_public, addresses)):
        raise UnsafeReceiver("private")
    return addresses

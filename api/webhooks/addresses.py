"""Receiver URLs may not reach inside our network: every address a receiver's host resolves to
must be public (not private, loopback, link-local, shared, multicast or reserved), checked when
subscribing and again before every send (a name may resolve elsewhere later: DNS rebinding).
settings.OUTREACH_WEBHOOKS_ALLOW_PRIVATE lifts the rule (tests with a local receiver)."""

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter


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
    """The addresses `url`'s host resolves to, all public, in the resolver's order; raises
    UnsafeReceiver otherwise."""
    parts = urlsplit(url)
    allowed_schemes = {"https"} if https_only() else {"https", "http"}
    if parts.scheme not in allowed_schemes or not parts.hostname:
        raise UnsafeReceiver("scheme")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError, UnicodeError) as error:
        raise UnsafeReceiver("unresolvable") from error
    addresses = list(dict.fromkeys(info[4][0] for info in found))  # in the resolver's order
    if not addresses:
        raise UnsafeReceiver("unresolvable")
    if not settings.OUTREACH_WEBHOOKS_ALLOW_PRIVATE and not all(map(_is_public, addresses)):
        raise UnsafeReceiver("private")
    return addresses


class PinnedAdapter(HTTPAdapter):
    """Connects to one address checked already, whatever the name resolves to by then (DNS
    rebinding), while TLS still checks the certificate against the URL's host name."""

    def __init__(self, address: str):
        super().__init__(max_retries=0)
        self.address = f"[{address}]" if ":" in address else address

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        host_name = host_params["host"]
        host_params["host"] = self.address
        if host_params["scheme"] == "https":
            pool_kwargs["server_hostname"] = host_name
            pool_kwargs["assert_hostname"] = host_name
        return host_params, pool_kwargs


def pinned_session(url: str, address: str) -> requests.Session:
    """A session whose requests to `url` go to `address` (one that `check` returned)."""
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: the address is the one checked
    parts = urlsplit(url)
    session.mount(f"{parts.scheme}://{parts.netloc}", PinnedAdapter(address))
    session.headers["Host"] = parts.netloc.rsplit("@", 1)[-1]
    return session

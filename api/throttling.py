"""Rate limits: per token (keyed by its public prefix), and per address for anonymous calls.

The rates are in settings (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]: "token" and "anonymous").
They count in the shared cache, so that every process counts the same calls.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from api.permissions import token_of


class _SettingsRate(SimpleRateThrottle):
    def get_rate(self):
        # Read at each request (DRF binds the rates at import), so that a test can set a tiny
        # rate with override_settings.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class TokenRateThrottle(_SettingsRate):
    """Calls with a token, counted per token."""

    scope = "token"

    def get_cache_key(self, request, view):
        token = token_of(request)
        if token is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.prefix}


class AnonymousRateThrottle(_SettingsRate):
    """Calls without a token (the public endpoints), counted per client address."""

    scope = "anonymous"

    def get_cache_key(self, request, view):
        if token_of(request) is not None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

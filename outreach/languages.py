"""The language a request or task is in."""

from django.utils import translation


def active_language() -> str:
    """The active language's two-letter code ("en" when none is active)."""
    return (translation.get_language() or "en")[:2]

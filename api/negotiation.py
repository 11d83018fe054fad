"""JSON for programs; the browsable page only for a person signed in on the site in a browser."""

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer


class BrowsingSignedIn(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        person = getattr(request._request, "user", None)
        if person is None or not person.is_authenticated:
            renderers = [r for r in renderers if not isinstance(r, BrowsableAPIRenderer)]
        return super().select_renderer(request, renderers, format_suffix)

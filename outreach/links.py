"""The one way to build an absolute link: from settings.SITE_URL, never from a request's Host.

Every email, calendar file and feed builds its links here. A request's Host header is whatever
the client sent (a permissive ALLOWED_HOSTS or a misconfigured proxy lets an attacker choose
it), so a link built from it could send a person's sign-in or confirmation to another site.
"""

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings


def absolute_url(location: str) -> str:
    """The address of `location` on this site.

    `location` is a path ("/en/sessions/3/"), with its query and fragment if any. An address
    that names a scheme and host (as django-allauth builds them from the request) keeps only
    its path, query and fragment: the scheme and host are always SITE_URL's.
    """
    parts = urlsplit(str(location))
    path = parts.path if parts.path.startswith("/") else "/" + parts.path
    return settings.SITE_URL + urlunsplit(("", "", path, parts.query, parts.fragment))

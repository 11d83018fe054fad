"""The sites a co-host lists as allowed to frame its sessions' registration page.

An origin is `scheme://host[:port]`, nothing more: it goes verbatim into the page's
Content-Security-Policy `frame-ancestors`, so anything else (a path, a space, a semicolon) is
refused here rather than trusted there.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_ORIGINS = 10
DEFAULT_PORTS = {"https": 443, "http": 80}


def normalise_origin(text: str) -> str:
    """`https://Ministerio.gob.cl/` → `https://ministerio.gob.cl`; ValidationError otherwise.
    Plain http is accepted only where settings.OUTREACH_EMBED_ALLOW_HTTP (development, tests)."""
    text = text.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValidationError(_("“%(origin)s” is not a web address.") % {"origin": text}) from None
    allowed = {"https", "http"} if settings.OUTREACH_EMBED_ALLOW_HTTP else {"https"}
    if parts.scheme not in allowed:
        raise ValidationError(
            _("“%(origin)s” must start with https://.") % {"origin": text}, code="scheme"
        )
    host = parts.hostname or ""
    if (
        not host
        or parts.username
        or parts.password
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or "*" in host
    ):
        raise ValidationError(
            _("Give only the site’s address, such as https://www.example.gov, for “%(origin)s”.")
            % {"origin": text},
            code="shape",
        )
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise ValidationError(_("“%(origin)s” is not a web address.") % {"origin": text}) from None
    if not all(c.isalnum() or c in ".-" for c in host):
        raise ValidationError(_("“%(origin)s” is not a web address.") % {"origin": text})
    origin = f"{parts.scheme}://{host}"
    if port is not None and port != DEFAULT_PORTS[parts.scheme]:
        origin += f":{port}"
    return origin


def parse_origins(text: str) -> list[str]:
    """One origin per line (or separated by spaces or commas), normalised, without repeats."""
    origins = []
    errors = []
    for item in text.replace(",", " ").split():
        try:
            origin = normalise_origin(item)
        except ValidationError as error:
            errors.extend(error.messages)
            continue
        if origin not in origins:
            origins.append(origin)
    if errors:
        raise ValidationError(errors)
    if len(origins) > MAX_ORIGINS:
        raise ValidationError(
            _("List at most %(max)s sites.") % {"max": MAX_ORIGINS}, code="too_many"
        )
    return origins

"""Sharing a co-host's invitation link (registrations.cohost_links): the absolute address, a
message written in the session's language for WhatsApp and email, and the link as a QR code to
print. Links are built from SITE_URL (outreach.links), never from the request's Host, and only
for published sessions: a draft's registration page does not exist for the public."""

import io
import zoneinfo
from urllib.parse import quote

import segno
from django.utils import translation
from django.utils.translation import gettext as _

from events.models import Session, SessionStatus
from outreach.links import absolute_url
from outreach.models import Organisation
from outreach.timezones import format_moment
from registrations import cohost_links

SHAREABLE = (SessionStatus.PUBLISHED,)
QR_KINDS = {"svg": "image/svg+xml", "png": "image/png"}


def shareable(session: Session) -> bool:
    """Whether a session has an invitation link to share: published, not over."""
    return session.status in SHAREABLE


def invitation_url(session: Session, organisation: Organisation) -> str:
    """The co-host's tracked registration address, in the session's language."""
    with translation.override(session.language):
        return absolute_url(cohost_links.invitation_path(session, organisation))


def share_links(session: Session, organisation: Organisation) -> dict[str, str]:
    """The link, and the pre-written message (in the session's language, with its title and
    time in the organiser's zone) as WhatsApp and email addresses."""
    url = invitation_url(session, organisation)
    with translation.override(session.language):
        title = session.display_title
        when = format_moment(
            session.starts_at, zoneinfo.ZoneInfo(session.time_zone), session.language
        )
        subject = _("Invitation: %(title)s") % {"title": title}
        message = _(
            "You are invited to the free webinar “%(title)s” on %(when)s. Register here: %(url)s"
        ) % {"title": title, "when": when, "url": url}
    return {
        "url": url,
        "subject": subject,
        "message": message,
        "whatsapp": "https://wa.me/?text=" + quote(message, safe=""),
        "email": f"mailto:?subject={quote(subject, safe='')}&body={quote(message, safe='')}",
    }


def qr_code(url: str, kind: str) -> bytes:
    """The link as a QR code, an SVG (scalable, to print) or a PNG, black on white with the
    quiet zone the standard asks for; medium error correction survives a smudged print."""
    code = segno.make(url, error="m", micro=False)
    buffer = io.BytesIO()
    if kind == "svg":
        code.save(
            buffer, kind="svg", border=4, xmldecl=False, omitsize=True, light="#fff", title=url
        )
    else:
        code.save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()

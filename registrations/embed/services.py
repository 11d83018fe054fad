"""A co-host's sites that may frame its sessions' registration page, and the snippet to paste."""

from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from events.models import Session
from outreach import audit
from outreach.links import absolute_url
from outreach.models import AuditAction, Organisation, User
from registrations import cohost_links


@transaction.atomic
def set_embed_origins(organisation: Organisation, origins: list[str], *, by: User) -> bool:
    """Keep `origins` (already normalised by embed.origins.parse_origins) as the sites that may
    frame the organisation's registration pages; an EMBED_SITES_CHANGED audit entry records the
    change. Returns whether anything changed."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    before = list(organisation.embed_origins or [])
    if before == origins:
        return False
    organisation.embed_origins = origins
    organisation.save(update_fields=["embed_origins"])
    audit.record(
        by,
        AuditAction.EMBED_SITES_CHANGED,
        organisation,
        added=[o for o in origins if o not in before],
        removed=[o for o in before if o not in origins],
    )
    return True


def embed_url(session: Session, organisation: Organisation, *, language: str) -> str:
    """The framable registration page of `session`, counted for `organisation` like its
    invitation link, in `language`."""
    via = f"{organisation.pk}.{cohost_links.link_token(session, organisation)}"
    with translation.override(language):
        path = reverse("registrations:embed-register", kwargs={"pk": session.pk, "via": via})
    return absolute_url(path)


def snippet(session: Session, organisation: Organisation, *, language: str) -> str:
    """What a co-host pastes into its page: a plain iframe, and a link for whoever cannot see
    it (no frames, or a site not listed). Its words are in `language`, the page's."""
    url = embed_url(session, organisation, language=language)
    with translation.override(language):
        link = absolute_url(cohost_links.invitation_path(session, organisation))
        title = _("Register for “%(title)s”") % {"title": session.localized("title", language)}
        fallback = _("Register on Outreach")
    return (
        f'<iframe src="{escape(url)}" title="{escape(title)}" width="100%" height="1400" '
        f'loading="lazy" style="border:0;max-width:720px"></iframe>\n'
        f'<p><a href="{escape(link)}">{escape(fallback)}</a></p>'
    )

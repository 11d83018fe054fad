"""How django-allauth fits Outreach: the site named from SITE_URL, a person's language kept."""

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.utils import translation


@dataclass(frozen=True)
class SiteIdentity:
    """What allauth's emails call "the site": never taken from the request's Host header."""

    name: str
    domain: str


def site_identity() -> SiteIdentity:
    return SiteIdentity(name="Outreach", domain=urlsplit(settings.SITE_URL).netloc)


class AccountAdapter(DefaultAccountAdapter):
    def build_absolute_uri(self, request, location, protocol=None):
        return urljoin(settings.SITE_URL + "/", location.lstrip("/"))

    def send_mail(self, template_prefix, email, context):
        super().send_mail(template_prefix, email, {**context, "current_site": site_identity()})

    def format_email_subject(self, subject):
        return settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + str(subject)

    def save_user(self, request, user, form, commit=True):
        language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
        if language in dict(settings.LANGUAGES):
            user.language = language
        return super().save_user(request, user, form, commit=commit)

"""How django-allauth fits Outreach: sign-in by emailed code only, links and the site's name
from SITE_URL, a person's language kept."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.auth_backends import AuthenticationBackend
from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from outreach.links import absolute_url
from outreach.permissions import is_cohost_member, is_organiser, is_programme_staff


@dataclass(frozen=True)
class SiteIdentity:
    """What allauth's emails call "the site": never taken from the request's Host header."""

    name: str
    domain: str


def site_identity() -> SiteIdentity:
    return SiteIdentity(name="Outreach", domain=urlsplit(settings.SITE_URL).netloc)


class CodeOnlyBackend(AuthenticationBackend):
    """The only authentication backend: permissions as Django's ModelBackend, and no password
    ever signs anyone in.

    allauth signs people in by emailed code (or after verifying their address by code) with
    `login()` itself, never through `authenticate()`; so `authenticate()` refuses every set of
    credentials. A password hash left in the database (createsuperuser, an old account) is inert.
    """

    def authenticate(self, request, **credentials):
        return None


def no_password_page(request, extra_context=None):
    """Stands in for the admin's password change pages: there is no password to change."""
    raise Http404


CODE_PAGES = {"account_confirm_login_code", "account_email_verification_sent"}
CODE_SENT_MESSAGES = {
    "account/messages/login_code_sent.txt",
    "account/messages/email_confirmation_sent.txt",
}


def workspace_url_name(person) -> str:
    """The page a person starts from, by role (URL names of the apps above: reversing a name
    imports nothing from them)."""
    if is_organiser(person):
        return "events:manage-sessions"
    if is_programme_staff(person):
        return "impact:dashboard"
    if is_cohost_member(person):
        return "cohost:home"
    return "registrations:my-sessions"


def _is_link(value) -> bool:
    return isinstance(value, str) and urlsplit(value).scheme in ("http", "https")


class AccountAdapter(DefaultAccountAdapter):
    # allauth's errors that speak of "users" or sound off in French and Spanish, said as
    # Outreach says things (the others are allauth's, translated with outreach.allauth_texts).
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "account_inactive": _("This account is no longer active."),
        "email_taken": _("Another account already uses this email address."),
        "rate_limited": _("Please wait a moment before asking again."),
        "too_many_login_attempts": _(
            "Too many tries with this address. Wait a few minutes, then ask for a new code."
        ),
    }

    def send_mail(self, template_prefix, email, context):
        """Every allauth email goes through here. allauth builds its links from the request
        (`allauth.utils.build_absolute_uri`, called by its flows without asking the adapter,
        e.g. the "unknown account" sign-up link): each link is rebuilt on SITE_URL here, and
        the site is named from SITE_URL, whatever Host the request carried. The "unknown
        account" email also links to the sessions, which anyone registers for without one."""
        context = {
            key: absolute_url(value) if _is_link(value) else value for key, value in context.items()
        }
        if template_prefix == "account/email/unknown_account":
            context["catalogue_url"] = absolute_url(reverse("events:catalogue"))
        super().send_mail(template_prefix, email, {**context, "current_site": site_identity()})

    def add_message(self, request, level, message_template=None, message_context=None, **kwargs):
        """The page for entering a code says where the code went: allauth's "code sent" message
        would say it a second time. It is shown only on that page itself, after "email me a
        new code"."""
        on_code_page = getattr(request.resolver_match, "url_name", None) in CODE_PAGES
        if message_template in CODE_SENT_MESSAGES and not on_code_page:
            return
        super().add_message(request, level, message_template, message_context, **kwargs)

    def send_account_already_exists_mail(self, email):
        """Sign-up with a known address (answered like a new one, so that nobody learns who has
        an account): the owner is told to sign in by code. allauth's own version points to the
        password reset, which Outreach does not have."""
        self.send_mail(
            "account/email/account_already_exists",
            email,
            {"login_url": absolute_url(reverse("account_request_login_code"))},
        )

    def get_login_redirect_url(self, request):
        """Where a person lands after signing in when no safe `next` names a page (allauth
        follows a `next` it finds safe before asking this): their workspace. Organisers manage
        sessions, analysts read the impact dashboard, co-host members open their workspace,
        and everyone else (firms, mostly) finds the sessions they registered for."""
        return reverse(workspace_url_name(request.user))

    def get_signup_redirect_url(self, request):
        return self.get_login_redirect_url(request)

    def format_email_subject(self, subject):
        return settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + str(subject)

    def save_user(self, request, user, form, commit=True):
        language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
        if language in dict(settings.LANGUAGES):
            user.language = language
        return super().save_user(request, user, form, commit=commit)

"""The single-use link that lets the owner of an address confirm what the public form asked
for in their name (a PendingRegistration), and the email that carries it.

The link is signed (django.core.signing, with SECRET_KEY and a salt of its own) and carries
only the pending registration's id and the time it was made: it cannot be forged or pointed at
another one, it expires after VALID_FOR, and it works once (the row records its confirmation).
"""

import zoneinfo
from datetime import timedelta

from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from outreach.links import absolute_url
from outreach.models import Economy
from outreach.timezones import format_time_range
from registrations import queries
from registrations.models import PendingKind, PendingRegistration, Question, QuestionKind
from registrations.questions.answers import EMPTY

SALT = "registrations.pending-registration"
VALID_FOR = timedelta(days=7)


class BadLink(Exception):
    """The link cannot be used; `reason` is "invalid", "expired" or "used"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def confirmation_token(pending: PendingRegistration) -> str:
    return signing.dumps(pending.pk, salt=SALT)


def confirmation_url(pending: PendingRegistration) -> str:
    """The link, in the language of the page it opens (the active one)."""
    path = reverse(
        "registrations:confirm-registration", kwargs={"token": confirmation_token(pending)}
    )
    return absolute_url(path)


def pending_by_token(token: str) -> PendingRegistration:
    """The pending registration a link stands for; BadLink if it cannot be used.

    A link also stops working when the address it went to is no longer the person's (changed
    or erased) or the person can no longer sign in.
    """
    try:
        pk = signing.loads(token, salt=SALT, max_age=VALID_FOR)
    except signing.SignatureExpired as error:
        raise BadLink("expired") from error
    except signing.BadSignature as error:
        raise BadLink("invalid") from error
    pending = (
        PendingRegistration.objects.select_related("session", "person", "registration")
        .filter(pk=pk)
        .first()
        if isinstance(pk, int)
        else None
    )
    if pending is None or not pending.person.is_active or pending.person.email != pending.email:
        raise BadLink("invalid")
    if pending.confirmed_at is not None:
        raise BadLink("used")
    return pending


def held_answers(pending: PendingRegistration) -> list[tuple[str, str]]:
    """The answers to the registration questions a pending registration holds, as its
    confirmation page shows them: (question, answer) in the active language, for the questions
    the session asks now (services.confirm_pending_registration stores what fits them)."""
    answers = (pending.details or {}).get("answers") or {}
    survey = queries.registration_survey(pending.session) if answers else None
    if survey is None:
        return []
    named = [
        answers.get(q.code) for q in survey.questions.all() if q.kind == QuestionKind.ECONOMIES
    ]
    codes = {code for value in named if isinstance(value, list) for code in value}
    economies = dict(Economy.objects.filter(code__in=codes).values_list("code", "name"))
    lines = []
    for question in survey.questions.all():
        value = answers.get(question.code)
        if value not in EMPTY:
            lines.append((question.text, _said(question, value, economies)))
    return [(text, said) for text, said in lines if said != ""]


def _said(question: Question, value, economies: dict[str, str]) -> str:
    values = value if isinstance(value, list) else [value]
    if question.kind == QuestionKind.YES_NO:
        return _("Yes") if value is True else _("No") if value is False else ""
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return ", ".join(c.text for c in question.choices.all() if c.code in values)
    if question.kind == QuestionKind.ECONOMIES:
        return ", ".join(sorted(economies[code] for code in values if code in economies))
    return str(value)


def cohost_names(pending: PendingRegistration) -> str:
    return ", ".join(o.name for o in pending.share_with.order_by("name"))


def build_email(pending: PendingRegistration) -> EmailMultiAlternatives:
    """The email asking the address's owner to confirm, in their language and time zone.

    It repeats nothing the form's author typed (no name, organisation or job title from the
    form), so that nobody can use it to send words of their own to someone else's inbox: the
    page behind the link shows them.
    """
    person = pending.person
    session = pending.session
    with translation.override(person.language):
        title = session.localized("title", person.language)
        if pending.details.get("course") and session.series_id:
            # An enrolment in a course (registrations.courses) held on its next session.
            series = session.series
            title = getattr(series, f"title_{person.language}", "") or series.title or title
        if pending.kind == PendingKind.REGISTRATION:
            subject = _("Please confirm your registration: %(title)s") % {"title": title}
        else:
            subject = _("Please confirm that your details may be shared: %(title)s") % {
                "title": title
            }
        zone = zoneinfo.ZoneInfo(person.time_zone or "UTC")
        context = {
            "kind": pending.kind,
            "name": person.full_name or person.email,
            "title": title,
            "time": format_time_range(session.starts_at, session.ends_at, zone, person.language),
            "cohosts": cohost_names(pending),
            "confirm_url": confirmation_url(pending),
            "valid_days": VALID_FOR.days,
            "sign_in_url": absolute_url(reverse("account_request_login_code")),
        }
        return EmailMultiAlternatives(
            subject=" ".join(subject.split()),
            body=render_to_string("emails/confirm_registration.txt", context),
            to=[pending.email],
            headers={"Auto-Submitted": "auto-generated", "Content-Language": person.language},
        )


@task
def send_confirmation_request(pending_id: int) -> bool:
    """Email the link once: a second run finds it sent. False when there was nothing to send."""
    now = timezone.now()
    with transaction.atomic():
        claimed = PendingRegistration.objects.filter(
            pk=pending_id, sent_at__isnull=True, confirmed_at__isnull=True
        ).update(sent_at=now)
    if not claimed:
        return False
    pending = PendingRegistration.objects.select_related("session", "person").get(pk=pending_id)
    if not pending.person.is_active or pending.person.email != pending.email:
        return False  # nobody to write to: a deactivated person, or the address has changed
    try:
        build_email(pending).send()
    except Exception:
        # Not sent: the next run of this task may try again.
        PendingRegistration.objects.filter(pk=pending_id).update(sent_at=None)
        raise
    return True

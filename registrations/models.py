"""A person at a session, and every message sent to them about it."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Session
from outreach.models import Organisation

PRIVACY_NOTICE_VERSION = "2026-11"


def new_token() -> str:
    return secrets.token_urlsafe(24)


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waitlist")
    CANCELLED = "cancelled", _("Cancelled")


class RegistrationSource(models.TextChoices):
    DIRECT = "direct", _("Direct")
    COHOST = "cohost", _("Co-host invitation link")
    CAMPAIGN = "campaign", _("Campaign")
    ORGANISER = "organiser", _("Added by an organiser")


class Registration(models.Model):
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("session")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("person"),
    )
    # The organisation the person registered for: impact figures count it as it was then.
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("organisation"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RegistrationStatus.choices, db_index=True
    )
    source = models.CharField(
        _("source"),
        max_length=10,
        choices=RegistrationSource.choices,
        default=RegistrationSource.DIRECT,
    )
    # The co-host whose invitation link brought the registration, if any.
    source_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attributed_registrations",
        verbose_name=_("brought by"),
    )
    # Whether the person agreed to share name, email and organisation with the session's
    # co-hosts; without it co-hosts see only anonymous facts (economy, kind, size).
    shares_with_cohosts = models.BooleanField(_("shares details with the co-hosts"), default=False)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    consent_version = models.CharField(_("privacy notice version"), max_length=20)
    consented_at = models.DateTimeField(_("consented at"))
    # Secret for the one-click cancel link in every message.
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    # Grows with every change of status, so that each change has its own messages and the
    # person's calendar copy a SEQUENCE that only ever grows (the session's plus this).
    revision = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"], name="one_registration_per_person"
            ),
            models.CheckConstraint(
                condition=~Q(status=RegistrationStatus.WAITLISTED) | Q(waitlisted_at__isnull=False),
                name="waitlisted_registration_has_a_place_in_line",
            ),
        ]
        indexes = [
            models.Index(
                fields=["session", "status", "waitlisted_at"], name="registration_waitlist"
            ),
        ]

    def __str__(self):
        return f"{self.person} @ {self.session}"


class MessageKind(models.TextChoices):
    CONFIRMATION = "confirmation", _("Confirmation")
    WAITLISTED = "waitlisted", _("Waitlist notice")
    PROMOTED = "promoted", _("Seat offered from the waitlist")
    REMINDER = "reminder", _("Reminder")
    RESCHEDULED = "rescheduled", _("Change of time")
    SESSION_CANCELLED = "session_cancelled", _("Session cancelled")
    REGISTRATION_CANCELLED = "registration_cancelled", _("Registration cancelled")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("No longer needed")


class Message(models.Model):
    """One email to a registrant. Its key makes it unique, so that it is sent once."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(max_length=30, choices=MessageKind.choices)
    key = models.CharField(max_length=120, unique=True)
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    # The session's calendar SEQUENCE when the message was queued: a reminder or invitation
    # queued before a change of time is stale once the sequence has moved on.
    session_sequence = models.PositiveIntegerField()
    due_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self):
        return self.key


class ReminderRun(models.Model):
    """One reminder round of a session (e.g. "a day before") at one start time.

    Created once, by the first confirmation; its task sends the reminders when due. A change
    of time makes a new round; the old one finds the session moved and sends nothing.
    """

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="reminder_runs")
    minutes_before = models.PositiveIntegerField()
    starts_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "minutes_before", "starts_at"], name="one_reminder_round"
            )
        ]

    def __str__(self):
        return f"{self.session_id} -{self.minutes_before}min @ {self.starts_at:%Y-%m-%d %H:%M}"

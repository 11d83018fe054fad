"""A person at a session, and every message sent to them about it."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Session
from outreach.models import Economy, Organisation, OrganisationKind, SizeBand

PRIVACY_NOTICE_VERSION = "2026-11"


def new_token() -> str:
    return secrets.token_urlsafe(24)


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waitlist")
    CANCELLED = "cancelled", _("Cancelled")


class RegistrationState(models.TextChoices):
    """Whether a session takes registrations now and, if not, why (`registration_state`).

    Never stored and never shown by its label: the pages say each reason in their own words.
    """

    OPEN = "open"
    DRAFT = "draft"  # a draft or a declined proposal: not published
    CANCELLED = "cancelled"
    FINISHED = "finished"
    NOT_YET = "not_yet"
    CLOSED = "closed"


class RegistrationSource(models.TextChoices):
    DIRECT = "direct", _("Direct")
    COHOST = "cohost", _("Co-host invitation link")
    CAMPAIGN = "campaign", _("Campaign")
    ORGANISER = "organiser", _("Added by an organiser")


class AnonymisedBy(models.TextChoices):
    RETENTION = "retention", _("the retention period")
    ERASURE = "erasure", _("the person's erasure")


class Registration(models.Model):
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("session")
    )
    # None once anonymised (see anonymised_at): the row stays for the figures, nobody behind it.
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
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
    # The organisation's facts when the person registered, kept here so that impact figures
    # count the firm as it was then (a firm that grows later stays micro in last year's report)
    # and read one table. Set by record_organisation_facts().
    economy = models.ForeignKey(
        Economy,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("economy"),
    )
    organisation_kind = models.CharField(
        _("kind of organisation"), max_length=20, choices=OrganisationKind.choices
    )
    size_band = models.CharField(_("size"), max_length=10, choices=SizeBand.choices, blank=True)
    women_led = models.BooleanField(_("women-led"), default=False)
    youth_led = models.BooleanField(_("youth-led"), default=False)
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
    # The co-hosts named in the question the person agreed to: only they see the details, not
    # a co-host added to the session later.
    shared_with = models.ManyToManyField(
        Organisation, blank=True, related_name="shared_registrations", verbose_name=_("shared with")
    )
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    # The course enrolment this registration is part of: one registration per session of the
    # course, made, cancelled and waitlisted together (registrations.courses).
    enrolment = models.ForeignKey(
        "Enrolment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="registrations",
        verbose_name=_("course enrolment"),
    )
    # Where the session offers interpretation: the language the person listens in ("" for the
    # session's own).
    listening_language = models.CharField(
        _("listening language"), max_length=2, choices=settings.LANGUAGES, blank=True
    )
    # Zoom's registrant for this registration, and the personal join link Zoom gave it.
    zoom_registrant_id = models.CharField(max_length=64, blank=True, editable=False)
    zoom_join_url = models.URLField(max_length=1000, blank=True, editable=False)
    # What the attendance report or the check-in says: None until then.
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    minutes_attended = models.PositiveIntegerField(_("minutes attended"), null=True, blank=True)
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
    # When the series' retention period ran out, or the person asked to be erased, and
    # registrations.privacy removed the person and every personal detail, keeping the anonymous
    # facts; `anonymised_by` says which of the two.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)
    anonymised_by = models.CharField(
        _("anonymised by"),
        max_length=10,
        choices=AnonymisedBy.choices,
        blank=True,
        editable=False,
    )

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
            # A registration has a person until it is anonymised, and none after.
            models.CheckConstraint(
                condition=Q(person__isnull=False, anonymised_at__isnull=True)
                | Q(person__isnull=True, anonymised_at__isnull=False),
                name="registration_has_a_person_until_anonymised",
            ),
        ]
        indexes = [
            models.Index(
                fields=["session", "status", "waitlisted_at"], name="registration_waitlist"
            ),
            # Impact figures group registrations by economy and organisation: this index hands
            # them over in that order with every column the figures read, so PostgreSQL streams
            # the groups without touching the table (impact.queries).
            models.Index(
                fields=[
                    "economy",
                    "organisation",
                    "session",
                    "status",
                    "attended",
                    "organisation_kind",
                    "size_band",
                    "women_led",
                    "youth_led",
                ],
                name="registration_impact",
            ),
        ]

    def __str__(self):
        return f"{self.person or _('anonymised')} @ {self.session}"

    def save(self, *args, **kwargs):
        if self.economy_id is None:
            # Every way a registration is born (the form, an organiser, a walk-in) records them.
            self.record_organisation_facts()
        super().save(*args, **kwargs)

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None

    def record_organisation_facts(self) -> None:
        """Copy the organisation's facts as they are now (on registering for it)."""
        organisation = self.organisation
        self.economy_id = organisation.economy_id
        self.organisation_kind = organisation.kind
        self.size_band = organisation.size_band
        self.women_led = organisation.women_led
        self.youth_led = organisation.youth_led


class PendingKind(models.TextChoices):
    REGISTRATION = "registration", _("Registration of a known address")
    SHARING = "sharing", _("Sharing with the co-hosts")


class PendingRegistration(models.Model):
    """What the public form asked for without proof that the address is the asker's, held
    until the address's owner confirms it through the single-use link emailed to them
    (registrations.confirmations; confirmed by services.confirm_pending_registration).

    REGISTRATION: the address belongs to a person already known. Nothing is registered (no seat
    is held) and nothing stored about them changes until they confirm; `details` holds the
    form's answers, applied then. SHARING: a new address was registered at once, but the
    person's details reach the co-hosts named in the form (`share_with`) only once the address
    is proven.
    """

    kind = models.CharField(max_length=12, choices=PendingKind.choices)
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_registrations"
    )
    # The address the link went to: the link works only while it is still the person's.
    email = models.EmailField(max_length=254)
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    details = models.JSONField(default=dict, blank=True)
    share_with = models.ManyToManyField(Organisation, blank=True, related_name="+")
    source_organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=PendingKind.REGISTRATION, registration__isnull=True)
                | Q(kind=PendingKind.SHARING, registration__isnull=False),
                name="pending_sharing_names_its_registration",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.email} @ {self.session_id}"


class MessageKind(models.TextChoices):
    CONFIRMATION = "confirmation", _("Confirmation")
    WAITLISTED = "waitlisted", _("Waitlist notice")
    PROMOTED = "promoted", _("Seat offered from the waitlist")
    REMINDER = "reminder", _("Reminder")
    RESCHEDULED = "rescheduled", _("Change of time")
    UPDATED = "updated", _("Change of details")
    SESSION_CANCELLED = "session_cancelled", _("Session cancelled")
    REGISTRATION_CANCELLED = "registration_cancelled", _("Registration cancelled")
    SURVEY = "survey", _("Survey invitation")
    SURVEY_REMINDER = "survey_reminder", _("Survey reminder")
    # One follow-up per registration after the session (registrations.follow_ups): thanks with
    # the survey link, "sorry we missed you" with the next sessions, or, when no attendance
    # came, the same to everyone.
    FOLLOW_UP_ATTENDED = "follow_up_attended", _("Thanks for attending")
    FOLLOW_UP_MISSED = "follow_up_missed", _("Sorry we missed you")
    FOLLOW_UP = "follow_up", _("Follow-up after the session")
    OUTCOME_SURVEY = "outcome_survey", _("Outcome survey")
    OUTCOME_SURVEY_REMINDER = "outcome_survey_reminder", _("Outcome survey reminder")
    BULK = "bulk", _("Message to a group of registrants")
    # A course: one message for the whole enrolment, with an invitation for each session.
    ENROLLED = "enrolled", _("Enrolled in a course")
    ENROLMENT_WAITLISTED = "enrolment_waitlisted", _("On the course's waitlist")
    ENROLMENT_CANCELLED = "enrolment_cancelled", _("Left the course")
    # A waitlisted person moved by an organiser to the same session in another language.
    MOVED_TO_SIBLING = "moved_to_sibling", _("Moved to the session in another language")


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
    # The organiser's text, for a message to a group (MessageKind.BULK).
    bulk = models.ForeignKey(
        "BulkMessage", on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )

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


class AttendanceImport(models.Model):
    """One attendance report imported for a session. The same file twice changes nothing."""

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="attendance_imports"
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    platform = models.CharField(max_length=10)
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-imported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "sha256"], name="one_import_per_file")
        ]

    def __str__(self):
        return f"{self.session_id}: {self.filename}"


class ZoomPull(models.Model):
    """The last pull of a session's attendance from Zoom, run by a task: the attendance page
    shows it (pulling since, finished, or failed and why), a reload shows how it went."""

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="zoom_pull")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    changed = models.BooleanField(default=False)
    # Zoom's or the report's own words when the pull failed; empty when it did not.
    failure = models.CharField(max_length=500, blank=True)

    def __str__(self):
        return f"{self.session_id}: {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_running(self) -> bool:
        return self.finished_at is None


class MatchedBy(models.TextChoices):
    """How an attendance record found its registration."""

    EMAIL = "email", _("email")
    NAME = "name", _("name")
    HAND = "hand", _("linked by hand")
    CHECK_IN = "check-in", _("check-in")


class AttendanceRecord(models.Model):
    """A person in an attendance report or at the check-in desk: matched to a registration,
    or kept unmatched for an organiser to link by hand."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    source = models.ForeignKey(
        AttendanceImport, on_delete=models.CASCADE, null=True, blank=True, related_name="records"
    )
    registration = models.OneToOneField(
        Registration,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attendance_record",
    )
    name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)
    minutes = models.PositiveIntegerField(default=0)
    joins = models.PositiveIntegerField(default=0)
    attended = models.BooleanField(default=False)
    matched_by = models.CharField(max_length=10, blank=True, choices=MatchedBy)  # "": unmatched

    class Meta:
        ordering = ["name", "email", "pk"]

    def __str__(self):
        return self.name or self.email


class SuppressedIdentity(models.Model):
    """A one-way key of an erased or anonymised person's email or name, so that no later
    attendance report brings either back (registrations.privacy.identity_keys).

    The key is a keyed HMAC (with SECRET_KEY) of the normalised value: nothing here can be read
    back, only compared with a report's row. `session` None means every session (an erased
    person's email); `registered` says the person had a registration at that session, now
    anonymised, whose attendance stays as it was."""

    key = models.CharField(max_length=64)
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    registered = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key", "session", "registered"],
                condition=Q(session__isnull=False),
                name="one_suppressed_identity_per_session",
            ),
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(session__isnull=True),
                name="one_suppressed_identity_everywhere",
            ),
        ]
        indexes = [models.Index(fields=["key"], name="suppressed_identity_key")]

    def __str__(self):
        return f"{self.key[:8]}… @ {self.session_id or '*'}"


# --- Surveys -------------------------------------------------------------------------------


class SurveyPurpose(models.TextChoices):
    AFTER_SESSION = "after_session", _("Survey after the session")
    REGISTRATION = "registration", _("Registration questions")
    OUTCOME = "outcome", _("Outcome survey")


class Survey(models.Model):
    """Questions, composed in the builder: asked after a session (or after every session of a
    series), added to a session's or series' registration form, or asked months later about
    what came of it (`purpose`).

    Once it has answers a survey is frozen: changing it makes the next `version` of the same
    `family` and archives this one, so that every answer keeps the question it answered.
    """

    slug = models.SlugField(unique=True)
    purpose = models.CharField(
        _("used for"),
        max_length=15,
        choices=SurveyPurpose.choices,
        default=SurveyPurpose.AFTER_SESSION,
    )
    # The slug of the first version: every version of one survey shares it.
    family = models.SlugField(max_length=50)
    version = models.PositiveSmallIntegerField(default=1)
    # When a newer version replaced this one; None for the version in use.
    archived_at = models.DateTimeField(null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, null=True, blank=True, related_name="surveys"
    )
    series = models.ForeignKey(
        "events.Series", on_delete=models.CASCADE, null=True, blank=True, related_name="surveys"
    )
    is_default = models.BooleanField(
        _("used for sessions without a survey of their own"), default=False
    )
    # Anonymous: a response keeps the economy, firm size and kind, never who answered.
    anonymous = models.BooleanField(_("anonymous"), default=False)
    open_days = models.PositiveIntegerField(_("days the survey stays open"), default=14)
    reminder_days = models.PositiveIntegerField(_("days before the reminder"), default=3)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        constraints = [
            models.UniqueConstraint(
                fields=["purpose"],
                condition=Q(is_default=True, archived_at__isnull=True),
                name="one_default_survey_per_purpose",
            ),
            models.UniqueConstraint(
                fields=["purpose", "session"],
                condition=Q(archived_at__isnull=True, session__isnull=False),
                name="one_current_survey_per_session",
            ),
            models.UniqueConstraint(
                fields=["purpose", "series"],
                condition=Q(archived_at__isnull=True, series__isnull=False),
                name="one_current_survey_per_series",
            ),
            models.UniqueConstraint(fields=["family", "version"], name="one_survey_version"),
            models.CheckConstraint(
                condition=Q(session__isnull=True) | Q(series__isnull=True),
                name="survey_for_a_session_or_a_series",
            ),
        ]

    def __str__(self):
        return self.slug

    def save(self, *args, **kwargs):
        if not self.family:
            self.family = self.slug
        super().save(*args, **kwargs)


class QuestionKind(models.TextChoices):
    YES_NO = "yes_no", _("Yes or no")
    SCALE = "scale", _("Scale from 1 to 5")
    NPS = "nps", _("From 0 to 10")
    SINGLE = "single", _("One choice")
    MULTIPLE = "multiple", _("Several choices")
    ECONOMIES = "economies", _("Economies or markets")
    SHORT_TEXT = "short_text", _("Short text")
    TEXT = "text", _("Long text")


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    code = models.SlugField(help_text=_("A stable name for exports, e.g. satisfaction"))
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=300)
    required = models.BooleanField(_("required"), default=False)
    # One of the programme's indicators (the default survey's and the outcome survey's): its
    # code, kind and choices mean the same in every version, so figures add versions up.
    standard = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "code"], name="question_code_per_survey")
        ]

    def __str__(self):
        return self.code


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    code = models.SlugField()
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("choice"), max_length=200)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.code


class SurveyInvitation(models.Model):
    """The single-use link that lets one registrant answer once, without signing in."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="survey_invitations"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    # An outcome survey asks an organisation, once per period of a series: the period starts
    # at its first attendance (the invitation's registration) and lasts the series'
    # outcome_survey_months. None for the survey after a session.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    series = models.ForeignKey(
        "events.Series", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    period_starts_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "registration"], name="one_invitation_per_registration"
            ),
            models.UniqueConstraint(
                fields=["organisation", "series", "period_starts_at"],
                condition=Q(organisation__isnull=False),
                name="one_outcome_survey_per_organisation_and_period",
            ),
            models.CheckConstraint(
                condition=Q(organisation__isnull=True, series__isnull=True)
                | Q(
                    organisation__isnull=False,
                    series__isnull=False,
                    period_starts_at__isnull=False,
                ),
                name="outcome_invitation_names_organisation_series_and_period",
            ),
        ]

    def __str__(self):
        return f"{self.survey_id}/{self.registration_id}"


class SurveyResponse(models.Model):
    """One registrant's answers. Anonymous surveys keep the facts reports need, not the person."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="survey_responses")
    # One response per registration and survey purpose (services check the purpose): the
    # registration's answers to its form's questions, its survey after the session, the
    # outcome survey of the period it opened. None for an anonymous survey.
    registration = models.ForeignKey(
        Registration,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_responses",
    )
    economy = models.ForeignKey("outreach.Economy", on_delete=models.PROTECT, related_name="+")
    organisation_kind = models.CharField(max_length=20)
    size_band = models.CharField(max_length=10, blank=True)
    women_led = models.BooleanField(default=False)
    youth_led = models.BooleanField(default=False)
    language = models.CharField(max_length=2)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "registration"],
                condition=Q(registration__isnull=False),
                name="one_response_per_registration_and_survey",
            )
        ]

    def __str__(self):
        return f"{self.survey_id} @ {self.session_id}"


class Answer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    number = models.SmallIntegerField(null=True, blank=True)  # scale, 0 to 10
    boolean = models.BooleanField(null=True, blank=True)  # yes / no
    text = models.TextField(blank=True)  # free text
    choices = models.ManyToManyField(Choice, blank=True, related_name="answers")
    economies = models.ManyToManyField(
        "outreach.Economy", blank=True, related_name="+"
    )  # economies or markets

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="one_answer_per_question")
        ]

    def __str__(self):
        return f"{self.response_id}:{self.question_id}"


# --- After the session ---------------------------------------------------------------------


class SessionFollowUp(models.Model):
    """When a session's attendance became known, and when its follow-ups were queued (once).

    registrations.follow_ups queues them `follow_up_delay_minutes` after the later of the
    session's end and `attendance_known_at`, or `attendance_wait_hours` after the end when no
    attendance came."""

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="follow_up")
    attendance_known_at = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.session_id}: {self.queued_at or '-'}"


class Segment(models.TextChoices):
    REGISTERED = "registered", _("Registered (confirmed)")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("Registered but did not attend")
    WAITLISTED = "waitlisted", _("On the waitlist")


class BulkMessage(models.Model):
    """A message an organiser or co-host manager wrote to a segment of a session's or series'
    registrants, in three languages; each recipient gets a Message in their own language."""

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, null=True, blank=True, related_name="bulk_messages"
    )
    series = models.ForeignKey(
        "events.Series",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="bulk_messages",
    )
    segment = models.CharField(_("to"), max_length=12, choices=Segment.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipient_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(session__isnull=False, series__isnull=True)
                | Q(session__isnull=True, series__isnull=False),
                name="bulk_message_for_a_session_or_a_series",
            )
        ]

    def __str__(self):
        return f"{self.segment}: {self.subject}"


# --- Courses and certificates ----------------------------------------------------------------


class Enrolment(models.Model):
    """A person in a course (a Series with is_course): one registration for each of its
    sessions (`registrations`), one place in the course's capacity, one cancel for all."""

    series = models.ForeignKey("events.Series", on_delete=models.PROTECT, related_name="enrolments")
    # None once anonymised, as for a registration.
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrolments",
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="enrolments"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RegistrationStatus.choices, db_index=True
    )
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # When the person met the course's completion rule (registrations.courses), from attendance.
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("course enrolment")
        verbose_name_plural = _("course enrolments")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "person"], name="one_enrolment_per_person_and_course"
            ),
            models.CheckConstraint(
                condition=~Q(status=RegistrationStatus.WAITLISTED) | Q(waitlisted_at__isnull=False),
                name="waitlisted_enrolment_has_a_place_in_line",
            ),
        ]
        indexes = [
            models.Index(fields=["series", "status", "waitlisted_at"], name="enrolment_waitlist")
        ]

    def __str__(self):
        return f"{self.person or _('anonymised')} @ {self.series}"


class CertificateKind(models.TextChoices):
    ATTENDANCE = "attendance", _("Certificate of attendance")
    COMPLETION = "completion", _("Certificate of completion")


class RevokedBecause(models.TextChoices):
    ORGANISER = "organiser", _("revoked by the organisers")
    ERASURE = "erasure", _("the person's data was erased")


class Certificate(models.Model):
    """A certificate of attendance (a registration) or of completion (an enrolment), as issued:
    what it says is kept here as printed, so that the public verification page
    (/<lang>/certificates/<code>/) shows exactly that, and "revoked" once revoked or erased."""

    code = models.CharField(max_length=32, unique=True)
    kind = models.CharField(max_length=10, choices=CertificateKind.choices)
    registration = models.ForeignKey(
        Registration,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificates",
    )
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.SET_NULL, null=True, blank=True, related_name="certificates"
    )
    language = models.CharField(max_length=2, choices=settings.LANGUAGES)
    # What the certificate says; emptied of the person (name, organisation) on erasure.
    name = models.CharField(max_length=150, blank=True)
    organisation_name = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=300)
    starts_on = models.DateField()
    ends_on = models.DateField()
    minutes = models.PositiveIntegerField(default=0)
    cohost_names = models.JSONField(default=list, blank=True)
    issued_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_because = models.CharField(max_length=10, choices=RevokedBecause.choices, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration"],
                condition=Q(kind=CertificateKind.ATTENDANCE, registration__isnull=False),
                name="one_attendance_certificate_per_registration",
            ),
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=Q(kind=CertificateKind.COMPLETION, enrolment__isnull=False),
                name="one_completion_certificate_per_enrolment",
            ),
        ]

    def __str__(self):
        return self.code

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None


class ZoomSyncState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ZoomSync(models.Model):
    """The last call to Zoom for a session (create or update the webinar, add or cancel a
    registrant, pull attendance after the end), run by the workers: the session's page shows a
    failure with a retry."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="zoom_syncs")
    # What was asked: "webinar", "registrant:<registration pk>", "attendance".
    action = models.CharField(max_length=40)
    state = models.CharField(
        max_length=10, choices=ZoomSyncState.choices, default=ZoomSyncState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    failure = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "action"], name="one_zoom_sync_per_action")
        ]

    def __str__(self):
        return f"{self.session_id} {self.action}: {self.state}"

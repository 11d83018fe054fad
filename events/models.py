"""Series and sessions: what the programme offers, when, in which language, for whom."""

import calendar
import uuid
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outreach.models import Economy, Organisation, validate_time_zone

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
MAX_RETENTION_MONTHS = 240
# A registrant attended when the video platform counts at least this many minutes: the session's
# own threshold, else its series', else the programme's.
DEFAULT_ATTENDANCE_THRESHOLD_MINUTES = 10
MAX_ATTENDANCE_THRESHOLD_MINUTES = 480
# After a session: the follow-up message goes this long after its attendance is known (or after
# it ends, when attendance was known sooner); when no attendance comes, this long after the end
# each registrant gets the follow-up that does not depend on it. A series may set its own.
DEFAULT_FOLLOW_UP_DELAY_MINUTES = 120
DEFAULT_ATTENDANCE_WAIT_HOURS = 48
# An organisation that attended is asked what came of it this many months after its first
# session of a series (0: never).
DEFAULT_OUTCOME_SURVEY_MONTHS = 6
MAX_OUTCOME_SURVEY_MONTHS = 36


def validate_attendance_threshold(minutes: int) -> None:
    if not 1 <= minutes <= MAX_ATTENDANCE_THRESHOLD_MINUTES:
        raise ValidationError(
            _("Enter a number of minutes from 1 to %(max)s."),
            code="attendance_threshold",
            params={"max": MAX_ATTENDANCE_THRESHOLD_MINUTES},
        )


def threshold_within_bounds(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(attendance_threshold_minutes__isnull=True)
        | Q(
            attendance_threshold_minutes__gte=1,
            attendance_threshold_minutes__lte=MAX_ATTENDANCE_THRESHOLD_MINUTES,
        ),
        name=name,
    )


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months later (earlier when negative); the 31st
    becomes the month's last day when that month is shorter."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


class Topic(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["slug"]

    def __str__(self):
        return self.name


class CompletionRule(models.TextChoices):
    SESSIONS = "sessions", _("Attended at least a number of its sessions")
    MINUTES = "minutes", _("Attended at least a share of its scheduled minutes")


class Series(models.Model):
    """A recurring programme: the quarterly open webinar, a three-week training course.

    A course (`is_course`) is taken whole: one registration enrols a person in every session
    (registrations.Enrolment), its places are the course's (`capacity`, `enrolled_count`), and
    a person completes it by its completion rule.
    """

    slug = models.SlugField(unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # How long registrants' details are kept after each session of the series ends; then
    # registrations.privacy.apply_retention anonymises them. Empty: kept.
    retention_months = models.PositiveSmallIntegerField(
        _("months to keep registrants' details"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RETENTION_MONTHS)],
        help_text=_(
            "Counted from the end of each session; then its registrations are anonymised "
            "(the figures stay). Leave empty to keep them."
        ),
    )
    attendance_threshold_minutes = models.PositiveSmallIntegerField(
        _("minutes that count as attending"),
        null=True,
        blank=True,
        validators=[validate_attendance_threshold],
        help_text=format_lazy(
            _(
                "The default for the sessions of this series: a registrant attended when the "
                "attendance report counts at least this many minutes. Leave empty for the "
                "programme's {minutes} minutes."
            ),
            minutes=DEFAULT_ATTENDANCE_THRESHOLD_MINUTES,
        ),
    )
    follow_up_delay_minutes = models.PositiveIntegerField(
        _("minutes before the follow-up"),
        default=DEFAULT_FOLLOW_UP_DELAY_MINUTES,
        validators=[MaxValueValidator(7 * 24 * 60)],
        help_text=_(
            "Each registrant's thanks or “sorry we missed you” goes this many minutes "
            "after the session's attendance is known."
        ),
    )
    attendance_wait_hours = models.PositiveSmallIntegerField(
        _("hours to wait for attendance"),
        default=DEFAULT_ATTENDANCE_WAIT_HOURS,
        validators=[MinValueValidator(1), MaxValueValidator(30 * 24)],
        help_text=_(
            "When no attendance is known this long after a session ends, every registrant gets "
            "the same follow-up."
        ),
    )
    outcome_survey_months = models.PositiveSmallIntegerField(
        _("months before the outcome survey"),
        default=DEFAULT_OUTCOME_SURVEY_MONTHS,
        validators=[MaxValueValidator(MAX_OUTCOME_SURVEY_MONTHS)],
        help_text=_(
            "Each organisation that attended is asked what came of it this many months after "
            "its first session of the series. 0: never."
        ),
    )
    is_course = models.BooleanField(
        _("a course: one registration enrols in every session"), default=False
    )
    capacity = models.PositiveIntegerField(_("places in the course"), null=True, blank=True)
    # Kept by the registrations layer in the same statement that claims a place in the course.
    enrolled_count = models.PositiveIntegerField(default=0, editable=False)
    completion_rule = models.CharField(
        _("completed when"), max_length=10, choices=CompletionRule.choices, blank=True
    )
    completion_sessions = models.PositiveSmallIntegerField(
        _("sessions to attend"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    completion_percent = models.PositiveSmallIntegerField(
        _("share of the minutes to attend (%)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = pgettext_lazy("programme", "series")
        verbose_name_plural = pgettext_lazy("programme", "series")
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(enrolled_count__lte=F("capacity")),
                name="course_never_over_capacity",
            ),
            models.CheckConstraint(
                condition=Q(completion_percent__isnull=True)
                | Q(completion_percent__gte=1, completion_percent__lte=100),
                name="course_completion_percent_within_bounds",
            ),
            models.CheckConstraint(
                condition=Q(retention_months__isnull=True)
                | Q(retention_months__gte=1, retention_months__lte=MAX_RETENTION_MONTHS),
                name="series_retention_between_one_month_and_twenty_years",
            ),
            threshold_within_bounds("series_attendance_threshold_within_bounds"),
        ]

    def __str__(self):
        return self.title

    def retention_cutoff(self, now: datetime) -> datetime | None:
        """Sessions of the series that ended at or before this moment are past retention."""
        if self.retention_months is None:
            return None
        return add_months(now, -self.retention_months)

    def retention_ends(self, ended_at: datetime) -> datetime | None:
        """When the details of a session that ended at `ended_at` are due to be anonymised."""
        if self.retention_months is None:
            return None
        return add_months(ended_at, self.retention_months)


class LanguageGroup(models.Model):
    """Sessions of one topic given in different languages: each is the others' sibling ("also
    in French, Thursday 15:00 your time"). Plan-a-quarter makes one per topic it plans."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("sessions in other languages")
        verbose_name_plural = _("sessions in other languages")

    def __str__(self):
        return f"group {self.pk}"


class SessionFormat(models.TextChoices):
    ONLINE = "online", _("Online")
    IN_PERSON = "in_person", _("In person")
    HYBRID = "hybrid", _("Hybrid")


class SessionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    FINISHED = "finished", _("Finished")
    CANCELLED = "cancelled", _("Cancelled")
    DECLINED = "declined", _("Proposal declined")


class Session(models.Model):
    """One webinar or meeting. Times are stored in UTC; `time_zone` is the organiser's."""

    # The calendar identity: the same UID in every .ics and feed, whatever changes.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    series = models.ForeignKey(
        Series,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=pgettext_lazy("programme", "series"),
    )
    language_group = models.ForeignKey(
        LanguageGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("same session in other languages"),
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(_("language of delivery"), max_length=2, choices=settings.LANGUAGES)
    interpretation_languages = models.JSONField(_("interpretation into"), default=list, blank=True)
    format = models.CharField(
        _("format"), max_length=10, choices=SessionFormat.choices, default=SessionFormat.ONLINE
    )
    venue = models.CharField(_("venue"), max_length=300, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    time_zone = models.CharField(
        _("organiser's time zone"), max_length=64, validators=[validate_time_zone]
    )
    capacity = models.PositiveIntegerField(_("capacity"), default=500)
    # Kept by the registrations layer in the same statement that claims a seat.
    confirmed_count = models.PositiveIntegerField(default=0, editable=False)
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)
    cohosts = models.ManyToManyField(
        Organisation, blank=True, related_name="cohosted_sessions", verbose_name=_("co-hosts")
    )
    target_economies = models.ManyToManyField(
        Economy, blank=True, related_name="targeted_sessions", verbose_name=_("for firms of")
    )
    topics = models.ManyToManyField(
        Topic, blank=True, related_name="sessions", verbose_name=_("topics")
    )
    join_url = models.URLField(_("join link"), max_length=500, blank=True)
    # Empty: the series' threshold, else the programme's (see `attendance_threshold`).
    attendance_threshold_minutes = models.PositiveSmallIntegerField(
        _("minutes that count as attending"),
        null=True,
        blank=True,
        validators=[validate_attendance_threshold],
        help_text=_(
            "A registrant attended when the attendance report counts at least this many "
            "minutes. Leave empty for the series' default."
        ),
    )
    recording_url = models.URLField(_("recording link"), max_length=500, blank=True)
    # "Create on Zoom": publishing creates the webinar (registrations.attendance.zoom), whose id
    # is kept here and whose join link becomes `join_url`.
    zoom_create = models.BooleanField(_("create the webinar on Zoom"), default=False)
    zoom_webinar_id = models.CharField(max_length=32, blank=True, editable=False)
    materials_url = models.URLField(_("materials link"), max_length=500, blank=True)
    # The thanks or "sorry we missed you" to each registrant after the session.
    follow_ups_enabled = models.BooleanField(_("send follow-ups after the session"), default=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.DRAFT
    )
    # A co-host's proposal: a draft an organiser reviews, publishes or declines.
    proposed_by = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposed_sessions",
        verbose_name=_("proposed by"),
    )
    # RFC 5545 SEQUENCE: grows whenever the time or the status changes.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(confirmed_count__lte=F("capacity")),
                name="session_never_over_capacity",
            ),
            models.CheckConstraint(
                condition=Q(language__in=LANGUAGE_CODES), name="session_language_supported"
            ),
            threshold_within_bounds("session_attendance_threshold_within_bounds"),
        ]
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self):
        return self.display_title

    def get_absolute_url(self):
        return reverse("events:session-detail", kwargs={"pk": self.pk})

    def localized(self, field: str, language: str | None = None) -> str:
        """A translated field in the language asked (or active), else in the session's own."""
        language = (language or translation.get_language() or self.language)[:2]
        for candidate in (language, self.language, *LANGUAGE_CODES):
            value = getattr(self, f"{field}_{candidate}", "")
            if value:
                return value
        return ""

    @property
    def display_language(self) -> str:
        """The language the title is shown in: the active one if translated, else the session's."""
        language = (translation.get_language() or self.language)[:2]
        return language if getattr(self, f"title_{language}", "") else self.language

    @property
    def interpretation_language_names(self) -> list[str]:
        """The languages interpreted into, named in the active language (settings.LANGUAGES)."""
        names = dict(settings.LANGUAGES)
        return [str(names.get(code, code)) for code in self.interpretation_languages or []]

    @property
    def display_title(self) -> str:
        return self.localized("title")

    @property
    def display_summary(self) -> str:
        return self.localized("summary")

    @property
    def display_description(self) -> str:
        return self.localized("description")

    @property
    def duration_minutes(self) -> int:
        return max(int((self.ends_at - self.starts_at).total_seconds() // 60), 0)

    @property
    def attendance_threshold(self) -> int:
        """The minutes that count as attending: the session's own, else its series' default,
        else the programme's."""
        if self.attendance_threshold_minutes is not None:
            return self.attendance_threshold_minutes
        if self.series_id and self.series.attendance_threshold_minutes is not None:
            return self.series.attendance_threshold_minutes
        return DEFAULT_ATTENDANCE_THRESHOLD_MINUTES

    @property
    def follow_up_delay_minutes(self) -> int:
        if self.series_id:
            return self.series.follow_up_delay_minutes
        return DEFAULT_FOLLOW_UP_DELAY_MINUTES

    @property
    def attendance_wait_hours(self) -> int:
        if self.series_id:
            return self.series.attendance_wait_hours
        return DEFAULT_ATTENDANCE_WAIT_HOURS

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.confirmed_count, 0)

    @property
    def is_public(self) -> bool:
        return self.status not in {SessionStatus.DRAFT, SessionStatus.DECLINED}

    @property
    def is_upcoming(self) -> bool:
        return self.ends_at > timezone.now()

    def clean(self):
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The session must end after it starts.")
        closes, ends = self.registration_closes_at, self.ends_at
        if closes and ends and closes >= ends:
            errors["registration_closes_at"] = _("Registration must close before the session ends.")
        if (
            self.registration_opens_at
            and self.registration_closes_at
            and self.registration_opens_at >= self.registration_closes_at
        ):
            errors["registration_opens_at"] = _("Registration must open before it closes.")
        if self.capacity is not None and self.capacity < self.confirmed_count:
            errors["capacity"] = _(
                "Capacity cannot be below the %(count)s confirmed registrations."
            ) % {"count": self.confirmed_count}
        untitled = self.language and not getattr(self, f"title_{self.language}", "")
        if self.is_public and untitled:
            errors[f"title_{self.language}"] = _(
                "A published session needs a title in its own language."
            )
        bad = set(self.interpretation_languages or []) - set(LANGUAGE_CODES)
        if bad:
            errors["interpretation_languages"] = _("Unknown interpretation language.")
        if self.format in {SessionFormat.IN_PERSON, SessionFormat.HYBRID} and not self.venue:
            errors["venue"] = _("A session in person needs a venue.")
        threshold = self.attendance_threshold_minutes
        if threshold and self.starts_at and self.ends_at and threshold > self.duration_minutes:
            errors["attendance_threshold_minutes"] = _(
                "The session lasts %(minutes)s minutes: no more than that can count as attending."
            ) % {"minutes": self.duration_minutes}
        if errors:
            raise ValidationError(errors)


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class TextSuggestion(models.Model):
    """A co-host's proposed wording for one translated text of a session."""

    FIELDS = ("title", "summary", "description")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="suggestions")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="text_suggestions"
    )
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="text_suggestions"
    )
    field = models.CharField(
        _("text"),
        max_length=20,
        choices=[
            ("title", _("Title")),
            ("summary", _("Summary")),
            ("description", _("Description")),
        ],
    )
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES)
    text = models.TextField(_("suggested text"))
    status = models.CharField(
        max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.session_id} {self.field}_{self.language}"

    @property
    def current_text(self) -> str:
        return getattr(self.session, f"{self.field}_{self.language}") or ""

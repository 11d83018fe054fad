"""Foundations: economies, organisations and people."""

import secrets

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outreach.timezones import is_known_zone


class Economy(models.Model):
    """A country or territory a registrant may come from, as the UN M49 standard groups it.

    Names come from Babel (CLDR) in each language, except where the programme uses
    official terms of its own (Chinese Taipei; Hong Kong, China; Macao, China).
    """

    code = models.CharField(_("ISO alpha-2 code"), max_length=2, primary_key=True)
    alpha3 = models.CharField(_("ISO alpha-3 code"), max_length=3, unique=True)
    numeric = models.CharField(_("ISO numeric code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # The name folded for sorting (accents and case removed), so that "Égypte" sorts under E
    # on every database whatever its collation.
    sort_name = models.CharField(max_length=100, editable=False)
    region = models.CharField(_("region (UN M49)"), max_length=3)
    sub_region = models.CharField(_("sub-region (UN M49)"), max_length=3)
    is_least_developed = models.BooleanField(_("least-developed country"), default=False)
    is_landlocked_developing = models.BooleanField(
        _("landlocked developing country"), default=False
    )
    is_small_island_developing = models.BooleanField(
        _("small island developing state"), default=False
    )

    class Meta:
        verbose_name = _("economy")
        verbose_name_plural = _("economies")
        ordering = ["sort_name"]

    def __str__(self):
        return self.name


class OrganisationKind(models.TextChoices):
    ORGANISER = "organiser", _("Programme organiser")
    GOVERNMENT = "government", _("Ministry or government agency")
    SUPPORT = "support", _("Business support organisation")
    FIRM = "firm", _("Firm")
    INTERNATIONAL = "international", _("International organisation")
    OTHER = "other", _("Other organisation")


class SizeBand(models.TextChoices):
    MICRO = "micro", _("Micro (up to 10 employees)")
    SMALL = "small", _("Small (11 to 50 employees)")
    MEDIUM = "medium", _("Medium (51 to 250 employees)")
    LARGE = "large", _("Large (more than 250 employees)")


class ExportingStatus(models.TextChoices):
    EXPORTING = "exporting", _("Exporting")
    READY = "ready", _("Ready to export")
    NOT_YET = "not_yet", _("Not yet exporting")


class Sector(models.TextChoices):
    AGRICULTURE = "agriculture", _("Agriculture, forestry and fishing")
    FOOD = "food", _("Food and beverages")
    TEXTILES = "textiles", _("Textiles, clothing and leather")
    MANUFACTURING = "manufacturing", _("Other manufacturing")
    MINING = "mining", _("Mining and energy")
    CONSTRUCTION = "construction", _("Construction")
    TRADE = "trade", _("Wholesale and retail trade")
    LOGISTICS = "logistics", _("Transport and logistics")
    TOURISM = "tourism", _("Tourism and hospitality")
    ICT = "ict", _("Information and communication technology")
    CREATIVE = "creative", _("Creative industries")
    PROFESSIONAL = "professional", _("Professional and business services")
    OTHER = "other", _("Other")


def size_band_for(employees: int) -> str:
    """The size band of a firm with this many employees (micro ≤ 10, small ≤ 50, medium ≤ 250)."""
    if employees < 0:
        raise ValueError("A firm cannot have fewer than zero employees.")
    if employees <= 10:
        return SizeBand.MICRO
    if employees <= 50:
        return SizeBand.SMALL
    if employees <= 250:
        return SizeBand.MEDIUM
    return SizeBand.LARGE


class Organisation(models.Model):
    """Every body that takes part: the organiser, ministries, support organisations, firms."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    economy = models.ForeignKey(
        Economy, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("economy")
    )
    website = models.URLField(_("website"), blank=True)
    # What impact reports are cut by; asked of firms only.
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices, blank=True)
    size_band = models.CharField(_("size"), max_length=10, choices=SizeBand.choices, blank=True)
    exporting_status = models.CharField(
        _("exporting status"), max_length=10, choices=ExportingStatus.choices, blank=True
    )
    women_led = models.BooleanField(_("women-led"), default=False)
    youth_led = models.BooleanField(_("youth-led"), default=False)
    # A co-host's own sites (scheme://host[:port]) that may frame its sessions' registration
    # page (registrations' embed view lists exactly these in frame-ancestors).
    embed_origins = models.JSONField(
        _("sites that may embed registration"), default=list, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), "economy", name="organisation_unique_name_per_economy"
            ),
            models.CheckConstraint(
                condition=models.Q(kind=OrganisationKind.FIRM)
                | models.Q(size_band="", exporting_status="", women_led=False, youth_led=False),
                name="organisation_firm_facts_only_for_firms",
            ),
        ]
        indexes = [models.Index(fields=["kind", "economy"])]

    def __str__(self):
        return self.name

    @property
    def is_firm(self) -> bool:
        return self.kind == OrganisationKind.FIRM

    def clean(self):
        if not self.is_firm and (
            self.size_band or self.exporting_status or self.women_led or self.youth_led
        ):
            raise ValidationError(
                _("Size, exporting status, women-led and youth-led are asked of firms only.")
            )


class Role(models.TextChoices):
    ORGANISER = "organiser", _("Organiser")
    ANALYST = "analyst", _("Analyst")
    COHOST = "cohost", _("Co-host member")
    PARTICIPANT = "participant", pgettext_lazy("role", "Participant")


class CohostRole(models.TextChoices):
    """Inside a co-hosting organisation: managers act for it, viewers only look."""

    MANAGER = "manager", _("Manager")
    VIEWER = "viewer", _("Viewer")


class Gender(models.TextChoices):
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    ANOTHER = "another", _("Another gender")
    UNSAID = "unsaid", _("Prefer not to say")


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("A person needs an email address.")
        user = self.model(email=normalise_email(email), **extra_fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("role", Role.ORGANISER)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=normalise_email(username))


def normalise_email(email: str) -> str:
    """Email is the identity: compare it without case or surrounding spaces."""
    return email.strip().lower()


def validate_time_zone(value: str) -> None:
    if not is_known_zone(value):
        raise ValidationError(_("%(zone)s is not a known time zone."), params={"zone": value})


class User(AbstractBaseUser, PermissionsMixin):
    """A person: the email address is the identity, and a firm never needs a password."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=2, choices=settings.LANGUAGES, default="en"
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("organisation"),
    )
    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.PARTICIPANT
    )
    cohost_role = models.CharField(
        _("role in the co-host"), max_length=10, choices=CohostRole.choices, blank=True
    )
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    # The secret in the address of the person's own calendar feed.
    calendar_token = models.CharField(
        max_length=40, unique=True, default=new_calendar_token, editable=False
    )
    # When the person followed the "no more such messages" link of a follow-up, survey or
    # message to a group: from then on they get only what concerns their registrations
    # (confirmations, changes, cancellations). None: they accept them.
    opted_out_at = models.DateTimeField(
        _("opted out of non-essential messages"), null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("may use the Django admin"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_unique_email_ignoring_case"),
            models.CheckConstraint(
                condition=models.Q(language__in=["en", "fr", "es"]), name="user_language_supported"
            ),
        ]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = normalise_email(self.email)

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


# --- Audit log ------------------------------------------------------------------------------


class AuditAction(models.TextChoices):
    """What organisers and co-host members did (and the commands that act for them)."""

    SESSION_CREATED = "session_created", _("Session created")
    SESSION_EDITED = "session_edited", _("Session edited")
    SESSION_PUBLISHED = "session_published", _("Session published")
    SESSION_RESCHEDULED = "session_rescheduled", _("Session moved to a new time")
    SESSION_CANCELLED = "session_cancelled", _("Session cancelled")
    SESSION_DUPLICATED = "session_duplicated", _("Session duplicated")
    QUARTER_PLANNED = "quarter_planned", _("Quarter planned")
    SERIES_EDITED = "series_edited", _("Series edited")
    PROPOSAL_MADE = "proposal_made", _("Session proposed by a co-host")
    PROPOSAL_DECLINED = "proposal_declined", _("Proposal declined")
    SUGGESTION_MADE = "suggestion_made", _("Wording suggested by a co-host")
    SUGGESTION_ACCEPTED = "suggestion_accepted", _("Suggested wording accepted")
    SUGGESTION_DECLINED = "suggestion_declined", _("Suggested wording declined")
    REGISTRATION_CONFIRMED = "registration_confirmed", _("Seat given by an organiser")
    REGISTRATION_WAITLISTED = "registration_waitlisted", _("Moved to the waitlist by an organiser")
    REGISTRATION_CANCELLED = "registration_cancelled", _("Registration cancelled by an organiser")
    WAITLIST_FILLED = "waitlist_filled", _("Free seats given to the waitlist")
    MESSAGE_RESENT = "message_resent", _("Message sent again")
    ATTENDANCE_IMPORTED = "attendance_imported", _("Attendance imported")
    ATTENDANCE_LINKED = "attendance_linked", _("Attendance linked by hand")
    CHECKED_IN = "checked_in", _("Checked in at the door")
    SURVEY_SENT = "survey_sent", _("Attendees invited to the survey")
    QUESTIONS_CHANGED = "questions_changed", _("Questions changed")
    FOLLOW_UPS_SWITCHED = "follow_ups_switched", _("Follow-ups switched on or off")
    BULK_MESSAGE_SENT = "bulk_message_sent", _("Message sent to a group of registrants")
    WAITLIST_MOVED = "waitlist_moved", _("Waitlisted people moved to another language's session")
    CERTIFICATE_REVOKED = "certificate_revoked", _("Certificate revoked")
    ORGANISATIONS_MERGED = "organisations_merged", _("Duplicate organisations merged")
    EMBED_SITES_CHANGED = "embed_sites_changed", _("Sites that may embed registration changed")
    API_TOKEN_CREATED = "api_token_created", _("API token created")
    API_TOKEN_REVOKED = "api_token_revoked", _("API token revoked")
    WEBHOOK_SUBSCRIBED = "webhook_subscribed", _("Webhook subscribed")
    WEBHOOK_PAUSED = "webhook_paused", _("Webhook paused")
    WEBHOOK_RESUMED = "webhook_resumed", _("Webhook resumed")
    WEBHOOK_DELETED = "webhook_deleted", _("Webhook deleted")
    WEBHOOK_REPLAYED = "webhook_replayed", _("Webhook delivery replayed")
    EXPORT_DOWNLOADED = "export_downloaded", _("Export downloaded")
    COHOST_MEMBER_INVITED = "cohost_member_invited", _("Co-host member invited")
    PERSON_ERASED = "person_erased", _("Person erased")
    RETENTION_APPLIED = "retention_applied", _("Retention periods applied")


class AuditEntry(models.Model):
    """Who changed, exported or erased what, and when. Written by outreach.audit.record in the
    transaction of the change; never edited. Holds no registrant's personal data."""

    actor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    # As it was at the time: the person's account may change or go later.
    actor_email = models.EmailField(_("by (email at the time)"), blank=True)
    actor_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("for the organisation"),
    )
    action = models.CharField(_("action"), max_length=40, choices=AuditAction.choices)
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kind of object"),
    )
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="audit_newest_first"),
            models.Index(fields=["action", "-created_at"], name="audit_by_action"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    @property
    def detail_items(self) -> list[tuple[str, str]]:
        """The details as (name, text) pairs to show: lists joined, nested values flattened."""

        def text(value) -> str:
            if isinstance(value, list):
                return ", ".join(text(item) for item in value)
            if isinstance(value, dict):
                return "; ".join(f"{key} {text(item)}" for key, item in value.items())
            return "" if value is None else str(value)

        return [(key, text(value)) for key, value in (self.details or {}).items()]


class PeriodicRun(models.Model):
    """One period of one periodic job (outreach.periodic), claimed by the worker that runs it.

    The unique (job, period start) pair is what keeps a job to one run per period however many
    workers race for it; the scheduler's own ticks are rows of the job "scheduler". A run whose
    job failed keeps its row unfinished, with the error and the attempts made.
    """

    job = models.CharField(max_length=64)
    period_start = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("periodic job run")
        verbose_name_plural = _("periodic job runs")
        ordering = ["-period_start", "job"]
        constraints = [
            models.UniqueConstraint(fields=["job", "period_start"], name="one_run_per_job_period")
        ]
        indexes = [models.Index(fields=["job", "-finished_at"], name="periodic_last_run")]

    def __str__(self):
        return f"{self.job} {self.period_start:%Y-%m-%d %H:%M}"

import zoneinfo
from datetime import UTC, timedelta
from functools import partial

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from events.models import (
    LANGUAGE_CODES,
    MAX_ATTENDANCE_THRESHOLD_MINUTES,
    CompletionRule,
    Series,
    Session,
    SessionFormat,
    SessionStatus,
    Topic,
    validate_attendance_threshold,
)
from events.services import suggest_quarter_times
from outreach.config import zoom_is_configured
from outreach.economies import region_choices
from outreach.forms import TimeZoneField
from outreach.models import Economy, Organisation, OrganisationKind
from outreach.periods import quarter_bounds
from outreach.timezones import (
    AmbiguousLocalTime,
    NonExistentLocalTime,
    aware,
    fold_of,
    is_known_zone,
    occurrences,
    offset_labels,
)

LANGUAGE_NAMES = dict(settings.LANGUAGES)


def per_language(*names: str) -> list[str]:
    """The translated columns of these fields, in the order of settings.LANGUAGES:
    per_language("title") is ["title_en", "title_fr", "title_es"]."""
    return [f"{name}_{code}" for name in names for code in LANGUAGE_CODES]


# The labels of the translated columns of sessions and series (a form uses those it lists).
TRANSLATED_LABELS = {
    "title_en": _("Title in English"),
    "title_fr": _("Title in French"),
    "title_es": _("Title in Spanish"),
    "summary_en": _("Summary in English"),
    "summary_fr": _("Summary in French"),
    "summary_es": _("Summary in Spanish"),
    "description_en": _("Description in English"),
    "description_fr": _("Description in French"),
    "description_es": _("Description in Spanish"),
}


class WallClockField(forms.DateTimeField):
    """A date and time as read on a clock in some zone; the form makes it aware with that zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def to_python(self, value):
        # Parse in UTC, which has no daylight-saving gaps, then drop the zone: the wall clock.
        with timezone.override(UTC):
            parsed = super().to_python(value)
        return parsed.replace(tzinfo=None) if parsed else None


def _wall_clock(moment, zone_name):
    if moment is None:
        return None
    return moment.astimezone(zoneinfo.ZoneInfo(zone_name)).replace(tzinfo=None)


def _bound_attendance_threshold(field) -> None:
    """The minutes that count as attending: one clear message for a value out of bounds, in
    place of the generic ones of a small positive integer."""
    if field is None:
        return
    field.validators = [validate_attendance_threshold]
    field.widget.attrs.update(min=1, max=MAX_ATTENDANCE_THRESHOLD_MINUTES)


OCCURRENCE = "%s_occurrence"  # the field that says which of a repeated time is meant


def _to_the_minute(local):
    return local.replace(second=0, microsecond=0)


class WallClockTimesMixin:
    """Times read on the clock of the zone in the form's `time_zone` field, made unambiguous.

    A time the clocks skip is refused. A time that occurs twice (the night clocks go back) gets
    a choice of its two UTC offsets beside it, and is refused until one is chosen: the form
    comes back with the choice, so it works without JavaScript. A time that is not touched (the
    same minute in the same zone as stored) keeps the stored moment exactly, second occurrence
    and seconds included. Subclasses name `TIME_FIELDS` and say what is stored in `_stored()`.
    """

    TIME_FIELDS: tuple[str, ...] = ()

    def _stored(self) -> tuple[str, dict]:
        """The zone and {field: moment} the times stood for before this form."""
        return "", {}

    def _add_occurrence_fields(self):
        stored_zone, stored = self._stored()
        for name in self.TIME_FIELDS:
            if name not in self.fields:
                continue
            if self.is_bound:
                zone = self.data.get(self.add_prefix("time_zone"))
                local, chosen = self._posted_time(name), None
            else:
                zone = self.initial.get("time_zone") or stored_zone
                local, chosen = self.initial.get(name), None
                if stored.get(name) is not None and zone == stored_zone:
                    chosen = fold_of(stored[name], zone)
            if not local or not zone or not is_known_zone(zone):
                continue
            moments = occurrences(local, zone)
            if len(moments) != 2:
                continue
            first, second = offset_labels(moments, zone)
            field = forms.TypedChoiceField(
                label=_("Which %(time)s?") % {"time": local.strftime("%Y-%m-%d %H:%M")},
                choices=[
                    (0, _("%(offset)s, before the clocks go back") % {"offset": first}),
                    (1, _("%(offset)s, after the clocks go back") % {"offset": second}),
                ],
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )
            self._insert_after(name, OCCURRENCE % name, field)
            if chosen is not None:
                self.initial[OCCURRENCE % name] = chosen

    def _insert_after(self, anchor: str, name: str, field) -> None:
        fields = list(self.fields.items())
        index = [key for key, _field in fields].index(anchor) + 1
        fields.insert(index, (name, field))
        self.fields = dict(fields)

    def _posted_time(self, name):
        try:
            return self.fields[name].to_python(self.data.get(self.add_prefix(name)))
        except forms.ValidationError:
            return None

    def _make_times_aware(self, cleaned: dict) -> None:
        zone = cleaned.get("time_zone")
        if not zone:
            return
        stored_zone, stored = self._stored()
        for name in self.TIME_FIELDS:
            local = cleaned.get(name)
            if local is None:
                continue
            fold = cleaned.get(OCCURRENCE % name)
            before = stored.get(name)
            if (
                before is not None
                and zone == stored_zone
                and _to_the_minute(local) == _to_the_minute(_wall_clock(before, zone))
                and fold in (None, fold_of(before, zone))
            ):
                cleaned[name] = before  # not touched: the very moment stored, not a re-reading
                continue
            try:
                cleaned[name] = aware(local, zone, fold=fold)
            except (NonExistentLocalTime, AmbiguousLocalTime) as error:
                self.add_error(name, str(error))


def economies_by_region() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every economy as a checkbox choice, grouped by UN M49 region (regions and economies by
    name in the active language); the form still validates against its queryset."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    language = language.split("-")[0] if language.split("-")[0] in LANGUAGE_NAMES else "en"
    groups = {code: [] for code, _name in region_choices(language)}
    others = []
    for code, name, region in Economy.objects.order_by(f"sort_name_{language}").values_list(
        "code", f"name_{language}", "region"
    ):
        groups.get(region, others).append((code, name))
    names = dict(region_choices(language))
    grouped = [(names[region], choices) for region, choices in groups.items() if choices]
    return grouped + ([(_("Other"), others)] if others else [])


class SiblingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _("%(title)s (%(language)s, %(day)s)") % {
            "title": obj.display_title,
            "language": obj.get_language_display(),
            "day": formats.date_format(
                timezone.localtime(obj.starts_at, zoneinfo.ZoneInfo(obj.time_zone)), "Y-m-d H:i"
            ),
        }


def sibling_candidates(session: Session | None) -> QuerySet[Session]:
    """The sessions a session may be linked to as the same in another language: not over, not
    cancelled or declined, other than itself, soonest first."""
    sessions = Session.objects.filter(ends_at__gt=timezone.now()).exclude(
        status__in=[SessionStatus.CANCELLED, SessionStatus.DECLINED]
    )
    if session is not None and session.pk:
        sessions = sessions.exclude(pk=session.pk)
    return sessions.order_by("starts_at", "pk")


class SessionForm(WallClockTimesMixin, forms.ModelForm):
    """An organiser's session: texts in three languages, times on the organiser's clock."""

    time_zone = TimeZoneField(label=_("Time zone of the times below"))
    starts_at = WallClockField(label=_("Starts"))
    ends_at = WallClockField(label=_("Ends"))
    registration_opens_at = WallClockField(label=_("Registration opens"), required=False)
    registration_closes_at = WallClockField(
        label=_("Registration closes"),
        required=False,
        help_text=_("Leave empty to keep registration open until the session ends."),
    )
    interpretation_languages = forms.MultipleChoiceField(
        label=_("Interpretation into"),
        choices=settings.LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    cohosts = forms.ModelMultipleChoiceField(
        label=_("Co-hosts"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    target_economies = forms.ModelMultipleChoiceField(
        label=_("For the firms of"),
        queryset=Economy.objects.none(),
        required=False,
        help_text=_(
            "Leave empty for a session open to every economy. Economies are grouped by region."
        ),
        # Checkboxes grouped by region work without JavaScript; filter.js adds a search field.
        widget=forms.CheckboxSelectMultiple(
            attrs={"data-filter-label": _("Find an economy by name")}
        ),
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # Not a column: the service puts the session in the chosen one's language group.
    sibling = SiblingChoiceField(
        label=_("The same session in another language"),
        queryset=Session.objects.none(),
        required=False,
        empty_label=_("None: not linked"),
        help_text=_(
            "Each session's page then names the other (“Also in French, ...”), and a full "
            "session offers the other's seats. Choose “None” to unlink it."
        ),
    )

    TIME_FIELDS = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")

    class Meta:
        model = Session
        fields = [
            "series",
            "language",
            *per_language("title", "summary", "description"),
            "interpretation_languages",
            "format",
            "venue",
            "time_zone",
            "starts_at",
            "ends_at",
            "capacity",
            "attendance_threshold_minutes",
            "registration_opens_at",
            "registration_closes_at",
            "cohosts",
            "target_economies",
            "topics",
            "join_url",
            "zoom_create",
            "recording_url",
            "materials_url",
            "follow_ups_enabled",
        ]
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in per_language("description")}
        labels = TRANSLATED_LABELS
        help_texts = {
            "zoom_create": _(
                "For an online or hybrid session: publishing creates the webinar on Zoom with "
                "this session’s title, time and length, and its join link replaces the one "
                "above; each registrant gets a join link of their own."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohosts"].queryset = Organisation.objects.exclude(
            kind__in=[OrganisationKind.FIRM, OrganisationKind.ORGANISER]
        ).select_related("economy")
        self.fields["target_economies"].queryset = Economy.objects.order_by("sort_name")
        self.fields["target_economies"].choices = economies_by_region()
        self.fields["topics"].queryset = Topic.objects.order_by("name")
        _bound_attendance_threshold(self.fields.get("attendance_threshold_minutes"))
        session = self.instance
        if "sibling" in self.fields:
            self.fields["sibling"].queryset = sibling_candidates(session)
            if session.pk and session.language_group_id:
                self.initial["sibling"] = (
                    Session.objects.filter(language_group=session.language_group_id)
                    .exclude(pk=session.pk)
                    .order_by("starts_at", "pk")
                    .values_list("pk", flat=True)
                    .first()
                )
        if session.pk:
            for name in self.TIME_FIELDS:
                self.initial[name] = _wall_clock(getattr(session, name), session.time_zone)
            self.initial["cohosts"] = list(session.cohosts.all())
            self.initial["target_economies"] = list(session.target_economies.all())
            self.initial["topics"] = list(session.topics.all())
        self._add_occurrence_fields()

    def _stored(self) -> tuple[str, dict]:
        session = self.instance
        if not session.pk:
            return "", {}
        return session.time_zone, {name: getattr(session, name) for name in self.TIME_FIELDS}

    def clean(self):
        cleaned = super().clean()
        self._make_times_aware(cleaned)
        sibling = cleaned.get("sibling")
        if sibling is not None and sibling.language == cleaned.get("language"):
            self.add_error("sibling", _("Choose a session in another language than this one's."))
        self._check_zoom(cleaned)
        return cleaned

    def _check_zoom(self, cleaned: dict) -> None:
        """A webinar is created on Zoom only for an online or hybrid session, and only where
        Zoom's API is set up: said here, before publishing, rather than failing afterwards."""
        if not cleaned.get("zoom_create") or self.instance.zoom_webinar_id:
            return
        if cleaned.get("format") == SessionFormat.IN_PERSON:
            self.add_error(
                "zoom_create", _("Only an online or hybrid session can be held on Zoom.")
            )
        elif not zoom_is_configured():
            self.add_error(
                "zoom_create",
                _(
                    "Zoom is not set up on this server, so the webinar cannot be created there: "
                    "untick this box and add the join link yourself, or ask the administrator "
                    "to set Zoom’s account."
                ),
            )

    def _post_clean(self):
        # Times that failed to become aware must not reach the model's validation.
        if any(name in self._errors for name in ("time_zone", *self.TIME_FIELDS)):
            return
        super()._post_clean()

    def related(self) -> dict:
        """The links the service sets after saving the session row."""
        return {
            "cohosts": self.cleaned_data["cohosts"],
            "target_economies": self.cleaned_data["target_economies"],
            "topics": self.cleaned_data["topics"],
            "sibling": self.cleaned_data["sibling"],
        }


class SeriesForm(forms.ModelForm):
    """A series' texts in three languages and how long its registrants' details are kept."""

    class Meta:
        model = Series
        fields = [
            *per_language("title", "description"),
            "retention_months",
            "attendance_threshold_minutes",
            "follow_up_delay_minutes",
            "attendance_wait_hours",
            "outcome_survey_months",
            "is_course",
            "capacity",
            "completion_rule",
            "completion_sessions",
            "completion_percent",
        ]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in per_language("description")}
        labels = TRANSLATED_LABELS
        help_texts = {
            "capacity": _("Left empty: no limit but the seats of its sessions."),
            "completion_sessions": _("For “attended at least a number of its sessions”."),
            "completion_percent": _("For “attended at least a share of its scheduled minutes”."),
        }

    # Left empty, these keep what the series has (a new series: the programme's defaults).
    KEPT_WHEN_EMPTY = ("follow_up_delay_minutes", "attendance_wait_hours", "outcome_survey_months")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bound_attendance_threshold(self.fields["attendance_threshold_minutes"])
        for name in self.KEPT_WHEN_EMPTY:
            self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        for name in self.KEPT_WHEN_EMPTY:
            if cleaned.get(name) is None and name not in self.errors:
                cleaned[name] = getattr(self.instance, name)
        if not any(cleaned.get(f"title_{code}") for code in LANGUAGE_CODES):
            self.add_error("title_en", _("A series needs a title in at least one language."))
        self._clean_course(cleaned)
        return cleaned

    def _clean_course(self, cleaned: dict) -> None:
        """A course's places and completion rule (registrations.courses): the rule names its
        number; places are never fewer than those taken, nor more than a session of the course
        has seats (each enrolment holds a seat in every session)."""
        if not cleaned.get("is_course"):
            if self.instance.pk and self.instance.is_course and self.instance.enrolled_count:
                self.add_error(
                    "is_course",
                    _("People are enrolled in this course: it stays a course while they are."),
                )
            return
        rule = cleaned.get("completion_rule")
        if rule == CompletionRule.SESSIONS and not cleaned.get("completion_sessions"):
            self.add_error("completion_sessions", _("Say how many sessions complete the course."))
        if rule == CompletionRule.MINUTES and not cleaned.get("completion_percent"):
            self.add_error(
                "completion_percent",
                _("Say which share of the scheduled minutes completes the course."),
            )
        capacity = cleaned.get("capacity")
        if capacity is None or not self.instance.pk:
            return
        if capacity < self.instance.enrolled_count:
            self.add_error(
                "capacity",
                _(
                    "%(count)s people are enrolled already: the course needs at least as many "
                    "places."
                )
                % {"count": self.instance.enrolled_count},
            )
            return
        smallest = (
            Session.objects.filter(series=self.instance, starts_at__gt=timezone.now())
            .exclude(status__in=[SessionStatus.CANCELLED, SessionStatus.DECLINED])
            .order_by("capacity")
            .values_list("capacity", flat=True)
            .first()
        )
        if smallest is not None and capacity > smallest:
            self.add_error(
                "capacity",
                _(
                    "A session of the course has %(seats)s seats: the course cannot have more "
                    "places than that."
                )
                % {"seats": smallest},
            )


class RescheduleForm(WallClockTimesMixin, forms.Form):
    time_zone = TimeZoneField(label=_("Time zone"))
    starts_at = WallClockField(label=_("New start"))
    ends_at = WallClockField(label=_("New end"))

    TIME_FIELDS = ("starts_at", "ends_at")

    def __init__(self, *args, session: Session, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        self.initial.setdefault("time_zone", session.time_zone)
        self.initial.setdefault("starts_at", _wall_clock(session.starts_at, session.time_zone))
        self.initial.setdefault("ends_at", _wall_clock(session.ends_at, session.time_zone))
        self._add_occurrence_fields()

    def _stored(self) -> tuple[str, dict]:
        return self.session.time_zone, {
            "starts_at": self.session.starts_at,
            "ends_at": self.session.ends_at,
        }

    def clean(self):
        cleaned = super().clean()
        self._make_times_aware(cleaned)
        if not self.errors and cleaned["ends_at"] <= cleaned["starts_at"]:
            self.add_error("ends_at", _("The session must end after it starts."))
        return cleaned


def _quarter_choices() -> list[tuple[int, str]]:
    # A callable, so that the labels are read in the language of each request.
    return [(q, _("Q%(number)s") % {"number": q}) for q in range(1, 5)]


# The label of the start of each language's session in a quarter's plan.
SESSION_STARTS_LABELS = {
    "en": _("English session starts"),
    "fr": _("French session starts"),
    "es": _("Spanish session starts"),
}


def _plan_language_fields() -> dict[str, forms.Field]:
    """The plan's fields of each language of settings.LANGUAGES: every title, then each
    session's start and the zone of its clock."""
    fields = {
        name: forms.CharField(label=TRANSLATED_LABELS[name], max_length=200)
        for name in per_language("title")
    }
    for code in LANGUAGE_CODES:
        fields[f"start_{code}"] = WallClockField(label=SESSION_STARTS_LABELS[code])
        fields[f"zone_{code}"] = TimeZoneField(label=_("in the time zone"))
    return fields


class PlanQuarterForm(forms.Form):
    """Three sessions of one topic in a quarter, one per language, each at its regions' hour.

    Besides the fields below, it has per language a title, a start and a zone (title_en,
    start_en, zone_en...), added after the quarter by `_plan_language_fields`."""

    series = forms.ModelChoiceField(label=_("Series"), queryset=Series.objects.none())
    topic = forms.ModelChoiceField(label=_("Topic"), queryset=Topic.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2020, max_value=2100)
    quarter = forms.TypedChoiceField(label=_("Quarter"), coerce=int, choices=_quarter_choices)
    duration = forms.IntegerField(
        label=_("Length in minutes"), min_value=15, max_value=600, initial=90
    )
    capacity = forms.IntegerField(label=_("Seats per session"), min_value=1, initial=500)
    publish = forms.BooleanField(
        label=_("Publish all three now"),
        required=False,
        help_text=_(
            "Their join links are empty until you add them: registrants then get an updated "
            "invitation. Leave unticked to review each draft first."
        ),
    )

    def __init__(self, *args, year: int, quarter: int, **kwargs):
        super().__init__(*args, **kwargs)
        language_fields = _plan_language_fields()
        self.fields.update(language_fields)
        self.order_fields(["series", "topic", "year", "quarter", *language_fields])
        self.fields["series"].queryset = Series.objects.order_by("title")
        self.fields["topic"].queryset = Topic.objects.order_by("name")
        self.initial.setdefault("year", year)
        self.initial.setdefault("quarter", quarter)
        for language, (start, zone) in suggest_quarter_times(year, quarter).items():
            self.initial.setdefault(f"start_{language}", start)
            self.initial.setdefault(f"zone_{language}", zone)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        first, last = quarter_bounds(cleaned["year"], cleaned["quarter"])
        for language in LANGUAGE_CODES:
            field = f"start_{language}"
            try:
                aware(cleaned[field], cleaned[f"zone_{language}"])
            except (NonExistentLocalTime, AmbiguousLocalTime) as error:
                self.add_error(field, str(error))
                continue
            if not first <= cleaned[field].date() <= last:
                self.add_error(
                    field,
                    _("This date is outside the quarter (%(first)s to %(last)s).")
                    % {"first": first.isoformat(), "last": last.isoformat()},
                )
        return cleaned

    @classmethod
    def for_quarter_of(cls, data, *, year: int, quarter: int) -> "PlanQuarterForm":
        """The form again, unbound, as an organiser filled it in, with the dates suggested for
        the quarter they chose (when it reads as one) in place of starts outside it and, for a
        topic chosen and titles left empty, the topic's name in each language as the titles."""
        typed_year, chosen = str(data.get("year", "")), str(data.get("quarter", ""))
        if typed_year.isdigit():
            year = min(max(int(typed_year), 2020), 2100)
        if chosen in {"1", "2", "3", "4"}:
            quarter = int(chosen)
        initial = {
            name: value
            for name, value in data.items()
            if name != "csrfmiddlewaretoken" and not name.startswith(("start_", "zone_"))
        }
        initial.update(year=year, quarter=quarter)
        # A start typed within the chosen quarter is kept; the others follow the quarter.
        first, last = quarter_bounds(year, quarter)
        for code in LANGUAGE_CODES:
            try:
                start = WallClockField().to_python(data.get(f"start_{code}", ""))
            except forms.ValidationError:
                start = None
            if start is not None and first <= start.date() <= last:
                initial[f"start_{code}"] = start
                initial[f"zone_{code}"] = data.get(f"zone_{code}", "")
        topic_pk = str(data.get("topic", ""))
        topic = Topic.objects.filter(pk=topic_pk).first() if topic_pk.isdigit() else None
        if topic is not None:
            for code in LANGUAGE_CODES:
                if not str(initial.get(f"title_{code}", "")).strip():
                    initial[f"title_{code}"] = getattr(topic, f"name_{code}") or topic.name
        return cls(initial=initial, year=year, quarter=quarter)

    def plan(self) -> dict:
        data = self.cleaned_data
        return {
            "publish": data["publish"],
            "series": data["series"],
            "topic": data["topic"],
            "titles": {code: data[f"title_{code}"] for code in LANGUAGE_CODES},
            "starts": {
                code: (data[f"start_{code}"], data[f"zone_{code}"]) for code in LANGUAGE_CODES
            },
            "duration": timedelta(minutes=data["duration"]),
            "capacity": data["capacity"],
        }


def catalogue_filter_choices(language: str) -> dict[str, list[tuple[str, str]]]:
    """The choices of the catalogue's lists, named in a language, as plain strings (events.cards
    keeps them in the shared cache: economies and topics are two queries)."""
    anything = [("", str(_("Any")))]
    economies = Economy.objects.order_by("sort_name").values_list("code", f"name_{language}")
    topics = Topic.objects.order_by(f"name_{language}").values_list("slug", f"name_{language}")
    return {
        "language": anything + [(code, str(_(LANGUAGE_NAMES[code]))) for code in LANGUAGE_CODES],
        "region": anything + region_choices(language),
        "economy": anything + list(economies),
        "topic": anything + list(topics),
        "format": anything + [(value, str(label)) for value, label in SessionFormat.choices],
        "when": [("upcoming", str(_("Upcoming"))), ("past", str(_("Past")))],
    }


class CatalogueFilterForm(forms.Form):
    """The public catalogue's filters, read from the query string."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    language = forms.ChoiceField(label=_("Language"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    economy = forms.ChoiceField(label=_("Economy"), required=False)
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    format = forms.ChoiceField(label=_("Format"), required=False)
    when = forms.ChoiceField(label=_("When"), required=False)
    grouped = forms.BooleanField(label=_("One card per topic in all its languages"), required=False)

    def __init__(self, *args, language: str, choices: dict | None = None, **kwargs):
        """`choices`: `catalogue_filter_choices(language)` as the caller has it (cached)."""
        super().__init__(*args, **kwargs)
        for name, options in (choices or catalogue_filter_choices(language)).items():
            # Given as a callable, the 300 options are read only to check a value sent: Django
            # copies and normalises a list, twice, on every page.
            self.fields[name].choices = partial(list, options)


class ProposalForm(SessionForm):
    """What a co-host proposes: the essentials; organisers complete the rest when reviewing."""

    class Meta(SessionForm.Meta):
        fields = [
            "language",
            *per_language("title", "summary"),
            "format",
            "venue",
            "time_zone",
            "starts_at",
            "ends_at",
            "capacity",
            "topics",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("cohosts", "target_economies", "interpretation_languages", "sibling"):
            self.fields.pop(name, None)
        for name in ("registration_opens_at", "registration_closes_at"):
            self.fields.pop(name, None)

    TIME_FIELDS = ("starts_at", "ends_at")

    def related(self) -> dict:
        return {"topics": self.cleaned_data["topics"]}


class SuggestionForm(forms.Form):
    field = forms.ChoiceField(
        label=_("Text"),
        choices=[
            ("title", _("Title")),
            ("summary", _("Summary")),
            ("description", _("Description")),
        ],
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    text = forms.CharField(label=_("Suggested text"), widget=forms.Textarea(attrs={"rows": 4}))

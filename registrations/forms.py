from functools import lru_cache

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.choices import BaseChoiceIterator
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from events.models import Session
from outreach import economy_cache
from outreach.forms import TimeZoneField
from outreach.languages import active_language
from outreach.models import (
    Economy,
    ExportingStatus,
    Gender,
    OrganisationKind,
    Sector,
    SizeBand,
)
from registrations.models import PRIVACY_NOTICE_VERSION, Question, QuestionKind, Registration
from registrations.questions.fields import question_field

# A registration question's field is named after its code with this prefix, so that no code an
# organiser chooses ("email", "consent") takes the place of one of the form's own fields.
QUESTION_PREFIX = "question_"

KIND_CHOICES = [
    (OrganisationKind.FIRM, _("A firm")),
    (OrganisationKind.SUPPORT, _("A business support organisation (chamber, association, agency)")),
    (OrganisationKind.GOVERNMENT, _("A ministry or government agency")),
    (OrganisationKind.OTHER, _("Another kind of organisation")),
]


class EconomyChoices(BaseChoiceIterator):
    """The economies as a select's options, named and sorted in one language, read from
    outreach.economy_cache once, when they are first needed."""

    def __init__(self, language: str | None, empty_label):
        self.language = language
        self.empty_label = empty_label
        self._economies = None

    @property
    def economies(self) -> tuple[tuple[str, str], ...]:
        if self._economies is None:
            self._economies = economy_cache.choices(self.language or active_language())
        return self._economies

    def __iter__(self):
        yield ("", self.empty_label)
        yield from self.economies


@lru_cache(maxsize=16)
def _option_lines(economies: tuple[tuple[str, str], ...]) -> tuple[tuple[str, ...], dict]:
    """Each economy's <option> as Django's select_option.html writes it (unselected), and the
    position of each code among them."""
    lines = tuple(
        format_html('\n  <option value="{}">{}</option>\n', code, name) for code, name in economies
    )
    return lines, {code: index for index, (code, _name) in enumerate(economies)}


class Select(forms.Select):
    """Django's select, with the economies' ~250 options written from a cached list of lines
    instead of a template each (the same HTML: tests/outreach/test_economy_choices.py). Named
    Select because crispy-forms gives a field the CSS class of its widget's class name."""

    def optgroups(self, name, value, attrs=None):
        if isinstance(self.choices, EconomyChoices):
            return []  # written by render()
        return super().optgroups(name, value, attrs)

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        if not isinstance(self.choices, EconomyChoices) or not html.endswith("\n</select>"):
            return html
        lines, index = _option_lines(self.choices.economies)
        lines = list(lines)
        selected = next(iter(self.format_value(value)), None)
        empty = format_html(
            '\n  <option value=""{}>{}</option>\n',
            " selected" if selected == "" else "",
            self.choices.empty_label,
        )
        if selected in index:
            code, economy = self.choices.economies[index[selected]]
            lines[index[selected]] = format_html(
                '\n  <option value="{}" selected>{}</option>\n', code, economy
            )
        # Every piece was escaped by format_html, as the template would have escaped it.
        return mark_safe(html[: -len("\n</select>")] + empty + "".join(lines) + "\n</select>")


class EconomyField(forms.ChoiceField):
    """One economy by its ISO code, offered and checked against the economies in the cache
    (outreach.economy_cache), not a query; cleaned to an Economy instance."""

    widget = Select

    def __init__(self, *, empty_label, language: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.empty_label = empty_label
        self.language = language

    @property
    def language(self) -> str | None:
        return self._language

    @language.setter
    def language(self, language: str | None) -> None:
        """The language the economies are named and sorted in (the active one when None)."""
        self._language = language
        self.choices = EconomyChoices(language, self.empty_label)

    def to_python(self, value) -> Economy | None:
        if value in self.empty_values:
            return None
        if isinstance(value, Economy):
            return value
        economy = economy_cache.get(str(value))
        if economy is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return economy

    def validate(self, value) -> None:
        # Required or not: to_python has already refused a code that is not an economy.
        forms.Field.validate(self, value)

    def prepare_value(self, value):
        return value.pk if isinstance(value, Economy) else value

    def has_changed(self, initial, data) -> bool:
        if self.disabled:
            return False
        initial_value = initial if initial is not None else ""
        data_value = data if data is not None else ""
        return str(self.prepare_value(initial_value)) != str(data_value)


class RegistrationForm(forms.Form):
    """What the impact figures need and no more; firms answer a few questions more."""

    full_name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(
        label=_("Your email"),
        help_text=_("Your confirmation, the join link and reminders go here."),
    )
    economy = EconomyField(
        label=_("Economy of your organisation"),
        empty_label=_("Choose an economy"),
        error_messages={"invalid_choice": _("Choose an economy from the list.")},
    )
    organisation_name = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        help_text=_(
            "If your organisation is already known, use the same name and we will find it."
        ),
    )
    kind = forms.ChoiceField(
        label=_("You represent"), choices=KIND_CHOICES, widget=forms.RadioSelect
    )
    size_band = forms.ChoiceField(
        label=_("Size of the firm (required for firms)"),
        choices=[("", "—"), *SizeBand.choices],
        required=False,
    )
    sector = forms.ChoiceField(
        label=_("Main sector (required for firms)"),
        choices=[("", "—"), *Sector.choices],
        required=False,
    )
    exporting_status = forms.ChoiceField(
        label=_("Does the firm export? (required for firms)"),
        choices=[("", "—"), *ExportingStatus.choices],
        required=False,
    )
    women_led = forms.BooleanField(label=_("The firm is led by a woman"), required=False)
    youth_led = forms.BooleanField(label=_("The firm is led by a person under 35"), required=False)
    job_title = forms.CharField(label=_("Job title (optional)"), max_length=150, required=False)
    gender = forms.ChoiceField(
        label=_("Gender (optional)"), choices=[("", "—"), *Gender.choices], required=False
    )
    time_zone = TimeZoneField(
        label=_("Your time zone"), help_text=_("Reminders show the time in this zone.")
    )
    shares_with_cohosts = forms.BooleanField(required=False)
    consent = forms.BooleanField(
        label=_("I agree that my details are used as the privacy notice says."),
        error_messages={"required": _("Registering needs your agreement to the privacy notice.")},
    )
    # Asked only when the economy chosen is not one the session is for (the warning).
    register_anyway = forms.BooleanField(
        label=_("I understand: register me anyway"), required=False
    )
    # Left empty by people; filled in by robots that fill in every field.
    website = forms.CharField(
        label=pgettext_lazy("honeypot", "Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    FIRM_FIELDS = ("size_band", "sector", "exporting_status")

    def __init__(
        self,
        *args,
        person=None,
        language="en",
        cohost_names=(),
        target_economies=(),
        questions: tuple[Question, ...] | list[Question] = (),
        listening_languages: tuple[str, ...] | list[str] = (),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.person = person
        self.language = language
        self.target_economies = list(target_economies)
        self.economy_warning = False
        self.fields["consent"].help_text = format_html(
            '<a href="{}">{}</a>',
            reverse("registrations:privacy"),
            _("Read the privacy notice (version %(version)s)")
            % {"version": PRIVACY_NOTICE_VERSION},
        )
        if cohost_names:
            self.fields["shares_with_cohosts"].label = _(
                "I agree that %(cohosts)s, co-host of this session, sees my name, email and "
                "organisation."
            ) % {"cohosts": ", ".join(cohost_names)}
        else:
            del self.fields["shares_with_cohosts"]
        self.fields["economy"].language = language
        if person is not None:
            self.fields["email"].disabled = True
            self.fields["email"].help_text = _("You are signed in with this address.")
        self._add_listening_language(listening_languages)
        self._add_questions(questions)

    def _add_listening_language(self, languages) -> None:
        """Where the session offers interpretation (`languages`: its own language first, then
        those it is interpreted into), the language the person will listen in: the visitor's
        if offered, else the session's."""
        if len(languages) < 2:
            return
        names = dict(settings.LANGUAGES)
        self.fields["listening_language"] = forms.ChoiceField(
            label=_("Which language will you listen in?"),
            help_text=_("The session offers interpretation: choose its language or another."),
            choices=[(code, _(names[code])) for code in languages if code in names],
            initial=self.language if self.language in languages else languages[0],
        )
        standard = list(self.fields)
        standard.remove("listening_language")
        at = standard.index("time_zone") + 1
        self.order_fields([*standard[:at], "listening_language", *standard[at:]])

    def _add_questions(self, questions) -> None:
        """The session's registration questions (registrations.queries.registration_survey),
        in the active language, after the person's own details and before the agreements."""
        self.questions = list(questions)
        names = [QUESTION_PREFIX + question.code for question in self.questions]
        for name, question in zip(names, self.questions, strict=True):
            field = question_field(question)
            # Where the error summary's link lands: the first radio or box (economies come
            # grouped by region, so theirs is the first of the first region), else the input.
            field.anchor_suffix = (
                "_0_0"
                if question.kind == QuestionKind.ECONOMIES
                else "_0"
                if isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple)
                else ""
            )
            self.fields[name] = field
        if names:
            standard = list(self.fields)
            details = standard[: standard.index("time_zone") + 1]
            self.order_fields([*details, *names])
        self.question_names = names

    @property
    def question_fields(self) -> list:
        return [self[name] for name in self.question_names]

    def answers(self) -> dict:
        """The cleaned answers to the registration questions by question code: JSON-safe values
        (numbers, yes or no, choice and economy codes, words), as
        registrations.questions.answers.save_answers stores them."""
        return {
            question.code: self.cleaned_data.get(QUESTION_PREFIX + question.code)
            for question in self.questions
        }

    def is_robot(self) -> bool:
        return bool(self.data.get("website"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == OrganisationKind.FIRM:
            for name in self.FIRM_FIELDS:
                if not cleaned.get(name):
                    self.add_error(name, _("Please answer this for your firm."))
        else:
            for name in self.FIRM_FIELDS:
                cleaned[name] = ""
            cleaned["women_led"] = cleaned["youth_led"] = False
        cleaned.setdefault("shares_with_cohosts", False)
        economy = cleaned.get("economy")
        targets = {target.pk for target in self.target_economies}
        outside = economy is not None and targets and economy.pk not in targets
        if outside and not cleaned.get("register_anyway"):
            # Shown before anything is recorded; the person may still register.
            self.economy_warning = True
            names = ", ".join(sorted(target.name for target in self.target_economies))
            self.add_error(
                "economy",
                _(
                    "This session is meant for organisations of %(economies)s. You may still "
                    "register: tick “I understand: register me anyway” below."
                )
                % {"economies": names},
            )
        return cleaned


class AttendanceUploadForm(forms.Form):
    """An attendance report from the video platform, and how to read it."""

    report = forms.FileField(label=_("Report file (CSV)"))
    platform = forms.ChoiceField(
        label=_("Platform"),
        choices=[
            ("auto", _("Recognise it")),
            ("zoom", "Zoom"),
            ("teams", "Microsoft Teams"),
            ("csv", _("Other CSV (columns named below)")),
        ],
    )
    time_zone = TimeZoneField(
        label=_("Time zone of the times in the report"),
        help_text=_("The time zone of the account that produced the report."),
    )
    date_order = forms.ChoiceField(
        label=_("Dates in the report"),
        choices=[
            ("auto", _("Recognise them")),
            ("dmy", _("Day first (31/12/2026)")),
            ("mdy", _("Month first (12/31/2026)")),
        ],
    )
    name_column = forms.CharField(label=_("Column with the name"), required=False)
    email_column = forms.CharField(label=_("Column with the email"), required=False)
    joined_column = forms.CharField(label=_("Column with the join time"), required=False)
    left_column = forms.CharField(label=_("Column with the leave time"), required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("platform") == "csv":
            for name in ("name_column", "email_column", "joined_column", "left_column"):
                if not cleaned.get(name):
                    self.add_error(name, _("Name the column for a CSV of another platform."))
        return cleaned

    def mapping(self) -> dict | None:
        data = self.cleaned_data
        if data["platform"] != "csv":
            return None
        return {
            "name": data["name_column"],
            "email": data["email_column"],
            "joined_at": data["joined_column"],
            "left_at": data["left_column"],
        }


class WaitingChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.person.full_name or obj.person.email} ({obj.organisation.name})"


class SiblingTargetField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.sentence


class MoveToSiblingForm(forms.Form):
    """Which waitlisted people of a full session go to which sibling with seats."""

    everyone = forms.BooleanField(label=_("Everyone on the waitlist"), required=False)
    registrations = WaitingChoiceField(
        label=_("Or these people"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    target = SiblingTargetField(
        label=_("To the same session in"),
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Choose the session they move to.")},
    )

    def __init__(self, *args, waiting, targets, **kwargs):
        """`waiting`: the movable registrations (registrations.siblings.movable), as a list;
        `targets`: the siblings with seats, each with its `sentence` to show."""
        super().__init__(*args, **kwargs)
        self.waiting = waiting
        self.targets = {target.pk: target for target in targets}
        self.fields["registrations"].queryset = Registration.objects.filter(
            pk__in=[registration.pk for registration in waiting]
        )
        self.fields["registrations"].choices = [
            (registration.pk, self.fields["registrations"].label_from_instance(registration))
            for registration in waiting
        ]
        self.fields["target"].queryset = Session.objects.filter(pk__in=list(self.targets))
        self.fields["target"].choices = [(target.pk, target.sentence) for target in targets]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("everyone"):
            cleaned["registrations"] = list(self.waiting)
        elif not cleaned.get("registrations"):
            self.add_error("registrations", _("Choose the people to move, or everyone."))
        target = cleaned.get("target")
        if target is not None:
            cleaned["target"] = self.targets[target.pk]
        return cleaned


def initial_for(person) -> dict:
    """What the registration form starts with for a signed-in person: their details and their
    organisation's, as last given."""
    if person is None:
        return {}
    organisation = person.organisation
    initial = {
        "full_name": person.full_name,
        "email": person.email,
        "time_zone": person.time_zone,
        "gender": person.gender,
    }
    if organisation is not None:
        initial.update(
            economy=organisation.economy_id,
            organisation_name=organisation.name,
            kind=organisation.kind,
            size_band=organisation.size_band,
            sector=organisation.sector,
            exporting_status=organisation.exporting_status,
            women_led=organisation.women_led,
            youth_led=organisation.youth_led,
        )
    return initial

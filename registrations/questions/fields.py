"""One form field per question, shaped by its kind: used by every survey and by the questions a
registration form adds. Radios and checkboxes work without JavaScript; texts come in the active
language (modeltranslation falls back to any language that is filled)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from events.forms import economies_by_region
from registrations.models import Question, QuestionKind

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
# The words under each end of a scale, shown beside its numbers (templates/registrations/
# survey_scale.html lays a scale out as one wrapping row of large targets, usable on a phone).
SCALE_ENDS = {
    QuestionKind.SCALE: (_("not at all"), _("completely")),
    QuestionKind.NPS: (_("not at all likely"), _("extremely likely")),
}
SHORT_TEXT_LENGTH = 200
TEXT_LENGTH = 4000


def _yes(value: str) -> bool:
    return value == "yes"


class EconomiesBoundField(forms.BoundField):
    """An economies question as its template lays it out: a region per <details>, opened when
    one of its economies is ticked (templates/registrations/survey_economies.html)."""

    @property
    def regions(self) -> list[dict]:
        ticked = {str(code) for code in (self.value() or [])}
        regions = []
        for index, (name, options) in enumerate(self.field.choices):
            choices = [
                {
                    "id": f"{self.auto_id}_{index}_{position}",
                    "code": code,
                    "name": label,
                    "ticked": code in ticked,
                }
                for position, (code, label) in enumerate(options)
            ]
            regions.append(
                {
                    "id": f"{self.auto_id}_{index}",
                    "name": name,
                    "choices": choices,
                    "ticked": sum(choice["ticked"] for choice in choices),
                }
            )
        return regions


class EconomiesField(forms.MultipleChoiceField):
    """Several economies by ISO code, offered grouped by region in the active language."""

    bound_field_class = EconomiesBoundField
    widget = forms.CheckboxSelectMultiple


def question_field(question: Question) -> forms.Field:
    """The form field that asks `question`, labelled in the active language.

    Cleaned values: an int (scales), a bool (yes or no), a choice code (one choice), a list of
    choice codes (several choices), a list of economy codes (economies), a str (texts); what
    `registrations.questions.answers.save_answers` stores. The field carries `question_kind`
    (and `scale_ends` for scales), which templates/registrations/survey_field.html lays out by.
    """
    field = _field(question, label=question.text, required=question.required)
    field.question_kind = question.kind
    field.scale_ends = SCALE_ENDS.get(question.kind)
    return field


def _field(question: Question, *, label: str, required: bool) -> forms.Field:
    kind = question.kind
    if kind == QuestionKind.SCALE:
        return forms.TypedChoiceField(
            label=label,
            required=required,
            coerce=int,
            widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            choices=[(n, str(n)) for n in range(1, 6)],
            help_text=_("1 = not at all, 5 = completely"),
        )
    if kind == QuestionKind.NPS:
        return forms.TypedChoiceField(
            label=label,
            required=required,
            coerce=int,
            widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            choices=[(n, str(n)) for n in range(11)],
            help_text=_("0 = not at all likely, 10 = extremely likely"),
        )
    if kind == QuestionKind.YES_NO:
        return forms.TypedChoiceField(
            label=label,
            required=required,
            coerce=_yes,
            empty_value=None,
            widget=forms.RadioSelect,
            choices=YES_NO,
        )
    if kind == QuestionKind.ECONOMIES:
        # Checkboxes grouped by region (templates/registrations/survey_economies.html folds
        # each region in a <details>): a <select multiple> is hard to use on a phone.
        return EconomiesField(
            label=label,
            required=required,
            choices=economies_by_region(),
            help_text=_("Open a region to tick its economies; you may tick several."),
        )
    if kind == QuestionKind.SHORT_TEXT:
        return forms.CharField(
            label=label,
            required=required,
            max_length=SHORT_TEXT_LENGTH,
            widget=forms.TextInput(attrs={"maxlength": SHORT_TEXT_LENGTH}),
        )
    if kind == QuestionKind.TEXT:
        return forms.CharField(
            label=label,
            required=required,
            max_length=TEXT_LENGTH,
            widget=forms.Textarea(attrs={"rows": 4}),
        )
    choices = [(choice.code, choice.text) for choice in question.choices.all()]
    if kind == QuestionKind.SINGLE:
        return forms.ChoiceField(
            label=label, required=required, widget=forms.RadioSelect, choices=choices
        )
    if kind == QuestionKind.MULTIPLE:
        return forms.MultipleChoiceField(
            label=label,
            required=required,
            widget=forms.CheckboxSelectMultiple,
            choices=choices,
        )
    raise ValueError(f"Unknown kind of question: {kind!r}")

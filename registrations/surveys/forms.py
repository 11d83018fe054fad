from django import forms
from django.utils.translation import gettext_lazy as _

from registrations.models import QuestionKind, Survey

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
# The words under each end of a scale, shown beside its numbers (templates/registrations/
# survey.html lays a scale out as one wrapping row of large targets, usable on a phone).
SCALE_ENDS = {
    QuestionKind.SCALE: (_("not at all"), _("completely")),
    QuestionKind.NPS: (_("not at all likely"), _("extremely likely")),
}


class SurveyForm(forms.Form):
    """One field per question, shaped by its kind; radios and checkboxes work without script."""

    def __init__(self, *args, survey: Survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey = survey
        for question in survey.questions.prefetch_related("choices"):
            field = self._field(question)
            field.scale_ends = SCALE_ENDS.get(question.kind)
            self.fields[question.code] = field

    @staticmethod
    def _field(question):
        label = question.text
        required = question.required
        if question.kind == QuestionKind.SCALE:
            return forms.TypedChoiceField(
                label=label,
                required=required,
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                choices=[(n, str(n)) for n in range(1, 6)],
                help_text=_("1 = not at all, 5 = completely"),
            )
        if question.kind == QuestionKind.NPS:
            return forms.TypedChoiceField(
                label=label,
                required=required,
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                choices=[(n, str(n)) for n in range(11)],
                help_text=_("0 = not at all likely, 10 = extremely likely"),
            )
        if question.kind == QuestionKind.YES_NO:
            return forms.TypedChoiceField(
                label=label,
                required=required,
                coerce=lambda v: v == "yes",
                widget=forms.RadioSelect,
                choices=YES_NO,
            )
        choices = [(c.code, c.text) for c in question.choices.all()]
        if question.kind == QuestionKind.SINGLE:
            return forms.ChoiceField(
                label=label, required=required, widget=forms.RadioSelect, choices=choices
            )
        if question.kind == QuestionKind.MULTIPLE:
            return forms.MultipleChoiceField(
                label=label,
                required=required,
                widget=forms.CheckboxSelectMultiple,
                choices=choices,
            )
        return forms.CharField(
            label=label,
            required=required,
            max_length=4000,
            widget=forms.Textarea(attrs={"rows": 4}),
        )

"""The builder's forms: one question in three languages side by side, and how a survey starts."""

from django import forms
from django.utils.translation import gettext_lazy as _

from events.models import LANGUAGE_CODES
from registrations.models import Question, QuestionKind
from registrations.questions.services import WITH_CHOICES, QuestionData

TEXT_LABELS = {
    "en": _("Question in English"),
    "fr": _("Question in French"),
    "es": _("Question in Spanish"),
}
CHOICES_LABELS = {
    "en": _("Choices in English"),
    "fr": _("Choices in French"),
    "es": _("Choices in Spanish"),
}
CHOICE_LENGTH = 200


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class QuestionForm(forms.Form):
    """A question's words and choices in English, French and Spanish (at least one language;
    the others fall back to it), its kind and whether it must be answered. A standard question
    (one of the programme's indicators) keeps its kind and the number of its choices."""

    kind = forms.ChoiceField(
        label=_("Kind of answer"), choices=QuestionKind.choices, widget=forms.RadioSelect
    )
    required = forms.BooleanField(label=_("An answer is required"), required=False)

    def __init__(self, *args, question: Question | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.question = question
        for code in LANGUAGE_CODES:
            self.fields[f"text_{code}"] = forms.CharField(
                label=TEXT_LABELS[code], max_length=300, required=False
            )
        for code in LANGUAGE_CODES:
            self.fields[f"choices_{code}"] = forms.CharField(
                label=CHOICES_LABELS[code],
                required=False,
                widget=forms.Textarea(attrs={"rows": 5}),
                help_text=_("One per line, in the same order in each language."),
            )
        # The texts first, then the kind, whether required, and the choices.
        self.order_fields(
            [*(f"text_{code}" for code in LANGUAGE_CODES), "kind", "required"]
            + [f"choices_{code}" for code in LANGUAGE_CODES]
        )
        if question is not None:
            self.initial.update(
                {
                    "kind": question.kind,
                    "required": question.required,
                    **{
                        f"text_{code}": getattr(question, f"text_{code}") or ""
                        for code in LANGUAGE_CODES
                    },
                    **{
                        f"choices_{code}": "\n".join(
                            getattr(choice, f"text_{code}") or ""
                            for choice in question.choices.all()
                        ).strip()
                        for code in LANGUAGE_CODES
                    },
                }
            )
            if question.standard:
                self.fields["kind"].disabled = True
                self.fields["kind"].help_text = _(
                    "One of the programme's indicators: its kind of answer stays."
                )

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(f"text_{code}") for code in LANGUAGE_CODES):
            self.add_error(
                f"text_{LANGUAGE_CODES[0]}", _("Write the question in at least one language.")
            )
        kind = cleaned.get("kind")
        if kind not in WITH_CHOICES:
            return cleaned
        lines = {code: _lines(cleaned.get(f"choices_{code}", "")) for code in LANGUAGE_CODES}
        filled = {code: choices for code, choices in lines.items() if choices}
        if not filled or max(len(choices) for choices in filled.values()) < 2:
            self.add_error(
                f"choices_{LANGUAGE_CODES[0]}", _("Give at least two choices, one per line.")
            )
            return cleaned
        counts = {len(choices) for choices in filled.values()}
        if len(counts) > 1:
            for code, choices in filled.items():
                self.add_error(
                    f"choices_{code}",
                    _("Give the same number of choices in each language (%(count)d here).")
                    % {"count": len(choices)},
                )
        for code, choices in filled.items():
            if any(len(choice) > CHOICE_LENGTH for choice in choices):
                self.add_error(
                    f"choices_{code}",
                    _("Keep each choice to %(count)d characters at most.")
                    % {"count": CHOICE_LENGTH},
                )
        if self.question is not None and self.question.standard:
            existing = len(self.question.choices.all())
            if existing and counts != {existing}:
                self.add_error(
                    f"choices_{LANGUAGE_CODES[0]}",
                    _("This is one of the programme's indicators: keep its %(count)d choices.")
                    % {"count": existing},
                )
        return cleaned

    def data_for_service(self) -> QuestionData:
        cleaned = self.cleaned_data
        kind = cleaned["kind"]
        return QuestionData(
            texts={code: cleaned.get(f"text_{code}", "") for code in LANGUAGE_CODES},
            kind=kind,
            required=cleaned.get("required", False),
            choices={
                code: _lines(cleaned.get(f"choices_{code}", ""))
                for code in LANGUAGE_CODES
                if kind in WITH_CHOICES
            },
        )

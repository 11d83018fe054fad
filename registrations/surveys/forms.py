from django import forms

from registrations.models import Survey
from registrations.questions.fields import question_field


class SurveyForm(forms.Form):
    """One field per question, shaped by its kind (registrations.questions.fields); radios and
    checkboxes work without script."""

    def __init__(self, *args, survey: Survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey = survey
        for question in survey.questions.prefetch_related("choices"):
            self.fields[question.code] = question_field(question)

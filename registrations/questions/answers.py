"""Answers to questions: stored from a form's cleaned values, read back for people and exports."""

from collections.abc import Iterable

from django.utils.translation import gettext as _

from outreach.models import Economy
from registrations.models import Answer, Choice, Question, QuestionKind, SurveyResponse

EMPTY = (None, "", [], ())


def save_answers(response: SurveyResponse, questions: Iterable[Question], cleaned: dict) -> None:
    """Write one Answer per answered question of `response` (unanswered ones get none).

    `cleaned` maps question codes to the values `registrations.questions.fields.question_field`
    cleans: an int (scales), a bool (yes or no), a choice code or a list of them, a list of
    economy codes, a str. Runs inside the caller's transaction."""
    for question in questions:
        value = cleaned.get(question.code)
        if value in EMPTY:
            continue
        answer = Answer(response=response, question=question)
        if question.kind in (QuestionKind.SCALE, QuestionKind.NPS):
            answer.number = int(value)
        elif question.kind == QuestionKind.YES_NO:
            answer.boolean = bool(value)
        elif question.kind in (QuestionKind.TEXT, QuestionKind.SHORT_TEXT):
            answer.text = str(value).strip()
        answer.save()
        codes = value if isinstance(value, (list, tuple)) else [value]
        if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            answer.choices.set(Choice.objects.filter(question=question, code__in=codes))
        elif question.kind == QuestionKind.ECONOMIES:
            answer.economies.set(Economy.objects.filter(code__in=codes))


def answer_value(answer: Answer) -> str | int:
    """One answer as people read it, in the active language: a number, "Yes" or "No", the
    choices' or economies' names joined by commas, or the words. Reads `answer.question`,
    `answer.choices` and `answer.economies`, which callers prefetch."""
    kind = answer.question.kind
    if kind in (QuestionKind.SCALE, QuestionKind.NPS):
        return answer.number
    if kind == QuestionKind.YES_NO:
        return "" if answer.boolean is None else (_("Yes") if answer.boolean else _("No"))
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        choices = sorted(answer.choices.all(), key=lambda choice: (choice.position, choice.pk))
        return ", ".join(choice.text for choice in choices)
    if kind == QuestionKind.ECONOMIES:
        economies = sorted(answer.economies.all(), key=lambda economy: economy.sort_name)
        return ", ".join(economy.name for economy in economies)
    return answer.text


def answer_values(response: SurveyResponse) -> dict[str, str | int]:
    """A response's answers by question code, in the questions' order, as people read them
    (`answer_value`). Uses `response.answers.all()`, so a list prefetches
    `answers__question`, `answers__choices` and `answers__economies` once for all its rows
    (ANSWER_PREFETCH)."""
    answers = sorted(
        response.answers.all(), key=lambda answer: (answer.question.position, answer.question.pk)
    )
    return {answer.question.code: answer_value(answer) for answer in answers}


# What `answer_values` reads, to prefetch from a SurveyResponse queryset (prefix it with the
# relation's path from elsewhere, e.g. "survey_responses__" from registrations).
ANSWER_PREFETCH = ("answers__question", "answers__choices", "answers__economies")

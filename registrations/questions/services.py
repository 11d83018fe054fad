"""The question builder's writes: a session's or series' own survey or registration questions,
and their questions in three languages.

A survey that has answers is frozen: the first change makes its next version (same family,
questions and choices copied, the old one archived) and applies the change there, so every
answer keeps the question it answered. Questions keep their codes from version to version, so
results add up by code. The programme's standard questions (`Question.standard`, the
indicators) keep their code, kind and choice codes; their wording may change.

Each function takes the acting organiser as `by`, runs in one transaction (the survey row is
locked, so two organisers' changes apply one after the other) and writes a QUESTIONS_CHANGED
audit entry.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.models import LANGUAGE_CODES, Series, Session
from outreach import audit
from outreach.models import AuditAction, User
from registrations.models import (
    Choice,
    Question,
    QuestionKind,
    Survey,
    SurveyPurpose,
    SurveyResponse,
)

# The purposes the builder composes (the outcome survey is the programme's, not a session's).
BUILT = (SurveyPurpose.AFTER_SESSION, SurveyPurpose.REGISTRATION)
WITH_CHOICES = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
CODE_LENGTH = 40
# Words of the builder's addresses after a survey's (registrations/questions/urls.py): no
# question takes them as its code.
RESERVED_CODES = frozenset({"add", "preview"})
REGISTRATION_TITLE = gettext_lazy("A few more questions")


class QuestionRefused(ValueError):
    """A change the builder does not make; its message (translated) says why."""


@dataclass(frozen=True)
class QuestionData:
    """A question as the organiser typed it: texts by language, its kind, whether required,
    and for a choice its options by language (the same number in each language filled)."""

    texts: dict[str, str]
    kind: str
    required: bool = False
    choices: dict[str, list[str]] = field(default_factory=dict)


def owner_of(survey: Survey) -> Session | Series:
    return survey.session or survey.series


def _record(by: User, survey: Survey, change: str, **details) -> None:
    audit.record(
        by,
        AuditAction.QUESTIONS_CHANGED,
        owner_of(survey),
        change=change,
        survey=survey.slug,
        version=survey.version,
        purpose=survey.purpose,
        **details,
    )


def _translations(name: str, source) -> dict:
    """`name`'s columns in every language, copied from `source`'s."""
    return {f"{name}_{code}": getattr(source, f"{name}_{code}") for code in LANGUAGE_CODES}


def _copy_questions(source: Survey, target: Survey, *, standard_only: bool = False) -> None:
    questions = source.questions.prefetch_related("choices")
    for question in questions:
        if standard_only and not question.standard:
            continue
        copy = Question.objects.create(
            survey=target,
            code=question.code,
            position=question.position,
            kind=question.kind,
            required=question.required,
            standard=question.standard,
            **_translations("text", question),
        )
        Choice.objects.bulk_create(
            Choice(
                question=copy,
                code=choice.code,
                position=choice.position,
                **_translations("text", choice),
            )
            for choice in question.choices.all()
        )


def _free_slug(base: str) -> str:
    slug, number = base[:50], 2
    while Survey.objects.filter(slug=slug).exists():
        slug = f"{base[:45]}-{number}"
        number += 1
    return slug


@transaction.atomic
def create_survey(
    *,
    purpose: str,
    session: Session | None = None,
    series: Series | None = None,
    from_standard: bool = False,
    by: User,
) -> Survey:
    """A session's or a series' own survey after the session, or its registration questions.

    `from_standard` starts a survey after the session from the programme's standard questions
    (the default survey's indicators, copied with their codes, so that figures add them up).
    Returns the current one when it exists already (a second click makes nothing new). Writes
    the survey, its copied questions and a QUESTIONS_CHANGED audit entry."""
    if purpose not in BUILT or (session is None) == (series is None):
        raise ValueError("A built survey is after the session or for registration, of one owner.")
    owner = session or series
    current = Survey.objects.select_for_update().filter(
        purpose=purpose, session=session, series=series, archived_at=None
    )
    if (existing := current.first()) is not None:
        return existing
    default = (
        Survey.objects.filter(purpose=SurveyPurpose.AFTER_SESSION, is_default=True)
        .filter(archived_at=None)
        .first()
    )
    titles = {}
    if purpose == SurveyPurpose.AFTER_SESSION and default is not None:
        titles = _translations("title", default)
    else:
        for code in LANGUAGE_CODES:
            with translation.override(code):
                titles[f"title_{code}"] = str(REGISTRATION_TITLE)
    kind = "session" if session is not None else "series"
    slug = _free_slug(f"{kind}-{owner.pk}-{purpose.replace('_', '-')}")
    survey = Survey.objects.create(
        slug=slug,
        family=slug,
        purpose=purpose,
        session=session,
        series=series,
        **titles,
        **(
            {
                "anonymous": default.anonymous,
                "open_days": default.open_days,
                "reminder_days": default.reminder_days,
            }
            if purpose == SurveyPurpose.AFTER_SESSION and default is not None
            else {}
        ),
    )
    if from_standard and purpose == SurveyPurpose.AFTER_SESSION and default is not None:
        _copy_questions(default, survey, standard_only=True)
    _record(by, survey, "created", from_standard=bool(from_standard))
    return survey


def _editable(survey: Survey) -> Survey:
    """The survey to change: itself while nobody answered it, else its next version (questions
    and choices copied, codes kept; this one archived). Locks the survey row; raises
    QuestionRefused for a version that was replaced meanwhile."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.archived_at is not None:
        raise QuestionRefused(
            _("This survey has a newer version meanwhile; open its questions again.")
        )
    if not SurveyResponse.objects.filter(survey=survey).exists():
        return survey
    survey.archived_at = timezone.now()
    survey.save(update_fields=["archived_at"])
    version = survey.version + 1
    following = Survey.objects.create(
        slug=_free_slug(f"{survey.family}-v{version}"),
        family=survey.family,
        version=version,
        purpose=survey.purpose,
        session=survey.session,
        series=survey.series,
        is_default=survey.is_default,
        anonymous=survey.anonymous,
        open_days=survey.open_days,
        reminder_days=survey.reminder_days,
        **_translations("title", survey),
    )
    _copy_questions(survey, following)
    return following


def _question(survey: Survey, code: str) -> Question:
    question = survey.questions.filter(code=code).first()
    if question is None:
        raise QuestionRefused(_("This question is no longer in the survey."))
    return question


def _code(text: str, taken: set[str]) -> str:
    """A code from the words (English first), e.g. "main_product", unique among `taken`."""
    words = slugify(text).replace("-", "_")
    if len(words) > CODE_LENGTH:
        words = words[:CODE_LENGTH].rsplit("_", 1)[0]
    base = words.strip("_") or "question"
    code, number = base, 2
    while code in taken or code in RESERVED_CODES:
        code = f"{base}_{number}"
        number += 1
    return code


def _first_text(texts: dict[str, str]) -> str:
    return next((texts[code] for code in LANGUAGE_CODES if texts.get(code)), "")


def _check(data: QuestionData) -> None:
    """What the form checks too, checked again for any other caller."""
    if data.kind not in QuestionKind.values:
        raise QuestionRefused(_("Choose a kind of question."))
    if not _first_text(data.texts):
        raise QuestionRefused(_("Write the question in at least one language."))
    if data.kind in WITH_CHOICES:
        counts = {len(lines) for lines in data.choices.values() if lines}
        if not counts or min(counts) < 2:
            raise QuestionRefused(_("Give at least two choices, one per line."))
        if len(counts) > 1:
            raise QuestionRefused(_("Give the same number of choices in each language."))


def _family_codes(survey: Survey) -> set[str]:
    """Every question code any version of the survey used: a new question never takes the code
    of a deleted one, whose answers meant something else."""
    return set(Question.objects.filter(survey__family=survey.family).values_list("code", flat=True))


def _set_texts(obj, texts: dict[str, str], name: str = "text") -> None:
    # Only the language columns: assigning the field itself would write the active language's
    # (modeltranslation), and a language left empty falls back to one that is filled.
    for code in LANGUAGE_CODES:
        setattr(obj, f"{name}_{code}", texts.get(code, "").strip())


def _choice_lines(data: QuestionData) -> list[dict[str, str]]:
    """The choices, each as its texts by language."""
    count = max((len(lines) for lines in data.choices.values()), default=0)
    return [
        {
            code: (data.choices.get(code) or [""] * count)[index]
            for code in LANGUAGE_CODES
            if data.choices.get(code)
        }
        for index in range(count)
    ]


def _set_choices(question: Question, data: QuestionData) -> None:
    """Replace the question's choices by the typed ones. A choice keeps its code when its
    English (or first) words are unchanged, else the code of the choice at its place when the
    number of choices is unchanged; a new one gets a code from its words. A standard question
    keeps its choices' codes: only their wording changes, and their number may not."""
    existing = list(question.choices.all())
    lines = _choice_lines(data) if data.kind in WITH_CHOICES else []
    if question.standard and existing and len(lines) != len(existing):
        raise QuestionRefused(
            _("This is one of the programme's indicators: keep its %(count)d choices.")
            % {"count": len(existing)}
        )
    by_words = {_first_text(_translations_of(choice)): choice.code for choice in existing}
    codes: list[str] = []
    for index, texts in enumerate(lines):
        code = by_words.get(_first_text(texts))
        if code is None and len(lines) == len(existing):
            code = existing[index].code
        if code is None or code in codes:
            code = _code(_first_text(texts), set(codes) | set(by_words.values()))
        codes.append(code)
    if question.standard:
        codes = [choice.code for choice in existing]
    question.choices.all().delete()
    for position, (code, texts) in enumerate(zip(codes, lines, strict=True)):
        choice = Choice(question=question, code=code, position=position)
        _set_texts(choice, texts)
        choice.save()


def _translations_of(obj, name: str = "text") -> dict[str, str]:
    return {code: getattr(obj, f"{name}_{code}") or "" for code in LANGUAGE_CODES}


@transaction.atomic
def add_question(survey: Survey, *, data: QuestionData, by: User) -> Question:
    """Add a question at the end of the survey (of its next version once it has answers). Its
    code comes from its English words and stays through later versions. Writes the question,
    its choices and a QUESTIONS_CHANGED audit entry; raises QuestionRefused, changing nothing."""
    _check(data)
    survey = _editable(survey)
    last = survey.questions.aggregate(last=Max("position"))["last"]
    question = Question(
        survey=survey,
        code=_code(_first_text(data.texts), _family_codes(survey)),
        position=0 if last is None else last + 1,
        kind=data.kind,
        required=data.required,
    )
    _set_texts(question, data.texts)
    question.save()
    _set_choices(question, data)
    _record(by, survey, "added", question=question.code, kind=question.kind)
    return question


@transaction.atomic
def edit_question(survey: Survey, code: str, *, data: QuestionData, by: User) -> Question:
    """Change a question's words, kind, choices or whether it is required (in the survey's next
    version once it has answers); its code stays. A standard question keeps its kind and its
    choices' codes. Writes a QUESTIONS_CHANGED audit entry; raises QuestionRefused, changing
    nothing."""
    _check(data)
    survey = _editable(survey)
    question = _question(survey, code)
    if question.standard and data.kind != question.kind:
        raise QuestionRefused(
            _("This is one of the programme's indicators: its kind of answer cannot change.")
        )
    changed_kind = question.kind != data.kind
    if changed_kind and question.answers.exists():
        # Only reachable when answers exist in this very version, which _editable prevents.
        raise QuestionRefused(_("This question has answers: its kind cannot change."))
    question.kind = data.kind
    question.required = data.required
    _set_texts(question, data.texts)
    question.save()
    _set_choices(question, data)
    _record(by, survey, "edited", question=question.code, kind=question.kind)
    return question


@transaction.atomic
def delete_question(survey: Survey, code: str, *, by: User) -> Survey:
    """Remove a question (from the survey's next version once it has answers: the answers keep
    the old version's question). The programme's standard questions stay. Writes a
    QUESTIONS_CHANGED audit entry; returns the survey changed."""
    current = Survey.objects.get(pk=survey.pk)
    if _question(current, code).standard:
        raise QuestionRefused(
            _(
                "This is one of the programme's indicators: it stays in the survey, so that "
                "its figures remain comparable. You may change its wording."
            )
        )
    survey = _editable(survey)
    _question(survey, code).delete()
    _record(by, survey, "deleted", question=code)
    return survey


@transaction.atomic
def move_question(survey: Survey, code: str, *, up: bool, by: User) -> Survey:
    """Swap a question with the one before (`up`) or after it. Writes a QUESTIONS_CHANGED audit
    entry; returns the survey changed (nothing changes at either end)."""
    questions = list(Survey.objects.get(pk=survey.pk).questions.all())
    codes = [question.code for question in questions]
    if code not in codes:
        raise QuestionRefused(_("This question is no longer in the survey."))
    index = codes.index(code)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(codes):
        return survey
    survey = _editable(survey)
    ordered = list(survey.questions.all())
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, question in enumerate(ordered):
        if question.position != position:
            question.position = position
            question.save(update_fields=["position"])
    _record(by, survey, "moved", question=code, up=up)
    return survey

"""The builder's screens: a session's or series' survey after the session and its registration
questions, composed in English, French and Spanish, and previewed in each language.

Organisers only (`require(can_manage_sessions)`). Each view parses the request, calls one
service of registrations.questions.services (which writes the change, versions a survey that
has answers, and writes the audit entry) or one query, and renders or redirects. Every screen
works without JavaScript: moving a question is a POST button.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from events.models import LANGUAGE_CODES, Series, Session
from events.permissions import can_manage_sessions
from outreach.permissions import require
from registrations.models import Survey, SurveyPurpose
from registrations.questions import queries, services
from registrations.questions.forms import QuestionForm
from registrations.surveys.forms import SurveyForm

# The address's word for each purpose the builder composes.
PURPOSES = {"survey": SurveyPurpose.AFTER_SESSION, "registration": SurveyPurpose.REGISTRATION}


@dataclass(frozen=True)
class Place:
    """Whose questions (a session's or a series'), for what purpose, and their addresses."""

    purpose: str
    word: str  # "survey" or "registration", as in the address
    session: Session | None = None
    series: Series | None = None

    def url(self, name: str, code: str | None = None) -> str:
        if self.session is not None:
            prefix, kwargs = "registrations:", {"pk": self.session.pk}
        else:
            prefix, kwargs = "registrations:series-", {"slug": self.series.slug}
        kwargs["purpose"] = self.word
        if code is not None:
            kwargs["question"] = code
        return reverse(prefix + name, kwargs=kwargs)

    # The addresses templates link to (they cannot pass arguments).
    @property
    def url_list(self) -> str:
        return self.url("questions")

    @property
    def url_add(self) -> str:
        return self.url("question-add")

    @property
    def url_preview(self) -> str:
        return self.url("questions-preview")

    @property
    def owner_url(self) -> str:
        if self.session is not None:
            return reverse("events:session-edit", args=[self.session.pk])
        return reverse("events:series-edit", args=[self.series.slug])

    @property
    def owner_title(self) -> str:
        return self.session.display_title if self.session is not None else self.series.title

    @property
    def heading(self) -> str:
        return SurveyPurpose(self.purpose).label

    @property
    def other(self) -> "Place":
        """The same owner's other composition (survey after the session ↔ registration)."""
        word = "registration" if self.word == "survey" else "survey"
        return Place(PURPOSES[word], word, self.session, self.series)

    def own_survey(self) -> Survey | None:
        return queries.own_survey(purpose=self.purpose, session=self.session, series=self.series)


def _place(purpose: str, pk: int | None = None, slug: str | None = None) -> Place:
    if purpose not in PURPOSES:
        raise Http404
    if pk is not None:
        return Place(PURPOSES[purpose], purpose, session=get_object_or_404(Session, pk=pk))
    return Place(PURPOSES[purpose], purpose, series=get_object_or_404(Series, slug=slug))


def _survey(place: Place) -> Survey:
    survey = place.own_survey()
    if survey is None:
        raise Http404
    return survey


def _question(survey: Survey, code: str):
    for question in survey.questions.all():
        if question.code == code:
            return question
    raise Http404


def _context(place: Place, **extra) -> dict:
    return {"place": place, "session": place.session, "series": place.series, **extra}


@require(can_manage_sessions)
@require_http_methods(["GET", "POST"])
def questions(request, purpose, pk=None, slug=None):
    """The questions in order, with their kinds, each to move, edit or delete; or, before there
    are any, the ways to start (POST: from the programme's standard questions, or empty)."""
    place = _place(purpose, pk, slug)
    if request.method == "POST":
        services.create_survey(
            purpose=place.purpose,
            session=place.session,
            series=place.series,
            from_standard=request.POST.get("start") == "standard",
            by=request.user,
        )
        messages.success(request, _("The questions are ready to compose."))
        return redirect(place.url("questions"))
    survey = place.own_survey()
    rows = [
        {
            "question": question,
            "edit": place.url("question-edit", question.code),
            "delete": place.url("question-delete", question.code),
            "move": place.url("question-move", question.code),
        }
        for question in (survey.questions.all() if survey else [])
    ]
    return render(
        request,
        "registrations/manage/questions.html",
        _context(
            place,
            survey=survey,
            rows=rows,
            answers=queries.response_count(survey) if survey else 0,
            inherited=queries.inherited_survey(place.session, place.purpose)
            if survey is None
            else None,
        ),
    )


def _question_form(request, place: Place, survey: Survey, question=None):
    form = QuestionForm(request.POST or None, question=question)
    if request.method == "POST" and form.is_valid():
        data = form.data_for_service()
        try:
            if question is None:
                services.add_question(survey, data=data, by=request.user)
                messages.success(request, _("The question is added."))
            else:
                services.edit_question(survey, question.code, data=data, by=request.user)
                messages.success(request, _("The question is saved."))
        except services.QuestionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            return redirect(place.url("questions"))
    return render(
        request,
        "registrations/manage/questions_form.html",
        _context(
            place,
            survey=survey,
            form=form,
            question=question,
            languages=[
                (code, form[f"text_{code}"], form[f"choices_{code}"]) for code in LANGUAGE_CODES
            ],
            answers=queries.response_count(survey),
        ),
        status=400 if request.method == "POST" else 200,
    )


@require(can_manage_sessions)
@require_http_methods(["GET", "POST"])
def question_add(request, purpose, pk=None, slug=None):
    place = _place(purpose, pk, slug)
    survey = place.own_survey()
    if survey is None:
        return redirect(place.url("questions"))
    return _question_form(request, place, survey)


@require(can_manage_sessions)
@require_http_methods(["GET", "POST"])
def question_edit(request, purpose, question, pk=None, slug=None):
    """`question` is the question's code, which stays from version to version."""
    place = _place(purpose, pk, slug)
    survey = _survey(place)
    return _question_form(request, place, survey, _question(survey, question))


@require(can_manage_sessions)
@require_http_methods(["GET", "POST"])
def question_delete(request, purpose, question, pk=None, slug=None):
    """GET asks first; POST deletes (from the next version once the survey has answers)."""
    place = _place(purpose, pk, slug)
    survey = _survey(place)
    found = _question(survey, question)
    if request.method == "POST":
        try:
            services.delete_question(survey, question, by=request.user)
        except services.QuestionRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _("The question is deleted."))
        return redirect(place.url("questions"))
    return render(
        request,
        "registrations/manage/questions_delete.html",
        _context(place, survey=survey, question=found, answers=queries.response_count(survey)),
    )


@require(can_manage_sessions)
@require_POST
def question_move(request, purpose, question, pk=None, slug=None):
    place = _place(purpose, pk, slug)
    survey = _survey(place)
    _question(survey, question)
    try:
        services.move_question(
            survey, question, up=request.POST.get("direction") != "down", by=request.user
        )
    except services.QuestionRefused as refusal:
        messages.error(request, str(refusal))
    return redirect(place.url("questions"))


@require(can_manage_sessions)
@require_GET
def questions_preview(request, purpose, pk=None, slug=None):
    """The form as a firm sees it, in the language asked (?language=fr): rendered under that
    language, so the labels, choices and the words around them are the firm's."""
    place = _place(purpose, pk, slug)
    survey = _survey(place)
    language = request.GET.get("language", "")
    if language not in LANGUAGE_CODES:
        language = translation.get_language() or LANGUAGE_CODES[0]
    with translation.override(language):
        preview = render_to_string(
            "registrations/manage/questions_preview_form.html",
            {"form": SurveyForm(survey=survey), "survey": survey},
            request=request,
        )
    return render(
        request,
        "registrations/manage/questions_preview.html",
        _context(
            place,
            survey=survey,
            preview=preview,
            language=language,
            languages=[
                (
                    code,
                    translation.get_language_info(code)["name_local"],
                    f"{place.url('questions-preview')}?language={code}",
                )
                for code in LANGUAGE_CODES
            ],
        ),
    )

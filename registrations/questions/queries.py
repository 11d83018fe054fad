"""Reads for the builder: the survey a session or series composes, and what it inherits."""

from django.db.models import Prefetch

from events.models import Series, Session
from registrations.models import Choice, Question, Survey, SurveyPurpose, SurveyResponse


def own_survey(
    *, purpose: str, session: Session | None = None, series: Series | None = None
) -> Survey | None:
    """The current version of the session's or series' own survey of this purpose, its
    questions and their choices prefetched in order; None when it has none."""
    return (
        Survey.objects.filter(purpose=purpose, session=session, series=series, archived_at=None)
        .prefetch_related(
            Prefetch(
                "questions",
                queryset=Question.objects.order_by("position", "pk").prefetch_related(
                    Prefetch("choices", queryset=Choice.objects.order_by("position", "pk"))
                ),
            )
        )
        .first()
    )


def inherited_survey(session: Session | None, purpose: str) -> Survey | None:
    """What a session without its own survey of this purpose asks: its series' survey; for the
    survey after the session, else the programme's standard survey. None for a series (the
    standard survey is the series' fallback, shown apart)."""
    current = Survey.objects.filter(purpose=purpose, archived_at=None)
    if session is not None and session.series_id:
        series_survey = current.filter(series_id=session.series_id).first()
        if series_survey is not None:
            return series_survey
    if purpose != SurveyPurpose.AFTER_SESSION or session is None:
        return None
    return current.filter(is_default=True).first()


def response_count(survey: Survey) -> int:
    """How many answered this version (a change then makes the next version)."""
    return SurveyResponse.objects.filter(survey=survey).count()

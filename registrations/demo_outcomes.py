"""Demo outcome surveys: every demo organisation whose period in a series has ended (its first
attendance there is the series' months back, six by default) was asked what came of it, as
registrations.surveys.outcomes would have asked, and about half answered, so that the dashboard
shows realised outcomes: some exported, to markets across several economies, some found a partner,
and the session's contribution is a mix.

Written directly (no messages are queued, so the workers send none for these periods); the
periods are outcomes' own, so seeding twice changes nothing."""

import random
from datetime import datetime, timedelta

from events.models import add_months
from outreach.models import Economy
from registrations.models import (
    Answer,
    Choice,
    Registration,
    SurveyInvitation,
    SurveyResponse,
)
from registrations.surveys import outcomes

# Where demo firms say they exported to: big buyers, regional neighbours, a few others.
MARKETS = ["US", "DE", "CN", "FR", "GB", "JP", "NL", "AE", "ZA", "KE", "BR", "MX", "IN", "CA"]
CONTRIBUTION = ["not_at_all", "somewhat", "somewhat", "a_lot", "a_lot"]


def seed(now: datetime) -> int:
    """Invite and answer for every period ended by `now` that has none; returns how many
    invitations were written. Runs inside registrations.demo.seed's transaction."""
    survey = outcomes.current_outcome_survey()
    if survey is None:
        return 0
    due = outcomes.due_periods(now=now, late=None)
    chosen = outcomes.anchors(due)
    if not chosen:
        return 0
    months_of = {}
    registrations = Registration.objects.select_related("session__series", "person").in_bulk(
        chosen.values()
    )
    questions = {question.code: question for question in survey.questions.all()}
    contribution = {c.code: c for c in Choice.objects.filter(question=questions["contribution"])}
    markets = list(Economy.objects.filter(code__in=MARKETS))
    answers, market_links, choice_links = [], [], []
    for (series_id, organisation_id, start), anchor in sorted(chosen.items()):
        registration = registrations[anchor]
        months = months_of.setdefault(series_id, registration.session.series.outcome_survey_months)
        sent = add_months(start, months)
        pick = random.Random(f"outcome-{series_id}-{organisation_id}-{start:%Y%m%d}")  # noqa: S311
        closes_at = sent + timedelta(days=survey.open_days)
        answered = pick.random() < 0.55 and closes_at <= now
        submitted_at = sent + timedelta(days=pick.randint(0, 6), hours=pick.randint(1, 20))
        invitation = SurveyInvitation.objects.create(
            survey=survey,
            registration=registration,
            organisation_id=organisation_id,
            series_id=series_id,
            period_starts_at=start,
            created_at=sent,
            closes_at=closes_at,
            reminded_at=sent + timedelta(days=survey.reminder_days),
            used_at=submitted_at if answered else None,
        )
        if not answered:
            continue
        response = SurveyResponse.objects.create(
            survey=survey,
            session=registration.session,
            registration=registration,
            economy_id=registration.economy_id,
            organisation_kind=registration.organisation_kind,
            size_band=registration.size_band,
            women_led=registration.women_led,
            youth_led=registration.youth_led,
            language=registration.person.language,
            submitted_at=invitation.used_at,
        )
        exported = pick.random() < 0.45
        answers.append(
            Answer(response=response, question=questions["exported_since"], boolean=exported)
        )
        if exported:
            where = Answer(response=response, question=questions["export_markets"])
            answers.append(where)
            market_links.append((where, pick.sample(markets, pick.randint(1, 3))))
        answers.append(
            Answer(
                response=response,
                question=questions["found_partner"],
                boolean=pick.random() < (0.5 if exported else 0.2),
            )
        )
        said = Answer(response=response, question=questions["contribution"])
        answers.append(said)
        choice_links.append((said, contribution[pick.choice(CONTRIBUTION)]))
    Answer.objects.bulk_create(answers)
    Answer.economies.through.objects.bulk_create(
        Answer.economies.through(answer_id=answer.pk, economy_id=economy.pk)
        for answer, economies in market_links
        for economy in economies
    )
    Answer.choices.through.objects.bulk_create(
        Answer.choices.through(answer_id=answer.pk, choice_id=choice.pk)
        for answer, choice in choice_links
    )
    return len(chosen)

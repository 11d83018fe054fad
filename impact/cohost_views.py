"""A co-host's workspace: its sessions with counts, its registrants (as far as each agreed to
share), figures, exports and invitation links. Everything starts from
events.permissions.cohost_sessions, so another organisation's sessions are simply not found."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from events import permissions as events_permissions
from impact import invitations, labels, permissions, services, tables
from impact.filters import ImpactFilters
from impact.outside import Figures
from impact.queries import Audience
from outreach import permissions as base
from outreach.exports import content_disposition, csv_response, export_filename
from outreach.permissions import require
from registrations import queries
from registrations.embed import services as embed
from registrations.permissions import cohost_may_see_details


@require(base.is_cohost_member)
@require_GET
def home(request):
    sessions = list(
        events_permissions.cohost_sessions(request.user)
        .order_by("-starts_at")
        .select_related("series")
    )
    # Counts as the small-number rule lets this co-host see them (impact.outside): None hidden.
    figures = Figures(Audience.cohost(request.user.organisation_id))
    for session in sessions:
        session.counts = tables.workspace_counts(figures, session)
        session.shown_counts = {
            name: labels.format_count(count) for name, count in session.counts.items()
        }
    return render(
        request,
        "cohost/home.html",
        {
            "organisation": request.user.organisation,
            "sessions": sessions,
            "can_propose": events_permissions.can_propose_sessions(request.user),
        },
    )


def _session(request, pk):
    return get_object_or_404(events_permissions.cohost_sessions(request.user), pk=pk)


def _questions(session) -> list:
    """The session's registration questions (its own, else its series'), in order."""
    survey = queries.registration_survey(session)
    return list(survey.questions.all()) if survey else []


def _row(registration, user, questions=()) -> dict:
    """What a co-host member sees of one registrant listed (queries.cohost_registrants): the
    details, and the answers to the registration questions, only as far as
    registrations.permissions lets it."""
    shared = cohost_may_see_details(user, registration)
    organisation = registration.organisation
    answers = queries.registration_answers(registration) if shared else {}
    return {
        "name": registration.person.full_name if shared else "",
        "email": registration.person.email if shared else "",
        "organisation": organisation.name if shared else "",
        "economy": organisation.economy.name,
        "kind": organisation.get_kind_display(),
        "size": organisation.get_size_band_display(),
        "status": registration.get_status_display(),
        "via_link": registration.source == "cohost",
        "shared": shared,
        "answers": [(question.text, answers.get(question.code, "")) for question in questions],
    }


@require(base.is_cohost_member)
@require_GET
def session(request, pk):
    session = _session(request, pk)
    organisation = request.user.organisation
    questions = _questions(session)
    registrants = [
        _row(r, request.user, questions)
        for r in queries.cohost_registrants(session, organisation.pk)
    ]
    figures = Figures(Audience.cohost(organisation.pk))
    held = session.ends_at <= timezone.now()
    share = (
        invitations.share_links(session, organisation)
        if invitations.shareable(session) and session.cohosts.filter(pk=organisation.pk).exists()
        else None
    )
    return render(
        request,
        "cohost/session.html",
        {
            "session": session,
            "organisation": organisation,
            "registrants": registrants,
            "questions": questions,
            "figures": tables.workspace_figures(figures, session),
            # What came of it, months later (the outcome survey), once held.
            "outcomes": tables.outcomes(figures.outcomes(ImpactFilters(session=session.pk)))
            if held
            else None,
            # Only a published session has a registration page to share (none for drafts).
            "share": share,
            # The code to paste into the co-host's own site, once it has listed that site.
            "embed_snippet": embed.snippet(
                session, organisation, language=translation.get_language()[:2]
            )
            if share and organisation.embed_origins
            else "",
            "can_suggest": events_permissions.can_suggest_texts(request.user, session),
            # Once held, its survey results (impact:session, as far as this co-host may see).
            "results_url": reverse("impact:session", args=[session.pk]) + "#survey-results"
            if session.ends_at <= timezone.now()
            and permissions.drill_down_sessions(Audience.cohost(organisation.pk))
            .filter(pk=session.pk)
            .exists()
            else "",
        },
    )


COLUMNS = ["name", "email", "organisation", "economy", "kind", "size", "status"]
# The CSV's header, in the request's language; its cells are what the page shows (_row).
COLUMN_LABELS = {
    "name": gettext_lazy("Name"),
    "email": gettext_lazy("Email"),
    "organisation": gettext_lazy("Organisation"),
    "economy": gettext_lazy("Economy"),
    "kind": gettext_lazy("Kind of organisation"),
    "size": gettext_lazy("Firm size"),
    "status": gettext_lazy("Status"),
}


@require(base.is_cohost_member)
@require_GET
def registrants_csv(request, pk):
    session = _session(request, pk)
    registrants = services.export_cohost_registrants(session, by=request.user)
    questions = _questions(session)

    def rows():
        # A column per registration question, headed by its text in English, as in the
        # organisers' export (registrations.organiser_views.registration_csv).
        yield [str(COLUMN_LABELS[column]) for column in COLUMNS] + [
            question.text_en or question.text for question in questions
        ]
        for registration in registrants.iterator(chunk_size=2000):
            row = _row(registration, request.user, questions)
            yield [row[column] for column in COLUMNS] + [answer for _q, answer in row["answers"]]

    filename = export_filename(
        "registrants", f"session-{session.pk}", translation.get_language(), extension="csv"
    )
    return csv_response(rows(), filename)


@require(base.can_view_impact)
@require_GET
def invitation_qr(request, pk, organisation, fmt):
    """A co-host's invitation link for a session as a QR code to print (SVG) or download (PNG):
    for that co-host's members and programme staff; anyone else, another organisation's members
    included, finds nothing (404), and neither does a session that is not published."""
    if fmt not in invitations.QR_KINDS:
        raise Http404
    session, cohost = permissions.invitation_to_share(request.user, pk, organisation)
    code = invitations.qr_code(invitations.invitation_url(session, cohost), fmt)
    response = HttpResponse(code, content_type=invitations.QR_KINDS[fmt])
    if fmt == "png":
        filename = export_filename("invitation", f"session-{session.pk}", extension="png")
        response["Content-Disposition"] = content_disposition(filename)
    return response

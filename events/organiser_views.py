"""The organisers' screens for sessions and series: list, create, edit, duplicate, publish,
reschedule, cancel, plan a quarter, set a series' retention period. Every view asks
events.permissions first, then calls one service of events.services, which writes the change
and its audit entry in one transaction."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from events import queries, services
from events.forms import PlanQuarterForm, RescheduleForm, SeriesForm, SessionForm
from events.models import Series, Session, SessionStatus, TextSuggestion
from events.permissions import can_manage_sessions
from outreach.periods import next_quarter
from outreach.permissions import require


@require(can_manage_sessions)
def session_list(request):
    status = request.GET.get("status", "")
    if status not in SessionStatus.values:
        status = ""
    text = " ".join(request.GET.get("q", "").split())[:100]
    page = Paginator(queries.managed_sessions(status=status, text=text), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "events/manage/session_list.html",
        {
            "page": page,
            "sessions": list(page.object_list),
            "status": status,
            "statuses": SessionStatus.choices,
            "text": text,
            "query": urlencode({"status": status, "q": text}),
        },
    )


@require(can_manage_sessions)
@require_http_methods(["GET", "POST"])
def session_create(request):
    form = SessionForm(request.POST or None, initial={"time_zone": request.user.time_zone})
    if request.method == "POST" and form.is_valid():
        session = services.create_session(form.instance, by=request.user, **form.related())
        messages.success(request, _("The session is saved as a draft."))
        return redirect("events:session-edit", pk=session.pk)
    return render(request, "events/manage/session_form.html", {"form": form, "session": None})


@require(can_manage_sessions)
@require_http_methods(["GET", "POST"])
def session_edit(request, pk):
    """The session's form; its Publish button saves what was typed first, then publishes (or,
    for an online session without a join link, asks first on the publish page)."""
    session = get_object_or_404(Session, pk=pk)
    form = SessionForm(request.POST or None, instance=session)
    publishing = request.method == "POST" and "publish" in request.POST
    if request.method == "POST" and form.is_valid():
        services.edit_session(
            form.instance, by=request.user, fields=form.changed_data, **form.related()
        )
        if not publishing:
            messages.success(request, _("The session is saved."))
            return redirect("events:session-edit", pk=session.pk)
        if services.lacks_join_link(session):
            messages.success(request, _("The session is saved."))
            return redirect("events:session-publish", pk=session.pk)
        _publish(request, session)
        return redirect("events:session-edit", pk=session.pk)
    if publishing:
        messages.error(request, _("Nothing is saved or published: correct the form first."))
    return render(
        request,
        "events/manage/session_form.html",
        {
            "form": form,
            "session": session,
            "lacks_join_link": services.lacks_join_link(Session.objects.get(pk=session.pk)),
        },
    )


@require(can_manage_sessions)
@require_POST
def session_duplicate(request, pk):
    original = get_object_or_404(Session, pk=pk)
    copy = services.duplicate_session(original, by=request.user)
    messages.success(request, _("This is a draft copy: change its time before publishing it."))
    return redirect("events:session-edit", pk=copy.pk)


def _publish(request, session: Session) -> None:
    try:
        services.publish_session(session, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The session is published."))


@require(can_manage_sessions)
@require_http_methods(["GET", "POST"])
def session_publish(request, pk):
    """Publish a session; an online or hybrid one without a join link only once the organiser
    has confirmed it on this page (`without_join_link`)."""
    session = get_object_or_404(Session, pk=pk)
    warn = services.lacks_join_link(session)
    if request.method == "POST" and (not warn or request.POST.get("without_join_link")):
        _publish(request, session)
        return redirect("events:session-edit", pk=pk)
    if session.status != SessionStatus.DRAFT:
        return redirect("events:session-edit", pk=pk)
    return render(request, "events/manage/session_publish.html", {"session": session, "warn": warn})


@require(can_manage_sessions)
@require_http_methods(["GET", "POST"])
def session_reschedule(request, pk):
    session = get_object_or_404(Session, pk=pk)
    form = RescheduleForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.reschedule_session(
                session,
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
                by=request.user,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The session is moved to its new time."))
            return redirect("events:session-edit", pk=pk)
    return render(
        request, "events/manage/session_reschedule.html", {"form": form, "session": session}
    )


@require(can_manage_sessions)
@require_http_methods(["GET", "POST"])
def session_cancel(request, pk):
    session = get_object_or_404(Session, pk=pk)
    if request.method == "POST":
        if session.status != SessionStatus.CANCELLED:
            services.cancel_session(session, by=request.user)
            messages.success(request, _("The session is cancelled."))
        return redirect("events:session-edit", pk=pk)
    return render(request, "events/manage/session_cancel.html", {"session": session})


@require(can_manage_sessions)
@require_http_methods(["GET", "POST"])
def plan_quarter(request):
    """Three sessions of a quarter at once. Without JavaScript, "Set the dates and titles" sends
    the form back with the chosen quarter's dates and the topic's names as titles."""
    year, quarter = next_quarter(timezone.localdate())
    if request.method == "POST" and "set_dates" in request.POST:
        form = PlanQuarterForm.for_quarter_of(request.POST, year=year, quarter=quarter)
        return render(request, "events/manage/plan_quarter.html", {"form": form})
    form = PlanQuarterForm(request.POST or None, year=year, quarter=quarter)
    if request.method == "POST" and form.is_valid():
        plan = form.plan()
        try:
            sessions = services.plan_quarter(by=request.user, **plan)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            if plan["publish"]:
                messages.success(
                    request,
                    _("%(count)s sessions are planned and published: add their join links.")
                    % {"count": len(sessions)},
                )
                return redirect(reverse("events:manage-sessions") + "?status=published")
            messages.success(
                request,
                _("%(count)s draft sessions are planned: review and publish each.")
                % {"count": len(sessions)},
            )
            return redirect(reverse("events:manage-sessions") + "?status=draft")
    return render(request, "events/manage/plan_quarter.html", {"form": form})


@require(can_manage_sessions)
@require_GET
def proposals(request):
    return render(
        request,
        "events/manage/proposals.html",
        {
            "proposals": list(queries.pending_proposals()),
            "suggestions": list(queries.pending_suggestions()),
        },
    )


@require(can_manage_sessions)
@require_POST
def proposal_decline(request, pk):
    session = get_object_or_404(Session, pk=pk, proposed_by__isnull=False, status="draft")
    services.decline_proposal(session, by=request.user)
    messages.success(request, _("The proposal is declined."))
    return redirect("events:proposals")


@require(can_manage_sessions)
@require_POST
def suggestion_review(request, pk):
    suggestion = get_object_or_404(TextSuggestion, pk=pk)
    accept = request.POST.get("decision") == "accept"
    services.review_suggestion(suggestion, accept=accept, by=request.user)
    messages.success(
        request, _("The suggestion is applied.") if accept else _("The suggestion is declined.")
    )
    return redirect("events:proposals")


# --- Series ---------------------------------------------------------------------------------


@require(can_manage_sessions)
@require_GET
def series_list(request):
    return render(
        request, "events/manage/series_list.html", {"series_list": list(queries.all_series())}
    )


@require(can_manage_sessions)
@require_http_methods(["GET", "POST"])
def series_edit(request, slug):
    """A series' texts and retention period (after which registrations are anonymised)."""
    series = get_object_or_404(Series, slug=slug)
    form = SeriesForm(request.POST or None, instance=series)
    if request.method == "POST" and form.is_valid():
        services.edit_series(form.instance, by=request.user, fields=form.changed_data)
        messages.success(request, _("The series is saved."))
        return redirect("events:series-list")
    return render(request, "events/manage/series_form.html", {"form": form, "series": series})

"""Co-hosts acting on sessions: propose one, suggest better wording. Managers only."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from events import services
from events.forms import ProposalForm, SuggestionForm
from events.models import Session
from events.permissions import can_propose_sessions, cohost_sessions
from outreach.permissions import require


@require(can_propose_sessions)
@require_http_methods(["GET", "POST"])
def propose(request):
    form = ProposalForm(
        request.POST or None,
        instance=Session(language=request.user.language),
        initial={"time_zone": request.user.time_zone},
    )
    if request.method == "POST" and form.is_valid():
        services.propose_session(
            form.instance,
            by=request.user,
            organisation=request.user.organisation,
            **form.related(),
        )
        messages.success(request, _("Your proposal is sent: the organisers will review it."))
        return redirect("cohost:home")
    return render(request, "cohost/propose.html", {"form": form})


@require(can_propose_sessions)
@require_http_methods(["GET", "POST"])
def suggest(request, pk):
    session = get_object_or_404(cohost_sessions(request.user), pk=pk)
    form = SuggestionForm(request.POST or None, initial={"language": session.language})
    if request.method == "POST" and form.is_valid():
        services.suggest_text(
            session, by=request.user, organisation=request.user.organisation, **form.cleaned_data
        )
        messages.success(request, _("Your suggestion is sent: the organisers will review it."))
        return redirect("cohost:session", pk=session.pk)
    return render(request, "cohost/suggest.html", {"form": form, "session": session})

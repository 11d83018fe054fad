"""Co-hosts acting on sessions: propose one, suggest better wording. Managers only."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from events import permissions, services
from events.forms import ProposalForm, SuggestionForm
from events.models import Session
from outreach import audit
from outreach.models import AuditAction


def cohost_managers_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not permissions.can_propose_sessions(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@cohost_managers_only
@require_http_methods(["GET", "POST"])
def propose(request):
    form = ProposalForm(
        request.POST or None,
        instance=Session(language=request.user.language),
        initial={"time_zone": request.user.time_zone},
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            session = services.propose_session(
                form.instance, organisation=request.user.organisation, **form.related()
            )
            audit.record(request.user, AuditAction.PROPOSAL_MADE, session)
        messages.success(request, _("Your proposal is sent: the organisers will review it."))
        return redirect("cohost:home")
    return render(request, "cohost/propose.html", {"form": form})


@cohost_managers_only
@require_http_methods(["GET", "POST"])
def suggest(request, pk):
    session = get_object_or_404(permissions.cohost_sessions(request.user), pk=pk)
    form = SuggestionForm(request.POST or None, initial={"language": session.language})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            suggestion = services.suggest_text(
                session,
                person=request.user,
                organisation=request.user.organisation,
                **form.cleaned_data,
            )
            audit.record(
                request.user,
                AuditAction.SUGGESTION_MADE,
                suggestion,
                field=suggestion.field,
                language=suggestion.language,
            )
        messages.success(request, _("Your suggestion is sent: the organisers will review it."))
        return redirect("cohost:session", pk=session.pk)
    return render(request, "cohost/suggest.html", {"form": form, "session": session})

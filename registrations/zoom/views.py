"""The organisers' retry of what Zoom refused for a session (registrations.zoom.services)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from events.models import Session
from events.permissions import can_manage_sessions
from outreach.permissions import require
from registrations.zoom import services


@require(can_manage_sessions)
@require_POST
def retry(request, pk):
    """Ask Zoom again for what failed on this session; tasks call Zoom, the page shows how it
    went."""
    session = get_object_or_404(Session, pk=pk)
    if services.retry(session, by=request.user):
        messages.success(
            request, _("Zoom is being asked again: reload this page to see how it went.")
        )
    else:
        messages.info(request, _("Nothing on this session is waiting for Zoom."))
    return redirect("events:session-edit", pk=session.pk)

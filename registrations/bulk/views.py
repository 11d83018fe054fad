"""Writing to a group of registrants: write, preview per language, send
(registrations.bulk.services).

A session's page is for organisers and for co-host managers of that session (another
organisation's session is a 404, co-host members who are not managers get 403); a series' page
is for organisers. Sending redirects back (POST-redirect-GET); the form's token makes a second
submission of the same form send nothing more.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from events.models import Series, Session
from events.permissions import can_manage_sessions
from outreach import permissions as base
from outreach.permissions import require
from registrations.bulk import services as bulk
from registrations.bulk.forms import BulkMessageForm
from registrations.models import Segment
from registrations.permissions import can_write_to_registrants, writable_sessions

PREVIEW, SEND = "preview", "send"


@require(can_write_to_registrants)
@require_http_methods(["GET", "POST"])
def write_to_session(request, pk):
    session = get_object_or_404(writable_sessions(request.user), pk=pk)
    if base.is_organiser(request.user):
        back = reverse("registrations:manage", args=[session.pk])
    else:
        back = reverse("cohost:session", args=[session.pk])
    return _write(request, {"session": session}, back=back)


@require(can_manage_sessions)
@require_http_methods(["GET", "POST"])
def write_to_series(request, slug):
    series = get_object_or_404(Series, slug=slug)
    return _write(request, {"series": series}, back=reverse("events:series-edit", args=[slug]))


def _write(request, target: dict, *, back: str):
    step = request.POST.get("step", "") if request.method == "POST" else ""
    # Co-hosts see no numbers here: their figures hide small ones (impact.suppression), and a
    # count of a group of their session's registrants could give one away.
    counted = base.is_organiser(request.user)
    groups = None
    anyone = False
    if request.method == "POST":
        form = BulkMessageForm(request.POST)
        if form.is_valid():
            if step == SEND:
                try:
                    sent = bulk.send_bulk_message(
                        **target,
                        segment=form.cleaned_data["segment"],
                        texts=form.texts(),
                        token=form.cleaned_data["token"],
                        by=request.user,
                    )
                except bulk.NobodyToWrite:
                    messages.error(
                        request, _("Nobody in this group can be written to: nothing was sent.")
                    )
                else:
                    if counted:
                        messages.success(request, _on_its_way(sent.recipient_count))
                    else:
                        messages.success(request, _("The message is on its way."))
                    return redirect(request.path)
            elif step == PREVIEW:
                segment = form.cleaned_data["segment"]
                groups = bulk.preview(bulk.draft(form.texts()), **target, segment=segment)
                anyone = bool(groups)
                if not counted:
                    session = target.get("session")
                    groups = bulk.preview_without_counts(
                        bulk.draft(form.texts()), fallback=session.language if session else "en"
                    )
    else:
        form = BulkMessageForm(
            initial={"token": bulk.new_send_token(), "segment": Segment.REGISTERED}
        )
    subject = target.get("session") or target.get("series")
    return render(
        request,
        "registrations/manage/bulk_write.html",
        {
            **target,
            "title": subject.display_title if isinstance(subject, Session) else subject.title,
            "back": back,
            "form": form,
            "groups": groups,
            "total": sum(group.count for group in groups or []),
            "anyone": anyone,
            "counted": counted,
            "sent": bulk.sent_messages(**target),
        },
    )


def _on_its_way(count: int) -> str:
    return ngettext(
        "The message is on its way to %(count)s person.",
        "The message is on its way to %(count)s people.",
        count,
    ) % {"count": count}

"""Organisers' view of a session's registrations: search, filter, move, resend, export."""

import base64
import dataclasses
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from events.models import Session
from events.organiser_views import organisers_only
from outreach.exports import csv_stream, safe_cell
from registrations import attendance as attendance_service
from registrations import permissions, queries, services, surveys, zoom
from registrations.attendance_reports import ReportError
from registrations.forms import AttendanceUploadForm
from registrations.models import (
    AttendanceRecord,
    Message,
    MessageKind,
    MessageStatus,
    Registration,
    RegistrationStatus,
)

CSV_COLUMNS = [
    ("name", lambda r: r.person.full_name),
    ("email", lambda r: r.person.email),
    ("organisation", lambda r: r.organisation.name),
    ("economy", lambda r: r.organisation.economy_id),
    ("kind", lambda r: r.organisation.kind),
    ("size_band", lambda r: r.organisation.size_band),
    ("job_title", lambda r: r.job_title),
    ("status", lambda r: r.status),
    ("source", lambda r: r.source),
    ("brought_by", lambda r: r.source_organisation.name if r.source_organisation else ""),
    ("registered_at", lambda r: r.created_at.isoformat()),
]


def _session_for(request, pk) -> Session:
    session = get_object_or_404(Session, pk=pk)
    if not permissions.can_manage_registrations(request.user, session):
        raise PermissionDenied
    return session


def _filters(request) -> dict:
    status = request.GET.get("status", "")
    return {
        "status": status if status in RegistrationStatus.values else "",
        "economy": request.GET.get("economy", "")[:2].upper(),
        "text": request.GET.get("q", "")[:100],
    }


@organisers_only
@require_GET
def registration_list(request, pk):
    session = _session_for(request, pk)
    filters = _filters(request)
    page = Paginator(queries.session_registrations(session, **filters), 100).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "registrations/manage/registration_list.html",
        {
            "session": session,
            "page": page,
            "registrations": list(page.object_list),
            "filters": filters,
            "counts": queries.status_counts(session),
            "failed": list(queries.failed_messages(session)[:50]),
            "statuses": RegistrationStatus.choices,
            "query": request.GET.urlencode(),
        },
    )


@organisers_only
@require_GET
def registration_csv(request, pk):
    """The filtered registrations as CSV, streamed, safe to open in a spreadsheet."""
    session = _session_for(request, pk)
    registrations = queries.session_registrations(session, **_filters(request))

    def rows():
        yield [name for name, _value in CSV_COLUMNS]
        for registration in registrations.iterator(chunk_size=2000):
            yield [safe_cell(value(registration)) for _name, value in CSV_COLUMNS]

    response = StreamingHttpResponse(csv_stream(rows()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="registrations-session-{session.pk}.csv"'
    )
    return response


@organisers_only
@require_POST
def registration_action(request, pk, registration_pk):
    session = _session_for(request, pk)
    registration = get_object_or_404(Registration, pk=registration_pk, session=session)
    action = request.POST.get("action")
    if action == "confirm":
        try:
            services.confirm_by_hand(registration)
            messages.success(request, _("The person has a seat now and is told so."))
        except services.NoSeatLeft:
            messages.error(request, _("No seat is free: raise the capacity first."))
    elif action == "waitlist":
        services.waitlist_by_hand(registration)
        messages.success(request, _("The person is at the end of the waitlist now."))
    elif action == "cancel":
        services.cancel_registration(registration)
        messages.success(request, _("The registration is cancelled."))
    elif action == "resend":
        kind = (
            MessageKind.CONFIRMATION
            if registration.status == RegistrationStatus.CONFIRMED
            else MessageKind.WAITLISTED
        )
        services.resend_message(registration, kind)
        messages.success(request, _("The message is on its way again."))
    else:
        messages.error(request, _("Unknown action."))
    return redirect("registrations:manage", pk=session.pk)


@organisers_only
@require_POST
def retry_message(request, pk, message_pk):
    session = _session_for(request, pk)
    message = get_object_or_404(
        Message, pk=message_pk, registration__session=session, status=MessageStatus.FAILED
    )
    services.retry_message(message)
    messages.success(request, _("The message is on its way again."))
    return redirect("registrations:manage", pk=session.pk)


@organisers_only
@require_POST
def fill_from_waitlist(request, pk):
    session = _session_for(request, pk)
    promoted = services.promote_from_waitlist(session)
    messages.success(
        request,
        ngettext(
            "%(count)s person got a seat from the waitlist.",
            "%(count)s people got a seat from the waitlist.",
            len(promoted),
        )
        % {"count": len(promoted)},
    )
    return redirect("registrations:manage", pk=session.pk)


# --- Attendance -----------------------------------------------------------------------------

PENDING_REPORT = "pending-attendance-report"


@organisers_only
@require_http_methods(["GET", "POST"])
def attendance(request, pk):
    """Upload a report, preview who matched, then import it; or see what was recorded."""
    session = _session_for(request, pk)
    form = AttendanceUploadForm(
        request.POST if request.POST.get("step") == "preview" else None,
        request.FILES or None,
        initial={"time_zone": session.time_zone},
    )
    preview = None
    if request.method == "POST" and request.POST.get("step") == "preview" and form.is_valid():
        upload = form.cleaned_data["report"]
        if upload.size > attendance_service.MAX_REPORT_BYTES:
            form.add_error("report", _("The file is larger than 5 MB."))
        else:
            data = upload.read()
            options = attendance_service.ReportOptions(
                time_zone=form.cleaned_data["time_zone"],
                platform=form.cleaned_data["platform"],
                date_order=form.cleaned_data["date_order"],
                mapping=form.mapping(),
            )
            try:
                preview = attendance_service.preview_attendance(session, data, options)
            except ReportError as error:
                form.add_error("report", str(error))
            else:
                # Kept in the person's own session until they confirm; never served back.
                request.session[PENDING_REPORT] = {
                    "session": session.pk,
                    "filename": upload.name,
                    "data": base64.b64encode(data).decode(),
                    "options": dataclasses.asdict(options),
                }
    elif request.method == "POST" and request.POST.get("step") == "zoom":
        try:
            _source, changed = attendance_service.import_from_zoom(
                session, zoom.webinar_id_from(session.join_url), by=request.user
            )
        except zoom.ZoomError as error:
            messages.error(request, _("Zoom: %(problem)s") % {"problem": error})
        else:
            messages.success(
                request,
                _("The attendance is recorded.")
                if changed
                else _("This report was imported already: nothing changed."),
            )
        return redirect("registrations:attendance", pk=session.pk)
    elif request.method == "POST" and request.POST.get("step") == "import":
        pending = request.session.pop(PENDING_REPORT, None)
        if not pending or pending["session"] != session.pk:
            messages.error(request, _("Upload the report again: the preview has expired."))
        else:
            try:
                _source, changed = attendance_service.import_attendance_report(
                    session,
                    base64.b64decode(pending["data"]),
                    filename=pending["filename"],
                    options=attendance_service.ReportOptions(**pending["options"]),
                    by=request.user,
                )
            except ReportError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    _("The attendance is recorded.")
                    if changed
                    else _("This report was imported already: nothing changed."),
                )
        return redirect("registrations:attendance", pk=session.pk)
    records = queries.attendance_records(session)
    return render(
        request,
        "registrations/manage/attendance.html",
        {
            "session": session,
            "form": form,
            "preview": preview,
            "summary": attendance_service.attendance_summary(session),
            "records": records,
            "unmatched": [r for r in records if r.registration_id is None],
            "registrations": queries.registrations_without_attendance(session),
            "responses": surveys.response_rate(session),
            "zoom_webinar": zoom.webinar_id_from(session.join_url) if zoom.is_configured() else "",
        },
    )


@organisers_only
@require_POST
def attendance_link(request, pk, record_pk):
    session = _session_for(request, pk)
    record = get_object_or_404(AttendanceRecord, pk=record_pk, session=session)
    registration = get_object_or_404(
        Registration, pk=request.POST.get("registration"), session=session
    )
    attendance_service.link_by_hand(record, registration)
    messages.success(request, _("The person is linked to the registration."))
    return redirect("registrations:attendance", pk=session.pk)


@organisers_only
@require_http_methods(["GET", "POST"])
def check_in(request, pk):
    """A searchable list for the door of an in-person session; light enough for a phone."""
    session = _session_for(request, pk)
    if request.method == "POST":
        registration = get_object_or_404(
            Registration, pk=request.POST.get("registration"), session=session
        )
        attendance_service.check_in(registration)
        messages.success(
            request,
            _("%(name)s is checked in.") % {"name": registration.person.full_name},
        )
        return redirect(f"{request.path}?{urlencode({'q': request.POST.get('q', '')})}")
    text = request.GET.get("q", "")[:100]
    registrations = queries.session_registrations(session, text=text).exclude(
        status=RegistrationStatus.CANCELLED
    )[:100]
    return render(
        request,
        "registrations/manage/check_in.html",
        {"session": session, "registrations": registrations, "text": text},
    )


@organisers_only
@require_POST
def survey_invite(request, pk):
    session = _session_for(request, pk)
    count = surveys.invite_attendees(session)
    messages.success(
        request,
        ngettext(
            "%(count)s person is invited to the survey.",
            "%(count)s people are invited to the survey.",
            count,
        )
        % {"count": count},
    )
    return redirect("registrations:attendance", pk=session.pk)

"""Organisers' view of a session's registrations: search, filter, move, resend, export.

Each view is for organisers (`require(can_manage_sessions)`), parses the request, calls one
service (registrations.services, .attendance.services, .surveys.services), which writes the change
and its audit entry in one transaction, and renders or redirects.
Registrations anonymised by the retention period are shown without a person and cannot be
changed; a session past its retention period takes no new personal data (attendance, check-in).
"""

import base64
import dataclasses
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from events import queries as event_queries
from events import siblings as event_siblings
from events.models import Session
from events.permissions import can_manage_sessions
from outreach.exports import csv_response, export_filename
from outreach.models import Economy
from outreach.permissions import require
from registrations import follow_ups, queries, services, siblings
from registrations.attendance import services as attendance_service
from registrations.attendance import zoom
from registrations.attendance.reports import ReportError
from registrations.forms import AttendanceUploadForm, MoveToSiblingForm
from registrations.models import (
    AttendanceRecord,
    Message,
    MessageStatus,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
    ZoomPull,
)
from registrations.surveys import services as surveys

# The CSV's columns: code, header for people, the cell as a code, the cell for people (None:
# the same). People get names in the request's language; `?codes=1` gets codes (for scripts).
CSV_COLUMNS = [
    ("name", gettext_lazy("Name"), lambda r: r.person.full_name if r.person else "", None),
    ("email", gettext_lazy("Email"), lambda r: r.person.email if r.person else "", None),
    ("organisation", gettext_lazy("Organisation"), lambda r: r.organisation.name, None),
    (
        "economy",
        gettext_lazy("Economy"),
        lambda r: r.organisation.economy_id,
        lambda r: r.organisation.economy.name if r.organisation.economy_id else "",
    ),
    (
        "kind",
        gettext_lazy("Kind of organisation"),
        lambda r: r.organisation.kind,
        lambda r: r.organisation.get_kind_display(),
    ),
    (
        "size_band",
        gettext_lazy("Firm size"),
        lambda r: r.organisation.size_band,
        lambda r: r.organisation.get_size_band_display(),
    ),
    ("job_title", gettext_lazy("Job title"), lambda r: r.job_title, None),
    ("status", gettext_lazy("Status"), lambda r: r.status, lambda r: r.get_status_display()),
    ("source", gettext_lazy("Source"), lambda r: r.source, lambda r: r.get_source_display()),
    (
        "brought_by",
        gettext_lazy("Brought by"),
        lambda r: r.source_organisation.name if r.source_organisation else "",
        None,
    ),
    (
        "registered_at",
        gettext_lazy("Registered at (UTC)"),
        lambda r: r.created_at.isoformat(),
        None,
    ),
    # Empty where the person listens in the session's own language (no interpretation).
    (
        "listening_language",
        gettext_lazy("Listening language"),
        lambda r: r.listening_language,
        lambda r: r.get_listening_language_display() if r.listening_language else "",
    ),
]


def _session_for(request, pk) -> Session:
    return get_object_or_404(Session, pk=pk)


# The filter by an answer to a registration question: ?q_<question code>=<value>.
ANSWER_FILTER_PREFIX = "q_"


def _questions(session: Session) -> list[Question]:
    """The session's registration questions (its own, else its series'), in order."""
    survey = queries.registration_survey(session)
    return list(survey.questions.all()) if survey else []


def _filters(request, questions: list[Question] = ()) -> dict:
    status = request.GET.get("status", "")
    answers = {}
    for question in questions:
        value = request.GET.get(ANSWER_FILTER_PREFIX + question.code, "").strip()[:50]
        if value and question.kind in queries.FILTERABLE_KINDS:
            answers[question] = value
    return {
        "status": status if status in RegistrationStatus.values else "",
        "economy": request.GET.get("economy", "")[:2].upper(),
        "text": request.GET.get("q", "")[:100],
        "answers": answers,
    }


def _answer_options(question: Question) -> list[tuple[str, str]]:
    """The values the list's filter by `question` offers, as (value in the address, label)."""
    if question.kind == QuestionKind.YES_NO:
        return [("yes", _("Yes")), ("no", _("No"))]
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return [(choice.code, choice.text) for choice in question.choices.all()]
    if question.kind == QuestionKind.ECONOMIES:
        return [(economy.code, economy.name) for economy in queries.answered_economies(question)]
    if question.kind == QuestionKind.SCALE:
        return [(str(n), str(n)) for n in range(1, 6)]
    return [(str(n), str(n)) for n in range(11)]  # QuestionKind.NPS


def _answer_filters(questions: list[Question], chosen: dict) -> list[dict]:
    return [
        {
            "name": ANSWER_FILTER_PREFIX + question.code,
            "label": question.text,
            "options": _answer_options(question),
            "value": chosen.get(question, ""),
        }
        for question in questions
        if question.kind in queries.FILTERABLE_KINDS
    ]


def _registrant_economies(session: Session) -> list[Economy]:
    """The economies of the session's registrants, by name in the request's language: the
    choices of the list's economy filter."""
    return list(
        Economy.objects.filter(organisations__registrations__session=session)
        .distinct()
        .order_by("sort_name", "code")
    )


@require(can_manage_sessions)
@require_GET
def registration_list(request, pk):
    session = _session_for(request, pk)
    questions = _questions(session)
    filters = _filters(request, questions)
    page = Paginator(queries.session_registrations(session, **filters), 100).get_page(
        request.GET.get("page")
    )
    registrations = list(page.object_list)
    for registration in registrations:
        answers = queries.registration_answers(registration)
        registration.answer_cells = [
            (question.text, answers.get(question.code, "")) for question in questions
        ]
    return render(
        request,
        "registrations/manage/registration_list.html",
        {
            "session": session,
            "page": page,
            "registrations": registrations,
            "questions": questions,
            "answer_filters": _answer_filters(questions, filters["answers"]),
            "filters": filters,
            "counts": queries.status_counts(session),
            "failed": list(queries.failed_messages(session)[:50]),
            "statuses": RegistrationStatus.choices,
            "economies": _registrant_economies(session),
            "query": request.GET.urlencode(),
        },
    )


@require(can_manage_sessions)
@require_GET
def registration_csv(request, pk):
    """The filtered registrations as CSV, streamed, safe to open in a spreadsheet
    (outreach.exports), for people in the request's language or, with `?codes=1`, as codes."""
    session = _session_for(request, pk)
    questions = _questions(session)
    filters = _filters(request, questions)
    codes = request.GET.get("codes", "") in {"1", "true", "yes"}
    registrations = services.export_registrations(session, by=request.user, **filters)

    cells = [(code if codes else people) or code for _name, _label, code, people in CSV_COLUMNS]
    # One column per registration question: its code, or its text in English (the language
    # every question is written in, so that files from every language line up).
    question_header = [
        question.code if codes else (question.text_en or question.text) for question in questions
    ]
    answers_of = answer_codes if codes else queries.registration_answers

    def rows():
        header = [name if codes else str(label) for name, label, _code, _people in CSV_COLUMNS]
        yield header + question_header
        for registration in registrations.iterator(chunk_size=2000):
            answers = answers_of(registration)
            yield [value(registration) for value in cells] + [
                answers.get(question.code, "") for question in questions
            ]

    # The search words may be a person's name: the file's name keeps only that there were some.
    filename = export_filename(
        "registrations",
        f"session-{session.pk}",
        filters["status"],
        filters["economy"],
        "search" if filters["text"] else "",
        "codes" if codes else translation.get_language(),
        extension="csv",
    )
    return csv_response(rows(), filename)


def answer_codes(registration: Registration) -> dict:
    """A registrant's answers to the registration questions as codes, for scripts: numbers,
    "yes" or "no", choice and economy codes separated by ";", the words as written."""
    values = {}
    for response in getattr(registration, "registration_responses", ()):
        for answer in response.answers.all():
            question = answer.question
            if question.kind in (QuestionKind.SCALE, QuestionKind.NPS):
                value = answer.number
            elif question.kind == QuestionKind.YES_NO:
                value = "" if answer.boolean is None else ("yes" if answer.boolean else "no")
            elif question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
                choices = sorted(answer.choices.all(), key=lambda c: (c.position, c.pk))
                value = ";".join(choice.code for choice in choices)
            elif question.kind == QuestionKind.ECONOMIES:
                value = ";".join(sorted(economy.code for economy in answer.economies.all()))
            else:
                value = answer.text
            values[question.code] = value
    return values


# What an organiser may do to a registration by hand, and what they are told once it is done.
MOVES = {
    "confirm": gettext_lazy("The person has a seat now and is told so."),
    "waitlist": gettext_lazy("The person is at the end of the waitlist now."),
    "cancel": gettext_lazy("The registration is cancelled."),
}


@require(can_manage_sessions)
@require_http_methods(["GET", "POST"])
def registration_action(request, pk, registration_pk):
    """Move or resend one registration. Cancelling asks first: the list's Cancel opens this page
    (GET, or a POST without `confirmed`), whose button cancels."""
    session = _session_for(request, pk)
    registration = get_object_or_404(
        Registration.objects.select_related("person", "organisation"),
        pk=registration_pk,
        session=session,
    )
    action = request.POST.get("action") if request.method == "POST" else "cancel"
    if action not in {*MOVES, "resend"}:
        messages.error(request, _("Unknown action."))
        return redirect("registrations:manage", pk=session.pk)
    if action == "cancel" and not request.POST.get("confirmed"):
        if registration.status == RegistrationStatus.CANCELLED or registration.person is None:
            return redirect("registrations:manage", pk=session.pk)
        return render(
            request,
            "registrations/manage/registration_cancel.html",
            {"session": session, "registration": registration},
        )
    try:
        if action == "resend":
            services.resend_by_hand(registration, by=request.user)
        else:
            services.move_by_hand(registration, to=action, by=request.user)
    except services.RegistrationAnonymised:
        messages.error(request, _("This registration is anonymised: it can no longer change."))
    except services.NoSeatLeft:
        messages.error(request, _("No seat is free: raise the capacity first."))
    else:
        done = _("The message is on its way again.") if action == "resend" else MOVES[action]
        messages.success(request, done)
    return redirect("registrations:manage", pk=session.pk)


@require(can_manage_sessions)
@require_POST
def retry_message(request, pk, message_pk):
    session = _session_for(request, pk)
    message = get_object_or_404(
        Message, pk=message_pk, registration__session=session, status=MessageStatus.FAILED
    )
    services.retry_message(message, by=request.user)
    messages.success(request, _("The message is on its way again."))
    return redirect("registrations:manage", pk=session.pk)


@require(can_manage_sessions)
@require_POST
def fill_from_waitlist(request, pk):
    session = _session_for(request, pk)
    promoted = services.fill_from_waitlist(session, by=request.user)
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


def _target_label(target: Session) -> str:
    """A sibling a full session's waitlist may move to, as the organiser reads it: "Spanish,
    Friday, March 13, 10:00 AM: 12 seats left" (in the organiser's zone and language)."""
    when = event_siblings.day_and_time(
        target.starts_at, timezone.get_current_timezone(), translation.get_language()[:2]
    )
    return ngettext(
        "%(language)s, %(day)s, %(time)s: %(seats)s seat left",
        "%(language)s, %(day)s, %(time)s: %(seats)s seats left",
        target.seats_left,
    ) % {"language": target.get_language_display(), "seats": target.seats_left, **when}


@require(can_manage_sessions)
@require_http_methods(["GET", "POST"])
def move_to_sibling(request, pk):
    """Move waitlisted people of a full session to the same session in another language that
    has seats (registrations.siblings.move_to_sibling), the people and the session chosen on
    this page."""
    session = _session_for(request, pk)
    targets = event_queries.siblings_with_seats(session)
    for target in targets:
        target.sentence = _target_label(target)
    waiting = siblings.movable(session)
    form = MoveToSiblingForm(request.POST or None, waiting=waiting, targets=targets)
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["target"]
        try:
            moved = siblings.move_to_sibling(
                form.cleaned_data["registrations"], target, by=request.user
            )
        except siblings.NotASibling:
            messages.error(request, _("That session cannot take them: choose another."))
            return redirect("registrations:move-to-sibling", pk=session.pk)
        messages.success(
            request,
            ngettext(
                "%(count)s person moved to the session in %(language)s and is told so.",
                "%(count)s people moved to the session in %(language)s and are told so.",
                moved.count,
            )
            % {
                "count": moved.count,
                "language": event_siblings.language_in_sentence(target.language),
            },
        )
        if moved.no_seat:
            messages.warning(
                request,
                ngettext(
                    "%(count)s person stays on the waitlist: that session has no seat left.",
                    "%(count)s people stay on the waitlist: that session has no seat left.",
                    moved.no_seat,
                )
                % {"count": moved.no_seat},
            )
        if moved.skipped:
            messages.info(
                request,
                ngettext(
                    "%(count)s person was skipped: registered there or not waiting.",
                    "%(count)s people were skipped: registered there or not waiting.",
                    moved.skipped,
                )
                % {"count": moved.skipped},
            )
        return redirect("registrations:manage", pk=session.pk)
    return render(
        request,
        "registrations/manage/move_to_sibling.html",
        {"session": session, "form": form, "waiting": waiting, "targets": targets},
    )


# --- Attendance -----------------------------------------------------------------------------

PENDING_REPORT = "pending-attendance-report"
UNMATCHED_PER_PAGE = 50
PREVIEW_ROWS = 200


def _page_query(page: str, find: str = "") -> str:
    query = {"page": page} if page.isdigit() else {}
    if find.strip():
        query["find"] = find.strip()[:100]
    return f"?{urlencode(query)}" if query else ""


def _id_or_404(value: str) -> int:
    if not value.isdigit() or len(value) > 18:
        raise Http404
    return int(value)


def _link_refusal(words: str, found: list) -> str:
    if not words:
        return _("Write the registrant’s email or name.")
    if not found:
        return _("No registration without attendance matches “%(words)s”.") % {"words": words}
    return _("Several registrations match “%(words)s”: write the registrant’s whole email.") % {
        "words": words
    }


LINK_CHOICES = 50


def _attendance_page(request, session: Session, form: AttendanceUploadForm, preview=None):
    # A report may leave a hundred thousand people unmatched: a page of them at a time, each
    # linked to a registration chosen among those the organiser's search words find (never a
    # list of every registration, and none chosen beforehand).
    unmatched = Paginator(queries.unmatched_attendance(session), UNMATCHED_PER_PAGE).get_page(
        request.GET.get("page")
    )
    find = " ".join(request.GET.get("find", "").split())[:100]
    return render(
        request,
        "registrations/manage/attendance.html",
        {
            "session": session,
            "form": form,
            "preview": preview,
            "preview_shown": preview[:PREVIEW_ROWS] if preview else preview,
            "absent": (
                attendance_service.absent_after_import(session, preview)
                if preview is not None
                else None
            ),
            "threshold": session.attendance_threshold,
            "find": find,
            "link_choices": (
                queries.registrations_to_link(session, find, limit=LINK_CHOICES)
                if find and unmatched.object_list
                else []
            ),
            "summary": attendance_service.attendance_summary(session),
            "unmatched_page": unmatched,
            "unmatched": list(unmatched.object_list),
            "responses": surveys.response_rate(session),
            "follow_up": follow_ups.status(session),
            "zoom_webinar": zoom.webinar_of(session) if zoom.is_configured() else "",
            "zoom_pull": ZoomPull.objects.filter(session=session).first(),
        },
    )


def _refused(request, session: Session):
    """Back to the attendance page, saying why, when the session takes no new personal data (past
    its retention period): asked before any form is read, so nobody fills one in for nothing."""
    try:
        attendance_service.refuse_past_retention(session)
    except ReportError as error:
        messages.error(request, str(error))
        return redirect("registrations:attendance", pk=session.pk)
    return None


@require(can_manage_sessions)
@require_POST
def attendance_preview(request, pk):
    """Read an uploaded report and show who in it matches whom, writing nothing. The report waits
    in the organiser's own session (never served back) until attendance_import records it."""
    session = _session_for(request, pk)
    if refused := _refused(request, session):
        return refused
    form = AttendanceUploadForm(
        request.POST, request.FILES or None, initial={"time_zone": session.time_zone}
    )
    preview = None
    if form.is_valid():
        upload = form.cleaned_data["report"]
        options = attendance_service.ReportOptions(
            time_zone=form.cleaned_data["time_zone"],
            platform=form.cleaned_data["platform"],
            date_order=form.cleaned_data["date_order"],
            mapping=form.mapping(),
        )
        try:
            data = attendance_service.read_report(upload)
            preview = attendance_service.preview_attendance(session, data, options)
        except ReportError as error:
            form.add_error("report", str(error))
        else:
            request.session[PENDING_REPORT] = {
                "session": session.pk,
                "filename": upload.name,
                "data": base64.b64encode(data).decode(),
                "options": dataclasses.asdict(options),
            }
    return _attendance_page(request, session, form, preview)


@require(can_manage_sessions)
@require_POST
def attendance_import(request, pk):
    """Record the report this organiser previewed last for this session, as it was previewed."""
    session = _session_for(request, pk)
    if refused := _refused(request, session):
        return refused
    pending = request.session.pop(PENDING_REPORT, None)
    if not pending or pending["session"] != session.pk:
        messages.error(request, _("Upload the report again: the preview has expired."))
        return redirect("registrations:attendance", pk=session.pk)
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


@require(can_manage_sessions)
@require_POST
def attendance_zoom(request, pk):
    """Ask Zoom for the webinar's attendance: a task pulls it, and the page shows how it went."""
    session = _session_for(request, pk)
    if refused := _refused(request, session):
        return refused
    attendance_service.request_zoom_pull(session, by=request.user)
    messages.success(
        request,
        _("Zoom is being asked for the attendance: reload this page to see how it went."),
    )
    return redirect("registrations:attendance", pk=session.pk)


# The page's forms say their step, so that a form of the page as it was before each step had an
# address of its own (one open in a browser across a deploy) still does what it says.
ATTENDANCE_STEPS = {
    "preview": attendance_preview,
    "import": attendance_import,
    "zoom": attendance_zoom,
}


@require(can_manage_sessions)
@require_http_methods(["GET", "POST"])
def attendance(request, pk):
    """What was recorded, who in a report matched nobody, and the survey's answers, with the
    forms that upload a report (attendance_preview), import it (attendance_import) or have
    Zoom's attendance pulled (attendance_zoom)."""
    if request.method == "POST" and request.POST.get("step") in ATTENDANCE_STEPS:
        return ATTENDANCE_STEPS[request.POST["step"]](request, pk)
    session = _session_for(request, pk)
    if request.method == "POST" and (refused := _refused(request, session)):
        return refused
    form = AttendanceUploadForm(initial={"time_zone": session.time_zone})
    return _attendance_page(request, session, form)


@require(can_manage_sessions)
@require_POST
def attendance_link(request, pk, record_pk):
    """Link an unmatched person of a report to the registration an organiser names by email or
    name; when none or several match, say so and change nothing."""
    session = _session_for(request, pk)
    # An erased person's row (no name, no email) and an anonymised registration stay as they are.
    record = get_object_or_404(
        AttendanceRecord.objects.exclude(name="", email=""), pk=record_pk, session=session
    )
    back = redirect(
        reverse("registrations:attendance", args=[session.pk])
        + _page_query(request.POST.get("page", ""), request.POST.get("find", ""))
    )
    if "registration" in request.POST and not request.POST["registration"]:
        messages.error(request, _("Choose a registrant first."))
        return back
    if "registration" in request.POST:  # a registration's id, chosen in the list or by scripts
        registration = get_object_or_404(
            Registration,
            pk=_id_or_404(request.POST["registration"]),
            session=session,
            person__isnull=False,
        )
    else:
        words = request.POST.get("registrant", "")
        found = queries.registrations_to_link(session, words, limit=2)
        if len(found) != 1:
            messages.error(request, _link_refusal(" ".join(words.split())[:100], found))
            return back
        registration = found[0]
    try:
        attendance_service.link_by_hand(record, registration, by=request.user)
    except ReportError as error:  # the session is past its retention period
        messages.error(request, str(error))
    else:
        messages.success(request, _("The person is linked to the registration."))
    return back


@require(can_manage_sessions)
@require_http_methods(["GET", "POST"])
def check_in(request, pk):
    """A searchable list for the door of an in-person session; light enough for a phone.
    Someone on the waitlist holds no seat: checking them in asks first (`confirmed`)."""
    session = _session_for(request, pk)
    if request.method == "POST":
        registration = get_object_or_404(
            Registration.objects.select_related("person", "organisation"),
            pk=_id_or_404(request.POST.get("registration", "")),
            session=session,
            person__isnull=False,
        )
        text = request.POST.get("q", "")[:100]
        if registration.status != RegistrationStatus.CONFIRMED and not request.POST.get(
            "confirmed"
        ):
            return render(
                request,
                "registrations/manage/check_in_confirm.html",
                {"session": session, "registration": registration, "text": text},
            )
        try:
            attendance_service.check_in(registration, by=request.user)
        except ReportError as error:  # the session is past its retention period
            messages.error(request, str(error))
            return redirect(request.path)
        messages.success(
            request,
            _("%(name)s is checked in.") % {"name": registration.person.full_name},
        )
        return redirect(f"{request.path}?{urlencode({'q': text})}")
    text = request.GET.get("q", "")[:100]
    registrations = (
        queries.session_registrations(session, text=text)
        .exclude(status=RegistrationStatus.CANCELLED)
        .filter(person__isnull=False)[:100]
    )
    return render(
        request,
        "registrations/manage/check_in.html",
        {"session": session, "registrations": registrations, "text": text},
    )

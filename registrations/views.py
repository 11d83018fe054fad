"""Public registration pages: register, thanks, cancel by link, my sessions, my calendar."""

import json
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import logout
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from events import calendar
from events import permissions as events_permissions
from events.models import SessionFormat, SessionStatus
from outreach.exports import as_download
from outreach.languages import active_language
from outreach.middleware import viewer_time_zone
from outreach.models import User
from outreach.permissions import is_signed_in, require
from outreach.timezones import format_day
from registrations import (
    cohost_links,
    confirmations,
    permissions,
    privacy,
    queries,
    ratelimit,
    services,
)
from registrations.courses import queries as course_queries
from registrations.courses import services as courses
from registrations.forms import RegistrationForm, initial_for
from registrations.models import (
    PRIVACY_NOTICE_VERSION,
    Registration,
    RegistrationState,
    RegistrationStatus,
)
from registrations.surveys import services as surveys
from registrations.surveys.forms import SurveyForm


@require_http_methods(["GET", "POST"])
def register(request, pk):
    session = queries.session_to_register(request.user, pk)
    if session is None:
        raise Http404
    if session.series_is_course:
        # A course's session is taken with the whole course: one form enrols in every session.
        return redirect("registrations:course-enrol", slug=session.series_slug)
    person = request.user if request.user.is_authenticated else None
    state = services.registration_state(session)
    initial = initial_for(person) or {"time_zone": viewer_time_zone(request)[0]}
    via = request.POST.get("via") or request.GET.get("via", "")
    # The organisers' questions, asked only while the form is shown (registrations open).
    survey = None
    if state == RegistrationState.OPEN and session.has_registration_questions:
        survey = queries.registration_survey(session)
    form = RegistrationForm(
        request.POST or None,
        initial=initial,
        person=person,
        language=active_language(),
        cohost_names=session.cohost_name_list,
        target_economies=session.target_economies.all() if session.has_target_economies else (),
        questions=survey.questions.all() if survey else (),
        listening_languages=services.listening_languages(session),
    )
    context = {
        "via": via[:80],
        "session": session,
        "form": form,
        "state": state,
        "states": RegistrationState,
        "privacy_version": PRIVACY_NOTICE_VERSION,
    }
    if request.method == "GET" or state != RegistrationState.OPEN:
        return render(request, "registrations/register.html", context, status=200)
    if not form.is_valid():
        return render(request, "registrations/register.html", context, status=400)
    data = form.cleaned_data
    email = person.email if person else data["email"]
    if form.is_robot():
        return redirect("registrations:thanks", pk=session.pk)
    if not ratelimit.may_register(request, email):
        return render(request, "registrations/too_many.html", context, status=429)
    try:
        outcome = services.register_from_form(
            session,
            data=data,
            person=person,
            language=active_language(),
            brought_by=cohost_links.organisation_from_link(session, via),
            survey=survey,
            answers=form.answers(),
        )
    except services.RegistrationClosed:
        context["state"] = services.registration_state(session)
        return render(request, "registrations/register.html", context, status=409)
    except services.SeatsBusy:
        response = render(request, "registrations/busy.html", context, status=503)
        response["Retry-After"] = "5"
        return response
    response = redirect("registrations:thanks", pk=session.pk)
    _remember_outcome(request, response, session, outcome, email=email)
    return response


# The thanks page shows a registration's outcome only to the browser that made it, for this
# long after: a cookie signed by the server keeps which registration that was (never a link
# that could be shared, guessed or sent to someone else). A cookie rather than the login
# session, which would cost a registration two more database statements.
THANKS_FOR = timedelta(hours=1)
THANKS_KEY = "registered"
THANKS_SALT = "registrations.thanks"
THANKS_KEPT = 5  # outcomes remembered at once, the latest


def _remember_outcome(request, response, session, outcome, *, email: str) -> None:
    """What the thanks page may show this browser. A registration the form made or that is the
    signed-in person's own: its outcome. A pending one or one of an address already known to an
    anonymous visitor: only the address typed, so that the page says no more than "if this
    address is known, an email went" (whoever typed it may not be its owner)."""
    mine = isinstance(outcome, Registration) and (
        request.user.is_authenticated or getattr(outcome.person, "_created_just_now", False)
    )
    entry = {"at": timezone.now().isoformat(), "email": email}
    if mine:
        entry["registration"] = outcome.pk
        entry["again"] = getattr(outcome, "again", "")
    remembered = _thanks_cookie(request)
    remembered.pop(str(session.pk), None)
    remembered[str(session.pk)] = entry
    kept = dict(list(remembered.items())[-THANKS_KEPT:])
    response.set_signed_cookie(
        THANKS_KEY,
        json.dumps(kept, separators=(",", ":")),
        salt=THANKS_SALT,
        max_age=int(THANKS_FOR.total_seconds()),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _thanks_cookie(request) -> dict:
    value = request.get_signed_cookie(
        THANKS_KEY, default="", salt=THANKS_SALT, max_age=THANKS_FOR.total_seconds()
    )
    try:
        remembered = json.loads(value) if value else {}
    except ValueError:
        return {}
    return remembered if isinstance(remembered, dict) else {}


def _remembered(request, session) -> dict | None:
    entry = _thanks_cookie(request).get(str(session.pk))
    if not isinstance(entry, dict):
        return None
    try:
        at = datetime.fromisoformat(entry["at"])
    except (KeyError, TypeError, ValueError):
        return None
    if timezone.now() - at > THANKS_FOR:
        return None
    return entry


@require_GET
def thanks(request, pk):
    """After registering: a seat, or a place on the waitlist, for the browser that registered
    (`_remember_outcome`); else only that an email went to the address typed, if it is known."""
    session = get_object_or_404(events_permissions.visible_sessions(request.user), pk=pk)
    entry = _remembered(request, session)
    registration = None
    if entry and entry.get("registration"):
        registration = queries.own_registration(
            session, pk=entry["registration"], person=request.user
        )
    language = active_language()
    context = {
        "session": session,
        "email": (entry or {}).get("email", ""),
        "registration": registration,
        "again": (entry or {}).get("again", "") if registration else "",
        "resend_minutes": services.RESEND_AFTER_MINUTES,
    }
    if registration is not None:
        context.update(
            place=queries.waitlist_place(registration),
            calendar=_calendar_links(session, registration, language=language),
        )
    return render(request, "registrations/thanks.html", context)


def _calendar_links(session, registration, *, language: str) -> dict | None:
    """The add-to-calendar buttons: for a seat at a session still ahead, else none."""
    if (
        registration is None
        or registration.status != RegistrationStatus.CONFIRMED
        or not session.is_upcoming
        or session.status == SessionStatus.CANCELLED
    ):
        return None
    return {
        "google": calendar.google_calendar_link(session, language=language),
        "outlook": calendar.outlook_calendar_link(session, language=language),
    }


@require_http_methods(["GET", "POST"])
def confirm_registration(request, token):
    """The link emailed to an address that the public form used without signing in: the page
    shows what was asked (so that mail scanners opening the link change nothing), the button
    confirms it (services.register_from_form says what waits for it)."""
    try:
        pending = confirmations.pending_by_token(token)
    except confirmations.BadLink as error:
        return _bad_confirmation_link(request, error.reason)
    context = {
        "pending": pending,
        "session": pending.session,
        "details": pending.details,
        "answers": confirmations.held_answers(pending),
        "cohosts": confirmations.cohost_names(pending),
    }
    if request.method == "GET":
        return render(request, "registrations/confirm.html", context)
    if courses.is_pending_enrolment(pending):
        return _confirm_enrolment(request, pending, context)
    try:
        registration = services.confirm_pending_registration(pending)
    except confirmations.BadLink as error:
        return _bad_confirmation_link(request, error.reason)
    except services.RegistrationClosed as error:
        context.update(state=error.reason, states=RegistrationState)
        return render(request, "registrations/confirm_closed.html", context, status=409)
    except services.SeatsBusy:
        response = render(request, "registrations/busy.html", context, status=503)
        response["Retry-After"] = "5"
        return response
    context.update(registration=registration, place=queries.waitlist_place(registration))
    return render(request, "registrations/confirmed.html", context)


def _confirm_enrolment(request, pending, context):
    """The link's button for an enrolment in a course held for a known address."""
    try:
        enrolment = courses.confirm_pending_enrolment(pending)
    except confirmations.BadLink as error:
        return _bad_confirmation_link(request, error.reason)
    except services.RegistrationClosed as error:
        context.update(state=error.reason, states=RegistrationState)
        return render(request, "registrations/confirm_closed.html", context, status=409)
    except services.SeatsBusy:
        response = render(request, "registrations/busy.html", context, status=503)
        response["Retry-After"] = "5"
        return response
    series = enrolment.series
    return render(
        request,
        "registrations/courses/enrolled.html",
        {
            "enrolment": enrolment,
            "series": series,
            "upcoming": courses.upcoming_sessions(series),
            "place": course_queries.waitlist_place(enrolment),
        },
    )


def _bad_confirmation_link(request, reason: str):
    status = 404 if reason == "invalid" else 410
    return render(request, "registrations/confirm_bad_link.html", {"reason": reason}, status=status)


@require_http_methods(["GET", "POST"])
def cancel(request, token):
    """One-click cancel from an email: the page asks once (so that mail scanners opening the
    link change nothing), the button cancels. Once the session has started the link changes
    nothing and says so."""
    registration = queries.registration_by_token(token)
    if registration is None:
        return render(request, "registrations/bad_link.html", status=404)
    if registration.enrolment_id:
        # A course is left whole (registrations.courses), from its own page.
        return redirect("registrations:course-leave", token=registration.enrolment.token)
    if request.method == "POST":
        try:
            registration = services.cancel_own_registration(registration)
        except services.SessionStarted:
            return _too_late_to_cancel(request, registration)
        return render(request, "registrations/cancelled.html", {"registration": registration})
    if registration.status != RegistrationStatus.CANCELLED and services.has_started(
        registration.session
    ):
        return _too_late_to_cancel(request, registration)
    return render(request, "registrations/cancel.html", {"registration": registration})


def _too_late_to_cancel(request, registration):
    return render(
        request, "registrations/cancel_too_late.html", {"registration": registration}, status=409
    )


@require(is_signed_in)
@require_GET
def my_sessions(request):
    upcoming, past = queries.my_registrations(request.user, now=timezone.now())
    places = queries.waitlist_places(upcoming)
    for registration in upcoming:
        session = registration.session
        # The rule of the session page's panel: a confirmed registrant's join link, shown from
        # registering until the session ends (the reminders carry it too).
        registration.join_url = (
            session.join_url
            if session.join_url
            and session.format != SessionFormat.IN_PERSON
            and session.status != SessionStatus.CANCELLED
            and permissions.can_see_join_link(request.user, session, registration)
            else ""
        )
        registration.in_calendar = (
            registration.status == RegistrationStatus.CONFIRMED
            and session.status != SessionStatus.CANCELLED
        )
        registration.place = places.get(registration.pk)
    return render(
        request,
        "registrations/my_sessions.html",
        {
            "upcoming": upcoming,
            "past": past,
            # Courses with their progress by the completion rule (registrations.courses).
            "enrolments": course_queries.my_enrolments(request.user),
            "feed_url": calendar.webcal_url(f"/feeds/people/{request.user.calendar_token}.ics"),
            "feed_path": f"/feeds/people/{request.user.calendar_token}.ics",
        },
    )


@require_GET
def personal_feed(request, token):
    person = User.objects.filter(calendar_token=token, is_active=True).first()
    if person is None:
        raise Http404
    sessions = queries.sessions_in_personal_feed(person)
    response = HttpResponse(
        calendar.feed_calendar(sessions, name="Outreach"),
        content_type="text/calendar; charset=utf-8",
    )
    # The sessions one person registered for: personal data, kept by no cache on the way.
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def survey(request, token):
    """The survey behind a single-use link: no sign-in, one answer per invitation."""
    try:
        invitation = surveys.open_invitation(token)
    except surveys.SurveyWithdrawn:
        return render(request, "registrations/survey_withdrawn.html", status=410)
    except surveys.SurveyClosed:
        return render(request, "registrations/survey_closed.html", status=404)
    form = SurveyForm(request.POST or None, survey=invitation.survey)
    if request.method == "POST" and form.is_valid():
        try:
            surveys.submit_response(invitation, form.cleaned_data, language=active_language())
        except surveys.SurveyWithdrawn:
            return render(request, "registrations/survey_withdrawn.html", status=410)
        except surveys.SurveyClosed:
            return render(request, "registrations/survey_closed.html", status=404)
        return render(request, "registrations/survey_thanks.html", {"invitation": invitation})
    context = {"form": form, "invitation": invitation, "session": invitation.registration.session}
    if invitation.series_id:
        # An outcome survey asks about a series since the organisation's first session of it.
        context["series"] = invitation.series
        context["since"] = format_day(
            timezone.localtime(invitation.period_starts_at), "long", active_language()
        )
    return render(
        request,
        "registrations/survey.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@require_GET
def privacy_notice(request):
    """The privacy notice the registration form's consent refers to, by version."""
    return render(
        request,
        "registrations/privacy.html",
        {
            "version": privacy.NOTICE_VERSION,
            "date": privacy.NOTICE_DATE,
            "contact": privacy.notice_contact(),
            "series_retention": queries.retention_periods(),
        },
    )


@require(is_signed_in)
@require_GET
def my_data(request):
    """Everything held about the signed-in person, as a JSON file."""
    response = HttpResponse(
        json.dumps(privacy.personal_data(request.user), ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    return as_download(response, "my-outreach-data.json")


@require(is_signed_in)
@require_http_methods(["GET", "POST"])
def erase_me(request):
    """Erase the signed-in person after they confirm; they are signed out."""
    if request.method == "POST":
        privacy.erase_on_request(request.user, by=request.user)
        logout(request)
        return render(request, "registrations/erased.html")
    return render(request, "registrations/erase_confirm.html")

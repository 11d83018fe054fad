"""A course's pages: enrol (the public registration form, once for every session), the page
after enrolling, leave the course by link, and the organisers' view of its enrolments."""

from datetime import datetime, timedelta

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from events.models import Series
from events.permissions import can_manage_sessions
from outreach.languages import active_language
from outreach.middleware import viewer_time_zone
from outreach.permissions import require
from registrations import ratelimit
from registrations import services as registering
from registrations.courses import queries, services
from registrations.forms import RegistrationForm, initial_for
from registrations.models import (
    PRIVACY_NOTICE_VERSION,
    Enrolment,
    RegistrationState,
    RegistrationStatus,
)

# As for a session (registrations.views): the page after enrolling shows the outcome only to
# the browser that enrolled, for this long.
THANKS_FOR = timedelta(hours=1)
THANKS_KEY = "enrolled"


def _course(slug: str) -> Series:
    """A course with a session published (or held): other series have no course page."""
    series = get_object_or_404(Series, slug=slug, is_course=True)
    if not services.course_sessions(series).exists():
        raise Http404
    return series


def _context(series: Series) -> dict:
    sessions = list(services.course_sessions(series))
    upcoming = [s for s in sessions if s.starts_at > timezone.now()]
    return {
        "series": series,
        "sessions": sessions,
        "upcoming": upcoming,
        # The busy and too-many pages lead back through the course's next session.
        "session": upcoming[0] if upcoming else sessions[0],
        "places_left": services.places_left(series),
        "state": services.course_state(series),
        "states": RegistrationState,
        "privacy_version": PRIVACY_NOTICE_VERSION,
    }


@require_http_methods(["GET", "POST"])
def enrol(request, slug):
    """One form for every session of the course (services.enrol_from_form)."""
    series = _course(slug)
    person = request.user if request.user.is_authenticated else None
    context = _context(series)
    form = RegistrationForm(
        request.POST or None,
        initial=initial_for(person) or {"time_zone": viewer_time_zone(request)[0]},
        person=person,
        language=active_language(),
    )
    context["form"] = form
    if person is not None:
        # A signed-in person enrolled already sees their place, and the way to leave.
        context["enrolment"] = (
            Enrolment.objects.filter(series=series, person=person)
            .exclude(status=RegistrationStatus.CANCELLED)
            .first()
        )
    state = context["state"]
    if request.method == "GET" or state != RegistrationState.OPEN:
        return render(request, "registrations/courses/enrol.html", context)
    if not form.is_valid():
        return render(request, "registrations/courses/enrol.html", context, status=400)
    data = form.cleaned_data
    email = person.email if person else data["email"]
    if form.is_robot():
        return redirect("registrations:course-enrolled", slug=series.slug)
    if not ratelimit.may_register(request, email):
        return render(request, "registrations/too_many.html", context, status=429)
    try:
        outcome = services.enrol_from_form(
            series, data=data, person=person, language=active_language()
        )
    except registering.RegistrationClosed:
        context["state"] = services.course_state(series)
        return render(request, "registrations/courses/enrol.html", context, status=409)
    except registering.SeatsBusy:
        response = render(request, "registrations/busy.html", context, status=503)
        response["Retry-After"] = "5"
        return response
    mine = isinstance(outcome, Enrolment) and (
        request.user.is_authenticated or getattr(outcome.person, "_created_just_now", False)
    )
    entry = {"at": timezone.now().isoformat(), "email": email}
    if mine:
        entry["enrolment"] = outcome.pk
    remembered = request.session.get(THANKS_KEY, {})
    remembered[str(series.pk)] = entry
    request.session[THANKS_KEY] = remembered
    return redirect("registrations:course-enrolled", slug=series.slug)


def _remembered(request, series) -> dict:
    entry = request.session.get(THANKS_KEY, {}).get(str(series.pk)) or {}
    try:
        at = datetime.fromisoformat(entry["at"])
    except (KeyError, TypeError, ValueError):
        return {}
    return entry if timezone.now() - at <= THANKS_FOR else {}


@require_GET
def enrolled(request, slug):
    """After enrolling: the place (or the place in line) for the browser that enrolled; else
    only that an email went to the address typed, if it is known."""
    series = _course(slug)
    entry = _remembered(request, series)
    enrolment = None
    if entry.get("enrolment"):
        enrolment = Enrolment.objects.filter(
            pk=entry["enrolment"], series=series, anonymised_at__isnull=True
        ).first()
    context = _context(series) | {"email": entry.get("email", ""), "enrolment": enrolment}
    if enrolment is not None:
        context["place"] = queries.waitlist_place(enrolment)
    return render(request, "registrations/courses/enrolled.html", context)


@require_http_methods(["GET", "POST"])
def leave(request, token):
    """Leave the whole course from its messages or My sessions: the page asks once (mail
    scanners opening the link change nothing), the button leaves."""
    enrolment = queries.enrolment_by_token(token)
    if enrolment is None:
        return render(request, "registrations/bad_link.html", status=404)
    context = {"enrolment": enrolment, "series": enrolment.series}
    if request.method == "POST":
        try:
            services.cancel_own_enrolment(enrolment)
        except services.CourseStarted:
            return render(request, "registrations/courses/leave_too_late.html", context, status=409)
        except registering.SeatsBusy:
            response = render(request, "registrations/busy.html", context, status=503)
            response["Retry-After"] = "5"
            return response
        return render(request, "registrations/courses/left.html", context)
    if enrolment.status != RegistrationStatus.CANCELLED and not services.upcoming_sessions(
        enrolment.series
    ):
        return render(request, "registrations/courses/leave_too_late.html", context, status=409)
    return render(request, "registrations/courses/leave.html", context)


@require(can_manage_sessions)
@require_GET
def course(request, slug):
    """A course's enrolments for its organisers: who holds a place, who waits, who left, and
    each person's progress by the completion rule."""
    series = get_object_or_404(Series, slug=slug, is_course=True)
    enrolments = queries.course_enrolments(series)
    sessions = list(services.course_sessions(series))
    return render(
        request,
        "registrations/courses/manage.html",
        {
            "series": series,
            "sessions": sessions,
            "enrolments": enrolments,
            "confirmed": sum(e.status == RegistrationStatus.CONFIRMED for e in enrolments),
            "waitlisted": sum(e.status == RegistrationStatus.WAITLISTED for e in enrolments),
            "completed": sum(e.completed_at is not None for e in enrolments),
        },
    )

from django import template

from registrations import permissions, services
from registrations.courses import services as courses
from registrations.models import Registration, RegistrationState

register = template.Library()


@register.inclusion_tag("registrations/panel.html", takes_context=True)
def registration_panel(context, session):
    """The session page's registration box: register, or your registration and join link."""
    user = context["request"].user
    registration = None
    if user.is_authenticated:
        registration = Registration.objects.filter(session=session, person=user).first()
    series = session.series if session.series_id else None
    course = series if series is not None and series.is_course else None
    return {
        "session": session,
        # A course's session is taken with the whole course (registrations.courses).
        "course": course,
        "course_sessions": courses.upcoming_sessions(course) if course else [],
        "registration": registration,
        "state": services.registration_state(session),
        "states": RegistrationState,
        "join_url": session.join_url
        if session.join_url and permissions.can_see_join_link(user, session, registration)
        else "",
        "request": context["request"],
    }

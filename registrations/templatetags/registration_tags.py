from django import template

from registrations import permissions, services
from registrations.models import Registration, RegistrationState

register = template.Library()


@register.inclusion_tag("registrations/panel.html", takes_context=True)
def registration_panel(context, session):
    """The session page's registration box: register, or your registration and join link."""
    user = context["request"].user
    registration = None
    if user.is_authenticated:
        registration = Registration.objects.filter(session=session, person=user).first()
    return {
        "session": session,
        "registration": registration,
        "state": services.registration_state(session),
        "states": RegistrationState,
        "join_url": session.join_url
        if session.join_url and permissions.can_see_join_link(user, session, registration)
        else "",
        "request": context["request"],
    }

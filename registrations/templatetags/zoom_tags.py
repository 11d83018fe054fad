from django import template

from registrations.zoom.queries import zoom_status as session_zoom_status

register = template.Library()


@register.inclusion_tag("registrations/manage/zoom_status.html", takes_context=True)
def zoom_status(context, session):
    """The session's Zoom webinar and registrants on its organiser page: created, waiting, or
    failed with Zoom's reason and a retry."""
    return {
        "session": session,
        "status": session_zoom_status(session),
        "csrf_token": context.get("csrf_token"),
    }

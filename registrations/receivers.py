from registrations import services
from registrations.zoom import services as zoom_sync


def announce_session_change(sender, session, change, **kwargs):
    """A public session moved, was cancelled or has new details: tell its registrants (messages
    are queued)."""
    services.announce_session_change(session, change)


def sync_zoom_webinar(sender, session, **kwargs):
    """A session was published or changed (time, title, cancellation): have its Zoom webinar
    created, updated or deleted, when it has or wants one (a task calls Zoom)."""
    zoom_sync.request_webinar_sync(session)


def sync_zoom_registrant(sender, instance, raw=False, **kwargs):
    """A registration was saved (made, confirmed, promoted, cancelled, moved, waitlisted): have
    its Zoom registrant added or cancelled when Zoom's is out of step (a task calls Zoom).
    Every change of a registration's status is a save of the registration, so this one receiver
    follows them all."""
    if not raw and zoom_sync.registrant_out_of_step(instance):
        zoom_sync.request_registrant_sync(instance)

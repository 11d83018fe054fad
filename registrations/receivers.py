from registrations import services


def announce_session_change(sender, session, change, **kwargs):
    """A public session moved, was cancelled or has new details: tell its registrants (messages
    are queued)."""
    services.announce_session_change(session, change)

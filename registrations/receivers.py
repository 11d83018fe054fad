from registrations import services


def announce_session_change(sender, session, change, **kwargs):
    """A public session moved or was cancelled: tell its registrants (messages are queued)."""
    services.announce_session_change(session, change)

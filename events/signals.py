"""What the events layer tells the layers above it, without knowing them."""

from django.dispatch import Signal

# Sent after commit when a public session's time changes or it is cancelled; arguments:
# session, change ("rescheduled" or "cancelled").
session_changed = Signal()

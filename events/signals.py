"""What the events layer tells the layers above it, without knowing them."""

from django.dispatch import Signal

# Sent after commit when a public session's time changes, it is cancelled, or its venue, join
# link or a title changes; arguments: session, change ("rescheduled", "cancelled" or "updated").
session_changed = Signal()
# Sent after commit when a draft session is published; arguments: session.
session_published = Signal()

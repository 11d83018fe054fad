"""What the registrations layer tells the layers above it (the API's webhooks), without knowing
them. Each is sent after commit, so a receiver sees the rows written and nothing rolled back."""

from django.dispatch import Signal

# A registration was made, or made again after a cancellation (confirmed or waitlisted);
# arguments: registration.
registration_created = Signal()
# A registration was cancelled (by its person or an organiser); arguments: registration.
registration_cancelled = Signal()
# A session's attendance became known or changed (a report imported, a Zoom pull, a check-in, a
# link by hand: follow_ups.mark_attendance_known); arguments: session.
attendance_recorded = Signal()
# A survey invitation was answered (surveys.services.submit_response); arguments: response.
survey_answered = Signal()

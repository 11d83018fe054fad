"""Background tasks: thin functions that take ids, fetch again, and call a service."""

from django.tasks import task

from registrations import delivery
from registrations.models import ReminderRun
from registrations.services import send_reminder_round


@task
def send_message(message_id: int) -> str:
    """Send one message; safe to run twice (the second run finds it sent)."""
    return delivery.deliver_message(message_id)


@task
def send_session_reminders(run_id: int) -> int:
    run = ReminderRun.objects.select_related("session").filter(pk=run_id).first()
    if run is None:
        return 0
    return send_reminder_round(run)


@task
def send_survey_reminders(session_id: int) -> int:
    from events.models import Session
    from registrations.surveys import send_reminders

    session = Session.objects.filter(pk=session_id).first()
    return send_reminders(session) if session else 0


@task
def invite_to_survey(session_id: int) -> int:
    from events.models import Session
    from registrations.surveys import invite_attendees

    session = Session.objects.filter(pk=session_id).first()
    return invite_attendees(session) if session else 0

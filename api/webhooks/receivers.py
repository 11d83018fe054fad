"""The layers below tell of their events by signals (sent after commit); each becomes webhook
deliveries here. Connected in api.apps.ApiConfig.ready.

A receiver runs after the sender's work is committed, in the sender's request or task: a
failure here is logged and never turns a registration, a check-in or a survey answer that was
recorded into an error page."""

import logging
from functools import wraps

from api.webhooks import services

logger = logging.getLogger(__name__)


def _logged(receiver):
    @wraps(receiver)
    def run(sender, **kwargs):
        try:
            receiver(sender, **kwargs)
        except Exception:
            logger.exception("webhooks: could not make the deliveries of %s", receiver.__name__)

    return run


@_logged
def on_session_changed(sender, session, change, **kwargs):
    services.session_changed(session, change)


@_logged
def on_session_published(sender, session, **kwargs):
    services.session_changed(session, "published")


@_logged
def on_registration_created(sender, registration, **kwargs):
    services.registration_created(registration)


@_logged
def on_registration_cancelled(sender, registration, **kwargs):
    services.registration_cancelled(registration)


@_logged
def on_attendance_recorded(sender, session, **kwargs):
    services.attendance_recorded(session)


@_logged
def on_survey_answered(sender, response, **kwargs):
    services.survey_answered(response)

"""The layers below tell of their events by signals (sent after commit); each becomes webhook
deliveries here. Connected in api.apps.ApiConfig.ready."""

from api.webhooks import services


def on_session_changed(sender, session, change, **kwargs):
    services.session_changed(session, change)


def on_session_published(sender, session, **kwargs):
    services.session_changed(session, "published")


def on_registration_created(sender, registration, **kwargs):
    services.registration_created(registration)


def on_registration_cancelled(sender, registration, **kwargs):
    services.registration_cancelled(registration)


def on_attendance_recorded(sender, session, **kwargs):
    services.attendance_recorded(session)


def on_survey_answered(sender, response, **kwargs):
    services.survey_answered(response)
